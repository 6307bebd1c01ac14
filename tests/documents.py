"""Kamerstuk-like PDF and Word files made from the real letters at test time (fpdf2, python-docx).

The PDF has what real Kamerstukken have: a running header and page numbers, the
``kst-``/ISSN footer on page 1, footnotes in small type at the foot of the page
with small raised markers in the text, words hyphenated at line ends, headings
in bold and several pages. The Word file has headers and footers, heading styles
and real footnotes (``word/footnotes.xml``). Both are built from the text
pipeline's cleaning of a letter, so reading them back must give that text again.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from fpdf import FPDF

from rag.clean import FOOTNOTES_HEADING, Block, CleanDoc, colophon, join_lines, reading

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu ships with matplotlib, a dependency
HEADER = "Tweede Kamer, vergaderjaar 2022–2023, 28 676, nr. 439"
FOOTER = "kst-28676-439 ISSN 0921 - 7371 ’s-Gravenhage 2023"
PAGE_W, PAGE_H, MARGIN, TOP, BOTTOM = 210.0, 297.0, 25.0, 30.0, 22.0  # mm
BODY_PT, NOTE_PT, MARK_PT = 10, 7.5, 6.5
LINE_MM, NOTE_LINE_MM, PARA_GAP_MM = 5.0, 3.6, 3.0


def body_blocks(doc: CleanDoc) -> list[tuple[str, str]]:
    """(kind, text) of the letter's paragraphs and headings, without the Voetnoten section."""
    out = []
    for b in doc.blocks:
        text = doc.block_text(b)
        if b.kind == "footnote" or (b.kind == "heading" and text == FOOTNOTES_HEADING and doc.footnotes):
            continue
        out.append((b.kind, text))
    return out


def marker_places(blocks: list[tuple[str, str]], notes: list[tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """Paragraph index -> the footnote whose marker ends it: spread evenly, in order, never on a heading."""
    at: dict[int, tuple[str, str]] = {}
    k = -1
    for i, note in enumerate(notes):
        k = max(k + 1, round((i + 1) * len(blocks) / (len(notes) + 1)) - 1)
        while k < len(blocks) and blocks[k][0] == "heading":
            k += 1
        at[min(k, len(blocks) - 1)] = note
    return at


@dataclass
class _PdfLine:
    words: list[str]
    bold: bool
    marker: str = ""  # footnote number raised after the last word
    gap_before: float = 0.0
    notes: list[tuple[str, str]] = field(default_factory=list)  # footnotes whose marker is on this line


class KamerstukPdf:
    """Lays out the letter by hand (fpdf2 does not hyphenate) so hyphenation and footnotes are ours."""

    def __init__(self, doc: CleanDoc, hyphenate: bool = True):
        self.doc, self.hyphenate = doc, hyphenate
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("dv", "", str(FONTS / "DejaVuSans.ttf"))
        self.pdf.add_font("dv", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.width = PAGE_W - 2 * MARGIN
        self.page_of_text: list[tuple[str, int]] = []  # (a paragraph's first words, page) for the tests

    def _w(self, text: str, bold: bool, size: float = BODY_PT) -> float:
        self.pdf.set_font("dv", "B" if bold else "", size)
        return self.pdf.get_string_width(text)

    def _split(self, word: str, room: float, bold: bool) -> tuple[str, str] | None:
        """The longest head of ``word`` that fits with a hyphen and that the cleaning joins back."""
        for cut in range(len(word) - 3, 2, -1):
            head, tail = word[:cut], word[cut:]
            if head.endswith("-"):
                shown = head
                if reading(join_lines(head, tail)) != word:
                    continue
            else:
                shown = head + "-"
                if not (head[-1].isalpha() and tail[0].isalpha()) or reading(join_lines(shown, tail)) != word:
                    continue
            if self._w(shown, bold) <= room:
                return shown, tail
        return None

    def _wrap(self, text: str, bold: bool) -> list[list[str]]:
        lines: list[list[str]] = [[]]
        words = text.split(" ")
        while words:
            word = words.pop(0)
            trial = " ".join([*lines[-1], word])
            if self._w(trial, bold) <= self.width or not lines[-1]:
                lines[-1].append(word)
                continue
            room = self.width - self._w(" ".join(lines[-1]) + " ", bold)
            split = self._split(word, room, bold) if self.hyphenate else None
            if split:
                lines[-1].append(split[0])
                words.insert(0, split[1])
            else:
                words.insert(0, word)
            lines.append([])
        return lines

    def build(self) -> bytes:
        blocks = body_blocks(self.doc)
        notes = list(self.doc.footnotes)
        at = marker_places(blocks, notes)
        lines: list[_PdfLine] = []
        for k, (kind, text) in enumerate(blocks):
            wrapped = self._wrap(text, kind == "heading")
            for j, words in enumerate(wrapped):
                lines.append(_PdfLine(words, kind == "heading", gap_before=PARA_GAP_MM if j == 0 and k else 0.0))
            if k in at and kind != "heading":
                lines[-1].marker = at[k][0]
                lines[-1].notes.append(at[k])
        self._place(lines)
        return bytes(self.pdf.output())

    def _note_lines(self, note: tuple[str, str]) -> list[str]:
        n, body = note
        out, cur = [], f"{n} "
        for word in body.split(" "):
            if self._w(cur + word, False, NOTE_PT) > self.width and cur.strip() != n:
                out.append(cur.rstrip())
                cur = ""
            cur += word + " "
        out.append(cur.rstrip())
        return out

    def _place(self, lines: list[_PdfLine]) -> None:
        pages: list[tuple[list[tuple[float, _PdfLine]], list[list[str]]]] = []
        y, bottom_room, placed, notes = TOP, 0.0, [], []
        for line in lines:
            need = [self._note_lines(n) for n in line.notes]
            note_h = sum(len(x) for x in need) * NOTE_LINE_MM + (2.0 if need and not notes else 0.0)
            top = y + (line.gap_before if placed else 0.0)
            if top + LINE_MM > PAGE_H - BOTTOM - bottom_room - note_h:
                pages.append((placed, notes))
                placed, notes, top, bottom_room = [], [], TOP, 0.0
            placed.append((top, line))
            notes.extend(need)
            bottom_room += note_h
            y = top + LINE_MM
        pages.append((placed, notes))
        for no, (placed, notes) in enumerate(pages, 1):
            self._page(no, len(pages), placed, notes)

    def _page(self, no: int, total: int, placed: list, notes: list[list[str]]) -> None:
        pdf = self.pdf
        pdf.add_page()
        if no > 1:
            pdf.set_font("dv", "", 8)
            pdf.text(MARGIN, 14, HEADER)
        for i, (top, line) in enumerate(placed):
            if i == 0 or placed[i - 1][1].gap_before or line.gap_before:
                self.page_of_text.append((" ".join(line.words[:6]), no))
            pdf.set_font("dv", "B" if line.bold else "", BODY_PT)
            text = " ".join(line.words)
            pdf.text(MARGIN, top + LINE_MM - 1.2, text)
            if line.marker:
                x = MARGIN + pdf.get_string_width(text) + 0.3
                pdf.set_font("dv", "", MARK_PT)
                pdf.text(x, top + LINE_MM - 2.6, line.marker)
        flat = [x for note in notes for x in note]
        y = PAGE_H - BOTTOM - len(flat) * NOTE_LINE_MM
        if flat:
            pdf.line(MARGIN, y - 1.0, MARGIN + 40, y - 1.0)
        for text in flat:
            pdf.set_font("dv", "", NOTE_PT)
            y += NOTE_LINE_MM
            pdf.text(MARGIN, y - 0.8, text)
        pdf.set_font("dv", "", 8)
        pdf.text(PAGE_W / 2, PAGE_H - 10, str(no))
        if no == 1:
            pdf.set_font("dv", "", 7)
            pdf.text(MARGIN, PAGE_H - 6, FOOTER)


def as_read(doc: CleanDoc, colophon_too: bool = True) -> CleanDoc:
    """A cleaned letter as it reads: the line-break hyphens of its own wrapping joined up (``rag.clean.reading``),
    so letters wrapped differently (a text extract, a PDF of ours, a Word file) compare equal. A Kamerstuk PDF
    prints its colophon in page 1's footer, which the PDF reader drops with the other furniture."""
    parts, blocks, pos = [], [], 0
    for b in doc.blocks:
        t = reading(doc.block_text(b))
        if not colophon_too and colophon(t):
            continue
        pos += 2 if parts else 0
        parts.append(t)
        blocks.append(Block(pos, pos + len(t), b.kind))
        pos += len(t)
    return CleanDoc("\n\n".join(parts), blocks, [(n, reading(body)) for n, body in doc.footnotes])


def kamerstuk_pdf(doc: CleanDoc) -> tuple[bytes, list[tuple[str, int]]]:
    """The PDF bytes, and (opening words of each paragraph, page it starts on): the letter as it reads, wrapped
    anew, its colophon in the footer."""
    maker = KamerstukPdf(as_read(doc, colophon_too=False))
    return maker.build(), maker.page_of_text


def scanned_pdf() -> bytes:
    """A page with only a drawing on it: what a scan without OCR looks like to a reader."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    for i in range(40):
        pdf.rect(20, 20 + 6 * i, 170, 3, style="F")
    return bytes(pdf.output())


def encrypted_pdf(doc: CleanDoc) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("dv", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_encryption(owner_password="beheer", user_password="geheim")
    pdf.add_page()
    pdf.set_font("dv", "", 10)
    pdf.multi_cell(0, 5, doc.text[:800])
    return bytes(pdf.output())


# --- Word -----------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FOOTNOTES_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    '</w:footnote>{notes}</w:footnotes>')


def kamerbrief_docx(doc: CleanDoc) -> bytes:
    """A Word letter: heading styles, a header and a footer with a page number, real footnotes."""
    from docx import Document

    doc = as_read(doc)
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    d = Document()
    section = d.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = "Pagina 1 van 1"
    blocks = body_blocks(doc)
    notes = list(doc.footnotes)
    at = marker_places(blocks, notes)
    for k, (kind, text) in enumerate(blocks):
        p = d.add_heading(text, level=2) if kind == "heading" else d.add_paragraph(text)
        if k in at and kind != "heading":
            run = p.add_run()
            ref = parse_xml(f'<w:footnoteReference xmlns:w="{W_NS}" w:id="{at[k][0]}"/>')
            rpr = parse_xml(f'<w:rPr xmlns:w="{W_NS}"><w:vertAlign w:val="superscript"/></w:rPr>')
            run._r.append(copy.deepcopy(rpr))
            run._r.append(ref)
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {_xml(text)}</w:t></w:r></w:p></w:footnote>'
        for n, text in notes)
    part = Part(PackURI("/word/footnotes.xml"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
                FOOTNOTES_XML.replace("{notes}", body).encode("utf-8"), d.part.package)
    d.part.relate_to(part, RT.FOOTNOTES)
    assert qn("w:footnoteReference")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def zip_bomb_docx() -> bytes:
    """A .docx whose document.xml unpacks to 200 MB of spaces (a few hundred kB packed)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b" " * (1 << 20)
            for _ in range(200):
                f.write(block)
    return buf.getvalue()


def extra_letter(filler: str) -> str:
    """A new letter of a few pages whose last paragraph (about drinking water in Zeeland) no other letter has.

    ``filler`` is the text of another letter, used for the pages before it.
    """
    paras = [p for p in filler.split("\n\n") if len(p) > 200][:14]
    return ("Betreft\nProef met noodvoorziening drinkwater in Zeeland\n\nDatum\n12 maart 2026\n\n"
            "Geachte voorzitter,\n\n" + "\n\n".join(paras) + "\n\n"
            "Het kabinet start een proef met de noodvoorziening van drinkwater in Zeeland. Op veertig tappunten "
            "kunnen inwoners bij een langdurige storing drinkwater halen. De proef loopt tot eind 2026 en kost "
            "3,5 miljoen euro.\n")
