"""Faktencheck over the real corpus: verdicts, differences, and never a wrong „supported"."""

from __future__ import annotations

import json

import pytest

from assistant.eval import read_cases, run_factcheck_eval
from assistant.factcheck import details
from tests.conftest import DATA, SHARED_EVAL

pytestmark = pytest.mark.slow


def _assert_all_correct(service, path) -> None:
    report = run_factcheck_eval(read_cases(path), service.check)
    assert report.wrong_supported == 0
    assert report.failures == [], json.dumps(report.failures, ensure_ascii=False, indent=1)


@pytest.mark.skipif(not (SHARED_EVAL / "factcheck-dev.jsonl").exists(), reason="../shared/eval not present")
def test_every_dev_statement_is_judged_correctly(service) -> None:
    _assert_all_correct(service, SHARED_EVAL / "factcheck-dev.jsonl")


def test_mismatches_partial_support_other_scopes_and_instructions(service) -> None:
    # numbers, dates, places, persons, partial support, other states/years, an instruction
    _assert_all_correct(service, DATA / "factcheck_like.jsonl")


@pytest.mark.parametrize(
    ("statement", "claimed", "source"),
    [
        ("Bis 2028 fehlen in Hessen rund 300.000 Fachkräfte.", "300.000", "200.000"),
        ("Das Bündnis wurde am 22. September 2019 gegründet.", "22. September 2019", "22. September 2020"),
        ("Die Veranstaltung am 28. Juni 2024 findet in Darmstadt statt.", "Darmstadt", "Frankfurt"),
        ("Die letzte Sitzung des Bündnisses leitete Heike Hofmann.", "Heike Hofmann", "Kai Klose"),
    ],
)  # fmt: skip
def test_contradiction_names_both_values_and_cites_the_passage(service, statement, claimed, source) -> None:
    result = service.check(statement)
    assert result.verdict == "contradicted"
    assert [(d.statement, d.source) for d in result.differences] == [(claimed, source)]
    assert claimed in result.explanation and source in result.explanation
    assert result.citations and source.split()[0] in result.citations[0].quote.replace("Fachkréafte", "")


def test_supported_verdict_cites_the_stating_sentence(service) -> None:
    result = service.check("Bis 2028 fehlen in Hessen rund 200.000 Fachkräfte.")
    assert result.verdict == "supported"
    assert result.citations[0].doc_id == "000" and "200.000" in result.citations[0].quote


def test_a_number_about_something_else_is_no_support(service) -> None:
    # „30" occurs in the documents, but as „30 Jahren", not as a count of districts
    assert service.check("Die Fachkräfteinitiative ist in 30 Kreisen aktiv.").verdict == "contradicted"
    assert service.check("Das Bündnis hat 30 Mitglieder.").verdict == "not_found"


def test_details_are_normalised() -> None:
    found = {(d.kind, d.value) for d in details("Am 28.06.2024 kamen rund 200 000 Gäste nach Frankfurt, bis 2030.")}
    assert {("date", "28.6.2024"), ("count", "200000"), ("city", "frankfurt"), ("scope_year", "2030")} <= found


def test_a_count_given_for_the_wrong_group_is_contradicted_naming_the_group(service) -> None:
    result = service.check("Bis 2028 werden in Hessen rund 135.000 Fachkräfte mit akademischem Abschluss fehlen.")
    assert result.verdict == "contradicted"
    assert "135.000" in result.explanation and "Berufsausbildung" in result.explanation


def test_the_opposite_of_the_declaration_is_never_supported(service) -> None:
    result = service.check(
        "Laut Erklärung ist Hessen künftig nicht auf die Gewinnung internationaler Fach- und Arbeitskräfte angewiesen."
    )
    assert result.verdict == "contradicted"


def test_another_weekday_than_the_dated_one_is_contradicted(service) -> None:
    result = service.check("Die Veranstaltung am 28. Juni 2024 ist an einem Donnerstag.")
    assert result.verdict == "contradicted" and "Freitag" in result.explanation


def test_a_detail_the_documents_do_not_state_is_never_supported(service) -> None:
    for statement in (
        "Wirtschaftsminister Kai Klose leitete die Abschlusssitzung des Bündnisses.",
        "Die Veranstaltung am 28. Juni 2024 findet ausschließlich online statt.",
        "Prognosen zufolge werden bundesweit bis 2028 ca. 200.000 Fachkräfte fehlen.",
    ):
        assert service.check(statement).verdict != "supported", statement


def test_generated_variants_of_supported_statements_are_never_supported(service) -> None:
    """Numbers changed, negations inserted, dates, weekdays and counted groups shifted
    (``benchmarks/factcheck.py --regenerate`` writes them from the blind bank)."""
    cases = [json.loads(line) for line in (DATA / "factcheck_generated.jsonl").read_text("utf-8").splitlines()]
    supported = [c["statement"] for c in cases if service.check(c["statement"]).verdict == "supported"]
    assert supported == []


@pytest.mark.parametrize(
    ("statement", "verdict"),
    [
        (
            "Laut Prognose werden in Hessen bis 2028 mehr Akademiker als Personen mit Berufsausbildung fehlen.",
            "contradicted",
        ),
        (
            "Laut Prognose fehlen in Hessen bis 2028 weniger Fachkräfte mit akademischem Abschluss"
            " als mit Berufsausbildung.",
            "supported",
        ),
    ],
)
def test_a_comparison_is_judged_by_the_figures_the_evidence_gives_for_both_sides(
    service, statement: str, verdict: str
) -> None:
    """„mehr X als Y": the document gives 135.000 with vocational training and 67.000 academics."""
    result = service.check(statement)
    assert result.verdict == verdict, result.explanation
    if verdict == "contradicted":
        assert "67.000" in result.explanation and "135.000" in result.explanation


def test_the_title_of_a_document_does_not_lend_its_subject_to_a_dated_sentence(service) -> None:
    """The press release is titled „Letzte Sitzung …"; the date in it is the founding date, not the meeting's."""
    result = service.check("Die letzte Sitzung des Neuen Bündnis Fachkräftesicherung fand am 22. September 2020 statt.")
    assert result.verdict != "supported", result.explanation
