"""Fits the gaps report's cut-off distance on GermanQuAD (nobody here wrote those questions).

    python -m assistant.staff.fit_gaps [--germanquad ../shared/germanquad]

Two questions belong together when they ask about the same gold passage. The dev questions are split
by passage into a fit half and a check half (even/odd position of the passage id); the cut-off with the
best pairwise F1 on the fit half is written to ``gaps_model.json``; both halves' figures are printed.
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations
from pathlib import Path

import numpy as np

from assistant.settings import PROJECT_ROOT
from assistant.staff.gaps import MODEL, cluster


def load(data: Path) -> list[tuple[str, str]]:
    gold = {}
    for line in (data / "qrels-dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        gold[row["query_id"]] = row["doc_id"]
    out = []
    for line in (data / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["query_id"] in gold:
            out.append((row["query_text"].strip(), gold[row["query_id"]]))
    return out


def pairwise_f1(labels: list[int], topics: list[str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for i, j in combinations(range(len(labels)), 2):
        same_group, same_topic = labels[i] == labels[j], topics[i] == topics[j]
        tp += same_group and same_topic
        fp += same_group and not same_topic
        fn += same_topic and not same_group
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--germanquad", type=Path, default=PROJECT_ROOT.parent / "shared" / "germanquad")
    args = parser.parse_args(argv)
    from assistant.embeddings import build_embeddings
    from assistant.settings import Settings

    model = build_embeddings(Settings())
    questions = load(args.germanquad)
    passages = sorted({doc for _q, doc in questions})
    fit_ids = set(passages[::2])
    halves = {
        "fit": [(q, d) for q, d in questions if d in fit_ids],
        "check": [(q, d) for q, d in questions if d not in fit_ids],
    }
    vectors = {name: np.asarray([model.embed_query(q) for q, _ in rows]) for name, rows in halves.items()}
    grid = [round(x, 3) for x in np.arange(0.04, 0.30, 0.005)]
    scored = []
    for cutoff in grid:
        labels = cluster(vectors["fit"], cutoff)
        scored.append((pairwise_f1(labels, [d for _, d in halves["fit"]])[2], cutoff))
    best_f1, best = max(scored)
    MODEL.write_text(json.dumps({"cutoff": best, "fit_pairwise_f1": round(best_f1, 3)}, indent=1) + "\n")
    for name, rows in halves.items():
        labels = cluster(vectors[name], best)
        p, r, f = pairwise_f1(labels, [d for _, d in rows])
        print(f"{name}: {len(rows)} questions, {len(set(labels))} groups; pairwise precision {p:.3f} "
              f"recall {r:.3f} F1 {f:.3f} at cut-off {best}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
