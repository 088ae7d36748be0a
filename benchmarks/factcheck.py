"""Faktencheck, old against new, in one run.

    python -m benchmarks.factcheck [--baseline-rev 5dde618] [--skip-baseline] [--regenerate]

Sets: the statement bank written blind (``tests/data/blind/factcheck_bank.jsonl``), variants generated
from its supported statements (``tests/data/factcheck_generated.jsonl``: a number changed, a negation
inserted, the date or weekday shifted, the counted groups swapped — none of them may be „supported"),
and ``../shared/eval/factcheck-dev.jsonl``. Prints accuracy per expected verdict, wrong „supported"
and latency p50/p95 for each side. ``--regenerate`` rewrites the generated file (deterministic).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
BANK = ROOT / "tests" / "data" / "blind" / "factcheck_bank.jsonl"
GENERATED = ROOT / "tests" / "data" / "factcheck_generated.jsonl"

_WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
_GROUP_SWAPS = [
    ("mit Berufsausbildung", "mit akademischem Abschluss"),
    ("Berufsausbildung", "akademischem Abschluss"),
    ("Akademikerinnen und Akademiker", "Personen mit Berufsausbildung"),
    ("Akademiker", "Personen mit Berufsausbildung"),
]


def variants(statement: str) -> list[tuple[str, str]]:
    """(kind, statement) pairs that must never be judged supported."""
    out = []
    number = re.search(r"\b\d{1,3}(?:\.\d{3})+\b|\b\d{2,}\b", statement)
    if number and not re.fullmatch(r"(19|20)\d\d", number.group(0)):
        value = int(number.group(0).replace(".", "")) * 3 // 2
        text = f"{value:,}".replace(",", ".")
        out.append(("number", statement[: number.start()] + text + statement[number.end() :]))
    day = re.search(
        r"\b(\d{1,2})\.\s+(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)",
        statement,
    )
    if day:
        shifted = str(int(day.group(1)) % 27 + 1)
        out.append(("date", statement[: day.start(1)] + shifted + statement[day.end(1) :]))
    for i, name in enumerate(_WEEKDAYS):
        if name in statement:
            out.append(("weekday", statement.replace(name, _WEEKDAYS[(i + 2) % 7], 1)))
            break
    for a, b in _GROUP_SWAPS:
        if a in statement:
            out.append(("group", statement.replace(a, b, 1)))
            break
        if b in statement:
            out.append(("group", statement.replace(b, a, 1)))
            break
    finite = re.search(
        r"\b(ist|sind|wird|werden|hat|haben|fehlen|findet|gehören|lädt|nennt|setzt|spielt|wurde|wurden)\b", statement
    )
    if finite and " nicht " not in f" {statement} " and " kein" not in statement:
        out.append(("negation", statement[: finite.end()] + " nicht" + statement[finite.end() :]))
    return out


def regenerate() -> None:
    rows = []
    for line in BANK.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["verdict"] != "supported":
            continue
        for kind, text in variants(case["statement"]):
            rows.append({"id": f"{case['id']}-{kind}", "statement": text, "verdict": "not_supported", "kind": kind})
    GENERATED.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} variants written to {GENERATED}")


def phase(work: str) -> None:
    """Inside one side's tree: ingest corpus/, check every statement, print one JSON line."""
    from assistant.chain import AssistantService
    from assistant.settings import Settings
    from ingest.pipeline import ingest_corpus

    service = AssistantService(Settings(store_dir=Path(work) / "store"))
    assert ingest_corpus(service.store, ROOT / "corpus").ok
    service.warm_up()
    out: dict[str, Any] = {}
    for name, path in (("bank", BANK), ("generated", GENERATED), ("dev", SHARED / "eval" / "factcheck-dev.jsonl")):
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = []
        for case in cases:
            started = time.perf_counter()
            verdict = service.check(case["statement"]).verdict
            rows.append((case["verdict"], verdict, (time.perf_counter() - started) * 1000))
        out[name] = rows
    print("RESULT " + json.dumps(out))


def summarise(rows: list[list[Any]]) -> dict[str, Any]:
    from statistics import quantiles

    per: dict[str, list[int]] = {}
    for expected, got, _ms in rows:
        ok = got != "supported" if expected == "not_supported" else got == expected
        per.setdefault(expected, []).append(int(ok))
    latencies = [ms for _e, _g, ms in rows]
    cut = quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "accuracy": sum(sum(v) for v in per.values()) / len(rows),
        "per_verdict": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(per.items())},
        "wrong_supported": sum(1 for e, g, _ in rows if g == "supported" and e != "supported"),
        "p50": cut[49],
        "p95": cut[94],
    }


def run_side(tree: Path, label: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"factcheck-{label}-") as tmp:
        env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--phase", tmp],
            cwd=tree, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if done.returncode or not lines:
            raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
        return {name: summarise(rows) for name, rows in json.loads(lines[-1][7:]).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Faktencheck, old vs new")
    parser.add_argument("--baseline-rev", default="5dde618")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        phase(args.phase)
        return 0
    if args.regenerate or not GENERATED.exists():
        regenerate()
    results = {}
    if not args.skip_baseline:
        with tempfile.TemporaryDirectory(prefix="factcheck-baseline-tree-") as tree:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", tree, args.baseline_rev],
                check=True,
                capture_output=True,
            )
            try:
                results[f"old ({args.baseline_rev})"] = run_side(Path(tree), "old")
            finally:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", tree], check=False, capture_output=True
                )
    results["new"] = run_side(ROOT, "new")
    print("| set | side | accuracy | per expected verdict (right/all) | wrong „supported“ | p50 / p95 ms |")
    print("|---|---|---|---|---|---|")
    for name in ("bank", "generated", "dev"):
        for side, res in results.items():
            r = res[name]
            figures = f"{r['accuracy']:.3f} | {r['per_verdict']} | {r['wrong_supported']}"
            print(f"| {name} | {side} | {figures} | {r['p50']:.0f} / {r['p95']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
