"""The answer selector's signals: synonyms from OpenThesaurus and what a sentence leaves uncovered."""

from __future__ import annotations

import pytest

from assistant.answer.features import ablations, coverage, question_terms
from assistant.answer.thesaurus import Thesaurus, load
from assistant.settings import Settings
from assistant.text import stem


class _Flat:
    def idf(self, term: str) -> float:
        return 1.0

    def knows(self, term: str) -> bool:
        return True


def test_thesaurus_reads_the_openthesaurus_text_format() -> None:
    lines = [
        "# OpenThesaurus - German Thesaurus in text format",
        "Kongress;Tagung;Konferenz;Symposium (wiss.);Meeting",
        "Berufslehre;berufliche Bildung;Lehre;Berufsausbildung",
        "Lehre;Lehrmeinung;Glaubenssatz;Dogma",
        "einzig;",
    ]
    thesaurus = Thesaurus.from_lines(lines)
    assert {stem("konferenz"), stem("symposium"), stem("meeting")} <= thesaurus.synonyms(stem("tagung"))
    lehre = thesaurus.synonyms(stem("lehre"))
    assert stem("berufsausbildung") in lehre and stem("dogma") in lehre  # every sense of a word
    assert not any(" " in s for s in lehre)  # multi-word expressions are phrases, not terms
    assert stem("lehre") not in lehre
    assert thesaurus.synonyms(stem("einzig")) == frozenset()  # a set of one is no synonym


def test_the_installed_thesaurus_links_everyday_words_to_document_words() -> None:
    thesaurus = load(Settings().thesaurus_path)
    assert len(thesaurus) > 10_000, "openthesaurus-de-text fehlt: make install"
    assert stem("konferenz") in thesaurus.synonyms(stem("tagung"))
    assert stem("universitat") in thesaurus.synonyms(stem("uni"))


def test_a_synonym_in_the_sentence_counts_as_covering_the_question_word() -> None:
    terms = question_terms("Wann beginnt die Tagung?", _Flat())
    sentence = [(1.0, "Die Konferenz beginnt um 10 Uhr.")]
    without, _ = coverage(terms, sentence)
    with_synonyms, matched = coverage(terms, sentence, {stem("tagung"): frozenset({stem("konferenz")})})
    assert with_synonyms > without
    assert stem("tagung") in matched


def test_ablations_leave_out_the_rarest_content_words_one_at_a_time() -> None:
    class Rare(_Flat):
        def idf(self, term: str) -> float:
            return {stem("backer"): 5.0, stem("hessen"): 0.5}.get(term, 1.0)

    variants = ablations("Wie viele Bäcker fehlen in Hessen bis 2028?", Rare(), limit=2)
    assert variants[0] == "Wie viele fehlen in Hessen bis 2028?"  # the rarest word first
    assert len(variants) == 2
    assert all("Wie viele" in v for v in variants)  # question words stay: they carry the answer type


@pytest.mark.slow
def test_a_word_the_sentence_does_not_speak_of_shows_as_uncovered(service) -> None:
    """Leaving out „Bäcker" or „Darmstadt" brings the question closer to the Hessen-wide forecast; leaving
    out a word of „Menschen mit Studium" (said there as „mit akademischem Abschluss") does not."""
    service._build()
    answerer, retriever = service._answerer, service._retriever

    def uncovered(question: str) -> float:
        docs = retriever.search(question, 6, sentence_hits=3)
        _q, ranked = answerer.rank_candidates(question, docs, question)
        return next(c.features["uncovered"] for c in ranked if "200.000" in c.clean)

    asked = uncovered("Wie viele Fachkräfte fehlen in Hessen bis 2028?")
    assert uncovered("Wie viele Bäcker fehlen in Hessen bis 2028?") > uncovered(
        "Wie viele Menschen mit Studium fehlen in Hessen bis 2028?"
    )
    assert uncovered("Wie viele Fachkräfte fehlen in Darmstadt bis 2028?") > asked
    assert asked < 0  # every word of it is said there: each one left out moves the question away


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Wie viele Bäcker fehlen in Hessen bis 2028?",  # a counted group the documents do not count
        "Welche Landkreise in Hessen sind vom Fachkräftemangel nicht betroffen?",  # the complement, not stated
    ],
)
def test_a_near_miss_is_refused_although_the_words_overlap(service, question: str) -> None:
    answer = service.ask(question)
    assert not answer.answered
    assert "200.000" not in answer.answer or answer.reason == "broader_fact"


def test_a_negated_question_marks_sentences_that_negate_nothing() -> None:
    from assistant.answer.features import NEGATION
    from assistant.text import fold

    assert NEGATION.search(fold("Welche Regionen sind nicht betroffen?"))
    assert NEGATION.search(fold("Gibt es keine Anmeldefrist?"))
    assert not NEGATION.search(fold("Die meisten Regionen in Hessen müssen sich auseinandersetzen."))
