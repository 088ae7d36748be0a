"""Evaluation over the dev.jsonl schema: fact, citation and refusal accuracy, latency.

A line: {"id", "question", "answerable": bool, "doc"?, "facts"?: [[alternatives…], …],
"history"?, "adversarial"?}. A fact counts when any alternative occurs in the answer text
(case-insensitive); a citation counts when a citation carries the expected ``doc``.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.models import Answer, Turn


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class EvalReport:
    total: int = 0
    answerable: int = 0
    unanswerable: int = 0
    facts_ok: int = 0
    citations_ok: int = 0
    refusals_ok: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    fallbacks: dict[str, int] = field(default_factory=dict)  # generated answers replaced, by reason

    def summary(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 4) if b else 1.0

        return {
            "questions": self.total,
            "fact_accuracy": ratio(self.facts_ok, self.answerable),
            "citation_accuracy": ratio(self.citations_ok, self.answerable),
            "refusal_accuracy": ratio(self.refusals_ok, self.unanswerable),
            "latency_p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "latency_p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "latency_mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else 0.0,
            "failures": len(self.failures),
            "replaced_by_fallback": sum(self.fallbacks.values()),
            "fallback_reasons": dict(sorted(self.fallbacks.items(), key=lambda kv: -kv[1])),
        }


@dataclass
class FactcheckReport:
    total: int = 0
    correct: int = 0
    wrong_supported: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "statements": self.total,
            "verdict_accuracy": round(self.correct / self.total, 4) if self.total else 1.0,
            "wrong_supported": self.wrong_supported,
            "latency_p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "latency_p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "failures": len(self.failures),
        }


def is_factcheck(cases: list[dict[str, Any]]) -> bool:
    """Files of the factcheck-dev.jsonl schema carry statements and verdicts instead of questions."""
    return bool(cases) and all("statement" in c and "verdict" in c for c in cases)


def run_factcheck_eval(cases: list[dict[str, Any]], check: Callable[[str], Any]) -> FactcheckReport:
    report = FactcheckReport()
    for case in cases:
        started = time.perf_counter()
        result = check(str(case["statement"]))
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.total += 1
        expected = case["verdict"]
        if result.verdict == expected:
            report.correct += 1
        else:
            if result.verdict == "supported":
                report.wrong_supported += 1
            report.failures.append(
                {
                    "id": case.get("id"),
                    "statement": case["statement"],
                    "expected": expected,
                    "verdict": result.verdict,
                    "explanation": result.explanation,
                }
            )
    return report


def read_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"Zeile {number}: kein gültiges JSON ({exc.msg})") from exc
        if not isinstance(case, dict) or ("question" not in case and "statement" not in case):
            raise ValueError(f"Zeile {number}: Feld 'question' (oder 'statement') fehlt")
        cases.append(case)
    return cases


def run_eval(cases: list[dict[str, Any]], ask: Callable[[str, list[Turn]], Answer]) -> EvalReport:
    report = EvalReport()
    for case in cases:
        history = [Turn.model_validate(t) for t in case.get("history") or []]
        started = time.perf_counter()
        answer = ask(str(case["question"]), history)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        report.total += 1
        if answer.fallback_reason:
            kind = answer.fallback_reason.split(":")[0] if "error" in answer.fallback_reason else answer.fallback_reason
            kind = re.sub(r"„[^“]*“|\[\d+\]|\(\d+ passages\)", "…", kind)
            report.fallbacks[kind] = report.fallbacks.get(kind, 0) + 1
        problems: list[str] = []
        if case.get("answerable", True):
            report.answerable += 1
            text = answer.answer.lower()
            missing = [alts for alts in case.get("facts") or [] if not any(a.lower() in text for a in alts)]
            if answer.answered and not missing:
                report.facts_ok += 1
            else:
                problems.append("refused" if not answer.answered else f"missing facts {missing}")
            cited = {c.doc_id for c in answer.citations}
            if answer.answered and (not case.get("doc") or case["doc"] in cited):
                report.citations_ok += 1
            else:
                problems.append(f"expected citation of {case.get('doc')}, got {sorted(cited)}")
        else:
            report.unanswerable += 1
            # A refusal may cite what the documents state instead (another year, all of Hessen): what
            # counts is that it does not answer (``answered: false``).
            if not answer.answered:
                report.refusals_ok += 1
            else:
                problems.append("answered although it should refuse")
        if problems:
            report.failures.append(
                {
                    "id": case.get("id"),
                    "question": case["question"],
                    "problems": problems,
                    "answer": answer.answer,
                    "reason": answer.reason,
                }
            )
    return report
