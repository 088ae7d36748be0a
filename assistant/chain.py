"""The question-answering chain: standalone question → retrieve → answer.

``build_chain(retriever, answerer)`` wires the parts that are passed in; the
``AssistantService`` is what every front end (CLI, API, UI) calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Protocol

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer.extractive import is_english
from assistant.answer.glossary import expand_english
from assistant.answer.refusal import REFUSAL_EMPTY, REFUSAL_INSTRUCTION, is_instruction
from assistant.errors import AssistantError
from assistant.models import Answer, Turn
from assistant.text import fold, tokens

_FOLLOW_UP = re.compile(
    r"^(und|aber|also|dann|sowie|auch|and|what about|how about)\b|\b(davon|dazu|dabei|dort|damit|darin|"
    r"dessen|deren|diese[rmns]?|dies|jene[rmns]?|sie|ihm|ihr|ihnen|es|er|them|it|they|those|there)\b"
)


# Chunks added to the answerer's reading for the sentences most similar to the question.
SENTENCE_HITS = 3


class Answerer(Protocol):
    def answer(self, question: str, docs: list[Document], *, focus: str | None = None) -> Answer: ...


class Retriever(Protocol):
    def search(self, query: str, k: int, *, sentence_hits: int = 0) -> list[Document]: ...


def standalone_question(question: str, history: list[Turn]) -> str:
    """A follow-up („Und wie viele davon …?") is read together with the previous user question."""
    previous = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not previous:
        return question
    folded = fold(question)
    if _FOLLOW_UP.search(folded) or len(tokens(question)) <= 4:
        return f"{previous[-1]} {question}"
    return question


def prepare(retriever: Retriever, inputs: dict[str, Any], k: int) -> Answer | tuple[str, str, list[Document]]:
    """Everything before answering: an early Answer (empty input, instruction), or the standalone
    query, the user's own question and the retrieved passages."""
    question = str(inputs.get("question") or "").strip()
    history = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in inputs.get("history") or []]
    if not question or not re.search(r"\w", question):
        return Answer(answer=REFUSAL_EMPTY, answered=False, reason="empty")
    # Instructions are refused whatever the chat history says; forged assistant turns change nothing.
    if is_instruction(question):
        return Answer(answer=REFUSAL_INSTRUCTION, answered=False, reason="instruction")
    query = standalone_question(question, history)
    if is_english(question):
        query = expand_english(query)
    return query, question, retriever.search(query, k, sentence_hits=SENTENCE_HITS)


def with_language(answer: Answer) -> Answer:
    """Sets ``lang`` from the answer's own words: its text without the quoted document sentences (an
    English question gets English framing around German quotes) and without glosses in parentheses
    (an English refusal repeats itself in German in brackets)."""
    own = answer.answer
    for c in answer.citations:
        own = own.replace(c.quote, " ")
    own = re.sub(r"\([^()]*\)", " ", own)
    return answer.model_copy(update={"lang": "en" if is_english(own) else "de"})


def build_chain(retriever: Retriever, answerer: Answerer, k: int = 6) -> Runnable[dict[str, Any], Answer]:
    """Runnable taking {"question": str, "history": list[Turn]} and returning an Answer."""

    def run(inputs: dict[str, Any]) -> Answer:
        prepared = prepare(retriever, inputs, k)
        if isinstance(prepared, Answer):
            return prepared
        query, question, docs = prepared
        return answerer.answer(query, docs, focus=question)

    return RunnableLambda(run, name="fachkraefte_assistent")


class AssistantService:
    """What front ends call: one object holding the chain, created once per process."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self._chain: Runnable[dict[str, Any], Answer] | None = None
        self._retriever: Any = None
        self._answerer: Any = None

    def _build(self) -> Runnable[dict[str, Any], Answer]:
        if self._chain is None:
            from assistant.answer.extractive import ExtractiveAnswerer
            from assistant.embeddings import build_embeddings
            from assistant.retrieval import HybridRetriever
            from assistant.store import Store

            store = Store(self.settings, build_embeddings(self.settings))
            retriever = HybridRetriever(
                store=store, k=self.settings.retrieval_k, bm25_weight=self.settings.fusion_bm25_weight
            )
            extractive = ExtractiveAnswerer(
                stats=_LiveTermStats(retriever),
                semantic=retriever,
                max_sentences=self.settings.answer_max_sentences,
                min_dense_similarity=self.settings.min_dense_similarity,
            )
            answerer: Any = extractive
            if self.settings.answer_backend != "extractive":
                from assistant.answer.generative import GenerativeAnswerer, build_chat_model

                answerer = GenerativeAnswerer(build_chat_model(self.settings), extractive)
            self._retriever = retriever
            self._answerer = answerer
            self._chain = build_chain(retriever, answerer, k=self.settings.retrieval_k)
        return self._chain

    def warm_up(self) -> None:
        from assistant.text import german_words

        self._build()
        self._retriever.warm_up()
        german_words()  # the word list the fact check and the topic check consult

    @property
    def store(self) -> Any:
        self._build()
        return self._retriever.store

    def ask(self, question: str, history: list[Turn] | None = None) -> Answer:
        if len(question) > self.settings.max_question_chars:
            raise AssistantError(f"Die Frage ist zu lang (höchstens {self.settings.max_question_chars} Zeichen).")
        return with_language(self._build().invoke({"question": question, "history": history or []}))

    def ask_stream(self, question: str, history: list[Turn] | None = None) -> Iterator[str | Answer]:
        """Text as it is produced, then the final, verified Answer (which may replace the text)."""
        if len(question) > self.settings.max_question_chars:
            raise AssistantError(f"Die Frage ist zu lang (höchstens {self.settings.max_question_chars} Zeichen).")
        self._build()
        prepared = prepare(self._retriever, {"question": question, "history": history or []}, self.settings.retrieval_k)
        if isinstance(prepared, Answer):
            yield with_language(prepared)
            return
        query, own, docs = prepared
        if hasattr(self._answerer, "stream"):
            for item in self._answerer.stream(query, docs, focus=own):
                yield with_language(item) if isinstance(item, Answer) else item
            return
        answer = self._answerer.answer(query, docs, focus=own)
        if answer.answered:
            yield from re.findall(r"\S+\s*", answer.answer)
        yield with_language(answer)

    def check(self, statement: str) -> Any:
        """Faktencheck: a verdict on a statement (``FactCheck``) with its evidence."""
        from assistant.factcheck import FactChecker

        if len(statement) > self.settings.max_question_chars:
            raise AssistantError(f"Die Aussage ist zu lang (höchstens {self.settings.max_question_chars} Zeichen).")
        self._build()
        checker = FactChecker(
            self._retriever,
            _LiveTermStats(self._retriever),
            k=self.settings.retrieval_k,
            min_dense_similarity=self.settings.min_dense_similarity,
        )
        return checker.check(statement)

    def search(self, query: str, k: int) -> list[Document]:
        self._build()
        return list(self._retriever.search(query, k))

    def search_documents(self, query: str, k: int) -> list[tuple[str, float]]:
        """Documents ranked by their best chunk (the retriever answering uses), best first."""
        best: dict[str, float] = {}
        for doc in self.search(query, max(k * 3, k)):
            doc_id = str(doc.metadata.get("doc_id", ""))
            score = float(doc.metadata.get("score", 0.0))
            best[doc_id] = max(best.get(doc_id, score), score)
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def sources(self) -> list[dict[str, str]]:
        return list(self.store.documents())

    def record_feedback(self, question: str, answer: Answer, rating: int, comment: str = "") -> int:
        """Store a thumbs up (1) or down (-1) with the question, answer and citations shown."""
        from assistant.feedback import FeedbackStore

        return FeedbackStore(self.settings.feedback_db).record(question, answer, rating, comment)


class _LiveTermStats:
    """Term statistics of the retriever's current lexical index (follows store changes)."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever

    def idf(self, term: str) -> float:
        return float(self.retriever.current_lexical_index().idf(term))

    def knows(self, term: str) -> bool:
        return bool(self.retriever.current_lexical_index().knows(term))
