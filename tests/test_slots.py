"""What a question asks to have filled, and whether a sentence of the letters fills it with something new."""

import pytest

from rag.question import question_kind
from rag.slots import fills, slot_of


@pytest.mark.parametrize("question, slot", [
    ("Hoeveel geld gaat er naar de publiekscampagne?", "money"),
    ("Hoeveel respondenten deden mee aan de meting van april 2025?", "amount"),
    ("Wat is de hoogte van de BDuR-uitkering in 2026?", "amount"),
    ("In welke week valt de huis-aan-huis-publicatie op de mat?", "date"),
    ("Hoe laat is het informatieloket op zaterdag geopend?", "time"),
    ("Wat is het telefoonnummer of webadres van het centrale loket?", "contact"),
    ("Welk percentage van het bbp is in juni 2025 afgesproken voor weerbaarheid?", "percent"),
    ("percentage huishoudens met noodpakket dec 2024", "percent"),
    ("Waaraan mag de 1,5% van het BBP worden besteed?", None),  # it states a percentage and asks none
    ("Wanneer moet de terugkeer uit Afghanistan klaar zijn?", "date"),
    ("Op welke datum werd de brief verstuurd?", "exact_date"),
    ("op welke dagen vond die top plaats", "exact_date"),
    ("Wanneer precies was de top in Vilnius? Ik wil de exacte data.", "exact_date"),
    ("In welk jaar moeten de bondgenoten de 1,5% van het BBP voor weerbaarheid gehaald hebben?", "year"),
    ("By which year do allies have to reach the 1.5% of GDP for resilience?", "year"),
    ("Hoe heet de Duitse commandant van TAAC-N?", "name"),
    ("naam SG NAVO top vilnius", "name"),
    ("Met wie werkt Defensie samen voor militaire mobiliteit?", "entity"),
    ("Van welke partij is het lid Van Houwelingen?", "entity"),
    ("Waarom wil het kabinet de weerbaarheid versterken?", None),
    ("Welke zeven gebieden noemen de resilience objectives?", None),
])
def test_slot_of_a_question(question, slot):
    assert slot_of(question_kind(question), question) == slot


CAMPAIGN = ("Circa € 5 mln. is bestemd is voor de publiekscampagne en circa € 65 mln. voor de verdere versterking "
            "van de regionale en lokale weerbaarheid.")
SUMMIT = ("Tijdens de NAVO Top van 24-25 juni jl. is afgesproken om 1,5% van het BBP aan te wenden voor uitgaven aan "
          "de weerbaarheid van de maatschappij.")
RETURN = "De afronding van deze terugkeer is in juli 2021 voorzien."
LETTER = "Op korte termijn ontvangt uw Kamer een brief naar aanleiding van de moties Nieuwenhuijzen/Belhaj."
MAZAR = ("Zij sprak daar met de Duitse commandant van TAAC-N en ook kort met de commandant van de NAVO-missie "
         "Resolute Support (RS) Generaal Miller.")
KYIV = "Daarna spreken regeringsleiders met de Oekraïense president in het format van de NATO-Ukraine Commission."
MEASURE = ("Waar in het voorjaar van 2024 nog maar 15% actie had ondernomen, bleek dit in de meting van december "
           "2024 gestegen naar 26% en in april 2025 naar 29%.")
DESK = ("In nauwe samenwerking met VNO-NCW en MKB-Nederland, activeert het ministerie van Economische Zaken "
        "publiek-privaat dialoog, tevens zal een centrale loketfunctie worden ingericht.")
VISIT = ("De minister van Defensie bracht op 16 mei samen met de CDS een bezoek aan de Nederlandse militairen van het "
         "Train, Advise & Assist Command North (TAAC-N) in Mazar-e-Sharif.")
MOBILITY = ("Op het gebied van militaire mobiliteit wordt bijvoorbeeld in samenwerking met ProRail en Rijkswaterstaat "
            "heel precies vastgesteld wat Defensie nodig heeft.")


@pytest.mark.parametrize("slot, text, question, filled", [
    ("amount", CAMPAIGN, "Hoeveel van de 70 mln gaat naar de publiekscampagne?", True),
    ("amount", RETURN, "Hoeveel militairen keren terug?", False),  # a year is no amount
    ("amount", MEASURE, "Hoeveel mensen deden mee aan de meting van april 2025?", False),  # nor is a percentage
    ("money", CAMPAIGN, "Hoeveel geld gaat naar de publiekscampagne?", True),
    ("year", SUMMIT, "In welk jaar moet de 1,5% gehaald zijn?", False),  # a day in June is no year
    ("year", RETURN, "In welk jaar is de terugkeer afgerond?", True),
    ("year", "In april 2025 was dit 29%.", "In welk jaar was het 29%, in 2025?", False),  # the question's own year
    ("money", "Er zijn 240 vrijwilligers opgeleid.", "Wat kost de opleiding?", False),
    ("contact", DESK, "Wat is het webadres van het centrale loket?", False),
    ("contact", "Meer informatie staat op www.denkvooruit.nl.", "Waar vind ik meer informatie, welke website?", True),
    ("time", DESK, "Hoe laat is het loket open?", False),
    ("time", "(2 april 2025, rond vijf minuten over drie in de middag) in de Tweede Kamer tijdens een technische "
             "briefing", "Hoe laat deed de heer Ten Haaf zijn bewering?", True),  # a time in words
    ("time", SUMMIT, "Hoe laat begon de top?", False),
    ("amount", "Nederland kondigde hiervoor eerder een bijdrage van EUR 100 miljoen aan.",
     "Is de bijdrage van 100 miljoen later verhoogd, en met hoeveel?", False),  # only the amount it states
    ("percent", SUMMIT, "Welk percentage van het bbp gaat naar weerbaarheid?", True),
    ("percent", SUMMIT, "Is 1,5% van het bbp genoeg voor kerndefensie?", False),
    ("percent", CAMPAIGN, "Welk percentage van het geld gaat naar de campagne?", False),
    ("date", RETURN, "Wanneer is de terugkeer klaar?", True),
    ("date", LETTER, "Wanneer komt de brief over specialisatie?", True),  # "op korte termijn" answers "wanneer"
    ("exact_date", LETTER, "Op welke datum komt de brief over specialisatie?", False),
    ("exact_date", SUMMIT, "Op welke datum was de NAVO-top?", True),
    ("exact_date", SUMMIT, "Wat is op 24-25 juni afgesproken, op welke datum precies?", False),
    ("exact_date", "heeft Nederland zich tijdens de NAVO-top in juli 2023 in Vilnius gecommitteerd",
     "op welke dagen vond die top plaats", False),  # a month is no day
    ("name", MAZAR, "Hoe heet de commandant van Resolute Support?", True),
    ("name", KYIV, "Hoe heet de Oekraïense president?", False),
    ("name", VISIT, "Hoe heet de CDS?", False),  # "Assist Command" and "minister van Defensie" are no names
    ("name", "De Minister-President, de Minister van Buitenlandse Zaken en de Minister van Defensie zijn voornemens "
             "deze Top bij te wonen.", "Welke minister-president woonde de top bij?", False),
    ("entity", MOBILITY, "Met wie werkt Defensie samen voor militaire mobiliteit?", True),
])
def test_a_sentence_fills_a_slot_only_with_something_the_question_does_not_say(slot, text, question, filled):
    assert fills(slot, text, question) is filled

