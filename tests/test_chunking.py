"""Passages: exact spans of the cleaned text, whole sentences, headings glued to what follows."""

import pytest

from rag.chunking import chunk
from rag.clean import clean
from rag.sentences import split_sentences


@pytest.fixture(scope="module")
def letters(corpus_files):
    return {f.stem: clean(f.read_text()) for f in corpus_files}


def test_every_passage_is_exactly_its_span_of_the_cleaned_text(letters):
    for name, doc in letters.items():
        chunks = chunk(doc)
        assert chunks, name
        for c in chunks:
            assert 0 <= c.start < c.end <= len(doc.text)
            assert doc.text[c.start:c.end] == doc.text[c.start:c.end].strip(), (name, c.index)


def test_passages_cover_the_letter_in_order_without_overlap(letters):
    for doc in letters.values():
        chunks = chunk(doc)
        for a, b in zip(chunks, chunks[1:], strict=False):
            assert a.end <= b.start
            assert doc.text[a.end:b.start].strip() == ""


def test_passages_keep_sentences_whole(letters):
    for doc in letters.values():
        starts = {s for b in doc.blocks for s, _ in split_sentences(doc.text, b.start, b.end)}
        for c in chunk(doc):
            assert c.start in starts


def test_passage_sizes_stay_in_bounds(letters):
    for doc in letters.values():
        sizes = [len(doc.text[c.start:c.end].split()) for c in chunk(doc, 100, 220)]
        assert max(sizes) <= 220 * 1.2
        body = sizes[:-2]  # the last body passage and the footnotes may be short
        assert sum(s >= 60 for s in body) >= 0.8 * len(body)


def test_a_heading_opens_the_passage_it_names(letters):
    doc = letters["004_0eaa6607556f058b"]
    chunks = {doc.text[c.start:c.end].split("\n")[0]: c for c in chunk(doc)}
    assert chunks["Cyber"].section == "Cyber"
    assert "Nederland kan instemmen met de voorliggende Comprehensive Cyber Defence Policy." in (
        doc.text[chunks["Cyber"].start:chunks["Cyber"].end])


def test_footnotes_form_their_own_passages(letters):
    doc = letters["003_cd6cc0e004d35c7e"]
    chunks = chunk(doc)
    notes = [c for c in chunks if c.section == "Voetnoten"]
    assert notes and all(doc.text[c.start:c.end].startswith(("Voetnoten", "Voetnoot")) for c in notes)
    assert all("Voetnoot" not in doc.text[c.start:c.end] for c in chunks if c.section != "Voetnoten")
