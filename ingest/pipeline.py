"""Incremental, idempotent indexing of a corpus folder into the store.

LangChain's indexing API with a SQL record manager decides what to add, skip
or delete. Known pitfall (langchain #19335/#32612): incremental cleanup with a
batch smaller than one source's chunks re-embeds and deletes records of later
batches. We run ``scoped_full`` cleanup over the whole run with a batch size
that holds the entire run, so each source's chunks are judged together. Files
that vanished from the corpus are removed explicitly; files that failed to
load keep their previous chunks (nothing is lost because of a read error).

Every indexed sentence is also stored on its own (second collection, same
indexing API, own record namespace), so the answerer can compare the question
with each sentence by meaning. The model embeds each sentence once (content
cache); a chunk's vector is pooled from its sentences' vectors and its header's
vector, so the sentence collection costs no extra model time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.documents import Document
from langchain_core.indexing import index

from assistant.store import Store
from ingest.loaders import LoadError, iter_corpus
from ingest.split import chunk_document


@dataclass
class IngestReport:
    files: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _chunk_id_key(doc: Document) -> str:
    return str(doc.metadata["source_key"])


def ingest_corpus(
    store: Store,
    corpus_dir: Path,
    *,
    chunk_max_chars: int = 600,
    progress: Callable[[str], None] | None = None,
) -> IngestReport:
    report = IngestReport()
    chunks: list[Document] = []
    present_keys: set[str] = set()
    failed_prefixes: list[str] = []

    for path, loaded in iter_corpus(corpus_dir):
        report.files += 1
        rel = path.relative_to(corpus_dir).as_posix()
        if progress:
            progress(rel)
        if isinstance(loaded, LoadError):
            report.failed.append((rel, str(loaded)))
            if loaded.keep_previous:  # a file refused for a rule (symlink out, taken doc_id) keeps nothing
                failed_prefixes.append(rel)
            continue
        for doc in loaded:
            present_keys.add(doc.source_key)
            chunks.extend(chunk_document(doc, chunk_max_chars))
    report.chunks = len(chunks)

    sentences = sentence_documents(chunks)
    if chunks:
        _prime_chunk_vectors(store, chunks, sentences)
        index(
            sentences,
            store.sentence_record_manager,
            store.sentence_vectorstore,
            cleanup="scoped_full",
            source_id_key=_chunk_id_key,
            batch_size=max(len(sentences), 1),
            key_encoder="sha256",
        )
        result = index(
            chunks,
            store.record_manager,
            store.vectorstore,
            cleanup="scoped_full",
            source_id_key=_chunk_id_key,
            batch_size=max(len(chunks), 1),
            key_encoder="sha256",
        )
        report.added = result["num_added"]
        report.updated = result["num_updated"]
        report.skipped = result["num_skipped"]
        report.deleted = result["num_deleted"]

    report.deleted += _remove_vanished(store, present_keys, failed_prefixes)
    if report.added or report.updated or report.deleted:
        store.bump_version()  # running workers rebuild their indexes on their next question
    return report


def chunk_header(chunk: Document) -> str:
    return "\n".join(h for h in (chunk.metadata.get("title", ""), chunk.metadata.get("heading", "")) if h)


def sentence_documents(chunks: list[Document]) -> list[Document]:
    """One document per distinct sentence of a source (the clean text is what gets embedded)."""
    out: list[Document] = []
    seen: set[tuple[str, str]] = set()
    for chunk in chunks:
        meta = chunk.metadata
        for position, pair in enumerate(json.loads(meta["sentences"])):
            key = (str(meta["source_key"]), pair["clean"])
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Document(
                    page_content=pair["clean"],
                    metadata={
                        "doc_id": meta["doc_id"],
                        "source_key": meta["source_key"],
                        "chunk_index": meta["chunk_index"],
                        "position": position,
                    },
                )
            )
    return out


def _prime_chunk_vectors(store: Store, chunks: list[Document], sentences: list[Document]) -> None:
    """Embed sentences and headers (cached by content), then store each chunk's pooled vector in the
    same cache under the chunk's text, so indexing the chunks finds it there instead of running the
    model over the same words a second time. Pooling: length-weighted mean of the sentence vectors
    plus the header's vector (what the document and section are about)."""
    cache = store.embeddings
    texts = list(
        dict.fromkeys([s.page_content for s in sentences] + [chunk_header(c) for c in chunks if chunk_header(c)])
    )
    vectors = dict(zip(texts, cache.embed_documents(texts), strict=True))
    pooled_texts, pooled = [], []
    for chunk in chunks:
        pairs = json.loads(chunk.metadata["sentences"])
        weights = np.array([len(p["clean"]) for p in pairs], dtype=np.float32)
        body = np.average(np.array([vectors[p["clean"]] for p in pairs], dtype=np.float32), axis=0, weights=weights)
        header = chunk_header(chunk)
        vector = _unit(body) + (HEADER_WEIGHT * _unit(np.array(vectors[header], dtype=np.float32)) if header else 0)
        pooled_texts.append(chunk.page_content)
        pooled.append(_unit(vector).tolist())
    store.cache_chunk_vectors(pooled_texts, pooled)


HEADER_WEIGHT = 0.5


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _remove_vanished(store: Store, present_keys: set[str], failed_prefixes: list[str]) -> int:
    """Delete the chunks of sources no longer in the corpus (but never those of unreadable files)."""
    stored_keys = {str(c.metadata.get("source_key", "")) for c in store.all_chunks()}
    vanished = [
        key
        for key in stored_keys
        if key and key not in present_keys and not any(key == p or key.startswith(p + "#") for p in failed_prefixes)
    ]
    if not vanished:
        return 0
    removed = 0
    for manager, vectorstore in (
        (store.record_manager, store.vectorstore),
        (store.sentence_record_manager, store.sentence_vectorstore),
    ):
        ids = manager.list_keys(group_ids=vanished)
        if ids:
            vectorstore.delete(ids=ids)
            manager.delete_keys(ids)
            if manager is store.record_manager:
                removed = len(ids)
    return removed


@dataclass
class Consistency:
    chunks: int
    records: int
    orphans: list[str]  # in Chroma, unknown to the record manager
    missing: list[str]  # in the record manager, absent from Chroma
    duplicates: list[str]  # one (source, chunk position) stored under more than one id

    @property
    def ok(self) -> bool:
        return not (self.orphans or self.missing or self.duplicates)


def check_consistency(store: Store) -> Consistency:
    """Compare what Chroma holds with what the record manager believes it holds."""
    chunks = store.all_chunks()
    ids = {c.id for c in chunks}
    keys = set(store.record_manager.list_keys())
    seen: dict[tuple[str, int, str], str] = {}
    duplicates = []
    for c in chunks:
        slot = (str(c.metadata.get("source_key")), int(c.metadata.get("chunk_index", -1)), c.text)
        if slot in seen:
            duplicates.append(c.id)
        seen[slot] = c.id
    return Consistency(len(ids), len(keys), sorted(ids - keys), sorted(keys - ids), duplicates)
