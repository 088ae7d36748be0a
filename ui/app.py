"""Streamlit chat page: a German chat with numbered, expandable citations.

The page only talks to the ``assistant`` service layer; the service (model,
store) is created once per server process via ``st.cache_resource``.
"""

from __future__ import annotations

import streamlit as st

from assistant.chain import AssistantService
from assistant.errors import AssistantError
from assistant.models import Answer, Turn
from assistant.settings import Settings


@st.cache_resource(show_spinner="Modell und Dokumente werden geladen …")
def get_service() -> AssistantService:
    service = AssistantService(Settings())
    service.warm_up()
    return service


def show_answer(answer: Answer) -> None:
    if not answer.answered:
        st.info(answer.answer, icon="ℹ️")
        return
    st.markdown(answer.answer)
    for c in answer.citations:
        with st.expander(f"[{c.n}] {c.title}"):
            st.markdown(f"> {c.quote}")
            if c.source:
                st.markdown(f"Quelle: [{c.source}]({c.source})")
            st.caption(f"Dokument {c.doc_id}" + (f" · {c.date}" if c.date else ""))


def main() -> None:
    st.set_page_config(page_title="Fachkräfte-Assistent Hessen", page_icon="💬")
    st.title("Fachkräfte-Assistent Hessen")
    st.caption("Antworten ausschließlich aus offiziellen Dokumenten – mit Quellenangaben.")
    if "messages" not in st.session_state:
        st.session_state.messages = []
    for message in st.session_state.messages:
        with st.chat_message(message["role"]):
            if message["role"] == "assistant":
                show_answer(Answer.model_validate(message["answer"]))
            else:
                st.markdown(message["content"])

    question = st.chat_input("Ihre Frage zur Fachkräftesicherung in Hessen …")
    if not question:
        return
    with st.chat_message("user"):
        st.markdown(question)
    history = [Turn(role=m["role"], content=m["content"]) for m in st.session_state.messages]
    with st.chat_message("assistant"):
        try:
            answer = get_service().ask(question, history)
        except AssistantError as exc:
            answer = Answer(answer=str(exc), answered=False, reason="error")
        show_answer(answer)
    st.session_state.messages.append({"role": "user", "content": question})
    st.session_state.messages.append({"role": "assistant", "content": answer.answer, "answer": answer.model_dump()})


main()
