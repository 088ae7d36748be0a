"""Streamlit chat page: German chat with numbered, expandable citations.

The page only talks to the ``assistant`` service layer; the service (model,
store) is created once per server process via ``st.cache_resource``. All text
that comes from documents is escaped before Markdown rendering, so a document
cannot inject links, images or HTML into the page. ``?embed=true`` gives the
compact layout for an iframe on the ministry's website.

Accessibility (BITV 2.0 / WCAG 2.1 AA): colours and chrome come from ``.streamlit/config.toml``; what
Streamlit has no setting for (``lang="de"``, its own English labels, a live region, „[n]" links to the
sources) is done by ``ui/a11y.py``. Checked by axe-core in ``tests/ui/test_accessibility.py``.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from assistant.chain import AssistantService
from assistant.errors import AssistantError
from assistant.models import Answer, Citation, Turn
from ui.a11y import SHIM, announce_script
from ui.render import md_escape, safe_link
from ui.service import get_service

EXAMPLES = [
    "Wie viele Fachkräfte fehlen in Hessen bis 2028?",
    "Welche Handlungsfelder bearbeitet das Bündnis?",
    "Wann und wo findet die Veranstaltung „Zukunftsgerecht und regional“ statt?",
]
STATEMENT_EXAMPLES = [
    "Bis 2028 fehlen in Hessen rund 200.000 Fachkräfte.",
    "Das Neue Bündnis Fachkräftesicherung hat sich im September 2020 konstituiert.",
    "Die Veranstaltung „Zukunftsgerecht und regional“ findet online statt.",
]
GREETING = "Guten Tag! Ich beantworte Fragen zur Fachkräftesicherung in Hessen."
ABILITIES = (
    "Ich antworte nur aus offiziellen Dokumenten und nenne zu jeder Aussage die Quelle. "
    "Steht etwas nicht in den Dokumenten – etwa Förderbeträge oder Telefonnummern –, sage ich das offen."
)
MODES = ["Fragen", "Faktencheck"]


def stream_answer(service: AssistantService, question: str, history: list[Turn]) -> Answer:
    """Show the text as it comes (marked as being checked), then the verified answer in its place."""
    draft = st.empty()
    text = ""
    answer: Answer | None = None
    try:
        for item in service.ask_stream(question, history, channel="ui"):
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                draft.caption("Antwort wird geprüft … " + md_escape(text))
    except AssistantError as exc:
        answer = Answer(answer=str(exc), answered=False, reason="error")
    draft.empty()
    answer = answer or Answer(answer="Keine Antwort erhalten.", answered=False, reason="error")
    show_answer(answer, "draft")
    return answer


def show_citations(answer: Answer, key: str) -> None:
    """Each source as an expander (the first one open): title, then the quote, publisher, date and link.
    ``key`` names the expanders so that „[n]" in the answer can open and focus them (ui/a11y.py)."""
    st.markdown("**Quellen**")
    for c in answer.citations:
        with st.expander(f"[{c.n}] {md_escape(c.title)}", expanded=c.n == 1, key=f"quelle-{key}-{c.n}"):
            source_details(c)


def source_details(c: Citation) -> None:
    """A source's quote, publisher and date, and its link (chat answers and Faktencheck verdicts alike)."""
    st.markdown("> " + md_escape(c.quote))
    st.caption(doc_caption(c.publisher, c.date))
    link = safe_link(c.source)
    if link:
        st.markdown(f"[Quelle öffnen (neues Fenster)]({link})")


def doc_caption(publisher: str, date: str) -> str:
    """„Herausgeber: … · Datum: …" with both parts shown literally (Markdown escaped)."""
    who = f"Herausgeber: {md_escape(publisher)}" if publisher else "Herausgeber nicht angegeben"
    when = f"Datum: {md_escape(date)}" if date else "Datum nicht angegeben"
    return f"{who} · {when}"


def linked_answer(text: str, key: str, numbers: set[int]) -> str:
    """The answer as escaped Markdown in which each „[n]" of a cited source links to that source."""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[\\[{n}\\]](#quelle-{key}-{n})" if n in numbers else m.group(0)

    return re.sub(r"\\\[(\d+)\\\]", link, md_escape(text))


def show_answer(answer: Answer, key: str) -> None:
    # An English answer's text is marked lang="en" (ui/static/a11y.js reads the container's key), so a
    # screen reader pronounces it as English; the German sources below keep the page's lang="de".
    with st.container(key=f"lang-{answer.lang}-{key}"):
        if not answer.answered:
            st.info(md_escape(answer.answer), icon=":material/info:")
            return
        st.markdown(linked_answer(answer.answer, key, {c.n for c in answer.citations}))
    show_citations(answer, key)


def feedback_widget(index: int, message: dict[str, Any]) -> None:
    """Two labelled buttons (Streamlit's thumbs have English names), then an optional comment."""
    key = f"feedback-{index}"
    if message.get("feedback_saved"):
        st.caption("Danke für Ihre Rückmeldung.")
        return
    left, right, _ = st.columns([1, 1, 2])
    if left.button("Hilfreich", key=f"{key}-up", icon=":material/thumb_up:"):
        st.session_state[key] = 1
    if right.button("Nicht hilfreich", key=f"{key}-down", icon=":material/thumb_down:"):
        st.session_state[key] = -1
    rating = st.session_state.get(key)
    if rating is None:
        return
    st.caption("Ihre Bewertung: " + ("hilfreich" if rating == 1 else "nicht hilfreich"))
    comment = st.text_input("Kommentar (optional)", key=f"{key}-comment", max_chars=1000)
    if st.button("Rückmeldung senden", key=f"{key}-send"):
        answer = Answer.model_validate(message["answer"])
        get_service().record_feedback(message["question"], answer, rating, comment)
        message["feedback_saved"] = True
        st.rerun()


# The verdict is said in words first; colour and icon (from Streamlit's bundled icon font, not an emoji
# font the machine may lack) only repeat it.
VERDICTS = {
    "supported": ("Bestätigt", "success", ":material/check_circle:"),
    "contradicted": ("Widersprochen", "error", ":material/cancel:"),
    "not_found": ("Nicht in den Dokumenten gefunden", "warning", ":material/search_off:"),
}


def factcheck_page(service: AssistantService) -> None:
    """Ministry staff paste a sentence; the verdict comes first, then the differing details and sources.
    The statement is kept in the session, so switching to the chat and back does not lose it."""
    st.subheader("Faktencheck", anchor=False)
    st.markdown("Prüft eine Aussage gegen die offiziellen Dokumente. Im Zweifel lautet das Urteil nie „bestätigt“.")
    st.markdown("**Beispielaussagen**")
    for i, example in enumerate(STATEMENT_EXAMPLES):
        if st.button(example, key=f"statement-example-{i}"):
            st.session_state.statement = example
            st.session_state.check_now = True
    statement = st.text_area(
        "Aussage", key="statement", max_chars=1000, placeholder="z. B. Bis 2028 fehlen in Hessen 300.000 Fachkräfte."
    )
    submitted = st.button("Prüfen", type="primary") or st.session_state.pop("check_now", False)
    if not submitted or not statement.strip():
        return
    try:
        result = service.check(statement)
    except AssistantError as exc:
        st.error(md_escape(str(exc)))
        return
    label, kind, icon = VERDICTS[result.verdict]
    getattr(st, kind)(f"**Urteil: {label}** – {md_escape(result.explanation)}", icon=icon)
    st.html(announce_script(f"Urteil: {label}. {result.explanation}"), unsafe_allow_javascript=True)
    if result.differences:
        st.markdown("**Abweichungen**")
        st.table(
            [{"In der Aussage": d.statement, "In der Quelle": d.source} for d in result.differences],
        )
    for c in result.citations:
        with st.expander(f"[{c.n}] {md_escape(c.title)}", expanded=True):
            source_details(c)


def sidebar(service: AssistantService) -> None:
    with st.sidebar:
        if st.button("Neues Gespräch", use_container_width=True, type="primary", icon=":material/refresh:"):
            st.session_state.messages = []
            st.rerun()
        st.subheader("Dokumente", anchor=False)
        for doc in service.sources():
            link = safe_link(doc.get("source", ""))
            title = md_escape(doc["title"])
            st.markdown(f"**{title}**" + (f"  \n[Quelle öffnen (neues Fenster)]({link})" if link else ""))
            st.caption(doc_caption(doc.get("publisher", ""), doc.get("date", "")))


def start_screen() -> str | None:
    """The first screen of the chat (also on phones, where the sidebar is hidden): a greeting, what the
    assistant can and cannot do, and three example questions as buttons. Returns a chosen example."""
    chosen = None
    with st.chat_message("assistant", avatar=":material/support_agent:"):
        st.markdown(f"**{GREETING}**")
        st.markdown(ABILITIES)
        st.markdown("Beispielfragen:")
        for i, example in enumerate(EXAMPLES):
            if st.button(example, key=f"example-{i}"):
                chosen = example
    return chosen


def main() -> None:
    """The public chat and Faktencheck; the staff pages (ui/staff.py) have their own addresses
    (/verwaltung, /luecken) and a login, and are linked from the sidebar."""
    embed = bool(st.context.is_embedded)  # ?embed=true: Streamlit hides its own chrome, we drop the title
    st.set_page_config(
        page_title="Fachkräfte-Assistent Hessen",
        page_icon=":material/chat:",
        initial_sidebar_state="collapsed" if embed else "auto",
        menu_items={},
    )
    st.html(SHIM, unsafe_allow_javascript=True)
    from ui import staff

    pages = [
        st.Page(chat_page, title="Fachkräfte-Assistent Hessen", icon=":material/chat:", default=True),
        st.Page(staff.gaps_page, title="Lücken", icon=":material/help:", url_path="luecken"),
        st.Page(staff.admin_page, title="Verwaltung", icon=":material/settings:", url_path="verwaltung"),
    ]
    staff.PAGES.update(chat=pages[0], gaps=pages[1], admin=pages[2])  # for the staff pages' links
    st.navigation(pages, position="hidden").run()


def chat_page() -> None:
    embed = bool(st.context.is_embedded)
    if not embed:
        st.title("Fachkräfte-Assistent Hessen", anchor=False)
        st.markdown("Antworten ausschließlich aus offiziellen Dokumenten – jede Aussage mit Quelle.")
    if "messages" not in st.session_state:
        st.session_state.messages = []
    # Widget values survive switching modes (Streamlit drops the state of widgets not drawn in a run).
    for key, default in (("mode", MODES[0]), ("statement", "")):
        st.session_state[key] = st.session_state.get(key, default)
    service = get_service()
    sidebar(service)
    st.segmented_control("Modus", MODES, key="mode", selection_mode="single")
    if st.session_state.get("mode") == "Faktencheck":
        factcheck_page(service)
        return

    example = start_screen() if not st.session_state.messages else None
    for index, message in enumerate(st.session_state.messages):
        avatar = ":material/support_agent:" if message["role"] == "assistant" else ":material/person:"
        with st.chat_message(message["role"], avatar=avatar):
            if message["role"] == "assistant":
                show_answer(Answer.model_validate(message["answer"]), str(index))
                feedback_widget(index, message)
            else:
                st.markdown(md_escape(message["content"]))
    announce = st.session_state.pop("announce", None)
    if announce:
        st.html(announce_script(announce), unsafe_allow_javascript=True)

    question = st.chat_input("Ihre Frage zur Fachkräftesicherung …", max_chars=1000) or example
    if not question:
        return
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(md_escape(question))
    history = [Turn(role=m["role"], content=m["content"]) for m in st.session_state.messages]
    with st.chat_message("assistant", avatar=":material/support_agent:"):
        answer = stream_answer(service, question, history)
    st.session_state.messages.append({"role": "user", "content": question})
    st.session_state.messages.append(
        {"role": "assistant", "content": answer.answer, "answer": answer.model_dump(), "question": question}
    )
    st.session_state.announce = "Antwort: " + answer.answer
    st.rerun()


main()
