"""HTTP API: /api/ask, /api/check, /api/sources, /api/health and the website widget (/widget.js).

Errors are JSON with a German ``message`` and a stable ``code``; no stack trace
ever leaves the server. CORS admits only the configured origins, request
bodies and questions are capped, and each client address is rate limited.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.chain import AssistantService
from assistant.errors import AssistantError, StoreUnavailable
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


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message}})


def create_app(settings: Settings | None = None, service: AssistantService | None = None) -> FastAPI:
    settings = settings or Settings()
    service = service or AssistantService(settings)

    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    rate = parse(settings.rate_limit)
    limiter = MovingWindowRateLimiter(MemoryStorage())
    unlimited = {"/api/health", "/api/health/live", "/api/health/ready", "/widget.js"}
    app = FastAPI(
        title="Fachkräfte-Assistent Hessen",
        description="Zitierte Antworten aus offiziellen Dokumenten zur Fachkräftesicherung in Hessen.",
        version="0.1.0",
    )
    app.state.service = service

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", 'Die Anfrage ist ungültig: erwartet wird {"question": "…"}.')

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Nicht gefunden.", 405: "Methode nicht erlaubt."}
        return _error(exc.status_code, f"http_{exc.status_code}", messages.get(exc.status_code, "Anfragefehler."))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "internal_error", "Ein interner Fehler ist aufgetreten. Bitte versuchen Sie es später.")

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Response:
        client = request.client.host if request.client else "unknown"
        if request.url.path not in unlimited and request.method != "OPTIONS" and not limiter.hit(rate, client):
            return _error(429, "rate_limited", "Zu viele Anfragen. Bitte warten Sie einen Moment.")
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length is None:
                return _error(411, "length_required", "Die Anfrage muss eine Längenangabe haben.")
            if not length.isdigit() or int(length) > settings.max_body_bytes:
                return _error(413, "body_too_large", "Die Anfrage ist zu groß.")
            content_type = request.headers.get("content-type", "")
            if not content_type.startswith("application/json"):
                return _error(415, "unsupported_media_type", "Bitte senden Sie JSON (application/json).")
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
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if request.url.path.startswith("/api/"):
            response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
            response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        max_age=600,
    )

    def too_long(text: str, what: str) -> JSONResponse | None:
        if len(text) <= settings.max_question_chars:
            return None
        code = "question_too_long" if what == "Frage" else "statement_too_long"
        return _error(413, code, f"Die {what} ist zu lang (höchstens {settings.max_question_chars} Zeichen).")

    def guarded(call: Callable[[], Any]) -> Any:
        """Run a service call; an unreachable store or another known failure is a German 503."""
        try:
            return call()
        except StoreUnavailable as exc:
            log.warning("store unavailable: %s", exc.detail)
            return _error(503, "store_unavailable", str(exc))
        except AssistantError as exc:
            return _error(503, "unavailable", str(exc))

    @app.post("/api/ask", response_model=Answer, response_model_exclude=INTERNAL_FIELDS)
    def ask(body: AskRequest) -> Any:
        """Answer a German (or English) question; the same JSON as `python -m assistant ask --json`."""
        if rejected := too_long(body.question, "Frage"):
            return rejected
        history = body.history[-settings.max_history_turns :] if settings.max_history_turns else []
        return guarded(lambda: service.ask(body.question, history))

    @app.post("/api/ask/stream")
    def ask_stream(body: AskRequest) -> Any:
        """Server-sent events: `token` events as the text is produced, then one `answer` event with the
        verified answer (same JSON as /api/ask). A generated text that fails verification is replaced:
        clients must show the `answer` event, not the tokens, as the result."""
        if rejected := too_long(body.question, "Frage"):
            return rejected
        history = body.history[-settings.max_history_turns :] if settings.max_history_turns else []

        def events() -> Iterator[str]:
            try:
                for item in service.ask_stream(body.question, history):
                    if isinstance(item, Answer):
                        payload = item.model_dump_json(exclude=INTERNAL_FIELDS)
                        yield f"event: answer\ndata: {payload}\n\n"
                    else:
                        yield f"event: token\ndata: {json.dumps({'text': item}, ensure_ascii=False)}\n\n"
            except AssistantError as exc:
                error = {"error": {"code": "unavailable", "message": str(exc)}}
                yield f"event: error\ndata: {json.dumps(error, ensure_ascii=False)}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post("/api/check", response_model=FactCheck)
    def check(body: CheckRequest) -> Any:
        """Faktencheck: supported | contradicted | not_found, with differences and citations."""
        if rejected := too_long(body.statement, "Aussage"):
            return rejected
        return guarded(lambda: service.check(body.statement))

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
        except AssistantError as exc:
            return _error(503, "store_unavailable", str(exc))
        if chunks == 0:
            return _error(503, "store_empty", "Der Dokumentenspeicher ist leer (bitte Ingest ausführen).")
        return {"status": "ok", "chunks": chunks}

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
    uvicorn.run(create_app(settings, service), host=host, port=port, log_level="info", access_log=False)
