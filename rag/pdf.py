"""PDF in: the pages of a letter or Kamerstuk as paragraphs, footnotes and page numbers (pypdfium2).

Text extracts lose what the page knows; here the characters come with their box,
font size and weight, so the furniture, the footnotes and the headings are
found by layout rather than guessed from the text:

- lines in the top or bottom band that repeat across pages (digits masked), and
  ``kst-...``, ``ISSN ...``, "Tweede Kamer, vergaderjaar ..." and bare page numbers, are dropped;
- the run of small-type lines at the foot of a page, each note starting with its number,
  becomes footnotes; the small raised numbers in the text (the markers) are dropped;
- words pdfium marks as split across lines (U+FFFE) are joined as ``rag.clean`` joins them
  (``geanno-teerde`` -> ``geannoteerde``, ``NAVO-verdragsgebied`` keeps its hyphen);
- a vertical gap, or a bold or larger line, starts a paragraph; a paragraph that runs
  on at the foot of a page continues on the next.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.errors import IngestError, TooLarge
from rag.layout import Para

NO_TEXT = "geen tekstlaag; OCR is niet ingebouwd (is dit een scan?)"
BAND = 0.12  # top and bottom share of the page where running headers and footers stand
SMALL = 0.85  # footnotes and markers are set smaller than this share of the body size
PARA_GAP = 1.45  # a baseline gap this many times the usual line gap starts a paragraph
_HYPHEN_MARKS = {"\ufffe", "\x02"}
_KAMERSTUK_FURNITURE = [
    re.compile(r"^(Tweede|Eerste) Kamer,? vergaderjaar \d{4}\s*[–-]\s*\d{4}\b.*$"),
    re.compile(r"^kst-\d+-\d+(-\d+)?\b.*$"),
    re.compile(r"^ISSN \d{4}\s*-\s*\d{3}[\dX]\b.*$"),
]
_BARE_PAGE = re.compile(r"^(Pagina|Blad)?\s*\d{1,4}(\s*(van|/)\s*\d{1,4})?$")
_NOTE_START = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_SENTENCE_END = tuple(".!?:;")


@dataclass
class _Char:
    ch: str
    size: float
    left: float
    bottom: float
    right: float
    top: float
    bold: bool


@dataclass
class _Line:
    chars: list[_Char] = field(default_factory=list)
    hyphen: bool = False  # pdfium joined this line to the next at a hyphen: the next character starts a line
    text: str = ""
    marker: str = ""  # small raised digits at the start: a footnote's number
    size: float = 0.0
    y: float = 0.0  # baseline (median bottom of full-size characters)
    left: float = 0.0
    right: float = 0.0
    top: float = 0.0
    bold: bool = False

    def finish(self) -> None:
        ink = [c for c in self.chars if not c.ch.isspace()]
        self.size = statistics.median(c.size for c in ink)
        full = [c for c in ink if c.size >= SMALL * self.size] or ink
        self.y = statistics.median(c.bottom for c in full)
        self.left, self.right = min(c.left for c in ink), max(c.right for c in ink)
        self.top = max(c.top for c in full)
        self.bold = all(c.bold for c in ink if c.ch.isalpha()) and any(c.ch.isalpha() for c in ink)
        kept: list[str] = []
        for c in self.chars:
            raised = c.size < SMALL * self.size and c.bottom > self.y + 0.15 * self.size
            if raised and (c.ch.isdigit() or c.ch in "*†‡"):
                if not "".join(kept).strip():
                    self.marker += c.ch  # the number in front of a footnote
                continue  # otherwise a note marker in the text
            kept.append(c.ch)
        self.text = " ".join("".join(kept).split())


def _page_lines(page: pdfium.PdfPage) -> list[_Line]:
    """The page's text lines, top to bottom, from its characters' boxes."""
    tp = page.get_textpage()
    lines: list[_Line] = []
    cur: _Line | None = None
    band = (0.0, 0.0)
    box = [ctypes.c_double() for _ in range(4)]
    refs = [ctypes.byref(b) for b in box]
    try:
        n = tp.count_chars()
        text = tp.get_text_range(0, n) if n else ""
        if len(text) != n:  # characters outside the BMP: ask one by one
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(tp, i)) for i in range(n))
        for i, ch in enumerate(text):
            if ch in "\r\n":
                continue
            if ch in _HYPHEN_MARKS:  # the line ends in a hyphen pdfium took off: put it back for join_lines
                if cur is not None:
                    cur.hyphen = True
                    cur.chars.append(replace(cur.chars[-1], ch="-"))
                continue
            if ch.isspace():
                if cur is not None:
                    cur.chars.append(_Char(ch, cur.chars[-1].size, 0, 0, 0, 0, False))
                continue
            pdfium_c.FPDFText_GetCharBox(tp, i, *refs)  # left, right, bottom, top
            left, right, bottom, top = (b.value for b in box)
            c = _Char(ch, pdfium_c.FPDFText_GetFontSize(tp, i), left, bottom, right, top,
                      ch.isalpha() and pdfium_c.FPDFText_GetFontWeight(tp, i) >= 600)
            mid = (bottom + top) / 2
            if cur is None or cur.hyphen or not (band[0] <= mid <= band[1]) or left < cur.chars[-1].left - 4 * c.size:
                cur = _Line()
                lines.append(cur)
                pad = 0.25 * c.size
                band = (bottom - pad, top + pad)
            elif c.size >= SMALL * cur.chars[0].size:
                band = (min(band[0], bottom - 0.25 * c.size), max(band[1], top + 0.25 * c.size))
            cur.chars.append(c)
    finally:
        tp.close()
    out = []
    for line in lines:
        line.finish()
        if line.text or line.marker:
            out.append(line)
    out.sort(key=lambda x: -x.y)  # reading order is top to bottom; pdfium keeps content order
    return out


def _is_furniture(text: str, in_band: bool) -> bool:
    if any(p.match(text) for p in _KAMERSTUK_FURNITURE):
        return True
    return in_band and bool(_BARE_PAGE.match(text))


def _drop_furniture(pages: list[list[_Line]], heights: list[float]) -> list[list[_Line]]:
    """Without running headers, footers and page numbers."""
    def in_band(line: _Line, h: float) -> bool:
        return line.top > h * (1 - BAND) or line.y < h * BAND

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", line.text.lower())

    seen = Counter()
    for lines, h in zip(pages, heights, strict=True):
        seen.update({key(x) for x in lines if in_band(x, h)})
    repeat = max(2, (len(pages) + 1) // 2)
    return [[x for x in lines if not (_is_furniture(x.text, in_band(x, h))
                                      or (in_band(x, h) and seen[key(x)] >= repeat and len(pages) > 1))]
            for lines, h in zip(pages, heights, strict=True)]


def _split_footnotes(lines: list[_Line], body_size: float, page_no: int, notes: list[Para]) -> list[_Line]:
    """Move the small-type footnote run at the foot of the page into ``notes``; return the body lines."""
    k = len(lines)
    while k > 0 and lines[k - 1].size < SMALL * body_size:
        k -= 1
    run = lines[k:]
    if not run or not (run[0].marker or _NOTE_START.match(run[0].text)):
        return lines
    for line in run:
        m = _NOTE_START.match(line.text)
        last = int(notes[-1].number) if notes and notes[-1].number.isdigit() else 0
        if line.marker:
            notes.append(Para(number=line.marker))
            notes[-1].add_line(line.text, page_no)
        elif m and (line is run[0] or int(m.group(1)) in (last + 1, 1) or int(m.group(1)) <= last):
            notes.append(Para(number=m.group(1)))
            notes[-1].add_line(m.group(2), page_no)
        else:
            notes[-1].add_line(line.text, page_no)
    return lines[:k]


def _is_heading(line: _Line, body_size: float) -> bool:
    return line.bold or line.size > 1.12 * body_size


def read_pdf(data: bytes, max_pages: int) -> tuple[list[Para], list[Para], int]:
    """Paragraphs, footnotes and the page count of a PDF; IngestError for what cannot be read."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise IngestError("het PDF-bestand is versleuteld (beveiligd met een wachtwoord); "
                              "lever een onbeveiligde versie aan") from None
        raise IngestError("het PDF-bestand is beschadigd of onleesbaar") from None
    try:
        n = len(doc)
        if n == 0:
            raise IngestError("het PDF-bestand heeft geen pagina's")
        if n > max_pages:
            raise TooLarge(f"het PDF-bestand heeft {n} pagina's; het maximum is {max_pages} (RAG_MAX_PAGES)")
        pages, heights = [], []
        for i in range(n):
            page = doc[i]
            try:
                heights.append(page.get_height())
                pages.append(_page_lines(page))
            finally:
                page.close()
    except pdfium.PdfiumError:
        raise IngestError("het PDF-bestand is beschadigd of onleesbaar") from None
    finally:
        doc.close()
    if sum(len(x.text) for lines in pages for x in lines) < 10 * n:
        raise IngestError(NO_TEXT)
    sizes = Counter()
    for lines in pages:
        for x in lines:
            sizes[round(x.size * 2) / 2] += len(x.text)
    body_size = sizes.most_common(1)[0][0]
    pages = _drop_furniture(pages, heights)
    notes: list[Para] = []
    bodies = [_split_footnotes(lines, body_size, no, notes) for no, lines in enumerate(pages, 1)]
    return _paragraphs(bodies, body_size), notes, n


def _paragraphs(bodies: list[list[_Line]], body_size: float) -> list[Para]:
    gaps = sorted(a.y - b.y for lines in bodies for a, b in zip(lines, lines[1:], strict=False)
                  if 0.8 * body_size < a.y - b.y < 3 * body_size)
    usual = gaps[len(gaps) // 10] if gaps else 1.2 * body_size  # the line gap is the smallest common one
    right_edge = max((x.right for lines in bodies for x in lines), default=0.0)
    left_edge = min((x.left for lines in bodies for x in lines), default=0.0)
    width = max(right_edge - left_edge, 1.0)
    paras: list[Para] = []
    prev: _Line | None = None
    for page_no, lines in enumerate(bodies, 1):
        for k, line in enumerate(lines):
            heading = _is_heading(line, body_size)
            if prev is None:
                new = True
            elif k == 0:  # the first line of a page: does the last paragraph run on?
                runs_on = not prev.text.endswith(_SENTENCE_END) or (
                    prev.right > right_edge - 0.1 * width and line.text[:1].islower())
                new = heading or paras[-1].heading or not runs_on
            else:
                new = (prev.y - line.y > PARA_GAP * usual or heading != paras[-1].heading)
            if new:
                paras.append(Para(heading=heading))
            paras[-1].add_line(line.text, page_no)
            prev = line
    return paras
