"""The default answerer: no language model, only sentences the documents contain.

It scores every sentence of the retrieved chunks against the question
(IDF-weighted term coverage, the answer type the question asks for, the
chunk's retrieval rank), picks the best few, and cites each with the original
published wording. It refuses when the evidence lacks what was asked.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.documents import Document

from assistant.answer.refusal import (
    REFUSAL_NOT_FOUND,
    REFUSAL_NOT_FOUND_EN,
    AnswerType,
    answer_types,
    constraint_met,
    constraints,
    has_type,
)
from assistant.models import Answer, Citation
from assistant.text import QUESTION_WORDS, STOPWORDS, analyze, fold, terms_match, tokens

HARD_TYPES = frozenset({"phone", "email", "money", "procedure", "contact"})
_ENGLISH = frozenset("the what when where who which how many much is are does did of and to in for by with".split())
_GERMAN = frozenset("der die das wie wann wo wer welche ist sind und in von fur mit den dem des ein eine".split())


def is_english(text: str) -> bool:
    words = tokens(text)
    return sum(w in _ENGLISH for w in words) > sum(w in _GERMAN for w in words)


@dataclass
class Sentence:
    clean: str
    original: str
    chunk: Document
    rank: int
    position: int
    score: float = 0.0
    coverage: float = 0.0
    matched: set[str] = field(default_factory=set)


def _sentences(docs: list[Document]) -> list[Sentence]:
    out = []
    for rank, doc in enumerate(docs):
        try:
            pairs = json.loads(doc.metadata.get("sentences") or "[]")
        except json.JSONDecodeError:
            pairs = []
        if not pairs:  # a chunk from another source: treat its text as one sentence
            pairs = [{"clean": doc.page_content, "original": doc.page_content}]
        for position, pair in enumerate(pairs):
            out.append(Sentence(pair["clean"], pair["original"], doc, rank, position))
    return out


def _fuzzy_in(word: str, folded_words: list[str]) -> bool:
    """Shared stretch of ≥ 70 % of a long question word inside a document word (Ministerium ~ Integrationsminister)."""
    if len(word) < 7:
        return False
    need = math.ceil(len(word) * 0.7)
    pieces = {word[i : i + need] for i in range(len(word) - need + 1)}
    return any(p in w for w in folded_words for p in pieces)


class ExtractiveAnswerer:
    """Selects and cites document sentences; refuses when they do not answer the question."""

    def __init__(
        self,
        idf: Callable[[str], float] | None = None,
        *,
        max_sentences: int = 3,
        min_dense_similarity: float = 0.80,
    ) -> None:
        self.idf = idf or (lambda term: 1.0)
        self.max_sentences = max_sentences
        self.min_dense_similarity = min_dense_similarity

    # ------------------------------------------------------------------ scoring
    def _question_terms(self, question: str) -> dict[str, tuple[float, str]]:
        """Stemmed content terms → (weight, folded surface form)."""
        out: dict[str, tuple[float, str]] = {}
        for tok in tokens(question):
            if tok in STOPWORDS or tok in QUESTION_WORDS or (len(tok) < 3 and not tok.isdigit()):
                continue
            stems = analyze(tok)
            if stems:
                # 1 + idf: rare terms count more, but a word the corpus lacks (often a paraphrase
                # such as „gegründet" for „konstituiert") must not outweigh all the others.
                out.setdefault(stems[0], (1.0 + self.idf(stems[0]), tok))
        return out

    def _coverage(
        self, terms: dict[str, tuple[float, str]], text: str, heading: str, title: str
    ) -> tuple[float, set[str]]:
        """Weighted share of question terms found in the sentence; its section heading and the
        document title count for less (they set the context, they do not state the fact)."""
        total = sum(w for w, _ in terms.values()) or 1.0
        layers = [(1.0, text), (0.5, heading), (0.3, title)]
        analysed = [(credit, set(analyze(t)), tokens(t)) for credit, t in layers]
        got, matched = 0.0, set()
        for term, (weight, surface) in terms.items():
            for credit, stems, words in analysed:
                if any(terms_match(term, t) for t in stems) or _fuzzy_in(surface, words):
                    got += credit * weight
                    if credit == 1.0:
                        matched.add(term)
                    break
        return got / total, matched

    def _score(self, question: str, docs: list[Document], types: list[AnswerType]) -> list[Sentence]:
        terms = self._question_terms(question)
        sentences = _sentences(docs)
        for s in sentences:
            meta = s.chunk.metadata
            s.coverage, s.matched = self._coverage(terms, s.clean, meta.get("heading", ""), meta.get("title", ""))
            type_frac = (sum(has_type(s.clean, t) for t in types) / len(types)) if types else 0.0
            s.score = s.coverage + 0.6 * type_frac + 0.15 / (s.rank + 1)
            if s.clean.rstrip().endswith(":"):  # introduces a list that is not there: no statement
                s.score *= 0.5
        return sorted(sentences, key=lambda s: -s.score)

    # ------------------------------------------------------------------ answering
    def answer(self, question: str, docs: list[Document], *, focus: str | None = None) -> Answer:
        """``question`` drives retrieval scoring (it may carry chat context); ``focus`` is the
        user's own latest wording, whose answer type and specifics must be met."""
        focus = focus or question
        english = is_english(focus)
        refusal = Answer(
            answer=REFUSAL_NOT_FOUND_EN if english else REFUSAL_NOT_FOUND, answered=False, reason="not_found"
        )
        if not docs:
            return refusal
        types = answer_types(focus)
        ranked = self._score(question, docs, types)
        if not ranked:
            return refusal
        best = ranked[0]
        best_dense = max(float(d.metadata.get("dense_similarity", 0.0)) for d in docs)

        # Relevance: the passages must be about what was asked, lexically or semantically.
        if best.coverage < 0.34 and best_dense < self.min_dense_similarity:
            return refusal.model_copy(update={"reason": "not_relevant"})
        if english and best.coverage < 0.34 and best_dense < self.min_dense_similarity + 0.02:
            return refusal.model_copy(update={"reason": "not_relevant"})

        chosen = [best]
        # Every requested answer type must be present in a sentence that is about the question.
        for kind in types:
            if any(has_type(s.clean, kind) for s in chosen):
                continue
            floor = 0.5 if kind.name in HARD_TYPES else 0.3
            typed = [s for s in ranked if has_type(s.clean, kind) and s.coverage >= floor]
            if not typed:
                return refusal.model_copy(update={"reason": f"missing_{kind.name}"})
            chosen.append(typed[0])

        # Further sentences that are nearly as good and add something (list questions, multi-part).
        for s in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if s in chosen or s.score < 0.8 * best.score or s.coverage < 0.34:
                continue
            if s.matched - set().union(*(c.matched for c in chosen)) or self._is_list_question(focus):
                chosen.append(s)

        evidence = " ".join(s.clean + " " + s.chunk.metadata.get("heading", "") for s in chosen)
        for constraint in constraints(focus):
            if not constraint_met(constraint, evidence):
                # the specific may sit in another retrieved sentence about the same thing
                extra = [s for s in ranked if s.coverage >= 0.34 and constraint_met(constraint, s.clean)]
                if not extra:
                    return refusal.model_copy(update={"reason": "constraint_not_found"})
                if extra[0] not in chosen:
                    chosen.append(extra[0])
        return self._compose(chosen, english)

    @staticmethod
    def _is_list_question(question: str) -> bool:
        return bool(re.search(r"\b(welche|which|nenn\w*|list\w*|aufzahl\w*|beispiele?)\b", fold(question)))

    @staticmethod
    def _compose(chosen: list[Sentence], english: bool) -> Answer:
        # Keep document order within a chunk, and one citation number per chunk.
        by_chunk: dict[str, list[Sentence]] = {}
        for s in chosen:
            by_chunk.setdefault(str(s.chunk.id or id(s.chunk)), []).append(s)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, group in enumerate(by_chunk.values(), 1):
            group.sort(key=lambda s: s.position)
            meta = group[0].chunk.metadata
            citations.append(
                Citation(
                    n=n,
                    doc_id=str(meta.get("doc_id", "")),
                    title=str(meta.get("title", "")),
                    source=str(meta.get("source", "")),
                    quote=" ".join(s.original for s in group),
                    date=str(meta.get("date", "")),
                )
            )
            parts.append(" ".join(s.clean for s in group) + f" [{n}]")
        lead = "According to the official documents (quoted in German): " if english else ""
        return Answer(answer=lead + " ".join(parts), answered=True, citations=citations)
