"""Real headless Chromium (Debian's) driven by Playwright: the Streamlit page and the widget.

Screenshots land in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import Store
from ingest.pipeline import ingest_corpus
from tests.servers import api_server, free_port, running, static_site
from tests.ui.host_page import write_host_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def _record_timing(name: str, seconds: float) -> None:
    """Measured, never asserted: figures for the README and the closing note."""
    path = ARTIFACTS / "browser-timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = round(seconds, 3)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


def test_streamlit_chat_shows_an_answer_with_a_clickable_citation(browser, seeded_store_dir: Path, tmp_path) -> None:
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {"ASSISTANT_STORE_DIR": str(seeded_store_dir), "ASSISTANT_FEEDBACK_DB": str(tmp_path / "fb.sqlite")}
    with running(cmd, f"http://127.0.0.1:{port}/_stcore/health", env):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        started = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=90_000)
        _record_timing("streamlit_page_ready_s", time.perf_counter() - started)
        box.fill("Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?")
        started = time.perf_counter()
        box.press("Enter")
        page.get_by_text("22. September 2020").first.wait_for(timeout=90_000)
        _record_timing("streamlit_first_answer_s", time.perf_counter() - started)
        # the page re-renders once after an answer (to add the feedback buttons): wait for that first
        page.get_by_role("button", name="Hilfreich", exact=True).first.wait_for(timeout=60_000)
        # the first source is open: title, quote, publisher and the link to the published page
        page.get_by_text("[1] Hessen ist handlungsfähig").first.wait_for(timeout=30_000)
        link = page.get_by_role("link", name="Quelle öffnen (neues Fenster)").last
        link.wait_for(timeout=30_000)
        assert link.get_attribute("href", timeout=5000).startswith("https://soziales.hessen.de/")
        page.get_by_text("konstituiert.").last.wait_for(state="visible", timeout=10_000)
        page.get_by_text("Herausgeber: Hessisches Ministerium für Soziales und Integration").last.wait_for()
        page.wait_for_timeout(500)  # let the expander finish its animation before the screenshot
        page.screenshot(path=str(ARTIFACTS / "streamlit-chat.png"), full_page=True)

        # thumbs up with a comment is stored durably with question, answer and citations
        page.get_by_role("button", name="Hilfreich", exact=True).first.click()
        page.get_by_label("Kommentar (optional)").fill("Sehr hilfreich")
        page.get_by_role("button", name="Rückmeldung senden").click()
        page.get_by_text("Danke für Ihre Rückmeldung.").wait_for(timeout=30_000)
        page.close()

        # the iframe mode for the ministry's site: no title, no Streamlit toolbar, the chat still works
        embed = browser.new_page(viewport={"width": 420, "height": 640})
        embed.goto(f"http://127.0.0.1:{port}/?embed=true", wait_until="networkidle")
        embed.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
        embed.screenshot(path=str(ARTIFACTS / "streamlit-embed.png"))
        assert embed.locator("h1").count() == 0
        assert not embed.get_by_text("Deploy").is_visible()
        embed.close()
    rows = sqlite3.connect(tmp_path / "fb.sqlite").execute("SELECT rating, comment, question, citations FROM feedback")
    rating, comment, question, citations = rows.fetchone()
    assert (rating, comment) == (1, "Sehr hilfreich")
    assert "gegründet" in question and json.loads(citations)[0]["doc_id"] == "000"


def test_widget_on_a_host_page_answers_with_citation(browser, seeded_store_dir: Path, tmp_path: Path) -> None:
    site_root = tmp_path / "site"
    site_root.mkdir()
    with static_site(site_root) as host, api_server(seeded_store_dir, cors_origins=[host]) as api:
        write_host_page(site_root, api)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        started = time.perf_counter()
        page.goto(f"{host}/index.html", wait_until="networkidle")
        page.get_by_role("button", name="Fragen zur Fachkräftesicherung?").wait_for()
        _record_timing("widget_host_page_ready_s", time.perf_counter() - started)
        page.get_by_role("button", name="Fragen zur Fachkräftesicherung?").click()
        question = page.get_by_label("Ihre Frage")
        question.fill("Wie viele Fachkräfte fehlen in Hessen bis 2028?")
        started = time.perf_counter()
        question.press("Enter")
        page.locator(".fka-bot").get_by_text("200.000 Fachkräfte").first.wait_for(timeout=60_000)
        _record_timing("widget_first_answer_s", time.perf_counter() - started)
        link = page.locator(".fka-cites a").first
        assert link.get_attribute("href").startswith("https://soziales.hessen.de/")
        assert link.get_attribute("rel") == "noopener noreferrer"
        page.screenshot(path=str(ARTIFACTS / "widget-host-page.png"))
        page.keyboard.press("Escape")
        assert page.get_by_role("dialog").is_hidden()
        page.close()


def test_document_markup_is_shown_as_text_not_executed(browser, tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # A plain-text document keeps markup as literal text (Markdown drops hidden markup at ingest, see
    # tests/security): the widget must show it as text and never run it.
    (corpus / "x_hostile.txt").write_text(
        '---\ndoc_id: X\ntitle: Test <img src=x onerror="window.__xssTitle=1">\n'
        "source: javascript:window.__xssLink=1\n---\n"
        "Die Pflegeoffensive in Kassel startet mit 40 Plätzen <script>window.__xss=1</script> "
        "und <b>fettem</b> Text.\n",
        encoding="utf-8",
    )
    store_dir = tmp_path / "store"
    assert ingest_corpus(Store(Settings(store_dir=store_dir), embeddings), corpus).ok
    site_root = tmp_path / "site"
    site_root.mkdir()
    with static_site(site_root) as host, api_server(store_dir, cors_origins=[host]) as api:
        write_host_page(site_root, api)
        page = browser.new_page()
        page.goto(f"{host}/index.html", wait_until="networkidle")
        page.get_by_role("button", name="Fragen zur Fachkräftesicherung?").click()
        page.get_by_label("Ihre Frage").fill("Mit wie vielen Plätzen startet die Pflegeoffensive in Kassel?")
        page.get_by_label("Ihre Frage").press("Enter")
        quote = page.locator(".fka-cites blockquote").first
        quote.wait_for(timeout=60_000)
        assert "<script>window.__xss=1</script>" in quote.inner_text()
        assert "<b>fettem</b>" in quote.inner_text()
        assert page.locator(".fka-root script, .fka-root b, .fka-root img").count() == 0
        assert page.evaluate("[window.__xss, window.__xssTitle, window.__xssLink]") == [None, None, None]
        assert page.locator(".fka-cites a").count() == 0  # javascript: URL is never a link
        page.screenshot(path=str(ARTIFACTS / "widget-markup-as-text.png"))
        page.close()
