"""Staff area figures: the gaps report on a large question log, and a document from upload to answer.

    python -m benchmarks.staff [--questions 1000]

1. Plants questions into a fresh question log the way the product logs them (masked, with the embedding
   the retriever computed): GermanQuAD dev questions, the blind question bank, and typo variants of
   GermanQuAD questions until the count is reached; all as refused. Then times the gaps report (warm
   service, median of 5) and prints the group count and the largest groups.
2. Uploads a new document through the service (the path the page and the API use) into a copy of
   ``corpus/`` and times upload → ingest → the chat answering from it; then replace and delete.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def planted_questions(count: int) -> list[str]:
    gq = ROOT.parent / "shared" / "germanquad" / "queries-dev.jsonl"
    bank = ROOT / "tests" / "data" / "blind" / "question_bank.jsonl"
    questions = [json.loads(line)["query_text"].strip() for line in gq.read_text(encoding="utf-8").splitlines()]
    questions += [json.loads(line)["question"] for line in bank.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(7)
    base = list(questions)
    while len(questions) < count:  # typo variants: two neighbouring letters swapped
        q = rng.choice(base)
        i = rng.randrange(1, max(2, len(q) - 2))
        questions.append(q[:i] + q[i + 1] + q[i] + q[i + 2 :])
    return questions[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args(argv)
    from assistant.chain import AssistantService
    from assistant.models import Answer
    from assistant.settings import Settings
    from assistant.staff.questionlog import QuestionLog
    from ingest.pipeline import ingest_corpus

    with tempfile.TemporaryDirectory(prefix="staff-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        settings = Settings(corpus_dir=corpus, store_dir=Path(tmp) / "store", feedback_db=Path(tmp) / "staff.sqlite")
        service = AssistantService(settings)
        service.warm_up()
        assert ingest_corpus(service.store, corpus).ok
        log = QuestionLog(settings)
        refused = Answer(answer="–", answered=False, reason="not_found")
        questions = planted_questions(args.questions)
        started = time.perf_counter()
        for i, q in enumerate(questions):
            log.record(("ui", "api", "widget")[i % 3], q, refused, embed=service._retriever.query_vector)
        planting = time.perf_counter() - started
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            gaps = service.gaps(days=30)
            timings.append(time.perf_counter() - started)
        print(f"| questions planted | {len(questions)} (embedding and logging {planting:.0f} s, once) |")
        print(
            f"| gaps report, median of 5 | {statistics.median(timings) * 1000:.0f} ms (max {max(timings) * 1000:.0f}) |"
        )
        print(
            f"| groups | {len(gaps)}; largest: "
            + "; ".join(f"{g.count}× „{g.representative[:50]}“" for g in gaps[:3])
            + " |"
        )

        text = "Das Programm Pflegestart Nordhessen fördert jährlich 40 Ausbildungsplätze in der Altenpflege.\n"
        meta = {"doc_id": "010", "title": "Pflegestart Nordhessen", "publisher": "Regierungspräsidium Kassel"}
        question = "Wie viele Ausbildungsplätze fördert Pflegestart Nordhessen?"
        for step, action in (
            ("add", lambda: service.add_document("pflegestart.txt", text.encode(), meta, "bench")),
            ("replace", lambda: service.add_document("pflegestart.txt", text.replace("40", "60").encode(), meta,
                                                     "bench", replace=True)),
            ("delete", lambda: service.delete_document("010", "bench")),
        ):  # fmt: skip
            started = time.perf_counter()
            action()
            answer = service.ask(question)
            seconds = time.perf_counter() - started
            shown = answer.answer[:70] if answer.answered else "abgelehnt"
            print(f"| document {step} → chat answer | {seconds:.1f} s („{shown}“) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
