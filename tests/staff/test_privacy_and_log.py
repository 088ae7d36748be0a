"""Question log and feedback: personal data masked, retention, switch-off; the gaps report groups by meaning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from assistant.models import Answer, Citation
from assistant.settings import Settings
from assistant.staff.db import engine, question_log
from assistant.staff.privacy import mask_personal
from assistant.staff.questionlog import QuestionLog


def test_personal_data_is_masked_and_the_figures_of_the_documents_are_kept() -> None:
    text = (
        "Ich bin unter max.muster@example.de oder 0611 / 817-0 bzw. +49 69 1234567 erreichbar, "
        "Musterstraße 12a, IBAN DE89 3704 0044 0532 0130 00. Fehlen 200.000 Fachkräfte bis 2028 (28.06.2024)?"
    )
    masked = mask_personal(text)
    for personal in ("max.muster@example.de", "817-0", "1234567", "Musterstraße 12", "DE89"):
        assert personal not in masked
    assert masked.count("[Telefonnummer]") == 2 and "[E-Mail]" in masked and "[IBAN]" in masked
    assert "200.000" in masked and "2028" in masked and "28.06.2024" in masked


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(feedback_db=tmp_path / "staff.sqlite", store_dir=tmp_path / "store", **extra)  # type: ignore[arg-type]


REFUSED = Answer(answer="Dazu steht nichts.", answered=False, reason="not_found")


def test_question_log_masks_keeps_no_answer_text_and_deletes_old_entries(tmp_path: Path) -> None:
    settings = _settings(tmp_path, question_log_retention_days=90)
    log = QuestionLog(settings)
    old = (datetime.now(UTC) - timedelta(days=91)).isoformat(timespec="seconds")
    with engine(settings.staff_db()).begin() as db:
        db.execute(insert(question_log).values(created_at=old, channel="ui", question="alt", answered=0))
    answered = Answer(
        answer="Antwort [1]", answered=True, citations=[Citation(n=1, doc_id="000", title="T", source="", quote="Q")]
    )
    log.record("widget", "Rufen Sie mich an: 0171 2345678. Wie viele Fachkräfte fehlen?", answered)
    log.record("ui", "Gibt es Förderung für Pflegekräfte?", REFUSED)
    entries = log.entries()
    assert [e["question"] for e in entries] == [
        "Gibt es Förderung für Pflegekräfte?",
        "Rufen Sie mich an: [Telefonnummer]. Wie viele Fachkräfte fehlen?",
    ]  # the 91-day-old entry is gone
    assert entries[1]["channel"] == "widget" and entries[1]["doc_ids"] == "000" and entries[1]["answered"] == 1
    assert entries[0]["reason"] == "not_found" and "answer" not in entries[0]
    assert [e["channel"] for e in log.entries(channel="ui")] == ["ui"]


def test_question_log_can_be_switched_off(tmp_path: Path) -> None:
    settings = _settings(tmp_path, question_log=False)
    QuestionLog(settings).record("ui", "Frage", REFUSED)
    assert QuestionLog(settings).entries() == []


@pytest.mark.slow
def test_gaps_group_refused_questions_by_meaning(service, tmp_path: Path) -> None:
    from assistant.staff.gaps import gaps_csv, gaps_report

    rows = [
        {"question": q, "answered": 0, "channel": c}
        for q, c in [
            ("Wie hoch ist der Zuschuss für Arbeitgeber, die Geflüchtete einstellen?", "ui"),
            ("Welche Fördersumme bekommt ein Betrieb, der einen Geflüchteten einstellt?", "widget"),
            ("Gibt es Geld vom Land, wenn ich Geflüchtete beschäftige?", "api"),
            ("Wie lautet die Telefonnummer des WELCOMECENTERs?", "ui"),
            ("Unter welcher Nummer erreiche ich das WELCOMECENTER telefonisch?", "widget"),
            ("Wer gewinnt die nächste Landtagswahl?", "ui"),
        ]
    ]
    found = gaps_report(rows, service._retriever.query_vector)
    group_of = {q: i for i, g in enumerate(found) for q in g.questions}
    questions = [r["question"] for r in rows]
    subsidy, phone, election = questions[:3], questions[3:5], questions[5]
    assert group_of[subsidy[0]] == group_of[subsidy[1]]  # the same gap in other words
    assert group_of[phone[0]] == group_of[phone[1]] != group_of[subsidy[0]]
    assert found[group_of[election]].questions == [election]
    assert found[0].count >= 2 and found[0].answered == 0
    csv_text = gaps_csv(found)
    assert csv_text.splitlines()[0].startswith("Beispielfrage;Anzahl")


def test_csv_cells_never_start_a_formula() -> None:
    from assistant.staff.gaps import Gap, gaps_csv

    text = gaps_csv([Gap(representative='=HYPERLINK("http://x")', count=1, answered=0, channels={"ui": 1})])
    import csv
    import io

    cell = list(csv.reader(io.StringIO(text), delimiter=";"))[1][0]
    assert cell.startswith("'=")
