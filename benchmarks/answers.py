"""Answer quality, old answerer against new, in one run.

    python -m benchmarks.answers [--baseline-rev 5dde618] [--skip-baseline] [--germanquad ../shared/germanquad]

For each side (the baseline is a git worktree of an earlier commit, run in its own process with its
own stores; "new" is this checkout) it prints:

* the blind question banks (``tests/data/blind/question_bank.jsonl``, ``question_bank2.jsonl``),
  ``../shared/eval/heldout.jsonl`` and ``../shared/eval/dev.jsonl`` asked of ``corpus/``: facts,
  citations, refusals, and wrong answers
  (an answer to a question that must be refused, or an answer missing the expected fact);
* GermanQuAD dev as question answering over its 474 passages (the check half — odd positions — that
  the selector was not fitted on, and all): answered, gold passage cited first, answered but not gold;
  and the judged share: answers a reader labelled as stating the answer
  (``benchmarks/data/germanquad_judged.jsonl``; only labels whose answer text is the one given now count);
* the GermanQuAD questions asked of ``corpus/``: wrongly answered (all must be refused);
* warm answer latency p50/p95 over the bank.

Only APIs both sides have are used in the measuring process: ``AssistantService.ask`` and
``ingest_corpus``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
JUDGED = Path(__file__).with_name("data") / "germanquad_judged.jsonl"


def answer_key(question_id: str, answer: str) -> str:
    return hashlib.sha256(f"{question_id}\n{answer}".encode()).hexdigest()[:16]


def _fold(text: str) -> str:
    return text.lower().replace("ä", "a").replace("ö", "o").replace("ü", "u").replace("ß", "ss")


def score_cases(service: Any, cases: list[dict[str, Any]]) -> dict[str, Any]:
    from assistant.models import Turn

    facts_ok = cites_ok = refusals_ok = answerable = unanswerable = wrong = 0
    latencies = []
    for case in cases:
        history = [Turn.model_validate(t) for t in case.get("history") or []]
        started = time.perf_counter()
        answer = service.ask(case["question"], history)
        latencies.append((time.perf_counter() - started) * 1000)
        if case.get("answerable"):
            answerable += 1
            text = _fold(answer.answer)
            got = answer.answered and all(any(_fold(a) in text for a in alts) for alts in case.get("facts") or [])
            facts_ok += got
            cites_ok += answer.answered and any(c.doc_id == case.get("doc") for c in answer.citations)
            wrong += answer.answered and not got
        else:
            unanswerable += 1
            refusals_ok += not answer.answered
            wrong += answer.answered
    return {
        "facts": facts_ok / answerable if answerable else 1.0,
        "citations": cites_ok / answerable if answerable else 1.0,
        "refusals": refusals_ok / unanswerable if unanswerable else 1.0,
        "wrong_answers": wrong,
        "n": len(cases),
        "latencies": latencies,
    }


def germanquad_qa(service: Any, questions: list[dict[str, Any]], judged: dict[str, bool]) -> dict[str, Any]:
    answered = gold_first = judged_yes = judged_n = 0
    rows = []
    for q in questions:
        answer = service.ask(q["question"])
        cited = [c.doc_id for c in answer.citations]
        if answer.answered:
            answered += 1
            gold_first += bool(cited) and cited[0] == q["gold"]
            key = answer_key(q["id"], answer.answer)
            if key in judged:
                judged_n += 1
                judged_yes += judged[key]
        rows.append({"id": q["id"], "answered": answer.answered, "cited": cited, "answer": answer.answer})
    n = len(questions) or 1
    return {
        "n": len(questions),
        "answered": answered / n,
        "gold_first": gold_first / n,
        "answered_not_gold": (answered - gold_first) / n,
        "judged_states_answer": (judged_yes / judged_n) if judged_n else None,
        "judged_n": judged_n,
        "rows": rows,
    }


def phase(args: argparse.Namespace) -> None:
    """Runs inside the side's own tree (sys.path[0] = that tree): measure and print one JSON line."""
    import shutil

    from assistant.chain import AssistantService
    from assistant.settings import Settings
    from ingest.pipeline import ingest_corpus

    work = Path(args.work)

    def service(corpus: Path, name: str) -> Any:
        store = work / name
        svc = AssistantService(Settings(corpus_dir=corpus, store_dir=store))
        report = ingest_corpus(svc.store, corpus, chunk_max_chars=svc.settings.chunk_max_chars)
        assert report.ok, report.failed
        svc.warm_up()
        return svc

    gq_corpus = work / "gq-corpus"
    gq_corpus.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(args.germanquad) / "docs.jsonl", gq_corpus / "germanquad.jsonl")
    corpus_service = service(ROOT / "corpus", "corpus-store")
    out: dict[str, Any] = {}
    for name, path in [
        ("bank", ROOT / "tests" / "data" / "blind" / "question_bank.jsonl"),
        ("bank2", ROOT / "tests" / "data" / "blind" / "question_bank2.jsonl"),
        ("heldout", SHARED / "eval" / "heldout.jsonl"),
        ("dev", SHARED / "eval" / "dev.jsonl"),
    ]:
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out[name] = score_cases(corpus_service, cases)
    questions = load_germanquad(Path(args.germanquad))
    out["gq_on_corpus"] = sum(corpus_service.ask(q["question"]).answered for q in questions) / len(questions)
    started = time.perf_counter()
    gq_service = service(gq_corpus, "gq-store")
    out["gq_ingest_s"] = time.perf_counter() - started
    judged = load_judged()
    out["gq_check"] = germanquad_qa(gq_service, questions[1::2], judged)
    out["gq_fit"] = germanquad_qa(gq_service, questions[0::2], judged)
    print("RESULT " + json.dumps(out, ensure_ascii=False))


def load_germanquad(data: Path) -> list[dict[str, Any]]:
    gold = {}
    for line in (data / "qrels-dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            gold[row["query_id"]] = row["doc_id"]
    out = []
    for line in (data / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append({"id": row["query_id"], "question": row["query_text"].strip(), "gold": gold[row["query_id"]]})
    return out


def load_judged() -> dict[str, bool]:
    if not JUDGED.exists():
        return {}
    out = {}
    for line in JUDGED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[row["key"]] = bool(row["states_answer"])
    return out


def run_side(tree: Path, args: argparse.Namespace, label: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"answers-{label}-") as tmp:
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--phase",
            "--work",
            tmp,
            "--germanquad",
            str(args.germanquad),
        ]
        env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=False)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if done.returncode or not lines:
            raise SystemExit(f"{label} failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(lines[-1][7:]))


def table(results: dict[str, dict[str, Any]]) -> str:
    from statistics import quantiles

    def pct(values: list[float], q: int) -> float:
        return quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else 0.0)

    sides = list(results)
    lines = ["| measure | " + " | ".join(sides) + " |", "|---|" + "---|" * len(sides)]

    def row(name: str, fn: Any) -> None:
        lines.append(f"| {name} | " + " | ".join(fn(results[s]) for s in sides) + " |")

    for set_name in ("bank", "bank2", "heldout", "dev"):
        row(
            f"{set_name}: facts / citations / refusals",
            lambda r, n=set_name: f"{r[n]['facts']:.3f} / {r[n]['citations']:.3f} / {r[n]['refusals']:.3f}",
        )
        row(
            f"{set_name}: wrong answers (of {results[sides[-1]][set_name]['n']})",
            lambda r, n=set_name: str(r[n]["wrong_answers"]),
        )
    for part in ("gq_check", "gq_fit"):
        label = "GermanQuAD check half" if part == "gq_check" else "GermanQuAD fit half"
        row(
            f"{label}: answered / gold first / answered not gold",
            lambda r, p=part: f"{r[p]['answered']:.3f} / {r[p]['gold_first']:.3f} / {r[p]['answered_not_gold']:.3f}",
        )
        row(
            f"{label}: judged states the answer (labels matching)",
            lambda r, p=part: (
                "—"
                if r[p]["judged_states_answer"] is None
                else f"{r[p]['judged_states_answer']:.3f} ({r[p]['judged_n']})"
            ),
        )
    row("GermanQuAD asked of corpus/: wrongly answered", lambda r: f"{r['gq_on_corpus']:.3f}")
    row("GermanQuAD ingest (s)", lambda r: f"{r['gq_ingest_s']:.0f}")
    row(
        "bank latency p50 / p95 (ms)",
        lambda r: f"{pct(r['bank']['latencies'], 50):.0f} / {pct(r['bank']['latencies'], 95):.0f}",
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Answer quality, old vs new")
    parser.add_argument("--baseline-rev", default="5dde618", help="commit of the old answerer")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--germanquad", type=Path, default=SHARED / "germanquad")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--dump", type=Path, help="write the new side's GermanQuAD answers here (for judging)")
    args = parser.parse_args(argv)
    if args.phase:
        phase(args)
        return 0
    results: dict[str, dict[str, Any]] = {}
    if not args.skip_baseline:
        with tempfile.TemporaryDirectory(prefix="answers-baseline-tree-") as tree:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", tree, args.baseline_rev],
                check=True,
                capture_output=True,
            )
            try:
                results[f"old ({args.baseline_rev})"] = run_side(Path(tree), args, "old")
            finally:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", tree], check=False, capture_output=True
                )
    results["new"] = run_side(ROOT, args, "new")
    if args.dump:
        args.dump.write_text(
            json.dumps(results["new"]["gq_check"]["rows"] + results["new"]["gq_fit"]["rows"], ensure_ascii=False)
        )
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
