"""Hybrid German retrieval: BM25 (stemmed, folded) + dense, fused by reciprocal rank.

The BM25 index is built from the store's own content and rebuilt whenever the
store's fingerprint changes, so lexical and dense search always see the same
chunks.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.store import Store, StoredChunk
from assistant.text import analyze


class LexicalIndex:
    """bm25s over the analysed chunk texts of one store snapshot."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        import bm25s

        self.chunks = chunks
        self._bm25: Any = None
        corpus_tokens = [analyze(c.text) or ["_empty_"] for c in chunks]
        self._df: Counter[str] = Counter(t for toks in corpus_tokens for t in set(toks))
        if chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus_tokens, show_progress=False)

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency; a term the corpus lacks weighs the most."""
        n, df = len(self.chunks), self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def knows(self, term: str) -> bool:
        """Whether any chunk contains the (analysed) term."""
        return term in self._df

    def search(self, query: str, k: int) -> list[tuple[StoredChunk, float]]:
        terms = analyze(query, drop_question_words=True)
        if not self.chunks or not terms:
            return []
        scores = np.asarray(self._bm25.get_scores(terms))
        order = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in order if scores[i] > 0]


def _to_document(chunk: StoredChunk) -> Document:
    return Document(id=chunk.id, page_content=chunk.text, metadata=dict(chunk.metadata))


class HybridRetriever(BaseRetriever):
    """Fuses dense (Chroma) and lexical (BM25) rankings; annotates each hit with both signals."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    k: int = 6
    rrf_k: int = 60
    candidates: int = 20

    _lexical: LexicalIndex | None = PrivateAttr(default=None)
    _fingerprint: str = PrivateAttr(default="")
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def lexical_index(self) -> LexicalIndex:
        fingerprint = self.store.fingerprint()
        with self._lock:
            if self._lexical is None or fingerprint != self._fingerprint:
                self._lexical = LexicalIndex(self.store.all_chunks())
                self._fingerprint = fingerprint
            return self._lexical

    def current_lexical_index(self) -> LexicalIndex:
        """The index the last search used (no store round-trip); built on first use."""
        return self._lexical if self._lexical is not None else self.lexical_index()

    def warm_up(self) -> None:
        """Load the model and build the lexical index before the first question."""
        self.lexical_index()
        self.store.embeddings.embed_query("Aufwärmen")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query, self.k)

    def search(self, query: str, k: int) -> list[Document]:
        lexical = self.lexical_index().search(query, self.candidates)
        dense = self.store.dense_search(query, self.candidates)
        fused: dict[str, dict[str, Any]] = {}
        for rank, (doc, similarity) in enumerate(dense):
            key = str(doc.id)
            entry = fused.setdefault(key, {"doc": doc, "rrf": 0.0})
            entry["rrf"] += 1.0 / (self.rrf_k + rank + 1)
            entry["dense_similarity"] = similarity
            entry["dense_rank"] = rank + 1
        for rank, (chunk, score) in enumerate(lexical):
            entry = fused.setdefault(chunk.id, {"doc": _to_document(chunk), "rrf": 0.0})
            entry["rrf"] += 1.0 / (self.rrf_k + rank + 1)
            entry["bm25"] = score
            entry["lexical_rank"] = rank + 1
        ranked = sorted(fused.values(), key=lambda e: -e["rrf"])[:k]
        out = []
        for entry in ranked:
            doc = entry["doc"]
            doc.metadata = {
                **doc.metadata,
                "score": entry["rrf"],
                "dense_similarity": entry.get("dense_similarity", 0.0),
                "bm25": entry.get("bm25", 0.0),
            }
            out.append(doc)
        return out
