"""The one answer shape every front end returns (CLI, API, UI)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Citation(BaseModel):
    n: int = Field(description="Number used as [n] in the answer text.")
    doc_id: str
    title: str
    source: str = Field(description="URL of the published document, empty when none is known.")
    quote: str = Field(description="The cited sentence(s), readable: OCR damage of a scanned original repaired.")
    quote_original: str = Field(
        default="", description="The same sentence(s) exactly as in the source file (OCR errors included), for tracing."
    )
    date: str = ""
    publisher: str = Field(default="", description="Who published the document (its metadata); empty when unknown.")


class Answer(BaseModel):
    answer: str
    answered: bool
    citations: list[Citation] = Field(default_factory=list)
    reason: str = Field(default="", description="Why an answer was refused (machine-readable).")
    fallback_reason: str = Field(
        default="", description="Why a generated answer was replaced by the extractive one (empty if it was not)."
    )
    lang: str = Field(
        default="de",
        description="Language of the answer's own words (de or en), for screen readers; quoted document "
        "sentences (the citations' quotes) are German.",
    )


# Diagnostic fields that stay out of the public JSON contract (CLI, API).
INTERNAL_FIELDS = {"reason", "fallback_reason"}
