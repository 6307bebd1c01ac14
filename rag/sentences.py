"""Dutch sentence boundaries as character spans.

A citation quotes whole sentences, so the splitter must not break on the
abbreviations Dutch government letters are full of (``jl.``, ``nr.``, ``a.s.``,
``d.d.``, ``mln.``, initials such as ``W.B. Hoekstra``). Spans, not strings, so a
quote can always be located exactly in the cleaned text.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset([
    "jl", "nr", "nrs", "a.s", "d.d", "o.a", "w.o", "m.b.t", "t.a.v", "t.b.v", "i.v.m", "i.p.v", "z.g", "bijv", "bv",
    "ca", "incl", "excl", "mln", "mld", "mrd", "blz", "p", "pag", "art", "lid", "e.d", "e.a", "enz", "etc", "dhr",
    "mevr", "mr", "dr", "drs", "ir", "prof", "ing", "st", "vs", "resp", "zgn", "zog", "jan", "feb", "mrt", "apr",
    "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec", "min", "max", "evt", "m.n", "n.a.v", "t.z.t", "o.b.v",
    "c.q", "kamerstuk", "kamerstukken"
])

_BOUNDARY = re.compile(r"[.!?]+[’'\"”»)]*(?=\s+[\"“‘'(«]?[A-Z0-9À-ÖØ-Þ])")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the full stop at ``dot`` ends an abbreviation or an initial."""
    if text[dot] != ".":
        return False
    m = re.search(r"(\S+)$", text[:dot])
    if not m:
        return False
    word = m.group(1).lstrip("(“‘\"'«")
    low = word.lower()
    before = text[: m.start()].rstrip(" ")
    if word.isdigit() and len(word) <= 2 and (not before or before.endswith("\n")):
        return True  # a list number: "1. Bent u bekend ..."
    if low in ABBREVIATIONS:
        return True
    if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word) and len(word.replace(".", "")) <= 3 and "." in word + ".":
        # initials (W.B.) or dotted abbreviations (a.s., d.d.)
        return not (len(word) == 1 and not word.isupper())
    return False


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``; paragraph breaks always split."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text[start:end]):
        p0 = start + para.start()
        p1 = start + para.end()
        cur = p0
        for m in _BOUNDARY.finditer(text, p0, p1):
            first_stop = m.start()
            if _is_abbreviation(text, first_stop) and m.group(0) == ".":
                continue
            _push(text, spans, cur, m.end())
            cur = m.end()
        _push(text, spans, cur, p1)
    return spans


def _push(text: str, spans: list[tuple[int, int]], a: int, b: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))
