"""BITV 2.0 / WCAG 2.1 AA in real Chromium: axe-core on every state of the chat page, the Faktencheck
and the widget (screenshots in test-artifacts/), keyboard-only use of the widget dialog and the chat.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT
from tests.servers import api_server, free_port, running, static_site
from tests.ui.audit import audit_streamlit, audit_widget
from tests.ui.host_page import write_host_page
from tests.ui.test_browser import ARTIFACTS, browser  # noqa: F401 - the shared Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chat_url(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.port", str(port), "--server.headless", "true",
    ]  # fmt: skip
    feedback = tmp_path_factory.mktemp("a11y") / "fb.sqlite"
    env = {"ASSISTANT_STORE_DIR": str(seeded_store_dir), "ASSISTANT_FEEDBACK_DB": str(feedback)}
    with running(cmd, f"http://127.0.0.1:{port}/_stcore/health", env):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def widget_host(seeded_store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("a11y-site")
    with static_site(site) as host, api_server(seeded_store_dir, cors_origins=[host]) as api:
        write_host_page(site, api)
        yield host


def _problems(found: dict[str, Any], language_required: bool = True) -> dict[str, Any]:
    problems = {}
    for state, r in found.items():
        issues = {}
        if r["violations"]:
            issues["axe"] = [(v["id"], v["impact"], v["nodes"]) for v in r["violations"]]
        if r["overflow"] > 0:
            issues["horizontal scrolling px"] = r["overflow"]
        if language_required and r["lang"] != "de":
            issues["lang"] = r["lang"]
        if r["english"]:
            issues["English labels"] = r["english"]
        if issues:
            problems[state] = issues
    return problems


def test_chat_and_factcheck_have_no_wcag_violations(browser, chat_url: str) -> None:  # noqa: F811
    found = audit_streamlit(browser, chat_url, ARTIFACTS)
    assert set(found) == {
        f"{state}-{width}" for state in ("start", "answer", "refusal", "factcheck") for width in ("wide", "mobile")
    } | {"start-320"}
    assert _problems(found) == {}


def test_widget_has_no_wcag_violations(browser, widget_host: str) -> None:  # noqa: F811
    found = audit_widget(browser, widget_host, ARTIFACTS)
    assert set(found) == {f"{s}-{w}" for s in ("closed", "open", "answer") for w in ("wide", "mobile")} | {"open-320"}
    assert _problems(found) == {}


def _active(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => { const a = document.activeElement;
          return {inside: !!a.closest('#fka-panel'), tag: a.tagName, text: (a.innerText || '').trim(),
                  label: a.getAttribute('aria-label') || '', href: a.getAttribute('href') || ''}; }"""
    )


def test_widget_dialog_works_with_the_keyboard_alone(browser, widget_host: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{widget_host}/index.html", wait_until="networkidle")
    page.locator(".fka-toggle").wait_for()
    for _ in range(10):  # Tab through the host page to the widget's button
        page.keyboard.press("Tab")
        if _active(page)["text"] == "Fragen zur Fachkräftesicherung?":
            break
    else:
        pytest.fail("the widget button is not reachable with Tab")
    page.keyboard.press("Enter")
    assert _active(page)["tag"] == "INPUT" and _active(page)["inside"]
    # the first screen: greeting and example questions
    assert page.locator(".fka-example").count() == 3
    page.keyboard.type("Wie groß ist der Fachkräftemangel in Hessen bis 2028?")
    page.keyboard.press("Enter")
    page.locator(".fka-cites").first.wait_for(timeout=60_000)
    page.wait_for_timeout(300)
    cite_links = page.locator(".fka-cites a").count()
    assert cite_links >= 1
    # Tab twice round the whole dialog: focus never leaves it and reaches every source link and the close button
    reached = []
    for _ in range(2 * (page.locator("#fka-panel a, #fka-panel button, #fka-panel input").count() + 2)):
        page.keyboard.press("Tab")
        now = _active(page)
        assert now["inside"], f"focus left the dialog: {now}"
        reached.append(now)
    assert {r["href"] for r in reached if r["label"].endswith("(neues Fenster)")} == {
        page.locator(".fka-cites a").nth(i).get_attribute("href") for i in range(cite_links)
    }
    assert any(r["label"] == "Chat schließen" for r in reached)
    # backwards too
    for _ in range(5):
        page.keyboard.press("Shift+Tab")
        assert _active(page)["inside"]
    # „[1]" in the answer moves focus to its source
    page.locator(".fka-ref").first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id").endswith("-q-1")
    # Escape from a source link closes the dialog and gives focus back to the button that opened it
    page.locator(".fka-cites a").first.focus()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").is_hidden()
    assert _active(page)["text"] == "Fragen zur Fachkräftesicherung?"
    page.screenshot(path=str(ARTIFACTS / "widget-keyboard-closed.png"))
    page.close()


def test_chat_works_with_the_keyboard_alone(browser, chat_url: str) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(chat_url, wait_until="networkidle")
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=90_000)
    page.wait_for_timeout(800)
    for _ in range(40):  # Tab to the chat input
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('data-testid')") == "stChatInputTextArea":
            break
    else:
        pytest.fail("the chat input is not reachable with Tab")
    page.keyboard.type("Wann hat sich das Bündnis für Fachkräftesicherung gegründet?")
    page.keyboard.press("Enter")
    page.get_by_text("22. September 2020").first.wait_for(timeout=90_000)
    page.get_by_role("button", name="Hilfreich", exact=True).first.wait_for(timeout=60_000)
    # the finished answer is announced once through the live region
    page.wait_for_function("document.getElementById('fka-live').textContent.includes('22. September 2020')")
    # „[1]" is a link: Enter on it opens its source and puts focus there
    ref = page.locator("a[href^='#quelle-']").first
    ref.focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(400)
    focused = page.evaluate(
        "[document.activeElement.tagName, document.activeElement.innerText, document.activeElement.parentElement.open]"
    )
    assert focused[0] == "SUMMARY" and "[1] Hessen ist handlungsfähig" in focused[1] and focused[2] is True
    page.close()


def test_english_answers_are_marked_english_and_their_german_quotes_german(
    browser,  # noqa: F811
    chat_url: str,
    widget_host: str,
) -> None:
    question = "How many skilled workers will Hessen lack by 2028?"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{widget_host}/index.html", wait_until="networkidle")
    page.locator(".fka-toggle").click()
    page.get_by_label("Ihre Frage").fill(question)
    page.get_by_label("Ihre Frage").press("Enter")
    page.locator(".fka-cites").first.wait_for(timeout=60_000)
    text = page.locator(".fka-text[lang='en']").last
    assert text.inner_text().startswith("According to the official documents")
    assert "200.000" in text.locator("span[lang='de']").first.inner_text()
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(chat_url, wait_until="networkidle")
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for(timeout=90_000)
    box.fill(question)
    box.press("Enter")
    page.get_by_role("button", name="Hilfreich", exact=True).first.wait_for(timeout=90_000)
    page.wait_for_selector("[lang='en']", timeout=10_000)
    assert page.locator("[lang='en']").first.inner_text().startswith("According to the official documents")
    assert page.evaluate("document.documentElement.lang") == "de"
    page.close()


def test_staff_pages_need_a_login_and_show_gaps_and_feedback(
    browser,  # noqa: F811
    seeded_store_dir: Path,
    tmp_path: Path,
) -> None:
    """The staff pages in real Chromium: closed without login, a wrong password is refused, after login
    the gaps of the question log appear grouped and a thumbs-down can be marked reviewed; no WCAG
    violations on the login, gaps and admin pages."""
    import os
    import shutil
    import subprocess

    from assistant.feedback import FeedbackStore
    from assistant.models import Answer
    from tests.conftest import CORPUS
    from tests.ui.audit import axe_violations, english_labels

    shutil.copytree(CORPUS, tmp_path / "corpus")
    shutil.copytree(seeded_store_dir, tmp_path / "store")  # an upload changes it
    env = {
        "ASSISTANT_STORE_DIR": str(tmp_path / "store"),
        "ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"),
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "staff.sqlite"),
        "ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "admin.json"),
    }
    password = "lange-geheime-Passphrase-2026"
    subprocess.run(
        [sys.executable, "-m", "assistant", "admin", "set-password", "--user", "redaktion"],
        input=password + "\n", text=True, check=True, cwd=PROJECT_ROOT, env={**os.environ, **env},
    )  # fmt: skip
    FeedbackStore(tmp_path / "staff.sqlite").record(
        "Gibt es Zuschüsse für Sprachkurse?", Answer(answer="Nein.", answered=True), -1, "hilft nicht"
    )
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.port", str(port), "--server.headless", "true",
    ]  # fmt: skip
    with running(cmd, f"http://127.0.0.1:{port}/_stcore/health", env):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # two refused questions in other words, asked on the chat page
        page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
        for question in ("Wie hoch ist der Zuschuss für Arbeitgeber, die Geflüchtete einstellen?",
                         "Welche Fördersumme bekommt ein Betrieb, der einen Geflüchteten einstellt?"):  # fmt: skip
            box = page.get_by_test_id("stChatInputTextArea")
            box.wait_for(timeout=90_000)
            box.fill(question)
            box.press("Enter")
            page.wait_for_timeout(300)
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=60_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
        page.goto(f"http://127.0.0.1:{port}/luecken", wait_until="networkidle")
        page.get_by_label("Benutzername").wait_for(timeout=60_000)
        assert page.get_by_text("Zuschuss").count() == 0  # nothing before the login
        assert axe_violations(page) == [] and page.evaluate("document.documentElement.lang") == "de"
        page.get_by_label("Benutzername").fill("redaktion")
        page.get_by_label("Passwort").fill("falsch-falsch-falsch")
        page.get_by_role("button", name="Anmelden").click()
        page.get_by_text("Benutzername oder Passwort ist falsch.").wait_for(timeout=30_000)
        page.get_by_label("Passwort").fill(password)
        page.get_by_role("button", name="Anmelden").click()
        group = page.get_by_text("2 Fragen wie")
        group.wait_for(timeout=60_000)
        assert "keine beantwortet" in group.inner_text()
        page.get_by_text("Sprachkurse").first.wait_for(timeout=10_000)  # the thumbs-down is a gap too
        page.wait_for_timeout(500)
        assert axe_violations(page) == [] and english_labels(page) == []
        page.screenshot(path=str(ARTIFACTS / "staff-gaps.png"), full_page=True)
        page.get_by_test_id("stSidebar").get_by_role("link", name="Verwaltung").click()
        page.get_by_text("hilft nicht").wait_for(timeout=60_000)  # the session keeps the login
        page.get_by_role("button", name="Als geprüft markieren").click()
        page.get_by_text("Keine Rückmeldungen").wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        assert axe_violations(page) == []
        page.screenshot(path=str(ARTIFACTS / "staff-admin.png"), full_page=True)
        # upload a document with its metadata: checked, ingested, at once in the chat
        page.get_by_role("tab", name="Dokumente").click()
        upload = tmp_path / "pflegestart.txt"
        upload.write_text(
            "Das Programm Pflegestart Nordhessen fördert jährlich 40 Ausbildungsplätze.\n", encoding="utf-8"
        )
        page.locator("input[type='file']").set_input_files(str(upload))
        page.get_by_label("Dokumentnummer").fill("010")
        page.get_by_label("Titel").fill("Pflegestart Nordhessen")
        page.get_by_label("Herausgeber").fill("Regierungspräsidium Kassel")
        page.get_by_role("button", name="Hochladen und einlesen").click()
        page.get_by_text("ist eingelesen und ab sofort im Assistenten").wait_for(timeout=120_000)
        page.wait_for_timeout(500)
        assert axe_violations(page) == [] and english_labels(page) == []
        for english in ("Browse files", "Drag and drop", "per file"):
            assert page.get_by_text(english).count() == 0, english
        page.screenshot(path=str(ARTIFACTS / "staff-upload.png"), full_page=True)
        page.close()
    assert (tmp_path / "corpus" / "pflegestart.txt").exists()


@pytest.mark.parametrize(("roles", "allowed"), [("assistant-admin", True), ("reader", False)])
def test_staff_pages_log_in_through_openid_connect(
    browser,  # noqa: F811
    seeded_store_dir: Path,
    tmp_path: Path,
    roles: str,
    allowed: bool,
) -> None:
    """Production login: Streamlit's st.login against a real OpenID Connect provider on loopback; only a
    token with the admin role opens the pages; both outcomes are in the audit log."""
    from sqlalchemy import select

    from assistant.staff.db import admin_audit, engine, url_for
    from tests.servers import oidc_provider

    port = free_port()
    with oidc_provider("m.beispiel", roles) as issuer:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
            'client_id = "fachkraefte-assistent"\n'
            'client_secret = "test-client-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        env = {
            "ASSISTANT_STORE_DIR": str(seeded_store_dir),
            "ASSISTANT_FEEDBACK_DB": str(tmp_path / "staff.sqlite"),
            "ASSISTANT_OIDC_ISSUER": issuer,
            "ASSISTANT_OIDC_AUDIENCE": "fachkraefte-assistent",
        }
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "ui" / "app.py"),
            "--server.port", str(port), "--server.headless", "true", "--secrets.files", str(secrets),
        ]  # fmt: skip
        with running(cmd, f"http://127.0.0.1:{port}/_stcore/health", env):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/verwaltung", wait_until="networkidle")
            page.get_by_role("button", name="Mit Dienstkonto anmelden").click()
            # provider → /oauth2callback → Streamlit lands on its start page, the login in a cookie
            page.wait_for_url(f"http://127.0.0.1:{port}/", timeout=60_000)
            page.goto(f"http://127.0.0.1:{port}/verwaltung", wait_until="networkidle")
            if allowed:
                page.get_by_role("heading", name="Verwaltung").wait_for(timeout=60_000)
                page.get_by_text("Angemeldet als").wait_for()
                assert "m.beispiel" in page.get_by_test_id("stSidebar").inner_text()
            else:
                page.get_by_text("keine Berechtigung").wait_for(timeout=60_000)
                assert page.get_by_role("tab", name="Rückmeldungen").count() == 0
            page.screenshot(path=str(ARTIFACTS / f"staff-oidc-{roles}.png"))
            page.close()
    with engine(url_for(tmp_path / "staff.sqlite")).connect() as db:
        actions = {(r.actor, r.action) for r in db.execute(select(admin_audit))}
    assert ("m.beispiel", "login" if allowed else "login_failed") in actions
