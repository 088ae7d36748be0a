"""Shared fixtures: real Chroma, the real packaged embedding model, data dirs in tmp."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant.chain import AssistantService
from assistant.embeddings import build_embeddings
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store
from ingest.pipeline import ingest_corpus

CORPUS = PROJECT_ROOT / "corpus"
SHARED_EVAL = PROJECT_ROOT.parent / "shared" / "eval"
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's ASSISTANT_* settings or writes into the repo's data/."""
    import os

    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(tmp_path / "staff.sqlite"))  # feedback and question log
    monkeypatch.setenv("ASSISTANT_ADMIN_CREDENTIALS", str(tmp_path / "admin.json"))


@pytest.fixture(scope="session")
def embeddings() -> Embeddings:
    """One model instance for the whole run, configured exactly as the product builds it."""
    return build_embeddings(Settings())


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def make_store(tmp_path: Path, embeddings: Embeddings):
    def make(store_dir: Path | None = None) -> Store:
        settings = Settings(store_dir=store_dir or tmp_path / "store")
        return Store(settings, embeddings)

    return make


@pytest.fixture(scope="session")
def seeded_store_dir(tmp_path_factory: pytest.TempPathFactory, embeddings: Embeddings) -> Path:
    """The real corpus ingested once into a session store."""
    store_dir = tmp_path_factory.mktemp("seeded") / "store"
    report = ingest_corpus(Store(Settings(store_dir=store_dir), embeddings), CORPUS)
    assert report.ok and report.added > 0
    return store_dir


@pytest.fixture(scope="session")
def service(seeded_store_dir: Path) -> AssistantService:
    svc = AssistantService(Settings(store_dir=seeded_store_dir))
    svc.warm_up()
    return svc
