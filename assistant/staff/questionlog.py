"""The question log: what was asked where, answered or refused and why, which documents were cited.

Privacy by default: the question is stored with personal data masked (``privacy.mask_personal``), no
client address, no chat history, no answer text; entries older than the retention period are deleted
on every write; ``ASSISTANT_QUESTION_LOG=false`` logs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, insert, select

from assistant.models import Answer
from assistant.settings import Settings
from assistant.staff.db import engine, question_log
from assistant.staff.privacy import mask_personal

CHANNELS = ("ui", "api", "widget")


def _now() -> datetime:
    return datetime.now(UTC)


class QuestionLog:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def record(
        self,
        channel: str,
        question: str,
        answer: Answer,
        embed: Callable[[str], Sequence[float]] | None = None,
    ) -> None:
        """``embed``: the question's embedding, stored for the gaps report (the retriever has usually just
        computed it, so this costs nothing)."""
        if not self.settings.question_log:
            return
        masked = mask_personal(question.strip())[:2000]
        vector = np.asarray(embed(masked), dtype=np.float32).tobytes() if embed else None
        channel = channel if channel in CHANNELS else "api"
        doc_ids = ",".join(dict.fromkeys(c.doc_id for c in answer.citations))
        cutoff = (_now() - timedelta(days=self.settings.question_log_retention_days)).isoformat(timespec="seconds")
        with engine(self.settings.staff_db()).begin() as db:
            db.execute(delete(question_log).where(question_log.c.created_at < cutoff))
            db.execute(
                insert(question_log).values(
                    created_at=_now().isoformat(timespec="seconds"),
                    channel=channel,
                    question=masked,
                    answered=int(answer.answered),
                    reason=(answer.reason or "")[:32] if not answer.answered else "",
                    doc_ids=doc_ids[:500],
                    vector=vector,
                )
            )

    def entries(
        self, days: int | None = None, channel: str | None = None, with_vectors: bool = False
    ) -> list[dict[str, Any]]:
        columns = [c for c in question_log.c if with_vectors or c.name != "vector"]
        query = select(*columns).order_by(question_log.c.id.desc())
        if days:
            since = (_now() - timedelta(days=days)).isoformat(timespec="seconds")
            query = query.where(question_log.c.created_at >= since)
        if channel:
            query = query.where(question_log.c.channel == channel)
        with engine(self.settings.staff_db()).connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]
