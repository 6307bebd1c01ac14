"""Answers to Kamervragen as structure: which paragraphs are a Kamerlid's question, which the minister's answer.

A letter answering written questions repeats each numbered question ("1. Bent u bekend
met ...?") before its answer. The question's words match a user's question best, but it
is never the answer: the paragraphs after it, up to the next numbered question, are.
Parsed once at ingest into the record, so answering can quote the answer and show the
question as context only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "1. Bent u ...?", "Vraag 2: Is het ...?", "3) Kunt u ...?" — a numbered paragraph that asks something.
_NUMBERED = re.compile(r"^(?:vraag\s+)?(\d{1,2})\s*[.):]\s+\S", re.I)
_ANSWER_LABEL = re.compile(r"^antwoord(?:\s+(?:op\s+)?(?:vraag\s+)?\d{1,2})?\s*[:.]?\s*$", re.I)


@dataclass(frozen=True)
class QA:
    """One Kamervraag with its answer, as character spans of the cleaned text."""

    number: int
    question: tuple[int, int]
    answer: tuple[int, int]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]


def _is_question(par: str) -> re.Match | None:
    m = _NUMBERED.match(par)
    return m if m and "?" in par else None


def parse(text: str, stop_headings: tuple[str, ...] = ("Voetnoten",)) -> list[QA]:
    """Numbered questions (at least two, numbered upwards from 1) and the paragraphs answering each.

    An "Antwoord" label paragraph is skipped; the answer ends before the next numbered
    question, a stop heading (the footnotes) or the end of the text.
    """
    pars = _paragraphs(text)
    found: list[tuple[int, int]] = []  # (paragraph index, number)
    for i, (a, b) in enumerate(pars):
        m = _is_question(text[a:b])
        if m:
            found.append((i, int(m.group(1))))
    numbers = [n for _, n in found]
    if len(found) < 2 or numbers[0] != 1 or any(y != x + 1 for x, y in zip(numbers, numbers[1:], strict=False)):
        return []
    out: list[QA] = []
    for k, (i, n) in enumerate(found):
        end_par = found[k + 1][0] if k + 1 < len(found) else len(pars)
        body = []
        for j in range(i + 1, end_par):
            par = text[pars[j][0]:pars[j][1]].strip()
            if par in stop_headings:
                break
            if _ANSWER_LABEL.match(par):
                continue
            body.append(pars[j])
        if body:
            out.append(QA(n, pars[i], (body[0][0], body[-1][1])))
    return out


def roles(qas: list[QA], spans: list[tuple[int, int]]) -> list[tuple[str, int | None]]:
    """For each sentence span: ("question", n), ("answer", n) or ("text", None)."""
    out: list[tuple[str, int | None]] = []
    for s, e in spans:
        role: tuple[str, int | None] = ("text", None)
        for qa in qas:
            if qa.question[0] <= s and e <= qa.question[1]:
                role = ("question", qa.number)
                break
            if qa.answer[0] <= s and e <= qa.answer[1]:
                role = ("answer", qa.number)
                break
        out.append(role)
    return out
