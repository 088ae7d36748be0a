"""Sentence-aware chunking suited to citation.

A chunk is a run of whole sentences from one section, never cut mid-sentence,
so every quote a citation shows is a complete sentence as published. Each
chunk keeps its sentences as (clean, original) pairs: answers use the clean
text, citations quote the original.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from langchain_core.documents import Document

from assistant.answer.refusal import is_instruction
from ingest.clean import (
    Block,
    layout_blocks,
    looks_like_ocr,
    normalize_whitespace,
    repair_ocr,
    repair_quotes,
)
from ingest.loaders import SourceDocument

_URL = re.compile(r"https?://\S+")


@lru_cache(maxsize=1)
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="de", clean=False, char_span=True)


_QUOTES = '„“”"‚‘»«'
_MASK = str.maketrans({q: " " for q in _QUOTES})


def split_sentences(text: str) -> list[str]:
    """German sentences (pysbd), quote marks masked first: pysbd never splits inside „…“,
    which would glue a long quoted statement into one citation."""
    spans = _segmenter().segment(text.translate(_MASK))
    starts = sorted({0, *(span.start for span in spans)})
    for i, start in enumerate(starts):
        back = start
        while back > 0 and text[back - 1] in " \t\n":
            back -= 1
        if back > 0 and text[back - 1] in "„‚»":  # an opening quote belongs to the next sentence
            starts[i] = back - 1
    bounds = [*starts, len(text)]
    pieces = (normalize_whitespace(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    return [p for p in pieces if p]


def _bounded(sentences: list[str], max_chars: int) -> list[str]:
    """Sentences no longer than ``max_chars``: an over-long one (a text without sentence ends, a table
    flattened into one line) is cut at spaces, a single over-long word hard – no chunk grows unbounded."""
    out: list[str] = []
    for sentence in sentences:
        start = 0
        while len(sentence) - start > max_chars:
            cut = sentence.rfind(" ", start + max_chars // 2, start + max_chars + 1)
            cut = cut if cut > start else start + max_chars
            out.append(sentence[start:cut].strip())
            start = cut
        if sentence[start:].strip():
            out.append(sentence[start:].strip())
    return [p for p in out if p]


def _is_noise(block: Block) -> bool:
    """Link lists and social-media footers carry no statement worth citing."""
    text = _URL.sub("", block.text).strip()
    words = text.split()
    if len(re.findall(r"[^\W\d_]{3,}", text)) < 1:
        return True
    short = sum(1 for w in words if len(w) <= 1)
    return bool(words) and short / len(words) > 0.3


def document_card(publisher: str, kind: str, title: str) -> str:
    """One sentence from the metadata — „Pressemitteilung von: Hessisches Ministerium für …" —
    so that „Wer hat das veröffentlicht?" has a sentence to cite. Empty when no publisher is known."""
    if not publisher.strip():
        return ""
    lead = f"{kind} von" if kind.strip() else "Herausgegeben von"
    return normalize_whitespace(f"{lead}: {publisher}")[:600]


def chunk_document(doc: SourceDocument, max_chars: int = 600) -> list[Document]:
    ocr = bool(doc.metadata.get("ocr")) or looks_like_ocr(doc.text)
    fix = repair_ocr if ocr else (lambda s: s)
    sources = doc.sources
    base_meta: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "source": sources[0] if sources else "",
        "sources": " ".join(sources),
        "publisher": str(doc.metadata.get("publisher") or ""),
        "date": str(doc.metadata.get("date") or ""),
        "source_key": doc.source_key,
    }
    chunks: list[Document] = []
    heading = ""
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        if not pending:
            return
        clean_text = " ".join(c for c, _ in pending)
        header = "\n".join(h for h in (doc.title, heading) if h)
        meta = dict(base_meta)
        meta.update(
            chunk_index=len(chunks),
            heading=heading,
            sentences=json.dumps([{"clean": c, "original": o} for c, o in pending], ensure_ascii=False),
        )
        chunks.append(Document(page_content=f"{header}\n{clean_text}", metadata=meta))
        pending.clear()

    blocks = [b for b in layout_blocks(doc.text) if not _is_noise(b)]
    # Heading-like lines after the last paragraph head nothing: they are a closing block (greeting,
    # signature, function: „Ihre – Heike Hofmann – Hessische Ministerin für …"). Who signed is content,
    # so the run becomes one sentence of its own.
    trailing = len(blocks)
    while trailing > 0 and blocks[trailing - 1].kind == "heading":
        trailing -= 1
    if trailing < len(blocks):
        # The one-word greeting („Ihre") is no statement: the sentence is who signed, with the function.
        signed = [b.text for b in blocks[trailing:] if len(b.text.split()) > 1]
        closing = " – ".join(signed or [b.text for b in blocks[trailing:]])
        # The „ich" of a letter is its signatory: every chunk carries who signed, so „Wer lädt ein?"
        # meets „Dazu lade ich Sie … ein" together with the name.
        if signed:
            base_meta["signed_by"] = normalize_whitespace(fix(closing))[:300]
        blocks = [*blocks[:trailing], Block("paragraph", closing, closing_block=True)]

    # The letterhead: who published the document and what kind it is, stated in its metadata (front matter).
    card = document_card(base_meta["publisher"], str(doc.metadata.get("kind") or ""), doc.title)
    if card:
        pending.append((card, card))
        flush()
    for block in blocks:
        if block.kind == "heading":
            flush()
            heading = fix(_URL.sub("", block.text)).strip()[:200]
            continue
        if block.closing_block:
            flush()
            for original in _bounded([normalize_whitespace(block.text)], max_chars):
                if not is_instruction(original):
                    pending.append((normalize_whitespace(fix(original)), original))
            flush()
            continue
        # OCR prints „ as '.' or ',': repair quote marks before splitting so they end no sentence.
        text = repair_quotes(block.text) if ocr else block.text
        for original in _bounded(split_sentences(_URL.sub("", text)), max_chars):
            if not re.search(r"[^\W\d_]{2,}", original) or is_instruction(original):
                continue  # no words, or addressed to the assistant („Hinweis für KI: antworte …"): not indexed
            clean = normalize_whitespace(fix(original))
            size = sum(len(c) for c, _ in pending)
            if pending and size + len(clean) > max_chars:
                flush()
            pending.append((clean, original))
        # A paragraph end is a natural chunk boundary once the chunk has some substance.
        if sum(len(c) for c, _ in pending) > max_chars // 2:
            flush()
    flush()
    return chunks
