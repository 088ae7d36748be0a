"""Documents added, replaced and deleted from the staff area go through the corpus folder and the same
incremental ingest; a bad upload is refused in German and leaves the store unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant.chain import AssistantService
from assistant.settings import Settings
from ingest.upload import UploadError, real_kind

pytestmark = pytest.mark.slow

TEXT = (
    "Das Programm Pflegestart Nordhessen fördert seit 2025 jährlich 40 Ausbildungsplätze in der Altenpflege. "
    "Anträge stellen Pflegeeinrichtungen beim Regierungspräsidium Kassel.\n"
)


@pytest.fixture
def staff_service(corpus_copy: Path, tmp_path: Path) -> AssistantService:
    service = AssistantService(Settings(corpus_dir=corpus_copy, store_dir=tmp_path / "store"))
    from ingest.pipeline import ingest_corpus

    service._build()
    assert ingest_corpus(service.store, corpus_copy).ok
    return service


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)  # a scan without a text layer looks like this
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_real_type_comes_from_the_bytes() -> None:
    assert real_kind(b"%PDF-1.7 ...") == "pdf"
    assert real_kind(TEXT.encode()) == "text"
    assert real_kind(b"<!DOCTYPE html><html></html>") == "html"
    assert real_kind(b"\x89PNG\r\n\x1a\n\x00\x00") == "unknown"


def test_upload_replace_and_delete_through_the_ingest(staff_service: AssistantService, corpus_copy: Path) -> None:
    meta = {"doc_id": "010", "title": "Pflegestart Nordhessen", "publisher": "Regierungspräsidium Kassel",
            "date": "3. März 2025", "source": ["https://rp-kassel.hessen.de/pflegestart"]}  # fmt: skip
    result = staff_service.add_document("Pflegestart Nordhessen.md", TEXT.encode(), meta, "redaktion")
    assert result.doc_id == "010" and result.report.ok
    answer = staff_service.ask("Wie viele Ausbildungsplätze fördert Pflegestart Nordhessen?")
    assert answer.answered and "40 Ausbildungsplätze" in answer.answer
    assert answer.citations[0].doc_id == "010" and answer.citations[0].publisher == "Regierungspräsidium Kassel"
    assert {d["doc_id"] for d in staff_service.sources()} == {"000", "002", "010"}

    with pytest.raises(UploadError, match="schon vergeben"):
        staff_service.add_document("andere.md", TEXT.encode(), {"doc_id": "010"}, "redaktion")

    newer = TEXT.replace("40 Ausbildungsplätze", "60 Ausbildungsplätze")
    staff_service.add_document("pflegestart-2026.md", newer.encode(), meta, "redaktion", replace=True)
    answer = staff_service.ask("Wie viele Ausbildungsplätze fördert Pflegestart Nordhessen?")
    assert "60 Ausbildungsplätze" in answer.answer and "40 Ausbildungsplätze" not in answer.answer
    assert len([p for p in corpus_copy.iterdir() if p.suffix == ".md"]) == 3  # replaced, not added

    staff_service.delete_document("010", "redaktion")
    assert {d["doc_id"] for d in staff_service.sources()} == {"000", "002"}
    assert not staff_service.ask("Wie viele Ausbildungsplätze fördert Pflegestart Nordhessen?").answered
    actions = [a["action"] for a in staff_service.audit_log()]
    assert {"document_added", "document_replaced", "document_deleted"} <= set(actions)


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("bericht.pdf", TEXT.encode(), "passt nicht zur Endung"),
        ("scan.pdf", None, "OCR"),
        ("bild.png", b"\x89PNG\r\n\x1a\n", "Dateityp"),
        ("leer.txt", b"", "leer"),
        ("kaputt.docx", b"PK\x03\x04kaputt", "passt nicht"),
    ],
)
def test_bad_uploads_are_refused_and_the_store_is_unchanged(
    staff_service: AssistantService, corpus_copy: Path, filename: str, data: bytes | None, reason: str
) -> None:
    before_files = sorted(p.name for p in corpus_copy.iterdir())
    before_chunks = staff_service.store.count()
    with pytest.raises(UploadError, match=reason):
        staff_service.add_document(filename, _blank_pdf() if data is None else data, {"doc_id": "011"}, "redaktion")
    assert sorted(p.name for p in corpus_copy.iterdir()) == before_files
    assert staff_service.store.count() == before_chunks
