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
    # 2026-12-06: the domain words English questions of 65 authors use most that the table lacked
    "preparedness": "paraatheid", "prepared": "voorbereid", "prepare": "voorbereid", "preparing": "voorbereiding",
    "action": "actie", "countries": "landen", "country": "land", "local": "lokale", "regional": "regionale",
    "funding": "financiering", "financing": "financiering", "structural": "structureel",
    "structurally": "structureel", "spring": "voorjaar", "annotated": "geannoteerde", "january": "januari",
    "february": "februari", "march": "maart", "june": "juni", "july": "juli", "august": "augustus",
    "october": "oktober", "commission": "commissie", "national": "nationale", "return": "terugkeer",
    "equipment": "materieel", "materiel": "materieel", "societal": "maatschappelijke", "society": "maatschappij",
    "business": "bedrijfsleven", "undersea": "onderzeese", "advisory": "advies", "advice": "advies",
    "visit": "bezoek", "visited": "bezoek", "process": "proces", "protect": "beschermen", "documents": "documenten",
    "council": "raad", "secretary": "secretaris", "organisations": "organisaties", "organizations": "organisaties",
    "capacity": "capaciteit", "capabilities": "capaciteiten", "agreed": "afgesproken", "commander": "commandant",
    "session": "sessie", "sessions": "sessies", "annual": "jaarlijks", "contribute": "bijdragen",
    "communication": "communicatie", "ready": "gereed", "economic": "economische", "central": "centrale",
    "information": "informatie", "leaders": "leiders", "units": "eenheden", "coordinated": "gecoördineerd",
    "measurement": "meting", "survey": "meting", "desk": "loket", "common": "gemeenschappelijke",
    "deployment": "inzet", "deployed": "ingezet", "civil": "civiele", "commitments": "verplichtingen",
    "discussed": "besproken", "core": "kern", "coalition": "coalitie", "european": "Europese",
    "promised": "toegezegd", "reflection": "reflectie", "technical": "technische",
    "representative": "vertegenwoordiger", "measures": "maatregelen", "specialisation": "specialisatie",
    "decision": "besluit", "decided": "besloten", "mobility": "mobiliteit", "cognitive": "cognitieve",
    "space": "ruimte", "increase": "verhoging", "municipality": "gemeente", "agriculture": "landbouw",
    "responsible": "verantwoordelijk", "motions": "moties", "report": "rapport", "volunteers": "vrijwilligers",
    "shelter": "opvang", "partnerships": "partnerschappen", "sabotage": "sabotage",
}

# English function words and everyday verbs: in an English question they say nothing about what the letters must
# hold, so they are not counted as words the letters never use (``rag.question.unknown_terms``)
ENGLISH_FUNCTION_WORDS = frozenset("""
the a an of to in on at by for from with into onto about as than then so and or but nor not no yes if whether
is are was were be been being am do does did done has have had having will would shall should can could may might
must it its this that these those there here their them they he she his her him we our us you your i me my
what which who whom whose when where why how much many more most less least any some all each every both either
other another such same only just also still yet already again very too quite really actually exactly roughly
around over under between during after before since until up down out off per via
get gets got go goes going went gone take takes took taken make makes made give gives gave given say says said
tell told know knew see seen want wants need needs find found use used put set come comes came keep kept part
one two three four five six seven eight nine ten first second third new old full own
letter letters dutch netherlands please thanks thank hi hello quick question colleague according mentioned
besides regarding concerning like way ways kind kinds type types thing things example examples account
""".split())
