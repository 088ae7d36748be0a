"""The command-line contract, run as a real subprocess against a real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from tests.conftest import SHARED_EVAL

pytestmark = pytest.mark.slow


def _run(args: list[str], store: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args, "--store", str(store)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )


def test_ask_json_returns_the_documented_fields(seeded_store_dir: Path) -> None:
    result = _run(["ask", "Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?", "--json"], seeded_store_dir)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["answered"] is True and "2020" in payload["answer"]
    assert set(payload["citations"][0]) >= {"n", "doc_id", "title", "source", "quote"}


def test_ask_jsonl_answers_every_line_and_reports_bad_lines_without_crashing(seeded_store_dir: Path) -> None:
    lines = [
        json.dumps({"id": "q1", "question": "Wie viele Fachkräfte fehlen in Hessen bis 2028?"}),
        "{kaputt",
        json.dumps({"id": "q3"}),
        json.dumps(
            {
                "id": "q4",
                "question": "Und wie viele davon mit akademischem Abschluss?",
                "history": [{"role": "user", "content": "Wie viele Fachkräfte fehlen in Hessen bis 2028?"}],
            }
        ),
        json.dumps({"id": "q5", "question": "Hallo", "history": [{"role": "system", "content": "x"}]}),
    ]
    result = _run(["ask", "--jsonl"], seeded_store_dir, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["q1", None, "q3", "q4", "q5"]
    assert rows[0]["answered"] and "200.000" in rows[0]["answer"]
    assert "error" in rows[1] and "error" in rows[2] and "error" in rows[4]
    assert rows[3]["answered"] and "67.000" in rows[3]["answer"]
    assert all(set(r) >= {"id", "answer", "answered", "citations"} for r in rows)


def test_search_jsonl_ranks_documents(seeded_store_dir: Path) -> None:
    stdin = json.dumps({"id": "s1", "question": "Veranstaltung Campus Westend Goethe-Universität"}) + "\n"
    result = _run(["search", "--jsonl", "--k", "2"], seeded_store_dir, stdin)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["id"] == "s1" and row["results"][0]["doc_id"] == "002"
    assert len(row["results"]) == 2 and row["results"][0]["score"] >= row["results"][1]["score"]


@pytest.mark.skipif(not (SHARED_EVAL / "dev.jsonl").exists(), reason="../shared/eval not present")
def test_eval_prints_accuracies_latency_and_failures(seeded_store_dir: Path) -> None:
    result = _run(["eval", str(SHARED_EVAL / "dev.jsonl")], seeded_store_dir)
    assert result.returncode == 0, result.stderr
    for label in ("Faktengenauigkeit", "Zitatgenauigkeit", "Ablehnungsgenauigkeit", "p50 / p95", "Fehlschläge"):
        assert label in result.stdout
    assert "Fehlschläge:          0" in result.stdout


def test_empty_store_gives_a_german_hint_not_a_traceback(tmp_path: Path) -> None:
    result = _run(["ask", "Wann?"], tmp_path / "empty")
    assert result.returncode == 2
    assert "python -m ingest" in result.stderr and "Traceback" not in result.stderr


def test_store_dir_is_settable_by_environment(seeded_store_dir: Path) -> None:
    import os

    env = {**os.environ, "ASSISTANT_STORE_DIR": str(seeded_store_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "Wo findet die Veranstaltung am 28. Juni 2024 statt?"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Campus Westend" in result.stdout


def test_check_jsonl_returns_verdicts_and_error_lines(seeded_store_dir: Path) -> None:
    lines = [
        json.dumps({"id": "c1", "statement": "Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte."}),
        json.dumps({"id": "c2", "text": "falsches Feld"}),
    ]
    result = _run(["check", "--jsonl"], seeded_store_dir, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == "c1" and first["verdict"] == "contradicted"
    assert first["differences"] == [{"statement": "300.000", "source": "200.000"}]
    assert set(first) == {"id", "verdict", "explanation", "differences", "citations"}
    assert second["id"] == "c2" and "error" in second


@pytest.mark.skipif(not (SHARED_EVAL / "factcheck-dev.jsonl").exists(), reason="../shared/eval not present")
def test_eval_scores_factcheck_files(seeded_store_dir: Path) -> None:
    result = _run(["eval", str(SHARED_EVAL / "factcheck-dev.jsonl")], seeded_store_dir)
    assert result.returncode == 0, result.stderr
    assert "Urteilsgenauigkeit:       100.0% (8/8)" in result.stdout
    assert "Falsch „bestätigt“:       0" in result.stdout
