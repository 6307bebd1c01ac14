"""Check a generated answer, sentence by sentence, against the passages it cites.

A language model's fluent sentence only reaches the user when the passage it cites
holds it: every number, amount and year in the sentence stands in that passage, so do
its names, its content words are covered by the passage (Dutch) or it means what a
sentence of the passage means (dense similarity; also for English answers), and it is
in the question's language. A sentence without a marker, or whose markers point
nowhere, is not a cited claim and is dropped. The kept sentences' markers are
renumbered in order of first use, and each citation quotes the passage sentence that
best supports the sentences citing it, so the UI highlights as for extractive answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rag.dutch import QUESTION_WORDS, STOPWORDS, fold, language, text_grams, words
from rag.features import Context

MARKER = re.compile(r"\s*\[(\d{1,3})\]")
# A sentence ends at . ! ? (then perhaps its markers) before white space, or at a line break.
_END = re.compile(r"[.!?](?:\s*\[\d{1,3}\])*(?=\s)|\n")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\w])|(?<![\w.,])\d+(?:[.,]\d+)?(?![\d])")
_NAME = re.compile(r"(?<![\w-])(?:[A-ZÀ-Þ][\w’'-]*[A-ZÀ-Þ0-9][\w’'-]*|[A-ZÀ-Þ][a-zß-ÿ][\w’'-]+)")


# Words about the letters themselves, which an answer may use without its passage saying them.
GENERIC = frozenset("brief brieven kamerbrief kamerbrieven volgens minister kabinet staat stelt schrijft letter "
                    "letters says according".split())


@dataclass(frozen=True)
class Claim:
    text: str  # the sentence without its markers
    markers: tuple[int, ...]


def make_claim(raw: str) -> Claim:
    markers = tuple(dict.fromkeys(int(m) for m in MARKER.findall(raw)))
    text = re.sub(r"\s+([.,;:!?])", r"\1", MARKER.sub("", raw))
    text = re.sub(r"^[\s*•-]+", "", re.sub(r"\s+", " ", text)).strip()
    return Claim(text, markers)


def split_claims(text: str, final: bool = False) -> tuple[list[Claim], str]:
    """The complete sentences of ``text`` and what is left (an unfinished sentence, while streaming).

    A sentence is complete once the next one has visibly begun (a capital, digit or quote after the
    white space), so ``€ 5 mln. is bestemd`` stays one sentence; at the end (``final``) the rest is one too."""
    claims: list[Claim] = []
    start = 0
    for m in _END.finditer(text):
        k = m.end()
        while k < len(text) and text[k].isspace():
            k += 1
        if k == len(text):
            break
        nxt = text[k]
        if m.group() != "\n" and not (nxt.isupper() or nxt.isdigit() or nxt in "€\"'“‘(*-•"):
            continue
        raw = text[start:m.end()]
        if raw.strip():
            claims.append(make_claim(raw))
        start = k
    rest = text[start:]
    if final:
        if rest.strip():
            claims.append(make_claim(rest))
        rest = ""
    return [c for c in claims if c.text or c.markers], rest


# --- what a sentence asserts ----------------------------------------------------------------------

def canonical_number(token: str) -> str:
    """``1.000.000`` -> ``1000000``, ``1.5`` and ``1,5`` -> ``1,5``, ``2,0`` -> ``2``."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", token):
        token = token.replace(".", "")
    token = token.replace(".", ",")
    if "," in token:
        token = token.rstrip("0").rstrip(",")
    return token.lstrip("0") or "0"


def numbers(text: str) -> set[str]:
    """Every number in a text (amounts, years, percentages, counts), canonical."""
    return {canonical_number(t) for t in _NUMBER.findall(text)}


def names(text: str) -> list[str]:
    """Capitalised words and acronyms after the first word: the names a sentence asserts."""
    found = _NAME.findall(text)
    first = re.match(r"\W*([\w’'-]+)", text)
    if first and found and found[0] == first.group(1):
        found = found[1:]
    return [n for n in found if fold(n) not in STOPWORDS]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS
            and w not in QUESTION_WORDS]


@dataclass
class Evidence:
    """One cited passage as the checker sees it: its sentences, and its words, terms and numbers."""

    n: int
    chunk_id: str
    doc_id: str
    sentences: list[int]
    text: str  # passage text and the letter's title
    words: set[str] = field(default_factory=set)
    terms: set[str] = field(default_factory=set)
    grams: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)


@dataclass
class Verdict:
    claim: Claim
    kept: bool
    reason: str  # why dropped ("" when kept)
    markers: tuple[int, ...] = ()  # the cited fragments that hold it
    coverage: float = 0.0
    similarity: float = 0.0
    vector: np.ndarray | None = None


class Checker:
    """Checks claims against the fragments of one answer; made per request."""

    def __init__(self, ctx: Context, evidence: dict[int, Evidence], question_language: str,
                 question_words: set[str], embed: Callable[[str], np.ndarray], vectors: np.ndarray,
                 min_coverage: float = 0.75, min_similarity: float = 0.82,
                 relevance: dict[int, float] | None = None, min_relevance: float = 0.0):
        self.ctx = ctx
        self.relevance = relevance or {}
        self.top_relevance = max(self.relevance.values(), default=0.0)
        self.min_relevance = min_relevance
        self.evidence = evidence
        self.language = question_language
        self.question_words = question_words
        self.embed = embed
        self.vectors = vectors
        self.min_coverage = min_coverage
        self.min_similarity = min_similarity
        for ev in evidence.values():
            ev.words = set(words(ev.text))
            ev.terms = set(ctx.analyzer.terms(ev.text))
            ev.grams = text_grams(ev.text)
            ev.numbers = numbers(ev.text)

    def unheld(self, claim: Claim, evs: list[Evidence]) -> list[str]:
        """The claim's content words the passages do not hold (not as a stem, nor a word of the same family)."""
        terms = set().union(*(e.terms for e in evs))
        grams = set().union(*(e.grams for e in evs))
        out = []
        for w in content_words(claim.text):
            own = set(self.ctx.analyzer.terms(w))
            wg = text_grams(w)
            if not ((own and own & terms) or (wg and len(wg & grams) >= 0.6 * len(wg))):
                out.append(w)
        return out

    def similarity(self, vec: np.ndarray, evs: list[Evidence]) -> float:
        rows = [i for e in evs for i in e.sentences]
        if not rows:
            return 0.0
        return float(np.max(self.vectors[rows] @ vec))

    def check(self, claim: Claim) -> Verdict:
        if not claim.markers:
            return Verdict(claim, False, "geen bronnummer")
        cited = [n for n in claim.markers if n in self.evidence]
        if not cited:
            return Verdict(claim, False, "bronnummer verwijst naar geen fragment")
        if language(claim.text) != self.language and len(content_words(claim.text)) >= 3:
            return Verdict(claim, False, "in een andere taal dan de vraag")
        said = content_words(claim.text)
        if said and all(w in self.question_words for w in said):
            return Verdict(claim, False, "herhaalt alleen de vraag")
        evs = [self.evidence[n] for n in cited]
        missing = numbers(claim.text) - set().union(*(e.numbers for e in evs))
        if missing:
            return Verdict(claim, False, f"getal niet in de bron: {', '.join(sorted(missing))}")
        if self.language == "nl":
            have = set().union(*(e.words for e in evs))
            absent = [n for n in names(claim.text) if not set(words(n)) <= have]
            if absent:
                return Verdict(claim, False, f"naam niet in de bron: {', '.join(absent)}")
        vec = self.embed(claim.text)
        vec = vec / (np.linalg.norm(vec) or 1.0)
        sim = self.similarity(vec, evs)
        cov = 1.0
        if self.language == "nl":
            unheld = self.unheld(claim, evs)
            echoed = [w for w in unheld if w in self.question_words and w not in GENERIC]
            if echoed:
                return Verdict(claim, False, f"neemt uit de vraag over wat niet in de bron staat: {', '.join(echoed)}",
                               (), 0.0, 0.0)
            cov = 1 - len(unheld) / max(len(content_words(claim.text)), 1)
        if cov < self.min_coverage:
            return Verdict(claim, False, f"niet gedekt door de bron ({cov:.0%} van de woorden)", (), cov, sim)
        if sim < self.min_similarity:
            return Verdict(claim, False, f"zegt iets anders dan de bron (gelijkenis {sim:.2f})", (), cov, sim)
        if self.top_relevance > 0 and self.min_relevance > 0:
            rel = self.relevance.get(self.closest(evs, vec), 0.0) / self.top_relevance
            if rel < self.min_relevance:
                return Verdict(claim, False, f"steunt op een zin die de vraag niet beantwoordt ({rel:.2f})", (),
                               cov, sim)
        holding = tuple(n for n in cited if self.similarity(vec, [self.evidence[n]]) >= self.min_similarity) \
            or (cited[0],)
        return Verdict(claim, True, "", holding, cov, sim, vec)

    def closest(self, evs: list[Evidence], vec: np.ndarray) -> int | None:
        """The passage sentence of ``evs`` closest in meaning to ``vec``."""
        rows = [i for e in evs for i in e.sentences]
        return rows[int(np.argmax(self.vectors[rows] @ vec))] if rows else None

    def basis(self, v: Verdict) -> int | None:
        """The passage sentence a kept claim is closest to, among those of the fragments it cites."""
        return None if v.vector is None else self.closest([self.evidence[n] for n in v.markers], v.vector)

    def best_sentence(self, n: int, verdicts: list[Verdict]) -> int:
        """The sentence of fragment ``n``'s passage that best supports the kept claims citing it."""
        ev = self.evidence[n]
        citing = [v for v in verdicts if n in v.markers and v.vector is not None]
        best, best_score = ev.sentences[0], -1.0
        for i in ev.sentences:
            score = sum(float(self.vectors[i] @ v.vector) for v in citing)
            if self.language == "nl":
                terms = self.ctx.sentence_terms[i]
                for v in citing:
                    ws = content_words(v.claim.text)
                    score += sum(bool(set(self.ctx.analyzer.terms(w)) & terms) for w in ws) / max(len(ws), 1)
            if score > best_score:
                best, best_score = i, score
        return best


class Renumberer:
    """Fragment numbers -> answer numbers, in order of first use, so the answer reads [1], [2], ..."""

    def __init__(self):
        self.order: dict[int, int] = {}

    def render(self, verdict: Verdict) -> str:
        for n in verdict.markers:
            self.order.setdefault(n, len(self.order) + 1)
        text = verdict.claim.text.rstrip()
        return text + " " + "".join(f"[{self.order[n]}]" for n in verdict.markers)
