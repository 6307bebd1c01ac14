"""Hybrid retrieval: BM25 (Dutch stemming, compound splitting) and dense vectors, fused by RRF.

BM25 finds the letter's own words (names, numbers, ``Kamerstuk 28 676``); the
dense model finds paraphrases and English questions. Reciprocal rank fusion
needs no score calibration between the two, which is why it is the default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

# The retrievers Engine.search offers; evaluation ablates over all of them.
RETRIEVERS = ("bm25", "dense", "hybrid")

_WORD = re.compile(r"\w+", re.UNICODE)
# The default stopword list drops words that carry meaning in questions about letters.
KEEP = {"niet", "geen", "nog", "meer", "veel", "wie", "wat", "wanneer", "waar", "welke", "hoeveel", "tegen"}
STOPWORDS = frozenset(w for w in STOPWORDS_DUTCH if w not in KEEP) | {
    "the", "of", "and", "to", "in", "is", "what", "which", "who", "when", "how", "does", "for", "a", "an", "on",
}
_LINKS = ("s", "en", "e", "")


def fold(text: str) -> str:
    """Lower case without diacritics: ``Oekraïne`` -> ``oekraine``."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(fold(text)) if len(w) > 1 or w.isdigit()]


class Analyzer:
    """Text -> BM25 terms: fold, drop stopwords, split compounds on known words, stem."""

    def __init__(self, stemmer: str = "dutch_porter", vocabulary: set[str] | None = None, split_compounds: bool = True):
        self.stemmer_name = stemmer
        self._stemmer = Stemmer.Stemmer(stemmer)
        self.vocabulary = vocabulary or set()
        self.split_compounds = split_compounds

    def compound_parts(self, word: str) -> list[str]:
        """``publiekscampagne`` -> [``publiek``, ``campagne``] when both halves occur in the corpus."""
        if not self.split_compounds or len(word) < 8 or not word.isalpha():
            return []
        best: list[str] = []
        for i in range(4, len(word) - 3):
            left, right = word[:i], word[i:]
            if right not in self.vocabulary:
                continue
            for link in _LINKS:
                if link and not left.endswith(link):
                    continue
                stem = left[: len(left) - len(link)] if link else left
                if len(stem) >= 4 and stem in self.vocabulary:
                    parts = [stem, right]
                    if len(stem) > sum(len(p) for p in best[:1]):
                        best = parts
        return best

    def terms(self, text: str) -> list[str]:
        out = []
        for w in words(text):
            if w in STOPWORDS:
                continue
            out.append(w)
            out.extend(self.compound_parts(w))
        return self._stem(out)

    def _stem(self, ws: list[str]) -> list[str]:
        return self._stemmer.stemWords(ws)


def build_vocabulary(texts: Sequence[str]) -> set[str]:
    return {w for t in texts for w in words(t) if len(w) >= 4 and w not in STOPWORDS}


class BM25Index:
    """bm25s over a fixed list of texts; scores for every text, so filters are a mask."""

    def __init__(self, texts: Sequence[str], analyzer: Analyzer):
        self.analyzer = analyzer
        self.size = len(texts)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [analyzer.terms(t) or ["_leeg_"] for t in texts]
        if texts:
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        if not self.size:
            return np.zeros(0, np.float32)
        terms = [t for t in self.analyzer.terms(query) if t in self._bm25.vocab_dict]
        if not terms:
            return np.zeros(self.size, np.float32)
        s = np.asarray(self._bm25.get_scores(terms), dtype=np.float32)
        return s * mask if mask is not None else s


@dataclass
class Filters:
    doc_ids: list[str] | None = None
    date_from: str | None = None  # ISO dates; undated letters never match a date filter
    date_to: str | None = None

    def allows(self, doc_id: str, date: str | None) -> bool:
        if self.doc_ids and doc_id not in self.doc_ids:
            return False
        if self.date_from or self.date_to:
            if not date:
                return False
            if self.date_from and date < self.date_from:
                return False
            if self.date_to and date > self.date_to:
                return False
        return True

    def date_ints(self) -> tuple[int | None, int | None]:
        lo = int(self.date_from.replace("-", "")) if self.date_from else None
        hi = int(self.date_to.replace("-", "")) if self.date_to else None
        if hi is not None and lo is None:
            lo = 0  # undated letters are stored as -1
        return lo, hi


@dataclass
class Ranked:
    """A ranked item (passage or sentence) with the evidence of each retriever."""

    key: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)


def rrf(rankings: dict[str, list[tuple[str, float]]], k: int = 60, weights: dict[str, float] | None = None
        ) -> list[Ranked]:
    """Reciprocal rank fusion of several ranked lists of (key, score)."""
    fused: dict[str, Ranked] = {}
    for name, ranking in rankings.items():
        w = (weights or {}).get(name, 1.0)
        for rank, (key, raw) in enumerate(ranking, start=1):
            item = fused.setdefault(key, Ranked(key, 0.0))
            item.score += w / (k + rank)
            item.ranks[name] = rank
            item.raw[name] = raw
    return sorted(fused.values(), key=lambda r: (-r.score, r.key))


def top_indices(scores: np.ndarray, n: int) -> list[int]:
    """Indices of the n best positive scores, best first."""
    if scores.size == 0:
        return []
    n = min(n, scores.size)
    idx = np.argpartition(-scores, n - 1)[:n]
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    return [int(i) for i in idx if scores[i] > 0]
