"""Streamlit chat page: German chat with numbered, expandable citations.

The page only talks to the ``assistant`` service layer; the service (model,
store) is created once per server process via ``st.cache_resource``. All text
that comes from documents is escaped before Markdown rendering, so a document
cannot inject links, images or HTML into the page. ``?embed=true`` gives the
compact layout for an iframe on the ministry's website.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.chain import AssistantService
from assistant.errors import AssistantError
from assistant.models import Answer, Turn
from assistant.settings import Settings
from ui.render import md_escape, safe_link

EXAMPLES = [
    "Wie viele Fachkräfte fehlen in Hessen bis 2028?",
    "Seit wann gibt es das Neue Bündnis Fachkräftesicherung?",
    "In welchen Handlungsfeldern arbeiten die Fokusgruppen?",
    "Wo findet die Veranstaltung am 28. Juni 2024 statt?",
]


@st.cache_resource(show_spinner="Modell und Dokumente werden geladen …")
def get_service() -> AssistantService:
    service = AssistantService(Settings())
    service.warm_up()
    return service


def stream_answer(service: AssistantService, question: str, history: list[Turn]) -> Answer:
    """Show the text as it comes (marked as being checked), then the verified answer in its place."""
    draft = st.empty()
    text = ""
    answer: Answer | None = None
    try:
        for item in service.ask_stream(question, history):
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                draft.caption("Antwort wird geprüft … " + md_escape(text))
    except AssistantError as exc:
        answer = Answer(answer=str(exc), answered=False, reason="error")
    draft.empty()
    answer = answer or Answer(answer="Keine Antwort erhalten.", answered=False, reason="error")
    show_answer(answer)
    return answer


def show_citations(answer: Answer) -> None:
    for c in answer.citations:
        with st.expander(f"[{c.n}] {md_escape(c.title)}"):
            st.markdown("> " + md_escape(c.quote))
            link = safe_link(c.source)
            st.caption(doc_caption(c.doc_id, c.date))
            if link:
                st.markdown(f"[Quelle öffnen ↗]({link})")


def doc_caption(doc_id: str, date: str) -> str:
    """„Dokument 000 · 28. Juni 2024" with both parts shown literally (Markdown escaped)."""
    return " · ".join([f"Dokument {md_escape(doc_id)}"] + ([md_escape(date)] if date else []))


def show_answer(answer: Answer) -> None:
    if not answer.answered:
        st.info(md_escape(answer.answer), icon="ℹ️")
        return
    st.markdown(md_escape(answer.answer))
    show_citations(answer)


def feedback_widget(index: int, message: dict[str, Any]) -> None:
    key = f"feedback-{index}"
    if message.get("feedback_saved"):
        st.caption("Danke für Ihre Rückmeldung.")
        return
    rating = st.feedback("thumbs", key=key)
    if rating is None:
        return
    comment = st.text_input("Kommentar (optional)", key=f"{key}-comment", max_chars=1000)
    if st.button("Rückmeldung senden", key=f"{key}-send"):
        answer = Answer.model_validate(message["answer"])
        get_service().record_feedback(message["question"], answer, 1 if rating == 1 else -1, comment)
        message["feedback_saved"] = True
        st.rerun()


VERDICTS = {
    "supported": ("Bestätigt", "success", "✅"),
    "contradicted": ("Widersprochen", "error", "❌"),
    "not_found": ("Nicht in den Dokumenten gefunden", "warning", "🔎"),
}


def factcheck_page(service: AssistantService) -> None:
    """Ministry staff paste a sentence; the verdict comes first, then the differing details and sources."""
    st.subheader("Faktencheck")
    st.caption("Prüft eine Aussage gegen die offiziellen Dokumente. Im Zweifel lautet das Urteil nie „bestätigt“.")
    with st.form("factcheck"):
        statement = st.text_area(
            "Aussage", max_chars=1000, placeholder="z. B. Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte."
        )
        submitted = st.form_submit_button("Prüfen", type="primary")
    if not submitted or not statement.strip():
        return
    try:
        result = service.check(statement)
    except AssistantError as exc:
        st.error(md_escape(str(exc)))
        return
    label, kind, icon = VERDICTS[result.verdict]
    getattr(st, kind)(f"**{label}** – {md_escape(result.explanation)}", icon=icon)
    if result.differences:
        st.markdown("**Abweichungen**")
        st.table(
            [{"In der Aussage": d.statement, "In der Quelle": d.source} for d in result.differences],
        )
    for c in result.citations:
        with st.expander(f"[{c.n}] {md_escape(c.title)}", expanded=True):
            st.markdown("> " + md_escape(c.quote))
            link = safe_link(c.source)
            st.caption(doc_caption(c.doc_id, c.date))
            if link:
                st.markdown(f"[Quelle öffnen ↗]({link})")


def sidebar(service: AssistantService) -> str | None:
    chosen = None
    with st.sidebar:
        st.radio("Modus", ["Fragen", "Faktencheck"], key="mode", horizontal=True)
        if st.button("Neues Gespräch", use_container_width=True, type="primary"):
            st.session_state.messages = []
            st.rerun()
        st.subheader("Beispielfragen")
        for i, example in enumerate(EXAMPLES):
            if st.button(example, key=f"example-{i}", use_container_width=True):
                chosen = example
        st.subheader("Dokumente")
        for doc in service.sources():
            link = safe_link(doc.get("source", ""))
            title = md_escape(doc["title"])
            st.markdown(f"**{title}**" + (f"  \n[{md_escape(link)}]({link})" if link else ""))
            st.caption(doc_caption(doc["doc_id"], doc.get("date", "")))
    return chosen


def main() -> None:
    embed = bool(st.context.is_embedded)  # ?embed=true: Streamlit hides its own chrome, we drop the title
    st.set_page_config(
        page_title="Fachkräfte-Assistent Hessen",
        page_icon="💬",
        initial_sidebar_state="collapsed" if embed else "auto",
    )
    if not embed:
        st.title("Fachkräfte-Assistent Hessen")
        st.caption("Antworten ausschließlich aus offiziellen Dokumenten – jede Aussage mit Quelle.")
    if "messages" not in st.session_state:
        st.session_state.messages = []
    service = get_service()
    example = sidebar(service)
    if st.session_state.get("mode") == "Faktencheck":
        factcheck_page(service)
        return

    if embed and not st.session_state.messages:
        with st.chat_message("assistant"):
            st.markdown(
                "Willkommen! Fragen Sie mich zur Fachkräftesicherung in Hessen. "
                "Ich antworte nur aus offiziellen Dokumenten – mit Quellenangabe."
            )

    for index, message in enumerate(st.session_state.messages):
        with st.chat_message(message["role"]):
            if message["role"] == "assistant":
                show_answer(Answer.model_validate(message["answer"]))
                feedback_widget(index, message)
            else:
                st.markdown(md_escape(message["content"]))

    question = st.chat_input("Ihre Frage zur Fachkräftesicherung in Hessen …") or example
    if not question:
        return
    with st.chat_message("user"):
        st.markdown(md_escape(question))
    history = [Turn(role=m["role"], content=m["content"]) for m in st.session_state.messages]
    with st.chat_message("assistant"):
        answer = stream_answer(service, question, history)
    st.session_state.messages.append({"role": "user", "content": question})
    st.session_state.messages.append(
        {"role": "assistant", "content": answer.answer, "answer": answer.model_dump(), "question": question}
    )
    st.rerun()


main()
