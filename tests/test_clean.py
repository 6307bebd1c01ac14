"""Cleaning letters extracted from PDF and Word: each case is a real snippet of the corpus."""

import re

import pytest

from rag.clean import clean, colophon, is_furniture, join_lines, reading, strip_word_artefacts


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("de geanno-", "teerde agenda", "de geannoteerde agenda"),  # 003: a word broken by the line
        ("het niveau van staatshoofden en regerings-", "leiders, met", "het niveau van staatshoofden en regeringsleiders, met"),
        ("de dreiging richting het NAVO-", "verdragsgebied", "de dreiging richting het NAVO-verdragsgebied"),  # real hyphen
        ("dat de Secretaris-", "Generaal van de NAVO", "dat de Secretaris-Generaal van de NAVO"),
        ("het verbeteren van informatie-", "uitwisseling.", "het verbeteren van informatie-uitwisseling."),  # ie-u
        ("van buiten de trans-", "Atlantische regio", "van buiten de trans-Atlantische regio"),
        ("een technologische voorsprong -", "is cruciaal", "een technologische voorsprong - is cruciaal"),  # a dash
        ("via non-letale ", " steun, maar ook", "via non-letale steun, maar ook"),
    ],
)
def test_line_breaks_are_joined_and_hyphenation_undone_only_where_it_was_a_break(left, right, joined):
    assert reading(join_lines(left, right)) == joined


@pytest.mark.parametrize(
    ("left", "right", "kept"),
    [
        ("de geanno-", "teerde agenda", "de geanno-\nteerde agenda"),
        ("de dreiging richting het NAVO-", "verdragsgebied", "de dreiging richting het NAVO-\nverdragsgebied"),
        ("een technologische voorsprong -", "is cruciaal", "een technologische voorsprong - is cruciaal"),
        ("een gemeenschappelijk", "dreigingsbeeld", "een gemeenschappelijk dreigingsbeeld"),
    ],
)
def test_the_cleaned_text_keeps_the_line_break_after_a_words_hyphen(left, right, kept):
    assert join_lines(left, right) == kept


def test_a_passage_copied_from_a_letter_over_a_line_break_is_found_in_its_cleaned_text(corpus_files):
    """Up to whitespace, as ../shared/contract_check.py matches evidence: "gemeen-\\nschappelijk" stays."""
    def norm(s):
        return re.sub(r"\s+", " ", s).strip()

    found = 0
    for f in corpus_files:
        raw = f.read_text()
        text = norm(clean(raw).text)
        for m in re.finditer(r"(\S+ \S+ \w+-)\n(\w+ \S+)", raw):
            if not m.group(1).startswith(("https", "(https")):
                assert norm(m.group(0)) in text, (f.name, m.group(0))
                found += 1
    assert found >= 15
    doc = clean(corpus_files[3].read_text())
    assert "gemeen-\nschappelijk dreigingsbeeld" in doc.text
    assert "gemeenschappelijk dreigingsbeeld" in reading(doc.text)


def test_the_kamerstuk_colophon_is_kept_without_its_page_number(corpus_files):
    line = "’s-Gravenhage 2023 Tweede Kamer, vergaderjaar 2022–2023, 28 676, nr. 439"
    assert colophon(line + " 1") == line
    doc = clean(corpus_files[3].read_text())
    assert line in [doc.block_text(b) for b in doc.blocks]


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("kst-28676-439", True),
        ("ISSN 0921 - 7371", True),
        ("’s-Gravenhage 2023 Tweede Kamer, vergaderjaar 2022–2023, 28 676, nr. 439 1", False),  # colophon: kept
        (" > Retouradres Postbus 20701 2500 ES Den Haag", True),
        ("https://www.nato.int/cps/uk/natohq/topics_132722.htm?selectedLocale=en", True),
        ("12", True),
        ("28 676 NAVO", False),
        ("Den Haag, 30 juni 2023", False),
    ],
)
def test_page_furniture_is_recognised(line, furniture):
    assert is_furniture(line) is furniture


def test_word_artefacts_are_removed_and_footnote_bodies_kept():
    raw = ("[bookmark: _GoBack]MINDEF20250016257\n"
           "terug te vinden in het Vilnius Summit Communiqué[footnoteRef:1]. De onderliggende stukken "
           "[1:  Vilnius Summit Communiqué 11 juli 2023 ] \n")
    text, notes = strip_word_artefacts(raw)
    assert "[" not in text and "bookmark" not in text
    assert "MINDEF20250016257" in text
    assert notes == [("1", "Vilnius Summit Communiqué 11 juli 2023")]


def test_pdf_footnotes_leave_the_sentence_they_interrupt_whole(corpus_files):
    doc = clean(corpus_files[0].read_text())  # 000: a footnote block sits in the middle of a sentence
    assert "zet ik mij, samen met de zorgsector, in voor een slagvaardige" in doc.text
    assert "Voetnoot 4 Kamerstukken II 2024/25, 30 821, nr. 249" in doc.text


@pytest.mark.parametrize(
    ("glued", "clean_text"),
    [
        ("beantwoording1 op", "beantwoording op"),
        ("(tele)communicatie en transport3.", "(tele)communicatie en transport."),
        ("Vraagstukken (AIV).2", "Vraagstukken (AIV)."),
        ("voldoet Nederland aan de 2%.4", "voldoet Nederland aan de 2%."),
        ("verklaring van 14 april1 stelde", "verklaring van 14 april stelde"),
    ],
)
def test_superscript_footnote_markers_are_removed(corpus_files, glued, clean_text):
    texts = " ".join(clean(f.read_text()).text for f in corpus_files)
    raws = " ".join(re.sub(r"\s+", " ", f.read_text()) for f in corpus_files)
    assert glued in raws
    assert clean_text in texts


def test_numbers_that_are_not_markers_survive(corpus_files):
    texts = " ".join(clean(f.read_text()).text for f in corpus_files)
    for kept in ("drie doelen: (1) het zekerstellen", "de G7 en de EU", "NAVO2030", "AP4", "EUR 100 miljoen"):
        assert kept in texts


def test_no_cleaned_letter_holds_bracketed_numbers_tabs_or_page_furniture(corpus_files):
    for f in corpus_files:
        text = clean(f.read_text()).text
        assert not re.search(r"\[\d+\]|\[\d+:", text), f.name
        assert "\t" not in text and "  " not in text, f.name
        assert "kst-28676" not in text and "ISSN" not in text and "Retouradres" not in text, f.name
        assert "[bookmark" not in text and "footnoteRef" not in text, f.name


def test_blocks_cover_the_text_and_headings_are_found(corpus_files):
    doc = clean(corpus_files[4].read_text())  # 004: headings without blank lines around them
    headings = [doc.block_text(b) for b in doc.blocks if b.kind == "heading"]
    for h in ("NAVO2030", "Politieke consultatie en besluitvorming", "Klimaat", "Strategisch Concept", "Cyber"):
        assert h in headings
    assert "Ank Bijleveld-Schouten" not in headings
    assert "\n\n".join(doc.block_text(b) for b in doc.blocks) == doc.text


def test_cleaning_is_a_pure_function(corpus_files):
    raw = corpus_files[3].read_text()
    assert clean(raw).text == clean(raw).text
