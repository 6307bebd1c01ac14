"""Turn text extracted from PDF or Word into clean paragraphs.

Every offset the system hands out (chunks, citations, highlights) refers to the
cleaned text this module produces, so cleaning is a pure function of the raw
text: the same letter always cleans to the same string.

What it removes or repairs, in order:
- Word artefacts: ``[bookmark: ...]``, ``[footnoteRef:n]``, inline footnote bodies
  ``[n: ...]`` and endnote markers ``[n]`` (their bodies move to a "Voetnoten"
  section at the end, so no bracketed number survives);
- PDF page furniture: running headers (``kst-28676-439``), ``ISSN ...``, page
  footers, return-address lines and bare link lines;
- PDF footnote blocks at the foot of a page (moved to the "Voetnoten" section)
  and the superscript markers glued to words (``beantwoording1``);
- hard line wraps, tabs and stray whitespace, except a line break after a word's hyphen: the text
  keeps ``geanno-\\nteerde`` as the letter prints it (so a passage copied from the letter is found in
  it, up to whitespace), and ``reading`` gives ``geannoteerde`` to search, embeddings and answers
  while real hyphens stay (``NAVO-verdragsgebied``, ``informatie-uitwisseling``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

FOOTNOTES_HEADING = "Voetnoten"
FOOTNOTE_LABEL = "Voetnoot "  # then the note's number and text with nothing between, so a note copied with its
# number from the letter ("2 Briefadvies 35: Keuzes voor de krijgsmacht") is found in the served text

_BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
_FOOTNOTE_REF = re.compile(r"\[footnoteRef:\s*\d+\]")
_INLINE_FOOTNOTE = re.compile(r"\[(\d+):\s*(.*?)\s*\]", re.S)
_ENDNOTE_BODY = re.compile(r"^\[(\d+)\]\s+(.*)$")
_ENDNOTE_MARK = re.compile(r"\s?\[\d+\]")
_PDF_FOOTNOTE = re.compile(r"^(\d{1,3}) (\S.*)$")
# A Kamerstuk's first-page colophon: kept (it states the Kamerstuk number), less the page number after it
_COLOPHON = re.compile(r"^([’']s-Gravenhage \d{4} Tweede Kamer, vergaderjaar .*?\bnr\. \d+)(?:\s+\d{1,3})?$")
_URL_LINE = re.compile(r"^\(?https?://\S+$|^www\.\S+$")
_FURNITURE = [
    re.compile(r"^kst-\d+-\d+(-\d+)?$"),
    re.compile(r"^ISSN \d{4}\s*-\s*\d{3}[\dX]$"),
    re.compile(r"^(Pagina|Blad)?\s*\d{1,3}( van \d{1,3})?$"),
    re.compile(r"^>\s*Retouradres\b.*$"),
    re.compile(r"^Bij beantwoording,? datum,? onze referentie en onderwerp vermelden\.?$"),
]
_SPACE = re.compile(r"\s+")
_SENTENCE_END = tuple(".!?:;")
_VOWELS = set("aeiouyàáâäèéêëìíîïòóôöùúûü")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@dataclass(frozen=True)
class Block:
    """A paragraph, heading or footnote of the cleaned text, by offsets."""

    start: int
    end: int
    kind: str  # "heading" | "paragraph" | "footnote"


@dataclass
class CleanDoc:
    text: str
    blocks: list[Block] = field(default_factory=list)
    footnotes: list[tuple[str, str]] = field(default_factory=list)
    # (offset, page) where each run of a page starts in ``text``; None for a source without pages
    pages: list[tuple[int, int]] | None = None

    def block_text(self, b: Block) -> str:
        return self.text[b.start:b.end]


@dataclass
class _Line:
    text: str
    page_start: bool = False  # the extractor starts a new PDF page with a leading space
    blank: bool = False


def normalize(raw: str) -> str:
    """Unicode NFC, Unix newlines, no invisible characters, no NBSP or tabs inside lines."""
    t = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    t = t.translate(_INVISIBLE).replace("\u00a0", " ")
    return t


def strip_word_artefacts(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove Word field codes; return the text and the footnote bodies they carried."""
    notes: list[tuple[str, str]] = []
    text = _BOOKMARK.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)

    def keep_note(m: re.Match) -> str:
        notes.append((m.group(1), _squash(m.group(2))))
        return ""

    text = _INLINE_FOOTNOTE.sub(keep_note, text)
    lines = text.split("\n")
    out: list[str] = []
    in_endnote = False
    for line in lines:
        m = _ENDNOTE_BODY.match(line.strip())
        if m:
            notes.append((m.group(1), _squash(m.group(2))))
            in_endnote = True
            continue
        if in_endnote and line.strip():
            n, body = notes[-1]
            notes[-1] = (n, _join_words(body, line.strip()))
            continue
        in_endnote = False
        out.append(_ENDNOTE_MARK.sub("", line))
    return "\n".join(out), notes


def colophon(line: str) -> str | None:
    """The colophon line without its page number: ``’s-Gravenhage 2023 Tweede Kamer, ..., nr. 439``."""
    m = _COLOPHON.match(line.strip())
    return m.group(1) if m else None


def is_furniture(line: str) -> bool:
    s = line.strip()
    return any(p.match(s) for p in _FURNITURE) or bool(_URL_LINE.match(s))


def join_lines(left: str, right: str) -> str:
    """Join two wrapped lines; a line that ends in a word's hyphen keeps its line break (see ``reading``)."""
    left = left.rstrip()
    right = right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if left.endswith("-") and len(left) >= 2 and left[-2] != " ":  # not a dash: "voorsprong -" + "is cruciaal"
        return left + "\n" + right
    return left + " " + right


_LINE_HYPHEN = re.compile(r"(?<=(\S))-\n(?=(\S))")


def _unbreak(m: re.Match) -> str:
    before, after = m.group(1), m.group(2)
    if before.isalpha() and before.islower() and after.isalpha() and after.islower():
        if before in _VOWELS and after in _VOWELS:  # klinkerbotsing: informatie-uitwisseling
            return "-"
        return ""  # geanno-teerde: a word the line broke
    return "-"  # NAVO-verdragsgebied, Secretaris-Generaal, 2022-2023


def reading(text: str) -> str:
    """The cleaned text as it reads: each hyphen the letter put at a line's end joined up again.

    The cleaned text keeps those line breaks (``samen-\\nwerking``), so it holds the letter's own words
    up to whitespace and a passage copied from the letter is found in it; search, embeddings, the
    answer's text and the metadata read ``samenwerking`` (and ``NAVO-verdragsgebied``).
    """
    return _LINE_HYPHEN.sub(_unbreak, text) if "-\n" in text else text


def _join_words(left: str, right: str) -> str:
    if left.endswith(("/", "-")):
        return left + right
    return left + " " + right


def _squash(s: str) -> str:
    """One space for each run of whitespace; the line break after a word's hyphen stays (see ``reading``)."""
    def one(m: re.Match) -> str:
        i = m.start()
        if "\n" in m.group() and i >= 2 and s[i - 1] == "-" and not s[i - 2].isspace():
            return "\n"
        return " "

    return _SPACE.sub(one, s).strip()


def _to_lines(text: str) -> list[_Line]:
    lines = []
    for raw in text.split("\n"):
        stripped = raw.strip()
        page_start = raw.startswith(" ") and bool(stripped)
        lines.append(_Line(_squash(stripped), page_start=page_start, blank=not stripped))
    return lines


def _own_paragraph_if_colophon(x: _Line) -> list[_Line]:
    text = None if x.blank else colophon(x.text)
    return [x] if text is None else [_Line("", blank=True), _Line(text), _Line("", blank=True)]


def _extract_pdf_footnotes(lines: list[_Line]) -> tuple[list[_Line], list[tuple[str, str, int]]]:
    """Lift footnote blocks off the foot of PDF pages.

    A block starts after a blank line with ``N text`` where N is the next footnote
    number, and runs to the next page start (a line the extractor indented) or the
    end. Returns the remaining lines and (number, body, line index where it stood).
    """
    out: list[_Line] = []
    notes: list[tuple[str, str, int]] = []
    expected = 1
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _PDF_FOOTNOTE.match(line.text) if not line.blank else None
        prev_blank = not out or out[-1].blank
        if m and prev_blank and int(m.group(1)) == expected and not line.page_start:
            while out and out[-1].blank:
                out.pop()
            where = len(out)
            j = i
            while j < len(lines) and not lines[j].page_start:
                cur = lines[j]
                mm = _PDF_FOOTNOTE.match(cur.text) if not cur.blank else None
                if mm and int(mm.group(1)) == expected:
                    notes.append((mm.group(1), mm.group(2), where))
                    expected += 1
                elif cur.blank:
                    pass
                elif _URL_LINE.match(cur.text) and not notes[-1][1].endswith("/"):
                    pass  # link annotations the extractor lists under the footnotes
                else:
                    n, body, w = notes[-1]
                    notes[-1] = (n, _join_words(body, cur.text), w)
                j += 1
            i = j
            continue
        out.append(line)
        i += 1
    return out, notes


def _remove_glued_markers(paragraph_lines: list[_Line], notes: list[tuple[str, str, int]]) -> None:
    """Drop superscript footnote numbers the extractor glued to words (``transport3.``).

    Each marker is searched between the previous marker and the place its footnote
    stood, in order, so years and codes such as ``G7`` or ``NAVO2030`` are left alone.
    """
    pos_line, pos_col = 0, 0
    for n, _body, where in notes:
        pat = re.compile(r"(?<=[^\W\d_]|[.)%’”'\"])" + n + r"(?=[\s.,;:)]|$)")
        found = False
        for li in range(pos_line, min(where, len(paragraph_lines))):
            line = paragraph_lines[li]
            if line.blank:
                continue
            m = pat.search(line.text, pos_col if li == pos_line else 0)
            if m:
                line.text = line.text[: m.start()] + line.text[m.end():]
                pos_line, pos_col = li, m.start()
                found = True
                break
        if not found:
            continue


def _wrap_width(lines: list[_Line]) -> float:
    lengths = sorted(len(x.text) for x in lines if not x.blank)
    if not lengths:
        return 0.0
    return lengths[int(0.9 * (len(lengths) - 1))]


def _is_caps(text: str) -> bool:
    """Upper-case title lines ("GEANNOTEERDE AGENDA ...", "2021", "Nr. 439 BRIEF VAN ...")."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return any(c.isdigit() for c in text) and len(text) <= 12
    return sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def _looks_like_heading_line(prev: str | None, line: str, nxt: str | None, width: float) -> bool:
    if not line or len(line) > 0.6 * width or line.endswith((*_SENTENCE_END, ",")):
        return False
    if not line[0].isupper():
        return False
    prev_ends = prev is None or prev.rstrip().endswith(_SENTENCE_END)
    next_starts = nxt is None or (nxt[:1].isupper() and not _is_caps(nxt))
    return prev_ends and next_starts


def _paragraphs(lines: list[_Line]) -> list[tuple[str, str]]:
    """Group lines into (kind, text) paragraphs, undoing hard wraps."""
    width = _wrap_width(lines)
    word_style = width > 150  # no hard wraps: every line is a paragraph
    groups: list[list[str]] = [[]]
    for x in lines:
        if x.blank:
            if groups[-1]:
                groups.append([])
        else:
            groups[-1].append(x.text)
    paras: list[tuple[str, str]] = []
    for g in groups:
        if not g:
            continue
        if word_style:
            paras.extend(("paragraph", t) for t in g)
            continue
        current: list[str] = []
        kind = "paragraph"
        for k, line in enumerate(g):
            prev = g[k - 1] if k else None
            nxt = g[k + 1] if k + 1 < len(g) else None
            caps = _is_caps(line) and len(g) > 1
            heading = _looks_like_heading_line(prev, line, nxt, width) and len(g) > 1
            if current and (heading or (caps and kind != "caps") or (not caps and kind == "caps")):
                paras.append(("heading" if kind == "caps" else "paragraph", _join(current)))
                current = []
            if heading:
                paras.append(("heading", line))
                kind = "paragraph"
                continue
            kind = "caps" if caps else "paragraph"
            current.append(line)
            short_end = line.endswith(_SENTENCE_END) and len(line) < 0.8 * width
            if short_end and not caps:
                paras.append(("paragraph", _join(current)))
                current = []
        if current:
            paras.append(("heading" if kind == "caps" else "paragraph", _join(current)))
    return paras


def _join(lines: list[str]) -> str:
    text = lines[0]
    for nxt in lines[1:]:
        text = join_lines(text, nxt)
    return _squash(text)


def mark_headings(parts: list[str], kinds: list[str]) -> None:
    """Promote a paragraph to a heading where it reads as one between its neighbours (in place)."""
    for k, t in enumerate(parts):
        if kinds[k] == "paragraph":
            prev = parts[k - 1] if k else None
            nxt = parts[k + 1] if k + 1 < len(parts) else None
            if _is_heading_block(prev, t, nxt):
                kinds[k] = "heading"


def _is_heading_block(prev: str | None, text: str, nxt: str | None) -> bool:
    """A short unpunctuated line between a finished sentence and a real paragraph."""
    words = text.split()
    if not words or len(words) > 10 or len(text) > 80 or text.endswith((*_SENTENCE_END, ",")):
        return False
    if not (text[0].isupper() or text[0].isdigit()):
        return False
    if prev is not None and not prev.endswith((*_SENTENCE_END, ")")):
        return False
    return nxt is not None and len(nxt) > 80


def clean(raw: str) -> CleanDoc:
    """Clean one letter; see the module docstring for what happens."""
    text = normalize(raw)
    text, word_notes = strip_word_artefacts(text)
    lines = [x for x in _to_lines(text)]
    lines = [(_Line("", blank=True) if not x.blank and is_furniture(x.text) else x) for x in lines]
    lines = [y for x in lines for y in _own_paragraph_if_colophon(x)]
    lines, pdf_notes = _extract_pdf_footnotes(lines)
    _remove_glued_markers(lines, pdf_notes)
    paras = _paragraphs(lines)

    parts: list[str] = []
    kinds: list[str] = []
    for kind, t in paras:
        if t:
            parts.append(t)
            kinds.append(kind)
    mark_headings(parts, kinds)

    footnotes = [(n, b) for n, b in word_notes] + [(n, _squash(b)) for n, b, _ in pdf_notes]
    return _assemble(parts, kinds, footnotes)


def _assemble(parts: list[str], kinds: list[str], footnotes: list[tuple[str, str]]) -> CleanDoc:
    """Paragraphs and the Voetnoten section as one text with block offsets."""
    parts, kinds = list(parts), list(kinds)
    if footnotes:
        parts.append(FOOTNOTES_HEADING)
        kinds.append("heading")
        for n, body in footnotes:
            parts.append(f"{FOOTNOTE_LABEL}{n} {body}")  # "Voetnoot 2 Briefadvies 35": the note as printed
            kinds.append("footnote")

    out, blocks, pos = [], [], 0
    for t, kind in zip(parts, kinds, strict=True):
        if out:
            out.append("\n\n")
            pos += 2
        out.append(t)
        blocks.append(Block(pos, pos + len(t), kind))
        pos += len(t)
    return CleanDoc(text="".join(out), blocks=blocks, footnotes=footnotes)
