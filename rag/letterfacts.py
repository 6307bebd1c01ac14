"""Questions about a letter itself: when it was sent, who signed it, its kenmerk.

Answered from the metadata the letter states, citing the letterhead or signature
where it states it. When none of the letters meant states it, the answer comes from
the text only where a sentence mentions the letter asked about (a letter of the
letters' own past, "de Kamerbrief ... die op 6 december ... is verstuurd");
otherwise we say the letter does not state it (an abstention), never a date or a
name from elsewhere. A question about "de brieven" asks it of every letter found,
within the years it spans.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rag.features import Context
from rag.metadata import MONTHS
from rag.question import Question, coverage
from rag.slots import DAY_MONTH

FACT_NAMES = {"date": "datum", "sender": "ondertekenaar", "reference": "kenmerk of Kamerstuknummer"}


@dataclass
class PassageView:
    section: str | None
    text: str


@dataclass
class Fact:
    """One letter's stated value for the field asked, with where it stands (None when not stated)."""

    field: str  # "date", "sender" or "reference"
    doc_id: str
    title: str
    value: str | None
    span: tuple[int, int] | None
    chunk_id: str | None
    passage: PassageView | None


def dutch_date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    month = next(name for name, num in MONTHS.items() if num == d.month)
    return f"{d.day} {month} {d.year}"


def target_letters(q: Question, hits: list, ctx: Context) -> list[str]:
    """The letter(s) a question about a letter means: every retrieved letter (within the years it spans) when it
    asks of the letters, one per year it names, else the best match.

    The best match weighs how well the letter's title covers the question against
    how high its passages rank, so "de kabinetsbrief over de stand van zaken" finds
    the letter with that title even when another letter's passage ranks first.
    """
    ranked = list(dict.fromkeys(h.passage.doc_id for h in hits))
    if not ranked:
        return []
    if q.every_letter:
        lo, hi = q.year_span or (0, 9999)

        def meant(d: str) -> bool:
            years = ctx.doc_years(d)
            if q.year_span:
                return any(lo <= int(y) <= hi for y in years)
            return bool(years & set(q.years)) if q.years else True

        return [d for d in ranked if meant(d)] or ranked
    if len(q.years) >= 2 or q.compare:
        picked = []
        for y in q.years:
            for d in ranked:
                if y in ctx.doc_years(d) and d not in picked:
                    picked.append(d)
                    break
        return picked or ranked[:2]

    def fit(rank: int, doc_id: str) -> float:
        return coverage(q.words, *ctx.title_terms(doc_id)) + 0.25 / (1 + rank)

    return [max(enumerate(ranked), key=lambda r: fit(*r))[1]]


def facts(q: Question, hits: list, ctx: Context) -> list[Fact]:
    """Each field asked of each letter meant, as the letter states it."""
    out = []
    for doc_id in target_letters(q, hits, ctx):
        rec = ctx.records[doc_id]
        title = rec["metadata"]["title"]
        for name in q.facts:
            span = rec.get("metadata_spans", {}).get(name)
            if not span:
                out.append(Fact(name, doc_id, title, None, None, None, None))
                continue
            start, end = span
            chunk = next(c for c in rec["chunks"] if c["start"] <= start < c["end"])
            value = rec["metadata"][name]
            out.append(Fact(name, doc_id, title, dutch_date(value) if name == "date" else value, (start, end),
                            chunk["chunk_id"],
                            PassageView(chunk.get("section"), rec["text"][chunk["start"]:chunk["end"]])))
    return out


# what a sentence that states the fact of a letter it mentions holds: "de Kamerbrief ... die op 6 december jl.
# door de minister van Defensie ... is verstuurd", "(Kamerstukken II 2024/25, 30 821, nr. 249)"
_STATES = {"date": DAY_MONTH, "sender": re.compile(r"\b(minister|staatssecretaris)\b", re.I),
           "reference": re.compile(r"\b\d{2}\s?\d{3},? nr\.", re.I)}
_MENTIONS_LETTER = re.compile(r"brie[fv]|agenda", re.I)
# how much more of the question's weight the sentence must meet than the letters' own title and sender: on
# 54 authors' questions, a margin of 0.15 kept 14 of the 16 answers a mentioned letter gives, and 3 of the 8
# near misses ("the autumn letter: on which date?") that a margin of 0 answered wrongly
MENTION_MARGIN = 0.15


def mentioned_letter(q: Question, sentence_ids: list[int], letters: list[str], ctx: Context) -> bool:
    """Is the letter asked about one the letters mention rather than one of them? So when a chosen sentence
    mentions a letter, holds the kind of value asked, and fits the question clearly better than the letters' own
    title and sender do ("Op welke datum is de Kamerbrief Weerbaarheid tegen hybride en militaire dreigingen
    verstuurd?"), not when the question points at a letter of ours by its title or sender ("de brief van
    minister Agema over de NAVO-verplichtingen": that one states no date, and no other date answers).
    ``letters`` are the letters the question was taken to mean (``facts``)."""
    own = max((coverage(q.words, *ctx.identity_terms(d)) for d in dict.fromkeys(letters)), default=0.0)
    for idx in sentence_ids:
        text = ctx.sentences[idx].text
        if (_MENTIONS_LETTER.search(text) and any(_STATES[f].search(text) for f in q.facts)
                and coverage(q.words, ctx.sentence_terms[idx], ctx.grams(idx)) >= own + MENTION_MARGIN):
            return True
    return False


def fact_sentence(fact: str, title: str, value: str, lang: str) -> str:
    """"‘Beantwoording Kamervragen ...’ is gedateerd 24 april 2025." (the letter's own words but for the verb)."""
    if lang == "en":
        verb = {"date": "is dated", "sender": "is signed by the", "reference": "has the reference"}[fact]
    else:
        verb = {"date": "is gedateerd", "sender": "is ondertekend door de", "reference": "heeft als kenmerk"}[fact]
    return f"‘{title}’ {verb} {value}."


def not_stated(fact: str, titles: list[str]) -> str:
    names = "; ".join(f"‘{t}’" for t in titles)
    return f"De brief {names} vermeldt zelf geen {FACT_NAMES[fact]}."
