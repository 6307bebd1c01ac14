"""Cleaning for documents whose layout is known (PDF pages, Word paragraphs).

The PDF and Word readers already know what a paragraph, a heading, a footnote
and a page are, so they hand over paragraphs instead of raw lines. This module
puts those through the same per-paragraph cleaning as ``rag.clean`` (Unicode
normalisation, field codes, bracketed note markers, furniture, heading
detection, the *Voetnoten* section) and carries each paragraph's pages along,
so every offset of the cleaned text can be mapped back to the page it came from.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from rag.clean import (
    _ENDNOTE_MARK,
    FOOTNOTE_LABEL,
    CleanDoc,
    _assemble,
    _squash,
    colophon,
    is_furniture,
    join_lines,
    mark_headings,
    normalize,
)


@dataclass
class Para:
    """A paragraph (or footnote) as the reader found it.

    ``pages`` lists (offset in ``text``, page) where each page's part begins; empty for sources without pages.
    ``number`` is the footnote number for footnotes.
    """

    text: str = ""
    heading: bool = False
    pages: list[tuple[int, int]] = field(default_factory=list)
    number: str = ""

    def add_line(self, line: str, page: int | None) -> None:
        """Append a wrapped line, keeping a line-end hyphen's break as ``rag.clean`` does for text extracts."""
        line = _squash(line)
        if not line:
            return
        joined = join_lines(self.text, line) if self.text else line
        start = len(joined) - len(line)
        if page is not None and (not self.pages or self.pages[-1][1] != page):
            self.pages.append((start, page))
        self.text = joined


def clean_layout(paras: list[Para], notes: list[Para]) -> CleanDoc:
    """The cleaned text of layout paragraphs and footnotes, with a page map when the paragraphs carry pages."""
    parts: list[str] = []
    kinds: list[str] = []
    part_pages: list[list[tuple[int, int]]] = []
    for p in paras:
        text = _squash(_ENDNOTE_MARK.sub("", normalize(p.text)))
        if not text or is_furniture(text):
            continue
        text = colophon(text) or text
        parts.append(text)
        kinds.append("heading" if p.heading else "paragraph")
        part_pages.append(carry_pages(p.text, p.pages, text))
    mark_headings(parts, kinds)

    footnotes: list[tuple[str, str]] = []
    note_pages: list[list[tuple[int, int]]] = []
    for n in notes:
        body = _squash(_ENDNOTE_MARK.sub("", normalize(n.text)))
        if body:
            footnotes.append((n.number, body))
            note_pages.append(carry_pages(n.text, n.pages, body))
    doc = _assemble(parts, kinds, footnotes)
    if any(part_pages) or any(note_pages):
        doc.pages = _page_runs(doc, part_pages, note_pages)
    return doc


def carry_pages(src: str, pages: list[tuple[int, int]], out: str) -> list[tuple[int, int]]:
    """Page runs of ``src`` moved onto ``out``, a cleaned copy (characters dropped, spaces squashed).

    Walks both texts in step, matching each non-space character of ``out`` to its next
    occurrence in ``src``, so deletions anywhere keep the page of what remains.
    """
    if not pages:
        return []
    starts = [o for o, _ in pages]
    runs: list[tuple[int, int]] = []
    j = 0
    for i, ch in enumerate(out):
        if ch.isspace():
            continue
        k = src.find(ch, j)
        if k < 0:
            break
        page = pages[max(0, bisect.bisect_right(starts, k) - 1)][1]
        if not runs or runs[-1][1] != page:
            runs.append((i, page))
        j = k + 1
    return runs or [(0, pages[0][1])]


def _page_runs(doc: CleanDoc, part_pages: list, note_pages: list) -> list[tuple[int, int]]:
    """(offset, page) runs over the whole cleaned text, in text order (the Voetnoten go back in pages)."""
    n_parts = len(part_pages)
    body = doc.blocks[:n_parts]
    notes = doc.blocks[n_parts + 1:] if note_pages else []  # after the Voetnoten heading
    placed: list[tuple[int, list[tuple[int, int]]]] = [(b.start, local) for b, local in zip(body, part_pages,
                                                                                            strict=True)]
    first_note = next((local[0][1] for local in note_pages if local), None)
    if first_note is not None:  # the Voetnoten heading stands where the first footnote is printed
        placed.append((doc.blocks[n_parts].start, [(0, first_note)]))
    for block, local in zip(notes, note_pages, strict=True):
        if local:
            prefix = doc.block_text(block).index(" ", len(FOOTNOTE_LABEL)) + 1  # "Voetnoot n " stands on its page
            placed.append((block.start, [(0, local[0][1]), *[(o + prefix, p) for o, p in local[1:]]]))
    runs: list[tuple[int, int]] = []
    for start, local in placed:
        for off, page in local:
            if not runs or runs[-1][1] != page:
                runs.append((start + off, page))
    return runs


def page_at(runs: list | None, offset: int) -> int | None:
    """The page a cleaned-text offset lies on; None for a document without pages."""
    if not runs:
        return None
    k = bisect.bisect_right([r[0] for r in runs], offset) - 1
    return int(runs[max(k, 0)][1])
