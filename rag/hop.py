"""A second search for the part of a question the first search left open, and each part asked on its own.

"Op welke top committeerde Nederland zich aan de RO's, en op welke dagen was die?" is answered in two
letters: one says the top was in Vilnius, another says when the Vilnius top took place. The first
search finds the first; the second part's date is in no passage it returned. When the chosen
sentences leave a part's slot (a date, an amount, a name) unfilled while another part is answered,
the part is searched again together with the names the chosen sentences brought up ("Vilnius").
The sentence that bridges the two, holding one of those names and filling the open slot ("Op 11 en
12 juli komen NAVO-staatshoofden ... bijeen in Vilnius"), joins the answer. A question that asks one
thing and finds no instance of it is a near miss, not a reason to search on: it gets no second search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.dutch import fold
from rag.features import Candidate, Context, candidates
from rag.question import Question
from rag.ranker import AnswererModel, is_question, repeats, score
from rag.slots import entities, fills

MAX_NAMES = 4  # names from the chosen sentences added to the second query
PART_MIN_P = 0.3  # a part's own best sentence joins the answer when the ranker is at least this sure of it


@dataclass(frozen=True)
class Hop:
    query: str
    parts: tuple[int, ...]  # the parts left open
    names: tuple[str, ...]  # the names the chosen sentences share, most shared and rarest first


def open_parts(q: Question, texts: Sequence[str]) -> list[int]:
    """The parts whose slot no chosen sentence fills."""
    return [k for k, p in enumerate(q.parts) if p.slot and not any(fills(p.slot, t, q.text) for t in texts)]


def _rarity(name: str, ctx: Context) -> float:
    return max((ctx.idf.get(t, 0.0) for t in ctx.analyzer.terms(name)), default=0.0)


def plan(q: Question, texts: Sequence[str], ctx: Context) -> Hop | None:
    """What to search next, or None when the chosen sentences answer every part they can be judged on or
    none at all."""
    left = open_parts(q, texts)
    if not texts or not left or len(left) == len(q.parts):
        return None
    asked = set(fold(q.query).split())
    seen = Counter(n for t in texts for n in dict.fromkeys(entities(t)) if fold(n) not in asked)
    names = tuple(sorted(seen, key=lambda n: (-seen[n], -_rarity(n, ctx)))[:MAX_NAMES])
    return Hop(" ".join([q.parts[k].text for k in left] + list(names)), tuple(left), names)


def bridge(q: Question, hop: Hop, cands: Sequence[Candidate], chosen: Sequence[Candidate],
           ctx: Context) -> list[Candidate]:
    """For each part still open: the sentence (no footnote, no Kamerlid's question) that fills its slot and
    holds the rarest of the names the chosen sentences share, the ranker's best among equals."""
    texts = [ctx.sentences[c.idx].text for c in chosen]
    have = {c.idx for c in chosen}
    out: list[Candidate] = []
    for k in open_parts(q, texts):
        if k not in hop.parts:
            continue
        best, best_key = None, (0.0, 0.0)
        for c in cands:
            text = ctx.sentences[c.idx].text
            if (c.idx in have or c.x.get("footnote") or ctx.sentences[c.idx].role == "question"
                    or not fills(q.parts[k].slot, text, q.text)):
                continue
            folded = fold(text)
            link = max((_rarity(n, ctx) for n in hop.names if fold(n) in folded), default=0.0)
            if link > 0 and (link, c.p) > best_key:
                best, best_key = c, (link, c.p)
        if best is not None:
            out.append(best)
            have.add(best.idx)
    return out


Ask = Callable[[Question], tuple[list, dict[str, float]]]


def part_answers(q: Question, chosen: Sequence[Candidate], ctx: Context, model: AnswererModel, ask: Ask
                 ) -> list[Candidate]:
    """For a question that asks several things ("welk percentage steunde het kabinet in 2023, en welk percentage
    is in 2025 afgesproken?"): each part asked on its own, and its best sentence when the ranker is fairly sure of
    it and the chosen sentences hold neither it nor what it says. Ranked against the whole question, the sentence
    that answers the second part scores low beside the first part's, whose words the question shares more; and a
    chosen sentence that seems to answer the part ("het BBP-percentage in 2024 en 2025 ...") often does not."""
    have = {c.idx for c in chosen}
    out: list[Candidate] = []
    for pq in q.part_questions:
        hits, sims = ask(pq)
        cands = candidates(pq, hits, sims, ctx)
        score(cands, model)
        best = max((c for c in cands if not is_question(ctx, c)), key=lambda c: c.p, default=None)
        if (best is None or best.p < PART_MIN_P or best.idx in have
                or any(repeats(best, o, ctx, q.compare or q.several) for o in [*chosen, *out])):
            continue
        chunk = ctx.sentences[best.idx].chunk_id
        whole = candidates(q, [h for h in hits if h.passage.chunk_id == chunk], sims, ctx)  # read as the question's
        score(whole, model)
        out += [c for c in whole if c.idx == best.idx]
        have.add(best.idx)
    return out
