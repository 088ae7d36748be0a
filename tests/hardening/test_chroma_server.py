"""Client-server mode against a real `chroma run` on loopback: shared by two API workers,
a 503 while it is down, recovery when it returns."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.settings import PROJECT_ROOT
from tests.conftest import CORPUS
from tests.servers import api_server, free_port, running

pytestmark = pytest.mark.slow
CHROMA = str(Path(sys.executable).parent / "chroma")


@contextlib.contextmanager
def chroma_server(path: Path, port: int) -> Iterator[None]:
    cmd = [CHROMA, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", {}, timeout=60):
        yield


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    return {
        "ASSISTANT_STORE_MODE": "server",
        "ASSISTANT_CHROMA_HOST": "127.0.0.1",
        "ASSISTANT_CHROMA_PORT": str(port),
        "ASSISTANT_RECORD_DB_URL": f"sqlite:///{tmp_path / 'records.sqlite'}",
        "ASSISTANT_RATE_LIMIT": "10000/minute",
    }


def _ingest(corpus: Path, env: dict[str, str], store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ingest", "--corpus", str(corpus), "--store", str(store)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300, env={**os.environ, **env},
    )  # fmt: skip


def _ask(base: str, question: str) -> httpx.Response:
    return httpx.post(f"{base}/api/ask", json={"question": question}, timeout=60)


def test_two_workers_share_one_chroma_server_and_see_new_documents(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path, port)
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    with chroma_server(tmp_path / "chroma", port):
        first = _ingest(corpus, env, tmp_path / "unused")
        assert first.returncode == 0, first.stderr
        assert not (tmp_path / "unused" / "chroma.sqlite3").exists()  # nothing embedded: all on the server
        with api_server(tmp_path / "unused", **env) as one, api_server(tmp_path / "unused", **env) as two:
            question = "Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?"
            a, b = _ask(one, question).json(), _ask(two, question).json()
            assert a == b and a["answered"] and "22. September 2020" in a["answer"]

            (corpus / "n_neu.md").write_text(
                "---\ndoc_id: N\ntitle: Neue Meldung\n---\nDie Pflegeakademie in Fulda eröffnet mit 120 Plätzen.\n",
                encoding="utf-8",
            )
            assert _ingest(corpus, env, tmp_path / "unused").returncode == 0
            new_question = "Mit wie vielen Plätzen eröffnet die Pflegeakademie in Fulda?"
            for base in (one, two):  # the lexical index of each worker follows the shared store
                body = _ask(base, new_question).json()
                assert body["answered"] and "120 Plätzen" in body["answer"], body


def test_api_answers_503_while_the_server_is_down_and_recovers(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path, port)
    question = "Wie viele Fachkräfte fehlen in Hessen bis 2028?"
    with chroma_server(tmp_path / "chroma", port):
        assert _ingest(CORPUS, env, tmp_path / "unused").returncode == 0
    with api_server(tmp_path / "unused", **env) as base:  # started while Chroma is down
        down = _ask(base, question)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "store_unavailable"
        assert "nicht erreichbar" in down.json()["error"]["message"]
        assert httpx.get(f"{base}/api/health/ready").status_code == 503
        assert httpx.get(f"{base}/api/health/live").status_code == 200
        with chroma_server(tmp_path / "chroma", port):
            deadline = time.monotonic() + 30
            while (response := _ask(base, question)).status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert response.status_code == 200 and "200.000" in response.json()["answer"]
            assert httpx.get(f"{base}/api/health/ready").status_code == 200
        after = _ask(base, question)  # and down again: 503 once more, no crash
        assert after.status_code == 503
