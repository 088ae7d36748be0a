"""Durable thumbs up/down feedback: question, answer and citations as shown (personal data in the
question and the comment masked before storage)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from assistant.models import Answer
from assistant.staff.db import engine, feedback, url_for
from assistant.staff.privacy import mask_personal


class FeedbackStore:
    def __init__(self, path_or_url: Path | str) -> None:
        self.url = url_for(path_or_url)

    def record(self, question: str, answer: Answer, rating: int, comment: str = "") -> int:
        if rating not in (-1, 1):
            raise ValueError("rating must be -1 or 1")
        citations = json.dumps([c.model_dump() for c in answer.citations], ensure_ascii=False)
        with engine(self.url).begin() as db:
            result = db.execute(
                insert(feedback).values(
                    created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                    rating=rating,
                    comment=mask_personal(comment.strip()[:2000]),
                    question=mask_personal(question),
                    answer=answer.answer,
                    answered=int(answer.answered),
                    citations=citations,
                )
            )
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

    def all(self) -> list[dict[str, object]]:
        with engine(self.url).connect() as db:
            return [dict(row._mapping) for row in db.execute(select(feedback).order_by(feedback.c.id))]
