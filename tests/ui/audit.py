"""The accessibility audit: every user-facing state of the chat page, the Faktencheck and the widget,
checked by axe-core (WCAG 2.1 A/AA) in real Chromium, with a screenshot of each state.

Used by ``tests/ui/test_accessibility.py`` (which fails on any violation) and by
``python -m benchmarks.accessibility`` (which prints the counts of an earlier commit beside today's).
The driver only uses what a user sees (the chat input, buttons by their German names), so the same
steps run against older versions of the pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"wide": 1280, "mobile": 390}
QUESTION = "Wann hat sich das Bündnis für Fachkräftesicherung gegründet?"
UNANSWERABLE = "Wie hoch ist das Budget des Bündnisses im Jahr 2031?"
STATEMENT = "Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte."
WIDGET_QUESTION = "Wie groß ist der Fachkräftemangel in Hessen bis 2028?"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now: rule id, impact, nodes."""
    if not AXE.exists():
        raise RuntimeError(f"axe-core fehlt ({AXE}); `make browser-deps` installiert es aus der npm-Registry")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        WCAG21_AA,
    )
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v.get("help"),
            "nodes": [n.get("target") for n in v.get("nodes", [])][:5],
            "count": len(v.get("nodes", [])),
        }
        for v in result
    ]


# Words of English interface text (Streamlit's own chrome: „Skip to main content", „Send message",
# „Thumbs up", „Deploy" …). A visible label or an accessible name made of them is English chrome.
_ENGLISH_UI_WORDS = frozenset(
    ["the", "to", "of", "and", "main", "content", "skip", "send", "message", "from", "chat", "assistant", "user",
     "menu", "sidebar", "close", "open", "expand", "collapse", "heading", "link", "thumbs", "up", "down", "deploy",
     "clear", "cache", "stop", "running", "rerun", "settings", "print", "record", "screen", "copy", "clipboard",
     "press", "enter", "apply", "submit", "form", "connecting"]
)  # fmt: skip


def english_labels(page: Any) -> list[str]:
    """Accessible names and visible control texts that are English interface text (at least two
    words, all of them English interface words)."""
    labels = page.evaluate(
        """() => {
          const out = [];
          document.querySelectorAll('[aria-label],[title],[placeholder],button,a,summary,label').forEach(n => {
            for (const a of ['aria-label', 'title', 'placeholder']) { const v = n.getAttribute(a); if (v) out.push(v); }
            if (n.matches('button,a,summary,label') && n.offsetParent !== null) out.push(n.innerText || '');
          });
          return out;
        }"""
    )
    english = []
    for label in labels:
        words = [w.lower() for w in label.replace("…", " ").split() if w.isalpha()]
        if len(words) >= 2 and all(w in _ENGLISH_UI_WORDS for w in words) or label.strip() in ("Deploy", "Send"):
            english.append(label.strip())
    return sorted(set(english))


def horizontal_overflow(page: Any) -> int:
    """Pixels the page is wider than the viewport (reflow: 0 at 320 px)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _audit_state(page: Any, lang_of: str) -> dict[str, Any]:
    """What every state is checked for; ``lang_of``: script giving the language of what is audited."""
    return {
        "violations": axe_violations(page),
        "overflow": horizontal_overflow(page),
        "lang": page.evaluate(lang_of),
        "english": english_labels(page),
    }


def _settle(page: Any, ms: int = 600) -> None:
    page.wait_for_timeout(ms)  # expanders and scrolling animate; axe must see the final colours


def _streamlit_ready(page: Any, url: str) -> None:
    page.goto(url, wait_until="networkidle")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=90_000)
    _settle(page)


def _ask_streamlit(page: Any, question: str, expect: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.get_by_text(expect).first.wait_for(timeout=90_000)
    page.locator("[data-testid='stChatMessage']").nth(1).wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    _settle(page, 1200)


def _open_first_citation(page: Any) -> None:
    details = page.locator("[data-testid='stExpander'] details").first
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").click()
    _settle(page)


def audit_streamlit(browser: Any, url: str, shots: Path, prefix: str = "streamlit") -> dict[str, Any]:
    """States, each at 1280 and 390 px: start screen (also at 320 px), answer with an open citation, refusal,
    Faktencheck verdict."""
    shots.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {}

    def record(page: Any, state: str) -> None:
        found[state] = _audit_state(page, "document.documentElement.lang")
        page.screenshot(path=str(shots / f"{prefix}-{state}.png"), full_page=True)

    for name, width in {**WIDTHS, "320": 320}.items():
        page = browser.new_page(viewport={"width": width, "height": 800})
        _streamlit_ready(page, url)
        record(page, f"start-{name}")
        page.close()
    for name, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        _streamlit_ready(page, url)
        _ask_streamlit(page, QUESTION, "22. September 2020")
        _open_first_citation(page)
        record(page, f"answer-{name}")
        page.close()
    for name, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        _streamlit_ready(page, url)
        _ask_streamlit(page, UNANSWERABLE, "Dokumente")
        record(page, f"refusal-{name}")
        page.close()
    for name, width in WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        _streamlit_ready(page, url)
        switch = page.get_by_text("Faktencheck", exact=True).first
        box = switch.bounding_box()
        if box and 0 <= box["x"] < width:
            switch.click()
        else:  # the mode switch sits in the collapsed sidebar (phones): open it, switch, close it
            page.get_by_test_id("stExpandSidebarButton").click()
            _settle(page)
            switch.click()
            page.get_by_label("Aussage").wait_for(timeout=30_000)
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
            _settle(page)
        page.get_by_label("Aussage").wait_for(timeout=30_000)
        page.get_by_label("Aussage").fill(STATEMENT)
        page.get_by_role("button", name="Prüfen").click()
        page.get_by_text("Widersprochen").first.wait_for(timeout=60_000)
        _settle(page)
        record(page, f"factcheck-{name}")
        page.close()
    return found


def audit_widget(browser: Any, host: str, shots: Path, prefix: str = "widget") -> dict[str, Any]:
    """States on a host page, each at 1280 and 390 px: closed, open with the first screen, open with an answer;
    and open at 320 px."""
    shots.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {}

    def record(page: Any, state: str) -> None:
        found[state] = _audit_state(page, "document.querySelector('.fka-root')?.closest('[lang]')?.lang || ''")
        page.screenshot(path=str(shots / f"{prefix}-{state}.png"))

    for name, width in {**WIDTHS, "320": 320}.items():
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(f"{host}/index.html", wait_until="networkidle")
        toggle = page.locator(".fka-toggle")
        toggle.wait_for()
        if name != "320":
            record(page, f"closed-{name}")
        toggle.click()
        page.get_by_label("Ihre Frage").wait_for()
        _settle(page, 300)
        record(page, f"open-{name}")
        if name != "320":
            question = page.get_by_label("Ihre Frage")
            question.fill(WIDGET_QUESTION)
            question.press("Enter")
            page.locator(".fka-cites").first.wait_for(timeout=60_000)
            _settle(page, 300)
            record(page, f"answer-{name}")
        page.close()
    return found


def summary(found: dict[str, Any]) -> dict[str, int]:
    """Violating elements per state (axe counts each failing node)."""
    return {state: sum(v["count"] for v in r["violations"]) for state, r in found.items()}
