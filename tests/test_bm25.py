"""BM25 over passages: the same scores as bm25s, and texts appended later scored as if indexed at build time."""

import bm25s
import numpy as np
import pytest

from rag.bm25 import BM25Index
from rag.retrieve import Analyzer, NgramAnalyzer
from tests.conftest import CORPUS

QUERIES = [
    "Hoeveel geld gaat er naar de publiekscampagne en de regionale weerbaarheid?",
    "Wie ondertekende de brief over de NAVO-top?",
    "sanctiepakket Rusland",
]


@pytest.fixture(scope="module")
def paragraphs() -> list[str]:
    return [p for f in sorted(CORPUS.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]


@pytest.mark.parametrize("analyzer", [Analyzer(), NgramAnalyzer()], ids=["words", "ngrams"])
@pytest.mark.parametrize("query", QUERIES)
def test_scores_are_those_of_bm25s(paragraphs, analyzer, query):
    ours = BM25Index(paragraphs, analyzer)
    theirs = bm25s.BM25(k1=1.2, b=0.75)
    theirs.index([analyzer.terms(t) or ["_leeg_"] for t in paragraphs], show_progress=False)
    terms = [t for t in analyzer.query_terms(query) if t in theirs.vocab_dict]
    np.testing.assert_allclose(ours.scores(query), theirs.get_scores(terms), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("analyzer", [Analyzer(), NgramAnalyzer()], ids=["words", "ngrams"])
@pytest.mark.parametrize("query", QUERIES)
def test_an_appended_text_scores_as_the_same_text_indexed_at_build_time(paragraphs, analyzer, query):
    base = BM25Index(paragraphs[:-10], analyzer)
    best = int(np.argmax(base.scores(query)))
    grown = base.extended(paragraphs[-10:]).extended([paragraphs[best], paragraphs[40]])
    scores = grown.scores(query)
    assert grown.size == len(paragraphs) + 2 and grown.appended == 12 and base.appended == 0
    assert scores[-2] > 0 and scores[-2] == pytest.approx(scores[best], rel=1e-5)
    assert scores[-1] == pytest.approx(scores[40], rel=1e-5)
    np.testing.assert_array_equal(scores[: base.size], base.scores(query))  # the indexed texts are untouched


def test_a_mask_filters_appended_texts_too(paragraphs):
    grown = BM25Index(paragraphs[:-10], Analyzer()).extended(paragraphs[-10:])
    mask = np.zeros(grown.size, np.float32)
    mask[-10:] = 1
    scores = grown.scores("Oekraïne steun", mask)
    assert not scores[:-10].any() and scores[-10:].any()
