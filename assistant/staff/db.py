"""The staff database: feedback, question log, feedback reviews and the admin audit log.

SQLite in ``data/feedback.sqlite`` by default (the file the feedback always used); any SQLAlchemy URL
(e.g. ``postgresql+psycopg://…``) through ``ASSISTANT_STAFF_DB_URL``. Tables are created on first use.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, String, Table, Text, create_engine, event

metadata = MetaData()

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(32), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("answered", Integer, nullable=False),
    Column("citations", Text, nullable=False),
)

question_log = Table(
    "question_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(32), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("question", Text, nullable=False),  # personal data masked before storage
    Column("answered", Integer, nullable=False),
    Column("reason", String(32), nullable=False, default=""),
    Column("doc_ids", Text, nullable=False, default=""),  # comma-separated cited doc ids
    Column("vector", LargeBinary, nullable=True),  # the masked question's embedding (float32), for the gaps
)

feedback_review = Table(
    "feedback_review",
    metadata,
    Column("feedback_id", Integer, primary_key=True),
    Column("reviewed_by", String(200), nullable=False),
    Column("reviewed_at", String(32), nullable=False),
)

admin_audit = Table(
    "admin_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

_lock = threading.Lock()


def url_for(path_or_url: str | Path) -> str:
    text = str(path_or_url)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


@lru_cache(maxsize=8)
def engine(url: str) -> Engine:
    """One engine per database (pooled connections); the tables exist afterwards."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    made = create_engine(url, future=True)
    if url.startswith("sqlite"):

        @event.listens_for(made, "connect")
        def _wait_for_locks(connection, _record):  # type: ignore[no-untyped-def]
            connection.execute("PRAGMA busy_timeout = 5000")  # API workers and the UI share the file

    with _lock:
        metadata.create_all(made)
    return made
