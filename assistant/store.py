"""The Chroma store (embedded and persistent, or a shared Chroma server) and its record manager.

Opened lazily: constructing a ``Store`` touches no disk. The lexical index is
not stored here; the retriever derives it from ``all_chunks()``, keyed by
``fingerprint()``, so it can never drift from what Chroma holds.

Two collections: chunks (what retrieval ranks) and sentences (one embedding per
indexed sentence, what the answerer compares with the question). Both are
written by the same incremental ingest, each with its own record-manager
namespace. Every text is embedded once: vectors are cached by content hash
(SQLite beside the store), so re-ingest and the second collection cost nothing
for text seen before.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings
from sqlalchemy import Column, Integer, MetaData, Table

from assistant.errors import AssistantError, StoreUnavailable
from assistant.settings import Settings

T = TypeVar("T")


READ_PAGE = 5000  # rows per Chroma read (well below SQLite's variable limit)

_VERSION_TABLE = Table(
    "store_version", MetaData(), Column("id", Integer, primary_key=True), Column("version", Integer, nullable=False)
)


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


class Store:
    def __init__(self, settings: Settings, embeddings: Embeddings) -> None:
        self.settings = settings
        self.model_embeddings = embeddings
        self.collection_name = settings.collection_name()
        self.sentence_collection_name = f"{self.collection_name[:56]}-sent"
        self._vectorstore: Any = None
        self._sentence_vectorstore: Any = None
        self._versions: Any = None  # SQLAlchemy engine of the change counter
        self._record_manager: Any = None
        self._sentence_record_manager: Any = None
        self._embeddings: Any = None
        self._chunk_embeddings: Any = None
        self._lock = threading.Lock()

    @property
    def embeddings(self) -> Any:
        """The model behind a content-hash cache: a text already embedded is never embedded again."""
        with self._lock:
            if self._embeddings is None:
                self._embeddings = _content_cached(self.model_embeddings, self._record_url("embedding-cache"), "")
            return self._embeddings

    @property
    def chunk_embeddings(self) -> Any:
        """What the chunk collection is embedded with: vectors pooled at ingest (``cache_chunk_vectors``),
        kept in their own cache namespace; a chunk without one falls back to the model."""
        with self._lock:
            if self._chunk_embeddings is None:
                url = self._record_url("embedding-cache")
                self._chunk_embeddings = _content_cached(self.model_embeddings, url, "pooled-chunk:")
            return self._chunk_embeddings

    def cache_chunk_vectors(self, texts: list[str], vectors: list[list[float]]) -> None:
        self.chunk_embeddings.document_embedding_store.mset(list(zip(texts, vectors, strict=True)))

    def _record_url(self, name: str) -> str:
        url = self.settings.record_db_url
        if name == "embedding-cache" or not url:
            self.settings.store_dir.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{self.settings.store_dir / (name + '.sqlite')}"
        return url

    def _client(self) -> Any:
        """The one place that maps ``store_mode`` to a Chroma client."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        match self.settings.store_mode:
            case "embedded":
                try:
                    self.settings.store_dir.mkdir(parents=True, exist_ok=True)
                    return chromadb.PersistentClient(path=str(self.settings.store_dir), settings=chroma_settings)
                except (OSError, ValueError) as exc:
                    raise AssistantError(
                        f"Der Speicher in '{self.settings.store_dir}' kann nicht geöffnet werden: {exc}"
                    ) from exc
            case "server":
                token = self.settings.chroma_token
                headers = {"Authorization": f"Bearer {token.get_secret_value()}"} if token else None
                try:
                    return chromadb.HttpClient(
                        host=self.settings.chroma_host,
                        port=self.settings.chroma_port,
                        headers=headers,
                        settings=chroma_settings,
                    )
                except Exception as exc:  # connection refused, timeouts: the server is not there (yet)
                    raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise AssistantError(f"Unbekannter Speichermodus: {self.settings.store_mode}")

    def _open(self, name: str, embeddings: Embeddings) -> Any:
        client = self._client()
        try:
            return _batched_chroma()(
                client=client,
                collection_name=name,
                embedding_function=embeddings,
                collection_metadata={"hnsw:space": "cosine"},
            )
        except Exception as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    @property
    def vectorstore(self) -> Any:
        if self._vectorstore is None:
            opened = self._open(self.collection_name, self.chunk_embeddings)
            with self._lock:
                self._vectorstore = self._vectorstore or opened
        return self._vectorstore

    @property
    def sentence_vectorstore(self) -> Any:
        if self._sentence_vectorstore is None:
            opened = self._open(self.sentence_collection_name, self.embeddings)
            with self._lock:
                self._sentence_vectorstore = self._sentence_vectorstore or opened
        return self._sentence_vectorstore

    def _guarded(self, operation: Callable[[], T]) -> T:
        """Run a store operation; a failure of the store becomes StoreUnavailable and the client is
        dropped, so the next call reconnects (the API recovers by itself when the server returns)."""
        try:
            return operation()
        except AssistantError:
            raise
        except Exception as exc:
            with self._lock:
                self._vectorstore = None
                self._sentence_vectorstore = None
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _manager(self, namespace: str) -> Any:
        from langchain_classic.indexes import SQLRecordManager

        manager = SQLRecordManager(namespace=f"chroma/{namespace}", db_url=self._record_url("records"))
        manager.create_schema()
        return manager

    @property
    def record_manager(self) -> Any:
        with self._lock:
            if self._record_manager is None:
                self._record_manager = self._manager(self.collection_name)
            return self._record_manager

    @property
    def sentence_record_manager(self) -> Any:
        with self._lock:
            if self._sentence_record_manager is None:
                self._sentence_record_manager = self._manager(self.sentence_collection_name)
            return self._sentence_record_manager

    @property
    def collection(self) -> Any:
        return self.vectorstore._collection

    def count(self) -> int:
        return self._guarded(lambda: int(self.collection.count()))

    def _paged(self, collection: Any, include: list[str]) -> dict[str, Any]:
        """The whole collection read in pages: one unpaged ``get`` of ~35,000 or more rows fails inside
        Chroma's SQLite („too many SQL variables"), which made every search fail at that size."""
        out: dict[str, Any] = {"ids": [], **{k: [] for k in include}}
        offset = 0
        while True:
            got = self._guarded(partial(collection.get, include=include, limit=READ_PAGE, offset=offset))
            out["ids"].extend(got["ids"])
            for key in include:
                values = got.get(key)
                out[key].extend(list(values) if values is not None else [])
            if len(got["ids"]) < READ_PAGE:
                return out
            offset += READ_PAGE

    def _rows_with_vectors(self, collection: Any) -> tuple[list[StoredChunk], Any]:
        """Every row of ``collection`` with its stored embedding (a float32 matrix, None when empty)."""
        import numpy as np

        got = self._paged(collection, ["documents", "metadatas", "embeddings"])
        vectors = got.get("embeddings")
        matrix = np.asarray(vectors, dtype=np.float32) if vectors is not None and len(vectors) else None
        return _stored(got), matrix

    def all_chunks(self) -> list[StoredChunk]:
        return _stored(self._paged(self.collection, ["documents", "metadatas"]))

    def all_chunks_with_vectors(self) -> tuple[list[StoredChunk], Any]:
        """Every chunk with its stored embedding (one row per chunk), for the derived dense index."""
        return self._rows_with_vectors(self.collection)

    def all_sentences_with_vectors(self) -> tuple[list[StoredChunk], Any]:
        """Every indexed sentence with its stored embedding (the answerer's semantic index)."""
        return self._rows_with_vectors(self.sentence_vectorstore._collection)

    def fingerprint(self) -> str:
        """Changes whenever the store changes: the chunk and sentence counts (any add or delete) and the
        version every ingest that changed something writes (an update in place). Three cheap reads per
        question instead of listing every chunk id (which grew with the collection)."""
        chunks = self._guarded(lambda: self.collection.count())
        sentences = self._guarded(lambda: self.sentence_vectorstore._collection.count())
        return hashlib.sha1(f"{chunks}\n{sentences}\n{self.version()}".encode()).hexdigest()

    def _version_engine(self) -> Any:
        if self._versions is None:
            from sqlalchemy import create_engine

            engine = create_engine(self._record_url("records"))
            _VERSION_TABLE.metadata.create_all(engine)
            self._versions = engine
        return self._versions

    def version(self) -> int:
        """The store's change counter (kept beside the ingest records, shared by every worker)."""
        from sqlalchemy import select

        with self._version_engine().connect() as db:
            row = db.execute(select(_VERSION_TABLE.c.version).where(_VERSION_TABLE.c.id == 1)).first()
        return int(row[0]) if row else 0

    def bump_version(self) -> None:
        """Called by ingest after it changed the store: every worker's next fingerprint differs."""
        from sqlalchemy import insert, update

        with self._version_engine().begin() as db:
            changed = db.execute(
                update(_VERSION_TABLE).where(_VERSION_TABLE.c.id == 1).values(version=_VERSION_TABLE.c.version + 1)
            )
            if not changed.rowcount:
                db.execute(insert(_VERSION_TABLE).values(id=1, version=1))

    def documents(self) -> list[dict[str, str]]:
        """One entry per document in the store: what the UI lists as sources."""
        seen: dict[str, dict[str, str]] = {}
        for chunk in self.all_chunks():
            m = chunk.metadata
            doc_id = str(m.get("doc_id", ""))
            if doc_id and doc_id not in seen:
                seen[doc_id] = {
                    "doc_id": doc_id,
                    "title": str(m.get("title", "")),
                    "source": str(m.get("source", "")),
                    "date": str(m.get("date", "")),
                    "publisher": str(m.get("publisher", "")),
                }
        return sorted(seen.values(), key=lambda d: d["doc_id"])


def _stored(got: dict[str, Any]) -> list[StoredChunk]:
    return [
        StoredChunk(id=i, text=t or "", metadata=dict(m or {}))
        for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]


def _content_cached(inner: Embeddings, db_url: str, prefix: str) -> Any:
    """LangChain's cache-backed embeddings over a SQL key-value store, keyed by SHA-256 of the text."""
    from langchain_classic.embeddings import CacheBackedEmbeddings
    from langchain_community.storage import SQLStore

    cache = SQLStore(namespace="embeddings", db_url=db_url)
    cache.create_schema()
    return CacheBackedEmbeddings.from_bytes_store(
        inner, cache, namespace=prefix + _model_key(inner), key_encoder="sha256", query_embedding_cache=False
    )


def _model_key(embeddings: Embeddings) -> str:
    """Cache namespace per model, so two models never share vectors."""
    inner = getattr(embeddings, "inner", embeddings)
    name = getattr(inner, "model_name_or_path", "") or type(inner).__name__
    limit = getattr(embeddings, "max_chars", "")
    return f"{name}:{limit}:"


def _batched_chroma() -> Any:
    """LangChain's Chroma, adding in slices the client accepts (a source of more than ~5,000 sentences
    exceeds Chroma's maximum batch; the indexing API hands over a whole run at once)."""
    from langchain_chroma import Chroma

    class BatchedChroma(Chroma):
        def add_texts(
            self, texts: Any, metadatas: list[dict[str, Any]] | None = None, ids: list[str] | None = None, **kwargs: Any
        ) -> list[str]:
            texts = list(texts)
            size = max(1, int(self._client.get_max_batch_size()))
            if len(texts) <= size:
                return list(super().add_texts(texts, metadatas=metadatas, ids=ids, **kwargs))
            out: list[str] = []
            for start in range(0, len(texts), size):
                part = slice(start, start + size)
                out += super().add_texts(
                    texts[part],
                    metadatas=metadatas[part] if metadatas else None,
                    ids=ids[part] if ids else None,
                    **kwargs,
                )
            return out

    return BatchedChroma
