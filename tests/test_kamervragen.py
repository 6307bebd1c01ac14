"""Answers to Kamervragen are parsed into question/answer pairs, so the answer is quoted, never the question."""

from pathlib import Path

import pytest

from rag import kamervragen
from rag.clean import clean

ROOT = Path(__file__).resolve().parents[1]
ANSWERS_LETTER = "001_5d30ca5876bbcd37"

SNIPPET = """Antwoorden op de schriftelijke vragen van lid Van Houwelingen (FVD).

1. Bent u bekend met de bewering van de heer Ten Haaf?

Ja.

2. Is het correct dat de Tweede Kamer ook kennis zou moeten kunnen nemen? Indien dat niet het geval is, waarom niet?

Antwoord

Nee, de AIV heeft de onderliggende documenten niet kunnen inzien.

De NAVO Resilience Objectives zien toe op een basisniveau van weerbaarheid.

Voetnoten

Voetnoot 1 Vilnius Summit Communiqué 11 juli 2023"""


@pytest.mark.parametrize(
    ("number", "question_starts", "answer"),
    [
        (1, "1. Bent u bekend", "Ja."),
        (2, "2. Is het correct", "Nee, de AIV heeft de onderliggende documenten niet kunnen inzien.\n\n"
                                "De NAVO Resilience Objectives zien toe op een basisniveau van weerbaarheid."),
    ],
)
def test_each_numbered_question_gets_the_paragraphs_up_to_the_next_one(number, question_starts, answer):
    qa = {q.number: q for q in kamervragen.parse(SNIPPET)}[number]
    assert SNIPPET[qa.question[0]:qa.question[1]].startswith(question_starts)
    assert SNIPPET[qa.answer[0]:qa.answer[1]] == answer  # the "Antwoord" label and the footnotes stay out


@pytest.mark.parametrize(
    "text",
    [
        "1. De ministers spreken over NAVO2030.\n\n2. Daarnaast over Afghanistan.",  # a numbered list, no questions
        "Bent u bekend met dit bericht?\n\nJa.",  # a single unnumbered question
        "2. Kunt u dit toelichten?\n\nJa.\n\n3. En dat?\n\nNee.",  # numbering that does not start at 1
    ],
)
def test_text_that_is_not_a_set_of_kamervragen_has_no_pairs(text):
    assert kamervragen.parse(text) == []


def test_the_real_answers_letter_has_three_pairs_and_sentence_roles():
    text = clean((ROOT / "corpus" / f"{ANSWERS_LETTER}.txt").read_text(encoding="utf-8")).text
    qas = kamervragen.parse(text)
    assert [q.number for q in qas] == [1, 2, 3]
    assert text[qas[2].answer[0]:qas[2].answer[1]] == "Zie vraag twee."
    roles = kamervragen.roles(qas, [qas[0].question, qas[0].answer, (0, 10)])
    assert roles == [("question", 1), ("answer", 1), ("text", None)]


def test_no_answer_opens_with_the_kamerlids_question(engine):
    ans = engine.answer("Heeft de AIV de concrete weerbaarheidsdoelen kunnen inzien?")
    assert not ans.abstained, ans.answer
    assert not ans.answer.lstrip().startswith(("1.", "2.", "3.", "Bent u", "Is het correct"))
    assert "Nee" in ans.answer or "niet kunnen inzien" in ans.answer
    quoted_answer = next(c for c in ans.citations if c.doc_id == ANSWERS_LETTER)
    assert quoted_answer.kamervraag and quoted_answer.kamervraag.startswith("2. Is het correct")


def test_what_only_the_kamerlids_question_says_is_quoted_after_the_answer_as_its_context(engine):
    """Who made the claim, and when, stands only in Kamervraag 1: the answer opens with the minister's answer and
    then quotes the question, marked as one."""
    ans = engine.answer("Wie deed tijdens de technische briefing de bewering dat de AIV de weerbaarheidsdoelen had "
                        "kunnen inzien?")
    assert not ans.abstained, ans.answer
    assert "Ten Haaf" in ans.answer
    assert not ans.answer.lstrip().startswith(("1.", "Bent u", "Uit de Kamervraag"))
    asked = ans.citations[-1]
    assert asked.doc_id == ANSWERS_LETTER and asked.quote.startswith("1. Bent u bekend met de bewering")
    assert f"Uit de Kamervraag: {asked.quote[:20]}" in ans.answer
