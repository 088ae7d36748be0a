"""The fitted answer selector: two small logistic models over ``features.FEATURE_NAMES``.

* the ranker: P(sentence answers the question) = σ(w · standardised features + b), per candidate —
  it chooses the sentence;
* the gate: P(the chosen sentence is a right answer), from the best candidate's features plus the
  ranker's probability and its margin over the runner-up — it decides answer or refuse.

Weights, standardisation and the gate's threshold are fitted by ``fit_selector.py`` (beside this
file) and stored in ``selector_model.json``; nothing here is tuned by hand.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("selector_model.json")


@dataclass(frozen=True)
class SelectorModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5  # the gate: answer when the probability reaches it

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (values.get(name, 0.0) - mu) / (sd or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self, extra: dict[str, Any] | None = None) -> str:
        body = {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }
        return json.dumps(body | (extra or {}), indent=1, ensure_ascii=False)


# The ranker compares the sentences of one question: sentence-level signals only. Chunk-level ones (the
# chunk's similarity, its retrieval rank) are retrieval's business; fitted on GermanQuAD they swamp the
# sentence signals and do not carry over to other corpora (chosen by training on GermanQuAD alone and
# checking on the corpus/ fit questions: top-1 right sentence 23/25 with these six, 15–19/25 with the
# chunk-level ones added). The gate compares questions; it gets no signal whose scale depends on the
# corpus size (retrieval z-scores, the share of question words a small corpus lacks).
RANKER_FEATURES = (
    "sem", "cov", "type_asked_missing", "constraint_missing", "counted_missing", "tense_mismatch", "addresses_reader",
    "uncovered", "negation_mismatch",
)  # fmt: skip
GATE_FEATURES = (
    "ranker_p", "margin", "sem", "cov", "constraint_missing", "counted_missing", "type_asked_missing", "tense_mismatch",
    "uncovered", "negation_mismatch",
)  # fmt: skip


def gate_features(ranked_features: list[dict[str, float]], probabilities: list[float]) -> dict[str, float]:
    """What the gate sees: the best candidate's features, its ranker probability and its lead."""
    runner_up = probabilities[1] if len(probabilities) > 1 else 0.0
    best = ranked_features[0] | {"ranker_p": probabilities[0], "margin": probabilities[0] - runner_up}
    return {name: best[name] for name in GATE_FEATURES}


@dataclass(frozen=True)
class Selector:
    ranker: SelectorModel
    gate: SelectorModel
    # Below the gate's threshold but at least this: the lexical answerer (coverage, answer-type and
    # constraint rules) may answer; below it, refuse. Fitted like the gate's threshold.
    lexical_threshold: float = 1.0

    def to_json(self, extra: dict[str, Any] | None = None) -> str:
        body = {
            "ranker": json.loads(self.ranker.to_json()),
            "gate": json.loads(self.gate.to_json()),
            "lexical_threshold": self.lexical_threshold,
        }
        return json.dumps(body | (extra or {}), indent=1, ensure_ascii=False)


def parse_model(data: dict[str, Any], allowed: tuple[str, ...]) -> SelectorModel:
    features = tuple(data["features"])
    if set(features) - set(allowed):
        raise ValueError(f"unknown features in selector model: {sorted(set(features) - set(allowed))}")
    return SelectorModel(
        features=features,
        mean=tuple(map(float, data["mean"])),
        scale=tuple(map(float, data["scale"])),
        coef=tuple(map(float, data["coef"])),
        intercept=float(data["intercept"]),
        threshold=float(data["threshold"]),
    )


def parse(data: dict[str, Any]) -> Selector:
    return Selector(
        parse_model(data["ranker"], RANKER_FEATURES),
        parse_model(data["gate"], GATE_FEATURES),
        float(data.get("lexical_threshold", 1.0)),
    )


@lru_cache(maxsize=4)
def load(path: Path = MODEL_PATH) -> Selector:
    return parse(json.loads(path.read_text(encoding="utf-8")))
