"""The checker between a language model and the user, fed hand-made generations on the real letters.

Each bad generation is one a small model really produces (an invented amount, a marker that
points nowhere, a claim without a marker, a claim cited to the wrong passage, English to a
Dutch question, a sentence that merely echoes the question); each must be caught, and the
faithful ones must pass with their quote at exact offsets.
"""

from __future__ import annotations

import pytest

from rag.generate import GenerationSettings, prepare
from rag.verify import Renumberer, canonical_number, make_claim, names, numbers, split_claims

QUESTION = "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?"


@pytest.mark.parametrize("text, final, claims, rest", [
    ("Er komt €70 miljoen. [1] Daarvan is € 5 mln. voor de campagne [1].", True,
     [("Er komt €70 miljoen.", (1,)), ("Daarvan is € 5 mln. voor de campagne.", (1,))], ""),
    # streaming: the second sentence has not visibly begun, so the first is not complete yet
    ("Er komt €70 miljoen. [1]", False, [], "Er komt €70 miljoen. [1]"),
    ("Er komt €70 miljoen. [1] Daar", False, [("Er komt €70 miljoen.", (1,))], "Daar"),
    # an abbreviation before a lower-case word does not end the sentence
    ("Circa € 5 mln. is bestemd voor de campagne [2]. Klaar", False,
     [("Circa € 5 mln. is bestemd voor de campagne.", (2,))], "Klaar"),
    ("- eerste punt [1]\n- tweede punt [2]", True, [("eerste punt", (1,)), ("tweede punt", (2,))], ""),
    ("Twee bronnen [1][3].", True, [("Twee bronnen.", (1, 3))], ""),
])
def test_split_claims(text, final, claims, rest):
    got, left = split_claims(text, final)
    assert [(c.text, c.markers) for c in got] == claims
    assert left == rest


@pytest.mark.parametrize("token, canonical", [
    ("70", "70"), ("1.000.000", "1000000"), ("1,5", "1,5"), ("1.5", "1,5"), ("2,0", "2"), ("2027", "2027"),
])
def test_numbers_are_compared_as_the_letters_write_them(token, canonical):
    assert canonical_number(token) == canonical


def test_numbers_names_and_markers_of_a_sentence():
    assert numbers("vanaf 2027 structureel €70 miljoen, waarvan 1.000 voor 5% [1]") == {"2027", "70", "1000", "5", "1"}
    assert names("Het kabinet steunt Oekraïne en de NAVO.") == ["Oekraïne", "NAVO"]
    assert make_claim("  Dit klopt [2] . ").text == "Dit klopt."


@pytest.fixture(scope="module")
def checker(engine):
    """The real checker for QUESTION over four fragments of the real retrieval (relevance off, so that
    the support rules are what is tested)."""
    q = engine.analyse(QUESTION)
    hits, sims = engine.retrieve(q, 5)
    gs = GenerationSettings(passages=4, min_relevance=0.0)
    prep = prepare(q, hits, sims, engine.context(), engine.model, None, engine.embed_query,
                   engine.view.sentence_vectors, gs)
    assert len(prep.frags) >= 2
    money = next(f.n for f in prep.frags
                 if any("€70 miljoen" in engine.context().sentences[i].text for i in f.sentences))
    other = next(f.n for f in prep.frags if f.n != money)
    return prep.checker, money, other


GOOD = "Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de regionale en lokale weerbaarheid. [{money}]"
BAD = {
    "invented amount": ("Vanaf 2027 komt structureel €90 miljoen beschikbaar voor de regionale en lokale "
                        "weerbaarheid. [{money}]", "getal niet in de bron"),
    "wrong marker": ("Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de regionale en lokale "
                     "weerbaarheid. [9]", "verwijst naar geen fragment"),
    "marker-less claim": ("Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de regionale en lokale "
                          "weerbaarheid.", "geen bronnummer"),
    "claim from the wrong passage": ("Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de regionale en "
                                     "lokale weerbaarheid. [{other}]", ""),
    "claim from the wrong passage, no number": ("Daarnaast komt er een Landelijk Crisis Plan "
                                                "Voedselzekerheid. [{money}]", ""),
    "English answer to a Dutch question": ("From 2027 a structural 70 million euros is available for regional "
                                           "and local resilience. [{money}]", "andere taal"),
    "echoes the question": ("Het geld voor regionale weerbaarheid komt structureel beschikbaar via de "
                            "veiligheidsregio's. [{money}]", ""),
    "repeats the question": ("Structureel geld voor regionale weerbaarheid. [{money}]", "herhaalt alleen de vraag"),
    "invented year": ("Vanaf 2029 komt structureel €70 miljoen beschikbaar voor de regionale en lokale "
                      "weerbaarheid. [{money}]", "getal niet in de bron"),
    "invented name": ("Minister Yeşilgöz maakt vanaf 2027 structureel €70 miljoen vrij voor de regionale en "
                      "lokale weerbaarheid. [{money}]", ""),
}


def test_a_faithful_sentence_passes(checker):
    check, money, _ = checker
    (claim,), _ = split_claims(GOOD.format(money=money), final=True)
    verdict = check.check(claim)
    assert verdict.kept, verdict.reason
    assert verdict.markers == (money,)


@pytest.mark.parametrize("case", list(BAD))
def test_each_bad_generation_is_caught(checker, case):
    check, money, other = checker
    text, reason = BAD[case]
    (claim,), _ = split_claims(text.format(money=money, other=other), final=True)
    verdict = check.check(claim)
    assert not verdict.kept, f"{case} kwam door"
    assert reason in verdict.reason


def test_kept_sentences_are_renumbered_in_order_of_use(checker):
    check, money, other = checker
    renumber = Renumberer()
    (claim,), _ = split_claims(GOOD.format(money=money), final=True)
    assert renumber.render(check.check(claim)).endswith(" [1]")
    assert renumber.order == {money: 1}


def test_the_quote_is_the_sentence_that_holds_the_claim(checker, engine):
    check, money, _ = checker
    (claim,), _ = split_claims(GOOD.format(money=money), final=True)
    verdict = check.check(claim)
    i = check.best_sentence(money, [verdict])
    sentence = engine.context().sentences[i]
    text = engine.document(sentence.doc_id)["text"]
    assert "€70 miljoen" in text[sentence.start:sentence.end]


@pytest.fixture(scope="module")
def prepared(engine):
    """What generation starts from for QUESTION (relevance off, so that the anchor rule is what is tested)."""
    q = engine.analyse(QUESTION)
    hits, sims = engine.retrieve(q, 5)
    return prepare(q, hits, sims, engine.context(), engine.model, None, engine.embed_query,
                   engine.view.sentence_vectors, GenerationSettings(min_relevance=0.0))


def test_the_model_is_shown_exactly_what_the_extractive_answer_quotes(prepared, engine):
    ctx = engine.context()
    first = prepared.extractive.citations[0]
    shown = " ".join(ctx.sentences[i].text for i in prepared.frags[0].sentences)
    assert prepared.frags[0].chunk_id == first.chunk_id
    assert " ".join(shown.split()) == " ".join(first.quote.split())
    assert all(len(f.sentences) == 1 for f in prepared.frags[len(prepared.extractive.citations):])


def test_a_generated_answer_must_say_what_the_best_quoted_sentence_says(prepared, engine):
    """The anchor is the €70 miljoen sentence; the €5 mln sentence beside it, copied alone, does not rest on it."""
    ctx = engine.context()
    check, anchor = prepared.checker, prepared.anchor
    assert "€70 miljoen" in ctx.sentences[anchor].text
    (good,), _ = split_claims(GOOD.format(money=1), final=True)
    (lesser,), _ = split_claims("Circa € 5 mln. is bestemd voor de publiekscampagne. [1]", final=True)
    kept_good, kept_lesser = check.check(good), check.check(lesser)
    assert kept_good.kept and check.basis(kept_good) == anchor
    assert kept_lesser.kept, kept_lesser.reason
    assert check.basis(kept_lesser) != anchor
