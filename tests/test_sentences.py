"""Sentence spans: Dutch abbreviations and initials do not end a sentence."""

import pytest

from rag.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Op 6 december jl. hebben wij uw Kamer geïnformeerd. Daarnaast groeit de hybride dreiging.",
         ["Op 6 december jl. hebben wij uw Kamer geïnformeerd.", "Daarnaast groeit de hybride dreiging."]),
        ("Circa € 5 mln. is bestemd is voor de publiekscampagne. Het inrichten van noodsteunpunten is belangrijk.",
         ["Circa € 5 mln. is bestemd is voor de publiekscampagne.",
          "Het inrichten van noodsteunpunten is belangrijk."]),
        ("De Minister van Buitenlandse Zaken, W.B. Hoekstra", ["De Minister van Buitenlandse Zaken, W.B. Hoekstra"]),
        ("(Kamerstukken 27925 nr. 771, d.d. 21 april 2021) vindt overleg plaats. Nederland is verantwoordelijk.",
         ["(Kamerstukken 27925 nr. 771, d.d. 21 april 2021) vindt overleg plaats.", "Nederland is verantwoordelijk."]),
        ("1. Bent u bekend met de bewering? Ja.", ["1. Bent u bekend met de bewering?", "Ja."]),
        ("op 14 juni a.s. zullen de ministers spreken. Zoals de NAVO stelde.",
         ["op 14 juni a.s. zullen de ministers spreken.", "Zoals de NAVO stelde."]),
        ("Is dat correct? Indien dat niet het geval is, waarom niet?",
         ["Is dat correct?", "Indien dat niet het geval is, waarom niet?"]),
        ("Zweden neemt deel als «genodigde». Nederland steunt dat.",
         ["Zweden neemt deel als «genodigde».", "Nederland steunt dat."]),
        ("Eerste alinea.\n\nTweede alinea zonder punt", ["Eerste alinea.", "Tweede alinea zonder punt"]),
    ],
)
def test_split(text, expected):
    assert sentences(text) == expected


def test_spans_are_exact_offsets():
    text = "  Voorwoord.   Het kabinet is aan de slag. "
    for s, e in split_sentences(text):
        assert text[s:e] == text[s:e].strip() and text[s:e]
