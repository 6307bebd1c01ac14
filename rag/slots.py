"""The slot a question part asks to have filled, and whether a text fills it with something new.

"Hoeveel geld gaat naar de campagne?" asks for money; "Hoeveel respondenten ...?" for a count,
which no percentage fills; "Op welke datum ...?" for an exact date; "Hoe heet de commandant?"
for a name; "Hoe laat ...?" for a time; "Wat is het webadres ...?" for a contact. A sentence
on the topic that holds no amount, date or name the question does not already state does not
answer it: that is what near-miss questions look like (the letters discuss the topic, not the
figure asked). The support model reads these as features (``rag.ranker.support_features``);
nothing here decides on its own.
"""

from __future__ import annotations

import re

from rag.dutch import fold, without_dates_and_ids

SLOTS = ("percent", "money", "amount", "exact_date", "year", "date", "time", "name", "entity", "contact")

_MONTHS = (r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
           r"|january|february|march|june|july|august|october")
DAY_MONTH = re.compile(rf"\b\d{{1,2}}(?:-\d{{1,2}})?\s+(?:{_MONTHS})\b", re.I)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:-\d{{1,2}})?\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d\d"
    r"|\d{1,2}-\w+\.?-\d{4}|voorjaar|najaar|zomer|winter|kwartaal|binnenkort|op korte termijn|volgend jaar"
    r"|dit jaar|(?:eind|begin|medio)\s+\w+|week\s+\d+)\b", re.I)
# "€ 10 mln.", "EUR 100 miljoen", "70 miljoen euro": money, not any number ("240 vrijwilligers")
_MONEY = re.compile(r"(?:€|\bEUR\b|\beuro\b)\s*\d|\d(?:[\d.,]*\d)?\s*(?:mln|miljoen|miljard|mld|euro)\b", re.I)
_HOUR = r"(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)"
# "15.05 uur", "10 uur", and in words: "vijf minuten over drie", "kwart voor elf", "half negen", "drie uur"
_TIME = re.compile(rf"\b\d{{1,2}}[:.]\d{{2}}\s*(?:uur)?\b|\b\d{{1,2}}\s*uur\b"
                   rf"|\b(?:(?:vijf|tien|kwart)\s+(?:minuten\s+)?(?:over|voor)\s+(?:half\s+)?|half\s+){_HOUR}\b"
                   rf"|\b{_HOUR}\s+uur\b", re.I)
_CONTACT = re.compile(r"https?://|\bwww\.|\b[\w-]+\.(?:nl|eu|int|org|com)\b|\S@\S|\b0\d{1,3}[- ]?\d{6,8}\b"
                      r"|\+31|\bpostbus\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|procent\b|percent\b)", re.I)
_NUMBER = re.compile(r"(?<![\w,.])\d+(?:[.,]\d+)?(?!\w)|\b(?:twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf"
                     r"|twaalf|twintig|dertig|veertig|vijftig|honderd|duizend|tientallen|honderden|duizenden)\b", re.I)
# a person's name: initials and a surname, a title and a capitalised name, or two capitalised words that are
# not a sentence opening ("De Minister-President"), a ministry ("Buitenlandse Zaken") or a body ("Assist Command")
_NAME = re.compile(
    r"\b(?:[A-Z]\.){1,3}\s?[A-Z][a-zëéï]+"
    r"|(?i:generaal|minister|lid|heer|mevrouw|president|premier|commandant|staatssecretaris|kamerlid"
    r"|secretaris-generaal|ambassadeur|voorzitter)\s+(?:(?:de |den )?[A-Z][a-zëéï]+)"
    r"|(?<![\w-])(?!(?:De|Het|Een|Deze|Die|Dit|Dat|Op|In|Voor|Van|Met|Bij|Zij|Hij|Ook|Tijdens|Als|Minister\w*"
    r"|Staatssecretaris|Buitenlandse|Economische|Binnenlandse|Algemene|Verenigd|Verenigde|Europese|Tweede|Eerste)\s)"
    r"[A-Z][a-zëéï]+\s(?:(?:van|de|den|der)\s)*"
    r"(?!(?:Zaken|Koninkrijk|Staten|Naties|Unie|Raad|Command|Support|North|Kamer|Top|Buitenlandse|Economische"
    r"|Binnenlandse|Algemene|Justitie|Defensie|Volksgezondheid|Financiën|Sociale|Infrastructuur)\b)[A-Z][a-zëéï]+\b")
# any named thing: a capitalised word or an acronym that is not the first word of the text
_ENTITY = re.compile(r"(?<=\s)(?:[A-Z][\wëéï-]+|[A-Z]{2,}[\w-]*)")

_ASKS_TIME = re.compile(r"\b(hoe laat|tijdstip|openingstijd\w*|what time)\b", re.I)
_ASKS_CONTACT = re.compile(r"\b(telefoon\w*|webadres|website|internetadres|url|e-?mail\w*|postadres|phone( number)?"
                           r"|web ?address|email address)\b", re.I)
_ASKS_PERCENT = re.compile(r"\b(percent\w*|procent\w*|aandeel|share)\b|%", re.I)
_ASKS_EXACT_DATE = re.compile(r"\b(datum|date|dates|(op )?welke dag(en)?|welke data|exacte data|wanneer precies"
                              r"|precies wanneer|which days?)\b", re.I)
# "in welk jaar ...": only a year fills it, not "24-25 juni jl." (every answerable such question in the bank has one)
_ASKS_YEAR = re.compile(r"\b(welk(e)? jaar|welk jaartal|in which year|which year|what year)\b", re.I)
_ASKS_NAME = re.compile(r"\b(hoe heet\w*|naam|namen|name[ds]?|called)\b", re.I)
_ASKS_ENTITY = re.compile(r"\b(welke (partij|fractie|organisatie|land|landen)|which (party|organi[sz]ation|country))\b",
                          re.I)


def slot_of(kind: str, part: str) -> str | None:
    """The slot a question part asks to have filled, or None when it asks nothing that specific (a reason, a
    list, an explanation). Cue words count without a question word too: keyword questions ("naam SG NAVO",
    "percentage huishoudens dec 2024") ask for a name and a percentage."""
    if _ASKS_CONTACT.search(part):
        return "contact"
    if _ASKS_TIME.search(part):
        return "time"
    if _ASKS_NAME.search(part):
        return "name"
    if _ASKS_PERCENT.search(_PERCENT.sub(" ", part)):  # "waaraan mag die 1,5% ..." states a percentage, asks none
        return "percent"
    if kind == "money":
        return "money"
    if kind == "amount":
        return "amount"
    if _ASKS_EXACT_DATE.search(part):
        return "exact_date"
    if _ASKS_YEAR.search(part):
        return "year"
    if kind == "date":
        return "date"
    if kind == "person" or _ASKS_ENTITY.search(part):
        return "entity"
    return None


def entities(text: str) -> list[str]:
    """Named things in a text: capitalised words and acronyms that do not open it ("Vilnius", "NAVO-top")."""
    return _ENTITY.findall(text)


def _new(found: list[str], question: str) -> bool:
    q = fold(question)
    return any(fold(f).strip(" .,)") not in q for f in found)


def fills(slot: str, text: str, question: str) -> bool:
    """Does ``text`` hold an instance of ``slot`` that the question does not state itself?"""
    if slot == "percent":
        return _new(_PERCENT.findall(text), question)
    if slot == "money":
        return _new(_MONEY.findall(text), question)
    if slot == "amount":  # a count or size: a number that is no percentage
        return _new(_NUMBER.findall(_PERCENT.sub(" ", without_dates_and_ids(text))), question)
    if slot == "time":
        return _new(_TIME.findall(text), question)
    if slot == "contact":
        return _new(_CONTACT.findall(text), question)
    if slot == "exact_date":
        return _new(DAY_MONTH.findall(text), question)
    if slot == "year":
        return _new(_YEAR.findall(text), question)
    if slot == "date":
        return _new(_DATE.findall(text), question)
    if slot == "name":
        return _new(_NAME.findall(text), question)
    if slot == "entity":
        return _new(_ENTITY.findall(" " + text), question) or _new(_NAME.findall(text), question)
    raise ValueError(f"unknown slot {slot!r}")
