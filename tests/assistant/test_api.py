"""The HTTP API as a real server process on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import api_server

pytestmark = pytest.mark.slow
ORIGIN = "https://soziales.hessen.de"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def api(seeded_store_dir: Path) -> Iterator[str]:
    with api_server(seeded_store_dir, cors_origins=[ORIGIN], ASSISTANT_RATE_LIMIT="1000/minute") as base:
        yield base


def test_ask_returns_the_same_json_as_the_cli(api: str) -> None:
    r = httpx.post(f"{api}/api/ask", json={"question": "Wie viele Fachkräfte fehlen in Hessen bis 2028?"}, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"answer", "answered", "citations", "lang"} and body["lang"] in ("de", "en")
    assert body["answered"] and "200.000" in body["answer"]
    assert body["citations"][0]["doc_id"] == "000"


def test_follow_up_uses_history(api: str) -> None:
    history = [{"role": "user", "content": "Wie viele Fachkräfte fehlen in Hessen bis 2028?"}]
    r = httpx.post(
        f"{api}/api/ask", json={"question": "Und wie viele davon mit akademischem Abschluss?", "history": history}
    )
    assert r.status_code == 200 and "67.000" in r.json()["answer"]


def test_check_returns_a_verdict_with_differences(api: str) -> None:
    r = httpx.post(
        f"{api}/api/check", json={"statement": "Die Veranstaltung am 28. Juni 2024 findet in Wiesbaden statt."}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "contradicted"
    assert body["differences"] == [{"statement": "Wiesbaden", "source": "Frankfurt"}]
    assert body["citations"][0]["doc_id"] == "002"
    bad = httpx.post(f"{api}/api/check", json={"question": "falsches Feld"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_sources_and_health(api: str) -> None:
    sources = httpx.get(f"{api}/api/sources").json()
    assert [s["doc_id"] for s in sources] == ["000", "002"]
    assert all(s["title"] for s in sources)
    health = httpx.get(f"{api}/api/health").json()
    assert health["status"] == "ok" and health["chunks"] > 0


def test_openapi_document_lists_the_endpoints(api: str) -> None:
    paths = httpx.get(f"{api}/openapi.json").json()["paths"]
    assert {"/api/ask", "/api/check", "/api/sources", "/api/health"} <= set(paths)


def test_cors_admits_only_configured_origins(api: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = httpx.options(f"{api}/api/ask", headers={"Origin": ORIGIN, **preflight})
    assert ok.headers.get("access-control-allow-origin") == ORIGIN
    bad = httpx.options(f"{api}/api/ask", headers={"Origin": "https://evil.example", **preflight})
    assert bad.headers.get("access-control-allow-origin") is None


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"json": {"question": "x" * 5000}}, 413, "question_too_long"),
        ({"content": b"{" + b" " * 40000 + b"}", "headers": JSON}, 413, "body_too_large"),
        ({"json": {"frage": "falsches Feld"}}, 422, "invalid_request"),
        ({"content": b"not json", "headers": JSON}, 422, "invalid_request"),
        ({"content": b"question=hi", "headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
        ({"json": {"question": "Hallo", "history": [{"role": "system", "content": "x"}]}}, 422, "invalid_request"),
    ],
)
def test_bad_requests_get_german_json_errors_without_traces(api: str, kwargs: dict, status: int, code: str) -> None:
    r = httpx.post(f"{api}/api/ask", timeout=30, **kwargs)
    assert r.status_code == status
    error = r.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in r.text


def test_unknown_path_is_a_json_404(api: str) -> None:
    r = httpx.get(f"{api}/api/nichts")
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_404"


def test_security_headers(api: str) -> None:
    r = httpx.get(f"{api}/api/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_widget_script_is_served(api: str) -> None:
    r = httpx.get(f"{api}/widget.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "textContent" in r.text and "innerHTML" not in r.text


def test_rate_limit_answers_429_in_german(seeded_store_dir: Path) -> None:
    with api_server(seeded_store_dir, ASSISTANT_RATE_LIMIT="3/minute") as base:
        codes = [httpx.get(f"{base}/api/sources").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        assert "Zu viele Anfragen" in httpx.get(f"{base}/api/sources").json()["error"]["message"]
        assert httpx.get(f"{base}/api/health").status_code == 200  # health is never limited
