"""Typos in questions are corrected against the German dictionary; the documents' own terms are kept."""

from __future__ import annotations

from assistant.spelling import correct
from assistant.text import stem


def test_an_unknown_word_becomes_the_dictionary_word_one_edit_away() -> None:
    assert correct("Wann wurde das Bündnis gegrüdet?", known=lambda term: False) == "Wann wurde das Bündnis gegründet?"
    assert correct("Was ist die Erkentnis?", known=lambda term: False) == "Was ist die Erkenntnis?"  # case kept


def test_words_the_documents_or_the_dictionary_know_stay_as_typed() -> None:
    corpus = {stem("zukunftsgerecht"), stem("reginal")}
    question = "Wann beginnt die Veranstaltung Zukunftsgerecht und reginal?"
    assert correct(question, known=lambda term: term in corpus) == question
    assert correct("Was macht das WELCOMECENTER?", known=lambda term: False) == "Was macht das WELCOMECENTER?"
    assert correct("Wie viele Fachkräfte fehlen?", known=lambda term: False) == "Wie viele Fachkräfte fehlen?"


def test_a_typo_in_a_question_finds_the_answer(service) -> None:
    answer = service.ask("Wann wurde das Neue Bündnis Fachkräftesicherung gegrüdet?")
    assert answer.answered and "22. September 2020" in answer.answer
