"""Staff pages of the Streamlit app: „Lücken" (refused and thumbs-down questions grouped by meaning)
and „Verwaltung" (feedback review, question log, documents, audit log) — behind a login.

Login: in production the ministry's OpenID Connect provider through Streamlit's ``st.login`` (provider in
``.streamlit/secrets.toml`` [auth], ``ASSISTANT_OIDC_ISSUER`` set, the token's roles must contain
``ASSISTANT_OIDC_ADMIN_ROLE``); on a single machine the local admin accounts (``python -m assistant admin
set-password``). With neither, the pages stay closed. The pages call the ``assistant`` service layer
only; every view and change is audited.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assistant.staff.accounts import configured
from ui.render import md_escape
from ui.service import get_service

# The app's pages (set by ui/app.py): links between them keep the session, and with it the login.
PAGES: dict[str, Any] = {}
PERIODS = {"7 Tage": 7, "30 Tage": 30, "90 Tage": 90}
CHANNELS = {"alle": None, "Chat-Seite": "ui", "API": "api", "Widget": "widget"}


def _oidc_configured() -> bool:
    """Production login: the provider in ``.streamlit/secrets.toml`` ([auth], Streamlit's ``st.login``)
    and ``ASSISTANT_OIDC_ISSUER`` for the API."""
    try:
        return bool(get_service().settings.oidc_issuer) and "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def _oidc_login() -> str | None:
    service = get_service()
    settings = service.settings
    if not st.user.is_logged_in:
        st.title("Anmeldung für Mitarbeitende", anchor=False)
        st.button("Mit Dienstkonto anmelden", type="primary", on_click=st.login)
        st.markdown("[Zurück zum Assistenten](./)")
        return None
    roles = st.user.get(settings.oidc_roles_claim) or []
    roles = roles.split() if isinstance(roles, str) else list(roles)
    name = str(st.user.get("preferred_username") or st.user.get("email") or st.user.get("sub") or "?")[:200]
    if settings.oidc_admin_role not in roles:
        if st.session_state.get("staff_denied") != name:
            service.audit(name, "login_failed", "role missing")
            st.session_state.staff_denied = name
        st.error("Ihr Dienstkonto hat keine Berechtigung für die Verwaltung.", icon=":material/block:")
        st.button("Abmelden", on_click=st.logout)
        return None
    if st.session_state.get("staff_user") != name:
        service.audit(name, "login", "OpenID Connect")
        st.session_state.staff_user = name
    return name


def _login() -> str | None:
    """The signed-in staff member, or None after showing the login form."""
    service = get_service()
    if _oidc_configured():
        user = _oidc_login()
        if user:
            with st.sidebar:
                st.markdown(f"Angemeldet als **{md_escape(user)}**")
                _links()
                st.button("Abmelden", on_click=st.logout)
        return user
    if st.session_state.get("staff_user"):
        with st.sidebar:
            st.markdown(f"Angemeldet als **{md_escape(st.session_state.staff_user)}**")
            _links()
            if st.button("Abmelden"):
                service.audit(st.session_state.staff_user, "logout")
                st.session_state.staff_user = None
                st.rerun()
        return str(st.session_state.staff_user)
    st.title("Anmeldung für Mitarbeitende", anchor=False)
    if not configured(service.settings.admin_credentials):
        st.warning(
            "Es ist noch kein Verwaltungskonto eingerichtet. Auf dem Server: "
            "`python -m assistant admin set-password --user NAME`.",
            icon=":material/lock:",
        )
        return None
    with st.form("login"):
        user = st.text_input("Benutzername", max_chars=100, autocomplete="username")
        password = st.text_input("Passwort", type="password", max_chars=200, autocomplete="current-password")
        submitted = st.form_submit_button("Anmelden", type="primary")
    if submitted:
        if service.admin_login(user, password):
            service.audit(user, "login")
            st.session_state.staff_user = user
            st.rerun()
        st.error("Benutzername oder Passwort ist falsch.", icon=":material/error:")
    st.markdown("[Zurück zum Assistenten](./)")
    return None


def _links() -> None:
    for key, label in (("gaps", "Lücken"), ("admin", "Verwaltung"), ("chat", "Zum Assistenten")):
        if key in PAGES:
            st.page_link(PAGES[key], label=label)


def _filters() -> tuple[int, str | None]:
    left, right = st.columns(2)
    period = left.selectbox("Zeitraum", list(PERIODS), index=1)
    channel = right.selectbox("Kanal", list(CHANNELS))
    return PERIODS[period], CHANNELS[channel]


def gaps_page() -> None:
    user = _login()
    if not user:
        return
    service = get_service()
    st.title("Lücken", anchor=False)
    st.markdown(
        "Abgelehnte Fragen und Antworten mit „Nicht hilfreich“, nach Bedeutung gruppiert – "
        "hier fehlt ein Dokument oder eine Angabe."
    )
    days, channel = _filters()
    gaps = service.gaps(days, channel)
    service.audit(user, "gaps_viewed", f"days={days} channel={channel}")
    if not gaps:
        st.info("Keine abgelehnten Fragen in diesem Zeitraum.", icon=":material/info:")
        return
    from assistant.staff.gaps import gaps_csv

    st.download_button(
        "Als CSV herunterladen", gaps_csv(gaps), file_name="luecken.csv", mime="text/csv", icon=":material/download:"
    )
    for gap in gaps:
        answered = "keine beantwortet" if gap.answered == 0 else f"{gap.answered} beantwortet"
        questions = "1 Frage" if gap.count == 1 else f"{gap.count} Fragen"
        with st.expander(f"{questions} wie „{md_escape(gap.representative)}“ – {answered}"):
            for question in gap.questions:
                st.markdown("- " + md_escape(question))


def admin_page() -> None:
    user = _login()
    if not user:
        return
    service = get_service()
    st.title("Verwaltung", anchor=False)
    feedback, questions, documents, audit = st.tabs(["Rückmeldungen", "Fragenprotokoll", "Dokumente", "Protokoll"])
    with feedback:
        open_only = st.toggle("Nur ungeprüfte", value=True)
        entries = service.feedback_for_review(include_reviewed=not open_only)
        service.audit(user, "feedback_viewed")
        if not entries:
            st.info("Keine Rückmeldungen „Nicht hilfreich“.", icon=":material/info:")
        for entry in entries:
            with st.container(border=True):
                st.markdown(f"**Frage:** {md_escape(str(entry['question']))}")
                st.markdown(f"**Antwort:** {md_escape(str(entry['answer']))}")
                if entry["comment"]:
                    st.markdown(f"**Kommentar:** {md_escape(str(entry['comment']))}")
                for c in entry["citations"]:
                    st.caption(f"[{c['n']}] {md_escape(c['title'])}: {md_escape(c['quote'])}")
                if entry["reviewed_by"]:
                    st.caption(f"Geprüft von {md_escape(str(entry['reviewed_by']))} am {entry['reviewed_at']}")
                elif st.button("Als geprüft markieren", key=f"review-{entry['id']}"):
                    service.mark_reviewed(int(entry["id"]), user)
                    st.rerun()
    with questions:
        days, channel = _filters()
        rows = service.logged_questions(days, channel)
        service.audit(user, "questions_viewed", f"days={days} channel={channel}")
        table = pd.DataFrame(rows, columns=["created_at", "channel", "question", "answered", "reason", "doc_ids"])
        table.columns = ["Zeit (UTC)", "Kanal", "Frage", "Beantwortet", "Grund", "Zitierte Dokumente"]
        st.dataframe(table, hide_index=True)
    with documents:
        _upload_form(service, user)
        docs = service.documents_overview()
        st.dataframe(
            pd.DataFrame(docs).rename(
                columns={"doc_id": "Nr.", "title": "Titel", "publisher": "Herausgeber", "date": "Datum",
                         "source": "Quelle", "chunks": "Abschnitte", "indexed_at": "Hochgeladen (UTC)",
                         "indexed_by": "von"}
            ),
            hide_index=True,
        )  # fmt: skip
        if docs:
            with st.form("delete"):
                doomed = st.selectbox("Dokument löschen", [d["doc_id"] for d in docs])
                sure = st.checkbox("Ja, dieses Dokument aus dem Assistenten entfernen")
                if st.form_submit_button("Löschen") and sure:
                    service.delete_document(str(doomed), user)
                    st.success(f"Dokument {doomed} gelöscht.", icon=":material/check_circle:")
    with audit:
        st.dataframe(pd.DataFrame(service.audit_log()), hide_index=True)


def _upload_form(service: Any, user: str) -> None:
    """Upload or replace one document with its metadata; the ingest runs at once, a refusal says why."""
    from ingest.upload import UploadError

    with st.form("upload", clear_on_submit=True):
        st.subheader("Dokument hinzufügen oder ersetzen", anchor=False)
        file = st.file_uploader("Datei (PDF, DOCX, HTML, MD, TXT; höchstens 20 MB)", type=["pdf", "docx", "html",
                                "htm", "md", "txt"])  # fmt: skip
        left, right = st.columns(2)
        doc_id = left.text_input("Dokumentnummer", max_chars=64, placeholder="z. B. 010 (zum Ersetzen: die bisherige)")
        title = right.text_input("Titel", max_chars=300)
        publisher = left.text_input("Herausgeber", max_chars=300)
        date = right.text_input("Datum", max_chars=100, placeholder="z. B. 3. März 2025")
        source = st.text_input("Quelle (Adresse der veröffentlichten Fassung)", max_chars=500)
        replace = st.checkbox("Vorhandenes Dokument mit dieser Nummer ersetzen")
        submitted = st.form_submit_button("Hochladen und einlesen", type="primary")
    if not submitted:
        return
    if file is None:
        st.error("Bitte eine Datei auswählen.", icon=":material/error:")
        return
    meta = {
        "doc_id": doc_id,
        "title": title,
        "publisher": publisher,
        "date": date,
        "source": [source] if source else [],
    }
    try:
        with st.spinner("Dokument wird geprüft und eingelesen …"):
            result = service.add_document(file.name, file.getvalue(), meta, user, replace=replace)
    except UploadError as exc:
        service.audit(user, "document_refused", f"{doc_id}: {exc}")
        st.error(md_escape(str(exc)), icon=":material/error:")
        return
    st.success(
        f"„{md_escape(result.title)}“ ({md_escape(result.doc_id)}) ist eingelesen und ab sofort im Assistenten.",
        icon=":material/check_circle:",
    )
