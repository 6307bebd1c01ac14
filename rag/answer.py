"""Extractive answers: pick the sentences that answer the question, cite each, or abstain.

No language model is needed. Sentences of the retrieved passages are scored on
what a reader checks: does the sentence say the same thing (dense similarity),
does it use the question's words (IDF-weighted, stemmed, compounds split), and
does it hold what the question asks for (an amount for ``hoeveel``, a date for
``wanneer``, a person or body for ``wie``, an enumeration for ``welke``). The
same features say whether the letters answer the question at all: their
logistic combination, the *support* score, decides abstention.

Questions about a letter itself (when was it sent, who signed it, its kenmerk)
are answered from the metadata the letter states, citing the letterhead or
signature where it states it; when the letter does not state it, we say so.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import numpy as np

from rag.glossary import ABBREVIATIONS
from rag.metadata import MONTHS
from rag.question import (
    CUE_WORDS,
    STRONG_CAUSE,
    asks_two_things,
    holds_kind,
    language,
    letter_fact,
    question_kind,
    wants_comparison,
    years_in,
)
from rag.retrieve import QUESTION_WORDS, Analyzer, char_ngrams, fold, text_grams, words

# --- results -------------------------------------------------------------------------------------


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
    question: int | None = None  # the Kamervraag this sentence answers, quoted along with it


@dataclass
class Context:
    """What ``compose`` needs from the engine's corpus view, passed in so answering stays a pure step."""

    sentences: list  # view.sentences (sentence_id, chunk_id, doc_id, start, end, text)
    sentence_terms: list[frozenset[str]]
    sentences_of: dict[str, list[int]]
    records: dict[str, dict]
    analyzer: Analyzer
    idf: dict[str, float]
    vocabulary_stems: set[str]
    max_sentences: int = 4
    _grams: dict[int, set[str]] = field(default_factory=dict)

    def grams(self, idx: int) -> set[str]:
        if idx not in self._grams:
            self._grams[idx] = text_grams(self.sentences[idx].text)
        return self._grams[idx]


# --- messages ------------------------------------------------------------------------------------

ABSTAIN_NL = ("De brieven geven geen antwoord op deze vraag. Hieronder staan de passages die er het dichtst bij "
              "komen; controleer zelf of die helpen.")
ABSTAIN_EN = ("De brieven geven geen antwoord op deze vraag (the letters do not answer this question). "
              "Hieronder staan de passages die er het dichtst bij komen.")
EN_LEAD = "The letters say (in Dutch): "
_FACT_NAMES = {"date": "datum", "sender": "ondertekenaar", "reference": "kenmerk of Kamerstuknummer"}

# --- scoring -------------------------------------------------------------------------------------

# Support model: a logistic combination of the features of ``support_features``, fitted by
# benchmarks/calibrate_abstention.py (it prints the fit, its leave-one-out AUC and a threshold).
# Last fit: evals/dev.jsonl + evals/holdout.jsonl, 145 questions (114 answerable, 31 unanswerable); leave-one-out
# AUC 0.82 (plain top-1 retrieval score: 0.52). At the 0.75 threshold leave-one-out abstains on 18/31 unanswerable
# and 2/114 answerable questions.
SUPPORT_WEIGHTS = {"bias": -0.81, "dense": 1.51, "lexical": -0.11, "passage_lexical": 0.06, "kind_missing": -1.78,
                   "kind_lexical": 2.03, "unknown_names": -1.61, "unknown_words": 0.21, "english": 0.88}

_MIN_WORDS = 5  # letterhead lines and headings are no answer on their own
_ANAPHOR = re.compile(r"^(dit|deze|dat|die|daarmee|hiermee|daarin|hierin|daarnaast|daarbij|hiervoor|daarvoor|zo|"
                      r"ook|daarom|daardoor|hierdoor|dergelijke)\b|\b(hiervoor|daarvoor|hiervan|daarvan|hierbij)\b",
                      re.I)
_CONSEQUENCE = re.compile(r"\b(daarom|daardoor|hierdoor|om die reden|dus|derhalve)\b", re.I)


def idf_table(doc_freq: dict[str, int], n_docs: int) -> dict[str, float]:
    return {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


@dataclass(frozen=True)
class QueryWord:
    """A content word of the question, what counts as meeting it, and how much it matters (IDF)."""

    word: str
    stems: frozenset[str]
    grams: frozenset[str]
    weight: float
    family: frozenset[str] = frozenset()  # "^coordi", "ampagne$": tokens of related words (see text_grams)


def query_words(question: str, analyzer: Analyzer, idf: dict[str, float]) -> list[QueryWord]:
    unknown_idf = max(idf.values(), default=1.0)
    out = []
    for word, stems in analyzer.word_groups(question):
        known = [idf[t] for t in stems if t in idf]
        grams = frozenset(char_ngrams(word)) if len(word) >= 6 and word.isalpha() else frozenset()
        family = set()
        if len(word) >= 7 and word.isalpha():
            family.add("^" + word[:6])
        if len(word) >= 10 and word.isalpha():  # the head of a compound
            family.add(word[-7:] + "$")
        out.append(QueryWord(word, frozenset(stems), grams, max(known) if known else unknown_idf,
                             frozenset(family)))
    return out


def coverage(qws: list[QueryWord], stems: set[str] | frozenset[str], grams: set[str] | frozenset[str]) -> float:
    """IDF-weighted share of the question's words the text meets: fully by a shared term, partly by shared
    character 5-grams or by a word of the same family (``coördineert`` / ``coördinatie``,
    ``voorlichtingscampagne`` / ``publiekscampagne``)."""
    total = sum(w.weight for w in qws)
    if not total:
        return 0.0
    got = 0.0
    for w in qws:
        if w.stems & stems:
            got += w.weight
        else:
            share = len(w.grams & grams) / len(w.grams) if w.grams else 0.0
            if share >= 0.5:
                got += w.weight * share
            elif w.family & grams:
                got += w.weight * 0.7
    return got / total


def dense_scale(cos: float) -> float:
    """e5 cosines live in a narrow band (~0.70-0.92); stretch it to 0..1."""
    return float(np.clip((cos - 0.72) / 0.18, 0.0, 1.0))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def unknown_terms(question: str, analyzer: Analyzer, vocabulary_stems: set[str]) -> list[str]:
    """Content words of the question that occur nowhere in the letters (after stemming)."""
    out = []
    for w in words(question):
        if len(w) < 3 or w in QUESTION_WORDS or w in CUE_WORDS or w in ABBREVIATIONS:
            continue
        stems = analyzer.terms(w)
        if stems and not any(s in vocabulary_stems for s in stems):
            out.append(w)
    return out


def _looks_like_name(question: str, folded_word: str, lang: str) -> bool:
    """Digits or an acronym anywhere; a capitalised word inside a Dutch question (not its first word)."""
    tokens = re.findall(r"\w+", question)
    for i, w in enumerate(tokens):
        if fold(w) == folded_word:
            if any(c.isdigit() for c in w) or (len(w) > 1 and w.isupper()):
                return True
            return lang == "nl" and i > 0 and w[:1].isupper()
    return False


def score_sentences(qws: list[QueryWord], kind: str, hits: list, sims: dict[str, float], ctx: Context
                    ) -> list[ScoredSentence]:
    """Every sentence of the retrieved passages, best first."""
    floor = min(sims.values(), default=0.0)
    strict = kind in ("amount", "date")
    out: list[ScoredSentence] = []
    for rank, hit in enumerate(hits):
        ids = ctx.sentences_of.get(hit.passage.chunk_id, [])
        section = hit.passage.section or ""
        section_terms = set(ctx.analyzer.terms(section)) if section else set()
        section_grams = text_grams(section) if section else set()
        footnotes = section == "Voetnoten"
        letterhead = list(ctx.records[hit.passage.doc_id].get("metadata_spans", {}).values())
        for pos, i in enumerate(ids):
            s = ctx.sentences[i]
            if len(s.text.split()) < _MIN_WORDS or any(a <= s.start and s.end <= b for a, b in letterhead):
                continue  # letterhead lines (date, signature, kenmerk) answer questions about the letter only
            terms, grams = ctx.sentence_terms[i], ctx.grams(i)
            c_terms, c_grams = set(terms) | section_terms, grams | section_grams
            if pos and _ANAPHOR.search(s.text):
                c_terms |= ctx.sentence_terms[ids[pos - 1]]
                c_grams = c_grams | ctx.grams(ids[pos - 1])
            lex = coverage(qws, terms, grams)
            lex_ctx = coverage(qws, c_terms, c_grams)
            ok = holds_kind(kind, s.text)
            dense = sims.get(s.sentence_id, floor)
            score = (0.40 * dense_scale(dense) + 0.25 * lex + 0.15 * lex_ctx + 0.05 / (1 + rank)
                     + (0.20 if strict else 0.08) * float(ok))
            if footnotes:
                score *= 0.75
            out.append(ScoredSentence(i, score, dense, max(lex, lex_ctx * 0.9), ok, rank))
        _answers_inherit_their_questions(out, ids, ctx, kind)
    out.sort(key=lambda x: -x.score)
    return out


def _answers_inherit_their_questions(scored: list[ScoredSentence], ids: list[int], ctx: Context, kind: str) -> None:
    """In answers to Kamervragen a matching question ("1. Bent u bekend ...?") is no answer: the sentence
    after it is. The question keeps a fraction of its score; its answer gets the rest."""
    by_idx = {s.idx: s for s in scored if s.idx in ids}
    for pos, i in enumerate(ids):
        q = by_idx.get(i)
        if q is None or not ctx.sentences[i].text.rstrip().endswith("?"):
            continue
        nxt = next((j for j in ids[pos + 1:] if not ctx.sentences[j].text.rstrip().endswith("?")), None)
        if nxt is not None:
            a = by_idx.get(nxt)
            if a is None:  # a short answer ("Ja.", "Nee, ...") was skipped as too short: score it now
                a = ScoredSentence(nxt, 0.0, q.dense, q.lexical, holds_kind(kind, ctx.sentences[nxt].text),
                                   q.passage_rank)
                scored.append(a)
                by_idx[nxt] = a
            if 0.95 * q.score > a.score:
                a.score, a.question = 0.95 * q.score, i
        q.score *= 0.5


def _neighbour(ctx: Context, idx: int, step: int) -> int | None:
    chunk_id = ctx.sentences[idx].chunk_id
    ids = ctx.sentences_of[chunk_id]
    pos = ids.index(idx) + step
    return ids[pos] if 0 <= pos < len(ids) else None


def select(scored: list[ScoredSentence], ctx: Context, kind: str, question: str) -> list[ScoredSentence]:
    """The best sentence, close runners-up that add something, and the neighbours a sentence leans on."""
    best = scored[0]
    chosen = [best]
    compare = wants_comparison(question)
    several = compare or asks_two_things(question)  # "Waar ... en wie ...?", two question marks
    limit = ctx.max_sentences if kind in ("list", "reason", "other") else min(ctx.max_sentences, 3)
    if several:
        limit += 1
    seen_docs = {ctx.sentences[best.idx].doc_id}
    if compare:  # a comparison first takes the best sentence of each of the letters that answer it
        for cand in scored[1:]:
            doc = ctx.sentences[cand.idx].doc_id
            if len(seen_docs) >= 3 or cand.score < 0.6 * best.score:
                break
            if doc not in seen_docs and not ctx.sentences[cand.idx].text.rstrip().endswith("?"):
                chosen.append(cand)
                seen_docs.add(doc)
    for cand in scored[1:]:
        if len(chosen) >= limit:
            break
        if cand in chosen or ctx.sentences[cand.idx].text.rstrip().endswith("?"):
            continue  # a question quoted from Kamervragen is never part of the answer
        new_doc = ctx.sentences[cand.idx].doc_id not in seen_docs
        if cand.score < (0.75 if several and new_doc else 0.8 if several else 0.85) * best.score:
            continue
        if any(_overlap(ctx.sentence_terms[cand.idx], ctx.sentence_terms[c.idx]) > 0.6 for c in chosen):
            continue
        chosen.append(cand)
        seen_docs.add(ctx.sentences[cand.idx].doc_id)
    _cover_years(scored, chosen, ctx, question, best.score)

    extra: list[int | None] = []
    text = ctx.sentences[best.idx].text
    if text.rstrip().endswith(":"):  # it announces the list that follows
        extra.append(_neighbour(ctx, best.idx, +1))
    if kind == "reason" and (not STRONG_CAUSE.search(text) or _CONSEQUENCE.search(text)):
        prev = _neighbour(ctx, best.idx, -1)  # the reason stands just before ("... heeft daarom ...")
        extra.append(prev)
        if prev is not None and len(ctx.sentences[prev].text.split()) < 12 and not STRONG_CAUSE.search(
                ctx.sentences[prev].text):
            extra.append(_neighbour(ctx, prev, -1))  # "Middelen dwingen tot keuzes. Niet alles kan tegelijk. ..."
    nxt = _neighbour(ctx, best.idx, +1)
    if nxt is not None and _ANAPHOR.search(ctx.sentences[nxt].text):
        follow = next((c for c in scored if c.idx == nxt), None)  # "Nederland kondigde hiervoor ... aan."
        if follow is not None and follow.score >= 0.6 * best.score:
            extra.append(nxt)
    if not best.kind_ok and kind in ("amount", "date", "person", "place", "list"):
        for step in (+1, -1):  # "Nederland kondigde hiervoor eerder een bijdrage van EUR 100 miljoen aan."
            n = _neighbour(ctx, best.idx, step)
            if n is not None and holds_kind(kind, ctx.sentences[n].text):
                extra.append(n)
                break
    extra.extend(c.question for c in list(chosen) if c.question is not None)  # "Bent u bekend ...? Ja."
    for n in extra:
        if n is not None and n in {c.question for c in chosen} and all(c.idx != n for c in chosen):
            chosen.append(ScoredSentence(n, best.score * 0.99, best.dense, best.lexical, True, best.passage_rank))
            continue
        if (n is not None and len(ctx.sentences[n].text.split()) >= _MIN_WORDS and all(c.idx != n for c in chosen)
                and not ctx.sentences[n].text.rstrip().endswith("?")):
            chosen.append(ScoredSentence(n, best.score * 0.99, best.dense, best.lexical,
                                         holds_kind(kind, ctx.sentences[n].text), best.passage_rank))
    return chosen


def _doc_years(ctx: Context, doc_id: str) -> set[str]:
    md = ctx.records[doc_id]["metadata"]
    return set(years_in(f"{md.get('date') or ''} {md.get('title') or ''}"))


def _cover_years(scored: list[ScoredSentence], chosen: list[ScoredSentence], ctx: Context, question: str,
                 best_score: float) -> None:
    """A question about two years ("de agenda's van 2021 en 2023") gets a sentence from a letter of each."""
    years = years_in(question)
    if len(years) < 2:
        return
    for y in years:
        if any(y in _doc_years(ctx, ctx.sentences[c.idx].doc_id) or y in ctx.sentences[c.idx].text for c in chosen):
            continue
        for cand in scored:
            if cand.score < 0.5 * best_score:
                break
            if y in _doc_years(ctx, ctx.sentences[cand.idx].doc_id) and cand not in chosen:
                chosen.append(cand)
                break


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def support_features(question: str, qws: list[QueryWord], selected: list[ScoredSentence], ctx: Context,
                     passage: tuple[set[str], set[str]], kind: str) -> dict[str, float]:
    """What the support score rests on, each in 0..1 (or a small count)."""
    lang = language(question)
    unknown = unknown_terms(question, ctx.analyzer, ctx.vocabulary_stems)
    names = [w for w in unknown if _looks_like_name(question, w, lang)]
    union: set[str] = set()
    union_grams: set[str] = set()
    for s in selected:
        union |= ctx.sentence_terms[s.idx]
        union_grams |= ctx.grams(s.idx)
    required = kind in ("amount", "date", "person", "place")
    holding = [s for s in selected if holds_kind(kind, ctx.sentences[s.idx].text)]
    # the sentence that holds the amount (date, name) must itself be about what was asked
    focus = max((s.lexical for s in holding), default=0.0) if required else max(s.lexical for s in selected)
    return {
        "dense": dense_scale(max(s.dense for s in selected)),
        "lexical": coverage(qws, union, union_grams),
        "passage_lexical": coverage(qws, *passage),
        "kind_missing": float(required and not holding),
        "kind_lexical": focus,
        "unknown_names": float(min(len(names), 2)),
        # English words are unknown to Dutch letters by nature; only names count there
        "unknown_words": 0.0 if lang == "en" else float(min(len(unknown) - len(names), 3)),
        "english": float(lang == "en"),
    }


def support_score(features: dict[str, float], weights: dict[str, float] | None = None) -> float:
    w = weights or SUPPORT_WEIGHTS
    z = w["bias"] + sum(w[k] * v for k, v in features.items() if k in w)
    return sigmoid(z)


# --- citations -----------------------------------------------------------------------------------

def _citation(ctx: Context, n: int, doc_id: str, chunk_id: str, passage, start: int, end: int, score: float
              ) -> Citation:
    rec = ctx.records[doc_id]
    md = rec["metadata"]
    return Citation(
        n=n, doc_id=doc_id, title=md.get("title") or doc_id, date=md.get("date"), sender=md.get("sender"),
        reference=md.get("reference"), section=passage.section, chunk_id=chunk_id, text=passage.text,
        quote=rec["text"][start:end], start=start, end=end, score=round(score, 4))


def build_citations(chosen: list[ScoredSentence], ctx: Context, hits: list) -> list[Citation]:
    """One citation per contiguous run of chosen sentences within a passage; the best run is [1]."""
    by_chunk: dict[str, list[ScoredSentence]] = {}
    for c in chosen:
        by_chunk.setdefault(ctx.sentences[c.idx].chunk_id, []).append(c)
    passage_of = {h.passage.chunk_id: h.passage for h in hits}
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
    runs.sort(key=lambda r: -max(c.score for c in r[1]))
    out = []
    for n, (chunk_id, run) in enumerate(runs, start=1):
        first, last = ctx.sentences[run[0].idx], ctx.sentences[run[-1].idx]
        out.append(_citation(ctx, n, first.doc_id, chunk_id, passage_of[chunk_id], first.start, last.end,
                             max(c.score for c in run)))
    return out


def closest_passages(scored: list[ScoredSentence], ctx: Context, hits: list, n: int = 3) -> list[Citation]:
    """For an abstention: the best sentence of each of the closest passages."""
    seen: set[str] = set()
    picks = []
    for s in scored:
        chunk_id = ctx.sentences[s.idx].chunk_id
        if chunk_id not in seen:
            seen.add(chunk_id)
            picks.append(s)
        if len(picks) == n:
            break
    return build_citations(picks, ctx, hits)


def answer_text(citations: list[Citation], lang: str) -> str:
    text = " ".join(f"{normalize_space(c.quote)} [{c.n}]" for c in citations)
    return (EN_LEAD + text) if lang == "en" else text


# --- questions about a letter itself -----------------------------------------------------------------

def dutch_date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    month = next(name for name, num in MONTHS.items() if num == d.month)
    return f"{d.day} {month} {d.year}"


def _target_letters(question: str, hits: list, ctx: Context) -> list[str]:
    """The letter(s) a question about a letter means: one per year it names, else the best match.

    The best match weighs how well the letter's title covers the question against
    how high its passages rank, so "de kabinetsbrief over de stand van zaken" finds
    the letter with that title even when another letter's passage ranks first.
    """
    ranked = list(dict.fromkeys(h.passage.doc_id for h in hits))
    if not ranked:
        return []
    years = years_in(question)
    if len(years) >= 2 or wants_comparison(question):
        picked = []
        for y in years:
            for d in ranked:
                rec = ctx.records[d]
                label = f"{rec['metadata'].get('date') or ''} {rec['metadata'].get('title') or ''}"
                if y in label and d not in picked:
                    picked.append(d)
                    break
        return picked or ranked[:2]
    qws = query_words(question, ctx.analyzer, ctx.idf)

    def fit(rank: int, doc_id: str) -> float:
        title = ctx.records[doc_id]["metadata"].get("title") or ""
        return coverage(qws, set(ctx.analyzer.terms(title)), text_grams(title)) + 0.25 / (1 + rank)

    return [max(enumerate(ranked), key=lambda r: fit(*r))[1]]


def fact_answer(question: str, fact: str, hits: list, ctx: Context, lang: str) -> Answer | None:
    """Answer "when was it sent / who signed / which kenmerk" from the letterhead, or say it is not stated."""
    targets = _target_letters(question, hits, ctx)
    if not targets:
        return None
    parts, cits, missing = [], [], []
    passages = {}
    for rec_id in targets:
        rec = ctx.records[rec_id]
        span = rec.get("metadata_spans", {}).get(fact)
        title = rec["metadata"]["title"]
        if not span:
            missing.append(title)
            continue
        start, end = span
        chunk = next(c for c in rec["chunks"] if c["start"] <= start < c["end"])
        passages[chunk["chunk_id"]] = _PassageView(chunk.get("section"), rec["text"][chunk["start"]:chunk["end"]])
        n = len(cits) + 1
        cits.append(_citation(ctx, n, rec_id, chunk["chunk_id"], passages[chunk["chunk_id"]], start, end, 1.0))
        value = rec["metadata"][fact]
        if fact == "date":
            value = dutch_date(value)
        parts.append(_fact_sentence(fact, title, value, lang) + f" [{n}]")
    kind = question_kind(question)
    if not cits:
        names = "; ".join(f"‘{t}’" for t in missing)
        text = (f"De brief {names} vermeldt zelf geen {_FACT_NAMES[fact]}, dus de brieven geven hierop geen "
                f"antwoord.")
        return Answer(text, True, "extractive", [], {}, question, 0.0, lang, kind, {"letter_fact": 1.0})
    if missing:
        parts.append("De brief " + "; ".join(f"‘{t}’" for t in missing) + f" vermeldt geen {_FACT_NAMES[fact]}.")
    return Answer(" ".join(parts), False, "extractive", cits, {}, question, 0.99, lang, kind, {"letter_fact": 1.0})


@dataclass
class _PassageView:
    section: str | None
    text: str


def _fact_sentence(fact: str, title: str, value: str, lang: str) -> str:
    """"‘Beantwoording Kamervragen ...’ is gedateerd 24 april 2025." (the letter's own words but for the verb)."""
    if lang == "en":
        verb = {"date": "is dated", "sender": "is signed by the", "reference": "has the reference"}[fact]
    else:
        verb = {"date": "is gedateerd", "sender": "is ondertekend door de", "reference": "heeft als kenmerk"}[fact]
    return f"‘{title}’ {verb} {value}."


# --- the answer ----------------------------------------------------------------------------------

def compose(question: str, hits: list, sims: dict[str, float], ctx: Context, threshold: float,
            weights: dict[str, float] | None = None, query: str | None = None) -> Answer:
    """The answer (or abstention) for ``question`` from the retrieved ``hits``; timings are the caller's.

    ``query`` is the question as searched: for a follow-up it includes the turn it follows, and its
    words are what an answer must cover.
    """
    query = query or question
    lang = language(question)
    kind = question_kind(question)
    abstain_text = ABSTAIN_EN if lang == "en" else ABSTAIN_NL
    fact = letter_fact(question)
    if fact:
        answer = fact_answer(query, fact, hits, ctx, lang)
        if answer is not None:
            if answer.abstained:
                scored = score_sentences(query_words(query, ctx.analyzer, ctx.idf), kind, hits, sims, ctx)
                answer.citations = closest_passages(scored, ctx, hits)
            return answer
    qws = query_words(query, ctx.analyzer, ctx.idf)
    scored = score_sentences(qws, kind, hits, sims, ctx)
    if not scored:
        return Answer(abstain_text, True, "extractive", [], {}, question, 0.0, lang, kind)
    chosen = select(scored, ctx, kind, question)
    best_chunk = ctx.sentences[chosen[0].idx].chunk_id
    passage_terms: set[str] = set()
    passage_grams: set[str] = set()
    for i in ctx.sentences_of[best_chunk]:
        passage_terms |= ctx.sentence_terms[i]
        passage_grams |= ctx.grams(i)
    feats = support_features(question, qws, chosen, ctx, (passage_terms, passage_grams), kind)
    support = support_score(feats, weights)
    if support < threshold:
        return Answer(abstain_text, True, "extractive", closest_passages(scored, ctx, hits), {}, question, support,
                      lang, kind, feats)
    cits = build_citations(chosen, ctx, hits)
    return Answer(answer_text(cits, lang), False, "extractive", cits, {}, question, support, lang, kind, feats)
