"""Verification of a generated answer before anyone sees it.

Rules (each failure names its reason):
  1. every statement carries at least one citation [n], and every n names a given passage;
  2. every number, date, year, place and proper name of a statement occurs in a passage it cites
     (German number and date normalisation: 200.000 = 200 000, 28.06.2024 = 28. Juni 2024);
  3. the answer is in the language of the question;
  4. the answer does not repeat an instruction found in a passage, nor obey one.
A refusal (the fixed phrase) is valid and maps to ``answered: false``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.extractive import is_english
from assistant.answer.refusal import is_instruction
from assistant.factcheck import Detail, details, same_detail
from assistant.text import STOPWORDS, fold, is_german_word, tokens

REFUSAL_PHRASE = "Dazu enthalten die Dokumente keine Angaben."
REFUSAL_PHRASE_EN = "The documents do not contain this information."
_CITE = re.compile(r"\[(\d+)\]")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\[A-ZÄÖÜ„\"(])")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-ZÄÖÜ][\wäöüß-]{2,})")


@dataclass
class Verification:
    ok: bool
    refusal: bool = False
    reason: str = ""
    cited: list[int] = field(default_factory=list)  # passage numbers in order of first citation


def is_refusal(text: str) -> bool:
    folded = fold(text)
    return fold(REFUSAL_PHRASE).rstrip(".") in folded or fold(REFUSAL_PHRASE_EN).rstrip(".") in folded


def statements(text: str) -> list[str]:
    """Sentences of the answer, each with the citations that follow it („… 2028 [1]. Die …")."""
    parts = [p.strip() for p in _SENTENCE_BREAK.split(text.strip()) if p.strip()]
    merged: list[str] = []
    for part in parts:
        # a part that is only citations („[2].") belongs to the statement before it
        if merged and not re.sub(r"[\s\[\]\d.,;]", "", part):
            merged[-1] += " " + part
        else:
            merged.append(part)
    return merged


def _supported(detail: Detail, passages: list[str]) -> bool:
    return any(same_detail(detail, e) or same_detail(e, detail) for p in passages for e in details(p))


_CAPITAL_RUN = re.compile(r"(?<=[\w,;:]\s)((?:[A-ZÄÖÜ][\wäöüß-]+\s+)+[A-ZÄÖÜ][\wäöüß-]+)")


def _names(statement: str) -> list[str]:
    """Proper names to check: capitalised words that are no German word (not even a compound), and
    every word of a run of capitalised words inside a sentence („Minister Boris Schmidt")."""
    body = _CITE.sub("", statement)
    words = [m.group(1) for m in _CAPITALISED.finditer(body)]
    names = [w for w in words if not is_german_word(w.lower()) and not w.isupper()]
    for run in _CAPITAL_RUN.finditer(body):
        names.extend(run.group(1).split())
    return list(dict.fromkeys(names))


def verify(answer: str, passages: list[str], question: str) -> Verification:
    text = answer.strip()
    if not text:
        return Verification(False, reason="empty answer")
    if is_refusal(text):
        return Verification(True, refusal=True)
    if is_english(question) != is_english(text):
        return Verification(False, reason="answer not in the language of the question")
    if is_instruction(text):
        return Verification(False, reason="answer contains an instruction")
    sentences = [s for p in passages for s in re.split(r"(?<=[.!?])\s+", p)]
    injected = [s for s in sentences if is_instruction(s)]
    if injected:
        # words the documents use only inside an instruction (a canary, a payload) must not appear
        elsewhere = set(tokens(" ".join(s for s in sentences if s not in injected)))
        payload = {w for s in injected for w in tokens(s) if len(w) >= 4 and w not in STOPWORDS} - elsewhere
        echoed = sorted(payload & set(tokens(text)))
        if echoed:
            return Verification(False, reason=f"answer repeats words of an instruction in a document: {echoed[:3]}")
    for sentence in injected:
        words = fold(sentence).split()
        folded_answer = " ".join(fold(text).split())
        if any(" ".join(words[i : i + 5]) in folded_answer for i in range(max(1, len(words) - 4))):
            return Verification(False, reason="answer repeats an instruction from a document")

    cited_order: list[int] = []
    for statement in statements(text):
        numbers = [int(n) for n in _CITE.findall(statement)]
        claim = _CITE.sub("", statement).strip(" .")
        if not re.search(r"\w{2,}", claim):
            continue
        if not numbers:
            return Verification(False, reason=f"statement without citation: „{claim[:80]}“")
        bad = [n for n in numbers if not 1 <= n <= len(passages)]
        if bad:
            return Verification(False, reason=f"citation [{bad[0]}] does not exist ({len(passages)} passages)")
        cited = [passages[n - 1] for n in numbers]
        for detail in details(claim):
            if not _supported(detail, cited):
                return Verification(False, reason=f"„{detail.text}“ is not in the cited passage(s) {numbers}")
        cited_text = fold(" ".join(cited))
        missing = [name for name in _names(claim) if fold(name) not in cited_text]
        if missing:
            listed = ", ".join(f"„{name}“" for name in missing)
            return Verification(False, reason=f"name(s) {listed} not in the cited passage(s) {numbers}")
        cited_order.extend(n for n in numbers if n not in cited_order)
    if not cited_order:
        return Verification(False, reason="no cited statement")
    return Verification(True, cited=cited_order)
