"""Cut a cleaned letter into passages for retrieval.

Passages keep paragraphs and sentences whole, glue a heading to the text that
follows it, and are spans of the cleaned text (``text == cleaned[start:end]``), so
a search hit can always be shown in place.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.clean import FOOTNOTES_HEADING, CleanDoc
from rag.sentences import split_sentences


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    section: str | None


def _words(text: str) -> int:
    return len(text.split())


def _units(doc: CleanDoc, max_words: int) -> list[tuple[int, int, str, bool]]:
    """Blocks as (start, end, kind, paragraph_start); long paragraphs become sentence runs."""
    units = []
    for b in doc.blocks:
        text = doc.block_text(b)
        if b.kind == "heading" or _words(text) <= max_words:
            units.append((b.start, b.end, b.kind, True))
            continue
        first = True
        for s, e in split_sentences(doc.text, b.start, b.end):
            units.append((s, e, b.kind, first))
            first = False
    return units


def chunk(doc: CleanDoc, min_words: int = 100, max_words: int = 220) -> list[Chunk]:
    """Pack paragraphs (or, for long ones, sentences) into passages of min..max words.

    A passage closes at a paragraph boundary once it has ``min_words``; it closes
    mid-paragraph (between sentences) only when the next piece would overflow
    ``max_words``. A heading opens a new passage when the current one is already
    half full, and never ends one. The footnotes are packed on their own, so a
    passage never mixes the letter's body with its footnotes.
    """
    units = _units(doc, max_words)
    split = next((i for i, u in enumerate(units) if u[2] == "heading" and doc.text[u[0]:u[1]] == FOOTNOTES_HEADING
                  and all(v[2] == "footnote" for v in units[i + 1:])), len(units))
    spans = _pack(doc, units[:split], min_words, max_words) + _pack(doc, units[split:], min_words, max_words)
    return [Chunk(i, s, e, sec) for i, (s, e, sec) in enumerate(spans)]


def _pack(doc: CleanDoc, units: list[tuple[int, int, str, bool]], min_words: int, max_words: int
          ) -> list[tuple[int, int, str | None]]:
    spans: list[tuple[int, int, str | None]] = []
    section: str | None = None
    cur_start: int | None = None
    cur_end = 0
    cur_words = 0
    cur_section: str | None = None
    ends_with_heading = False

    def close() -> None:
        nonlocal cur_start, cur_words
        if cur_start is not None:
            spans.append((cur_start, cur_end, cur_section))
        cur_start, cur_words = None, 0

    for start, end, kind, para_start in units:
        n = _words(doc.text[start:end])
        if kind == "heading":
            if cur_start is not None and cur_words >= min_words * 0.5 and not ends_with_heading:
                close()
            section = doc.text[start:end]
        else:
            overflow = cur_words + n > max_words
            long_enough = cur_words >= min_words and para_start
            if cur_start is not None and not ends_with_heading and (overflow or long_enough):
                close()
        if cur_start is None:
            cur_start = start
            cur_section = section
        cur_end = end
        cur_words += n
        ends_with_heading = kind == "heading"
    close()

    # a short tail passage joins the one before it when both fit comfortably
    if len(spans) >= 2:
        (a0, _, asec), (b0, b1, _) = spans[-2], spans[-1]
        if _words(doc.text[b0:b1]) < min_words * 0.5 and _words(doc.text[a0:b1]) <= max_words * 1.2:
            spans[-2:] = [(a0, b1, asec)]
    return spans
