"""Finding 9, the chat page: document titles, dates and ids are shown literally, never as Markdown.

Metadata is plain text since ingest cleans it, but a store filled by an older version (or by another
tool) may still hold markup: the page must escape it wherever it shows it. Streamlit's own AppTest runs
the real page against a real store holding such a chunk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store
from ingest.loaders import SourceDocument
from ingest.split import chunk_document
from ui.render import md_escape

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _fresh_service_cache() -> Iterator[None]:
    """The page caches its service per process (st.cache_resource): ours must not leak into other tests."""
    import streamlit as st

    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


TITLE = "[klick](javascript:alert(1)) **Amtlich**"
DOC_ID = "**000**"
DATE = "<b>28. Juni 2024</b>"
PUBLISHER = "[Ministerium](javascript:alert(2)) <b>HMSI</b>"


def test_titles_dates_and_ids_are_escaped_everywhere(
    tmp_path: Path, embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    store_dir = tmp_path / "store"
    doc = SourceDocument(
        DOC_ID, TITLE, "Das Bündnis tagt im Frühjahr in Kassel.\n", "x.md", {"date": DATE, "publisher": PUBLISHER}
    )
    chunks = chunk_document(doc)
    Store(Settings(store_dir=store_dir), embeddings).vectorstore.add_documents(
        chunks, ids=[f"c{i}" for i in range(len(chunks))]
    )
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(store_dir))

    app = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=120)
    app.run()
    sidebar_captions = [c.value for c in app.sidebar.caption]
    shown = f"Herausgeber: {md_escape(PUBLISHER)} · Datum: {md_escape(DATE)}"  # the internal id is not shown
    assert shown in sidebar_captions
    app.chat_input[0].set_value("Wo tagt das Bündnis im Frühjahr?").run()
    assert not app.exception
    assert app.expander and app.expander[0].label == f"[1] {md_escape(TITLE)}"
    captions = [c.value for c in app.caption]
    assert shown in captions
    for text in [e.label for e in app.expander] + captions:
        assert "](javascript" not in text and "<b>" not in text and "**000**" not in text
