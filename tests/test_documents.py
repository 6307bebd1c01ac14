"""PDF and Word letters made from the real letters read back to the text pipeline's cleaning, pages and all."""

from __future__ import annotations

import pytest

from rag.clean import clean
from rag.documents import read_document
from rag.errors import IngestError, TooLarge
from rag.layout import page_at
from tests.conftest import CORPUS
from tests.documents import HEADER, as_read, kamerbrief_docx, kamerstuk_pdf

LETTERS = sorted(CORPUS.glob("*.txt"))


def reference(path, colophon_too: bool = False):
    """The text pipeline's letter as it reads (the fixtures wrap and hyphenate it their own way), without the
    colophon a PDF prints in its footer unless asked."""
    return as_read(clean(path.read_text(encoding="utf-8")), colophon_too)


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.stem[:3])
def test_pdf_cleans_to_the_text_pipelines_letter(letter):
    ref = reference(letter)
    data, _ = kamerstuk_pdf(ref)
    got = as_read(read_document(letter.stem + ".pdf", data, max_pages=500))
    assert got.text == ref.text  # no header, footer or page number; words joined; footnotes moved
    assert [(b.start, b.end, b.kind) for b in got.blocks] == [(b.start, b.end, b.kind) for b in ref.blocks]
    assert got.footnotes == ref.footnotes
    assert HEADER not in got.text and "kst-" not in got.text and "ISSN" not in got.text


def test_the_pdf_fixture_is_kamerstuk_like():
    """Guard against a fixture that would make the test above easy: several pages, hyphens, notes, furniture."""
    import pypdfium2 as pdfium

    data, where = kamerstuk_pdf(reference(CORPUS / "003_cd6cc0e004d35c7e.txt"))
    pdf = pdfium.PdfDocument(data)
    raw = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert len(raw) >= 4 and max(p for _, p in where) == len(raw)
    assert sum(p.count("\ufffe") for p in raw) >= 20  # words hyphenated at line ends
    assert all(HEADER in p for p in raw[1:]) and "kst-28676-439" in raw[0]


def test_page_is_right_for_quotes_on_pages_1_2_and_3():
    ref = reference(CORPUS / "003_cd6cc0e004d35c7e.txt")
    data, where = kamerstuk_pdf(ref)
    got = read_document("003.pdf", data, max_pages=500)
    seen, last = set(), 0
    for words, page in where:  # the opening words of every paragraph, in order, with the page it starts on
        at = got.text.find(words, last)
        assert at >= 0, words
        assert page_at(got.pages, at) == page, (words, page)
        seen.add(page)
        last = at
    assert {1, 2, 3} <= seen
    notes = [b for b in got.blocks if b.kind == "footnote"]
    assert page_at(got.pages, notes[0].start) == 1  # a footnote is on the page it was printed on


@pytest.mark.parametrize("letter", LETTERS, ids=lambda p: p.stem[:3])
def test_docx_cleans_to_the_text_pipelines_letter(letter):
    ref = reference(letter, colophon_too=True)
    got = read_document(letter.stem + ".docx", kamerbrief_docx(ref), max_pages=500)
    assert got.text == ref.text  # header and footer dropped, footnotes in the Voetnoten section
    assert [b.kind for b in got.blocks] == [b.kind for b in ref.blocks]
    assert got.pages is None


def test_too_many_pages_is_refused():
    data, _ = kamerstuk_pdf(reference(CORPUS / "003_cd6cc0e004d35c7e.txt"))
    with pytest.raises(TooLarge, match="pagina's"):
        read_document("003.pdf", data, max_pages=2)


def test_a_text_letter_has_no_pages():
    letter = CORPUS / "003_cd6cc0e004d35c7e.txt"
    got = read_document(letter.name, letter.read_bytes(), max_pages=500)
    assert got.text == clean(letter.read_text(encoding="utf-8")).text and got.pages is None
    with pytest.raises(IngestError, match="geen tekst"):
        read_document("brief.txt", b"%PDF-1.7\n...", max_pages=500)
