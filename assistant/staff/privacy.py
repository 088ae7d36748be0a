"""Personal data is masked before anything a visitor typed is stored (question log, feedback).

What is masked: e-mail addresses, telephone and fax numbers, IBANs, and street addresses with a house
number. Figures the documents talk about (200.000, 2028, 28. Juni 2024) are kept: a telephone number
is recognised by its shape (a leading 0 or +, digit groups with separators, at least 7 digits, not a
thousands-separated amount or a date).
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
# +49 69 1234567, 0611 / 817-0, (069) 12 34 56, 0049-611-123456
_PHONE = re.compile(r"(?<![\w.])(?:\+|00|\(0|0)\d[\d\s()/.-]{5,}\d(?![\w])")
_STREET = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d{1,4}\s?[a-z]?\b",
    re.IGNORECASE,
)


def _phone(m: re.Match[str]) -> str:
    text = m.group(0)
    digits = re.sub(r"\D", "", text)
    # „200.000", „2.500.000" (amounts) and „28.06.2024" (dates) are not telephone numbers
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text) or re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", text):
        return text
    return "[Telefonnummer]" if len(digits) >= 7 else text


def mask_personal(text: str) -> str:
    """The text with e-mail addresses, IBANs, telephone numbers and street addresses replaced by a label."""
    text = _EMAIL.sub("[E-Mail]", text)
    text = _IBAN.sub("[IBAN]", text)
    text = _PHONE.sub(_phone, text)
    return _STREET.sub("[Adresse]", text)
