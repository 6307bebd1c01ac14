"""Words a question may use that the letters spell differently.

Two small tables, applied to questions only (``Analyzer.expand``):
- the usual abbreviations of Dutch ministries and bodies (``VWS``, ``JenV``) to the names
  letters write out, and back is handled by the letters' own acronym definitions;
- common English words of this domain to their Dutch form, so an English question
  still meets the Dutch letters' words (``NATO summit`` -> ``NAVO top``). The dense
  model carries the rest of the meaning across languages.
"""

from __future__ import annotations

ABBREVIATIONS = {
    "vws": "Volksgezondheid Welzijn Sport",
    "jenv": "Justitie Veiligheid",
    "jv": "Justitie Veiligheid",
    "bz": "Buitenlandse Zaken",
    "buza": "Buitenlandse Zaken",
    "ez": "Economische Zaken",
    "bzk": "Binnenlandse Zaken Koninkrijksrelaties",
    "ocw": "Onderwijs Cultuur Wetenschap",
    "szw": "Sociale Zaken Werkgelegenheid",
    "ienw": "Infrastructuur Waterstaat",
    "lvvn": "Landbouw Visserij Voedselzekerheid Natuur",
    "kgg": "Klimaat Groene Groei",
    "fin": "Financiën",
    "def": "Defensie",
    "az": "Algemene Zaken",
    "tk": "Tweede Kamer",
    "mp": "minister-president",
    "pm": "minister-president",
    "sg": "Secretaris-Generaal",
    "nato": "NAVO",
    "eu": "Europese Unie",
    "bbp": "bruto binnenlands product",
    "gdp": "bbp",
    "nl": "Nederland",
}

ENGLISH = {
    "summit": "top", "summits": "toppen", "resilience": "weerbaarheid", "resilient": "weerbaar",
    "defence": "defensie", "defense": "defensie", "military": "militaire", "armed": "krijgsmacht",
    "forces": "krijgsmacht", "ukraine": "Oekraïne", "ukrainian": "Oekraïense", "sweden": "Zweden",
    "swedish": "Zweden", "russia": "Rusland", "russian": "Russische", "china": "China", "germany": "Duitsland",
    "netherlands": "Nederland", "dutch": "Nederlandse", "government": "kabinet", "cabinet": "kabinet",
    "parliament": "Kamer", "house": "Kamer", "minister": "minister", "ministers": "ministers",
    "ministry": "ministerie", "foreign": "Buitenlandse", "affairs": "Zaken", "justice": "Justitie",
    "security": "veiligheid", "budget": "begroting", "money": "middelen", "million": "miljoen",
    "billion": "miljard", "percent": "procent", "threat": "dreiging", "threats": "dreigingen",
    "hybrid": "hybride", "cyber": "cyber", "campaign": "campagne", "public": "publiek",
    "emergency": "nood", "crisis": "crisis", "crises": "crises", "conflict": "conflict", "war": "oorlog",
    "agenda": "agenda", "letter": "brief", "meeting": "bijeenkomst", "meetings": "bijeenkomsten",
    "cooperation": "samenwerking", "partners": "partners", "allies": "bondgenoten", "ally": "bondgenoot",
    "alliance": "bondgenootschap", "deterrence": "afschrikking", "climate": "klimaat", "policy": "beleid",
    "strategy": "strategie", "strategic": "strategisch", "concept": "concept", "membership": "lidmaatschap",
    "accession": "toetreding", "join": "toetreding", "support": "steun", "contribution": "bijdrage",
    "infrastructure": "infrastructuur", "critical": "kritieke", "vital": "vitale", "energy": "energie",
    "transport": "transport", "food": "voedsel", "water": "drinkwater", "health": "gezondheidszorg",
    "healthcare": "gezondheidszorg", "objectives": "doelen", "goals": "doelen", "targets": "doelen",
    "research": "onderzoek", "investigation": "onderzoek", "businesses": "bedrijven", "companies": "bedrijven",
    "municipalities": "gemeenten", "population": "Nederlanders", "citizens": "burgers", "people": "mensen",
    "dialogue": "dialoog", "written": "schriftelijke", "questions": "vragen", "answers": "antwoorden",
    "signed": "ondertekend", "afghanistan": "Afghanistan", "mission": "missie", "troops": "militairen",
    "soldiers": "militairen", "spending": "uitgaven", "gdp": "bbp", "innovation": "innovatie",
    "industry": "industrie", "technology": "technologie", "technologies": "technologieën",
    "approach": "benadering", "directions": "richtingen", "step": "stap", "steps": "stappen",
}
