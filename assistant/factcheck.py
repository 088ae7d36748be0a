"""Faktencheck: judge a German statement against the official documents.

The checkable details of a statement (counts, years, dates, places, persons)
are compared with those of the document sentence that speaks about the same
thing. A cited sentence stating a different value for the same kind of detail
makes the statement ``contradicted``; ``supported`` needs every detail (and,
for a statement without details, every content word) stated in a cited
sentence; everything else is ``not_found``. When in doubt: never ``supported``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from langchain_core.documents import Document
from pydantic import BaseModel, Field

from assistant.answer.extractive import ExtractiveAnswerer, Sentence, TermStats
from assistant.answer.refusal import is_instruction
from assistant.claims import WEEKDAYS, Comparison, compare
from assistant.models import Citation
from assistant.text import QUESTION_WORDS, analyze, fold, german_words, is_german_word, terms_match

Verdict = Literal["supported", "contradicted", "not_found"]

# Chunks of the sentences closest in meaning read besides the best chunks: a statement is one
# sentence, so more of them than a question's answer needs (``chain.SENTENCE_HITS`` = 3).
SENTENCE_HITS = 6

_MONTHS = {
    "januar": 1, "februar": 2, "marz": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwolf": 12, "zwanzig": 20, "dreisig": 30, "hundert": 100,
}  # fmt: skip
_MONTH_RE = "|".join(_MONTHS)
_FULL_DATE = re.compile(rf"\b(\d{{1,2}})\.\s*(?:({_MONTH_RE})|(\d{{1,2}})\.)\s*(\d{{4}})")
_MONTH_YEAR = re.compile(rf"\b({_MONTH_RE})\s+(\d{{4}})")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_SCOPE_YEAR = re.compile(r"\b(?:bis|ab|seit)(?: zum jahr| ins jahr)?\s+((?:19|20)\d\d)\b")
_COUNT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.\s]\d{3})+|\d+)(?:,\d+)?(?![\d.]?\d)")
_MONEY = re.compile(r"(\d[\d.,]*)\s*(?:€|euro|eur\b)")
_CITIES = (
    "frankfurt|wiesbaden|kassel|darmstadt|giessen|marburg|fulda|offenbach|hanau|mainz|berlin|hamburg|munchen|"
    "koln|stuttgart|dusseldorf|hannover|leipzig|dresden|nurnberg|bonn"
)
_SCOPES = (
    "hessen|bayern|baden-wurttemberg|niedersachsen|nordrhein-westfalen|rheinland-pfalz|saarland|sachsen|"
    "sachsen-anhalt|thuringen|brandenburg|mecklenburg-vorpommern|schleswig-holstein|bremen|deutschland|"
    "osterreich|schweiz|europa"
)
_CITY = re.compile(rf"\b({_CITIES})\b")
_SCOPE = re.compile(rf"\b({_SCOPES})\b")
# A proper name: two capitalised words, the second not a German word (Kai Klose, Heike Hofmann, Campus Westend).
_NAME_PAIR = re.compile(r"(?=\b([A-ZÄÖÜ][a-zäöüß]+)\s+([A-ZÄÖÜ][a-zäöüß]+)\b)")
_ARTICLES = frozenset(
    [
        "Der",
        "Die",
        "Das",
        "Den",
        "Dem",
        "Des",
        "Ein",
        "Eine",
        "Einen",
        "Einem",
        "Eines",
        "Im",
        "Am",
        "Zum",
        "Zur",
        "Vom",
        "Beim",
    ]
)


class Difference(BaseModel):
    statement: str = Field(description="The detail as the statement gives it.")
    source: str = Field(description="The detail as the document gives it.")


class FactCheck(BaseModel):
    verdict: Verdict
    explanation: str
    differences: list[Difference] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


@dataclass(frozen=True)
class Detail:
    kind: str  # count | money | year | scope_year | date | month_year | city | scope | name
    value: str  # normalised, comparable
    text: str  # as written
    counted: frozenset[str] = frozenset()  # for a count: stems of the words after it (what it counts)


def _counted_after(folded: str, end: int) -> frozenset[str]:
    """Stems of the next content words after a number: what the number counts."""
    stems = [analyze(w) for w in re.findall(r"[a-z]+", folded[end : end + 80]) if w not in QUESTION_WORDS]
    return frozenset([s[0] for s in stems if s][:4])


def _number(text: str) -> str:
    return re.sub(r"[.\s]", "", text)


_FOLD1 = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "s"})


def details(text: str) -> list[Detail]:
    """The checkable details of a text, normalised for comparison; ``text`` of each is as written."""
    folded = text.lower().translate(_FOLD1)  # same length as text, so spans point into the original
    if len(folded) != len(text):
        folded, text = fold(text), fold(text)
    found: list[Detail] = []
    spans: list[tuple[int, int]] = []

    def taken(m: re.Match[str]) -> bool:
        return any(a <= m.start() < b or a < m.end() <= b for a, b in spans)

    for m in _FULL_DATE.finditer(folded):
        month = _MONTHS[m.group(2)] if m.group(2) else int(m.group(3))
        found.append(Detail("date", f"{int(m.group(1))}.{month}.{m.group(4)}", text[m.start() : m.end()]))
        spans.append(m.span())
    for m in _MONTH_YEAR.finditer(folded):
        if not taken(m):
            found.append(Detail("month_year", f"{_MONTHS[m.group(1)]}.{m.group(2)}", text[m.start() : m.end()]))
            spans.append(m.span())
    for m in _SCOPE_YEAR.finditer(folded):
        if not taken(m):
            found.append(Detail("scope_year", m.group(1), text[m.start() : m.end()]))
            spans.append(m.span())
    for m in _YEAR.finditer(folded):
        if not taken(m):
            found.append(Detail("year", m.group(1), text[m.start() : m.end()]))
            spans.append(m.span())
    for m in _MONEY.finditer(folded):
        if not taken(m):
            found.append(Detail("money", _number(m.group(1)), text[m.start() : m.end()]))
            spans.append(m.span())
    for m in _COUNT.finditer(folded):
        if not taken(m):
            found.append(
                Detail("count", _number(m.group(1)), text[m.start() : m.end()].strip(), _counted_after(folded, m.end()))
            )
            spans.append(m.span())
    for word, value in _NUMBER_WORDS.items():
        for m in re.finditer(rf"\b{word}\b", folded):
            found.append(Detail("count", str(value), text[m.start() : m.end()], _counted_after(folded, m.end())))
    for m in _CITY.finditer(folded):
        found.append(Detail("city", m.group(1), text[m.start() : m.end()]))
    for m in _SCOPE.finditer(folded):
        found.append(Detail("scope", m.group(1), text[m.start() : m.end()]))
    for m in _NAME_PAIR.finditer(text):
        first, last = m.group(1), m.group(2)
        if first not in _ARTICLES and _looks_like_name(last) and _looks_like_name(first, given_name=True):
            found.append(Detail("name", fold(f"{first} {last}"), f"{first} {last}"))
    return found


def _looks_like_name(word: str, given_name: bool = False) -> bool:
    """A surname is no German word, not even a compound (Klose, Hofmann); a given name may be a rare
    dictionary entry (Kai, Heike) but not a compound noun or a place."""
    folded = fold(word)
    if _CITY.fullmatch(folded) or _SCOPE.fullmatch(folded):
        return False
    lower = word.lower()
    if given_name:
        return len(lower) <= 8 and not (lower in german_words() and german_words()[lower] > 50)
    return not is_german_word(lower)


def _counts_alike(a: Detail, b: Detail) -> bool:
    """Two counts speak of the same thing when what they count matches (or one does not say)."""
    if a.kind != "count" or b.kind != "count" or not a.counted or not b.counted:
        return True
    return any(terms_match(x, y) for x in a.counted for y in b.counted)


def same_detail(a: Detail, b: Detail) -> bool:
    if a.value == b.value:
        return _counts_alike(a, b)
    if a.kind in ("year", "scope_year") and b.kind in ("date", "month_year"):
        return b.value.endswith("." + a.value)
    if a.kind == "month_year" and b.kind == "date":
        return b.value.endswith("." + a.value)
    return False


_COMPARABLE = {
    "count": {"count"},
    "money": {"money"},
    "year": {"year", "date", "month_year"},
    "scope_year": {"year", "scope_year", "date", "month_year"},
    "date": {"date"},
    "month_year": {"date", "month_year"},
    "city": {"city"},
    "scope": {"scope"},
    "name": {"name"},
}


def _closest(detail: Detail, candidates: list[Detail]) -> Detail:
    if detail.kind == "count" and detail.value.isdigit():
        target = int(detail.value)
        numeric = [c for c in candidates if c.value.isdigit()]
        if numeric:
            return min(
                numeric, key=lambda c: abs(len(c.value) - len(detail.value)) * 10**9 + abs(int(c.value) - target)
            )
    return candidates[0]


class FactChecker:
    """Judges statements with the same retriever and term statistics as question answering."""

    def __init__(
        self, retriever: object, stats: TermStats | None = None, k: int = 6, min_dense_similarity: float = 0.80
    ) -> None:
        self.retriever = retriever
        self.k = k
        self.min_dense_similarity = min_dense_similarity
        self._scorer = ExtractiveAnswerer(stats)

    def check(self, statement: str) -> FactCheck:
        statement = statement.strip()
        if not statement or not re.search(r"\w", statement):
            return FactCheck(verdict="not_found", explanation="Bitte geben Sie eine Aussage zum Prüfen ein.")
        if is_instruction(statement):
            return FactCheck(
                verdict="not_found",
                explanation="Die Eingabe ist eine Anweisung an den Assistenten, keine überprüfbare Aussage.",
            )
        docs = self._search(statement)
        if not docs:
            return _not_found()
        claimed = details(statement)
        ranked = self._rank(statement, docs, claimed)
        if not ranked:
            return _not_found()
        best, structure = self._evidence(statement, ranked, docs, claimed)
        evidence = details(best.clean)
        # Names, places, dates and weekdays are details compared below, not topic words that must occur
        # somewhere.
        detail_words = {w for d in claimed if d.kind != "count" for w in d.text.split()}
        detail_words |= {w for w in re.findall(r"\w+", statement) if fold(w) in WEEKDAYS}
        foreign = [w for w in self._scorer.foreign_nouns(statement, docs) if w not in detail_words]
        kinds_covered = bool(claimed) and all(
            any(e.kind in _COMPARABLE[d.kind] for e in evidence)
            for d in claimed
            if d.kind not in ("scope", "scope_year")
        )
        on_topic = best.known_coverage >= 0.5 or (
            kinds_covered and float(best.chunk.metadata.get("dense_similarity", 0.0)) >= self.min_dense_similarity
        )
        if foreign or not on_topic:
            return _not_found()

        matched, differences, missing = [], [], []
        for detail in claimed:
            same = [e for e in evidence if same_detail(detail, e)]
            if same:
                matched.append(detail)
                continue
            rivals = [
                e
                for e in evidence
                if e.kind in _COMPARABLE[detail.kind] and not same_detail(detail, e) and _counts_alike(detail, e)
            ]
            # A scope (another state, „bis 2030") the document does not speak about is not a contradiction.
            if rivals and detail.kind not in ("scope", "scope_year"):
                differences.append((detail, _closest(detail, rivals)))
            else:
                missing.append(detail)

        citation = _citation(best)
        if structure.wrong_group:
            claimed_q, same_q, owner_q = structure.wrong_group[0]
            where = f" (dort: {owner_q.text.strip()})" if owner_q else ""
            return _contradicted(
                f"Die Zahl {same_q.text.split()[0]} bezieht sich im Dokument auf „{_group_words(same_q)}“, "
                f"nicht auf „{_group_words(claimed_q)}“{where}.",
                claimed_q.text,
                same_q.text,
                citation,
            )
        if structure.weekday_conflict:
            said, stated = structure.weekday_conflict
            explanation = f"Das Dokument nennt einen anderen Wochentag (Aussage: {said} – Dokument: {stated})."
            return _contradicted(explanation, said, stated, citation)
        if structure.comparison_conflict:
            said, stated = structure.comparison_conflict
            return _contradicted(f"Die Zahlen im Dokument sagen das Gegenteil ({stated}).", said, stated, citation)
        if structure.polarity_differs and not structure.unstated and not differences:
            explanation = "Die Aussage verneint, was das Dokument sagt (oder umgekehrt)."
            return _contradicted(explanation, statement, best.clean, citation)
        if differences:
            pairs = [Difference(statement=d.text, source=e.text) for d, e in differences]
            listed = "; ".join(f"Aussage: {p.statement} – Dokument: {p.source}" for p in pairs)
            return FactCheck(
                verdict="contradicted",
                explanation=f"Das Dokument nennt andere Angaben ({listed}).",
                differences=pairs,
                citations=[citation],
            )
        if missing:
            return _not_found(
                "Die Dokumente enthalten zu "
                + ", ".join(f"„{d.text}“" for d in missing)
                + " keine Angabe; die Aussage lässt sich nicht bestätigen."
            )
        # Supported needs every content word stated in the evidence, with the same polarity.
        if structure.polarity_differs:
            return _not_found(
                "Das Dokument sagt dazu nicht dasselbe (Verneinung); die Aussage lässt sich nicht bestätigen."
            )
        if structure.unstated:
            return _not_found(
                "Die Dokumente bestätigen nicht: " + ", ".join(f"„{w}“" for w in structure.unstated[:6]) + "."
            )
        return FactCheck(
            verdict="supported",
            explanation="Die Aussage wird durch das zitierte Dokument gestützt"
            + (": " + ", ".join(d.text for d in matched) + " stimmen überein." if matched else "."),
            citations=[citation],
        )

    def _search(self, statement: str) -> list[Document]:
        """The retrieved chunks, with the chunks of the sentences most similar in meaning when the
        retriever offers them (the same search the answerer reads)."""
        try:
            return list(self.retriever.search(statement, self.k, sentence_hits=SENTENCE_HITS))  # type: ignore[attr-defined]
        except TypeError:  # a retriever without sentence search
            return list(self.retriever.search(statement, self.k))  # type: ignore[attr-defined]

    def _similarities(self, statement: str, sentences: list[Sentence]) -> dict[int, float]:
        """Cosine of the statement and each sentence (the sentence embeddings of ingest), by position in
        ``sentences``; empty when the retriever keeps no sentence vectors."""
        query_vector = getattr(self.retriever, "query_vector", None)
        lexical_index = getattr(self.retriever, "lexical_index", None)
        if query_vector is None or lexical_index is None:
            return {}
        vectors = getattr(lexical_index(), "sentence_vectors", {}) or {}
        q = np.asarray(query_vector(statement), dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        return {i: float(np.asarray(vectors[s.clean]) @ q) for i, s in enumerate(sentences) if s.clean in vectors}

    def _evidence(
        self, statement: str, ranked: list[Sentence], docs: list[Document], claimed: list[Detail]
    ) -> tuple[Sentence, Comparison]:
        """Meaning finds, structure decides: the candidates are all sentences of the retrieved chunks
        (which include the chunks of the sentences closest in meaning); the evidence is the one that
        leaves the fewest of the statement's content words unstated, then the one that states most of
        its details, then the closest in meaning. So a name that occurs elsewhere („Ihre – Heike
        Hofmann") does not pull in a sentence about something else. Returns it with its comparison."""
        similarity = self._similarities(statement, ranked)
        # The details' own words (a number, a name, a date) are slots compared afterwards: a sentence giving
        # another value for the same slot is the evidence that contradicts.
        slot_words = {fold(w) for d in claimed for w in re.findall(r"\w+", d.text)}
        documents = _document_texts(docs)
        compared = [
            compare(statement, s.clean, _context(s), documents.get(str(s.chunk.metadata.get("doc_id")), ()))
            for s in ranked
        ]

        def cost(i: int) -> tuple[int, int, int, float]:
            found = details(ranked[i].clean)
            comparable = sum(1 for d in claimed if any(e.kind in _COMPARABLE[d.kind] for e in found))
            exact = sum(1 for d in claimed if any(same_detail(d, e) for e in found))
            words = sum(1 for w in compared[i].unstated if fold(w) not in slot_words)
            return words, -comparable, -exact, -similarity.get(i, ranked[i].score)

        best = min(range(len(ranked)), key=cost)
        return ranked[best], compared[best]

    def _rank(self, statement: str, docs: list[Document], claimed: list[Detail]) -> list[Sentence]:
        sentences = self._scorer.score_sentences(statement, docs, [])
        for s in sentences:
            found = details(s.clean)
            comparable = sum(
                1 for d in claimed if any(e.kind in _COMPARABLE[d.kind] and _counts_alike(d, e) for e in found)
            )
            exact = sum(1 for d in claimed if any(same_detail(d, e) for e in found))
            # the sentence that states the same kinds of detail about the same thing is the evidence
            s.score = s.coverage + (1.0 * comparable + 0.5 * exact) / max(len(claimed), 1)
        return sorted(sentences, key=lambda s: -s.score)


def _context(sentence: Sentence) -> str:
    """The evidence sentence's immediate context: the sentence before it and its heading. Not the
    document's title: it names the occasion („Letzte Sitzung des Bündnisses"), not what the sentence
    is about („hat sich am 22. September 2020 konstituiert")."""
    import json

    meta = sentence.chunk.metadata
    try:
        pairs = json.loads(meta.get("sentences") or "[]")
    except json.JSONDecodeError:
        pairs = []
    before = pairs[sentence.position - 1]["clean"] if 0 < sentence.position <= len(pairs) else ""
    return " ".join(str(x) for x in (before, meta.get("heading", "")) if x)


def _document_texts(docs: list[Document]) -> dict[str, tuple[str, ...]]:
    """The retrieved chunk texts of each document, by doc id (its topic nouns count as stated); kept
    per chunk so that each chunk is analysed once, however the retrieved set combines them."""
    texts: dict[str, list[str]] = {}
    for d in docs:
        texts.setdefault(str(d.metadata.get("doc_id")), []).append(d.page_content)
    return {doc_id: tuple(parts) for doc_id, parts in texts.items()}


def _group_words(quantity: Any) -> str:
    words = quantity.text.split()[1:]
    return " ".join(w for w in words if w not in ("und", "knapp", "rund", "ca.")) or "?"


def _citation(sentence: Sentence) -> Citation:
    meta = sentence.chunk.metadata
    return Citation(
        n=1,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        source=str(meta.get("source", "")),
        quote=sentence.clean,
        quote_original=sentence.original,
        date=str(meta.get("date", "")),
        publisher=str(meta.get("publisher", "")),
    )


def _contradicted(explanation: str, said: str, stated: str, citation: Citation) -> FactCheck:
    """A verdict decided by one detail: what the statement says and what the cited sentence states."""
    return FactCheck(
        verdict="contradicted",
        explanation=explanation,
        differences=[Difference(statement=said, source=stated)],
        citations=[citation],
    )


def _not_found(explanation: str = "") -> FactCheck:
    return FactCheck(
        verdict="not_found",
        explanation=explanation or "Die offiziellen Dokumente enthalten dazu keine Angaben.",
    )
