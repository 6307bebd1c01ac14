"""Metadata of all five letters, checked field by field against what the letters say."""

import pytest

from rag.clean import clean
from rag.metadata import doc_id_for, extract, load_sidecar, merge, parse_dutch_date, sentence_case
from tests.conftest import CORPUS

EXPECTED = {
    "000_3289456b47e41371": {
        "title": ("Toelichting op de verplichtingen die Nederland is aangegaan in NAVO-verband", "sidecar"),
        "date": (None, None),
        "sender": ("minister van Volksgezondheid, Welzijn en Sport (Fleur Agema)", "text"),
        "reference": ("2025Z00307", "text"),
    },
    "001_5d30ca5876bbcd37": {
        "title": ("Beantwoording Kamervragen over concrete weerbaarheidsdoelen", "text"),
        "date": ("2025-04-24", "text"),
        "sender": ("minister van Defensie (Ruben Brekelmans)", "text"),
        "reference": ("MINDEF20250016257", "text"),
    },
    "002_b80af96d40fd70be": {
        "title": ("Stand van zaken weerbaarheid tegen hybride en militaire dreigingen", "sidecar"),
        "date": (None, None),
        "sender": ("minister van Justitie en Veiligheid en minister van Defensie", "sidecar"),
        "reference": (None, None),
    },
    "003_cd6cc0e004d35c7e": {
        "title": ("Geannoteerde agenda van de NAVO Top in Vilnius van 11 en 12 juli 2023", "text"),
        "date": ("2023-06-30", "text"),
        "sender": ("minister van Buitenlandse Zaken (W.B. Hoekstra) en minister van Defensie (K.H. Ollongren)", "text"),
        "reference": ("Kamerstuk 28 676, nr. 439", "text"),
    },
    "004_0eaa6607556f058b": {
        "title": ("Geannoteerde agenda ministeriële bijeenkomsten van de NAVO-ministers van Buitenlandse Zaken en van "
                  "Defensie van 1 juni 2021", "text"),
        "date": (None, None),
        "sender": ("minister van Buitenlandse Zaken (Stef Blok) en minister van Defensie (Ank Bijleveld-Schouten)",
                   "text"),
        "reference": (None, None),
    },
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
@pytest.mark.parametrize("field", ["title", "date", "sender", "reference"])
def test_metadata_field(doc_id, field):
    raw = (CORPUS / f"{doc_id}.txt").read_text()
    fields, sources = merge(extract(clean(raw)), load_sidecar(CORPUS).get(f"{doc_id}.txt"))
    value, source = EXPECTED[doc_id][field]
    assert fields[field] == value
    assert sources.get(field) == source


def test_the_sidecar_never_overrides_what_the_letter_states():
    fields, sources = merge({"title": "Uit de brief", "date": "2023-06-30"}, {"title": "Uit de sidecar"})
    assert fields["title"] == "Uit de brief" and sources["title"] == "text"


def test_a_malformed_sidecar_date_fails_loudly():
    with pytest.raises(ValueError):
        merge({}, {"date": "30 juni 2023"})


@pytest.mark.parametrize(
    ("text", "iso"),
    [("30 juni 2023", "2023-06-30"), ("24 April 2025", "2025-04-24"), ("31 februari 2023", None), ("juni", None)],
)
def test_dutch_dates(text, iso):
    assert parse_dutch_date(text) == iso


@pytest.mark.parametrize(
    ("source", "doc_id"),
    [("000_3289456b47e41371.txt", "000_3289456b47e41371"), ("Brief over NAVO (def).txt", "brief-over-navo-def")],
)
def test_doc_ids_are_stable_and_url_safe(source, doc_id):
    assert doc_id_for(source) == doc_id


def test_upper_case_headings_take_the_casing_the_letter_uses():
    body = "De NAVO Top in Vilnius. De NAVO besluit. Vilnius is de hoofdstad."
    assert sentence_case("GEANNOTEERDE AGENDA VAN DE NAVO TOP IN VILNIUS", body) == (
        "Geannoteerde agenda van de NAVO Top in Vilnius")
