"""Findings 2 and 9 (HTTP): forged X-Forwarded-For, unbounded heads and idle connections, English plain-text
errors, early errors without security headers or Retry-After, Host reflection, pip hints in /api/health.

Everything runs against the real server process (``python -m assistant serve``) on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import api_server

pytestmark = pytest.mark.slow
ORIGIN = "https://soziales.hessen.de"


@pytest.fixture(scope="module")
def api(seeded_store_dir: Path) -> Iterator[str]:
    with api_server(
        seeded_store_dir,
        cors_origins=[ORIGIN],
        ASSISTANT_RATE_LIMIT="1000/minute",
        ASSISTANT_HTTP_KEEP_ALIVE_S="1",
        ASSISTANT_HTTP_BODY_TIMEOUT_S="1",
    ) as base:
        yield base


def raw(base: str, data: bytes, *, wait_s: float = 30) -> bytes:
    """Send raw bytes, read until the server closes the connection (or ``wait_s`` passes)."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=wait_s) as sock:
        if data:
            sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received + b"<still open>"
        return received


# --------------------------------------------------------------------------- finding 2: X-Forwarded-For


def test_forged_forwarded_for_gets_no_fresh_rate_limit_budget(seeded_store_dir: Path) -> None:
    with api_server(seeded_store_dir, ASSISTANT_RATE_LIMIT="3/minute") as base:
        codes = [
            httpx.get(f"{base}/api/sources", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(6)
        ]
        limited = httpx.get(f"{base}/api/sources", headers={"X-Forwarded-For": "198.51.100.99"})
    assert codes[:3] == [200, 200, 200] and set(codes[3:]) == {429}
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_a_trusted_proxy_is_believed_but_a_forged_first_entry_is_not(seeded_store_dir: Path) -> None:
    env = {"ASSISTANT_RATE_LIMIT": "3/minute", "ASSISTANT_TRUSTED_PROXIES": '["127.0.0.1"]'}
    with api_server(seeded_store_dir, **env) as base:
        # an appending proxy (nginx $proxy_add_x_forwarded_for): the client forged the first entry
        forged = [
            httpx.get(f"{base}/api/sources", headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.7"}).status_code
            for i in range(5)
        ]
        other_client = httpx.get(f"{base}/api/sources", headers={"X-Forwarded-For": "198.51.100.8"})
    assert forged[:3] == [200, 200, 200] and set(forged[3:]) == {429}
    assert other_client.status_code == 200  # behind the proxy, each real client has its own budget


# --------------------------------------------------------------------------- finding 9: the HTTP layer


def test_an_oversized_header_is_refused_with_german_json(api: str) -> None:
    r = httpx.get(f"{api}/api/health/live", headers={"X-Gross": "a" * 100_000})
    assert r.status_code in (400, 431)
    assert r.json()["error"]["message"].startswith("Ungültige HTTP-Anfrage")
    # the same head in a single write (h11 alone checks only heads that arrive in pieces)
    reply = raw(api, b"GET /api/health/live HTTP/1.1\r\nHost: x\r\nX-Gross: " + b"a" * 60_000 + b"\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400") and b"bad_request" in reply


def test_a_malformed_request_gets_german_json_not_plain_text(api: str) -> None:
    reply = raw(api, b"KAPUTT\x01 /\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"application/json" in head.lower() and b"nosniff" in head.lower()
    assert json.loads(body)["error"]["code"] == "bad_request"


def test_idle_and_slow_header_connections_are_closed(api: str) -> None:
    assert raw(api, b"") == b""  # says nothing: closed after the keep-alive time, not held open
    assert raw(api, b"GET /api/health/live HTTP/1.1\r\nHost: x\r\nX-Langsam: ") == b""


def test_a_slow_body_gets_408(api: str) -> None:
    head = b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    reply = raw(api, head + b'{"question": "Wie')
    assert reply.startswith(b"HTTP/1.1 408")
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["error"]["code"] == "request_timeout"


def test_a_refused_cors_preflight_is_german_json(api: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    r = httpx.options(f"{api}/api/ask", headers={"Origin": "https://evil.example", **preflight})
    assert r.status_code == 400 and r.headers.get("access-control-allow-origin") is None
    assert r.json()["error"]["code"] == "cors_rejected" and "Webseite" in r.json()["error"]["message"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_check_validation_error_asks_for_a_statement(api: str) -> None:
    r = httpx.post(f"{api}/api/check", json={"question": "falsches Feld"})
    assert r.status_code == 422 and '{"statement"' in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": iter([b'{"question": "x"}']), "headers": {"Content-Type": "application/json"}}, 411),
        ({"content": b"{" + b" " * 40000 + b"}", "headers": {"Content-Type": "application/json"}}, 413),
        ({"content": b"question=hi", "headers": {"Content-Type": "text/plain"}}, 415),
    ],
)
def test_early_refusals_carry_the_security_headers(api: str, kwargs: dict, status: int) -> None:
    r = httpx.post(f"{api}/api/ask", **kwargs)
    assert r.status_code == status and r.json()["error"]["message"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_rate_limit_refusal_has_retry_after_and_security_headers(seeded_store_dir: Path) -> None:
    with api_server(seeded_store_dir, ASSISTANT_RATE_LIMIT="1/minute") as base:
        httpx.get(f"{base}/api/sources")
        r = httpx.get(f"{base}/api/sources")
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


def test_the_host_header_is_never_reflected_into_a_redirect(api: str) -> None:
    r = httpx.get(f"{api}/widget.js/", headers={"Host": "evil.example"})
    assert "evil.example" not in r.headers.get("location", "")
    assert not 300 <= r.status_code < 400


def test_health_never_tells_the_public_how_to_install_a_package(
    seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from assistant.api import create_app
    from assistant.chain import AssistantService
    from assistant.settings import Settings

    monkeypatch.setitem(sys.modules, "langchain_ollama", None)  # the backend's package is missing
    settings = Settings(store_dir=seeded_store_dir, answer_backend="ollama", llm_model="llama3.1:8b")
    client = TestClient(create_app(settings, AssistantService(settings)))
    for response in (
        client.get("/api/health"),
        client.get("/api/health/ready"),
        client.post("/api/ask", json={"question": "Wie viele Fachkräfte fehlen?"}),
    ):
        assert response.status_code == 503
        text = response.text
        assert "pip" not in text and "install" not in text and "langchain" not in text
        assert response.json()["error"]["message"]
