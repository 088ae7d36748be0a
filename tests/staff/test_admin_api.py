"""The staff area of the real HTTP API: closed without an account, login required, masked question log
from the widget, gaps as CSV, feedback review, every admin action in the audit log; the CLI sets the
password (hash only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assistant.models import Answer, Citation
from assistant.settings import PROJECT_ROOT
from tests.servers import api_server

pytestmark = pytest.mark.slow
PASSWORD = "lange-geheime-Passphrase-2026"


def _set_password(env: dict[str, str], password: str, user: str = "redaktion") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", "admin", "set-password", "--user", user],
        input=password + "\n", capture_output=True, text=True, cwd=PROJECT_ROOT, env={**os.environ, **env},
        timeout=60,
    )  # fmt: skip


def test_set_password_stores_only_a_hash_and_refuses_a_short_one(tmp_path: Path) -> None:
    env = {"ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "admin.json"), "ASSISTANT_FEEDBACK_DB": str(tmp_path / "s.db")}
    short = _set_password(env, "kurz")
    assert short.returncode == 2 and "zu kurz" in short.stderr and "Traceback" not in short.stderr
    assert not (tmp_path / "admin.json").exists()
    done = _set_password(env, PASSWORD)
    assert done.returncode == 0, done.stderr
    stored = (tmp_path / "admin.json").read_text()
    assert PASSWORD not in stored and set(json.loads(stored)["redaktion"]) == {"salt", "hash"}
    assert oct((tmp_path / "admin.json").stat().st_mode)[-3:] == "600"


def test_staff_area_is_closed_without_an_account(seeded_store_dir: Path, tmp_path: Path) -> None:
    env = {"ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "none.json"), "ASSISTANT_FEEDBACK_DB": str(tmp_path / "s.db")}
    with api_server(seeded_store_dir, **env) as api:
        r = httpx.get(f"{api}/api/admin/questions", auth=("admin", "admin"), timeout=30)
        assert r.status_code == 503 and "set-password" in r.json()["error"]["message"]
        assert httpx.get(f"{api}/api/sources", timeout=30).status_code == 200  # public parts stay open


def test_staff_api_login_log_gaps_review_and_audit(seeded_store_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "staff.sqlite"
    env = {"ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "admin.json"), "ASSISTANT_FEEDBACK_DB": str(db)}
    assert _set_password(env, PASSWORD).returncode == 0
    from assistant.feedback import FeedbackStore

    cited = Citation(n=1, doc_id="000", title="T", source="", quote="Zitat")
    down = FeedbackStore(db).record(
        "Frage an max@example.de?", Answer(answer="A [1]", answered=True, citations=[cited]), -1, "falsch"
    )
    with api_server(seeded_store_dir, **env) as api:
        admin = ("redaktion", PASSWORD)
        for auth in (None, ("redaktion", "falsches-Passwort-123"), ("niemand", PASSWORD)):
            r = httpx.get(f"{api}/api/admin/questions", auth=auth, timeout=30)
            assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
            assert r.json()["error"]["message"] == "Anmeldung erforderlich."
        widget = {"X-Assistant-Channel": "widget"}
        for question in (
            "Wie hoch ist der Zuschuss für Arbeitgeber, die Geflüchtete einstellen? Antwort an 0171 2345678",
            "Welche Fördersumme bekommt ein Betrieb, der einen Geflüchteten einstellt?",
            "Wie viele Fachkräfte fehlen in Hessen bis 2028?",
        ):
            assert (
                httpx.post(f"{api}/api/ask", json={"question": question}, headers=widget, timeout=60).status_code == 200
            )
        logged = httpx.get(f"{api}/api/admin/questions", auth=admin, timeout=30).json()
        assert [e["channel"] for e in logged] == ["widget"] * 3
        assert "[Telefonnummer]" in logged[-1]["question"] and "2345678" not in json.dumps(logged)
        assert [e["answered"] for e in logged] == [1, 0, 0]
        gaps = httpx.get(f"{api}/api/admin/gaps", auth=admin, timeout=60).json()
        assert sum(g["count"] for g in gaps) == 3  # two refusals and one thumbs-down
        assert all("2028" not in g["representative"] for g in gaps)  # an answered question is no gap
        csv_text = httpx.get(f"{api}/api/admin/gaps", params={"format": "csv"}, auth=admin, timeout=60).text
        assert csv_text.startswith("Beispielfrage;Anzahl") and "[E-Mail]" in csv_text
        review = httpx.get(f"{api}/api/admin/feedback", auth=admin, timeout=30).json()
        assert review[0]["id"] == down and review[0]["comment"] == "falsch" and review[0]["reviewed_by"] is None
        assert review[0]["citations"][0]["doc_id"] == "000"
        marked = httpx.post(f"{api}/api/admin/feedback/{down}/reviewed", json={}, auth=admin, timeout=30)
        assert marked.status_code == 200
        open_items = httpx.get(
            f"{api}/api/admin/feedback", params={"include_reviewed": "false"}, auth=admin, timeout=30
        )
        assert open_items.json() == []
        missing = httpx.post(f"{api}/api/admin/feedback/999/reviewed", json={}, auth=admin, timeout=30)
        assert missing.status_code == 404 and missing.json()["error"]["message"] == "Rückmeldung nicht gefunden."
        audit = httpx.get(f"{api}/api/admin/audit", auth=admin, timeout=30).json()
        actions = [(a["actor"], a["action"]) for a in audit]
        for expected in [
            ("redaktion", "login_failed"),
            ("niemand", "login_failed"),
            ("redaktion", "questions_viewed"),
            ("redaktion", "gaps_exported"),
            ("redaktion", "feedback_reviewed"),
            ("redaktion", "password_set"),
        ]:
            assert expected in actions
        assert PASSWORD not in json.dumps(audit) and "falsches-Passwort" not in json.dumps(audit)


def test_document_upload_and_delete_over_http(seeded_store_dir: Path, corpus_copy: Path, tmp_path: Path) -> None:
    import base64
    import shutil

    store = tmp_path / "store"
    shutil.copytree(seeded_store_dir, store)  # the seeded store belongs to the whole session
    env = {
        "ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "admin.json"),
        "ASSISTANT_FEEDBACK_DB": str(tmp_path / "s.db"),
        "ASSISTANT_CORPUS_DIR": str(corpus_copy),
    }
    assert _set_password(env, PASSWORD).returncode == 0
    text = "Das Programm Pflegestart Nordhessen fördert jährlich 40 Ausbildungsplätze in der Altenpflege.\n"
    body = {
        "filename": "pflegestart.txt",
        "content_base64": base64.b64encode(text.encode()).decode(),
        "doc_id": "010",
        "title": "Pflegestart Nordhessen",
        "publisher": "Regierungspräsidium Kassel",
    }
    with api_server(store, **env) as api:
        admin = ("redaktion", PASSWORD)
        assert httpx.post(f"{api}/api/admin/documents", json=body, timeout=120).status_code == 401
        added = httpx.post(f"{api}/api/admin/documents", json=body, auth=admin, timeout=120)
        assert added.status_code == 200, added.text
        assert "010" in {d["doc_id"] for d in httpx.get(f"{api}/api/sources", timeout=30).json()}
        listed = {d["doc_id"]: d for d in httpx.get(f"{api}/api/admin/documents", auth=admin, timeout=30).json()}
        assert listed["010"]["indexed_by"] == "redaktion" and listed["010"]["chunks"] >= 1
        assert listed["010"]["publisher"] == "Regierungspräsidium Kassel" and listed["000"]["indexed_by"] == ""
        asked = httpx.post(f"{api}/api/ask", json={"question": "Wie viele Ausbildungsplätze fördert Pflegestart?"})
        assert "40 Ausbildungsplätze" in asked.json()["answer"]  # the running worker sees it, no restart
        fake = {**body, "filename": "bericht.pdf", "doc_id": "011"}
        refused = httpx.post(f"{api}/api/admin/documents", json=fake, auth=admin, timeout=120)
        assert refused.status_code == 400 and "passt nicht zur Endung" in refused.json()["error"]["message"]
        gone = httpx.delete(f"{api}/api/admin/documents/010", auth=admin, timeout=120)
        assert gone.status_code == 200
        assert "010" not in {d["doc_id"] for d in httpx.get(f"{api}/api/sources", timeout=30).json()}
        audit = [a["action"] for a in httpx.get(f"{api}/api/admin/audit", auth=admin, timeout=30).json()]
        assert {"document_added", "document_refused", "document_deleted"} <= set(audit)


def test_every_admin_route_refuses_anonymous_and_wrong_logins(seeded_store_dir: Path, tmp_path: Path) -> None:
    """Enumerates the app's routes: every /api/admin route (a new one included) needs a login."""
    import re

    from fastapi.routing import APIRoute

    from assistant.api import create_app
    from assistant.settings import Settings

    routes = [
        (method, route.path)
        for route in create_app(Settings(store_dir=tmp_path / "unused")).routes
        if isinstance(route, APIRoute) and route.path.startswith("/api/admin")
        for method in sorted(route.methods)
    ]
    assert len(routes) >= 8
    env = {"ASSISTANT_ADMIN_CREDENTIALS": str(tmp_path / "admin.json"), "ASSISTANT_FEEDBACK_DB": str(tmp_path / "s.db")}
    assert _set_password(env, PASSWORD).returncode == 0
    with api_server(seeded_store_dir, **env) as api:
        for method, path in routes:
            url = api + re.sub(r"\{[^}]+\}", "1", path)
            for auth in (None, ("redaktion", "falsches-Passwort-123")):
                kwargs: dict[str, object] = {"auth": auth, "timeout": 30}
                if method == "POST":
                    kwargs["json"] = {}
                r = httpx.request(method, url, **kwargs)  # type: ignore[arg-type]
                assert r.status_code == 401, (method, path, auth, r.status_code)
