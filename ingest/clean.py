"""German text cleaning for published documents, OCR scans included.

Two texts leave here for every sentence: the *original* (as published, only
line breaks, hyphenation and markup removed — what a citation quotes) and the
*clean* text (OCR damage repaired where a German dictionary confirms it —
what retrieval and answers use).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.text import german_words
from assistant.text import is_german_word as _is_german_word

# OCR confusions seen in German scans: (what OCR printed, what was printed).
_CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("ii", "ü"),
    ("iu", "ü"),
    ("uu", "ü"),
    ("ul", "ü"),
    ("lu", "ü"),
    ("li", "ü"),
    ("i", "ü"),
    ("u", "ü"),
    ("l", "ü"),
    ("éa", "ä"),
    ("ea", "ä"),
    ("é", "ä"),
    ("a", "ä"),
    ("db", "ö"),
    ("d", "ö"),
    ("o", "ö"),
    ("6", "ö"),
    ("l3", "ß"),
    ("fli", "ß"),
    ("ll", "ß"),
    ("3", "ß"),
    ("l", "ß"),
    ("b", "ß"),
    ("h", "n"),
    ("rn", "m"),
)
# Strong signs that a text came through OCR (umlaut and ß damage).
_OCR_SIGNS = re.compile(r"[a-zäöü](?:ii|l3|3[a-z]|é[a-z])|[a-z]flr\b|\bflr\b|\b[A-Z]U[a-z]")
_WORD = re.compile(r"[^\W_]*[^\W\d_][^\W_]*", re.UNICODE)


def _dictionary() -> Any:
    return german_words()


def _known(word: str) -> bool:
    return word in german_words()


def _substitutions(word: str) -> set[str]:
    out = set()
    for wrong, right in _CONFUSIONS:
        start = word.find(wrong)
        while start != -1:
            out.add(word[:start] + right + word[start + len(wrong) :])
            start = word.find(wrong, start + 1)
    out.discard(word)
    return out


@lru_cache(maxsize=100_000)
def repair_word(word: str) -> str:
    """The dictionary-confirmed repair of an OCR-damaged word, or the word unchanged."""
    if len(word) < 3 or word.isupper() or word.isdigit() or _is_german_word(word.lower()):
        return word
    lower = word.lower()
    singles = _substitutions(lower)
    found = [c for c in singles if _known(c)] or [c for c in singles if _is_german_word(c)]
    if not found:
        doubles = {d for s in singles for d in _substitutions(s)}
        found = [c for c in doubles if _known(c)] or [c for c in doubles if _is_german_word(c)]
    if not found:
        return word
    freq = _dictionary()
    best = max(found, key=lambda c: (freq[c] if c in freq else 0, -len(c), c))  # noqa: SIM401
    if word[0].isupper():
        best = best[0].upper() + best[1:]
    return best


def looks_like_ocr(text: str) -> bool:
    """Enough umlaut/ß damage that word repair is worth running on the whole document."""
    return len(_OCR_SIGNS.findall(text)) >= 2


def repair_quotes(text: str) -> str:
    # OCR reads „ as a comma glued to the next word and “ as ® or * glued to the previous one.
    text = re.sub(r"(^|[\s(])[,.](?=[A-ZÄÖÜ])", r"\1„", text)
    text = re.sub(r"(?<=\w)®", "“", text)
    text = re.sub(r"(?<=\w)\*(?=[\s,.;:]|$)", "“", text)
    text = re.sub(r"(?<=\w)”", "“", text)
    return text


def repair_ocr(text: str) -> str:
    """Repair OCR damage word by word; a word changes only when the dictionary knows the repair."""
    text = repair_quotes(text)
    return _WORD.sub(lambda m: repair_word(m.group(0)), text)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Block:
    """A heading or a paragraph of a document, whitespace and hyphenation normalised."""

    kind: str  # "heading" | "paragraph"
    text: str
    closing_block: bool = False  # heading-like lines after the last paragraph (greeting, signature)


_MD_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)|^#+\s*|`")
_BULLET = re.compile(r"^\s*(?:[.•·▪‣◦-]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?:;\"“”»)]\s*$")


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if text.endswith("-") and line[:1].islower() and not text.endswith(" -"):
            text = text[:-1] + line  # hyphenated line break: „Fach-\nkräfte"
        elif text:
            text += " " + line
        else:
            text = line
    return re.sub(r"\s+", " ", text).strip()


def _strip_markup(text: str) -> str:
    # Emphasis markers are formatting, not words; keep gender stars (Teilnehmer*innen).
    text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"\1", text)
    text = re.sub(r"(?<!\S)__(?=\S)(.+?)(?<=\S)__(?!\w)", r"\1", text)
    text = re.sub(r"^#+\s*", "", text)
    return text.replace("`", "")


def layout_blocks(raw: str) -> list[Block]:
    """Split raw text into headings and paragraphs; re-join paragraphs that a page layout broke."""
    blocks: list[Block] = []
    md_heading: list[bool] = []
    for chunk in re.split(r"\n\s*\n", raw.replace("\r\n", "\n")):
        lines = [_BULLET.sub("", ln) for ln in chunk.split("\n") if ln.strip()]
        if not lines:
            continue
        is_md_heading = lines[0].lstrip().startswith("#")
        text = _strip_markup(_join_lines(lines))
        if not text or not re.search(r"\w", text):
            continue
        short = len(text) <= 80 and len(text.split()) <= 10
        ends = bool(_SENTENCE_END.search(text))
        prev = blocks[-1] if blocks else None
        if (
            prev is not None
            and not md_heading[-1]
            and not is_md_heading
            and not _SENTENCE_END.search(prev.text)
            and prev.text.split()[-1][:1].islower()
            and text[:1].islower()
        ):
            # Lower case on both sides of the break: one sentence, whatever the first part looked like.
            blocks[-1] = Block("paragraph", prev.text + " " + text)
            continue
        if (
            prev is not None
            and prev.kind == "paragraph"
            and not _SENTENCE_END.search(prev.text)
            and not is_md_heading
            and (
                prev.text.split()[-1][:1].islower()
                or text[:1].islower()
                or (
                    re.search(r"[.!?]\s", prev.text) is not None
                    and (len(text) > 80 or _SENTENCE_END.search(text) is not None)
                )
            )
        ):
            # A paragraph broken mid-sentence by the layout: „… kein Ausruhen auf dem" + „in dieser …"
            blocks[-1] = Block("paragraph", prev.text + " " + text)
            continue
        title_like = not ends and len(text) <= 200 and not re.search(r"[.!?]\s", text)
        kind = "heading" if is_md_heading or (short and not ends) or title_like else "paragraph"
        blocks.append(Block(kind, text))
        md_heading.append(is_md_heading)
    return blocks


def normalize_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- hidden text and markup

# Invisible characters that split words for a reader's eye but not for a pattern („Igno\u200briere"):
# zero-width space/joiners, soft hyphen, bidi controls, BOM … (Unicode category Cf), and control characters.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def strip_invisible(text: str) -> str:
    """Text without format characters (zero-width, soft hyphen, bidi controls), ANSI escapes and control
    characters other than line breaks and tabs."""
    return _CONTROL.sub("", _INVISIBLE.sub("", _ANSI.sub("", text)))


_HIDDEN_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head", "textarea")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?:\.0*)?(?:px|pt|em|rem|%)?\s*(?:;|$)"
    r"|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)",
    re.IGNORECASE,
)
_BLOCK_TAGS = (
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "ul", "ol", "li", "table",
    "tr", "blockquote", "pre", "figure", "figcaption", "dl", "dt", "dd", "address", "form", "fieldset",
)  # fmt: skip


def _is_hidden(tag: Any) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    if tag.name == "input" and str(attrs.get("type", "")).lower() == "hidden":
        return True
    return bool(_HIDDEN_STYLE.search(str(attrs.get("style", ""))))


def _drop_hidden(soup: Any) -> None:
    from bs4 import Comment, Declaration, Doctype, ProcessingInstruction

    for node in soup.find_all(string=lambda s: isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction))):
        node.extract()
    for tag in soup.find_all(_HIDDEN_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        if not tag.decomposed:
            tag.decompose()


def html_to_text(html: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page: no script, style, noscript, template, comments, nor elements
    hidden by ``hidden``, ``aria-hidden`` or an inline style. Block elements become paragraphs and
    headings Markdown headings, so the layout step sees the page's structure."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    _drop_hidden(soup)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.insert_before("\n\n# ")
            heading.insert_after("\n\n")
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    text = soup.get_text("")
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"(?m)^# *\n+", "# ", text)
    return normalize_whitespace(title), re.sub(r"\n{3,}", "\n\n", text).strip()


_MD_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_MD_TARGET = r"\((?:[^()\n]|\([^()\n]*\))*\)"  # (url) with one level of nested parentheses
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]" + _MD_TARGET)
_MD_LINK = re.compile(r"\[([^\]\n]+)\]" + _MD_TARGET)
_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z!/?]")


def markdown_visible_text(text: str) -> str:
    """A Markdown body as a reader sees it: comments and hidden HTML removed, inline HTML reduced to its
    text, links and images reduced to their text (a quote can carry no ``<img onerror=…>`` or
    ``[klick](javascript:…)``)."""
    text = _MD_COMMENT.sub("", text)
    if _LOOKS_LIKE_HTML.search(text):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(text, "html.parser")
        _drop_hidden(soup)
        for br in soup.find_all("br"):
            br.replace_with("\n")
        text = soup.get_text("")
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    return _MD_LINK.sub(lambda m: m.group(1), text)


_TAG = re.compile(
    r"<(script|style|noscript|template)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)|</?[A-Za-z][^>]*>",
    re.DOTALL | re.IGNORECASE,
)


def plain_text(value: object, max_chars: int) -> str:
    """Metadata (title, publisher, date) as plain text: no HTML, no Markdown links/emphasis, no invisible or
    control characters, one line, at most ``max_chars``."""
    text = strip_invisible(str(value if value is not None else ""))
    text = _TAG.sub(" ", text)
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"\*\*|__|`", "", text)
    return normalize_whitespace(text)[:max_chars].strip()
