"""Feedback review: thumbs-down answers with question, answer, citations and comment; mark as reviewed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from assistant.staff.db import engine, feedback, feedback_review


def feedback_entries(db_url: str, rating: int | None = -1, include_reviewed: bool = True) -> list[dict[str, Any]]:
    query = (
        select(feedback, feedback_review.c.reviewed_by, feedback_review.c.reviewed_at)
        .select_from(feedback.outerjoin(feedback_review, feedback.c.id == feedback_review.c.feedback_id))
        .order_by(feedback.c.id.desc())
    )
    if rating is not None:
        query = query.where(feedback.c.rating == rating)
    if not include_reviewed:
        query = query.where(feedback_review.c.feedback_id.is_(None))
    with engine(db_url).connect() as db:
        rows = [dict(row._mapping) for row in db.execute(query)]
    for row in rows:
        row["citations"] = json.loads(row["citations"] or "[]")
    return rows


def mark_reviewed(db_url: str, feedback_id: int, actor: str) -> bool:
    """True when the entry exists (marking twice keeps the first review)."""
    with engine(db_url).begin() as db:
        if db.execute(select(feedback.c.id).where(feedback.c.id == feedback_id)).first() is None:
            return False
        seen = select(feedback_review).where(feedback_review.c.feedback_id == feedback_id)
        if db.execute(seen).first() is None:
            db.execute(
                insert(feedback_review).values(
                    feedback_id=feedback_id,
                    reviewed_by=actor[:200],
                    reviewed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            )
    return True
