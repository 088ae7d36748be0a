"""German lexical analysis shared by indexing, retrieval and answering.

One analyser everywhere means a query term and a document term meet in the
same form: lower case, umlauts and ß folded (so OCR'd „Fachkrafteoffensive"
meets „Fachkräfteoffensive"), Snowball German stemming, German stop words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import Stemmer
from bm25s.stopwords import STOPWORDS_GERMAN

_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "è": "e", "à": "a"})
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+", re.UNICODE)

# Question words and request verbs carry no topic; they must not drive matching.
QUESTION_WORDS = frozenset(
    [
        "wer",
        "wen",
        "wem",
        "wessen",
        "was",
        "wann",
        "wo",
        "woher",
        "wohin",
        "warum",
        "weshalb",
        "wieso",
        "wie",
        "welche",
        "welcher",
        "welches",
        "welchen",
        "welchem",
        "wieviel",
        "wieviele",
        "viele",
        "viel",
        "gibt",
        "gib",
        "nenne",
        "nennen",
        "nennt",
        "erklare",
        "erklaren",
        "beschreibe",
        "sag",
        "sage",
        "bitte",
        "mir",
        "uns",
        "konnen",
        "kann",
        "konnten",
        "mochte",
        "mochten",
        "wissen",
        "gern",
        "gerne",
        "eigentlich",
        "genau",
        "denn",
        "findet",
        "finden",
        "statt",
        "stattfinden",
        "stattfindet",
        "gibt",
        "gab",
        "geht",
        "handelt",
        "heisst",
        "lautet",
        "laut",
        "steht",
        "stehen",
        "what",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "why",
        "how",
        "many",
        "much",
        "does",
        "did",
        "do",
        "is",
        "are",
        "was",
        "were",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "for",
        "to",
        "and",
        "or",
        "with",
        "by",
        "from",
        "at",
        "about",
        "please",
        "tell",
        "me",
        "give",
        "list",
        "name",
    ]
)
# Abstract nouns a question uses to ask *about* something; they name no topic of their own.
GENERIC_NOUNS = frozenset(
    [
        "ergebnis",
        "ergebnisse",
        "thema",
        "themen",
        "ziel",
        "ziele",
        "inhalt",
        "inhalte",
        "zweck",
        "aufgabe",
        "aufgaben",
        "rolle",
        "bedeutung",
        "grund",
        "grunde",
        "beispiel",
        "beispiele",
        "art",
        "arten",
        "punkt",
        "punkte",
        "schwerpunkt",
        "schwerpunkte",
        "information",
        "informationen",
        "details",
        "uberblick",
        "erkenntnis",
        "erkenntnisse",
        "aussage",
        "aussagen",
        "idee",
        "ideen",
        "frage",
        "fragen",
        "antwort",
        "sinn",
        "rahmen",
        "hintergrund",
        "stand",
        "lage",
        "zusammenhang",
        "bereich",
        "bereiche",
        "weise",
    ]
)
STOPWORDS = frozenset(unicodedata.normalize("NFC", w).translate(_FOLD) for w in STOPWORDS_GERMAN) | frozenset(
    [
        "sowie",
        "bzw",
        "ca",
        "rund",
        "knapp",
        "etwa",
        "beim",
        "zum",
        "zur",
        "vom",
        "ins",
        "ans",
        "aufs",
        "durchs",
        "uber",
        "unter",
    ]
)


# Format characters a reader does not see: zero-width space/joiners, soft hyphen, bidi controls, BOM.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")


def fold(text: str) -> str:
    """Lower case with umlauts and ß folded to ASCII (ä→a, ß→ss), after NFKC (fullwidth „ＩＧＮＯＲＥ" and
    ligatures become plain letters) and with invisible format characters removed („Igno\u200briere")."""
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).lower().translate(_FOLD)


def tokens(text: str) -> list[str]:
    """Folded word and number tokens, in order."""
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=1)
def spell_checker() -> Any:
    """pyspellchecker's German checker (its word list ships inside the package), one edit distance."""
    from spellchecker import SpellChecker

    return SpellChecker(language="de", distance=1)


def german_words() -> Any:
    """German word list with frequencies (pyspellchecker's)."""
    return spell_checker().word_frequency


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german")


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    return str(_stemmer().stemWord(token))


def content_tokens(text: str, *, drop_question_words: bool = False) -> list[str]:
    """Folded tokens that carry content: no stop words, no single letters (digits stay)."""
    return [
        tok
        for tok in tokens(text)
        if tok not in STOPWORDS
        and not (drop_question_words and tok in QUESTION_WORDS)
        and (len(tok) >= 2 or tok.isdigit())
    ]


def analyze(text: str, *, drop_question_words: bool = False) -> list[str]:
    """Stemmed content terms of a text: what the answerer compares."""
    return [stem(tok) for tok in content_tokens(text, drop_question_words=drop_question_words)]


def terms_match(query_term: str, doc_term: str) -> bool:
    """Stem equality, or one stem inside the other as a compound part (Programm ~ Landesprogramm)."""
    if query_term == doc_term:
        return True
    short, long_ = sorted((query_term, doc_term), key=len)
    if len(short) < 4 or short.isdigit():
        return False
    return long_.startswith(short) or long_.endswith(short)


_FUGEN = ("s", "es", "n", "en")


def _known(word: str) -> bool:
    return word in german_words()


@lru_cache(maxsize=100_000)
def is_german_word(word: str, depth: int = 0) -> bool:
    """A dictionary word, or a compound of dictionary words joined with a Fugen element
    (Fachkräfte|sicherung, Zukunft|s|werkstatt)."""
    if _known(word):
        return True
    if depth >= 2 or len(word) < 7:
        return False
    for i in range(4, len(word) - 2):
        left, right = word[:i], word[i:]
        left_ok = (
            _known(left)
            or any(left.endswith(f) and len(left) - len(f) >= 4 and _known(left[: len(left) - len(f)]) for f in _FUGEN)
            or any(_known(left + f) for f in ("n", "e", "en"))
        )
        if left_ok and (_known(right) or is_german_word(right, depth + 1)):
            return True
    return False


@lru_cache(maxsize=200_000)
def decompound(word: str) -> tuple[str, ...]:
    """The two parts of a German compound when the dictionary knows both (Fachkräfte|sicherung,
    Zukunfts|werkstätten → zukunft, werkstätten); () for a simple word."""
    if len(word) < 8:
        return ()
    words = german_words()
    for i in range(4, len(word) - 3):
        left, right = word[:i], word[i:]
        head = left if left in words else (left[:-1] if left.endswith("s") and left[:-1] in words else "")
        if head and len(head) >= 4 and (right in words or is_german_word(right)):
            return (head, right)
    return ()


def analyze_for_index(text: str, *, drop_question_words: bool = False) -> list[str]:
    """``analyze`` plus the parts of compounds, so „Fachkräftesicherung" also matches „Sicherung":
    what BM25 indexes and queries with."""
    out = []
    for tok in content_tokens(text, drop_question_words=drop_question_words):
        out.append(stem(tok))
        out.extend(stem(part) for part in decompound(tok) if part not in STOPWORDS)
    return out
