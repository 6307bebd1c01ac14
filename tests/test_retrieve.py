"""Retrieval: Dutch analysis for BM25, fusion, filters, and fusion beating each retriever on the dev set."""

import numpy as np
import pytest

from rag.dutch import fold
from rag.evaluate import load_set, retrieval_figures, search_outcome
from rag.retrieve import Analyzer, Filters, rrf, words
from tests.conftest import DEV_SET


@pytest.mark.parametrize(
    ("word", "porter", "snowball_new"),
    [("ministers", "minister", "mini"), ("gezondheidszorg", "gezondheidszorg", "zondheidszorg")],
)
def test_dutch_porter_is_the_classic_stemmer_and_dutch_the_aggressive_one(word, porter, snowball_new):
    assert Analyzer("dutch_porter").terms(word)[0] == porter
    assert Analyzer("dutch").terms(word)[0] == snowball_new


def test_dutch_stopwords_go_but_question_words_stay():
    terms = Analyzer("dutch_porter").terms("Wat is de rol van het kabinet en welke stappen niet?")
    assert "de" not in terms and "het" not in terms and "en" not in terms
    assert {"wat", "welk", "niet", "kabinet"} <= set(terms)


def test_compounds_are_split_on_words_the_letters_use():
    a = Analyzer("dutch_porter", vocabulary={"publiek", "campagne", "weerbaarheid", "doelen"})
    assert a.compound_parts("publiekscampagne") == ["publiek", "campagne"]
    assert a.compound_parts("weerbaarheidsdoelen") == ["weerbaarheid", "doelen"]
    assert a.compound_parts("onbekendwoord") == []


def test_accents_are_folded():
    assert words("Oekraïne coördinatie") == ["oekraine", "coordinatie"]


@pytest.mark.parametrize("text", [
    "Oekraïne, coördinatie, financiële middelen, Curaçao, België, cafe\u0301, naïef, ‘ministeriële’ € 5 mln.",
    "Ångström ñ ü ß İstanbul ﬁnanciën",  # ligatures and dotted capitals fold as NFKD does
])
def test_fold_drops_exactly_the_combining_marks(text):
    import unicodedata

    slow = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    assert fold(text) == slow


def test_rrf_rewards_agreement():
    fused = rrf({"bm25": [("a", 3.0), ("b", 2.0)], "dense": [("b", 0.9), ("c", 0.8)]}, k=60)
    assert [r.key for r in fused] == ["b", "a", "c"]
    assert fused[0].ranks == {"bm25": 2, "dense": 1}


def test_filters_by_letter_and_date():
    f = Filters(doc_ids=None, date_from="2024-01-01")
    assert f.allows("x", "2025-04-24") and not f.allows("x", "2023-06-30") and not f.allows("x", None)
    assert Filters(doc_ids=["a"]).allows("a", None) and not Filters(doc_ids=["a"]).allows("b", None)


def test_search_honours_filters(engine):
    hits = engine.search("NAVO-top", 10, Filters(doc_ids=["004_0eaa6607556f058b"]))
    assert hits and {h.passage.doc_id for h in hits} == {"004_0eaa6607556f058b"}
    dated = engine.search("NAVO-top", 10, Filters(date_from="2024-01-01"))
    assert {h.passage.doc_id for h in dated} == {"001_5d30ca5876bbcd37"}  # the one dated letter since 2024


def test_search_finds_the_passage_with_the_answer(engine):
    hits = engine.search("Hoeveel geld komt er structureel bij voor regionale weerbaarheid?", 3)
    assert "structureel €70 miljoen" in hits[0].passage.text
    assert hits[0].passage.text == engine.document(hits[0].passage.doc_id)["text"][hits[0].passage.start:
                                                                                    hits[0].passage.end]


@pytest.fixture(scope="module")
def dev_figures(engine):
    qs = [q for q in load_set(DEV_SET) if q["type"] != "unanswerable"]
    return {r: retrieval_figures([search_outcome(engine, q, r) for q in qs]) for r in ("bm25", "dense", "hybrid")}


def test_fusion_beats_either_retriever_alone_on_the_dev_set(dev_figures):
    hybrid = dev_figures["hybrid"]
    for single in ("bm25", "dense"):
        assert hybrid["hit@5"] >= dev_figures[single]["hit@5"]
        assert hybrid["mrr@10"] >= dev_figures[single]["mrr@10"] - 0.01
    assert hybrid["hit@5"] >= 0.95


def test_scores_are_ordered(engine):
    hits = engine.search("Zweden toetreding", 5)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and np.all(np.isfinite(scores))
