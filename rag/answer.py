"""Extractive answers: pick the sentences that answer the question, cite each, or abstain.

No language model is needed. Sentences of the retrieved passages are scored on
what a reader checks: does the sentence say the same thing (dense similarity),
does it use the question's words (IDF-weighted, stemmed, compounds split), and
does it hold what the question asks for (an amount for ``hoeveel``, a date for
``wanneer``, a person or body for ``wie``, an enumeration for ``welke``). The
same features say whether the letters answer the question at all; their
combination, the *support* score, decides abstention (see ``support``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.retrieve import Analyzer, fold, words

# --- question analysis ---------------------------------------------------------------------------

KINDS = ("amount", "date", "person", "place", "list", "reason", "other")

_KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("amount", re.compile(r"\b(hoeveel|welk bedrag|welke bedragen|hoe ?(groot|hoog|veel)|hoeveelheid|percentage|procent"
                          r"|budget|bedrag|kosten|geld|how (much|many)|what amount|how large|share)\b")),
    ("date", re.compile(r"\b(wanneer|welke datum|op welke dag|in welk jaar|welk jaar|sinds wanneer|vanaf wanneer"
                        r"|per wanneer|datum|when|what date|which year|what year|gedateerd|dated)\b")),
    ("person", re.compile(r"\b(wie|door wie|welke minister|welk ministerie|welke ministers|ondertekend|afzender"
                          r"|who|which minister|signed|sent by)\b")),
    ("place", re.compile(r"\b(waar|in welke stad|welke plaats|where|which city)\b")),
    ("reason", re.compile(r"\b(waarom|om welke reden|wat is het doel|waartoe|why|for what reason|purpose)\b")),
    ("list", re.compile(r"\b(welke|noem|wat zijn|opsomming|which|what are|list)\b")),
]

_EN = {
    "the", "what", "which", "who", "when", "where", "why", "how", "did", "does", "do", "is", "are", "was", "were",
    "of", "to", "and", "in", "for", "with", "about", "on", "by", "from", "this", "that", "these", "those", "it",
    "its", "their", "has", "have", "will", "would", "should", "can", "could"
}
_NL = {
    "de", "het", "een", "van", "en", "wat", "welke", "wie", "wanneer", "waar", "waarom", "hoe", "is", "zijn",
    "wordt", "worden", "voor", "met", "op", "door", "aan", "bij", "uit", "over", "dit", "dat", "deze", "die", "er",
    "niet", "ook", "naar", "heeft", "hebben", "zal", "zullen", "kan"
}

_FOLLOWUP = re.compile(r"^(en|maar|ook|dus|daarnaast|verder)\b|\b(daarvoor|daarvan|daarover|daarbij|daarmee|hiervoor"
                       r"|dat|die|dit|deze|hij|zij|ze|het|hun|hem|daar|toen|and|it|that|they|them|those)\b", re.I)


def language(text: str) -> str:
    ws = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    en = sum(w in _EN for w in ws)
    nl = sum(w in _NL for w in ws)
    return "en" if en > nl else "nl"


def question_kind(question: str) -> str:
    q = fold(question)
    for kind, pat in _KIND_PATTERNS:
        if pat.search(q):
            if kind == "list" and re.search(r"\b(welke|which)\s+\w+\b", q) and not _plural_object(q):
                continue
            return kind
    return "other"


def _plural_object(q: str) -> bool:
    m = re.search(r"\b(welke|which|wat zijn|what are|noem)\s+(\w+)", q)
    if not m:
        return False
    if m.group(1) in ("wat zijn", "what are", "noem"):
        return True
    w = m.group(2)
    return w.endswith(("en", "s", "ies")) and not w.endswith(("ssen",))


# --- what a sentence holds ----------------------------------------------------------------------

_AMOUNT = re.compile(r"(€|\beur\b|\beuro\b|miljoen|miljard|\bmln\b|\bmld\b|procent|%|\b\d+([.,]\d+)?\b)", re.I)
_MONTHS = r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_DATE = re.compile(rf"\b(\d{{1,2}}(-\d{{1,2}})?\s+({_MONTHS})|({_MONTHS})\s+\d{{4}}|(19|20)\d\d|jl\.|a\.s\."
                   rf"|voorjaar|najaar|zomer|winter|eind|begin)\b", re.I)
_PERSON = re.compile(r"\b(minister|ministers|staatssecretaris|kabinet|ministerie|secretaris-generaal|sg navo|navo"
                     r"|commissie|raad|kamer|president|premier|regeringsleiders|bondgenoten|[A-Z][a-z]+ [A-Z][a-z]+)\b")
_PLACE = re.compile(r"\b(in|te|naar)\s+[A-Z][a-zë]+")
_REASON = re.compile(r"\b(omdat|doordat|daarom|zodat|om\b.*\bte\b|doel|vanwege|teneinde|gelet op|noodzakelijk|nodig)\b",
                     re.I)


def holds_kind(kind: str, text: str) -> bool:
    """Does ``text`` hold the kind of thing the question asks for?"""
    if kind == "amount":
        return bool(re.search(r"(€|\beur\b|miljoen|miljard|\bmln\b|procent|%|\b\d)", text, re.I))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "person":
        return bool(_PERSON.search(text))
    if kind == "place":
        return bool(_PLACE.search(text))
    if kind == "reason":
        return bool(_REASON.search(text))
    if kind == "list":
        return text.count(",") >= 2 or ":" in text
    return True


# --- data ----------------------------------------------------------------------------------------

@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    date: str | None
    sender: str | None
    reference: str | None
    section: str | None
    chunk_id: str
    text: str
    quote: str
    start: int
    end: int
    score: float

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Answer:
    answer: str
    abstained: bool
    mode: str
    citations: list[Citation]
    timings_ms: dict[str, float]
    query: str
    support: float
    language: str
    kind: str
    features: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "answer": self.answer,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "timings_ms": self.timings_ms,
            "query": self.query,
            "support": round(self.support, 4),
            "language": self.language,
            "question_kind": self.kind,
        }


@dataclass
class ScoredSentence:
    idx: int  # position in the corpus view's sentence list
    score: float
    dense: float
    lexical: float
    kind_ok: bool
    passage_rank: int
    features: dict[str, float] = field(default_factory=dict)


# --- conversation ------------------------------------------------------------------------------------

def rewrite_with_history(question: str, history: Sequence[dict] | None) -> str:
    """A follow-up ("En hoeveel geld komt daarvoor beschikbaar?") is searched together with the turn it follows.

    Without a language model the rewrite is additive: the previous user question
    is prepended when the new one is short or refers back (daarvoor, dat, die ...).
    """
    if not history:
        return question
    previous = [h["content"] for h in history if h.get("role") == "user" and h.get("content", "").strip()]
    if not previous:
        return question
    short = len(words(question)) <= 8
    if short or _FOLLOWUP.search(question.strip()):
        return f"{previous[-1].strip()} {question.strip()}"
    return question


# --- scoring ---------------------------------------------------------------------------------------

def idf_table(doc_freq: dict[str, int], n_docs: int) -> dict[str, float]:
    return {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


def weighted_coverage(q_terms: list[str], text_terms: set[str], idf: dict[str, float], unknown_idf: float) -> float:
    """Share of the question's (IDF-weighted) terms that occur in the text."""
    uniq = list(dict.fromkeys(q_terms))
    if not uniq:
        return 0.0
    total = sum(idf.get(t, unknown_idf) for t in uniq)
    hit = sum(idf.get(t, unknown_idf) for t in uniq if t in text_terms)
    return hit / total if total else 0.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def dense_scale(cos: float) -> float:
    """e5 cosines live in a narrow band (~0.70-0.92); stretch it to 0..1."""
    return float(np.clip((cos - 0.72) / 0.18, 0.0, 1.0))


def unknown_terms(question: str, analyzer: Analyzer, vocabulary_stems: set[str]) -> list[str]:
    """Content words of the question that occur nowhere in the letters (after stemming)."""
    out = []
    for w in words(question):
        if len(w) < 3:
            continue
        stems = analyzer.terms(w)
        if stems and not any(s in vocabulary_stems for s in stems):
            out.append(w)
    return out


# --- composing -------------------------------------------------------------------------------------

_COMPARE = re.compile(r"\b(beide|allebei|zowel|verschil\w*|vergelijk\w*|versus|vs|ten opzichte van|in de brieven"
                      r"|welke brieven|meerdere brieven|both|compare\w*|differ\w*|across)\b", re.I)
_SHORT_WORDS = 5

# Support model: a logistic combination of the features below, fitted on evals/dev.jsonl with
# benchmarks/calibrate_abstention.py (it prints the fit, its AUC and the threshold it suggests).
SUPPORT_WEIGHTS = {"bias": -4.0, "dense": 4.0, "lexical": 3.0, "passage_lexical": 2.0, "kind_ok": 1.0,
                   "unknown_names": -1.5, "unknown_words": -0.5, "english": 1.5}


@dataclass
class Context:
    """What ``compose`` needs from the engine, passed in so answering stays a pure step."""

    sentences: list  # view.sentences
    sentence_terms: list[frozenset[str]]
    sentences_of: dict[str, list[int]]
    records: dict[str, dict]
    analyzer: Analyzer
    idf: dict[str, float]
    vocabulary_stems: set[str]
    max_sentences: int = 4


def support_features(question: str, q_terms: list[str], best: ScoredSentence, selected: list[ScoredSentence],
                     ctx: Context, passage_terms: set[str], kind: str) -> dict[str, float]:
    """What the support score rests on, each in 0..1 (or a small count)."""
    lang = language(question)
    unknown = unknown_terms(question, ctx.analyzer, ctx.vocabulary_stems)
    names = [w for w in unknown if w.isdigit() or _looks_like_name(question, w)]
    union: set[str] = set()
    for s in selected:
        union |= ctx.sentence_terms[s.idx]
    unknown_idf = max(ctx.idf.values(), default=1.0)
    return {
        "dense": dense_scale(best.dense),
        "lexical": weighted_coverage(q_terms, union, ctx.idf, unknown_idf),
        "passage_lexical": weighted_coverage(q_terms, passage_terms, ctx.idf, unknown_idf),
        "kind_ok": float(any(s.kind_ok for s in selected)) if kind != "other" else 1.0,
        "unknown_names": float(min(len(names), 2)),
        # English words are unknown to Dutch letters by nature; only names count there
        "unknown_words": 0.0 if lang == "en" else float(min(len(unknown) - len(names), 3)),
        "english": float(lang == "en"),
    }


def _looks_like_name(question: str, folded_word: str) -> bool:
    """Capitalised inside the question (not its first word), an acronym, or containing digits."""
    tokens = re.findall(r"\w+", question)
    for i, w in enumerate(tokens):
        if fold(w) == folded_word:
            if any(c.isdigit() for c in w) or (len(w) > 1 and w.isupper()):
                return True
            return i > 0 and w[:1].isupper()
    return False


def support_score(features: dict[str, float], weights: dict[str, float] | None = None) -> float:
    w = weights or SUPPORT_WEIGHTS
    z = w["bias"] + sum(w[k] * v for k, v in features.items() if k in w)
    return sigmoid(z)


def score_sentences(question: str, hits: list, sims: dict[str, float], ctx: Context, kind: str
                    ) -> tuple[list[ScoredSentence], list[str], dict[str, set[str]]]:
    q_terms = ctx.analyzer.terms(question)
    unknown_idf = max(ctx.idf.values(), default=1.0)
    scored: list[ScoredSentence] = []
    passage_terms: dict[str, set[str]] = {}
    floor = min(sims.values(), default=0.0)
    for rank, hit in enumerate(hits):
        ids = ctx.sentences_of.get(hit.passage.chunk_id, [])
        pterms: set[str] = set()
        for i in ids:
            pterms |= ctx.sentence_terms[i]
        if hit.passage.section:
            pterms |= set(ctx.analyzer.terms(hit.passage.section))
        passage_terms[hit.passage.chunk_id] = pterms
        for i in ids:
            s = ctx.sentences[i]
            dense = sims.get(s.sentence_id, floor)
            lex = weighted_coverage(q_terms, set(ctx.sentence_terms[i]), ctx.idf, unknown_idf)
            plex = weighted_coverage(q_terms, pterms, ctx.idf, unknown_idf)
            ok = holds_kind(kind, s.text)
            n_words = len(s.text.split())
            score = (0.45 * dense_scale(dense) + 0.30 * lex + 0.10 * plex + 0.10 * float(ok)
                     + 0.05 / (1 + rank))
            if n_words < _SHORT_WORDS:
                score *= 0.6
            scored.append(ScoredSentence(i, score, dense, lex, ok, rank))
    scored.sort(key=lambda x: -x.score)
    return scored, q_terms, passage_terms


def select(scored: list[ScoredSentence], ctx: Context, kind: str, question: str) -> list[ScoredSentence]:
    """The best sentence, plus close runners-up that add something (and, for comparisons, other letters)."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    limit = ctx.max_sentences if kind in ("list", "reason", "other") else min(ctx.max_sentences, 3)
    compare = bool(_COMPARE.search(question))
    seen_docs = {ctx.sentences[best.idx].doc_id}
    for cand in scored[1:]:
        if len(chosen) >= limit:
            break
        s = ctx.sentences[cand.idx]
        new_doc = s.doc_id not in seen_docs
        bar = 0.80 if (compare and new_doc) else 0.90
        if cand.score < bar * best.score:
            continue
        if any(_overlap(ctx.sentence_terms[cand.idx], ctx.sentence_terms[c.idx]) > 0.6 for c in chosen):
            continue
        chosen.append(cand)
        seen_docs.add(s.doc_id)
    # a sentence that announces a list (ends with ':') brings the sentence that carries the list
    for c in list(chosen):
        s = ctx.sentences[c.idx]
        if s.text.rstrip().endswith(":"):
            ids = ctx.sentences_of.get(s.chunk_id, [])
            pos = ids.index(c.idx)
            if pos + 1 < len(ids) and all(x.idx != ids[pos + 1] for x in chosen):
                chosen.append(ScoredSentence(ids[pos + 1], c.score, c.dense, c.lexical, c.kind_ok, c.passage_rank))
    return chosen


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def build_citations(chosen: list[ScoredSentence], ctx: Context, hits: list) -> list[Citation]:
    """One citation per contiguous run of chosen sentences within a passage, in reading order per letter."""
    by_chunk: dict[str, list[ScoredSentence]] = {}
    for c in chosen:
        by_chunk.setdefault(ctx.sentences[c.idx].chunk_id, []).append(c)
    hit_of = {h.passage.chunk_id: h for h in hits}
    runs: list[tuple[str, list[ScoredSentence]]] = []
    for chunk_id, items in by_chunk.items():
        order = ctx.sentences_of[chunk_id]
        items.sort(key=lambda c: order.index(c.idx))
        run = [items[0]]
        for c in items[1:]:
            if order.index(c.idx) == order.index(run[-1].idx) + 1:
                run.append(c)
            else:
                runs.append((chunk_id, run))
                run = [c]
        runs.append((chunk_id, run))
    # best run first; within the answer the order follows relevance
    runs.sort(key=lambda r: -max(c.score for c in r[1]))
    citations = []
    for n, (chunk_id, run) in enumerate(runs, start=1):
        first, last = ctx.sentences[run[0].idx], ctx.sentences[run[-1].idx]
        rec = ctx.records[first.doc_id]
        hit = hit_of[chunk_id]
        md = rec["metadata"]
        citations.append(Citation(
            n=n, doc_id=first.doc_id, title=md.get("title") or first.doc_id, date=md.get("date"),
            sender=md.get("sender"), reference=md.get("reference"), section=hit.passage.section,
            chunk_id=chunk_id, text=hit.passage.text, quote=rec["text"][first.start:last.end],
            start=first.start, end=last.end, score=round(max(c.score for c in run), 4),
        ))
    return citations


ABSTAIN_NL = ("De brieven geven geen antwoord op deze vraag. Hieronder staan de passages die er het dichtst bij "
              "komen; controleer zelf of die helpen.")
ABSTAIN_EN = ("De brieven geven geen antwoord op deze vraag (the letters do not answer this question). "
              "Hieronder staan de passages die er het dichtst bij komen.")
EN_LEAD = "The letters say (in Dutch): "


def answer_text(citations: list[Citation], lang: str) -> str:
    parts = [f"{normalize_space(c.quote)} [{c.n}]" for c in citations]
    text = " ".join(parts)
    return (EN_LEAD + text) if lang == "en" else text


def closest_passages(scored: list[ScoredSentence], ctx: Context, hits: list, n: int = 3) -> list[Citation]:
    """For an abstention: the best sentence of each of the closest passages."""
    seen: set[str] = set()
    picks = []
    for s in scored:
        chunk_id = ctx.sentences[s.idx].chunk_id
        if chunk_id in seen:
            continue
        seen.add(chunk_id)
        picks.append(s)
        if len(picks) == n:
            break
    cits = build_citations(picks, ctx, hits)
    return cits


def compose(question: str, hits: list, sims: dict[str, float], ctx: Context, threshold: float,
            weights: dict[str, float] | None = None) -> Answer:
    """The answer (or abstention) for ``question`` from the retrieved ``hits``; timings are the caller's."""
    lang = language(question)
    kind = question_kind(question)
    abstain_text = ABSTAIN_EN if lang == "en" else ABSTAIN_NL
    scored, q_terms, passage_terms = score_sentences(question, hits, sims, ctx, kind)
    if not scored:
        return Answer(abstain_text, True, "extractive", [], {}, question, 0.0, lang, kind)
    chosen = select(scored, ctx, kind, question)
    best = chosen[0]
    feats = support_features(question, q_terms, best, chosen, ctx,
                             passage_terms[ctx.sentences[best.idx].chunk_id], kind)
    support = support_score(feats, weights)
    if support < threshold:
        cits = closest_passages(scored, ctx, hits)
        return Answer(abstain_text, True, "extractive", cits, {}, question, support, lang, kind, feats)
    cits = build_citations(chosen, ctx, hits)
    return Answer(answer_text(cits, lang), False, "extractive", cits, {}, question, support, lang, kind, feats)
