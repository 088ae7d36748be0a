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
        self._head = b""
        self._max_head = self.config.h11_max_incomplete_event_size or 16_384

    def data_received(self, data: bytes) -> None:
        # h11 checks its limit only while a head is incomplete; a large head arriving in one read slips through.
        if self.conn.their_state is h11.IDLE:
            self._head = (self._head + data)[: self._max_head + 4]
            end = self._head.find(b"\r\n\r\n")
            if (end if end >= 0 else len(self._head)) > self._max_head:
                self.send_400_response("request head too large")
                return
            if end >= 0:
                self._head = b""
        super().data_received(data)

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
        # written as raw bytes: h11 may not be in a state that allows a response (no request parsed yet)
        head = (
            b"HTTP/1.1 400 Bad Request\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(BAD_REQUEST)).encode() + b"\r\n"
            b"connection: close\r\n"
            b"x-content-type-options: nosniff\r\n"
            b"content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n"
            b"cache-control: no-store\r\n\r\n"
        )
        if not self.transport.is_closing():
            self.transport.write(head + BAD_REQUEST)
            self.transport.close()
