"""The Streamlit page, run headless by Streamlit's own AppTest against the real service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _started_app() -> Any:
    """The chat page, run once by Streamlit's AppTest (the store comes from ASSISTANT_STORE_DIR)."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PROJECT_ROOT / "ui" / "app.py"), default_timeout=120)
    app.run()
    return app


def test_chat_page_answers_with_a_citation(seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = _started_app()
    assert app.title[0].value == "Fachkräfte-Assistent Hessen"
    app.chat_input[0].set_value("Wann wurde das Neue Bündnis Fachkräftesicherung gegründet?").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown).replace("\\", "")  # Markdown escapes
    assert "22. September 2020" in text
    assert "[[1]](#quelle-1-1)" in text  # „[1]" links to its source (ui/static/a11y.js opens and focuses it)
    assert app.expander and app.expander[0].label.startswith("[1]")


def test_refusal_is_shown_as_an_info_box(seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = _started_app()
    app.chat_input[0].set_value("Wie lautet die Telefonnummer des WELCOMECENTERs?").run()
    assert not app.exception
    assert app.info and "Dokumenten" in app.info[0].value


def test_factcheck_mode_shows_the_verdict_and_the_differences(
    seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = _started_app()
    app.button_group[0].set_value("Faktencheck").run()  # the mode switch is on the page (phones too)
    app.text_area[0].set_value("Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte.")
    next(b for b in app.button if b.label == "Prüfen").click().run()
    assert not app.exception
    assert app.error and "Widersprochen" in app.error[0].value
    table = app.table[0].value
    assert list(table.iloc[0]) == ["300.000", "200.000"]


def test_factcheck_example_is_checked_and_the_statement_survives_switching_modes(
    seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = _started_app()
    app.button_group[0].set_value("Faktencheck").run()
    example = next(b for b in app.button if b.key == "statement-example-0")
    example.click().run()
    assert not app.exception
    assert app.text_area[0].value == example.label
    assert app.success or app.error or app.warning  # the example was checked at once
    app.text_area[0].set_value("Meine eigene Aussage zum Bündnis.").run()
    app.button_group[0].set_value("Fragen").run()
    assert not app.text_area  # chat mode
    app.button_group[0].set_value("Faktencheck").run()
    assert app.text_area[0].value == "Meine eigene Aussage zum Bündnis."


def test_start_screen_offers_examples_and_an_example_is_answered(
    seeded_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_STORE_DIR", str(seeded_store_dir))
    app = _started_app()
    examples = [b for b in app.button if str(b.key).startswith("example-")]
    assert len(examples) == 3
    for example in examples:  # every example the page offers is answered, with a source
        app = _started_app()
        next(b for b in app.button if b.key == example.key).click().run()
        assert not app.exception
        assert app.expander and not app.info, example.label


def test_announcement_cannot_break_out_of_its_script() -> None:
    from ui.a11y import announce_script

    script = announce_script('Antwort </script><img src=x onerror="alert(1)"> & mehr')
    literal = script[script.index("__fkaAnnounce(") + len("__fkaAnnounce(") : script.rindex(");</script>")]
    assert script.count("</script>") == 1 and not set("<>&") & set(literal)
    assert json.loads(literal) == 'Antwort </script><img src=x onerror="alert(1)"> & mehr'  # read back intact


def test_feedback_is_stored_durably(tmp_path: Path) -> None:
    from assistant.chain import AssistantService
    from assistant.models import Answer, Citation
    from assistant.settings import Settings

    settings = Settings(feedback_db=tmp_path / "fb.sqlite", store_dir=tmp_path / "store")
    answer = Answer(
        answer="Antwort [1]",
        answered=True,
        citations=[Citation(n=1, doc_id="000", title="T", source="https://x.de", quote="Zitat")],
    )
    AssistantService(settings).record_feedback("Frage?", answer, -1, "falsch")
    from assistant.feedback import FeedbackStore

    rows = FeedbackStore(tmp_path / "fb.sqlite").all()  # a new connection: it is on disk
    assert len(rows) == 1 and rows[0]["rating"] == -1 and rows[0]["comment"] == "falsch"
    assert rows[0]["question"] == "Frage?" and "Zitat" in str(rows[0]["citations"])


def test_document_markup_is_escaped_before_markdown_rendering() -> None:
    from ui.render import md_escape, safe_link

    assert md_escape("[klick](javascript:alert(1)) ![x](http://evil/x.png) <b>") == (
        "\\[klick\\]\\(javascript:alert\\(1\\)\\) \\!\\[x\\]\\(http://evil/x.png\\) \\<b\\>"
    )
    assert md_escape("22. September") == "22\\. September"
    assert safe_link("javascript:alert(1)") == ""
    assert safe_link("https://soziales.hessen.de/a") == "https://soziales.hessen.de/a"
