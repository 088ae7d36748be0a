"""Hybrid German retrieval: BM25 (stemmed, folded, decompounded) + dense, fused by normalised scores.

Both indexes are derived from the store's own content — the BM25 index from the chunk texts, the dense
matrix from the embeddings Chroma holds — and rebuilt whenever the store's fingerprint changes, so lexical
and dense search always see the same chunks. Scores are z-normalised over the whole collection and mixed
(``fusion_bm25_weight``): on GermanQuAD this beats reciprocal rank fusion by about 0.01–0.02 MRR.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.store import Store, StoredChunk
from assistant.text import analyze, analyze_for_index


def _z(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    return (scores - scores.mean()) / std if std > 1e-9 else np.zeros_like(scores)


class CorpusIndex:
    """One store snapshot: BM25 over the analysed chunk texts and the chunks' embedding matrix."""

    def __init__(
        self,
        chunks: list[StoredChunk],
        vectors: np.ndarray | None = None,
        sentences: tuple[list[StoredChunk], np.ndarray | None] | None = None,
    ) -> None:
        import bm25s

        self.chunks = chunks
        self.sentence_vectors: dict[str, np.ndarray] = {}
        self._sentence_matrix: np.ndarray | None = None
        self._sentence_chunk: np.ndarray = np.zeros(0, dtype=np.int64)
        rows, matrix = sentences if sentences is not None else ([], None)
        if matrix is not None:
            where = {
                (str(c.metadata.get("source_key")), int(c.metadata.get("chunk_index", -1))): i
                for i, c in enumerate(chunks)
            }
            owner = [
                where.get((str(r.metadata.get("source_key")), int(r.metadata.get("chunk_index", -1))), -1) for r in rows
            ]
            keep = [i for i, o in enumerate(owner) if o >= 0]
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            unit = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
            self._sentence_matrix = unit[keep]
            self._sentence_chunk = np.asarray([owner[i] for i in keep], dtype=np.int64)
            self.sentence_vectors = {rows[i].text: unit[i] for i in keep}
        self._bm25: Any = None
        self._df: Counter[str] = Counter(t for c in chunks for t in set(analyze(c.text)))
        if chunks:
            self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
            self._bm25.index([analyze_for_index(c.text) or ["_empty_"] for c in chunks], show_progress=False)
        self.vectors = None
        if vectors is not None and len(vectors):
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            self.vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)

    def idf(self, term: str) -> float:
        """BM25-style inverse document frequency; a term the corpus lacks weighs the most."""
        n, df = len(self.chunks), self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def knows(self, term: str) -> bool:
        """Whether any chunk contains the (analysed) term."""
        return term in self._df

    def lexical_scores(self, query: str) -> np.ndarray:
        terms = analyze_for_index(query, drop_question_words=True)
        if not self.chunks or not terms:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def chunks_of_best_sentences(self, query_vector: list[float], n: int) -> list[int]:
        """Chunk positions holding the ``n`` sentences most similar to the question, best first: a
        sentence can answer although its chunk as a whole ranks low (a signature, a single line)."""
        if self._sentence_matrix is None or not len(self._sentence_matrix):
            return []
        q = np.asarray(query_vector, dtype=np.float32)
        sims = self._sentence_matrix @ (q / (np.linalg.norm(q) or 1.0))
        order = np.argsort(-sims)[: n * 3]
        return list(dict.fromkeys(int(self._sentence_chunk[i]) for i in order))[:n]

    def dense_scores(self, query_vector: list[float]) -> np.ndarray:
        """Half the chunk's pooled vector, half its best sentence: a chunk is as close to the question as
        its closest sentence, and its whole says what it is about (GermanQuAD dev, fused MRR@10 with
        600-character chunks: pooled 0.957, best sentence 0.960, both 0.963 — the same as embedding the
        chunk text itself, at no extra model time)."""
        if self.vectors is None:
            return np.zeros(len(self.chunks), dtype=np.float32)
        q = np.asarray(query_vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        pooled = self.vectors @ q
        if self._sentence_matrix is None or not len(self._sentence_matrix):
            return pooled
        best = pooled.copy()
        np.maximum.at(best, self._sentence_chunk, self._sentence_matrix @ q)
        return (0.5 * pooled + 0.5 * best).astype(np.float32)


def _to_document(chunk: StoredChunk) -> Document:
    return Document(id=chunk.id, page_content=chunk.text, metadata=dict(chunk.metadata))


class HybridRetriever(BaseRetriever):
    """Fuses dense and lexical scores over the whole collection; annotates each hit with both signals."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    k: int = 6
    bm25_weight: float = 0.5

    _index: CorpusIndex | None = PrivateAttr(default=None)
    _fingerprint: str = PrivateAttr(default="")
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _query_vectors: OrderedDict[str, list[float]] = PrivateAttr(default_factory=OrderedDict)

    def query_vector(self, query: str) -> list[float]:
        """The question's embedding; the last few are kept, so the answerer reuses the retriever's."""
        with self._lock:
            if query in self._query_vectors:
                self._query_vectors.move_to_end(query)
                return self._query_vectors[query]
        vector = list(self.store.embeddings.embed_query(query))
        with self._lock:
            self._query_vectors[query] = vector
            while len(self._query_vectors) > 64:
                self._query_vectors.popitem(last=False)
        return vector

    def sentence_vectors(self) -> dict[str, np.ndarray]:
        return self.current_lexical_index().sentence_vectors

    def lexical_index(self) -> CorpusIndex:
        """The index of the store as it is now (rebuilt when the store changed)."""
        fingerprint = self.store.fingerprint()
        with self._lock:
            if self._index is None or fingerprint != self._fingerprint:
                chunks, vectors = self.store.all_chunks_with_vectors()
                self._index = CorpusIndex(chunks, vectors, self.store.all_sentences_with_vectors())
                self._fingerprint = fingerprint
            return self._index

    def current_lexical_index(self) -> CorpusIndex:
        """The index the last search used (no store round-trip); built on first use."""
        return self._index if self._index is not None else self.lexical_index()

    def warm_up(self) -> None:
        """Load the model and build the indexes before the first question."""
        self.lexical_index()
        self.store.embeddings.embed_query("Aufwärmen")

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query, self.k)

    def search(self, query: str, k: int, *, sentence_hits: int = 0) -> list[Document]:
        """The ``k`` best chunks by fused score; with ``sentence_hits`` > 0, followed by the chunks of the
        sentences most similar to the question that are not among them (what the answerer reads)."""
        index = self.lexical_index()
        if not index.chunks:
            return []
        lexical = index.lexical_scores(query)
        vector = self.query_vector(query)
        dense = index.dense_scores(vector)
        fused = self.bm25_weight * _z(lexical) + (1.0 - self.bm25_weight) * _z(dense)
        top = [int(i) for i in np.argsort(-fused)[:k]]
        if sentence_hits:
            top += [i for i in index.chunks_of_best_sentences(vector, sentence_hits) if i not in top]
        out = []
        for i in top:
            doc = _to_document(index.chunks[i])
            doc.metadata |= {
                "score": float(fused[i]),
                "dense_similarity": float(dense[i]),
                "bm25": float(lexical[i]),
            }
            out.append(doc)
        return out
