"""The one service object of a Streamlit server process (model and store loaded once, shared by all pages)."""

from __future__ import annotations

import streamlit as st

from assistant.chain import AssistantService
from assistant.settings import Settings


@st.cache_resource(show_spinner="Modell und Dokumente werden geladen …")
def get_service() -> AssistantService:
    service = AssistantService(Settings())
    service.warm_up()
    return service
