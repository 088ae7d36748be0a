"""Incremental indexing against the real Chroma store and the real embedding model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT
from ingest.pipeline import ingest_corpus

pytestmark = pytest.mark.slow


def _small_corpus(root: Path) -> Path:
    root.mkdir()
    (root / "a_first.md").write_text(
        "---\ndoc_id: A\ntitle: Erstes Dokument\nsource: https://example.org/a\n---\n"
        "Das Bündnis tagt im Frühjahr in Kassel. Es berät über Pflegeberufe.\n\n"
        "Die Fokusgruppe Handwerk trifft sich monatlich.\n",
        encoding="utf-8",
    )
    (root / "b_second.md").write_text(
        "---\ndoc_id: B\ntitle: Zweites Dokument\n---\nDie Werkstatt in Fulda beginnt am 3. Mai 2024 um 9 Uhr.\n",
        encoding="utf-8",
    )
    return root


def _texts(store) -> list[str]:
    return [c.text for c in store.all_chunks()]


def test_reingest_of_unchanged_corpus_adds_and_removes_nothing(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    first = ingest_corpus(store, corpus)
    assert first.ok and first.added == first.chunks > 0
    fingerprint = store.fingerprint()

    second = ingest_corpus(store, corpus)
    assert (second.added, second.updated, second.deleted) == (0, 0, 0)
    assert second.skipped == first.chunks
    assert store.fingerprint() == fingerprint
    assert store.count() == first.chunks


def test_edited_file_is_reindexed_and_old_text_disappears(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    ingest_corpus(store, corpus)
    path = corpus / "b_second.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Fulda", "Marburg"), encoding="utf-8")

    report = ingest_corpus(store, corpus)
    assert report.added >= 1 and report.deleted >= 1
    texts = " ".join(_texts(store))
    assert "Marburg" in texts and "Fulda" not in texts
    assert any("Kassel" in t for t in _texts(store))  # the unchanged file is untouched


def test_deleted_file_disappears_from_the_store(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    ingest_corpus(store, corpus)
    (corpus / "a_first.md").unlink()

    report = ingest_corpus(store, corpus)
    assert report.deleted >= 1
    assert {c.metadata["doc_id"] for c in store.all_chunks()} == {"B"}
    assert report.ok


def test_corrupt_pdf_is_named_and_the_rest_is_indexed(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    (corpus / "c_broken.pdf").write_bytes(b"%PDF-1.7\n\x00\x01 this is not a pdf body")
    store = make_store()
    report = ingest_corpus(store, corpus)
    assert [name for name, _ in report.failed] == ["c_broken.pdf"]
    assert "beschädigt" in report.failed[0][1] or "nicht lesbar" in report.failed[0][1]
    assert {c.metadata["doc_id"] for c in store.all_chunks()} == {"A", "B"}


def test_unreadable_file_keeps_its_previous_chunks(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    ingest_corpus(store, corpus)
    (corpus / "b_second.md").write_bytes(b"\xff\xfe\x00 kaputt")
    report = ingest_corpus(store, corpus)
    assert [name for name, _ in report.failed] == ["b_second.md"]
    assert {c.metadata["doc_id"] for c in store.all_chunks()} == {"A", "B"}


def test_cli_reports_the_broken_file_by_name_and_exits_non_zero(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    (corpus / "kaputt.pdf").write_bytes(b"not a pdf at all")
    result = subprocess.run(
        [sys.executable, "-m", "ingest", "--corpus", str(corpus), "--store", str(tmp_path / "store")],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert result.returncode == 1
    assert "kaputt.pdf" in result.stderr
    assert "Traceback" not in result.stderr
    assert "3 Dateien" in result.stdout


def test_docx_html_and_jsonl_files_are_loaded(tmp_path: Path, make_store) -> None:
    import docx

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document = docx.Document()
    document.add_paragraph("Die Pflegeoffensive startet in Gießen mit 40 Plätzen.")
    document.save(str(corpus / "d_word.docx"))
    (corpus / "e_page.html").write_text(
        "<html><head><title>Webseite</title></head><body><p>Das Welcome Center berät in Frankfurt.</p></body></html>",
        encoding="utf-8",
    )
    (corpus / "f_many.jsonl").write_text(
        '{"doc_id": "j1", "title": "Eins", "text": "Der Ausbildungsmarkt in Kassel wächst."}\n'
        '{"doc_id": "j2", "text": "Die Hochschule in Darmstadt bildet Ingenieure aus."}\n',
        encoding="utf-8",
    )
    store = make_store()
    report = ingest_corpus(store, corpus)
    assert report.ok, report.failed
    assert {c.metadata["doc_id"] for c in store.all_chunks()} == {"d", "e", "j1", "j2"}
    texts = " ".join(_texts(store))
    assert "Pflegeoffensive" in texts and "Welcome Center" in texts and "Darmstadt" in texts


def _sentences(store) -> list[str]:
    sentences, _vectors = store.all_sentences_with_vectors()
    return sorted(s.text for s in sentences)


def test_every_sentence_gets_its_own_embedding_kept_in_step_with_the_chunks(tmp_path: Path, make_store) -> None:
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    ingest_corpus(store, corpus)
    sentences, vectors = store.all_sentences_with_vectors()
    assert "Es berät über Pflegeberufe." in [s.text for s in sentences]
    assert vectors is not None and vectors.shape == (len(sentences), 384)

    path = corpus / "b_second.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Fulda", "Marburg"), encoding="utf-8")
    ingest_corpus(store, corpus)
    texts = " ".join(_sentences(store))
    assert "Marburg" in texts and "Fulda" not in texts

    (corpus / "a_first.md").unlink()
    ingest_corpus(store, corpus)
    assert _sentences(store) == ["Die Werkstatt in Marburg beginnt am 3. Mai 2024 um 9 Uhr."]


def test_each_text_is_embedded_once(tmp_path: Path, make_store) -> None:
    """Sentences are embedded once (content cache); chunk vectors are pooled from them, so a re-run and
    the chunk collection cost no model calls."""
    corpus = _small_corpus(tmp_path / "corpus")
    store = make_store()
    calls: list[int] = []
    inner = store.model_embeddings
    original = inner.embed_documents

    def counting(texts: list[str]) -> list[list[float]]:
        calls.append(len(texts))
        return original(texts)

    inner.embed_documents = counting  # type: ignore[method-assign]
    try:
        ingest_corpus(store, corpus)
        first = sum(calls)
        sentences = len(_sentences(store))
        headers = 2  # one title per document, no headings
        assert first == sentences + headers
        calls.clear()
        (corpus / "c_third.md").write_text(
            "---\ndoc_id: C\ntitle: Drittes\n---\nEs berät über Pflegeberufe.\n", "utf-8"
        )
        ingest_corpus(store, corpus)
        assert sum(calls) == 1  # only the new title; the sentence is known already
    finally:
        inner.embed_documents = original  # type: ignore[method-assign]


def test_signature_after_the_last_paragraph_is_indexed_as_a_sentence(tmp_path: Path, make_store) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "brief.md").write_text(
        "---\ndoc_id: L\ntitle: Einladung\n---\nSehr geehrte Damen und Herren,\n\n"
        "wir laden Sie herzlich zur Tagung ein.\n\nIhre\n\nErika Musterfrau\n\nLeiterin der Abteilung Arbeit\n",
        encoding="utf-8",
    )
    store = make_store()
    ingest_corpus(store, corpus)
    # the one-word greeting („Ihre") is no statement; who signed, with the function, is
    assert "Erika Musterfrau – Leiterin der Abteilung Arbeit" in _sentences(store)
    assert not any(s.startswith("Ihre") for s in _sentences(store))
    # the „ich"/„wir" of the letter is its signatory: every chunk of the document says who that is
    chunks, _vectors = store.all_chunks_with_vectors()
    assert {c.metadata.get("signed_by") for c in chunks} == {"Erika Musterfrau – Leiterin der Abteilung Arbeit"}
