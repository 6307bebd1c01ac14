"""Hybrid retrieval: BM25 (Dutch stemming, compound splitting) and dense vectors, fused by RRF.

BM25 finds the letter's own words (names, numbers, ``Kamerstuk 28 676``); the
dense model finds paraphrases and English questions. Reciprocal rank fusion
needs no score calibration between the two, which is why it is the default.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import Stemmer

from rag.dutch import QUESTION_WORDS, STOPWORDS, char_ngrams, fold, words
from rag.glossary import ABBREVIATIONS, ENGLISH

# The retrievers Engine.search offers; evaluation ablates over all of them.
# "plain" fuses word BM25 and dense only: the baseline the character n-gram index must beat on unseen sets.
RETRIEVERS = ("bm25", "ngram", "dense", "plain", "hybrid")

_LINKS = ("s", "en", "e", "")
_PARTICIPLE = re.compile(r"^(op|af|aan|uit|in|mee|toe|terug|voor|na|over|door|bij|om|weg|vast|samen|)ge(\w{4,})$")
_ACRONYM = re.compile(r"((?:[A-Z][\w’'-]*[ -]+(?:(?:van|de|der|het|voor|en|op|tot|of|the|for|and)\s+)*){1,6})"
                      r"\(([A-Z][A-Za-z0-9-]{1,9})\)")


def find_acronyms(texts: Sequence[str]) -> dict[str, str]:
    """``Comprehensive Assistance Package (CAP)`` -> {"cap": "Comprehensive Assistance Package"}.

    Only where the capitals of the words before the brackets spell the acronym, so
    "lid Van Houwelingen (FVD)" is not taken for a definition.
    """
    found: dict[str, str] = {}
    for text in texts:
        for m in _ACRONYM.finditer(text):
            acronym = m.group(2)
            letters = [c for c in acronym if c.isalpha() and c.isupper()]
            tokens = [t for t in re.split(r"[\s-]+", m.group(1).strip()) if t]
            for start in range(len(tokens)):
                tail = tokens[start:]
                if [t[0] for t in tail if t[0].isupper()] == letters and tail[0][0].isupper():
                    found[fold(acronym)] = " ".join(tail)
                    break
    return found


class Analyzer:
    """Text -> BM25 terms: fold, drop stopwords, split compounds on known words, stem.

    Two Dutch helps on top of stemming: compounds are split on words the letters use
    (``publiekscampagne`` also yields ``publiek`` and ``campagne``), a past participle
    also yields its stem (``gewaarschuwd`` -> ``waarschuw``), and an acronym the
    letters define stands for its long form and back (``SASP`` <-> ``Area-wide Strategic Plan``).
    """

    def __init__(self, stemmer: str = "dutch_porter", vocabulary: set[str] | None = None, split_compounds: bool = True,
                 acronyms: dict[str, str] | None = None):
        self.stemmer_name = stemmer
        self._stemmer = Stemmer.Stemmer(stemmer)
        self.vocabulary = vocabulary or set()
        self.split_compounds = split_compounds
        self._vocab_stems = set(self._stemmer.stemWords(sorted(self.vocabulary)))
        self._prefix_index: dict[str, list[str]] = {}
        self._first_two: dict[str, list[str]] = {}
        for v in self.vocabulary:
            self._prefix_index.setdefault(v[:5], []).append(v)
            self._first_two.setdefault(v[:2], []).append(v)
        self.acronyms = acronyms or {}
        self._long_forms = {fold(v): k for k, v in self.acronyms.items()}
        self._question_stems = set(self._stemmer.stemWords(sorted(QUESTION_WORDS)))
        self._expanded: dict[str, tuple[str, ...]] = {}  # word -> its terms before stemming (fixed per analyzer)

    def compound_parts(self, word: str) -> list[str]:
        """``publiekscampagne`` -> [``publiek``, ``campagne``] when both halves occur in the letters.

        Dutch compounds are right-headed, so when only the tail is a word of the
        letters it is kept alone: ``voorlichtingscampagne`` -> [``campagne``].
        """
        if not self.split_compounds or len(word) < 8 or not word.isalpha():
            return []
        best: list[str] = []
        head: list[str] = []
        for i in range(4, len(word) - 3):
            left, right = word[:i], word[i:]
            if right not in self.vocabulary:
                continue
            if not head and len(right) >= 5:
                head = [right]  # the longest known tail
            for link in _LINKS:
                if link and not left.endswith(link):
                    continue
                stem = left[: len(left) - len(link)] if link else left
                if len(stem) >= 4 and stem in self.vocabulary:
                    parts = [stem, right]
                    if len(stem) > sum(len(p) for p in best[:1]):
                        best = parts
        return best or (head if word not in self.vocabulary else [])

    def misspells(self, word: str) -> str | None:
        """The letters' word that ``word`` is a typo of (``publiekscampgne`` -> ``publiekscampagne``), if any:
        same first two letters, length within two, and a close match."""
        if len(word) < 5:
            return None
        near = [v for v in self._first_two.get(word[:2], ()) if abs(len(v) - len(word)) <= 2]
        best = difflib.get_close_matches(word, near, n=1, cutoff=0.84)
        return best[0] if best else None

    def participle_stem(self, word: str) -> list[str]:
        """``gewaarschuwd`` -> [``waarschuw``], ``opgewaardeerd`` -> [``opwaardeer``] when the letters use that stem."""
        if len(word) < 7 or not word.endswith(("d", "t")):  # weak verbs only: not "gemeenten", "gegeven"
            return []
        m = _PARTICIPLE.match(word)
        if not m:
            return []
        base = m.group(1) + m.group(2)
        for cand in (base[:-1] if base.endswith(("d", "t")) else "", base):
            if cand and (self._stemmer.stemWord(cand) in self._vocab_stems or any(
                    v.startswith(cand[:7]) for v in self._prefix_index.get(cand[:5], ()))):
                return [cand]
        return []

    def expand(self, w: str) -> tuple[str, ...]:
        """A word and what it also stands for: compound parts, participle stem, an acronym's long form.
        Remembered per word: the vocabulary is fixed for this analyzer, and a letter's words repeat."""
        got = self._expanded.get(w)
        if got is None:
            more = [x for x in words(self.acronyms[w]) if x not in STOPWORDS] if w in self.acronyms else []
            got = (w, *self.compound_parts(w), *self.participle_stem(w), *more)
            self._expanded[w] = got
        return got

    def terms(self, text: str) -> list[str]:
        out = []
        ws = words(text)
        for w in ws:
            if w not in STOPWORDS:
                out.extend(self.expand(w))
        if self._long_forms:
            joined = " ".join(ws)
            out.extend(acr for long, acr in self._long_forms.items() if " ".join(words(long)) in joined)
        return self._stem(out)

    def word_groups(self, query: str) -> list[tuple[str, list[str]]]:
        """Each content word of a question with every term that counts as meeting it: its stem, its
        compound parts and participle stem, the letters' spelling of an abbreviation or English word, and
        the long form of an acronym (and an acronym whose long form the question spells out)."""
        groups = []
        ws = words(query)
        for w in ws:
            if w in STOPWORDS or w in QUESTION_WORDS:
                continue
            alts = [w, *self.compound_parts(w), *self.participle_stem(w)]
            for mapped in (ABBREVIATIONS.get(w), ENGLISH.get(w), self.acronyms.get(w)):
                if mapped:
                    alts.extend(x for x in words(mapped) if x not in STOPWORDS)
            groups.append((w, self._stem(alts)))
        if self._long_forms:
            joined = " ".join(ws)
            groups.extend((acr, self._stem([acr])) for long, acr in self._long_forms.items()
                          if " ".join(words(long)) in joined)
        return groups

    def query_terms(self, query: str) -> list[str]:
        """Terms of a question: its content words plus the letters' spelling of its abbreviations and
        English domain words (rag/glossary.py)."""
        return [t for t in self.terms(expand_query(query)) if t not in self._question_stems]

    def _stem(self, ws: list[str]) -> list[str]:
        return self._stemmer.stemWords(ws)


def expand_query(query: str) -> str:
    """The question plus the letters' spelling of its abbreviations and English domain words."""
    extra = [ABBREVIATIONS.get(w) or ENGLISH.get(w) for w in words(query)]
    return " ".join([query, *(x for x in extra if x)])


class NgramAnalyzer:
    """Text -> character 5-grams of its content words, for a BM25 that matches parts of words."""

    def __init__(self, n: int = 5):
        self.n = n

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for w in words(text):
            if w not in STOPWORDS and len(w) >= 4:
                out.extend(sorted(char_ngrams(w, self.n)))
        return out

    def query_terms(self, query: str) -> list[str]:
        return [t for w in words(expand_query(query)) if w not in QUESTION_WORDS for t in self.terms(w)]


def build_vocabulary(texts: Sequence[str]) -> set[str]:
    return {w for t in texts for w in words(t) if len(w) >= 4 and w not in STOPWORDS}


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
