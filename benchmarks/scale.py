"""Search at scale, an earlier commit against today's, in one run.

    python -m benchmarks.scale [--chunks 10000,40000] [--baseline-rev 6ecd402] [--skip-baseline]

For each size: a synthetic store (sentences of GermanQuAD passages as chunk texts, random 384-dimensional
vectors, written straight into the project's Chroma collection — as issue 16 measured), then for each
side an API worker (`python -m assistant serve`, embedded store) started on it: seconds from start to
the first answered question, warm /api/ask p50/p95 over 30 questions, answered share (HTTP 200), and the
worker's peak RSS. Prints one table; a side that fails every question says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = [
    "Wann wurde die Universität gegründet?",
    "Wie viele Einwohner hat die Stadt?",
    "Wer entwickelte das Verfahren?",
    "Welche Sprache spricht man dort?",
    "Wo liegt der Fluss?",
    "Was versteht man unter Photosynthese?",
]


def sentences(limit: int) -> list[str]:
    docs = ROOT.parent / "shared" / "germanquad" / "docs.jsonl"
    out: list[str] = []
    for line in docs.read_text(encoding="utf-8").splitlines():
        text = json.loads(line).get("text") or ""
        out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s.strip()) <= 400)
    return out


def build(store_dir: Path, chunks: int) -> float:
    import numpy as np

    from assistant.settings import Settings
    from assistant.store import Store

    class _Unused:
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("synthetic store: vectors are given")

        def embed_query(self, text: str) -> list[float]:
            raise RuntimeError("synthetic store: vectors are given")

    store = Store(Settings(store_dir=store_dir), _Unused())  # type: ignore[arg-type]
    collection = store.collection
    pool = sentences(chunks)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for start in range(0, chunks, 5000):
        rows = range(start, min(chunks, start + 5000))
        collection.add(
            ids=[f"s{i}" for i in rows],
            embeddings=rng.standard_normal((len(rows), 384)).astype(np.float32),
            documents=[pool[i % len(pool)] + f" ({i})" for i in rows],
            metadatas=[{"doc_id": f"d{i // 50}", "title": f"Dokument {i // 50}", "sentences": "[]"} for i in rows],
        )
    return chunks / (time.perf_counter() - started)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(tree: Path, store_dir: Path) -> dict[str, object]:
    from tests.servers import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree), "ASSISTANT_STORE_DIR": str(store_dir),
           "ASSISTANT_RATE_LIMIT": "100000/minute", "ASSISTANT_QUESTION_LOG": "false"}  # fmt: skip
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        first = None
        while time.perf_counter() - started < 300:
            try:
                r = httpx.post(f"{base}/api/ask", json={"question": QUESTIONS[0]}, timeout=120)
                first = time.perf_counter() - started
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        latencies, ok = [], 0
        for i in range(30):
            t = time.perf_counter()
            r = httpx.post(f"{base}/api/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]}, timeout=120)
            latencies.append((time.perf_counter() - t) * 1000)
            ok += r.status_code == 200
        cut = statistics.quantiles(latencies, n=20)
        return {"first": first, "p50": statistics.median(latencies), "p95": cut[18], "ok": ok / 30,
                "rss": peak_rss_mb(proc.pid)}  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", default="10000,40000")
    parser.add_argument("--baseline-rev", default="6ecd402")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    print("| chunks | side | add chunks/s | first answer after start (s) | warm /api/ask p50 / p95 (ms) "
          "| HTTP 200 | peak RSS (MB) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        trees = {"new": ROOT}
        if not args.skip_baseline:
            old = Path(tmp) / "old-tree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.baseline_rev],
                           check=True, capture_output=True)  # fmt: skip
            trees = {f"old ({args.baseline_rev})": old, **trees}
        try:
            for size in (int(x) for x in args.chunks.split(",")):
                store_dir = Path(tmp) / f"store-{size}"
                rate = build(store_dir, size)
                for side, tree in trees.items():
                    r = measure(tree, store_dir)
                    first = f"{r['first']:.1f}" if r["first"] is not None else "–"
                    print(f"| {size:,} | {side} | {rate:,.0f} | {first} | {r['p50']:.0f} / {r['p95']:.0f} | "
                          f"{r['ok']:.0%} | {r['rss']:.0f} |", flush=True)  # fmt: skip
        finally:
            if not args.skip_baseline:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
