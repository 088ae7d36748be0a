"""The Chroma store (embedded and persistent, or a shared Chroma server) and its record manager.

Opened lazily: constructing a ``Store`` touches no disk. The lexical index is
not stored here; the retriever derives it from ``all_chunks()``, keyed by
``fingerprint()``, so it can never drift from what Chroma holds.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from assistant.errors import AssistantError, StoreUnavailable
from assistant.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    metadata: dict[str, Any]


class Store:
    def __init__(self, settings: Settings, embeddings: Embeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.collection_name = settings.collection_name()
        self._vectorstore: Any = None
        self._record_manager: Any = None
        self._lock = threading.Lock()

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

    @property
    def vectorstore(self) -> Any:
        with self._lock:
            if self._vectorstore is None:
                from langchain_chroma import Chroma

                client = self._client()
                try:
                    self._vectorstore = Chroma(
                        client=client,
                        collection_name=self.collection_name,
                        embedding_function=self.embeddings,
                        collection_metadata={"hnsw:space": "cosine"},
                    )
                except Exception as exc:
                    raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc
            return self._vectorstore

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
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from exc

    @property
    def record_manager(self) -> Any:
        with self._lock:
            if self._record_manager is None:
                from langchain_classic.indexes import SQLRecordManager

                url = self.settings.record_db_url
                if not url:
                    self.settings.store_dir.mkdir(parents=True, exist_ok=True)
                    url = f"sqlite:///{self.settings.store_dir / 'records.sqlite'}"
                manager = SQLRecordManager(namespace=f"chroma/{self.collection_name}", db_url=url)
                manager.create_schema()
                self._record_manager = manager
            return self._record_manager

    @property
    def collection(self) -> Any:
        return self.vectorstore._collection

    def count(self) -> int:
        return self._guarded(lambda: int(self.collection.count()))

    def _get(self, include: list[str]) -> tuple[list[StoredChunk], Any]:
        got = self._guarded(lambda: self.collection.get(include=include))
        chunks = [
            StoredChunk(id=i, text=t or "", metadata=dict(m or {}))
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return chunks, got

    def all_chunks(self) -> list[StoredChunk]:
        return self._get(["documents", "metadatas"])[0]

    def all_chunks_with_vectors(self) -> tuple[list[StoredChunk], Any]:
        """Every chunk with its stored embedding (one row per chunk), for the derived dense index."""
        import numpy as np

        chunks, got = self._get(["documents", "metadatas", "embeddings"])
        vectors = got.get("embeddings")
        matrix = np.asarray(vectors, dtype=np.float32) if vectors is not None and len(vectors) else None
        return chunks, matrix

    def fingerprint(self) -> str:
        """Changes whenever a chunk is added or removed (ids are content hashes)."""
        ids = sorted(self._guarded(lambda: self.collection.get(include=[])["ids"]))
        return hashlib.sha1("\n".join(ids).encode()).hexdigest()

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
