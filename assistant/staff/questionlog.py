"""The question log: what was asked where, answered or refused and why, which documents were cited.

Privacy by default: the question is stored with personal data masked (``privacy.mask_personal``), no
client address, no chat history, no answer text; entries older than the retention period are deleted
on every write; ``ASSISTANT_QUESTION_LOG=false`` logs nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

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

    def record(self, channel: str, question: str, answer: Answer) -> None:
        if not self.settings.question_log:
            return
        channel = channel if channel in CHANNELS else "api"
        doc_ids = ",".join(dict.fromkeys(c.doc_id for c in answer.citations))
        cutoff = (_now() - timedelta(days=self.settings.question_log_retention_days)).isoformat(timespec="seconds")
        with engine(self.settings.staff_db()).begin() as db:
            db.execute(delete(question_log).where(question_log.c.created_at < cutoff))
            db.execute(
                insert(question_log).values(
                    created_at=_now().isoformat(timespec="seconds"),
                    channel=channel,
                    question=mask_personal(question.strip())[:2000],
                    answered=int(answer.answered),
                    reason=(answer.reason or "")[:32] if not answer.answered else "",
                    doc_ids=doc_ids[:500],
                )
            )

    def entries(self, days: int | None = None, channel: str | None = None) -> list[dict[str, Any]]:
        query = select(question_log).order_by(question_log.c.id.desc())
        if days:
            since = (_now() - timedelta(days=days)).isoformat(timespec="seconds")
            query = query.where(question_log.c.created_at >= since)
        if channel:
            query = query.where(question_log.c.channel == channel)
        with engine(self.settings.staff_db()).connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]
