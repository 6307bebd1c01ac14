"""What a question asks for, on real questions a desk gets."""

import pytest

from rag.dutch import holds_kind, language
from rag.question import (
    followup_facts,
    letter_fact,
    letter_facts,
    letter_scope,
    question_kind,
    rewrite_with_history,
    split_parts,
    wants_comparison,
)


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Hoeveel Nederlandse militairen waren er in 2021 gestationeerd in Mazar-e-Sharif?", "nl"),
        ("Wat is de inzet van het kabinet?", "nl"),
        ("budget publiekscampagne", "nl"),
        ("When was the NATO summit in Vilnius held?", "en"),
        ("Which ministry is starting a public-private dialogue with businesses?", "en"),
    ],
)
def test_language(question, lang):
    assert language(question) == lang


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?", "money"),
        ("Wat kost de huis-aan-huis-publicatie?", "money"),
        ("Hoeveel vrijwilligers deden mee?", "amount"),
        ("Welk deel van de Nederlanders had actie ondernomen?", "amount"),
        ("budget publiekscampagne", "money"),
        ("Wanneer start de publiekscampagne?", "date"),
        ("Wie ondertekende de brief?", "person"),
        ("Welke minister is verantwoordelijk?", "person"),
        ("Waar vond de top plaats?", "place"),
        ("Waar valt die 1,5% van het BBP voor weerbaarheid allemaal onder, volgens de afspraak?", "other"),
        ("Waar moet die 1,5% van het bbp allemaal aan besteed worden?", "other"),  # what it covers, not a place
        ("Waarom kiest het kabinet voor een gefaseerde aanpak?", "reason"),
        ("Welke landen nemen deel aan de coalitie?", "list"),
        ("Noem de zeven civiele paraatheidsgebieden", "list"),
        ("Welke wet wordt genoemd?", "other"),
        ("Zweden toetreding", "other"),
        ("How much did the Netherlands contribute?", "amount"),
        ("Why does the cabinet choose a phased approach?", "reason"),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Wanneer is de brief over concrete weerbaarheidsdoelen verstuurd?", "date"),
        ("Van welke datum is de beantwoording door Defensie?", "date"),
        ("Wie heeft de geannoteerde agenda van 2021 ondertekend?", "sender"),
        ("wie tekenden namens BuZa de agenda van 2021 en de Vilnius-agenda?", "sender"),
        ("Wie was minister van Defensie bij de NAVO-brieven van 2021, 2023 en 2025?", "sender"),
        # the minister at a meeting a letter prepares is the one who signed it: authors ask for that name
        ("Wie was minister van Defensie tijdens de NAVO-top in Vilnius?", "sender"),
        ("Wat is het Kamerstuknummer van de brief met de agenda voor Vilnius?", "reference"),
        ("Wanneer vindt de NAVO-top plaats?", None),  # about the event, not the letter
        ("kenmerk Kamervragen Van Houwelingen", None),  # the questions' kenmerk, stated in the text
        ("Wanneer is de eerdere Kamerbrief over weerbaarheid verstuurd?", None),  # another letter it mentions
        ("Van welke datum is de gezamenlijke EU-NAVO-verklaring?", None),  # a declaration the letter mentions
        ("Welk Kamerstuknummer heeft de Defensievisie 2035?", None),  # a policy paper the letter cites
        ("Since when were the Dutch units sent to Afghanistan ready for deployment?", None),  # troops, not a letter
        ("Op welke datum is de kabinetsbrief over de stand van zaken verstuurd?", "date"),
    ],
)
def test_letter_fact(question, fact):
    assert letter_fact(question) == fact


@pytest.mark.parametrize(
    ("kind", "text", "holds"),
    [
        ("amount", "vanaf 2027 structureel €70 miljoen beschikbaar", True),
        ("money", "De kosten van de oefening bedroegen 1,2 miljoen euro.", True),
        ("money", "Aan de oefening namen 240 vrijwilligers deel.", False),  # a number, not money
        ("amount", "Nederland kondigde hiervoor eerder een bijdrage van EUR 100 miljoen aan.", True),
        ("amount", "de 74 projecten van samenwerking", True),
        ("amount", "De minister bracht op 16 mei een bezoek aan Mazar-e-Sharif.", False),  # a date, not an amount
        ("amount", "(Kamerstukken 27925 nr. 771, d.d. 21 april 2021)", False),  # a document number
        ("amount", "Een huis-aan-huis-publicatie is hier onderdeel van.", False),
        ("date", "In het najaar van 2025 start een meerjarige publiekscampagne", True),
        ("date", "Het kabinet onderkent dat een crisis een voorbereiding vraagt.", False),
        ("list", "Daarin wordt samengewerkt met Denemarken, Zweden, Finland, Estland en Letland.", True),
    ],
)
def test_holds_kind(kind, text, holds):
    assert holds_kind(kind, text) is holds


def test_follow_up_is_searched_with_the_turn_it_follows():
    history = [{"role": "user", "content": "Wat doet het kabinet aan regionale weerbaarheid?"},
               {"role": "assistant", "content": "..."}]
    rewritten = rewrite_with_history("En hoeveel geld komt daarvoor beschikbaar?", history)
    assert rewritten.startswith("Wat doet het kabinet aan regionale weerbaarheid?")
    standalone = "Welke zeven civiele paraatheidsgebieden noemt de NAVO in haar weerbaarheidsdoelen voor lidstaten?"
    assert rewrite_with_history(standalone, history) == standalone
    assert rewrite_with_history("Wat is het weerbericht voor morgen in Utrecht?", history).startswith("Wat is het weer")
    assert rewrite_with_history("En wie heeft die brief ondertekend?", history).startswith("Wat doet het kabinet")
    assert rewrite_with_history("Waarom?", history).startswith("Wat doet het kabinet")
    assert rewrite_with_history("Zweden?", None) == "Zweden?"


def test_comparisons():
    assert wants_comparison("Wat is er tussen de agenda van 2021 en die van 2023 veranderd?")
    assert wants_comparison("Noemen beide brieven Afghanistan?")
    assert not wants_comparison("Wat staat er over Afghanistan?")


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("Wanneer begint de publiekscampagne en hoeveel geld is ervoor beschikbaar?",
         ["Wanneer begint de publiekscampagne", "hoeveel geld is ervoor beschikbaar"]),
        ("zijn de navo RO's bindend? wie moet ze invullen", ["zijn de navo RO's bindend", "wie moet ze invullen"]),
        # a question word inside one question does not split it
        ("strategisch concept navo uit welk jaar (volgens brief 2021)",
         ["strategisch concept navo uit welk jaar (volgens brief 2021)"]),
        ("budget publiekscampagne", ["budget publiekscampagne"]),
        # a preposition before the question word opens the part with it
        ("Op welke top heeft Nederland zich gecommitteerd aan de Resilience Objectives, en op welke dagen vond die "
         "top plaats?", ["Op welke top heeft Nederland zich gecommitteerd aan de Resilience Objectives",
                         "op welke dagen vond die top plaats"]),
        ("navo top vilnius: op welke dagen was die en waaraan heeft nl zich daar gecommitteerd?",
         ["navo top vilnius: op welke dagen was die", "waaraan heeft nl zich daar gecommitteerd"]),
        # after a comma, "waarin" opens a relative clause, not a second question
        ("Wat staat er in de brief, waarin de minister een vervolgbrief belooft?",
         ["Wat staat er in de brief, waarin de minister een vervolgbrief belooft?"]),
    ],
)
def test_a_question_is_split_into_the_things_it_asks(question, parts):
    assert split_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("wie beantwoordde de kamervragen van van houwelingen over concrete weerbaarheidsdoelen", ["sender"]),
        ("Wie heeft de Kamervragen van Van Houwelingen over de concrete weerbaarheidsdoelen beantwoord?", ["sender"]),
        ("welke datum staat er op die brief?", ["date"]),
        ("Wat is het referentienummer van die brief?", ["reference"]),
        ("Who answered them, and on what date?", ["sender", "date"]),
        ("Welke minister stuurde de antwoorden op de vragen, en op welke datum?", ["sender", "date"]),
        # the date of something else the letter is about is asked of the text
        ("Welke ministers ondertekenden de agenda voor de NAVO-top in Vilnius, en wanneer was die top?", ["sender"]),
        ("Welke ministers waren aanwezig op de top?", []),
        ("Hoeveel vragen zijn beantwoord?", []),
        # a number the letter cites is asked of its text, not of the letter's own reference
        ("Naar welk Kamerstuk van 21 april 2021 verwijst de minister van Defensie?", []),
        ("In welk Kamerstuk is de Kamer geinformeerd over de Nederlandse inzet oostflank NAVO?", []),
        ("Welk referentienummer moet ik noemen als ik op de brief van Defensie reageer?", ["reference"]),
    ],
)
def test_who_answered_the_kamervragen_asks_who_signed_the_reply_and_when(question, facts):
    assert letter_facts(question) == facts


@pytest.mark.parametrize(
    ("followup", "facts"),
    [
        ("Op welke datum was dat?", ["date"]),
        ("en op welke datum stuurde hij die antwoorden naar de Kamer?", ["date"]),
        ("En van wanneer is die brief?", ["date"]),
        # another document, or an event the letter announces: asked of the text
        ("En wanneer waren die vragen ingediend?", []),
        ("En wanneer en door wie wordt de Kamer daar verder over geïnformeerd?", []),
    ],
)
def test_a_followup_asks_the_date_of_the_letter_the_turn_before_asked_about(followup, facts):
    assert followup_facts(followup, "Wie ondertekende de antwoorden op de Kamervragen over concrete "
                                    "weerbaarheidsdoelen?") == facts
    assert followup_facts(followup, "Hoeveel geld komt er voor de weerbaarheid?") == []


@pytest.mark.parametrize(
    ("followup", "facts"),
    [
        ("En wie deden dat bij de ministeriële van 1 juni 2021?", ["sender"]),
        ("Op welke datum heeft hij dat gedaan?", ["date"]),
        ("Wat deden ze daar?", []),
    ],
)
def test_a_followup_that_says_do_that_asks_what_the_turn_before_asked_of_another_letter(followup, facts):
    assert followup_facts(followup, "Welke ministers ondertekenden de agenda voor de NAVO-top in Vilnius?") == facts


def test_who_was_minister_then_asks_who_signed_the_letter_about_the_event_asked_before():
    assert followup_facts("Wie was toen minister van Defensie?", "Wanneer vond de NAVO-ministeriële plaats?") == [
        "sender"]
    assert followup_facts("Wie is minister van Defensie?", "Wanneer vond de NAVO-ministeriële plaats?") == []


def test_a_question_may_ask_several_facts_of_a_letter():
    assert letter_facts("Wie heeft de brief ondertekend en wat is het kenmerk?") == ["reference", "sender"]
    assert letter_facts("Wat is de dagtekening van de brief?") == ["date"]
    assert letter_facts("Wat staat er over Afghanistan?") == []
    assert letter_facts("Who signed the agenda for the Vilnius summit and what is the date of that letter?") == [
        "sender", "date"]


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("Wie heeft ondertekend?", ["sender"]),
        ("Door wie is de brief ondertekend?", ["sender"]),
        # the minister at a meeting a letter is about is who signed that letter
        ("wie was minister van BuZa bij de NAVO-ministeriele van 2021 en wie bij de Vilnius top 2023?", ["sender"]),
        # signing something else, no letter named and no "who": a question about the text
        ("Which resilience agreements has the Netherlands signed with Norway?", []),
        ("Welke verdragen heeft Nederland getekend?", []),
    ],
)
def test_signing_asks_for_a_signer_only_of_a_letter_or_with_who(question, facts):
    assert letter_facts(question) == facts


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        # keyword style: "datum" before the letter it dates, with or without "brief"
        ("datum brief geannoteerde agenda navo top vilnius", ["date"]),
        ("datum beantwoording kamervragen concrete weerbaarheidsdoelen defensie", ["date"]),
        ("Kamerstuknummer en datum geannoteerde agenda NAVO-top Vilnius", ["reference", "date"]),
        ("Welke datum draagt die brief?", ["date"]),
        ("Who signed the answers and what date is on that letter?", ["sender", "date"]),
        ("Welke twee ministers hebben de agenda naar de Kamer gestuurd?", ["sender"]),
        # the date another document bears, in a question that names a letter: asked of the text
        ("Welke datum draagt de gezamenlijke verklaring die Nederland in de Vilnius-agenda verwelkomt?", []),
        ("Op welke dagen vond de top plaats volgens de geannoteerde agenda?", []),
    ],
)
def test_a_letters_date_asked_in_keywords_or_of_that_letter(question, facts):
    assert letter_facts(question) == facts


@pytest.mark.parametrize(
    "question, every, span",
    [
        ("Welke ministers van Defensie hebben de NAVO-brieven getekend van 2021 tot 2025?", True, (2021, 2025)),
        ("Welke ministers hebben de brieven in deze verzameling ondertekend?", True, None),
        ("welke ministers van defensie hebben al deze brieven ondertekend?", True, None),
        ("Who signed each letter?", True, None),
        ("Wie tekende de brieven tussen 2021 en 2023?", True, (2021, 2023)),
        # named years are not a span: "2021, 2023 en 2025" asks of those three
        ("Welke ministers tekenden de NAVO-brieven van 2021, 2023 en 2025?", True, None),
        ("Wie heeft de brief over de weerbaarheidsdoelen ondertekend?", False, None),
        ("Wanneer is de agenda voor de top in Vilnius verstuurd?", False, None),
    ],
)
def test_a_question_may_ask_of_every_letter_or_of_a_span_of_years(question, every, span):
    assert letter_scope(question) == (every, span)


@pytest.mark.parametrize(
    "question, head",
    [
        ("Hoeveel ziekenhuisbedden moet Nederland volgens de RO beschikbaar hebben?", "ziekenhuisbedden"),
        ("Hoeveel respondenten deden mee aan de meting van april 2025?", "respondenten"),
        ("In welke week valt de huis-aan-huis-publicatie op de mat?", "week"),
        ("Van welke fractie is het lid Jansen?", "fractie"),
        ("Welke landen doen mee aan de ministeriële coalitie?", "landen"),
        # cue words only say what kind is asked: the head is what follows them
        ("Hoeveel procent van de huishoudens had een noodpakket?", "huishoudens"),
        ("Hoe heet de Duitse commandant van TAAC-N?", "commandant"),  # past the adjective, to the noun
        ("Waarom is een stapsgewijze aanpak nodig?", None),
        ("What share of the Dutch population had prepared?", None),  # English words meet nothing in Dutch letters
    ],
)
def test_the_thing_a_question_asks_after(engine, question, head):
    part = engine.analyse(question).parts[0]
    assert (part.head.word if part.head else None) == head


def test_the_question_is_analysed_once_into_one_object(engine):
    history = [{"role": "user", "content": "Wat doet het kabinet aan regionale weerbaarheid?"},
               {"role": "assistant", "content": "Vanaf 2027 komt structureel €70 miljoen beschikbaar."}]
    q = engine.analyse("En wanneer start de publiekscampagne en hoeveel kost die?", history)
    assert q.followup and q.query.startswith("Wat doet het kabinet")
    assert [p.kind for p in q.parts] == ["date", "money"]
    assert q.previous_answer.startswith("Vanaf 2027")
    own = {w.word: w.weight for w in q.words}
    assert "publiekscampagne" in own and own.get("regionale", 0) < own["publiekscampagne"]  # history weighs less
    assert q.language == "nl" and not q.facts


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("Hoeveel geld gaat naar de zorgverzekering?", ["zorgverzekering"]),  # the letters never speak of it
        ("Hoeveel geld gaat naar de publiekscampagne?", []),
        # English: a word counts through its Dutch form; function words do not count
        ("How much money goes to the public campaign?", []),
        ("What is the current interest rate set by the European Central Bank?", ["current", "interest", "rate", "bank"]),
    ],
)
def test_words_the_letters_never_use(engine, question, unknown):
    assert engine.analyse(question).unknown == unknown
