"""BM25 over the view's passages: bm25s for the texts a view was built with, plus texts appended since.

bm25s builds a static index; rebuilding it for every uploaded letter cost most of an upload once the
collection held thousands of letters. So an index can be *extended*: appended texts get postings of their
own, scored with the statistics of the texts indexed at build time (their IDF, their mean length), the way
a search engine scores a fresh segment before it merges. A text appended scores exactly as the same text
would among the texts indexed at build time. The view is rebuilt whole, and the segments merged, when the
appended texts grow past a share of the indexed ones (``rag.view``).
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import bm25s
import numpy as np

K1, B = 1.2, 0.75  # bm25s defaults, its "lucene" variant


class TermAnalyzer(Protocol):
    def terms(self, text: str) -> list[str]: ...
    def query_terms(self, query: str) -> list[str]: ...


def idf(df: int, n_docs: int) -> float:
    """Lucene's IDF, as bm25s computes it."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def length_weights(lengths: np.ndarray, mean_length: float) -> np.ndarray:
    """BM25's length normalisation per text, the part of the term-frequency component that is not the count."""
    return K1 * ((1 - B) + B * lengths / mean_length)


def sum_postings(data: np.ndarray, indptr: np.ndarray, indices: np.ndarray, ids: Sequence[int],
                 n_docs: int) -> np.ndarray:
    """Sum of the precomputed per-text scores of the given term ids (repeated ids count again, as in bm25s).

    One ``bincount`` over the gathered postings: bm25s itself adds each term with ``np.add.at``, which was
    most of a search over a large collection."""
    if not len(ids):
        return np.zeros(n_docs, np.float32)
    docs = np.concatenate([indices[indptr[i]:indptr[i + 1]] for i in ids])
    weights = np.concatenate([data[indptr[i]:indptr[i + 1]] for i in ids])
    return np.bincount(docs, weights=weights, minlength=n_docs).astype(np.float32)


class BM25Index:
    """Scores for every text (indexed, then appended), so filters are a mask."""

    def __init__(self, texts: Sequence[str], analyzer: TermAnalyzer):
        self.analyzer = analyzer
        self.base_size = len(texts)
        self._bm25 = bm25s.BM25(k1=K1, b=B)
        self._df: np.ndarray = np.zeros(0, np.int64)
        self._mean_length = 1.0
        shared: dict[str, str] = {}  # one string per distinct term: millions of equal n-gram strings
        corpus = [[shared.setdefault(term, term) for term in analyzer.terms(t)] or ["_leeg_"] for t in texts]
        if texts:
            self._bm25.index(corpus, show_progress=False)
            self._df = np.diff(self._bm25.scores["indptr"])
            self._mean_length = sum(map(len, corpus)) / len(corpus)
        self._added: list[Counter] = []  # term counts of the appended texts
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # term -> (appended text, score)

    @property
    def size(self) -> int:
        return self.base_size + len(self._added)

    @property
    def appended(self) -> int:
        return len(self._added)

    def extended(self, texts: Sequence[str]) -> BM25Index:
        """A new index with ``texts`` appended; this one is left as it was (views share it)."""
        new = copy.copy(self)
        new._added = self._added + [Counter(self.analyzer.terms(t)) for t in texts]
        new._postings = new._appended_postings()
        return new

    def _appended_postings(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        vocab, n = self._bm25.vocab_dict, max(self.base_size, 1)
        norms = length_weights(np.array([sum(c.values()) for c in self._added], np.float64), self._mean_length)
        by_term: dict[str, list[tuple[int, int]]] = {}
        for doc, counts in enumerate(self._added):
            for term, tf in counts.items():
                by_term.setdefault(term, []).append((doc, tf))
        postings = {}
        for term, hits in by_term.items():
            df = int(self._df[vocab[term]]) if term in vocab else len(hits)
            docs = np.array([d for d, _ in hits], np.int64)
            tfs = np.array([tf for _, tf in hits], np.float64)
            postings[term] = (docs, (idf(df, n) * tfs / (tfs + norms[docs])).astype(np.float32))
        return postings

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        if not self.size:
            return np.zeros(0, np.float32)
        terms = self.analyzer.query_terms(query)
        out = np.zeros(self.size, np.float32)
        if self.base_size:
            vocab, sc = self._bm25.vocab_dict, self._bm25.scores
            ids = [vocab[t] for t in terms if t in vocab]
            if ids:
                out[: self.base_size] = sum_postings(sc["data"], sc["indptr"], sc["indices"], ids, self.base_size)
        for t in terms:
            hit = self._postings.get(t)
            if hit is not None:
                np.add.at(out, self.base_size + hit[0], hit[1])
        return out * mask if mask is not None else out
