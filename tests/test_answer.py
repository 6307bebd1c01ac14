"""Cited answers on the real corpus with the real model: every claim points at the exact sentence."""

import re

import pytest

from rag.retrieve import Filters

QUESTIONS = [
    "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?",
    "Welke landen doen mee aan de ministeriële coalitie voor civiele weerbaarheid?",
    "Waarom is een stapsgewijze aanpak van de weerbaarheid nodig?",
    "Wat wil Nederland bereiken met de Defence Investment Pledge?",
    "Hoe staat het kabinet tegenover dialoog met China?",
    "Wat zegt de agenda van 2021 over klimaatverandering?",
    "Which countries join the ministerial coalition on resilience?",
    "Wat is het weerbericht voor morgen in Utrecht?",
]


def assert_citations_hold(engine, ans):
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", ans.answer)}
    ns = {c.n for c in ans.citations}
    if not ans.abstained:
        assert markers == ns and ns == set(range(1, len(ns) + 1))
    for c in ans.citations:
        text = engine.document(c.doc_id)["text"]
        assert c.quote and text[c.start:c.end] == c.quote
        assert c.title and c.chunk_id.startswith(c.doc_id)


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_marker_has_a_citation_whose_quote_stands_at_its_offsets(engine, question):
    ans = engine.answer(question)
    assert ans.answer
    assert_citations_hold(engine, ans)
    assert set(ans.timings_ms) == {"retrieve", "answer", "total"}


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("Hoeveel geld komt er vanaf 2027 structureel bij voor de regionale en lokale weerbaarheid?", ["70 miljoen"]),
        ("Met welke landen werkt Nederland samen in de coalitie voor civiele weerbaarheid en militaire paraatheid?",
         ["Denemarken", "Luxemburg"]),
        ("Hoeveel geld kondigde Nederland aan voor het Comprehensive Assistance Package?", ["100 miljoen"]),
        ("Welk percentage van het bbp is afgesproken voor weerbaarheid van de maatschappij?", ["1,5%"]),
    ],
)
def test_answers_carry_the_key_facts(engine, question, facts):
    ans = engine.answer(question)
    assert not ans.abstained, ans.answer
    for fact in facts:
        assert fact in ans.answer


@pytest.mark.parametrize(
    "question",
    [
        "Wat is het weerbericht voor morgen in Utrecht?",
        "Welke rol speelt Polen bij de NAVO-top in Vilnius?",  # a near miss: the letters discuss the summit
        "Hoeveel kost de bouw van de nieuwe fregatten?",
    ],
)
def test_abstains_when_the_letters_do_not_answer_and_shows_the_closest_passages(engine, question):
    ans = engine.answer(question)
    assert ans.abstained, ans.answer
    assert "geen antwoord" in ans.answer
    assert ans.citations and not re.search(r"\[\d+\]", ans.answer)
    assert_citations_hold(engine, ans)


def test_a_question_about_a_letter_cites_its_letterhead(engine):
    ans = engine.answer("Wanneer is de beantwoording van de Kamervragen over concrete weerbaarheidsdoelen verstuurd?")
    assert not ans.abstained and "24 april 2025" in ans.answer
    assert ans.citations[0].quote == "Datum\n\n24 april 2025"
    signer = engine.answer("Wie heeft de geannoteerde agenda voor de top in Vilnius ondertekend?")
    assert "Hoekstra" in signer.answer and "Ollongren" in signer.answer
    assert_citations_hold(engine, signer)


def test_signers_of_the_letters_of_several_years_are_each_named(engine):
    ans = engine.answer("Wie was minister van Defensie bij de NAVO-brieven van 2021, 2023 en 2025?")
    assert not ans.abstained
    assert all(name in ans.answer for name in ("Bijleveld-Schouten", "Ollongren", "Brekelmans")), ans.answer
    assert_citations_hold(engine, ans)


def test_the_date_of_a_declaration_a_letter_mentions_comes_from_the_text(engine):
    ans = engine.answer("Van welke datum is de gezamenlijke EU-NAVO-verklaring?")
    assert not ans.abstained and "10 januari 2023" in ans.answer


def test_a_why_question_gets_the_reason_before_a_quoted_conclusion(engine):
    """'... heeft daarom langer nodig' says that, not why: the sentence before it does."""
    ans = engine.answer("Waarom komt de uitgebreidere weerbaarheidsbrief pas in het najaar?")
    assert not ans.abstained and "kost tijd" in ans.answer


def test_the_reason_for_a_conclusion_that_opens_a_passage_comes_from_the_passage_before(engine):
    """'Daarom steunt het kabinet ... 2%' opens a passage; its reasoning ('meerjarig voorspelbare financiering
    nodig') stands two sentences back, at the end of the passage before."""
    ans = engine.answer("Waarom steunde het kabinet in 2023 het voorstel om structureel 2% van het bbp aan defensie uit "
                        "te geven?")
    assert not ans.abstained and "voorspelbare financiering" in ans.answer
    assert len({c.chunk_id for c in ans.citations}) >= 2
    assert_citations_hold(engine, ans)


def test_a_comparison_quotes_each_letter_even_where_they_say_nearly_the_same(engine):
    """Both letters list the seven areas in almost the same words; the one word that differs is the point."""
    ans = engine.answer("Welke zeven paraatheidsgebieden noemen de VWS-brief en de antwoorden van Defensie allebei?")
    assert not ans.abstained
    assert "levensbehoeften" in ans.answer and "drinkwatervoorziening" in ans.answer
    assert len({c.doc_id for c in ans.citations}) >= 2


def test_a_part_the_first_search_leaves_open_is_searched_again_with_what_it_found(engine):
    """Two letters: one says Nederland committed itself at the top in Vilnius ("in juli 2023"), another when the
    Vilnius top took place. The days are in no passage the question itself retrieves."""
    ans = engine.answer("Op welke top heeft Nederland zich gecommitteerd aan de Resilience Objectives, en op welke "
                        "dagen vond die top plaats?")
    assert not ans.abstained
    assert "Vilnius" in ans.answer and "11 en 12 juli" in ans.answer
    assert_citations_hold(engine, ans)


def test_each_part_of_a_question_that_asks_two_things_is_asked_on_its_own_too(engine):
    """Ranked against the whole question, the sentence with the 2028 figure wins and the one with the raise itself
    falls below the selection's floor; asked on its own, the first part finds its sentence first."""
    ans = engine.answer("How much did the cabinet add to the defence budget structurally, and what will yearly "
                        "defence spending be in 2028?")
    assert not ans.abstained
    assert "ruim 5 miljard" in ans.answer and "bijna 20 miljard in 2028" in ans.answer
    assert_citations_hold(engine, ans)


def test_a_quoted_sentence_keeps_the_clause_that_finishes_it(engine):
    """The letter breaks one sentence in two: "... te versterken. Zodat we ons beter kunnen weren ...": the
    purpose asked for stands in the second half."""
    ans = engine.answer("Met welk doel moeten Europese landen hun krijgsmachten versterken?")
    assert not ans.abstained and "VS betrokken" in ans.answer
    assert_citations_hold(engine, ans)


def test_a_why_question_on_a_yes_no_answer_gets_the_reason_given_further_on(engine):
    """The Kamervraag asks 'is it correct ... and if not, why not?'; the answer opens 'Nee, ...' and gives the why
    two sentences later."""
    ans = engine.answer("Waarom mag de Tweede Kamer de NAVO-weerbaarheidsdoelen niet inzien?")
    assert not ans.abstained and "niet openbaar" in ans.answer


def test_a_why_question_answered_by_a_restated_claim_gets_the_reasons_before_it(engine):
    """'Een gefaseerde aanpak is nodig' restates what is asked; 'de beschikbare middelen dwingen tot keuzes' is why."""
    ans = engine.answer("Waarom pakt het kabinet de versterking van de weerbaarheid gefaseerd aan?")
    assert not ans.abstained and "beschikbare middelen" in ans.answer
    assert_citations_hold(engine, ans)


def test_a_letter_that_states_no_date_is_not_given_one(engine):
    ans = engine.answer("Op welke datum is de brief over de stand van zaken van de weerbaarheid verstuurd?")
    assert ans.abstained and "vermeldt zelf geen datum" in ans.answer


def test_a_letter_the_letters_mention_gets_its_date_from_the_text(engine):
    """The Kamerbrief of 6 December is not one of ours; the letters that mention it say when it was sent."""
    ans = engine.answer("Op welke datum is de Kamerbrief Weerbaarheid tegen hybride en militaire dreigingen "
                        "verstuurd, en door welke ministers?")
    assert not ans.abstained
    assert "6 december" in ans.answer and "Justitie en Veiligheid" in ans.answer


def test_our_own_letter_that_states_no_date_gets_no_date_from_another(engine):
    ans = engine.answer("Op welke datum heeft minister Agema haar brief over de NAVO-verplichtingen gestuurd?")
    assert ans.abstained and "vermeldt zelf geen datum" in ans.answer
    assert "6 december" not in ans.answer


def test_the_signers_of_every_letter_in_a_span_of_years(engine):
    ans = engine.answer("Welke ministers van Defensie hebben de NAVO-brieven getekend van 2021 tot 2025?")
    for name in ("Bijleveld-Schouten", "Ollongren", "Brekelmans"):
        assert name in ans.answer


def test_english_questions_get_the_dutch_sentences_quoted(engine):
    ans = engine.answer("How much money will be available structurally for regional resilience from 2027?")
    assert ans.language == "en" and not ans.abstained
    assert ans.answer.startswith("The letters say (in Dutch):") and "70 miljoen" in ans.answer
    assert_citations_hold(engine, ans)


def test_a_follow_up_uses_the_previous_turn(engine):
    history = [{"role": "user", "content": "Wat doet het kabinet voor de regionale en lokale weerbaarheid?"},
               {"role": "assistant", "content": "..."}]
    ans = engine.answer("En hoeveel geld komt daarvoor beschikbaar?", history=history)
    assert not ans.abstained and "70 miljoen" in ans.answer
    assert ans.query.startswith("Wat doet het kabinet")


def test_a_follow_up_asking_when_after_who_answered_gets_the_date_of_the_reply(engine):
    history = [{"role": "user", "content": "Wie beantwoordde de Kamervragen van Van Houwelingen over de concrete "
                                           "weerbaarheidsdoelen?"},
               {"role": "assistant", "content": "De minister van Defensie, Ruben Brekelmans."}]
    ans = engine.answer("En wanneer was dat?", history=history)
    assert not ans.abstained and "24 april 2025" in ans.answer  # not the day the questions were sent in
    assert_citations_hold(engine, ans)


def test_filters_limit_the_letters_cited(engine):
    ans = engine.answer("Wat zegt de brief over Afghanistan?", filters=Filters(doc_ids=["004_0eaa6607556f058b"]))
    assert {c.doc_id for c in ans.citations} == {"004_0eaa6607556f058b"}


def test_an_unavailable_mode_is_refused(engine):
    with pytest.raises(ValueError, match="niet beschikbaar"):
        engine.answer("NAVO", mode="llm")


@pytest.mark.parametrize(
    ("question", "sentence", "low", "high"),
    [
        # the same words: full coverage
        ("publiekscampagne najaar", "In het najaar van 2025 start een meerjarige publiekscampagne.", 0.99, 1.0),
        # a compound whose tail the letters use, and a derivation sharing 5-grams
        ("voorlichtingscampagne", "een meerjarige publiekscampagne", 0.5, 1.0),
        ("wie coördineert de uitwerking", "onder coördinatie van de NCTV door departementen uitgewerkt", 0.7, 1.0),
        # nothing in common
        ("zorgtoeslag", "De NAVO-top vond plaats in Vilnius.", 0.0, 0.0),
    ],
)
def test_coverage_of_question_words(engine, question, sentence, low, high):
    from rag.dutch import text_grams
    from rag.question import coverage, query_words

    view = engine.view
    qws = query_words(question, view.analyzer, view.idf)
    got = coverage(qws, set(view.analyzer.terms(sentence)), text_grams(sentence))
    assert low <= got <= high


@pytest.mark.parametrize(("iso", "dutch"), [("2025-04-24", "24 april 2025"), ("2023-06-30", "30 juni 2023")])
def test_dutch_dates_in_answers(iso, dutch):
    from rag.letterfacts import dutch_date

    assert dutch_date(iso) == dutch
