"""Typos in a question, corrected before it is searched and answered.

„Wann wurde das Bündnis gegrüdet?" must find „gegründet" like any other word. A word is corrected only
when neither the documents (the lexical index) nor the German dictionary know it; the correction is
pyspellchecker's most frequent dictionary word one edit away (its German word list ships inside the
package). Names and terms of the documents („WELCOMECENTER") are known to the index and stay as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from assistant.text import analyze, is_german_word, spell_checker

_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)


@lru_cache(maxsize=4096)
def _correction(lower: str) -> str | None:
    return spell_checker().correction(lower)


def correct(text: str, known: Callable[[str], bool]) -> str:
    """``text`` with each unknown word of five or more letters replaced by its correction (case kept
    for the first letter); ``known(stem)`` says whether the documents have a term."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        stems = analyze(word)
        if not stems or known(stems[0]) or is_german_word(lower) or word.isupper():
            return word
        fixed = _correction(lower)
        if not fixed or fixed == lower:
            return word
        return (fixed[:1].upper() + fixed[1:]) if word[:1].isupper() else fixed

    return _WORD.sub(fix, text)
