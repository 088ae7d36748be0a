"""The Streamlit page, run headless by Streamlit's own AppTest against the real service."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_chat_page_answers_with_a_citation(seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=120)
    app.run()
    assert app.title[0].value == "Fachkräfte-Assistent Hessen"
    app.chat_input[0].set_value("Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown).replace("\\", "")  # Markdown escapes
    assert "22. September 2020" in text and "[1]" in text
    assert app.expander and app.expander[0].label.startswith("[1]")


def test_refusal_is_shown_as_an_info_box(seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=120)
    app.run()
    app.chat_input[0].set_value("Wie lautet die Telefonnummer des WELCOMECENTERs?").run()
    assert not app.exception
    assert app.info and "Dokumenten" in app.info[0].value


def test_document_markup_is_escaped_before_markdown_rendering() -> None:
    from ui.render import md_escape, safe_link

    assert md_escape("[klick](javascript:alert(1)) ![x](http://evil/x.png) <b>") == (
        "\\[klick\\]\\(javascript:alert\\(1\\)\\) \\!\\[x\\]\\(http://evil/x.png\\) \\<b\\>"
    )
    assert md_escape("22. September") == "22\\. September"
    assert safe_link("javascript:alert(1)") == ""
    assert safe_link("https://soziales.hessen.de/a") == "https://soziales.hessen.de/a"
