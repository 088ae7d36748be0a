"""What Streamlit has no setting for, done once in the page: German language and labels, a live
region for finished answers, and „[n]" links that open and focus their source.

Streamlit serves ``<html lang="en">`` and a few English labels of its own (the skip link, the
sidebar buttons, the chat input's send button). No configuration option changes them, so a small
script — our own code, never document text — sets ``lang="de"`` and translates those labels when
they appear. Everything that has a setting (toolbar, menu, colours) is set in
``.streamlit/config.toml`` instead. (Streamlit's HTML sanitiser drops an inline script of this size
and a script that is the first node; so the script is a static file behind an empty hidden element.)
"""

from __future__ import annotations

import json

# Loaded from Streamlit's static folder (``server.enableStaticServing``): ``ui/static/a11y.js`` holds
# the table of Streamlit's English labels and their German names.
SHIM = '<span hidden data-fka-a11y></span><script src="app/static/a11y.js"></script>'


def announce_script(text: str) -> str:
    """A script that puts ``text`` into the live region once (screen readers read it when the answer
    is complete, not every streamed token). The text is a JSON string literal with ``<``, ``>`` and
    ``&`` escaped, so document text can never end the script or inject markup."""
    literal = json.dumps(text, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    literal = literal.replace("&", "\\u0026")
    return f"<span hidden></span><script>window.__fkaAnnounce && window.__fkaAnnounce({literal});</script>"
