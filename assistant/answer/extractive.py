"""The default answerer: no language model, only sentences the documents contain.

Every sentence of the retrieved chunks is a candidate; ``features.py`` describes each
(semantic similarity to the question, lexical coverage, answer type, the question's specifics
stated in the sentence's context …) and the fitted selector (``selector.py``) gives each a
probability of answering the question. The best sentence answers when its probability reaches
the fitted threshold; otherwise the answer is a refusal — one that says what the documents do
state when only the question's year, place or number is missing. Citations show the repaired
text (``quote``) and keep the published wording (``quote_original``).
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from langchain_core.documents import Document

from assistant.answer import selector
from assistant.answer.features import (
    Candidate,
    QuestionView,
    ablations,
    candidates,
    describe,
    missing_specifics,
    view,
)
from assistant.answer.refusal import (
    REFUSAL_NOT_FOUND,
    REFUSAL_NOT_FOUND_EN,
    AnswerType,
    answer_types,
    constraint_met,
    constraints,
    has_type,
    is_instruction,
)
from assistant.answer.thesaurus import Thesaurus
from assistant.models import Answer, Citation
from assistant.text import GENERIC_NOUNS, QUESTION_WORDS, STOPWORDS, analyze, fold, terms_match, tokens

HARD_TYPES = frozenset({"phone", "email", "money", "procedure", "contact"})
_ENGLISH = frozenset(
    [
        "the",
        "what",
        "when",
        "where",
        "who",
        "which",
        "how",
        "many",
        "much",
        "is",
        "are",
        "does",
        "did",
        "of",
        "and",
        "to",
        "in",
        "for",
        "by",
        "with",
    ]
)
_GERMAN = frozenset(
    [
        "der",
        "die",
        "das",
        "wie",
        "wann",
        "wo",
        "wer",
        "welche",
        "ist",
        "sind",
        "und",
        "in",
        "von",
        "fur",
        "mit",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
    ]
)


class TermStats(Protocol):
    """Corpus statistics of analysed terms (the lexical index provides them)."""

    def idf(self, term: str) -> float: ...

    def knows(self, term: str) -> bool: ...


class _Uniform:
    def idf(self, term: str) -> float:
        return 1.0

    def knows(self, term: str) -> bool:
        return True


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
    coverage: float = 0.0  # share of all question terms found
    known_coverage: float = 0.0  # share of the question terms the corpus has at all
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
            # A document sentence that instructs the assistant is data, never an answer: skip it.
            if is_instruction(pair["clean"]):
                continue
            out.append(Sentence(pair["clean"], pair["original"], doc, rank, position))
    return out


def _fuzzy_in(word: str, folded_words: list[str]) -> bool:
    """Shared stretch of ≥ 70 % of a long question word inside a document word (Ministerium ~ Integrationsminister)."""
    if len(word) < 7:
        return False
    need = math.ceil(len(word) * 0.7)
    pieces = {word[i : i + need] for i in range(len(word) - need + 1)}
    return any(p in w for w in folded_words for p in pieces)


def _near(word: str, words: set[str]) -> bool:
    """A typo away from a document word („Hesen" ~ „Hessen")."""
    return len(word) >= 5 and bool(difflib.get_close_matches(word, words, n=1, cutoff=0.85))


class SemanticSource(Protocol):
    """Embeddings of the question and of every indexed sentence (the retriever holds both)."""

    def query_vector(self, query: str) -> list[float]: ...

    def sentence_vectors(self) -> dict[str, Any]: ...


class ExtractiveAnswerer:
    """Selects and cites document sentences; refuses when they do not answer the question."""

    def __init__(
        self,
        stats: TermStats | None = None,
        *,
        semantic: SemanticSource | None = None,
        model: selector.Selector | None = None,
        max_sentences: int = 3,
        min_dense_similarity: float = 0.80,
        thesaurus: Thesaurus | None = None,
        translations: Thesaurus | None = None,
    ) -> None:
        self.stats: TermStats = stats or _Uniform()
        self.thesaurus = thesaurus
        self.translations = translations  # English → German words, for English questions
        self.semantic = semantic
        self._model = model
        self.max_sentences = max_sentences
        self.min_dense_similarity = min_dense_similarity

    @property
    def model(self) -> selector.Selector:
        if self._model is None:
            self._model = selector.load()
        return self._model

    # ------------------------------------------------------------------ selection
    def rank_candidates(
        self, question: str, docs: list[Document], focus: str | None = None
    ) -> tuple[QuestionView, list[Candidate]]:
        """Candidates with features and probabilities, best first. Terms and meaning come from the
        standalone ``question``; the answer type and specifics from the user's own ``focus``."""
        vector = self.semantic.query_vector(question) if self.semantic else None
        english = is_english(focus or question)
        q = view(question, vector, self.stats, self.thesaurus, self.translations if english else None)
        if self.semantic is not None:
            ablated = [self.semantic.query_vector(text) for text in ablations(question, self.stats)]
            if ablated:
                matrix = np.asarray(ablated, dtype=np.float32)
                q.ablated = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
        if focus and focus != question:
            own = view(focus, None, self.stats)
            q.types, q.specifics, q.future, q.counted = own.types, own.specifics, own.future, own.counted
        cands = candidates(docs)
        describe(q, cands, self.semantic.sentence_vectors() if self.semantic else {})
        ranker = self.model.ranker
        for c in cands:
            c.probability = ranker.probability(c.features)
        return q, sorted(cands, key=lambda c: -c.probability)

    def confidence(self, ranked: list[Candidate], override: dict[str, float] | None = None, at: int = 0) -> float:
        """The gate's probability that candidate ``at`` (the best by default) is a right answer, with the
        others as its competition (``override``: what if a feature of it were different)."""
        order = [ranked[at], *ranked[:at], *ranked[at + 1 :]]
        feats = [c.features for c in order]
        feats[0] = feats[0] | (override or {})
        probs = [c.probability for c in order]
        if override:
            probs[0] = self.model.ranker.probability(feats[0])
        return self.model.gate.probability(selector.gate_features(feats, probs))

    # ------------------------------------------------------------------ scoring
    def _question_terms(self, question: str) -> dict[str, tuple[float, str, bool]]:
        """Stemmed content terms → (weight, folded surface form, known to the corpus)."""
        out: dict[str, tuple[float, str, bool]] = {}
        for tok in tokens(question):
            if tok in STOPWORDS or tok in QUESTION_WORDS or (len(tok) < 3 and not tok.isdigit()):
                continue
            stems = analyze(tok)
            if stems:
                # 1 + idf: rare terms count more, but a word the corpus lacks (often a paraphrase
                # such as „gegründet" for „konstituiert") must not outweigh all the others.
                term = stems[0]
                out.setdefault(term, (1.0 + self.stats.idf(term), tok, self.stats.knows(term)))
        return out

    def _coverage(
        self, terms: dict[str, tuple[float, str, bool]], text: str, heading: str, title: str
    ) -> tuple[float, float, set[str]]:
        """Weighted share of question terms found in the sentence — of all terms, and of those the
        corpus has at all; the section heading and document title count for less (they set the
        context, they do not state the fact)."""
        total = sum(w for w, _, _ in terms.values()) or 1.0
        known_total = sum(w for w, _, known in terms.values() if known)
        layers = [(1.0, text), (0.5, heading), (0.3, title)]
        analysed = [(credit, set(analyze(t)), tokens(t)) for credit, t in layers]
        got, matched = 0.0, set()
        for term, (weight, surface, _known) in terms.items():
            for credit, stems, words in analysed:
                if any(terms_match(term, t) for t in stems) or _fuzzy_in(surface, words):
                    got += credit * weight
                    if credit == 1.0:
                        matched.add(term)
                    break
        return got / total, (got / known_total if known_total else 0.0), matched

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
        q, ranked = self.rank_candidates(question, docs, focus)
        if not ranked:
            return refusal
        gate = self.model.gate
        best = ranked[0]
        confidence = self.confidence(ranked)
        if confidence < gate.threshold:
            # Less sure than the gate's bar, but not implausible: the lexical rules may answer.
            if confidence >= self.model.lexical_threshold:
                lexical = self.lexical_answer(question, docs, focus=focus)
                if lexical.answered and not self.contradicted_by_checks(lexical, ranked):
                    return lexical
            # Would the sentence answer if the question's year, place or number were stated with it?
            # Then the documents state a broader or other fact: say which, and refuse.
            missing = missing_specifics(q, best)
            if missing and self.confidence(ranked, {"constraint_missing": 0.0}) >= gate.threshold:
                return self._broader(best, missing, focus, english)
            return refusal.model_copy(update={"reason": "not_answered"})
        # Further sentences (a list, a second part of the question): each must pass the gate on its own.
        passing = {id(c) for i, c in enumerate(ranked[1:], 1) if self.confidence(ranked, at=i) >= gate.threshold}

        chosen = [best]
        for kind in q.types:
            if any(has_type(c.clean, kind) for c in chosen):
                continue
            typed = [c for c in ranked[1:] if has_type(c.clean, kind) and id(c) in passing]
            if typed:
                chosen.append(typed[0])
            elif kind.name in HARD_TYPES:  # a phone number, an amount …: an answer without one is none
                return refusal.model_copy(update={"reason": f"missing_{kind.name}"})

        list_question = self._is_list_question(focus)
        for c in ranked[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if c in chosen or id(c) not in passing:
                continue
            if c.matched - set().union(*(x.matched for x in chosen)) or list_question:
                chosen.append(c)
        return self._compose(chosen, english)

    @staticmethod
    def contradicted_by_checks(answer: Answer, ranked: list[Candidate]) -> bool:
        """The lexical rules answer on word overlap; the sentence-level checks may know better: a quoted
        sentence whose context lacks the question's year/place/number, its counted noun, its negation, or
        that reports the past when the next event is asked. (These checks are categorical; the graded
        signals — similarity, what a sentence leaves uncovered — are the gate's, with fitted weights.)"""
        quoted = " ".join(c.quote for c in answer.citations)
        for c in ranked:
            if c.clean in quoted:
                f = c.features
                if any(
                    f.get(name, 0.0) > 0
                    for name in ("constraint_missing", "counted_missing", "negation_mismatch", "tense_mismatch")
                ):
                    return True
        return False

    def lexical_answer(self, question: str, docs: list[Document], *, focus: str | None = None) -> Answer:
        """The lexical answerer (before the fitted selector): IDF-weighted coverage, answer-type and
        constraint rules, topic nouns. It answers only where the gate, though below its own threshold,
        rates the question at least at the fitted ``lexical_threshold``."""
        focus = focus or question
        english = is_english(focus)
        refusal = Answer(
            answer=REFUSAL_NOT_FOUND_EN if english else REFUSAL_NOT_FOUND, answered=False, reason="not_found"
        )
        if not docs:
            return refusal
        types = answer_types(focus)
        ranked = self.score_sentences(question, docs, types)
        if not ranked:
            return refusal
        best = ranked[0]
        best_dense = max(float(d.metadata.get("dense_similarity", 0.0)) for d in docs)
        if best.known_coverage < 0.5 and best_dense < self.min_dense_similarity:
            return refusal.model_copy(update={"reason": "not_relevant"})
        if best.coverage == 0.0:
            return refusal.model_copy(update={"reason": "not_relevant"})
        if not english and self.foreign_nouns(focus, docs):
            return refusal.model_copy(update={"reason": "topic_not_found"})
        chosen = [best]
        for kind in types:
            if any(has_type(s.clean, kind) for s in chosen):
                continue
            floor = 0.5 if kind.name in HARD_TYPES else 0.3
            typed = [s for s in ranked if has_type(s.clean, kind) and s.coverage >= floor]
            if not typed:
                return refusal.model_copy(update={"reason": f"missing_{kind.name}"})
            chosen.append(typed[0])
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
                extra = [s for s in ranked if s.coverage >= 0.34 and constraint_met(constraint, s.clean)]
                if not extra:
                    return refusal.model_copy(update={"reason": "constraint_not_found"})
                if extra[0] not in chosen:
                    chosen.append(extra[0])
        return self._compose(chosen, english)

    @staticmethod
    def _broader(best: Candidate, missing: list[str], focus: str, english: bool) -> Answer:
        """A refusal that names what the documents do state instead, with its citation."""
        # the asked-for specifics as the question spells them (hyphenated names included)
        words = {fold(w): w for w in re.findall(r"\w(?:[\w.-]*\w)?", focus)}
        named = ", ".join(words.get(m, m) for m in missing)
        if english:
            text = f"The documents give no figure or statement for {named}. They state (in German): {best.clean} [1]"
        else:
            text = f"Für {named} nennen die Dokumente keine Angabe. Sie nennen: {best.clean} [1]"
        answer = ExtractiveAnswerer._compose([best], english)
        return answer.model_copy(update={"answer": text, "answered": False, "reason": "broader_fact"})

    def score_sentences(self, question: str, docs: list[Document], types: list[AnswerType]) -> list[Sentence]:
        """Lexical sentence scores (coverage, answer type, rank) — what the Faktencheck ranks evidence with."""
        terms = self._question_terms(question)
        sentences = _sentences(docs)
        for s in sentences:
            meta = s.chunk.metadata
            s.coverage, s.known_coverage, s.matched = self._coverage(
                terms, s.clean, meta.get("heading", ""), meta.get("title", "")
            )
            type_frac = (sum(has_type(s.clean, t) for t in types) / len(types)) if types else 0.0
            s.score = s.coverage + 0.6 * type_frac + 0.15 / (s.rank + 1)
            if s.clean.rstrip().endswith(":"):  # introduces a list that is not there: no statement
                s.score *= 0.5
        return sorted(sentences, key=lambda s: -s.score)

    def foreign_nouns(self, question: str, docs: list[Document]) -> list[str]:
        words = re.findall(r"[^\W\d_][\w-]*", question)
        doc_words = {w for d in docs for w in tokens(d.page_content)}
        doc_stems = {t for d in docs for t in analyze(d.page_content)}
        foreign = []
        for word in words[1:]:  # the first word is capitalised anyway
            if not word[:1].isupper() or word.isupper():
                continue
            folded = fold(word)
            if folded in STOPWORDS or folded in QUESTION_WORDS or folded in GENERIC_NOUNS:
                continue
            for part in folded.split("-"):
                stems = analyze(part)
                if not stems or part in GENERIC_NOUNS:
                    continue
                if self.stats.knows(stems[0]) or any(terms_match(stems[0], t) for t in doc_stems):
                    continue
                if self.thesaurus is not None and self.thesaurus.synonyms(stems[0]) & doc_stems:
                    continue
                if _fuzzy_in(part, list(doc_words)) or _near(part, doc_words):
                    continue
                foreign.append(word)
        return foreign

    @staticmethod
    def _is_list_question(question: str) -> bool:
        return bool(re.search(r"\b(welche|which|nenn\w*|list\w*|aufzahl\w*|beispiele?)\b", fold(question)))

    @staticmethod
    def _compose(chosen: list[Any], english: bool) -> Answer:
        # Keep document order within a chunk, and one citation number per chunk.
        by_chunk: dict[str, list[Sentence]] = {}
        for s in chosen:
            by_chunk.setdefault(str(s.chunk.id or id(s.chunk)), []).append(s)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, group in enumerate(by_chunk.values(), 1):
            group.sort(key=lambda s: s.position)
            meta = group[0].chunk.metadata
            # „ich" in a letter: the answer names who that is, and the quote shows the signature it comes from
            speakers = list(dict.fromkeys(sp for s in group if (sp := getattr(s, "speaker", ""))))
            signed = f" […] {speakers[0]}" if speakers else ""
            citations.append(
                Citation(
                    n=n,
                    doc_id=str(meta.get("doc_id", "")),
                    title=str(meta.get("title", "")),
                    source=str(meta.get("source", "")),
                    quote=" ".join(s.clean for s in group) + signed,
                    quote_original=" ".join(s.original for s in group) + signed,
                    date=str(meta.get("date", "")),
                    publisher=str(meta.get("publisher", "")),
                )
            )
            said_by = f" ({'written by' if english else 'Absenderin/Absender'}: {speakers[0]})" if speakers else ""
            parts.append(" ".join(s.clean for s in group) + said_by + f" [{n}]")
        lead = "According to the official documents (quoted in German): " if english else ""
        return Answer(answer=lead + " ".join(parts), answered=True, citations=citations)
