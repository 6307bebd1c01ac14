"""Questions about a letter itself: when it was sent, who signed it, its kenmerk.

Answered from the metadata the letter states, citing the letterhead or signature
where it states it; when the letter does not state it, we say so (an abstention),
never a date or a name from elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rag.features import Context
from rag.metadata import MONTHS
from rag.question import Question, coverage

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
    """The letter(s) a question about a letter means: one per year it names, else the best match.

    The best match weighs how well the letter's title covers the question against
    how high its passages rank, so "de kabinetsbrief over de stand van zaken" finds
    the letter with that title even when another letter's passage ranks first.
    """
    ranked = list(dict.fromkeys(h.passage.doc_id for h in hits))
    if not ranked:
        return []
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
