import pytest

from ingest.clean import layout_blocks, looks_like_ocr, repair_ocr, repair_word


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("Biindnis", "Bündnis"),
        ("Mallnahmen", "Maßnahmen"),
        ("Maflinahmen", "Maßnahmen"),
        ("heil3t", "heißt"),
        ("Fachkraftesicherung", "Fachkräftesicherung"),
        ("Fachkrafteoffensive", "Fachkräfteoffensive"),
        ("kdbnnen", "können"),
        ("flr", "für"),
        ("Kanéalen", "Kanälen"),
        ("unterstitzt", "unterstützt"),
    ],
)
def test_ocr_damage_is_repaired_when_the_dictionary_confirms_it(damaged: str, repaired: str) -> None:
    assert repair_word(damaged) == repaired


@pytest.mark.parametrize("word", ["Klose", "WELCOMECENTER", "MINT", "HMSI", "Westend", "Bündnis", "Hessen"])
def test_names_acronyms_and_correct_words_stay_unchanged(word: str) -> None:
    assert repair_word(word) == word


def test_ocr_quote_marks_become_german_quotes() -> None:
    assert repair_ocr("das Förderinstrument ,Sozialwirtschaft integriert® sowie") == (
        "das Förderinstrument „Sozialwirtschaft integriert“ sowie"
    )


def test_ocr_detection_separates_scans_from_clean_text() -> None:
    assert looks_like_ocr("Neues Biindnis Fachkréaftesicherung mit Mallnahmen, heil3t es")
    assert not looks_like_ocr("Das Neue Bündnis Fachkräftesicherung hat sich konstituiert.")


def test_layout_rejoins_paragraphs_broken_mid_sentence_and_dehyphenates() -> None:
    raw = (
        "Die Akteure machen deutlich, dass die neue Landesregierung die Aufgabe weiter bearbeiten muss und kein "
        "Ausruhen auf dem\n\nin dieser Zeit Erreichten folgen darf.\n\nHinter-\ngrund"
    )
    blocks = layout_blocks(raw)
    assert blocks[0].text.endswith("kein Ausruhen auf dem in dieser Zeit Erreichten folgen darf.")
    assert blocks[1].kind == "heading" and blocks[1].text == "Hintergrund"
