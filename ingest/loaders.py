"""File or JSONL collection → source documents with metadata, chosen by file suffix.

Markdown/text files carry their metadata as YAML front matter; PDF, HTML and
DOCX are read with LangChain's community loaders. A JSONL collection holds one
document per line (``doc_id``, optional ``title``, ``text``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter

SUPPORTED_SUFFIXES = (".md", ".txt", ".pdf", ".html", ".htm", ".docx", ".jsonl")


class LoadError(Exception):
    """A file could not be read; the message (German) names the reason."""


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


def discover(corpus_dir: Path) -> list[Path]:
    """Corpus files in a stable order; hidden files and unknown suffixes are ignored."""
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def _default_doc_id(path: Path) -> str:
    return path.stem.split("_", 1)[0] if "_" in path.stem else path.stem


def _first_line_title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("#*. ").strip()
        if len(line) > 3:
            return line[:200]
    return fallback


def _load_text(path: Path, key: str) -> list[SourceDocument]:
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise LoadError(f"keine gültige UTF-8-Textdatei ({exc.reason})") from exc
    except Exception as exc:  # YAML errors come in several types
        raise LoadError(f"Kopfdaten (Front Matter) nicht lesbar: {exc}") from exc
    meta = dict(post.metadata)
    doc_id = str(meta.pop("doc_id", "") or _default_doc_id(path))
    title = str(meta.pop("title", "") or _first_line_title(post.content, path.stem))
    return [SourceDocument(doc_id, title, post.content, key, meta)]


def _load_with_langchain(path: Path, key: str) -> list[SourceDocument]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from langchain_community.document_loaders import PyPDFLoader

            pages = PyPDFLoader(str(path)).load()
        elif suffix in (".html", ".htm"):
            from langchain_community.document_loaders import BSHTMLLoader

            pages = BSHTMLLoader(str(path), open_encoding="utf-8").load()
        else:
            from langchain_community.document_loaders import Docx2txtLoader

            pages = Docx2txtLoader(str(path)).load()
    except ImportError as exc:
        raise LoadError(f"Lesebibliothek fehlt: {exc.name}") from exc
    except Exception as exc:
        raise LoadError(f"Datei beschädigt oder nicht lesbar ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(p.page_content for p in pages)
    if not text.strip():
        raise LoadError("enthält keinen lesbaren Text (leer oder nur Bilder)")
    meta_title = str(pages[0].metadata.get("title") or "") if pages else ""
    title = meta_title or _first_line_title(text, path.stem)
    return [SourceDocument(_default_doc_id(path), title, text, key, {})]


def _load_jsonl(path: Path, key: str) -> list[SourceDocument]:
    docs = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LoadError(f"keine gültige UTF-8-Datei ({exc.reason})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            doc_id, text = str(row["doc_id"]), str(row["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LoadError(f"Zeile {number}: kein Objekt mit 'doc_id' und 'text'") from exc
        title = str(row.get("title") or "") or _first_line_title(text, doc_id)
        meta = {k: v for k, v in row.items() if k not in ("doc_id", "title", "text")}
        docs.append(SourceDocument(doc_id, title, text, f"{key}#{doc_id}", meta))
    return docs


def load_file(path: Path, corpus_dir: Path) -> list[SourceDocument]:
    """Load one corpus file; raises LoadError with a German reason when it cannot be read."""
    key = path.relative_to(corpus_dir).as_posix()
    suffix = path.suffix.lower()
    if suffix in (".md", ".txt"):
        return _load_text(path, key)
    if suffix == ".jsonl":
        return _load_jsonl(path, key)
    return _load_with_langchain(path, key)


def iter_corpus(corpus_dir: Path) -> Iterator[tuple[Path, list[SourceDocument] | LoadError]]:
    for path in discover(corpus_dir):
        try:
            yield path, load_file(path, corpus_dir)
        except LoadError as exc:
            yield path, exc
        except OSError as exc:
            yield path, LoadError(f"nicht lesbar ({exc.strerror or exc})")
