"""English → German word translations from the Ding dictionary, so that an English question's words meet
the German documents' words.

Visitors ask in English („Who signed the invitation?", „What were the focus groups?"); the documents are
German. The embedding model reads both languages, but the answerer's coverage of the question's words is
counted on German stems — an English question covered nothing, and the selector refused it. A word list
written here would fit only the questions it was written for. The Ding dictionary (Frank Richter, TU
Chemnitz; GPL-2.0-or-later) holds about 200,000 German–English entries; Debian ships it as ``trans-de-en``
(installed by ``make install``), one entry per line: „Deutsch | Beispiel :: English | example", parallel
parts separated by „|", alternatives by „;".

Only single words are used on both sides, within the same part of an entry; annotations in brackets
(„{f}", „[adm.]", „(sth.)") are dropped, and „to " before an English verb. Words are keyed as the answerer
keys question terms (folded and stemmed, ``assistant.text.stem``) and return German stems.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from assistant.answer.thesaurus import Thesaurus
from assistant.text import STOPWORDS, fold, stem

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/usr/share/trans/de-en")
_ANNOTATION = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\([^)]*\)|<[^>]*>")
_SINGLE_WORD = re.compile(r"^[^\W\d_][\w-]*$", re.UNICODE)


def _words(part: str, english: bool) -> set[str]:
    out = set()
    for alternative in part.split(";"):
        word = _ANNOTATION.sub("", alternative).strip()
        if english and word.startswith("to "):
            word = word[3:].strip()
        if not _SINGLE_WORD.match(word):
            continue
        folded = fold(word)
        if folded in STOPWORDS or len(folded) < 3:
            continue
        out.add(stem(folded))
    return out


def from_lines(lines: Iterable[str], source: str = "") -> Thesaurus:
    """English stem → German stems (a ``Thesaurus`` keyed by English words)."""
    german_for: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("#") or " :: " not in line:
            continue
        german, english = line.rstrip("\n").split(" :: ", 1)
        for de_part, en_part in zip(german.split(" | "), english.split(" | "), strict=False):
            de_words = _words(de_part, english=False)
            if not de_words:
                continue
            for word in _words(en_part, english=True):
                german_for.setdefault(word, set()).update(de_words)
    return Thesaurus({word: frozenset(stems) for word, stems in german_for.items()}, source)


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_PATH) -> Thesaurus:
    """The translations at ``path``, read once per process; none (and a warning) if the file is missing."""
    try:
        with path.open(encoding="utf-8") as handle:
            return from_lines(handle, str(path))
    except OSError:
        log.warning("Wörterbuch %s fehlt (Paket trans-de-en, `make install`): englische Fragen ohne Übersetzung", path)
        return Thesaurus({}, "")
