"""Extractive answers: quote the sentences that answer the question, cite each, or abstain.

No language model is needed. The question (analysed once, ``rag.question.Question``)
and the retrieved passages give candidate sentences with general features
(``rag.features``); a learned ranker scores them, a greedy selection quotes as few as
cover what was asked, and a learned support model decides whether the letters answer
at all (``rag.ranker``). Questions about a letter itself are answered from its
letterhead (``rag.letterfacts``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag import letterfacts
from rag.clean import reading
from rag.features import Candidate, Context, candidates
from rag.hop import Ask, bridge, part_answers, plan
from rag.question import Question
from rag.ranker import AnswererModel, score, select, support_features, support_score

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
    kamervraag: str | None = None  # the Kamerlid's question a quoted answer responds to: context, not answer

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
    notice: str | None = None  # why the answer is not what the mode promised (llm fell back, stopped early)
    extra: dict = field(default_factory=dict)  # llm mode: sentences written, kept, dropped and why

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
            "notice": self.notice,
            "generation": self.extra or None,
        }


# --- messages ------------------------------------------------------------------------------------

ABSTAIN_NL = ("De brieven geven geen antwoord op deze vraag. Hieronder staan de passages die er het dichtst bij "
              "komen; controleer zelf of die helpen.")
ABSTAIN_EN = ("De brieven geven geen antwoord op deze vraag (the letters do not answer this question). "
              "Hieronder staan de passages die er het dichtst bij komen.")
EN_LEAD = "The letters say (in Dutch): "
KAMERVRAAG_LEAD = "Uit de Kamervraag: "  # before a quoted Kamervraag: the context of the answer, not the answer
KAMERVRAAG_LEAD_EN = "From the parliamentary question: "


def normalize_space(text: str) -> str:
    """A quote as the answer shows it: on one line, each word the letter broke over a line whole again."""
    return re.sub(r"\s+", " ", reading(text)).strip()


# --- citations -----------------------------------------------------------------------------------

def _citation(ctx: Context, n: int, doc_id: str, chunk_id: str, passage, start: int, end: int, score: float,
              kamervraag: str | None = None) -> Citation:
    rec = ctx.records[doc_id]
    md = rec["metadata"]
    return Citation(
        n=n, doc_id=doc_id, title=md.get("title") or doc_id, date=md.get("date"), sender=md.get("sender"),
        reference=md.get("reference"), section=passage.section, chunk_id=chunk_id, text=passage.text,
        quote=rec["text"][start:end], start=start, end=end, score=round(score, 4), kamervraag=kamervraag)


def build_citations(chosen: list[Candidate], ctx: Context, hits: list) -> list[Citation]:
    """One citation per contiguous run of chosen sentences within a passage; the best run is [1]."""
    by_chunk: dict[str, list[Candidate]] = {}
    for c in chosen:
        by_chunk.setdefault(ctx.sentences[c.idx].chunk_id, []).append(c)
    passage_of = {h.passage.chunk_id: h.passage for h in hits}
    passage_of.update({cid: ctx.passage(cid) for cid in by_chunk if cid not in passage_of})
    runs: list[tuple[str, list[Candidate]]] = []
    for chunk_id, items in by_chunk.items():
        order = ctx.sentences_of[chunk_id]
        items.sort(key=lambda c: order.index(c.idx))
        run = [items[0]]
        for c in items[1:]:
            same_role = (ctx.sentences[c.idx].role == "question") == (ctx.sentences[run[-1].idx].role == "question")
            if order.index(c.idx) == order.index(run[-1].idx) + 1 and same_role:
                run.append(c)
            else:
                runs.append((chunk_id, run))
                run = [c]
        runs.append((chunk_id, run))
    # a Kamerlid's question is context: quoted after the answers, never first
    runs.sort(key=lambda r: (ctx.sentences[r[1][0].idx].role == "question", -max(c.p for c in r[1])))
    out = []
    for n, (chunk_id, run) in enumerate(runs, start=1):
        first, last = ctx.sentences[run[0].idx], ctx.sentences[run[-1].idx]
        qi = ctx.question_of(run[0].idx)
        kamervraag = None
        if qi is not None:
            qs = [ctx.sentences[j] for j in ctx.sentences_of[chunk_id]
                  if ctx.sentences[j].role == "question" and ctx.sentences[j].qa == first.qa]
            kamervraag = ctx.records[first.doc_id]["text"][qs[0].start:qs[-1].end]
        out.append(_citation(ctx, n, first.doc_id, chunk_id, passage_of[chunk_id], first.start, last.end,
                             max(c.p for c in run), kamervraag))
    return out


def closest_passages(cands: list[Candidate], ctx: Context, hits: list, n: int = 3) -> list[Citation]:
    """For an abstention: the best sentence of each of the closest passages."""
    seen: set[str] = set()
    picks = []
    for c in sorted(cands, key=lambda c: -c.p):
        chunk_id = ctx.sentences[c.idx].chunk_id
        if chunk_id not in seen:
            seen.add(chunk_id)
            picks.append(c)
        if len(picks) == n:
            break
    return build_citations(picks, ctx, hits)


def answer_text(citations: list[Citation], lang: str, asked: frozenset[int] = frozenset()) -> str:
    """The quotes with their markers; a Kamerlid's question (citation numbers ``asked``) says it is one."""
    lead = KAMERVRAAG_LEAD_EN if lang == "en" else KAMERVRAAG_LEAD
    text = " ".join(f"{lead if c.n in asked else ''}{normalize_space(c.quote)} [{c.n}]" for c in citations)
    return (EN_LEAD + text) if lang == "en" else text


# --- the answer ----------------------------------------------------------------------------------

def fact_answer(q: Question, found: list[letterfacts.Fact], ctx: Context) -> Answer | None:
    """"When was it sent / who signed / which kenmerk" from the letterhead, saying which letters do not state
    it; None when none of the letters meant states it."""
    parts, cits = [], []
    for f in found:
        if f.span is None:
            continue
        n = len(cits) + 1
        cits.append(_citation(ctx, n, f.doc_id, f.chunk_id, f.passage, f.span[0], f.span[1], 1.0))
        parts.append(letterfacts.fact_sentence(f.field, f.title, f.value, q.language) + f" [{n}]")
    if not cits:
        return None
    return Answer(" ".join(parts + _not_stated(found)), False, "extractive", cits, {}, q.query, 0.99, q.language,
                  q.kind, {"letter_fact": 1.0})


def _not_stated(found: list[letterfacts.Fact]) -> list[str]:
    """One line per field asked that a letter meant does not state."""
    missing = [f for f in found if f.span is None]
    return [letterfacts.not_stated(name, [f.title for f in missing if f.field == name])
            for name in dict.fromkeys(f.field for f in missing)]


def _not_repeated(q: Question, cands: list[Candidate], ctx: Context) -> None:
    """A follow-up asks something new: what the previous answer already quoted weighs half."""
    if not q.previous_answer:
        return
    said = normalize_space(q.previous_answer)
    for c in cands:
        if normalize_space(ctx.sentences[c.idx].text)[:80] in said:
            c.p *= 0.5


Search = Callable[[str, list], tuple[list, dict[str, float]]]


def compose(q: Question, hits: list, sims: dict[str, float], ctx: Context, model: AnswererModel,
            threshold: float | None = None, cands: list[Candidate] | None = None,
            search: Search | None = None, ask: Ask | None = None) -> Answer:
    """The answer (or abstention) for ``q`` from the retrieved ``hits``; timings are the caller's.

    ``cands`` are the candidate sentences when the caller has them already (fitting re-runs
    this step under many models; the features do not change). ``search`` (query, hits so far ->
    more hits and their sentences' similarity to ``q``) runs the second search of ``rag.hop``; ``ask`` (a part of
    the question -> its hits and similarities) asks each part of a question that asks several things on its own."""
    threshold = model.threshold if threshold is None else threshold
    abstain_text = ABSTAIN_EN if q.language == "en" else ABSTAIN_NL
    cands = candidates(q, hits, sims, ctx) if cands is None else cands
    score(cands, model)
    _not_repeated(q, cands, ctx)
    found = letterfacts.facts(q, hits, ctx) if q.facts else []
    if q.facts and (answer := fact_answer(q, found, ctx)) is not None:
        return answer
    chosen = select(q, cands, ctx, model.select)
    if search is not None and (hop := plan(q, [ctx.sentences[c.idx].text for c in chosen], ctx)):
        more, more_sims = search(hop.query, hits)
        if more:
            hits, sims = hits + more, sims | more_sims
            cands = candidates(q, hits, sims, ctx)
            score(cands, model)
            _not_repeated(q, cands, ctx)
            chosen = select(q, cands, ctx, model.select)
        # the sentence that answers the open part may go one past the usual maximum: it is what was asked
        chosen += bridge(q, hop, cands, chosen, ctx)[: max(ctx.max_sentences + 1 - len(chosen), 0)]
    if q.facts and not letterfacts.mentioned_letter(q, [c.idx for c in chosen], [f.doc_id for f in found], ctx):
        text = " ".join(_not_stated(found)) + " De brieven geven hierop dus geen antwoord."
        return Answer(text, True, "extractive", closest_passages(cands, ctx, hits), {}, q.query, 0.0, q.language,
                      q.kind, {"letter_fact": 1.0})
    if not chosen:
        return Answer(abstain_text, True, "extractive", [], {}, q.query, 0.0, q.language, q.kind)
    feats = support_features(q, chosen, cands, ctx)
    support = support_score(feats, model.support)
    if support < threshold:
        return Answer(abstain_text, True, "extractive", closest_passages(cands, ctx, hits), {}, q.query, support,
                      q.language, q.kind, feats)
    if ask is not None and q.part_questions:  # after the support check: a part answered alone answers no near miss
        chosen += part_answers(q, chosen, ctx, model, ask)[: max(ctx.max_sentences + 1 - len(chosen), 0)]
    cits = build_citations(chosen, ctx, hits)
    asked = {(ctx.sentences[c.idx].doc_id, ctx.sentences[c.idx].start) for c in chosen
             if ctx.sentences[c.idx].role == "question"}
    numbers = frozenset(c.n for c in cits if (c.doc_id, c.start) in asked)
    return Answer(answer_text(cits, q.language, numbers), False, "extractive", cits, {}, q.query, support, q.language,
                  q.kind, feats)
