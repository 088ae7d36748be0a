"""File or JSONL collection → source documents with metadata, chosen by file suffix.

Markdown/text files carry their metadata as YAML front matter; PDF and DOCX
are read with LangChain's community loaders, HTML with BeautifulSoup (lxml). A
JSONL collection holds one document per line (``doc_id``, optional ``title``,
``text``).

The corpus folder is not trusted blindly (see SECURITY.md): files whose real
path leaves the folder (symlinks) are skipped and reported; front matter is
parsed with YAML's safe loader, without anchors/aliases and with every field
capped; files and extracted texts have size limits; hidden HTML and Markdown
comments are not indexed; metadata is plain text, links only http(s); and a
``doc_id`` belongs to one file only. A file that breaks a rule is reported with
a German reason and skipped, the rest of the corpus is loaded.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.clean import html_to_text, markdown_visible_text, plain_text, strip_invisible

SUPPORTED_SUFFIXES = (".md", ".txt", ".pdf", ".html", ".htm", ".docx", ".jsonl")

MAX_FILE_BYTES = 20_000_000  # any corpus file (a 300-page PDF is a few MB)
MAX_TEXT_CHARS = 2_000_000  # text extracted from one document (about 700 pages)
MAX_UNPACKED_BYTES = 100_000_000  # a DOCX (zip) unpacked: no zip bombs
MAX_FRONT_MATTER_CHARS = 16_384
MAX_FIELD_CHARS = 2_000  # any front-matter / JSONL metadata value
MAX_LIST_ITEMS = 20
MAX_TITLE_CHARS = 300
MAX_DOC_ID_CHARS = 64


class LoadError(Exception):
    """A file could not be read or breaks a corpus rule; the message (German) names the reason.

    ``keep_previous``: an unreadable file keeps what an earlier run indexed from it; a file refused for a
    rule (a symlink out of the corpus, a ``doc_id`` of another file) does not."""

    def __init__(self, message: str, *, keep_previous: bool = True) -> None:
        super().__init__(message)
        self.keep_previous = keep_previous


def safe_name(text: str) -> str:
    """A file name or id fit for a log line or a terminal: no control characters, ANSI escapes or
    invisible characters (a name cannot forge log lines or recolour the terminal)."""
    cleaned = strip_invisible(text.replace("\n", " ").replace("\r", " ").replace("\t", " "))
    return cleaned if len(cleaned) <= 200 else cleaned[:199] + "…"


@dataclass
class SourceDocument:
    doc_id: str
    title: str
    text: str
    source_key: str  # stable identity for the record manager (file path, or file#doc_id)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def sources(self) -> list[str]:
        value = self.metadata.get("source") or []
        return [value] if isinstance(value, str) else [str(v) for v in value]


OUTSIDE = "zeigt aus dem Dokumentenordner heraus (symbolische Verknüpfung) und wird nicht geladen"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True


def discover(corpus_dir: Path, rejected: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Corpus files in a stable order; hidden files and unknown suffixes are ignored.

    Files and folders whose real path leaves the corpus folder (symlinks to /etc/passwd, to a home
    folder …) are skipped and, if ``rejected`` is given, listed there with a German reason. Symlinked
    folders inside the corpus are not followed (their files are found at their real place)."""
    root = corpus_dir.resolve()
    found: list[Path] = []
    for folder, dirs, files in os.walk(corpus_dir, followlinks=False):
        base = Path(folder)
        for name in sorted(dirs):
            if name.startswith("."):
                dirs.remove(name)
            elif (base / name).is_symlink():
                dirs.remove(name)
                if not _inside(base / name, root) and rejected is not None:
                    rejected.append((base / name, OUTSIDE))
        for name in files:
            path = base / name
            if name.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if not _inside(path, root):
                if rejected is not None:
                    rejected.append((path, OUTSIDE))
                continue
            if path.is_file():
                found.append(path)
    if rejected is not None:
        rejected.sort()
    return sorted(found)


def _doc_id(value: object) -> str:
    """A document number as plain, printable text (no control characters, escapes or markup)."""
    text = plain_text(value, MAX_DOC_ID_CHARS * 4)
    return text[:MAX_DOC_ID_CHARS].strip()


def _default_doc_id(path: Path) -> str:
    return _doc_id(path.stem.split("_", 1)[0] if "_" in path.stem else path.stem)


def _first_line_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("#*. ").strip()
        if len(line) > 3:
            return plain_text(line, 200)
    return plain_text(fallback, 200)


def _read_text(path: Path, what: str = "Textdatei") -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(f"keine gültige UTF-8-{what} ({exc.reason})") from exc
    return strip_invisible(text)


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)


def parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body) of a text with optional YAML front matter between ``---`` lines.

    YAML's safe loader only (no Python objects), anchors and aliases refused (a few hundred bytes of
    aliases expand to gigabytes), the header and every field size-capped."""
    match = _FRONT.match(text)
    if not match:
        return {}, text
    header, body = match.group(1), text[match.end() :]
    if len(header) > MAX_FRONT_MATTER_CHARS:
        raise LoadError(f"Kopfdaten (Front Matter) zu groß (über {MAX_FRONT_MATTER_CHARS} Zeichen)")
    try:
        for token in yaml.scan(header, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                raise LoadError("Kopfdaten (Front Matter) verwenden YAML-Anker oder -Aliasse (& / *): nicht erlaubt")
        data = yaml.load(header, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"Kopfdaten (Front Matter) nicht lesbar: {reason}") from exc
    if data is None:
        return {}, body
    if not isinstance(data, dict):
        raise LoadError("Kopfdaten (Front Matter) sind keine Liste von Feldern (Schlüssel: Wert)")
    return _checked_fields(data), body


def _checked_fields(data: dict[Any, Any]) -> dict[str, Any]:
    """Every field a scalar or a short list of scalars, none longer than MAX_FIELD_CHARS."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = safe_name(str(key))[:60]
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_LIST_ITEMS:
            raise LoadError(f"Feld '{name}' hat zu viele Einträge (höchstens {MAX_LIST_ITEMS})")
        for item in items:
            if isinstance(item, (dict, list, set, tuple, bytes)):
                raise LoadError(f"Feld '{name}' ist verschachtelt; erlaubt sind Text, Zahlen und Listen davon")
            if len(str(item)) > MAX_FIELD_CHARS:
                raise LoadError(f"Feld '{name}' ist zu lang (höchstens {MAX_FIELD_CHARS} Zeichen)")
        out[str(key)] = value
    return out


_HTTP_URL = re.compile(r"^https?://[^\s<>\"'`\\\x00-\x1f]+$", re.IGNORECASE)


def _clean_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """Plain-text publisher and date, only http(s) source links; other fields as given (capped)."""
    out = dict(meta)
    for name in ("publisher", "date"):
        if name in out:
            out[name] = plain_text(out[name] if not isinstance(out[name], list) else " ".join(map(str, out[name])), 300)
    if "source" in out:
        raw = out["source"] if isinstance(out["source"], list) else [out["source"]]
        out["source"] = [str(u).strip() for u in raw if u and _HTTP_URL.match(str(u).strip())]
    return out


def _document(doc_id: object, title: object, text: str, key: str, meta: dict[str, Any], path: Path) -> SourceDocument:
    clean_id = _doc_id(doc_id)
    if not clean_id:
        raise LoadError("keine gültige Dokumentnummer (doc_id)")
    if len(text) > MAX_TEXT_CHARS:
        raise LoadError(f"Text zu lang (über {MAX_TEXT_CHARS:,} Zeichen)".replace(",", "."))
    clean_title = plain_text(title, MAX_TITLE_CHARS) or _first_line_title(text, path.stem)
    return SourceDocument(clean_id, clean_title, text, key, _clean_metadata(meta))


SIDECAR_SUFFIX = ".meta.yaml"


def sidecar_path(path: Path) -> Path:
    """``bericht.pdf`` → ``bericht.pdf.meta.yaml``: metadata for files that cannot carry front matter."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _sidecar(path: Path) -> dict[str, Any]:
    """The metadata file beside a document (doc_id, title, publisher, date, source), read with the same
    rules as front matter; it must lie in the same folder as a regular file (no symlink out)."""
    side = sidecar_path(path)
    if not side.exists():
        return {}
    if side.is_symlink() or not _inside(side, path.parent.resolve()):
        raise LoadError(f"Metadatendatei {side.name} ist ein Verweis: nicht erlaubt", keep_previous=False)
    meta, _ = parse_front_matter("---\n" + _read_text(side, "Metadatendatei") + "\n---\n")
    return meta


def _load_text(path: Path, key: str) -> list[SourceDocument]:
    meta, body = parse_front_matter(_read_text(path))
    meta = {**meta, **_sidecar(path)}
    if path.suffix.lower() == ".md":
        body = markdown_visible_text(body)
    doc_id = meta.pop("doc_id", "") or _default_doc_id(path)
    title = meta.pop("title", "") or _first_line_title(body, path.stem)
    return [_document(doc_id, title, body, key, meta, path)]


def _load_html(path: Path, key: str) -> list[SourceDocument]:
    raw = path.read_bytes()
    try:
        html = raw.decode("utf-8")
    except UnicodeDecodeError:
        html = raw.decode("cp1252", errors="replace")
    try:
        title, text = html_to_text(strip_invisible(html))
    except ImportError as exc:
        raise LoadError(f"Lesebibliothek fehlt: {exc.name or exc}") from exc
    except Exception as exc:  # bs4.FeatureNotFound when the lxml parser is not installed, parser errors
        if type(exc).__name__ == "FeatureNotFound":
            raise LoadError("Lesebibliothek fehlt: lxml (pip install lxml)") from exc
        raise LoadError(f"HTML nicht lesbar ({type(exc).__name__})") from exc
    if not text.strip():
        raise LoadError("enthält keinen sichtbaren Text")
    meta = _sidecar(path)
    doc_id = meta.pop("doc_id", "") or _default_doc_id(path)
    title = meta.pop("title", "") or title or _first_line_title(text, path.stem)
    return [_document(doc_id, title, text, key, meta, path)]


def _load_with_langchain(path: Path, key: str) -> list[SourceDocument]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from langchain_community.document_loaders import PyPDFLoader

            pages = PyPDFLoader(str(path)).load()
        else:
            with zipfile.ZipFile(path) as archive:  # a DOCX is a zip: refuse bombs before unpacking
                if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                    raise LoadError(f"entpackt zu groß (über {MAX_UNPACKED_BYTES // 1_000_000} MB)")
            from langchain_community.document_loaders import Docx2txtLoader

            pages = Docx2txtLoader(str(path)).load()
    except LoadError:
        raise
    except ImportError as exc:
        raise LoadError(f"Lesebibliothek fehlt: {exc.name or exc}") from exc
    except Exception as exc:
        raise LoadError(f"Datei beschädigt oder nicht lesbar ({type(exc).__name__}: {safe_name(str(exc))})") from exc
    text = strip_invisible("\n\n".join(p.page_content for p in pages))
    if not text.strip():
        raise LoadError("enthält keinen lesbaren Text (leer oder nur Bilder – braucht Texterkennung/OCR)")
    meta = _sidecar(path)
    doc_id = meta.pop("doc_id", "") or _default_doc_id(path)
    meta_title = str(pages[0].metadata.get("title") or "") if pages else ""
    title = meta.pop("title", "") or meta_title or _first_line_title(text, path.stem)
    return [_document(doc_id, title, text, key, meta, path)]


def _load_jsonl(path: Path, key: str) -> list[SourceDocument]:
    docs = []
    lines = _read_text(path, "Datei").splitlines()
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id, text = _doc_id(row["doc_id"]), str(row["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LoadError(f"Zeile {number}: kein Objekt mit 'doc_id' und 'text'") from exc
        if doc_id in first_line:
            raise LoadError(f"Zeile {number}: Dokumentnummer „{doc_id}“ steht schon in Zeile {first_line[doc_id]}")
        first_line[doc_id] = number
        try:
            meta = _checked_fields({k: v for k, v in row.items() if k not in ("doc_id", "title", "text")})
            docs.append(_document(doc_id, row.get("title") or "", text, f"{key}#{doc_id}", meta, path))
        except LoadError as exc:
            raise LoadError(f"Zeile {number}: {exc}") from exc
    return docs


def load_file(path: Path, corpus_dir: Path) -> list[SourceDocument]:
    """Load one corpus file; raises LoadError with a German reason when it cannot be read."""
    key = path.relative_to(corpus_dir).as_posix()
    if not _inside(path, corpus_dir.resolve()):  # checked again right before reading
        raise LoadError(OUTSIDE, keep_previous=False)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LoadError(f"Datei zu groß ({size // 1_000_000} MB; höchstens {MAX_FILE_BYTES // 1_000_000} MB)")
    suffix = path.suffix.lower()
    if suffix in (".md", ".txt"):
        return _load_text(path, key)
    if suffix == ".jsonl":
        return _load_jsonl(path, key)
    if suffix in (".html", ".htm"):
        return _load_html(path, key)
    return _load_with_langchain(path, key)


def iter_corpus(corpus_dir: Path) -> Iterator[tuple[Path, list[SourceDocument] | LoadError]]:
    """Every corpus file with its documents or the German reason it was skipped.

    Symlinks out of the corpus are reported, not read. A ``doc_id`` belongs to the first file (in this
    stable order) that declares it; a later file claiming it is refused, naming both files, so no file
    can pass itself off as an official document."""
    rejected: list[tuple[Path, str]] = []
    paths = discover(corpus_dir, rejected)
    for path, reason in rejected:
        yield path, LoadError(reason, keep_previous=False)
    owner: dict[str, str] = {}
    for path in paths:
        name = safe_name(path.relative_to(corpus_dir).as_posix())
        try:
            docs = load_file(path, corpus_dir)
        except LoadError as exc:
            yield path, exc
            continue
        except OSError as exc:
            yield path, LoadError(f"nicht lesbar ({exc.strerror or exc})")
            continue
        taken = [(d.doc_id, owner[d.doc_id]) for d in docs if d.doc_id in owner]
        if taken:
            doc_id, first = taken[0]
            yield (
                path,
                LoadError(
                    f"Dokumentnummer „{safe_name(doc_id)}“ ist bereits durch „{first}“ vergeben; "
                    f"„{name}“ wird nicht geladen (jede Dokumentnummer darf nur einmal vorkommen)",
                    keep_previous=False,
                ),
            )
            continue
        for doc in docs:
            owner[doc.doc_id] = name
        yield path, docs
