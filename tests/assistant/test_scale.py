"""Regression: at about 35,000 chunks one unpaged read of the collection failed inside Chroma's SQLite
(„too many SQL variables") and every search answered 503. Reads are paged now."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.chain import AssistantService
from assistant.settings import Settings

pytestmark = pytest.mark.slow


def test_search_works_with_40000_chunks(tmp_path: Path) -> None:
    service = AssistantService(Settings(store_dir=tmp_path / "store"))
    service._build()
    collection = service.store.collection
    rng = np.random.default_rng(0)
    n, batch = 40_000, 5_000
    for start in range(0, n, batch):
        rows = range(start, start + batch)
        collection.add(
            ids=[f"c{i}" for i in rows],
            embeddings=rng.standard_normal((batch, 384)).astype(np.float32),
            documents=[f"Abschnitt {i}: Ausbildung und Fachkräfte im Landkreis {i % 97}." for i in rows],
            metadatas=[{"doc_id": f"d{i // 50}", "title": f"Dokument {i // 50}", "sentences": "[]"} for i in rows],
        )
    assert collection.count() == n
    hits = service.search("Fachkräfte im Landkreis 42", 5)
    assert len(hits) == 5 and all("Landkreis" in h.page_content for h in hits)
    assert len(service.store.fingerprint()) == 40
    assert len({d["doc_id"] for d in service.sources()}) == n // 50
