"""English → German query expansion for the domain's own vocabulary.

The documents are German; an English question shares almost no words with
them. Adding the German terms of the domain (not of any single question) lets
lexical retrieval and the coverage check work for English questions too.
"""

from __future__ import annotations

import re

from assistant.text import fold

EN_DE: dict[str, str] = {
    "skilled workers": "Fachkräfte",
    "skilled worker": "Fachkräfte",
    "skilled labour": "Fachkräfte",
    "skilled labor": "Fachkräfte",
    "workers": "Arbeitskräfte",
    "shortage": "Fachkräftemangel fehlen",
    "lack": "fehlen",
    "missing": "fehlen",
    "alliance": "Bündnis",
    "securing": "Sicherung",
    "founded": "gegründet konstituiert",
    "established": "gegründet konstituiert",
    "event": "Veranstaltung",
    "conference": "Veranstaltung",
    "invitation": "Einladung",
    "ministry": "Ministerium",
    "minister": "Minister Ministerin",
    "state government": "Landesregierung",
    "government": "Landesregierung",
    "measures": "Maßnahmen",
    "programmes": "Programme Landesprogramm",
    "programs": "Programme Landesprogramm",
    "fields of action": "Handlungsfelder",
    "focus groups": "Fokusgruppen",
    "districts": "Kreisen kreisfreien Städten",
    "regions": "Regionen",
    "regional": "regional",
    "initiative": "Fachkräfteinitiative",
    "meeting": "Sitzung",
    "session": "Sitzung",
    "declaration": "Erklärung Abschlusserklärung",
    "statement": "Erklärung",
    "workshops": "Workshops",
    "future workshops": "Zukunftswerkstätten",
    "nursing": "Pflege",
    "care": "Pflege",
    "health": "Gesundheit",
    "crafts": "Handwerk",
    "youth welfare": "Jugendhilfe",
    "digital": "digitalen",
    "internationalisation": "Internationalisierung",
    "internationalization": "Internationalisierung",
    "diversity": "Vielfalt",
    "university degree": "akademischem Abschluss",
    "academic": "akademischem Abschluss",
    "graduates": "akademischem Abschluss",
    "vocational training": "Berufsausbildung",
    "apprenticeship": "Berufsausbildung",
    "hesse": "Hessen",
    "hessian": "hessischen",
    "led": "Leitung",
    "chaired": "Leitung",
}
_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, EN_DE), key=len, reverse=True)) + r")\b")


def expand_english(question: str) -> str:
    """The question followed by the German domain terms its English words stand for."""
    german = [EN_DE[m.group(1)] for m in _PATTERN.finditer(fold(question))]
    return f"{question} {' '.join(dict.fromkeys(german))}" if german else question
