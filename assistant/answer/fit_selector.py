"""Fit the answer selector (``selector_model.json``) on data nobody here wrote the rules from.

    python -m assistant.answer.fit_selector [--germanquad ../shared/germanquad] [--work data/fit]

Training rows are (question, candidate sentence) pairs described by ``features.describe``:

* GermanQuAD dev, even-numbered questions, asked of the GermanQuAD passages: a sentence of the gold
  passage is a positive, a sentence of another retrieved passage a negative (odd-numbered questions
  are kept for the check figures);
* the same questions asked of ``corpus/``: every candidate is a negative (they are all off-topic there);
* near-misses generated from every answerable fit question (``near_misses``): the year, the place or
  the counted thing changed, the question negated, or turned to the next event — every candidate a negative;
* ``../shared/eval/dev.jsonl`` and ``tests/data/heldout_like.jsonl`` asked of ``corpus/``: a sentence of
  the expected document holding an expected fact is a positive; unanswerable questions give negatives.

A logistic regression (scikit-learn, balanced classes) gives the weights. The answer threshold is the
one that maximises the product's utility on the fit questions: +1 for a question answered with a right
sentence, −10 for an answer to a question that must be refused or an answer from a wrong sentence,
0 for a refusal („one confident wrong number is worse than ten honest refusals"). The blind question
bank and ``../shared/eval/heldout.jsonl`` are never used here; ``benchmarks/answers.py`` reports on them.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answer.features import _PAST, NEGATION, Candidate
from assistant.answer.selector import GATE_FEATURES, MODEL_PATH, RANKER_FEATURES, Selector, SelectorModel, gate_features
from assistant.settings import PROJECT_ROOT, Settings
from assistant.text import fold

WRONG_ANSWER_COST = 10.0  # answering what must be refused
WRONG_SENTENCE_COST = 3.0  # answering an answerable question from a sentence not labelled as its answer
_NEUTRAL = Selector(
    SelectorModel(
        RANKER_FEATURES,
        (0.0,) * len(RANKER_FEATURES),
        (1.0,) * len(RANKER_FEATURES),
        (0.0,) * len(RANKER_FEATURES),
        0.0,
    ),
    SelectorModel(
        GATE_FEATURES, (0.0,) * len(GATE_FEATURES), (1.0,) * len(GATE_FEATURES), (0.0,) * len(GATE_FEATURES), 0.0
    ),
)


# ---------------------------------------------------------------------------------------- stores
def service_for(corpus: Path, store_dir: Path, *, fresh: bool = False) -> Any:
    """An AssistantService over ``corpus`` with its own store, ingested (incrementally) now."""
    from assistant.chain import AssistantService
    from ingest.pipeline import ingest_corpus

    if fresh and store_dir.exists():
        shutil.rmtree(store_dir)
    service = AssistantService(Settings(corpus_dir=corpus, store_dir=store_dir))
    report = ingest_corpus(service.store, corpus, chunk_max_chars=service.settings.chunk_max_chars)
    if not report.ok:
        raise SystemExit(f"ingest of {corpus} failed: {report.failed}")
    return service


def germanquad_corpus(data: Path, work: Path) -> Path:
    corpus = work / "germanquad-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / "germanquad.jsonl"
    source = (data / "docs.jsonl").read_bytes()
    if not target.exists() or target.read_bytes() != source:
        target.write_bytes(source)
    return corpus


def germanquad_questions(data: Path) -> list[dict[str, Any]]:
    gold: dict[str, str] = {}
    for line in (data / "qrels-dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if int(row.get("relevance", 1)) > 0:
                gold[row["query_id"]] = row["doc_id"]
    out = []
    for line in (data / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["query_id"] in gold:
                out.append(
                    {"id": row["query_id"], "question": row["query_text"].strip(), "gold": gold[row["query_id"]]}
                )
    return out


def split_germanquad(questions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Even positions fit, odd positions check (file order, no shuffling: reproducible)."""
    return questions[0::2], questions[1::2]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------- rows
@dataclass
class Asked:
    """One question put to a service: its ranked candidates and which of them answer it."""

    question: str
    answerable: bool
    candidates: list[Candidate]
    positive: list[bool]
    group: str
    lexical: str = "refused"  # what the lexical answerer does: "right" | "wrong" | "refused"


def ask_candidates(
    service: Any, question: str, history: list[dict[str, str]] | None = None, judge: Any = None
) -> list[Candidate]:
    """The candidates the answerer would see for this question (same path as ``ask``); with ``judge``,
    also what the lexical answerer answers (``judge(answer)`` records it)."""
    from assistant.chain import prepare

    service._build()
    prepared = prepare(
        service._retriever, {"question": question, "history": history or []}, service.settings.retrieval_k
    )
    if not isinstance(prepared, tuple):
        if judge is not None:
            judge(prepared)  # refused before any sentence was read (instruction, empty)
        return []
    query, own, docs = prepared
    answerer = service._answerer
    answerer = getattr(answerer, "fallback", answerer)
    saved, answerer._model = answerer._model, _NEUTRAL
    try:
        _q, cands = answerer.rank_candidates(query, docs, own)
    finally:
        answerer._model = saved
    if judge is not None:
        lexical = answerer.lexical_answer(query, docs, focus=own)
        if lexical.answered and answerer.contradicted_by_checks(lexical, cands):
            lexical = lexical.model_copy(update={"answered": False, "citations": []})  # as ``answer`` does
        judge(lexical)
    return cands


def _lexical_outcome(answer: Any, right: bool) -> str:
    return "refused" if not answer.answered else ("right" if right else "wrong")


def fact_in(text: str, facts: list[list[str]]) -> bool:
    folded = fold(text)
    return any(any(fold(alt) in folded for alt in alternatives) for alternatives in facts)


_YEAR = re.compile(r"\b(19|20)\d\d\b")
_PLACES = ["Kassel", "Bayern", "Berlin", "Hamburg", "Sachsen", "Köln", "Wiesbaden", "Darmstadt", "Österreich", "Fulda"]
_COUNT_NOUNS = ["Teilnehmer", "Mitglieder", "Unternehmen", "Einwohner", "Besucher", "Mitarbeiter", "Schulen"]


def _has_asked_type(question: str, candidate: Candidate) -> bool:
    """GermanQuAD labels passages, not sentences: within the gold passage, a sentence counts as an answer
    only if it holds what the question's form asks for (a date for „wann", a number for „wie viele" …)."""
    from assistant.answer.refusal import answer_types, has_type

    return all(has_type(candidate.clean, kind) for kind in answer_types(question))


def near_misses(question: str, gold_text: str, rng: random.Random, *, future: bool = True) -> Iterator[tuple[str, str]]:
    """Questions the gold text no longer answers: (kind, question). Each change is checked against the
    gold text (an inserted year or place must not occur there). „Die nächste …" only where the documents
    report events (inserted into an encyclopaedia question it mostly makes nonsense, not a near-miss)."""
    folded_gold = fold(gold_text)
    stripped = question.rstrip(" ?")
    years = [y for y in range(1950, 2036) if str(y) not in gold_text]
    year = str(rng.choice(years))
    found = _YEAR.search(question)
    if found:
        yield "year", question.replace(found.group(0), year, 1)
    else:
        yield "year", f"{stripped} im Jahr {year}?"
    places = [p for p in _PLACES if fold(p) not in folded_gold and fold(p) not in fold(question)]
    if places:
        place = rng.choice(places)
        if "Hessen" in question:
            yield "place", question.replace("Hessen", place, 1)
        else:
            yield "place", f"{stripped} in {place}?"
    many = re.search(r"\b(wie viele|wieviele)\s+(\w+)", question, re.IGNORECASE)
    if many:
        nouns = [n for n in _COUNT_NOUNS if fold(n) not in folded_gold and fold(n) != fold(many.group(2))]
        if nouns:
            yield "quantity", question[: many.start(2)] + rng.choice(nouns) + question[many.end(2) :]
    # negated: „nicht" after the finite verb that follows the question word („Welche Regionen sind nicht
    # betroffen?") — a question about the complement, which a text that negates nothing does not answer
    verb = re.match(
        r"^(\w+(?:\s+\w+)?)\s+(ist|sind|war|waren|wird|werden|wurde|wurden|hat|haben|hatte|hatten|kann|können)\b",
        question,
        re.IGNORECASE,
    )
    if verb and not NEGATION.search(folded_gold) and not NEGATION.search(fold(question)):
        yield "negation", question[: verb.end()] + " nicht" + question[verb.end() :]
    article = re.search(r"\b(der|die|das)\s+([A-ZÄÖÜ]\w+)", question)
    if future and article and not re.search(r"nächst", question, re.IGNORECASE):
        form = {"der": "nächste", "die": "nächste", "das": "nächste"}[article.group(1)]
        yield "future", question[: article.end(1)] + f" {form}" + question[article.end(1) :]


def collect(args: argparse.Namespace, rng: random.Random) -> tuple[list[Asked], dict[str, Any]]:
    work: Path = args.work
    gq_service = service_for(germanquad_corpus(args.germanquad, work), work / "germanquad-store")
    corpus_service = service_for(args.corpus, work / "corpus-store")
    gold_texts = {
        json.loads(line)["doc_id"]: json.loads(line)["text"]
        for line in (args.germanquad / "docs.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    fit_questions, _check = split_germanquad(germanquad_questions(args.germanquad))
    asked: list[Asked] = []
    for row in fit_questions:
        got: list[Any] = []
        cands = ask_candidates(gq_service, row["question"], judge=got.append)
        positive = [
            str(c.chunk.metadata.get("doc_id")) == row["gold"] and _has_asked_type(row["question"], c) for c in cands
        ]
        cited = [c.doc_id for c in got[0].citations]
        lexical = _lexical_outcome(got[0], bool(cited) and cited[0] == row["gold"])
        asked.append(Asked(row["question"], True, cands, positive, "germanquad", lexical))
        got = []
        cands = ask_candidates(corpus_service, row["question"], judge=got.append)
        lexical = _lexical_outcome(got[0], False)
        asked.append(Asked(row["question"], False, cands, [False] * len(cands), "germanquad-on-corpus", lexical))
        for kind, variant in near_misses(row["question"], gold_texts[row["gold"]], rng, future=False):
            got = []
            cands = ask_candidates(gq_service, variant, judge=got.append)
            lexical = _lexical_outcome(got[0], False)
            asked.append(Asked(variant, False, cands, [False] * len(cands), f"near-miss-{kind}", lexical))
    corpus_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.md")))
    for path in args.domain:
        for case in read_jsonl(path):
            history = case.get("history") or []
            got = []
            cands = ask_candidates(corpus_service, case["question"], history, judge=got.append)
            if case.get("answerable"):
                facts = case.get("facts") or []
                positive = [
                    str(c.chunk.metadata.get("doc_id")) == case.get("doc") and fact_in(c.clean, facts) for c in cands
                ]
                right = all(any(fold(alt) in fold(got[0].answer) for alt in alts) for alts in facts)
                lexical = _lexical_outcome(got[0], right and any(c.doc_id == case.get("doc") for c in got[0].citations))
                asked.append(Asked(case["question"], True, cands, positive, "domain", lexical))
                if not history:
                    # „die nächste …" is a near-miss only where the answer reports something past
                    reports_past = any(p and _PAST.search(fold(c.clean)) for c, p in zip(cands, positive, strict=True))
                    for kind, variant in near_misses(case["question"], corpus_text, rng, future=reports_past):
                        got = []
                        cands = ask_candidates(corpus_service, variant, judge=got.append)
                        lexical = _lexical_outcome(got[0], False)
                        asked.append(
                            Asked(variant, False, cands, [False] * len(cands), f"domain-near-miss-{kind}", lexical)
                        )
            else:
                lexical = _lexical_outcome(got[0], False) if got else "refused"
                asked.append(
                    Asked(case["question"], False, cands, [False] * len(cands), "domain-unanswerable", lexical)
                )
    return asked, {"germanquad_fit_questions": len(fit_questions)}


# ---------------------------------------------------------------------------------------- fitting
def _logistic(
    rows: list[list[float]],
    labels: list[int],
    names: tuple[str, ...],
    *,
    balanced: bool,
    weights: list[float] | None = None,
) -> SelectorModel:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    # Indicator features (0/1) stay on their own scale: standardised, a rare indicator (a tense or
    # negation mismatch in one row of a hundred) takes values near 25, the penalty hardly restrains its
    # weight, and one uncertain rule turns into a veto. On the 0/1 scale the penalty bounds its effect.
    indicator = np.all((x == 0.0) | (x == 1.0), axis=0)
    mean[indicator], scale[indicator] = 0.0, 1.0
    model = LogisticRegression(C=1.0, class_weight="balanced" if balanced else None, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=None if weights is None else np.asarray(weights))
    return SelectorModel(
        features=names,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
    )


def _ranked(ranker: SelectorModel, a: Asked) -> tuple[list[int], list[float]]:
    probs = [ranker.probability(c.features) for c in a.candidates]
    order = sorted(range(len(probs)), key=lambda i: -probs[i])
    return order, [probs[i] for i in order]


def gate_row(ranker: SelectorModel, a: Asked) -> tuple[dict[str, float], bool]:
    order, probs = _ranked(ranker, a)
    feats = gate_features([a.candidates[i].features for i in order], probs)
    return feats, a.answerable and a.positive[order[0]]


def _hard_type_missing(ranker: SelectorModel, a: Asked) -> bool:
    """The answerer refuses when a phone number, an amount … is asked and the best sentence has none."""
    from assistant.answer.extractive import HARD_TYPES
    from assistant.answer.refusal import answer_types, has_type

    order, _probs = _ranked(ranker, a)
    best = a.candidates[order[0]]
    return any(k.name in HARD_TYPES and not has_type(best.clean, k) for k in answer_types(a.question))


def _family(a: Asked) -> str:
    return "domain" if a.group.startswith("domain") else "germanquad"


def _cell(a: Asked) -> tuple[str, bool]:
    return _family(a), a.answerable


def _cell_weights(asked: list[Asked]) -> dict[tuple[str, bool], float]:
    """Weight per question so that each family — questions about ``corpus/`` (the product's own domain,
    few) and GermanQuAD-derived ones (many) — weighs the same in total, and within a family answerable
    and unanswerable questions weigh the same (the blind bank, like real use, asks both about equally
    often; the generated near-misses must not make refusing look more common than it is)."""
    counts: dict[tuple[str, bool], int] = {}
    for a in asked:
        counts[_cell(a)] = counts.get(_cell(a), 0) + 1
    total = sum(counts.values())
    return {cell: total / (len(counts) * n) for cell, n in counts.items()}


def fit(asked: list[Asked]) -> tuple[Selector, dict[str, Any]]:
    share = _cell_weights(asked)
    rows, labels, weights = [], [], []
    for a in asked:
        for c, pos in zip(a.candidates, a.positive, strict=True):
            rows.append([c.features[n] for n in RANKER_FEATURES])
            labels.append(int(pos))
            weights.append(share[_cell(a)] / len(a.candidates))  # every question of a cell weighs the same
    ranker = _logistic(rows, labels, RANKER_FEATURES, balanced=True, weights=weights)
    usable = [a for a in asked if a.candidates]
    gate_rows = [gate_row(ranker, a) for a in usable]
    gate = _logistic(
        [[f[n] for n in GATE_FEATURES] for f, _ in gate_rows],
        [int(y) for _, y in gate_rows],
        GATE_FEATURES,
        balanced=False,
        weights=[share[_cell(a)] for a in usable],
    )
    threshold, lexical_threshold, chosen = choose_thresholds(Selector(ranker, gate), asked)
    gate = SelectorModel(gate.features, gate.mean, gate.scale, gate.coef, gate.intercept, threshold)
    info = {"rows": len(rows), "positives": sum(labels), "thresholds": chosen}
    return Selector(ranker, gate, lexical_threshold), info


@dataclass
class _Decided:
    """One question with everything the thresholds need, computed once."""

    cell: tuple[str, bool]
    required: bool  # a regression question (dev.jsonl, heldout_like.jsonl): must come out right
    confidence: float
    selector: str  # outcome when the selector answers: right | wrong | wrong_sentence | refused (hard type)
    lexical: str  # outcome when the lexical answerer is asked: right | wrong | wrong_sentence | refused


def _decide(selector: Selector, asked: list[Asked]) -> list[_Decided]:
    out = []
    for a in asked:
        if not a.candidates:
            continue
        feats, right = gate_row(selector.ranker, a)
        chosen = "refused" if _hard_type_missing(selector.ranker, a) else ("right" if right else "wrong")
        lexical = a.lexical
        if a.answerable:
            chosen = "wrong_sentence" if chosen == "wrong" else chosen
            lexical = "wrong_sentence" if lexical == "wrong" else lexical
        required = a.group in ("domain", "domain-unanswerable")
        out.append(_Decided(_cell(a), required, selector.gate.probability(feats), chosen, lexical))
    return out


def _outcome(d: _Decided, threshold: float, lexical_threshold: float) -> str:
    if d.confidence >= threshold:
        return d.selector
    if d.confidence >= lexical_threshold and d.lexical != "refused":
        return d.lexical
    return "refused"


def _score(decided: list[_Decided], share: dict[tuple[str, bool], float], t: float, t_lex: float) -> tuple[int, float]:
    """(regression questions right, weighted utility): the thresholds are chosen lexicographically."""
    kept, utility = 0, 0.0
    value = {"right": 1.0, "wrong": -WRONG_ANSWER_COST, "wrong_sentence": -WRONG_SENTENCE_COST, "refused": 0.0}
    for d in decided:
        o = _outcome(d, t, t_lex)
        utility += share[d.cell] * value[o]
        if d.required:
            kept += o == "right" if d.cell[1] else o == "refused"
    return kept, utility


def choose_thresholds(selector: Selector, asked: list[Asked]) -> tuple[float, float, dict[str, Any]]:
    """Gate threshold and lexical threshold. First every regression question (``dev.jsonl`` and
    ``tests/data/heldout_like.jsonl``, the product's stated requirements) as right as possible, then
    the most useful pair: +1 a right answer, −10 an answer that must be refused, −3 a wrong sentence."""
    decided = _decide(selector, asked)
    share = _cell_weights(asked)
    steps = [s / 100 for s in range(2, 100)]
    best = max(
        ((t, t_lex) for t in steps for t_lex in [*[x for x in steps if x < t], 1.0]),
        key=lambda pair: (*_score(decided, share, *pair), pair[0], pair[1]),
    )
    kept, utility = _score(decided, share, *best)
    return best[0], best[1], {"regression_right": kept, "regression_total": sum(d.required for d in decided),
                              "utility": round(utility, 1)}  # fmt: skip


def outcomes(selector: Selector, asked: list[Asked]) -> dict[str, int]:
    out = {"right": 0, "wrong": 0, "wrong_sentence": 0, "refused": 0}
    out["refused"] += sum(1 for a in asked if not a.candidates)
    for d in _decide(selector, asked):
        out[_outcome(d, selector.gate.threshold, selector.lexical_threshold)] += 1
    return out


def report(selector: Selector, asked: list[Asked]) -> dict[str, dict[str, int]]:
    groups: dict[str, list[Asked]] = {}
    for a in asked:
        groups.setdefault(a.group, []).append(a)
    return {g: outcomes(selector, rows) for g, rows in sorted(groups.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--germanquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "germanquad")
    parser.add_argument("--corpus", type=Path, default=PROJECT_ROOT / "corpus")
    parser.add_argument(
        "--domain",
        type=Path,
        nargs="*",
        default=[
            PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl",
            PROJECT_ROOT / "tests" / "data" / "heldout_like.jsonl",
        ],
    )
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "data" / "fit")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="reuse the rows of the last run (features unchanged)")
    args = parser.parse_args(argv)
    cache = args.work / "asked.pickle"
    if args.reuse and cache.exists():
        asked, info = pickle.loads(cache.read_bytes())
    else:
        asked, info = collect(args, random.Random(args.seed))
        cache.write_bytes(pickle.dumps((asked, info)))
    model, fit_info = fit(asked)
    by_group = report(model, asked)
    args.out.write_text(
        model.to_json(
            {
                "fit": info | fit_info | {"by_group": by_group},
                "costs": {"wrong_answer": WRONG_ANSWER_COST, "wrong_sentence": WRONG_SENTENCE_COST},
            }
        )
        + "\n",
        encoding="utf-8",
    )
    for label, part in (("ranker", model.ranker), ("gate", model.gate)):
        print(f"{label} weights (standardised features):")
        for name, w in zip(part.features, part.coef, strict=True):
            print(f"  {name:22s} {w:+.3f}")
        print(f"  {'intercept':22s} {part.intercept:+.3f}")
    print(f"gate threshold {model.gate.threshold:.2f}, lexical threshold {model.lexical_threshold:.2f}")
    print("fit outcomes by group (right / wrong / refused):")
    for group, o in by_group.items():
        print(f"  {group:28s} {o['right']:4d} {o['wrong'] + o['wrong_sentence']:4d} {o['refused']:4d}")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
