"""German synonyms from OpenThesaurus, so that a question's everyday word meets the document's word.

People ask about the „Tagung an der Uni", the „Chef" of a meeting, „Leute mit Lehre"; the documents
say „Veranstaltung", „Goethe-Universität", „unter der Leitung von", „Personen mit Berufsausbildung".
Stems alone cannot bridge that, and a word list written here would fit only the questions it was
written for. OpenThesaurus (LGPL-2.1 / CC-BY-SA-4.0, www.openthesaurus.de) is a maintained public
thesaurus of about 34,000 German synonym sets; Debian ships it as ``openthesaurus-de-text``
(installed by ``make install``), in the plain format „Wort;Synonym;Synonym (ugs.)" per line.

Only single words are used (multi-word expressions are phrases, not terms); labels in brackets
(„(ugs.)") are dropped. Words are compared as the answerer compares them: folded and stemmed
(``assistant.text.analyze``). A word belongs to several sets when it has several senses (Lehre:
Ausbildung | Dogma): the selector's fitted weights decide how much a synonym match counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from assistant.text import STOPWORDS, fold, stem

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("/usr/share/openthesaurus-de/openthesaurus.txt")
_LABEL = re.compile(r"\([^)]*\)")
_SINGLE_WORD = re.compile(r"^[^\W\d_][\w-]*$", re.UNICODE)


class Thesaurus:
    """Stem → the stems of its synonyms (all senses). Empty when the file is missing."""

    def __init__(self, synonyms: dict[str, frozenset[str]], source: str = "") -> None:
        self._synonyms = synonyms
        self.source = source

    def __len__(self) -> int:
        return len(self._synonyms)

    def synonyms(self, term: str) -> frozenset[str]:
        """Stems of the synonyms of a stemmed, folded term (without the term itself)."""
        return self._synonyms.get(term, frozenset())

    @classmethod
    def from_lines(cls, lines: Iterable[str], source: str = "") -> Thesaurus:
        groups: dict[str, set[str]] = {}
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            stems = set()
            for entry in line.rstrip("\n").split(";"):
                word = _LABEL.sub("", entry).strip()
                if not _SINGLE_WORD.match(word):
                    continue
                folded = fold(word)
                if folded in STOPWORDS or len(folded) < 3:
                    continue
                stems.add(stem(folded))
            if len(stems) < 2:
                continue
            for s in stems:
                groups.setdefault(s, set()).update(stems - {s})
        return cls({term: frozenset(others) for term, others in groups.items()}, source)


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_PATH) -> Thesaurus:
    """The thesaurus at ``path``, read once per process; an empty one (and a warning) if it is missing."""
    try:
        with path.open(encoding="utf-8") as handle:
            return Thesaurus.from_lines(handle, str(path))
    except OSError:
        log.warning("Thesaurus %s fehlt (Paket openthesaurus-de-text, `make install`): ohne Synonyme", path)
        return Thesaurus({}, "")
