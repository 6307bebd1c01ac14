"""Generative answers: a language model words the answer, the checker lets only cited, supported sentences out.

The order is what keeps the promise: the extractive pipeline runs first and its support
model decides whether the letters answer at all (no model call when they do not, and
letterhead facts need none); the model sees numbered fragments of the passages; each
sentence it writes is checked (``rag.verify``) as soon as it is complete, and only kept
sentences are passed on, so a streaming client never sees one that failed. When nothing
survives, or the model fails, the extractive answer is given with a notice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from rag.answer import Answer, Citation, _citation, compose
from rag.dutch import holds_kind
from rag.features import Context, candidates
from rag.llm import LLMClient, LLMError
from rag.prompt import Fragment, fragments, messages, quoted_sentences
from rag.question import Question
from rag.ranker import AnswererModel
from rag.verify import Checker, Evidence, Renumberer, Verdict, split_claims

NOTICE_FALLBACK = ("Het taalmodel gaf geen antwoord dat door de brieven wordt gedragen; hieronder het letterlijke "
                   "antwoord uit de brieven.")
NOTICE_FAILED = "Het taalmodel is niet beschikbaar ({reason}); hieronder het letterlijke antwoord uit de brieven."
NOTICE_KIND = ("Het taalmodel noemde niet wat gevraagd werd ({kind}); hieronder het letterlijke antwoord uit de "
               "brieven.")
KIND_NAMES = {"money": "een bedrag", "amount": "een aantal of percentage", "date": "een datum of moment",
              "person": "een persoon of instantie"}
NOTICE_ANCHOR = ("Het taalmodel liet weg wat de brieven het duidelijkst antwoorden; hieronder het letterlijke "
                 "antwoord uit de brieven.")
NOTICE_CUT = "Het taalmodel stopte voortijdig ({reason}); alleen de gecontroleerde zinnen staan hieronder."


class LLMUnavailable(Exception):
    """The model failed and the settings say not to fall back (the API answers 503)."""


@dataclass
class GenerationSettings:
    passages: int = 4
    min_coverage: float = 0.75
    min_similarity: float = 0.82
    min_relevance: float = 0.25
    fallback: bool = True

    @classmethod
    def from_settings(cls, s) -> GenerationSettings:
        """The RAG_LLM_* settings that shape generation and its check."""
        return cls(passages=s.llm_passages, min_coverage=s.llm_min_coverage, min_similarity=s.llm_min_similarity,
                   min_relevance=s.llm_min_relevance, fallback=s.llm_fallback)


def evidence_for(frags: list[Fragment], ctx: Context) -> dict[int, Evidence]:
    out = {}
    for f in frags:
        rec = ctx.records[f.doc_id]
        ids = ctx.sentences_of[f.chunk_id]
        text = " ".join(ctx.sentences[i].text for i in ids) + " " + (rec["metadata"].get("title") or "")
        out[f.n] = Evidence(f.n, f.chunk_id, f.doc_id, [i for i in ids if ctx.sentences[i].role != "question"]
                            or ids, text)
    return out


def _citations(kept: list[Verdict], renumber: Renumberer, checker: Checker, frags: dict[int, Fragment],
               hits: list, ctx: Context, p_of: dict[int, float]) -> list[Citation]:
    passage_of = {h.passage.chunk_id: h.passage for h in hits}
    out = []
    for n, shown in sorted(renumber.order.items(), key=lambda kv: kv[1]):
        f = frags[n]
        i = checker.best_sentence(n, kept)
        s = ctx.sentences[i]
        out.append(_citation(ctx, shown, f.doc_id, f.chunk_id, passage_of[f.chunk_id], s.start, s.end,
                             p_of.get(i, 0.0)))
    return out


@dataclass
class Prepared:
    """What generation starts from: the extractive answer (the abstention signal and the fallback), the scored
    candidates, the fragments the model is shown and the checker for what it writes."""

    extractive: Answer
    cands: list
    frags: list[Fragment]
    checker: Checker | None  # None when no model call is needed (abstention, letterhead facts)
    anchor: int | None = None  # the sentence the extractive answer rests on most: a generated one must say it too


def prepare(q: Question, hits: list, sims: dict[str, float], ctx: Context, model: AnswererModel,
            threshold: float | None, embed, vectors, gs: GenerationSettings) -> Prepared:
    cands = candidates(q, hits, sims, ctx)
    extractive = compose(q, hits, sims, ctx, model, threshold, cands)
    if extractive.abstained or extractive.features.get("letter_fact"):
        return Prepared(extractive, cands, [], None)
    frags = fragments(cands, ctx, extractive.citations, gs.passages, gs.min_relevance)
    checker = Checker(ctx, evidence_for(frags, ctx), q.language, {w.word for w in q.words}, embed, vectors,
                      gs.min_coverage, gs.min_similarity, {c.idx: c.p for c in cands}, gs.min_relevance)
    return Prepared(extractive, cands, frags, checker, anchor(extractive, cands, ctx))


def anchor(extractive: Answer, cands: list, ctx: Context) -> int | None:
    """The best-scored sentence the extractive answer quotes in its first citation.

    A generated answer must say what it says, in any wording (a kept sentence must be closer to it than to
    any other sentence of the passages it cites): a small model shown two sentences may copy only the
    lesser one, and then the answer loses the fact the letters state most plainly."""
    quoted = quoted_sentences(extractive.citations[:1], ctx)
    ids = [i for ids in quoted.values() for i in ids]
    p = {c.idx: c.p for c in cands}
    return max(ids, key=lambda i: p.get(i, 0.0)) if ids else None


def generate(q: Question, hits: list, sims: dict[str, float], ctx: Context, model: AnswererModel,
             threshold: float | None, client: LLMClient, embed, vectors, gs: GenerationSettings
             ) -> Iterator[str | Answer]:
    """Yields the answer's verified sentences as they are ready (text pieces), then the final ``Answer``."""
    t0 = time.perf_counter()
    prep = prepare(q, hits, sims, ctx, model, threshold, embed, vectors, gs)
    extractive, cands, frags, checker = prep.extractive, prep.cands, prep.frags, prep.checker
    if checker is None:
        extractive.mode = "llm"
        extractive.extra = {"llm_called": False}
        yield extractive
        return
    renumber = Renumberer()
    verdicts: list[Verdict] = []
    kept: list[Verdict] = []
    first_s: float | None = None
    failure: str | None = None
    buffer = ""

    # Nothing is passed on until a kept sentence says what the extractive answer rests on most and, for a
    # question after an amount, date or person, holds one: an answer without either falls back whole, so a
    # client never saw half of it.
    kind_held = q.kind not in KIND_NAMES
    anchored = prep.anchor is None
    held: list[str] = []

    def take(claims) -> Iterator[str]:
        nonlocal first_s, kind_held, anchored
        for claim in claims:
            v = checker.check(claim)
            verdicts.append(v)
            if not v.kept:
                continue
            kept.append(v)
            held.append(("" if len(kept) == 1 else " ") + renumber.render(v))
            kind_held = kind_held or holds_kind(q.kind, v.claim.text)
            anchored = anchored or checker.basis(v) == prep.anchor
            if kind_held and anchored:
                first_s = first_s if first_s is not None else time.perf_counter() - t0
                yield "".join(held)
                held.clear()

    try:
        for piece in client.stream(messages(q, frags, ctx)):
            buffer += piece
            done, buffer = split_claims(buffer)
            yield from take(done)
        done, buffer = split_claims(buffer, final=True)
        yield from take(done)
    except LLMError as e:
        failure = str(e)
        if not gs.fallback and not kept:
            raise LLMUnavailable(failure) from e
    gen_s = time.perf_counter() - t0
    stats = {"llm_called": True, "sentences": len(verdicts), "kept": len(kept),
             "dropped": [{"text": v.claim.text, "reason": v.reason} for v in verdicts if not v.kept],
             "first_sentence_ms": round(first_s * 1000, 1) if first_s is not None else None,
             "generate_ms": round(gen_s * 1000, 1)}
    if kept and not (kind_held and anchored):
        extractive.notice = NOTICE_KIND.format(kind=KIND_NAMES[q.kind]) if not kind_held else NOTICE_ANCHOR
        extractive.extra = {**stats, "fallback": True, "fallback_reason": "kind" if not kind_held else "anchor"}
        yield extractive.answer
        yield extractive
        return
    if not kept:
        extractive.notice = NOTICE_FAILED.format(reason=failure) if failure else NOTICE_FALLBACK
        extractive.extra = {**stats, "fallback": True}
        yield extractive.answer
        yield extractive
        return
    cits = _citations(kept, renumber, checker, {f.n: f for f in frags}, hits, ctx, {c.idx: c.p for c in cands})
    text = " ".join(_texts(kept, renumber))
    ans = Answer(text, False, "llm", cits, {}, q.query, extractive.support, q.language, q.kind,
                 extractive.features)
    ans.notice = NOTICE_CUT.format(reason=failure) if failure else None
    ans.extra = {**stats, "fallback": False}
    yield ans


def _texts(kept: list[Verdict], renumber: Renumberer) -> list[str]:
    """The kept sentences with their final numbers (the renumbering is fixed once all are kept)."""
    return [v.claim.text.rstrip() + " " + "".join(f"[{renumber.order[n]}]" for n in v.markers) for v in kept]
