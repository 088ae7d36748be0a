"""HTTP API: /api/ask, /api/check, /api/sources, /api/health and the website widget (/widget.js).

Errors are JSON with a German ``message`` and a stable ``code``; no stack trace
ever leaves the server. CORS admits only the configured origins, request
bodies and questions are capped, and each client address is rate limited.
Model work (embedding, search, answering) runs in a bounded pool of worker
threads, off the event loop, with a per-client share (``assistant.capacity``):
when it is saturated the API answers 503/429 with ``Retry-After`` at once.
The client address is the peer address; ``X-Forwarded-For`` counts only when
the peer is one of ``ASSISTANT_TRUSTED_PROXIES`` (see ``serve``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.admin_api import GermanHTTPError
from assistant.capacity import ClientBusy, Saturated, WorkGate
from assistant.chain import AssistantService
from assistant.errors import AssistantError, ConfigurationError, StoreUnavailable
from assistant.factcheck import FactCheck
from assistant.models import INTERNAL_FIELDS, Answer, Turn
from assistant.settings import Settings

log = logging.getLogger("assistant.api")
access = logging.getLogger("assistant.access")


class CheckRequest(BaseModel):
    statement: str = Field(min_length=1, max_length=100_000)


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=100_000)
    history: list[Turn] = Field(default_factory=list, max_length=200)


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> JSONResponse:
    response = JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, retry_after))
    return response


def _harden(response: Response, path: str) -> Response:
    """Security headers on every response, early refusals (411/413/415/429) included."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if path.startswith("/api/"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        response.headers["Cache-Control"] = "no-store"
    return response


UNAVAILABLE = "Der Assistent ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut."


class GermanCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight is German JSON, not plain English text."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = _error(
            response.status_code, "cors_rejected", "Diese Webseite darf den Assistenten nicht aufrufen (CORS)."
        )
        return _harden(refused, "/api/")


def create_app(settings: Settings | None = None, service: AssistantService | None = None) -> FastAPI:
    settings = settings or Settings()
    service = service or AssistantService(settings)

    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    rate = parse(settings.rate_limit)
    limiter = MovingWindowRateLimiter(MemoryStorage())
    unlimited = {"/api/health", "/api/health/live", "/api/health/ready", "/widget.js"}
    gate = WorkGate(
        settings.model_concurrency,
        settings.model_queue,
        settings.model_queue_timeout_s,
        settings.per_client_concurrency,
    )
    app = FastAPI(
        title="Fachkräfte-Assistent Hessen",
        description="Zitierte Antworten aus offiziellen Dokumenten zur Fachkräftesicherung in Hessen.",
        version="0.1.0",
    )
    # No redirect for a trailing slash: the redirect would carry the request's Host header back to the client.
    app.router.redirect_slashes = False
    app.state.service = service
    app.state.gate = gate

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if request.url.path.startswith("/api/admin/"):
            fields = ", ".join(str(e["loc"][-1]) for e in exc.errors()[:5])
            return _error(422, "invalid_request", f"Die Anfrage ist ungültig (Felder: {fields}).")
        expected = "statement" if request.url.path == "/api/check" else "question"
        return _error(422, "invalid_request", f'Die Anfrage ist ungültig: erwartet wird {{"{expected}": "…"}}.')

    @app.exception_handler(Saturated)
    async def _saturated(request: Request, exc: Saturated) -> JSONResponse:
        return _error(
            503,
            "overloaded",
            "Der Assistent ist gerade stark ausgelastet. Bitte versuchen Sie es in wenigen Sekunden erneut.",
            retry_after=exc.retry_after,
        )

    @app.exception_handler(ClientBusy)
    async def _busy(request: Request, exc: ClientBusy) -> JSONResponse:
        return _error(
            429,
            "too_many_parallel_requests",
            "Zu viele gleichzeitige Anfragen von Ihrer Adresse. Bitte warten Sie auf die laufenden Antworten.",
            retry_after=exc.retry_after,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Nicht gefunden.", 405: "Methode nicht erlaubt."}
        # the staff area's own German messages are shown; Starlette's English defaults are not
        fallback = messages.get(exc.status_code, "Anfragefehler.")
        response = _error(exc.status_code, f"http_{exc.status_code}", GermanHTTPError.message(exc, fallback))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", json.dumps(request.url.path))  # quoted: no log injection
        return _error(500, "internal_error", "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später.")

    def retry_after(client: str) -> int:
        reset = limiter.get_window_stats(rate, client).reset_time
        return max(1, math.ceil(reset - time.time()))

    async def early(request: Request) -> JSONResponse | None:
        """Refusals before any work: rate limit, body size and type, a body that arrives too slowly."""
        client = request.client.host if request.client else "unknown"
        if request.url.path not in unlimited and request.method != "OPTIONS" and not limiter.hit(rate, client):
            return _error(429, "rate_limited", "Zu viele Anfragen. Bitte warten Sie einen Moment.", retry_after(client))
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None:
                return _error(411, "length_required", "Die Anfrage muss eine Längenangabe haben.")
            # a document upload (staff, after login) may be larger than a question
            limit = settings.max_upload_bytes if request.url.path == "/api/admin/documents" else settings.max_body_bytes
            if not length.isdigit() or int(length) > limit:
                return _error(413, "body_too_large", "Die Anfrage ist zu groß.")
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/json"):
                return _error(415, "unsupported_media_type", "Bitte senden Sie JSON (application/json).")
            try:
                async with asyncio.timeout(settings.http_body_timeout_s):
                    await request.body()  # cached for the endpoint
            except TimeoutError:
                return _error(408, "request_timeout", "Die Anfrage kam zu langsam an. Bitte erneut senden.")
        return None

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        if (refused := await early(request)) is not None:
            return _harden(refused, request.url.path)
        started = time.perf_counter()
        response: Response = await call_next(request)
        # one structured line per request; no question text, no client address
        access.info(
            json.dumps(
                {
                    "event": "request",
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                }
            )
        )
        return _harden(response, request.url.path)

    app.add_middleware(
        GermanCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "X-Assistant-Channel"],
        max_age=600,
    )

    def too_long(text: str, what: str) -> JSONResponse | None:
        if len(text) <= settings.max_question_chars:
            return None
        code = "question_too_long" if what == "Frage" else "statement_too_long"
        return _error(413, code, f"Die {what} ist zu lang (höchstens {settings.max_question_chars} Zeichen).")

    def public_message(exc: AssistantError) -> str:
        """What a visitor may read: a configuration problem (missing package, model, key) stays in the log."""
        if isinstance(exc, ConfigurationError):
            log.error("configuration: %s", exc)
            return UNAVAILABLE
        return str(exc)

    def guarded(call: Callable[[], Any]) -> Any:
        """Run a service call; an unreachable store or another known failure is a German 503."""
        try:
            return call()
        except StoreUnavailable as exc:
            log.warning("store unavailable: %s", exc.detail)
            return _error(503, "store_unavailable", str(exc))
        except AssistantError as exc:
            return _error(503, "unavailable", public_message(exc))

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def channel_of(request: Request) -> str:
        """For the question log: the widget says so in a header; everything else is the API."""
        return "widget" if request.headers.get("x-assistant-channel") == "widget" else "api"

    @app.post("/api/ask", response_model=Answer, response_model_exclude=INTERNAL_FIELDS)
    async def ask(body: AskRequest, request: Request) -> Any:
        """Answer a German (or English) question; the same JSON as `python -m assistant ask --json`."""
        if rejected := too_long(body.question, "Frage"):
            return rejected
        history = body.history[-settings.max_history_turns :] if settings.max_history_turns else []
        channel = channel_of(request)
        return await gate.run(
            client_of(request), lambda: guarded(lambda: service.ask(body.question, history, channel=channel))
        )

    @app.post("/api/ask/stream")
    async def ask_stream(body: AskRequest, request: Request) -> Any:
        """Server-sent events: `token` events with the text of the verified answer, then one `answer`
        event (same JSON as /api/ask). With a language model, the text is verified before the first
        token is sent: no unchecked text ever reaches a client."""
        if rejected := too_long(body.question, "Frage"):
            return rejected
        history = body.history[-settings.max_history_turns :] if settings.max_history_turns else []
        channel = channel_of(request)

        def produce() -> list[str]:
            # the whole answer is produced (and verified) inside one bounded worker slot
            out = []
            try:
                for item in service.ask_stream(body.question, history, channel=channel):
                    if isinstance(item, Answer):
                        payload = item.model_dump_json(exclude=INTERNAL_FIELDS)
                        out.append(f"event: answer\ndata: {payload}\n\n")
                    else:
                        out.append(f"event: token\ndata: {json.dumps({'text': item}, ensure_ascii=False)}\n\n")
            except AssistantError as exc:
                error = {"error": {"code": "unavailable", "message": public_message(exc)}}
                out.append(f"event: error\ndata: {json.dumps(error, ensure_ascii=False)}\n\n")
            return out

        events: list[str] = await gate.run(client_of(request), produce)

        def replay() -> Iterator[str]:
            yield from events

        return StreamingResponse(replay(), media_type="text/event-stream")

    @app.post("/api/check", response_model=FactCheck)
    async def check(body: CheckRequest, request: Request) -> Any:
        """Faktencheck: supported | contradicted | not_found, with differences and citations."""
        if rejected := too_long(body.statement, "Aussage"):
            return rejected
        return await gate.run(client_of(request), lambda: guarded(lambda: service.check(body.statement)))

    @app.get("/api/sources")
    def sources() -> Any:
        """The documents in the store (title, date, link)."""
        return guarded(service.sources)

    @app.get("/api/health")
    def health() -> Any:
        """Readiness (kept under its first name): the store answers and holds documents."""
        return ready()

    @app.get("/api/health/live")
    def live() -> dict[str, str]:
        """Liveness: the process serves requests (says nothing about the store)."""
        return {"status": "ok"}

    @app.get("/api/health/ready")
    def ready() -> Any:
        """Readiness: 200 when the store is reachable and not empty, else 503 (take out of rotation)."""
        try:
            chunks = service.store.count()
        except StoreUnavailable as exc:
            return _error(503, "store_unavailable", str(exc))
        except AssistantError as exc:  # never a pip hint, a path or a setting name for the public
            log.error("not ready: %s", exc)
            return _error(503, "unavailable", UNAVAILABLE)
        if chunks == 0:
            return _error(503, "store_empty", "Der Dokumentenspeicher ist leer (bitte Ingest ausführen).")
        return {"status": "ok", "chunks": chunks}

    from assistant.admin_api import add_admin_routes

    add_admin_routes(app, service, settings)

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        return FileResponse(settings.widget_dir / "widget.js", media_type="text/javascript; charset=utf-8")

    return app


def serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    service = AssistantService(settings)
    try:
        service.warm_up()
    except AssistantError as exc:  # e.g. the Chroma server is not up yet: start anyway, /ready says 503
        log.warning("warm-up incomplete: %s", exc)
    uvicorn.run(create_app(settings, service), host=host, port=port, log_level="info", access_log=False,
                **server_options(settings))  # fmt: skip


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options: forwarded headers only from configured proxies, bounded heads, idle timeouts.

    uvicorn's own default trusts ``X-Forwarded-For`` from 127.0.0.1 (and the ``FORWARDED_ALLOW_IPS``
    variable); then every forged header value would get a fresh rate-limit budget. Here the peer address is
    the client unless ``ASSISTANT_TRUSTED_PROXIES`` names the proxy; uvicorn then takes the right-most
    address the proxies did not add (a proxy that appends, like nginx's ``$proxy_add_x_forwarded_for``,
    cannot be fooled by a forged first entry)."""
    from assistant.http_protocol import GuardedH11Protocol

    trusted = [p.strip() for p in settings.trusted_proxies if p.strip()]
    return {
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": ",".join(trusted) if trusted else "",
        "http": GuardedH11Protocol,
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "timeout_keep_alive": settings.http_keep_alive_s,
        "limit_concurrency": settings.http_max_connections,
        "server_header": False,
    }
