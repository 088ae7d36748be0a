"""Staff endpoints under /api/admin/: question log, gaps report (JSON or CSV), feedback review,
documents and the audit log — all behind a login.

Login: in production a bearer token of the ministry's OpenID Connect provider (``ASSISTANT_OIDC_*``,
checked by ``staff/oidc.py``); on a single machine HTTP Basic against the local admin accounts
(``python -m assistant admin set-password``). With neither set up the staff area is closed (503).
Failed logins and every admin request are written to the audit log (who, what, when); the rate limit
of the API applies here too.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from assistant.chain import AssistantService
from assistant.settings import Settings
from assistant.staff.accounts import configured

_basic = HTTPBasic(auto_error=False, realm="Verwaltung")
log = logging.getLogger("assistant.api")


class DocumentUpload(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(min_length=1)
    doc_id: str = Field(min_length=1, max_length=64)
    title: str = Field(default="", max_length=300)
    publisher: str = Field(default="", max_length=300)
    date: str = Field(default="", max_length=100)
    source: list[str] = Field(default_factory=list, max_length=20)
    replace: bool = False


class GermanHTTPError(HTTPException):
    """An HTTP error whose detail is a German message for the client (the API shows it as is)."""

    @staticmethod
    def message(exc: HTTPException, fallback: str) -> str:
        return str(exc.detail) if isinstance(exc, GermanHTTPError) else fallback


def add_admin_routes(app: FastAPI, service: AssistantService, settings: Settings) -> None:
    verifier = None
    if settings.oidc_issuer:
        from assistant.staff.oidc import OidcVerifier

        verifier = OidcVerifier(
            settings.oidc_issuer, settings.oidc_audience, settings.oidc_admin_role, settings.oidc_roles_claim
        )
    challenge = 'Bearer realm="Verwaltung"' if verifier else 'Basic realm="Verwaltung", charset="UTF-8"'

    def refused() -> GermanHTTPError:
        return GermanHTTPError(401, detail="Anmeldung erforderlich.", headers={"WWW-Authenticate": challenge})

    def admin(request: Request, credentials: HTTPBasicCredentials | None = Depends(_basic)) -> str:  # noqa: B008
        """Bearer token of the OpenID Connect provider (production) or a local account (HTTP Basic)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            if verifier is None:
                raise refused()
            from assistant.staff.oidc import TokenRejected

            try:
                return verifier.verify(token.strip())
            except TokenRejected as exc:
                log.info("staff token rejected: %s", exc)
                service.audit("?", "login_failed", "bearer token")
                raise refused() from exc
        if not configured(settings.admin_credentials):
            if verifier:
                raise refused()
            raise GermanHTTPError(
                503,
                detail="Kein Verwaltungskonto eingerichtet (python -m assistant admin set-password).",
            )
        if credentials is None or not service.admin_login(credentials.username, credentials.password):
            raise refused()
        return credentials.username

    channel_query = Query(default=None, pattern="^(ui|api|widget)$")
    days_query = Query(default=None, ge=1, le=3650)

    @app.get("/api/admin/questions")
    def questions(
        user: str = Depends(admin), days: int | None = days_query, channel: str | None = channel_query
    ) -> Any:
        """The question log (personal data masked), newest first."""
        service.audit(user, "questions_viewed", f"days={days} channel={channel}")
        return service.logged_questions(days, channel)

    @app.get("/api/admin/gaps")
    def gaps(
        user: str = Depends(admin),
        days: int | None = days_query,
        channel: str | None = channel_query,
        format: str = Query(default="json", pattern="^(json|csv)$"),
    ) -> Any:
        """Refused and thumbs-down questions grouped by meaning; ``format=csv`` for a spreadsheet."""
        from assistant.staff.gaps import gaps_csv

        found = service.gaps(days, channel)
        service.audit(user, "gaps_exported" if format == "csv" else "gaps_viewed", f"days={days} channel={channel}")
        if format == "csv":
            return Response(
                gaps_csv(found),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="luecken.csv"'},
            )
        return [g.__dict__ for g in found]

    @app.get("/api/admin/feedback")
    def feedback(user: str = Depends(admin), include_reviewed: bool = True) -> Any:
        """Thumbs-down answers with question, answer, citations, comment and review state."""
        service.audit(user, "feedback_viewed")
        return service.feedback_for_review(include_reviewed)

    @app.post("/api/admin/feedback/{feedback_id}/reviewed")
    def reviewed(feedback_id: int, user: str = Depends(admin)) -> Any:
        if not service.mark_reviewed(feedback_id, user):
            raise GermanHTTPError(404, detail="Rückmeldung nicht gefunden.")
        return {"feedback_id": feedback_id, "reviewed_by": user}

    @app.get("/api/admin/documents")
    def documents(user: str = Depends(admin)) -> Any:
        """The documents in the store: title, doc id, publisher, date, source, chunks, last upload and by whom."""
        service.audit(user, "documents_viewed")
        return service.documents_overview()

    @app.post("/api/admin/documents")
    def upload(body: DocumentUpload, user: str = Depends(admin)) -> Any:
        """Add (or with ``replace`` replace) a document: checked, then ingested incrementally; visible to
        every worker without a restart. A refused upload leaves the store unchanged (400, German reason)."""
        import base64
        import binascii

        from ingest.upload import UploadError

        try:
            data = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise GermanHTTPError(400, detail="Der Dateiinhalt ist kein gültiges Base64.") from exc
        meta = body.model_dump(include={"doc_id", "title", "publisher", "date", "source"})
        try:
            result = service.add_document(body.filename, data, meta, user, replace=body.replace)
        except UploadError as exc:
            service.audit(user, "document_refused", f"{body.doc_id}: {exc}")
            raise GermanHTTPError(400, detail=str(exc)) from exc
        return {"doc_id": result.doc_id, "title": result.title, "file": result.file, "chunks": result.report.chunks}

    @app.delete("/api/admin/documents/{doc_id}")
    def delete(doc_id: str, user: str = Depends(admin)) -> Any:
        from ingest.upload import UploadError

        try:
            service.delete_document(doc_id, user)
        except UploadError as exc:
            raise GermanHTTPError(404, detail=str(exc)) from exc
        return {"doc_id": doc_id, "deleted": True}

    @app.get("/api/admin/audit")
    def audit_log(user: str = Depends(admin)) -> Any:
        service.audit(user, "audit_viewed")
        return service.audit_log()
