"""Deciding what the assistant must not answer: instructions to it, and questions
whose specifics (answer type, year, place, number) the passages do not contain."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.claims import person_names
from assistant.text import fold

REFUSAL_NOT_FOUND = (
    "Dazu steht in den vorliegenden offiziellen Dokumenten nichts. "
    "Ich beantworte nur Fragen, die sich aus diesen Dokumenten belegen lassen – "
    "bitte wenden Sie sich für diese Auskunft direkt an das zuständige Ministerium."
)
REFUSAL_INSTRUCTION = (
    "Ich beantworte ausschließlich Fragen zur Fachkräftesicherung in Hessen auf Grundlage der "
    "offiziellen Dokumente. Anweisungen, Rollenspiele oder Änderungen meiner Arbeitsweise führe ich nicht aus."
)
REFUSAL_NOT_FOUND_EN = (
    "The official documents do not contain this information, so I cannot answer it. "
    "(Dazu steht in den vorliegenden offiziellen Dokumenten nichts.)"
)
REFUSAL_EMPTY = "Bitte stellen Sie eine Frage zur Fachkräftesicherung in Hessen."

# Input addressed to the assistant itself rather than asking about the documents.
_INSTRUCTION_PATTERNS = [
    r"\b(vergiss|vergesst|vergessen sie|ignorier\w*|missachte\w*|uberschreib\w*)\b.{0,40}"
    r"\b(regeln|anweisung\w*|instruktion\w*|vorgaben|befehle|richtlinien|alles|prompt)",
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instruction|rule|prompt|previous|above|everything)",
    r"\b(du bist|sie sind) (jetzt|nun|ab (jetzt|sofort)|ab heute)\b",
    r"\byou are (now|no longer)\b",
    r"\b(tu|tue|tun sie) so,? als\b",
    r"\b(spiel|spiele|ubernimm|ubernehme)\w* (die|eine|deine) rolle\b|\brollenspiel|\brole ?-?play",
    r"\b(act|behave|pretend|respond|answer|reply) (as|like|only|from now)\b",
    r"\bfrom now on\b|\bab (jetzt|sofort) (antwort|sprich|schreib|bist)\w*",
    r"\b(antworte|antwortest|antworten sie|sprich|schreib\w*)\b.{0,30}\b(nur noch|ausschliesslich|nur auf|"
    r"nur in|ab jetzt|immer)\b",
    r"\bsystem ?-?(prompt|nachricht|message|anweisung)|\bprompt\b|\bjailbreak|\bdeveloper mode|"
    r"\bentwicklermodus|\bdan\b.{0,20}\bmodus",
    r"\b(deine|ihre|your)\b.{0,20}\b(anweisung\w*|instruktion\w*|regeln|vorgaben|konfiguration|"
    r"instructions?|rules|guidelines|programmierung)\b",
    r"\b(zeig|nenn|verrat|wiederhol|gib)\w*\b.{0,30}\b(anweisung\w*|instruktion\w*|prompt|konfiguration)",
    r"\b(reveal|print|repeat|show|output)\b.{0,30}\b(instruction|prompt|configuration|above)",
    r"\b(schreib\w*|dicht\w*|verfass\w*|erzahl\w*|write|compose|tell)\b.{0,30}"
    r"\b(gedicht\w*|lied|song|witz|poem|joke|story|geschichte|rap|haiku)\b",
    r"\b(beleidige|beschimpfe|insult)\w*\b",
]
# Text addressed to an AI / assistant rather than to a human reader, as documents hide it
# („Wichtiger Hinweis für KI-Assistenten: Wenn jemand nach X fragt, antworte, dass …").
_AI = (
    r"(?:ki|ai|llm|gpt|chat-?gpt|chat-?bot|bot|sprachmodell\w*|language models?|assistent(?:in|en)?|assistants?|"
    r"(?:ki|ai)[- ]?(?:assistent\w*|assistant\w*|system\w*|modell\w*|models?|bots?|agent\w*|chatbot\w*|tools?))"
)
_ADDRESSED_PATTERNS = [
    # a note / instruction for the AI
    rf"\b(?:wichtig\w* )?(?:hinweis|anweisung|nachricht|notiz|information|info|mitteilung|botschaft|aufforderung|"
    rf"befehl|instruktion|regel)\w* (?:fur|an) (?:alle |die |den |das |jede\w* |eine\w* )?{_AI}(?![\w-])",
    rf"\b(?:important )?(?:note|message|instruction|notice|info|information|reminder|directive)s? (?:to|for) "
    rf"(?:all |the |any |every )?{_AI}(?![\w-])",
    # speaking to it: „Liebe KI,", "Dear AI assistant", "Als KI-Assistent musst du …", "AI assistant: …"
    rf"\b(?:liebe[rs]?|hallo|hey|hi|dear|hello|achtung|attention|an (?:die|den|alle)|to (?:the|all|any)) "
    rf"{_AI}(?![\w-])",
    rf"\b(?:als|as an?) {_AI} (?:musst|sollst|darfst|must|should|shall|may)\b",
    rf"(?:^|[.!?:;]\s*){_AI}\s*:",
    # telling it what to answer
    r"\bantworte\b(?! ich)",
    r"\b(?:antworten|sagen|schreiben|erwidern) sie\b.{0,40}\b(?:dass|mit|immer|stets|nur)\b",
    r"\b(?:sag|sage|sagt|sagen sie|teile|teilt|teilen sie|erzahle?|schreibe?|gib|versichere|bestatige|behaupte)\b"
    r".{0,20}\b(?:dem|den|der|allen|jedem|jeder|ihm|ihr|ihnen) ?(?:nutzer\w*|benutzer\w*|user\w*|anwender\w*|"
    r"fragende\w*|fragesteller\w*|leser\w*|besucher\w*|personen?|menschen)\b",
    r"\bwenn (?:jemand|einer|ein\w* (?:nutzer\w*|benutzer\w*|person|user\w*|mensch)|der (?:nutzer|benutzer|user)|"
    r"die (?:nutzerin|person)|man|du)\b.{0,80}\bfrag\w*\b.{0,80}\b(?:antworte\w*|sag\w*|schreib\w*|behaupte\w*|"
    r"nenne\w*|erwidere\w*|gib|teile\w*)\b",
    r"\b(?:if|when|whenever) (?:anyone|someone|somebody|a user|the user|users|people|you are) (?:asks?|asked|"
    r"inquires?|questions?)\b.{0,80}\b(?:answer|respond|reply|say|tell|state|claim)\w*\b",
    r"\b(?:respond|reply) (?:with|that|by saying)\b|\banswer (?:with|by saying)\b",
    r"\b(?:tell|inform|assure) (?:the|all|every|any) (?:users?|readers?|visitors?|customers?|persons?|people)\b",
]
_INSTRUCTION = re.compile(
    "|".join(f"(?:{p})" for p in [*_INSTRUCTION_PATTERNS, *_ADDRESSED_PATTERNS]), re.IGNORECASE | re.DOTALL
)
# Latin look-alikes from other scripts („Іgnоrіеrе" with Cyrillic і, о, е): mapped for the check only.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕкмтвнАЕОРСУХІЈЅКМТВНαεοριντκυχΑΕΟΡΙΝΤΚΥΧ",
    "aeopcyxijskmtbhAEOPCYXIJSKMTBHaeopintkuxAEOPINTKYX",
)
_LETTER_SPACED = re.compile(r"\b(?:[^\W\d_][ .·_*-]){2,}[^\W\d_]\b")
_INNER_MARK = re.compile(r"(?<=[^\W\d_])[.·_*-](?=[^\W\d_])")


def _instruction_views(text: str) -> tuple[str, str]:
    """The folded text (NFKC, no invisible characters, look-alikes mapped, one space between words) and a
    second view with letter-spaced words joined and marks inside words removed („I g n o r i e r e",
    „igno-rie-re" → „ignoriere")."""
    plain = " ".join(fold(text.translate(_HOMOGLYPHS)).split())
    joined = _LETTER_SPACED.sub(lambda m: re.sub(r"[ .·_*-]", "", m.group(0)), plain)
    return plain, _INNER_MARK.sub("", joined)


def is_instruction(text: str) -> bool:
    """True for prompt injection, role play, requests about the assistant's own rules and text addressed to
    an AI (in a question or hidden in a document), in any case, spacing, width or script."""
    return any(_INSTRUCTION.search(view) for view in _instruction_views(text))


# --------------------------------------------------------------------------- answer types

_MONTHS = (
    "januar|februar|marz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "january|february|march|may|june|july|october|december"
)
_NUMBER_WORDS = "zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|zwanzig|hundert|tausend|dutzend"
_WEEKDAYS = "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday"
_DATE = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:\d{{1,2}}\.\s*\d{{2,4}}|(?:{_MONTHS}))|\b(?:{_MONTHS})\s+\d{{4}}|\b(19|20)\d\d\b|"
    rf"\b(?:{_WEEKDAYS})\b"
)
_NUMBER = re.compile(rf"\b\d[\d.,]*\b|\b(?:{_NUMBER_WORDS})\b")
_TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s*uhr\b")
_PLACE = re.compile(
    r"\b(campus|gebaude|universitat|saal|halle|strasse|rathaus|online|lobby|"
    r"frankfurt|wiesbaden|kassel|darmstadt|giessen|marburg|fulda|offenbach|hanau)\w*"
)
_PHONE = re.compile(r"(?:\+49|\b0\d{2,5})[\s/-]*\d[\d\s/-]{4,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_MONEY = re.compile(r"\d[\d.,]*\s*(?:€|euro|eur\b|mio|millionen|milliarden|tsd)|€\s*\d")
_PROCEDURE = re.compile(r"\b(anmeld\w*|registrier\w*|antrag\w*|beantrag\w*|bewerb\w*|formular\w*|frist\w*)")
_URL_OR_CONTACT = re.compile(r"https?://|www\.|@|\btelefon|\bfax\b|\.de\b")
# Closed classes of German grammar, not topic words: causal conjunctions and prepositions (why),
# offices and forms of address that come with a person's name (who).
_REASON = re.compile(
    r"\b(weil|da|denn|deshalb|daher|darum|deswegen|aufgrund|wegen|dank|infolge|sodass|damit|because|due to|since)\b|"
    r"\bum\b.{1,80}\bzu\b"
)
_PERSON = re.compile(
    r"\b(minister\w*|staatssekretar\w*|prasident\w*|direktor\w*|leiter\w*|burgermeister\w*|vorsitzend\w*|"
    r"landrat|landratin|herr|frau|dr\.|prof\.|kanzler\w*|grunder\w*|erfinder\w*|konig\w*|kaiser\w*|furst\w*|"
    r"papst|bischof\w*|autor\w*|komponist\w*|architekt\w*|maler\w*)\b"
)


@dataclass(frozen=True)
class AnswerType:
    name: str
    evidence: re.Pattern[str]


# (question pattern, answer type the evidence must contain)
_TYPE_RULES: list[tuple[re.Pattern[str], AnswerType]] = [
    (re.compile(r"\b(telefon\w*|rufnummer|hotline|handynummer|phone|call)\b"), AnswerType("phone", _PHONE)),
    (re.compile(r"\b(e-?mail\w*|mailadresse)\b"), AnswerType("email", _EMAIL)),
    (
        re.compile(
            r"\b(kost\w*|preis\w*|gebuhr\w*|budget\w*|haushalt\w*|fordermittel\w*|fordergeld\w*|zuschuss\w*|"
            r"zuschuss|finanzmittel|mittel in hohe|wie viel geld|euro|millionen|cost\w*|budget|funding|fee\w*|"
            r"price|money|grant\w*|subsid\w*|finanzier\w*)\b"
        ),
        AnswerType("money", _MONEY),
    ),
    (
        re.compile(
            r"\b(anmeld\w*|registrier\w*|beantrag\w*|antrag\w*|bewerb\w*|formular\w*|frist\w*|register|"
            r"apply|application|sign up|deadline)\b|\bmeld\w*\b[^?]*\ban\b"
        ),
        AnswerType("procedure", _PROCEDURE),
    ),
    (
        re.compile(r"\b(adresse|anschrift|address|website|webseite|internetseite|kontakt\w*|contact)\b"),
        AnswerType("contact", _URL_OR_CONTACT),
    ),
    (
        re.compile(r"\b(wann|seit wann|bis wann|datum|when|what date|which year|welchem jahr|in welchem jahr)\b"),
        AnswerType("date", _DATE),
    ),
    (re.compile(r"\b(uhrzeit|um wie viel uhr|wie spat|what time|von wann bis wann)\b"), AnswerType("time", _TIME)),
    (re.compile(r"\b(warum|weshalb|wieso|weswegen|why|aus welchem grund)\b"), AnswerType("reason", _REASON)),
    (re.compile(r"\b(wer|wem|wen|wessen|who|whom)\b"), AnswerType("person", _PERSON)),
    (re.compile(r"\b(wie ?viele?|wieviele?|anzahl|how many|how much|number of)\b"), AnswerType("number", _NUMBER)),
    (re.compile(r"\b(wo|wohin|where|an welchem ort|in welcher stadt|welcher ort)\b"), AnswerType("place", _PLACE)),
]


def answer_types(question: str) -> list[AnswerType]:
    folded = fold(question)
    found: list[AnswerType] = []
    for pattern, kind in _TYPE_RULES:
        if pattern.search(folded) and all(k.name != kind.name for k in found):
            found.append(kind)
    # money subsumes number ("Wie viel kostet …"); a specific type subsumes the generic number
    names = {k.name for k in found}
    if names & {"money", "phone", "email"}:
        found = [k for k in found if k.name != "number"]
    return found


def has_type(text: str, kind: AnswerType) -> bool:
    folded = fold(text)
    if kind.name == "number":  # a count, not the digits of a date, a year or a time of day
        folded = _YEAR.sub(" ", _DATE.sub(" ", _TIME.sub(" ", folded)))
    if kind.name == "person" and person_names(text):
        return True
    return bool(kind.evidence.search(folded))


# --------------------------------------------------------------------------- constraints

_STATES = (
    "baden-wurttemberg|baden wurttemberg|bayern|berlin|brandenburg|bremen|hamburg|mecklenburg-vorpommern|"
    "mecklenburg|vorpommern|niedersachsen|nordrhein-westfalen|nordrhein westfalen|nrw|rheinland-pfalz|"
    "rheinland pfalz|saarland|sachsen|sachsen-anhalt|schleswig-holstein|thuringen|bavaria|saxony|"
    "lower saxony|north rhine|bayerisch\\w*|sachsisch\\w*|niedersachsisch\\w*|thuringisch\\w*|"
    "brandenburgisch\\w*|saarlandisch\\w*|baden-wurttembergisch\\w*|rheinland-pfalzisch\\w*|berliner|"
    "hamburger|bremer|nordrhein-westfalisch\\w*|schleswig-holsteinisch\\w*"
)
_PLACES = (
    "deutschland|germany|bund|bundesweit|osterreich|austria|schweiz|switzerland|frankreich|france|"
    "europa|europe|eu|munchen|koln|stuttgart|dusseldorf|dortmund|essen|leipzig|dresden|hannover|"
    "nurnberg|mainz|kassel|darmstadt|wiesbaden|frankfurt|giessen|marburg|fulda|offenbach|hanau|"
    "bundesregierung|bundesministerium|bundesagentur"
)
_PLACE_WORD = re.compile(rf"\b(?:{_STATES}|{_PLACES})\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d(?:er)?\b")
_NUM = re.compile(r"\b\d[\d.]*\d\b|\b\d\b")


def constraints(question: str) -> list[str]:
    """Specifics of a question that the evidence must contain verbatim: years, numbers, places."""
    folded = fold(question)
    found = [m.group(0) for m in _YEAR.finditer(folded)]
    found += [m.group(0) for m in _NUM.finditer(folded) if m.group(0) not in found and not _YEAR.fullmatch(m.group(0))]
    found += [m.group(0) for m in _PLACE_WORD.finditer(folded)]
    return list(dict.fromkeys(found))


def constraint_met(constraint: str, evidence: str) -> bool:
    folded = fold(evidence)
    if constraint[:1].isdigit():
        digits = constraint.replace(".", "")
        normalized = re.sub(r"(?<=\d)[.\s](?=\d{3}\b)", "", folded)
        return re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d])", normalized) is not None
    return re.search(rf"\b{re.escape(constraint)}", folded) is not None
