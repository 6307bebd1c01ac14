"""The slot a question part asks to have filled, and whether a text fills it with something new.

"Hoeveel geld gaat naar de campagne?" asks for an amount; "Op welke datum ...?" for an exact
date; "Hoe heet de commandant?" for a name. A sentence on the topic that holds no amount, date
or name the question does not already state does not answer it: that is what near-miss
questions look like (the letters discuss the topic, not the figure asked). The support model
reads these as features (``rag.ranker.support_features``); nothing here decides on its own.
"""

from __future__ import annotations

import re

from rag.dutch import fold, without_dates_and_ids

SLOTS = ("percent", "amount", "exact_date", "date", "name", "entity")

_MONTHS = (r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
           r"|january|february|march|june|july|august|october")
DAY_MONTH = re.compile(rf"\b\d{{1,2}}(?:-\d{{1,2}})?\s+(?:{_MONTHS})\b", re.I)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:-\d{{1,2}})?\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d\d"
    r"|\d{1,2}-\w+\.?-\d{4}|voorjaar|najaar|zomer|winter|kwartaal|binnenkort|op korte termijn|volgend jaar"
    r"|dit jaar|(?:eind|begin|medio)\s+\w+)\b", re.I)
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|procent\b|percent\b)", re.I)
_NUMBER = re.compile(r"(?<![\w,.])\d+(?:[.,]\d+)?(?!\w)|\b(?:twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf"
                     r"|twaalf|twintig|dertig|veertig|vijftig|honderd|duizend|tientallen|honderden|duizenden)\b", re.I)
# a person's name: initials and a surname, a title and a capitalised name, or two capitalised words
_NAME = re.compile(
    r"\b(?:[A-Z]\.){1,3}\s?[A-Z][a-zëéï]+"
    r"|(?i:generaal|minister|lid|heer|mevrouw|president|premier|commandant|staatssecretaris|kamerlid"
    r"|secretaris-generaal|ambassadeur|voorzitter)\s+(?:(?:van |de |den )?[A-Z][a-zëéï]+)"
    r"|(?<![\w-])[A-Z][a-zëéï]+\s(?:(?:van|de|den|der)\s)*[A-Z][a-zëéï]+\b")
# any named thing: a capitalised word or an acronym that is not the first word of the text
_ENTITY = re.compile(r"(?<=\s)(?:[A-Z][\wëéï-]+|[A-Z]{2,}[\w-]*)")

_ASKS_PERCENT = re.compile(r"\b(percent\w*|procent\w*|aandeel|share)\b|%", re.I)
_ASKS_EXACT_DATE = re.compile(r"\b(datum|date|op welke dag|which day)\b", re.I)
_ASKS_NAME = re.compile(r"\b(hoe heet\w*|naam|namen|name[ds]?|called)\b", re.I)
_ASKS_ENTITY = re.compile(r"\b(welke (partij|fractie|organisatie|land|landen)|which (party|organi[sz]ation|country))\b",
                          re.I)


def slot_of(kind: str, part: str) -> str | None:
    """The slot a question part asks to have filled, or None when it asks nothing that specific (a reason, a
    list, an explanation). Cue words count without a question word too: keyword questions ("naam SG NAVO",
    "percentage huishoudens dec 2024") ask for a name and a percentage."""
    if _ASKS_NAME.search(part):
        return "name"
    if _ASKS_PERCENT.search(part):
        return "percent"
    if kind in ("money", "amount"):
        return "amount"
    if _ASKS_EXACT_DATE.search(part):
        return "exact_date"
    if kind == "date":
        return "date"
    if kind == "person" or _ASKS_ENTITY.search(part):
        return "entity"
    return None


def _new(found: list[str], question: str) -> bool:
    q = fold(question)
    return any(fold(f).strip(" .,)") not in q for f in found)


def fills(slot: str, text: str, question: str) -> bool:
    """Does ``text`` hold an instance of ``slot`` that the question does not state itself?"""
    if slot == "percent":
        return _new(_PERCENT.findall(text), question)
    if slot == "amount":
        return _new(_NUMBER.findall(without_dates_and_ids(text)), question)
    if slot == "exact_date":
        return _new(DAY_MONTH.findall(text), question)
    if slot == "date":
        return _new(_DATE.findall(text), question)
    if slot == "name":
        return _new(_NAME.findall(text), question)
    if slot == "entity":
        return _new(_ENTITY.findall(" " + text), question) or _new(_NAME.findall(text), question)
    raise ValueError(f"unknown slot {slot!r}")
