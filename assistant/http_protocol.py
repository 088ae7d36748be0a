"""uvicorn's h11 protocol with the limits a public server needs.

* The request head (request line + headers) is capped (``http_max_header_bytes``; h11 enforces it –
  uvicorn's httptools parser would accept megabytes of headers).
* A connection has ``http_keep_alive_s`` to deliver a complete request head, from the moment it is opened
  and again after every response: a client that sends its headers a byte at a time (slowloris) or opens
  connections and says nothing is disconnected.
* A malformed request gets German JSON with the security headers instead of uvicorn's plain English text.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BAD_REQUEST = json.dumps(
    {"error": {"code": "bad_request", "message": "Ungültige HTTP-Anfrage (oder zu große Kopfzeilen)."}},
    ensure_ascii=False,
).encode("utf-8")


class GuardedH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.conn.their_state in (h11.IDLE,) and not self.transport.is_closing():
            self.transport.close()  # no complete request head in time

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()  # the request head is complete; the app bounds the body

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_timer()

    def send_400_response(self, msg: str) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"connection", b"close"),
            (b"x-content-type-options", b"nosniff"),
            (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
            (b"cache-control", b"no-store"),
        ]
        try:
            self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
            self.transport.write(self.conn.send(h11.Data(data=BAD_REQUEST)))
            self.transport.write(self.conn.send(h11.EndOfMessage()))
        except h11.LocalProtocolError:
            pass  # the connection is already broken: just close it
        self.transport.close()
