"""A statement and its evidence sentence as the same small structure, for the Faktencheck.

German analysis comes from HanTa (the Hanover Tagger; its model ships inside the PyPI wheel): STTS
part-of-speech tags and lemmas. Over the tags a shallow parse collects

* the content lemmas (nouns, names, adjectives, adverbs, full verbs, numbers) — what a statement asserts;
* its polarity — negation particles (PTKNEG „nicht"), „kein…", „weder", „nie";
* quantities with the group they count: the number and the nouns and modifiers after it up to the
  next comma or number („135.000 Personen mit Berufsausbildung" → 135000, {person, berufsausbildung});
* weekdays, checked against the weekday of a full date in the evidence;
* comparisons („mehr X als Y"), checked against the evidence's figures for X and Y.

``compare`` says what keeps a statement from being supported by the evidence: a content word the
evidence does not state, the opposite polarity, a number attached to another group, another weekday.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.text import STOPWORDS, analyze, fold, terms_match

_TOKEN = re.compile(r"\d{1,3}(?:[.\s]\d{3})+|\d+(?:,\d+)?|[^\W\d_]+(?:-[^\W\d_]+)*|[^\w\s]")
# Adverbs are content too („ausschließlich online", „erstmals", „jährlich"): a statement may not add a
# restriction or a manner the evidence does not state; function adverbs are in the stopword list.
_CONTENT_TAGS = ("NN", "NE", "ADJ", "ADV", "VV", "CARD", "TRUNC")
_NEGATION_LEMMAS = frozenset(["kein", "keiner", "weder", "nie", "niemals", "nichts", "niemand"])
WEEKDAYS = ["montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"]
_MONTHS = {
    "januar": 1, "februar": 2, "marz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}  # fmt: skip
_FULL_DATE = re.compile(r"\b(\d{1,2})\.\s*(?:(" + "|".join(_MONTHS) + r")|(\d{1,2})\.)\s*(\d{4})")
# Light verbs (copula, support and existence verbs) carry the statement's structure, not its content:
# „findet … statt", „gehört zu", „dauert", „gibt es". A paraphrase may use another one.
_LIGHT_VERBS = frozenset(
    ["sein", "haben", "werden", "finden", "stattfinden", "geben", "gehoren", "dauern", "liegen", "stehen",
     "kommen", "machen", "bleiben", "lassen", "bestehen", "zahlen", "nennen", "handeln"]
)  # fmt: skip
# Words that attribute a statement to a source („laut Erklärung", „Prognosen zufolge") or frame it; they
# assert nothing about the world the evidence must repeat.
_FRAME = frozenset(
    ["laut", "zufolge", "gemass", "angabe", "erklarung", "prognose", "dokument", "einladung", "pressemitteilung"]
)


@lru_cache(maxsize=1)
def _tagger() -> Any:
    from HanTa import HanoverTagger

    return HanoverTagger.HanoverTagger("morphmodel_ger.pgz")


@dataclass
class Quantity:
    value: str  # digits only
    text: str  # as written, with what it counts
    group: set[str] = field(default_factory=set)  # folded lemmas of what it counts
    modifiers: set[str] = field(default_factory=set)  # of those, the ones after a preposition („mit …")


@dataclass
class Comparative:
    """„mehr Akademiker als Personen mit Berufsausbildung": ``more`` (+1) or fewer (−1) of ``first``
    than of ``second`` (folded lemmas of each side)."""

    word: str
    direction: int
    first: set[str]
    second: set[str]


# Comparatives that say „fewer / less" (the rest say „more / larger"); their base forms as HanTa
# lemmatises them.
_LESS = frozenset(["wenig", "gering", "niedrig", "klein", "knapp", "kurz"])


@dataclass
class Claim:
    content: list[tuple[str, str]] = field(default_factory=list)  # (folded lemma, word as written)
    negations: int = 0
    quantities: list[Quantity] = field(default_factory=list)
    weekdays: set[int] = field(default_factory=set)
    date_weekdays: set[int] = field(default_factory=set)  # weekdays of the full dates it states
    nouns: set[str] = field(default_factory=set)  # common nouns (may be stated anywhere in the document)
    comparatives: list[Comparative] = field(default_factory=list)


@lru_cache(maxsize=32768)
def _tagged(text: str) -> tuple[tuple[str, str, str], ...]:
    """HanTa's (word, lemma, STTS tag) for each token, once per text: the fact check's ``analyse`` and the
    answerer's ``lemma_stems`` read the same sentences."""
    words = _TOKEN.findall(text)
    return tuple(_tagger().tag_sent(words, taglevel=1)) if words else ()


def perfect_tense(text: str) -> bool:
    """A clause in the present perfect with „haben" (HanTa: a finite form of „haben" and a past
    participle): „Das Bündnis *hat* sich am 22. September 2020 *konstituiert*" reports the past as surely as
    „konstituierte" does. (With „sein" the same shape is mostly a state: „ist … angewiesen".)"""
    tagged = _tagged(text)
    return any(lemma == "haben" and tag == "VA(FIN)" for _w, lemma, tag in tagged) and any(
        tag == "VV(PP)" for _w, _l, tag in tagged
    )


@lru_cache(maxsize=1)
def _first_names() -> Any:
    import gender_guesser.detector as detector  # its first-name dictionary (≈ 40,000 names) ships in the wheel

    return detector.Detector(case_sensitive=False)


def person_names(text: str) -> list[str]:
    """Names of people: a first name followed by a capitalised word („Kai Klose", „Heike Hofmann"), or two
    proper nouns in a row as HanTa tags them. A compound common noun the dictionary lacks („Bündnis
    Fachkräftesicherung") or a noun before a place name („Campus Westend", „Land Hessen") is no name."""
    tagged = _tagged(text)
    names = _first_names()
    return [
        f"{w1} {w2}"
        for (w1, _l1, t1), (w2, _l2, t2) in zip(tagged, tagged[1:], strict=False)
        if w1[:1].isupper()
        and w1.isalpha()
        and fold(w1) not in STOPWORDS  # „Im Jahr": a function word is no first name
        and w2[:1].isupper()
        and ((t1 == "NE" and t2 == "NE") or names.get_gender(w1) != "unknown")
    ]


@lru_cache(maxsize=16384)
def analyse(text: str) -> Claim:
    tagged = _tagged(text)
    claim = Claim()
    for i, (word, lemma, tag) in enumerate(tagged):
        folded_lemma = fold(lemma)
        if tag == "PTKNEG" or folded_lemma in _NEGATION_LEMMAS or fold(word) in _NEGATION_LEMMAS:
            claim.negations += 1
            continue
        if fold(word) == "mehr" and i and fold(tagged[i - 1][0]) in ("nicht", "nie", "niemals"):
            continue  # „nicht mehr": the negation of a state that held before, nothing more
        if fold(word) in WEEKDAYS:
            claim.weekdays.add(WEEKDAYS.index(fold(word)))
            continue
        if tag.startswith("CARD") and re.fullmatch(r"[\d.\s,]+", word):
            digits = re.sub(r"[.\s]", "", word.split(",")[0])
            if len(digits) == 4 and digits[:2] in ("19", "20"):
                claim.content.append((digits, word))  # a year is a content word like any other
                continue
            group, modifiers, spelled, after_preposition = set(), set(), [word], False
            previous_tag = tag
            for next_word, next_lemma, next_tag in tagged[i + 1 : i + 7]:
                if next_tag.startswith("CARD") or next_word in ",;:" or next_tag == "$.":
                    break
                if next_tag.startswith("KON") and not previous_tag.startswith("TRUNC"):  # „… und knapp 67.000"
                    break
                previous_tag = next_tag
                spelled.append(next_word)
                after_preposition = after_preposition or next_tag.startswith("APPR")
                if next_tag.startswith(("NN", "NE", "ADJ")):
                    group.add(fold(next_lemma))
                    if after_preposition:
                        modifiers.add(fold(next_lemma))
            claim.quantities.append(Quantity(digits, " ".join(spelled), group, modifiers))
            claim.content.append((digits, word))
            continue
        if tag.startswith(_CONTENT_TAGS) and len(word) > 1:
            if folded_lemma in STOPWORDS or folded_lemma in _FRAME or fold(word) in _FRAME:
                continue
            if tag.startswith("VV") and folded_lemma in _LIGHT_VERBS:
                continue
            claim.content.append((folded_lemma, word))
            if tag.startswith("NN"):
                claim.nouns.add(folded_lemma)
    claim.comparatives = _comparatives(tagged)
    for m in _FULL_DATE.finditer(fold(text)):
        month = _MONTHS[m.group(2)] if m.group(2) else int(m.group(3))
        with contextlib.suppress(ValueError):  # 31.02. is no date
            claim.date_weekdays.add(datetime.date(int(m.group(4)), month, int(m.group(1))).weekday())
    return claim


def _comparatives(tagged: Sequence[tuple[str, str, str]]) -> list[Comparative]:
    """Comparisons „mehr/weniger/größer … X als Y" over the tags: a comparative (mehr, weniger, or an
    adjective whose form is longer than its lemma and ends in -er/-ere/-eren…) followed by „als"."""
    found = []
    for i, (word, lemma, tag) in enumerate(tagged):
        folded, folded_lemma = fold(word), fold(lemma)
        is_comparative = folded in ("mehr", "weniger") or (
            tag.startswith("ADJ") and folded != folded_lemma and re.search(r"er(e[mnrs]?)?$", folded) is not None
        )
        if not is_comparative:
            continue
        rest = tagged[i + 1 : i + 10]
        als = next((j for j, (w, _, _) in enumerate(rest) if fold(w) == "als"), None)
        if als is None:
            continue
        first = {fold(lm) for _, lm, t in rest[:als] if t.startswith(("NN", "ADJ"))}
        second = set()
        for w, lm, t in rest[als + 1 :]:
            if w in ",;:" or t == "$.":
                break
            if t.startswith(("NN", "ADJ")):
                second.add(fold(lm))
        direction = -1 if folded == "weniger" or folded_lemma in _LESS else 1
        if first and second:
            found.append(Comparative(word, direction, first, second))
    return found


def _matches(lemma: str, word: str, evidence_words: set[str], evidence_stems: set[str]) -> bool:
    if lemma in evidence_words or fold(word) in evidence_words:
        return True
    stems = analyze(lemma) + analyze(word)
    return any(terms_match(s, e) for s in stems for e in evidence_stems)


def fold_lemma(word: str, claim: Claim) -> str:
    return next((lemma for lemma, w in claim.content if w == word), fold(word))


@dataclass
class Comparison:
    unstated: list[str]  # content words of the statement the evidence does not state
    polarity_differs: bool
    wrong_group: list[tuple[Quantity, Quantity, Quantity | None]]  # (statement, evidence same value, evidence's group)
    weekday_conflict: tuple[str, str] | None
    comparison_conflict: tuple[str, str] | None = None  # (statement's comparison, the evidence's figures)

    @property
    def supports(self) -> bool:
        return not (
            self.unstated
            or self.polarity_differs
            or self.wrong_group
            or self.weekday_conflict
            or self.comparison_conflict
        )


@lru_cache(maxsize=32768)
def lemma_stems(text: str) -> dict[str, str]:
    """Stem of each word → stem of its lemma where they differ (HanTa): „lädt" and „lade" both → „lad"
    (laden), so inflected forms meet where Snowball's stems do not. Cached per text (sentences recur)."""
    out: dict[str, str] = {}
    for word, lemma, _tag in _tagged(text):
        word_stems, lemma_stems_ = analyze(word), analyze(lemma)
        if word_stems and lemma_stems_ and word_stems[0] != lemma_stems_[0]:
            out[word_stems[0]] = lemma_stems_[0]
    return out


def _stem(word: str) -> str:
    stems = analyze(word)
    return stems[0] if stems else word


def _overlap(a: set[str], b: set[str]) -> bool:
    return any(x == y or terms_match(_stem(x), _stem(y)) for x in a for y in b)


@lru_cache(maxsize=8192)
def _words_and_lemmas(text: str) -> frozenset[str]:
    """The folded words of a text and the lemmas of its content words (cached per chunk: the same chunks
    come back for many statements)."""
    return frozenset(re.findall(r"\w+", fold(text))) | {lemma for lemma, _ in analyse(text).content}


def compare(statement: str, evidence: str, context: str = "", document: tuple[str, ...] = ()) -> Comparison:
    """What keeps ``evidence`` (one sentence; ``context``: its heading, the sentence before) from
    supporting ``statement``. Common nouns may also stand anywhere in ``document`` (the texts of the
    document's retrieved chunks: what the document is about, „Veranstaltung" in an invitation); names,
    numbers, adjectives and verbs must be in the context."""
    s, e = analyse(statement), analyse(evidence)
    around = analyse(context) if context else Claim()
    stated = e.content + around.content
    evidence_words = {lemma for lemma, _ in stated} | {fold(w) for _, w in stated}
    evidence_words |= set(re.findall(r"\w+", fold(evidence + " " + context)))
    evidence_stems = set(analyze(evidence + " " + context))
    unstated = [w for lemma, w in s.content if not _matches(lemma, w, evidence_words, evidence_stems)]
    if unstated and document:
        # Only the very word (or its lemma) counts as stated elsewhere in the document — not a part of a
        # compound: „Sitzung" somewhere does not state „Abschlusssitzung".
        document_words = frozenset().union(*(_words_and_lemmas(part) for part in document))
        unstated = [w for w in unstated if not (fold_lemma(w, s) in s.nouns and fold_lemma(w, s) in document_words)]

    wrong_group = []
    for q in s.quantities:
        same = [x for x in e.quantities if x.value == q.value]
        if not same or not q.group:
            continue
        # A modifier the evidence attaches to another number („knapp 67.000 mit akademischem Abschluss")
        # does not describe this one when the evidence gives this one a modifier of its own („135.000
        # Personen mit Berufsausbildung"), even when both count the same head noun.
        others = set().union(*(x.modifiers for x in e.quantities if x.value != q.value))
        borrowed = any(
            x.modifiers and _overlap(q.modifiers, others) and not _overlap(q.modifiers, x.modifiers) for x in same
        )
        if not borrowed and any(not x.group or _overlap(q.group, x.group) for x in same):
            continue
        rivals = [x for x in e.quantities if x.value != q.value and x.group and _overlap(q.group, x.group)]
        owner = max(rivals, key=lambda x: sum(_overlap({g}, x.group) for g in q.group), default=None)
        wrong_group.append((q, same[0], owner))

    # A comparison holds only when the evidence gives a figure for each side; otherwise it is unstated.
    comparison_conflict = None
    for c in s.comparatives:
        firsts = [x for x in e.quantities if _overlap(c.first, x.group) and not _overlap(c.second, x.group)]
        seconds = [x for x in e.quantities if _overlap(c.second, x.group) and not _overlap(c.first, x.group)]
        if not (firsts and seconds):
            unstated.append(c.word)
            continue
        # each side's figure: the quantity whose group shares the most of that side's words
        first = max(firsts, key=lambda x: sum(_overlap({w}, x.group) for w in c.first))
        second = max(seconds, key=lambda x: sum(_overlap({w}, x.group) for w in c.second))
        if (int(first.value) - int(second.value)) * c.direction <= 0:
            comparison_conflict = (
                f"{c.word} {' '.join(sorted(c.first))} als {' '.join(sorted(c.second))}",
                f"{first.text} – {second.text}",
            )

    conflict = None
    days = e.weekdays | e.date_weekdays | around.weekdays
    for day in s.weekdays:
        if days and day not in days:
            conflict = (WEEKDAYS[day].capitalize(), ", ".join(WEEKDAYS[d].capitalize() for d in sorted(days)))
    # a weekday the evidence implies through its date is stated, not an unstated word
    implied = {WEEKDAYS[d] for d in days}
    unstated = [w for w in unstated if fold(w) not in implied]
    return Comparison(unstated, (s.negations % 2) != (e.negations % 2), wrong_group, conflict, comparison_conflict)
