"""The question-answering chain: standalone question → retrieve → answer.

``build_chain(retriever, answerer)`` wires the parts that are passed in; the
``AssistantService`` is what every front end (CLI, API, UI) calls.
"""

from __future__ import annotations

import logging
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
from assistant.spelling import correct
from assistant.text import fold, tokens

_log = logging.getLogger("assistant.chain")

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
    if not is_english(question) and hasattr(retriever, "current_lexical_index"):
        question = correct(question, _LiveTermStats(retriever).knows)
    query = standalone_question(question, history)
    if is_english(question):
        query = expand_english(query)
    return query, question, retriever.search(query, k, sentence_hits=SENTENCE_HITS)


def _since(days: int | None) -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds") if days else ""


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
            from assistant.answer.thesaurus import load as load_thesaurus
            from assistant.answer.translations import load as load_translations
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
                thesaurus=load_thesaurus(self.settings.thesaurus_path),
                translations=load_translations(self.settings.dictionary_path),
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
        from assistant.claims import lemma_stems
        from assistant.text import german_words

        self._build()
        self._retriever.warm_up()
        german_words()  # the word list the fact check, the topic check and the typo correction consult
        lemma_stems("Die Tagung lädt ein")  # HanTa's model (lemmas for the answerer and the fact check)

    @property
    def store(self) -> Any:
        self._build()
        return self._retriever.store

    def ask(self, question: str, history: list[Turn] | None = None, channel: str | None = None) -> Answer:
        """The answer; with a ``channel`` (ui, api, widget) the question goes into the question log."""
        if len(question) > self.settings.max_question_chars:
            raise AssistantError(f"Die Frage ist zu lang (höchstens {self.settings.max_question_chars} Zeichen).")
        answer = with_language(self._build().invoke({"question": question, "history": history or []}))
        if channel:
            self._log(channel, question, answer)
        return answer

    def _log(self, channel: str, question: str, answer: Answer) -> None:
        from assistant.staff.questionlog import QuestionLog

        try:
            QuestionLog(self.settings).record(channel, question, answer, embed=self._retriever.query_vector)
        except Exception as exc:  # noqa: BLE001 - a full disk must not cost the visitor the answer
            _log.warning("question log not written: %s", type(exc).__name__)

    def ask_stream(
        self, question: str, history: list[Turn] | None = None, channel: str | None = None
    ) -> Iterator[str | Answer]:
        """Text as it is produced, then the final, verified Answer (which may replace the text)."""
        for item in self._ask_stream(question, history):
            if channel and isinstance(item, Answer):
                self._log(channel, question, item)
            yield item

    def _ask_stream(self, question: str, history: list[Turn] | None = None) -> Iterator[str | Answer]:
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

        return FeedbackStore(self.settings.staff_db()).record(question, answer, rating, comment)

    # --- staff area (callers check the login first: assistant.api /api/admin, ui/pages) ---

    def logged_questions(self, days: int | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        from assistant.staff.questionlog import QuestionLog

        return QuestionLog(self.settings).entries(days, channel)

    def gaps(self, days: int | None = None, channel: str | None = None) -> list[Any]:
        """Refused and thumbs-down questions grouped by meaning, largest group first."""
        from assistant.staff.gaps import gaps_report
        from assistant.staff.questionlog import QuestionLog
        from assistant.staff.review import feedback_entries

        log = QuestionLog(self.settings).entries(days, channel, with_vectors=True)
        rows = [r for r in log if not r["answered"]]
        if channel in (None, "ui"):
            since = _since(days)
            rows += [
                {"question": f["question"], "answered": f["answered"], "channel": "ui"}
                for f in feedback_entries(self.settings.staff_db(), rating=-1)
                if not since or str(f["created_at"]) >= since
            ]
        self._build()
        return gaps_report(rows, self._retriever.query_vector)

    def feedback_for_review(self, include_reviewed: bool = True) -> list[dict[str, Any]]:
        from assistant.staff.review import feedback_entries

        return feedback_entries(self.settings.staff_db(), rating=-1, include_reviewed=include_reviewed)

    def mark_reviewed(self, feedback_id: int, actor: str) -> bool:
        from assistant.staff.review import mark_reviewed

        done = mark_reviewed(self.settings.staff_db(), feedback_id, actor)
        if done:
            self.audit(actor, "feedback_reviewed", f"feedback {feedback_id}")
        return done

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        from assistant.staff.accounts import audit

        audit(self.settings.staff_db(), actor, action, detail)

    def audit_log(self) -> list[dict[str, object]]:
        from assistant.staff.accounts import audit_entries

        return audit_entries(self.settings.staff_db())

    def documents_overview(self) -> list[dict[str, Any]]:
        """The documents in the store with their number of chunks and the last upload (when, by whom) from
        the audit log (documents from ``python -m ingest`` show no uploader)."""
        counts: dict[str, int] = {}
        for chunk in self.store.all_chunks():
            doc_id = str(chunk.metadata.get("doc_id", ""))
            counts[doc_id] = counts.get(doc_id, 0) + 1
        docs: dict[str, dict[str, Any]] = {
            d["doc_id"]: {**d, "chunks": counts.get(d["doc_id"], 0), "indexed_at": "", "indexed_by": ""}
            for d in self.sources()
        }
        from assistant.staff.accounts import audit_entries

        # every upload, however old (the audit view shows only the newest 500 entries); oldest first, the last wins
        uploads = audit_entries(self.settings.staff_db(), limit=None, actions=("document_added", "document_replaced"))
        for entry in reversed(uploads):
            doc_id = str(entry["detail"]).split(" ")[0]
            if doc_id in docs:
                docs[doc_id].update(indexed_at=entry["created_at"], indexed_by=entry["actor"])
        return list(docs.values())

    def add_document(self, filename: str, data: bytes, meta: dict[str, Any], actor: str, replace: bool = False) -> Any:
        """Upload (or replace) one document through the incremental ingest of the corpus folder; the
        store is unchanged when the upload is refused (``UploadError`` with a German reason)."""
        from ingest.upload import add_document

        self._build()
        result = add_document(
            self.store, self.settings.corpus_dir, filename, data, meta,
            replace=replace, chunk_max_chars=self.settings.chunk_max_chars,
        )  # fmt: skip
        self.audit(actor, "document_replaced" if replace else "document_added", f"{result.doc_id} {result.file}")
        return result

    def delete_document(self, doc_id: str, actor: str) -> Any:
        from ingest.upload import delete_document

        self._build()
        report = delete_document(
            self.store, self.settings.corpus_dir, doc_id, chunk_max_chars=self.settings.chunk_max_chars
        )
        self.audit(actor, "document_deleted", doc_id)
        return report

    def admin_login(self, user: str, password: str) -> bool:
        """The local admin account's check; failed attempts are audited (without the password)."""
        from assistant.staff.accounts import verify

        ok = verify(self.settings.admin_credentials, user, password)
        if not ok:
            self.audit(user[:100] or "?", "login_failed")
        return ok


class _LiveTermStats:
    """Term statistics of the retriever's current lexical index (follows store changes)."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever

    def idf(self, term: str) -> float:
        return float(self.retriever.current_lexical_index().idf(term))

    def knows(self, term: str) -> bool:
        return bool(self.retriever.current_lexical_index().knows(term))
