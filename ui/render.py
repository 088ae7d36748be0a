"""Pure helpers for showing document text safely in Markdown (used by the Streamlit page)."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~$])")


def md_escape(text: str) -> str:
    """Document text shown literally: no Markdown links, images, emphasis, HTML or list numbering."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*\d+)\.", r"\1\\.", escaped)


def safe_link(url: str) -> str:
    """The URL if it is a plain http(s) link, else empty (no javascript:, no Markdown breakout)."""
    return url if re.match(r"^https?://[^\s()<>\[\]]+$", url or "") else ""
