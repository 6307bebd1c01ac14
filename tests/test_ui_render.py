"""The chat UI's pure rendering functions, on real letter text and real answers from the engine."""

from __future__ import annotations

import html
import re

import gradio as gr
import pytest
from fastapi.testclient import TestClient

from rag.api import create_app
from rag.config import Settings
from rag.retrieve import Filters
from tests.conftest import CORPUS
from ui import render
from ui.app import FAILED, NOT_READY, answer_turn, build

ANSWERED = [
    "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?",
    "Wat is de Nederlandse inzet voor de Defence Investment Pledge?",
    "Welke zeven gebieden noemen de NAVO-weerbaarheidsdoelen?",
]
UNANSWERABLE = "Hoeveel kost de bouw van de nieuwe fregatten?"  # a near miss the answerer abstains on (off-topic questions: README, known limits)


def text_of(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities resolved, whitespace collapsed."""
    spaced = re.sub(r"<br>|</p>|</div>|</h2>", " ", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def marked(fragment: str) -> list[str]:
    return [text_of(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", fragment, re.S)]


@pytest.fixture(scope="module")
def answers(engine) -> dict[str, dict]:
    return {q: engine.answer(q).to_json() for q in [*ANSWERED, UNANSWERABLE]}


# --- escaping and marks ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "start", "end", "mark_id", "expected"), [
    # a real sentence pair from 002: the first sentence marked
    ("Het inrichten van noodsteunpunten is daarbij belangrijk. Circa € 5 mln. is bestemd.", 0, 56, None,
     "<p><mark>Het inrichten van noodsteunpunten is daarbij belangrijk.</mark> Circa € 5 mln. is bestemd.</p>"),
    # letter text that looks like markup is shown, not interpreted
    ("Zie <b>bijlage</b> & noot", 4, 18, None, "<p>Zie <mark>&lt;b&gt;bijlage&lt;/b&gt;</mark> &amp; noot</p>"),
    # quotes in the text are escaped too (they would end an attribute)
    ("De ‘concrete weerbaarheidsdoelen’ en \"resilience\"", 37, 49, None,
     "<p>De ‘concrete weerbaarheidsdoelen’ en <mark>&quot;resilience&quot;</mark></p>"),
    # blank lines make paragraphs; a quote over the break is marked in both, the id only on the first piece
    ("Datum\n\n24 april 2025\n\nBetreft", 0, 20, "kb-mark",
     '<p><mark id="kb-mark">Datum</mark></p><p><mark>24 april 2025</mark></p><p>Betreft</p>'),
    # a single newline inside a paragraph stays a line break
    ("Hoogachtend,\nDE MINISTER VAN DEFENSIE", 13, 37, None,
     "<p>Hoogachtend,<br><mark>DE MINISTER VAN DEFENSIE</mark></p>"),
    # nothing to mark
    ("Geachte voorzitter,", 0, 0, "kb-mark", "<p>Geachte voorzitter,</p>"),
])
def test_highlight_escapes_then_marks(text, start, end, mark_id, expected):
    assert render.highlight(text, start, end, mark_id) == expected


@pytest.mark.parametrize(("passage", "quote", "span"), [
    ("Ja.\n\nNee, de AIV heeft de documenten niet kunnen inzien.", "Nee, de AIV heeft de documenten niet kunnen inzien.",
     (5, 56)),
    ("Ja.", "", (0, 0)),
    ("Ja.", "Nee.", (0, 0)),
])
def test_quote_span(passage, quote, span):
    assert render.quote_span(passage, quote) == span


@pytest.mark.parametrize(("text", "expected"), [
    ("1. Bent u bekend met *dit*?", "1. Bent u bekend met &#42;dit&#42;?"),
    ("€ 5 mln. [zie noot_1]", "€ 5 mln. &#91;zie noot&#95;1&#93;"),
    ("<script>alert(1)</script>", "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;"),
])
def test_markdown_escaping(text, expected):
    assert render.esc_markdown(text) == expected


@pytest.mark.parametrize(("item", "expected"), [
    ({"date": "2025-04-24", "sender": "minister van Defensie (Ruben Brekelmans)", "reference": "MINDEF20250016257"},
     "24 april 2025 · minister van Defensie (Ruben Brekelmans) · kenmerk MINDEF20250016257"),
    ({"date": None, "sender": "minister van Justitie en Veiligheid en minister van Defensie", "reference": None},
     "datum onbekend · minister van Justitie en Veiligheid en minister van Defensie"),
    ({"date": "2023-06-30", "sender": None, "reference": "Kamerstuk 28 676, nr. 439"},
     "30 juni 2023 · afzender onbekend · kenmerk Kamerstuk 28 676, nr. 439"),
    ({"date": "2023-06-30", "sender": "A & B <C>", "reference": None}, "30 juni 2023 · A &amp; B &lt;C&gt;"),
])
def test_meta_line(item, expected):
    assert render.meta_line(item) == expected


# --- real answers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ANSWERED)
def test_source_cards_mark_exactly_the_quote(answers, question):
    ans = answers[question]
    assert not ans["abstained"] and ans["citations"]
    panel = render.sources_html(ans, 0, question)
    assert "<h2>Bronnen</h2>" in panel and "kb-banner" not in panel
    for c in ans["citations"]:
        card = render.citation_card(c, 0)
        assert f'<span class="kb-num">{c["n"]}</span>' in card
        assert f'id="kb-bron-0-{c["n"]}"' in card and esc_in(c["title"], card)
        assert marked(card) == [" ".join(p.split()) for p in re.split(r"\n\s*\n", c["quote"]) if p.strip()]
        assert card in panel


def esc_in(value: str, fragment: str) -> bool:
    return html.escape(value, quote=True) in fragment


@pytest.mark.parametrize("question", ANSWERED)
def test_answer_links_each_marker_to_its_source(answers, question):
    ans = answers[question]
    msg = render.answer_html(ans, 3)
    links = re.findall(r'<a class="kb-ref" href="#kb-bron-3-(\d+)"', msg)
    assert sorted(set(map(int, links))) == sorted(c["n"] for c in ans["citations"])
    assert "kb-abstain" not in msg
    assert text_of(msg) == " ".join(ans["answer"].split())


def test_abstention_looks_different(answers):
    ans = answers[UNANSWERABLE]
    assert ans["abstained"]
    msg = render.answer_html(ans, 1)
    assert 'class="kb-msg kb-abstain"' in msg and render.ABSTAIN_BANNER in msg and "kb-ref" not in msg
    panel = render.sources_html(ans, 1, UNANSWERABLE)
    assert "<h2>Dichtstbijzijnde passages</h2>" in panel and "kb-sources-abstain" in panel
    assert 'class="kb-banner"' in panel and "<h2>Bronnen</h2>" not in panel
    assert panel.count('class="kb-card"') == len(ans["citations"])


@pytest.mark.parametrize(("text", "has_passages", "expected"), [
    ("De brieven geven geen antwoord op deze vraag. Hieronder staan de passages die er het dichtst bij komen; "
     "controleer zelf of die helpen.", True,
     "De passages die er het dichtst bij komen staan bij ‘Dichtstbijzijnde passages’; controleer zelf of ze helpen."),
    ("De brieven geven geen antwoord op deze vraag (the letters do not answer this question). Hieronder staan de "
     "passages die er het dichtst bij komen.", False, "Er zijn ook geen passages gevonden die er dicht bij komen."),
    ("De brief ‘Beantwoording Kamervragen over concrete weerbaarheidsdoelen’ vermeldt zelf geen ondertekenaar, dus de "
     "brieven geven hierop geen antwoord.", False,
     "De brief ‘Beantwoording Kamervragen over concrete weerbaarheidsdoelen’ vermeldt zelf geen ondertekenaar, dus de "
     "brieven geven hierop geen antwoord. Er zijn ook geen passages gevonden die er dicht bij komen."),
])
def test_abstain_detail_keeps_a_reason_and_drops_the_repetition(text, has_passages, expected):
    assert render.abstain_detail(text, has_passages) == expected


def test_letter_viewer_marks_the_cited_sentences_in_the_whole_letter(engine, answers):
    c = answers[ANSWERED[0]]["citations"][0]
    doc = engine.document(c["doc_id"])
    view = render.letter_html(doc, c["start"], c["end"], c["n"])
    assert view.count('id="kb-mark"') == 1
    assert " ".join(marked(view)) == " ".join(doc["text"][c["start"]:c["end"]].split())
    assert text_of(view).endswith(" ".join(doc["text"].split())[-200:])
    assert view.count("<p>") == len(render.paragraphs(doc["text"]))
    assert esc_in(doc["title"], view) and "datum onbekend" in view


def test_every_corpus_letter_renders_whole(engine):
    for meta in engine.documents():
        doc = engine.document(meta["doc_id"])
        view = render.letter_html(doc, 0, 0)
        assert "<mark" not in view
        assert text_of(view).endswith(" ".join(doc["text"].split())[-300:])
        assert "<script" not in view.lower()


# --- conversation ----------------------------------------------------------------------------------

def test_chat_messages_history_and_reveal(answers):
    a1, a2 = answers[ANSWERED[0]], answers[UNANSWERABLE]
    turns = [{"question": ANSWERED[0], "answer": a1, "error": None},
             {"question": "   ", "answer": None, "error": "De index wordt nog geladen."},
             {"question": UNANSWERABLE, "answer": a2, "error": None}]
    msgs = render.chat_messages(turns)
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 3
    assert "kb-error" in msgs[3]["content"] and "kb-abstain" in msgs[5]["content"]
    # the engine gets the answered turns only, as plain text
    assert render.history(turns) == [{"role": "user", "content": ANSWERED[0]},
                                     {"role": "assistant", "content": a1["answer"]},
                                     {"role": "user", "content": UNANSWERABLE},
                                     {"role": "assistant", "content": a2["answer"]}]
    # while the last answer is revealed, only its shown part is in the chat
    part = render.chat_messages(turns[:1], reveal="Voor de")
    assert text_of(part[-1]["content"]) == "Voor de"
    pending = render.chat_messages([*turns[:1], {"question": "En daarna?", "answer": None, "error": None}])
    assert "kb-wait" in pending[-1]["content"]


@pytest.mark.parametrize(("text", "words", "expected"), [
    ("een twee drie vier vijf", 2, ["een twee", "een twee drie vier", "een twee drie vier vijf"]),
    ("kort", 4, ["kort"]),
    ("", 4, [""]),
])
def test_reveal_steps(text, words, expected):
    assert list(render.reveal_steps(text, words)) == expected


# --- filters ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("doc_ids", "date_from", "date_to", "expected"), [
    (None, "", "", None),
    ([], "  ", None, None),
    (["001_5d30ca5876bbcd37"], "", "", Filters(doc_ids=["001_5d30ca5876bbcd37"])),
    (None, "2025-01-01", "", Filters(date_from="2025-01-01")),
    (None, " 2023-01-01 ", "2025-12-31", Filters(date_from="2023-01-01", date_to="2025-12-31")),
    (None, "2025-04-24", "2025-04-24", Filters(date_from="2025-04-24", date_to="2025-04-24")),
])
def test_build_filters(doc_ids, date_from, date_to, expected):
    assert render.build_filters(doc_ids, date_from, date_to) == expected


@pytest.mark.parametrize(("date_from", "date_to", "message"), [
    ("24-04-2025", "", "moet de vorm JJJJ-MM-DD hebben"),
    ("", "2025-4-1", "‘Tot en met’ moet de vorm JJJJ-MM-DD"),
    ("2025-02-30", "", "bestaat niet: 2025-02-30"),
    ("2025-05-01", "2025-04-01", "ligt na de datum"),
    ("gisteren", "", "‘Vanaf’"),
])
def test_bad_dates_get_a_dutch_message(date_from, date_to, message):
    with pytest.raises(ValueError, match=message):
        render.build_filters(None, date_from, date_to)


@pytest.mark.parametrize(("filters", "expected"), [
    (None, None),
    (Filters(), None),
    (Filters(doc_ids=["001_5d30ca5876bbcd37"]),
     "Filter: alleen in ‘Beantwoording Kamervragen over concrete weerbaarheidsdoelen’."),
    (Filters(doc_ids=["001_5d30ca5876bbcd37", "onbekend"], date_from="2025-01-01"),
     "Filter: alleen in 2 brieven: ‘Beantwoording Kamervragen over concrete weerbaarheidsdoelen’, ‘onbekend’; "
     "vanaf 1 januari 2025."),
    (Filters(date_to="2023-12-31"), "Filter: tot en met 31 december 2023."),
    (Filters(date_from="2023-06-01", date_to="2023-06-30"), "Filter: van 1 juni 2023 tot en met 30 juni 2023."),
])
def test_filter_summary(filters, expected):
    titles = {"001_5d30ca5876bbcd37": "Beantwoording Kamervragen over concrete weerbaarheidsdoelen"}
    assert render.filter_summary(filters, titles) == expected


def test_document_choices_newest_first_by_title(engine):
    choices = render.document_choices(engine.documents())
    assert len(choices) == len(engine.documents())
    labels = [label for label, _ in choices]
    assert labels[0].endswith("(24 april 2025)") and labels[1].endswith("(30 juni 2023)")
    assert all(label.endswith("(zonder datum)") for label in labels[2:])


# --- the UI's one engine call ------------------------------------------------------------------------

def test_answer_turn_with_history_filters_and_failures(engine):
    first = answer_turn(engine, "Wat doet Nederland aan regionale weerbaarheid?", [], 5, "extractive", None)
    assert first["answer"] is not None and first["error"] is None
    follow = answer_turn(engine, "Hoeveel geld komt daarvoor beschikbaar?", [first], 5, "extractive", None)
    expected = engine.answer("Hoeveel geld komt daarvoor beschikbaar?", 5, "extractive", None,
                             render.history([first])).to_json()
    assert follow["answer"]["answer"] == expected["answer"] and follow["answer"]["query"] == expected["query"]
    only = answer_turn(engine, ANSWERED[0], [], 3, "extractive", Filters(doc_ids=["003_cd6cc0e004d35c7e"]))
    assert {c["doc_id"] for c in only["answer"]["citations"]} <= {"003_cd6cc0e004d35c7e"}
    assert only["scope"] == "Filter: alleen in ‘Geannoteerde agenda van de NAVO Top in Vilnius van 11 en 12 juli 2023’."
    assert first["scope"] is None
    assert answer_turn(None, ANSWERED[0], [], 5, "extractive", None)["error"] == NOT_READY
    bad_mode = answer_turn(engine, ANSWERED[0], [], 5, "generatief", None)
    assert bad_mode["answer"] is None and bad_mode["error"].startswith("Antwoordmodus") and bad_mode["error"] != FAILED


def test_ui_is_mounted_at_ui(index_dir, engine):
    app = create_app(Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=True), engine)
    with TestClient(app) as client:
        r = client.get("/ui/")
        assert r.status_code == 200 and "Kamerbrieven: vraag en antwoord" in r.text
        assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(("modes", "visible"), [(("extractive",), False), (("extractive", "llm"), True)])
def test_mode_selector_only_with_a_choice(modes, visible):
    radios = [b for b in build(lambda: None, modes).blocks.values() if isinstance(b, gr.Radio)]
    assert len(radios) == 1 and radios[0].visible is visible
    assert [value for _, value in radios[0].choices] == list(modes)
    assert radios[0].choices[-1][0] == ("Gegenereerd en gecontroleerd" if "llm" in modes else "Letterlijk uit de brieven")


def test_a_notice_stands_above_the_answer():
    html = render.answer_html({"answer": "Tekst [1]", "abstained": False, "notice": "Het taalmodel <faalde>.",
                               "citations": [{"n": 1}]}, 0)
    assert html.index("kb-notice") < html.index("Tekst") and "&lt;faalde&gt;" in html


def test_a_quoted_answer_to_a_kamervraag_shows_the_question_as_context(engine):
    ans = engine.answer("Heeft de AIV de concrete weerbaarheidsdoelen kunnen inzien?").to_json()
    card = next(c for c in ans["citations"] if c.get("kamervraag"))
    html = render.citation_card(card, 0)
    assert "Kamervraag:" in html and render.esc(card["kamervraag"][:40]) in html
    assert "<mark>" in html  # the answer is what is marked, the question only stands above it
