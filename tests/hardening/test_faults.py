"""Faults during ingest: kill -9 mid-run, a full disk. The store ends consistent and a re-run completes."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store
from ingest.pipeline import check_consistency

pytestmark = pytest.mark.slow


def _corpus(root: Path, documents: int = 40) -> Path:
    root.mkdir()
    towns = ["Kassel", "Fulda", "Gießen", "Marburg", "Hanau", "Darmstadt", "Offenbach", "Wetzlar"]
    for i in range(documents):
        town = towns[i % len(towns)]
        (root / f"d{i:03d}_meldung.md").write_text(
            f"---\ndoc_id: D{i:03d}\ntitle: Meldung {i}\n---\n"
            f"Die Pflegeschule in {town} bietet im Jahr {2000 + i} genau {10 + i} Ausbildungsplätze an. "
            f"Die Fokusgruppe {i} berät Betriebe aus dem Handwerk über Fachkräftesicherung.\n\n"
            f"Weitere Informationen zur Meldung {i} gibt es beim Ministerium in Wiesbaden.\n",
            encoding="utf-8",
        )
    return root


def _ingest(corpus: Path, store: Path, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest", "--corpus", str(corpus), "--store", str(store)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen,
    )  # fmt: skip


def _consistent(store_dir: Path, embeddings) -> tuple[int, bool]:
    result = check_consistency(Store(Settings(store_dir=store_dir), embeddings))
    return result.chunks, result.ok


def test_kill_9_mid_ingest_then_rerun_ends_consistent(tmp_path: Path, embeddings) -> None:
    corpus = _corpus(tmp_path / "corpus")
    reference = tmp_path / "reference"
    assert _ingest(corpus, reference).wait(timeout=600) == 0
    expected, ok = _consistent(reference, embeddings)
    assert ok and expected >= 40

    store = tmp_path / "store"
    for delay in (1.5, 3.0, 5.0):  # killed while loading, embedding and writing
        proc = _ingest(corpus, store)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    final = _ingest(corpus, store)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    chunks, ok = _consistent(store, embeddings)
    assert ok, "orphaned, missing or duplicate chunks after kill -9"
    assert chunks == expected
    check = subprocess.run(
        [sys.executable, "-m", "ingest", "--check", "--store", str(store)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0 and "in Ordnung" in check.stdout


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_full_disk_gives_a_clear_error_and_a_rerun_completes(tmp_path: Path, embeddings) -> None:
    corpus = _corpus(tmp_path / "corpus")
    store = tmp_path / "store"
    proc = _ingest(corpus, store, preexec_fn=_limit_file_size(256 * 1024))
    _, err = proc.communicate(timeout=600)
    assert proc.returncode != 0
    assert "Fehler" in err and "Traceback" not in err
    assert "erneut ausführen" in err or "kann nicht geöffnet" in err

    rerun = _ingest(corpus, store)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    chunks, ok = _consistent(store, embeddings)
    assert ok and chunks >= 40


def test_store_path_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("kein Ordner", encoding="utf-8")
    proc = _ingest(_corpus(tmp_path / "corpus", documents=2), blocker)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "Fehler" in err and "Traceback" not in err
    assert os.path.isfile(blocker)  # nothing overwritten
