import json

from ingest.loaders import SourceDocument
from ingest.split import chunk_document, split_sentences


def test_sentences_inside_german_quotes_are_split() -> None:
    text = "„Hessen ist ein starker Standort. Für seine Zukunft zählt das.“ So die Erklärung am 22. September 2020."
    assert split_sentences(text) == [
        "„Hessen ist ein starker Standort.",
        "Für seine Zukunft zählt das.“",
        "So die Erklärung am 22. September 2020.",
    ]


def test_chunks_keep_clean_text_for_search_and_original_text_for_quotes() -> None:
    doc = SourceDocument(
        doc_id="x1",
        title="Test",
        text="Das Neue Biindnis Fachkraftesicherung tagte. Es gab Mallnahmen fur alle.\n\nHintergrund\n\nMehr dazu.",
        source_key="x1.md",
        metadata={"ocr": True, "source": ["https://example.org/a"]},
    )
    chunks = chunk_document(doc, max_chars=600)
    pairs = [p for c in chunks for p in json.loads(c.metadata["sentences"])]
    assert pairs[0]["clean"] == "Das Neue Bündnis Fachkräftesicherung tagte."
    assert pairs[0]["original"] == "Das Neue Biindnis Fachkraftesicherung tagte."
    assert "Bündnis" in chunks[0].page_content
    assert chunks[0].metadata["source"] == "https://example.org/a"
    assert chunks[-1].metadata["heading"] == "Hintergrund"
