"""The gaps report: refused and thumbs-down questions grouped by meaning, so staff see which document
is missing („23 Fragen zu Förderbeträgen, keine beantwortet").

Questions are embedded with the product's own model (e5 ``query:``) and grouped by average-linkage
clustering on cosine distance (scipy). The cut-off distance is fitted by ``fit_gaps.py`` beside this
file on GermanQuAD questions (same gold passage = same topic) and stored in ``gaps_model.json``.
Each group shows its most central question, the count, how many of them were answered and the channels.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODEL = Path(__file__).with_name("gaps_model.json")


def fitted_cutoff() -> float:
    return float(json.loads(MODEL.read_text(encoding="utf-8"))["cutoff"])


def cluster(vectors: np.ndarray, cutoff: float) -> list[int]:
    """Group labels (0, 1, …) for the rows of ``vectors``: average linkage, cosine distance ≤ ``cutoff``."""
    n = len(vectors)
    if n == 0:
        return []
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    tree = linkage(pdist(unit, metric="cosine"), method="average")
    labels = fcluster(tree, t=cutoff, criterion="distance")
    # renumber by first appearance
    order: dict[int, int] = {}
    return [order.setdefault(int(x), len(order)) for x in labels]


@dataclass
class Gap:
    representative: str
    count: int
    answered: int
    channels: dict[str, int]
    questions: list[str] = field(default_factory=list)


def gaps_report(
    rows: Sequence[dict[str, Any]], embed: Callable[[str], Sequence[float]], cutoff: float | None = None
) -> list[Gap]:
    """``rows``: dicts with question, answered, channel and optionally vector (float32 bytes). Largest
    groups first."""
    if not rows:
        return []
    # stored with the log entry where possible; otherwise (feedback, old entries) computed now
    vectors = np.asarray(
        [
            np.frombuffer(r["vector"], dtype=np.float32) if r.get("vector") else np.asarray(embed(r["question"]))
            for r in rows
        ],
        dtype=np.float32,
    )
    labels = cluster(vectors, fitted_cutoff() if cutoff is None else cutoff)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    out = []
    for members in groups.values():
        centre = unit[members].mean(axis=0)
        central = max(members, key=lambda i: float(unit[i] @ centre))
        channels: dict[str, int] = {}
        for i in members:
            channels[rows[i]["channel"]] = channels.get(rows[i]["channel"], 0) + 1
        out.append(
            Gap(
                representative=rows[central]["question"],
                count=len(members),
                answered=sum(int(rows[i]["answered"]) for i in members),
                channels=channels,
                questions=[rows[i]["question"] for i in members],
            )
        )
    return sorted(out, key=lambda g: (-g.count, g.representative))


def gaps_csv(gaps: Sequence[Gap]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Beispielfrage", "Anzahl", "davon beantwortet", "Kanäle", "Alle Fragen"])
    for g in gaps:
        channels = ", ".join(f"{k}: {v}" for k, v in sorted(g.channels.items()))
        writer.writerow([_cell(g.representative), g.count, g.answered, channels, _cell(" | ".join(g.questions))])
    return buffer.getvalue()


def _cell(text: str) -> str:
    """No spreadsheet formulas from visitors' text (CSV injection): a leading =, +, -, @ is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
