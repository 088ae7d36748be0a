"""Adding, replacing and deleting one document from the staff area — through the same corpus folder
and the same incremental ``ingest_corpus`` as ``python -m ingest`` (one code path, no second indexer).

An upload is checked before anything changes: size, the file's real type (its first bytes, not just its
name), readable text (an image-only PDF is reported as needing OCR), metadata by the loader's own rules,
and a document number that is not taken. Only then are the file and its metadata file moved into the
corpus folder and the corpus ingested; if that ingest refuses the file, it is taken out again and the
store ingested back to the state before. Every message is German.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import AssistantError
from assistant.store import Store
from ingest.loaders import MAX_FILE_BYTES, LoadError, iter_corpus, load_file, sidecar_path
from ingest.pipeline import IngestReport, ingest_corpus

KINDS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".md": "text", ".txt": "text"}


class UploadError(AssistantError):
    """An upload that was refused; the store is unchanged."""


@dataclass
class UploadResult:
    doc_id: str
    title: str
    file: str
    report: IngestReport


def real_kind(data: bytes) -> str:
    """What the bytes are: pdf, docx, html, text — or unknown."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            import io

            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "unknown"
        except zipfile.BadZipFile:
            return "unknown"
    if b"\x00" in data[:8192]:
        return "unknown"
    try:
        head = data[:4096].decode("utf-8").lstrip().lower()
    except UnicodeDecodeError:
        return "unknown"
    return "html" if head.startswith(("<!doctype html", "<html")) else "text"


def _safe_filename(name: str) -> str:
    stem, dot, suffix = Path(name).name.rpartition(".")
    stem = re.sub(r"[^\w-]+", "-", stem if dot else suffix, flags=re.UNICODE).strip("-")[:80] or "dokument"
    return f"{stem}.{suffix.lower()}" if dot else stem


def _files_by_doc_id(corpus_dir: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path, loaded in iter_corpus(corpus_dir):
        if isinstance(loaded, LoadError):
            continue
        for doc in loaded:
            found.setdefault(doc.doc_id, path)
    return found


def add_document(
    store: Store,
    corpus_dir: Path,
    filename: str,
    data: bytes,
    meta: dict[str, Any],
    *,
    replace: bool = False,
    chunk_max_chars: int = 600,
) -> UploadResult:
    """Check the upload, put it into the corpus folder and ingest. ``meta``: doc_id (required), title,
    publisher, date, source (a URL or a list). ``replace``: the doc_id may belong to an existing file,
    which the new version replaces."""
    name = _safe_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in KINDS:
        raise UploadError("Dieser Dateityp wird nicht angenommen (erlaubt: PDF, DOCX, HTML, MD, TXT).")
    if len(data) > MAX_FILE_BYTES:
        raise UploadError(f"Die Datei ist zu groß (höchstens {MAX_FILE_BYTES // 1_000_000} MB).")
    if not data:
        raise UploadError("Die Datei ist leer.")
    kind = real_kind(data)
    if kind != KINDS[suffix] and not (kind == "text" and KINDS[suffix] == "html"):
        raise UploadError(
            f"Der Inhalt passt nicht zur Endung {suffix} (erkannt: {kind}); die Datei wurde nicht übernommen."
        )
    doc_id = str(meta.get("doc_id") or "").strip()
    if not re.fullmatch(r"[\w.-]{1,64}", doc_id):
        raise UploadError("Bitte eine Dokumentnummer angeben (Buchstaben, Ziffern, - _ .; höchstens 64 Zeichen).")
    fields = {k: v for k, v in meta.items() if k in ("doc_id", "title", "publisher", "date", "source") and v}
    existing = _files_by_doc_id(corpus_dir).get(doc_id)
    if existing and not replace:
        raise UploadError(f"Die Dokumentnummer {doc_id} ist schon vergeben (zum Ersetzen „Ersetzen“ wählen).")

    with tempfile.TemporaryDirectory(prefix="upload-") as staging_dir:
        staging = Path(staging_dir)
        staged = staging / name
        staged.write_bytes(data)
        sidecar_path(staged).write_text(yaml.safe_dump(fields, allow_unicode=True), encoding="utf-8")
        try:
            documents = load_file(staged, staging)
        except LoadError as exc:
            raise UploadError(f"Die Datei wurde nicht übernommen: {exc}.") from exc
        target = corpus_dir / name
        if target.exists() and target != existing:
            target = corpus_dir / f"{doc_id}-{name}"
        if target.exists() and target != existing:
            raise UploadError("Eine Datei dieses Namens liegt schon im Dokumentenordner.")
        backup = _move_aside(existing) if existing else []
        shutil.move(staged, target)
        shutil.move(sidecar_path(staged), sidecar_path(target))
    report = ingest_corpus(store, corpus_dir, chunk_max_chars=chunk_max_chars)
    refused = [reason for rel, reason in report.failed if rel == target.relative_to(corpus_dir).as_posix()]
    if refused:
        target.unlink(missing_ok=True)
        sidecar_path(target).unlink(missing_ok=True)
        _restore(backup)
        ingest_corpus(store, corpus_dir, chunk_max_chars=chunk_max_chars)
        raise UploadError(f"Die Datei wurde nicht übernommen: {refused[0]}.")
    _drop(backup)
    return UploadResult(doc_id, documents[0].title, target.name, report)


def delete_document(store: Store, corpus_dir: Path, doc_id: str, *, chunk_max_chars: int = 600) -> IngestReport:
    path = _files_by_doc_id(corpus_dir).get(doc_id)
    if path is None:
        raise UploadError(f"Kein Dokument mit der Nummer {doc_id} im Dokumentenordner.")
    path.unlink()
    sidecar_path(path).unlink(missing_ok=True)
    return ingest_corpus(store, corpus_dir, chunk_max_chars=chunk_max_chars)


def _move_aside(path: Path) -> list[tuple[Path, Path]]:
    """The replaced file and its metadata file, renamed out of the corpus (restored if the new one fails)."""
    moved = []
    for original in (path, sidecar_path(path)):
        if original.exists():
            aside = original.with_name(f".{original.name}.replaced")
            original.rename(aside)
            moved.append((aside, original))
    return moved


def _restore(moved: list[tuple[Path, Path]]) -> None:
    for aside, original in moved:
        aside.rename(original)


def _drop(moved: list[tuple[Path, Path]]) -> None:
    for aside, _ in moved:
        aside.unlink(missing_ok=True)
