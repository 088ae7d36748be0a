"""The answer selector's signals: synonyms from OpenThesaurus, English words translated by the Ding
dictionary, who a sentence names, and what a sentence leaves uncovered."""

from __future__ import annotations

import pytest

from assistant.answer import translations
from assistant.answer.features import ablations, coverage, question_terms, view
from assistant.answer.refusal import answer_types, has_type
from assistant.answer.thesaurus import Thesaurus, load
from assistant.claims import perfect_tense, person_names
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


def test_the_dictionary_reads_the_ding_format_into_english_to_german_stems() -> None:
    lines = [
        "# Version :: 1.9",
        "Einladung {f}; Einladungsschreiben {n} | Einladungen {pl} :: invitation; letter of invitation | invitations",
        "unterschreiben; unterzeichnen {vt} | unterschreibend :: to sign | signing",
        "Sitzung {f} [adm.] :: meeting; session",
    ]
    dictionary = translations.from_lines(lines)
    assert dictionary.synonyms(stem("invitation")) == {stem("einladung"), stem("einladungsschreiben")}
    assert dictionary.synonyms(stem("sign")) == {stem("unterschreiben"), stem("unterzeichnen")}  # „to " dropped
    assert dictionary.synonyms(stem("signing")) == {stem("unterschreibend")}  # parts pair up in order
    assert stem("sitzung") in dictionary.synonyms(stem("meeting"))  # annotations dropped
    assert dictionary.synonyms(stem("letter of invitation")) == frozenset()  # phrases are not terms


def test_an_english_question_word_is_covered_by_its_german_translation() -> None:
    dictionary = translations.from_lines(["Sitzung {f} :: meeting; session", "leiten {vt} :: to chair; to lead"])
    question = "Who chaired the last meeting?"
    sentence = [(1.0, "Die letzte Sitzung leitete Minister Kai Klose.")]
    plain = view(question, None, _Flat())
    translated = view(question, None, _Flat(), translations=dictionary)
    assert coverage(translated.terms, sentence, translated.synonyms)[0] > coverage(plain.terms, sentence)[0]


def test_the_installed_dictionary_translates_everyday_english() -> None:
    dictionary = translations.load(Settings().dictionary_path)
    assert len(dictionary) > 50_000, "trans-de-en fehlt: make install"
    assert stem("einlad") in dictionary.synonyms(stem("invitation"))
    assert stem("mangel") in dictionary.synonyms(stem("shortage"))


def test_who_questions_need_a_persons_name_not_a_capitalised_compound() -> None:
    who = [t for t in answer_types("Wer leitete die Sitzung?") if t.name == "person"][0]
    assert has_type("Die Sitzung leitete Sozialminister Kai Klose.", who)
    assert has_type("Heike Hofmann – Hessische Ministerin für Arbeit", who)
    assert person_names("Kai Klose und Heike Hofmann") == ["Kai Klose", "Heike Hofmann"]
    # compounds the dictionary lacks, a noun before a place, a function word before a noun: no names
    assert not has_type("Das „Neue Bündnis Fachkräftesicherung“ hat sich konstituiert.", who)
    assert not has_type("Campus Westend der Goethe-Universität Frankfurt am Main", who)
    assert not has_type("Das Land Hessen fördert Intensivklassen.", who)
    assert person_names("Im Jahr 1900 gründete Carl Benz die Firma.") == ["Carl Benz"]


def test_the_present_perfect_with_haben_reports_the_past() -> None:
    assert perfect_tense("Das Bündnis hat sich am 22. September 2020 konstituiert.")
    assert not perfect_tense("Hessen ist künftig auf ausländische Fachkräfte angewiesen.")
    assert not perfect_tense("Die nächste Sitzung findet im Herbst statt.")


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
