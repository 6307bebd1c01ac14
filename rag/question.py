"""What a question asks for: its language, the kind of answer it wants, and follow-ups.

Small pure functions on text, each tested on real questions (tests/test_question.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.retrieve import QUESTION_WORDS, STOPWORDS, fold, words

KINDS = ("amount", "date", "person", "place", "list", "reason", "other")

_KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("amount", re.compile(
        r"\b(hoeveel|welk(e)? bedrag(en)?|hoe ?(groot|hoog|veel)|hoeveelheid|welk (deel|aandeel|percentage)"
        r"|welk(e)? percentage|hoeveel procent|wat kost\w*|kost(en|te)?|prijs|budget\w*|bedrag\w*|geld"
        r"|how (much|many)|what (amount|share|percentage)|cost\w*|budget)\b")),
    ("date", re.compile(
        r"\b(wanneer|welke datum|van welke datum|op welke dag|in welk jaar|welk jaar|sinds wanneer|vanaf wanneer"
        r"|per wanneer|tot wanneer|datum|when|what date|which year|what year|since when|dated)\b")),
    ("person", re.compile(
        r"\b(wie|door wie|van wie|met wie|welke minister\w*|welk ministerie|ondertekend\w*|afzender|hoe heet\w*"
        r"|naam van|who|whom|what is the name"
        r"|which minister\w*|signed)\b")),
    ("place", re.compile(r"\b(waar|in welke (stad|plaats|land)|welke (stad|plaats)|where|which city|what city)\b")),
    ("reason", re.compile(r"\b(waarom|om welke reden|wat is het doel|waartoe|waardoor|why|for what reason|purpose"
                          r"|hoe komt het)\b")),
    ("list", re.compile(r"\b(welke|noem|wat zijn|opsomming|which|what are|list)\b")),
]

# Words that only one of the two languages uses (shared ones such as "in", "is", "was" would mislead).
_EN = set("""the what which who whom when where why how did does do are were to and for with about on by from this
that these those it its their has have will would should can could much many dutch netherlands government""".split())
_NL = set("""de het een van en wat welke wie wanneer waar waarom hoe zijn wordt worden voor met op door aan bij uit dit
dat deze die er niet ook naar heeft hebben zal zullen kan hoeveel nederland kabinet brief""".split())

_FOLLOWUP = re.compile(
    r"^(en|maar|ook|dus|daarnaast|verder|and|also|what about)\b"
    r"|\b(daarvoor|daarvan|daarover|daarbij|daarmee|daarin|daarna|hiervoor|hiervan|hierover|hiermee|toen|hij|zij|ze"
    r"|hun|hem|it|they|them|those)\b"
    r"|\b(die|deze|dat|dit|that|this|these)\s+(brief|brieven|bedrag|geld|maatregel\w*|plan\w*|top|agenda|doelen"
    r"|campagne|minister|letter|plan|summit|amount|measures?)\b", re.I)

_TWO_QUESTIONS = re.compile(r"\?.*\?|\b(en|of|and)\s+(wie|wat|welke?|wanneer|waar|waarom|hoe|hoeveel|who|what|when"
                            r"|where|why|how)\b", re.S)

_COMPARE = re.compile(r"\b(beide|allebei|zowel|verschil\w*|vergelijk\w*|versus|vs|ten opzichte van|in de brieven"
                      r"|welke brieven|meerdere brieven|verschillende brieven|alle brieven|agenda's|brieven"
                      r"|ontwikkeld|veranderd|both|compare\w*|differ\w*|across|letters)\b", re.I)

# Questions about a letter itself (its date, who signed it, its reference), not about what it says.
_LETTER = r"(brief|brieven|kamerbrief|agenda|agenda's|beantwoording|antwoorden|antwoordbrief|toelichting|letter)"
_FACTS: list[tuple[str, re.Pattern]] = [
    ("reference", re.compile(r"\b(kenmerk|referentie|kamerstuk\w*|nummer van de brief|reference( number)?)\b")),
    ("sender", re.compile(
        r"\b(ondertekend\w*|ondertekende|getekend|afzender|ondertekenaar\w*|signed|signatory|"
        r"(wie|welke minister\w*) (heeft|hebben|stuurde|stuurden|schreef|schreven) .*\b" + _LETTER + r"|"
        r"van wie (is|komt) .*\b" + _LETTER + r"|who (wrote|sent|signed))\b")),
    ("date", re.compile(
        r"\b(gedateerd|dagtekening|dated|van welke datum|(wanneer|welke datum|op welke datum|when)\b.*\b"
        r"(verstuurd|gestuurd|verzonden|ondertekend|geschreven|aangeboden|sent|written|signed)"
        r"|datum van (de|het|deze) " + _LETTER + r")\b")),
]


# Words that only say what kind of answer is wanted; their absence from the letters means nothing.
CUE_WORDS = frozenset("""geld bedrag bedragen budget kosten kost prijs datum dag jaar percentage procent deel aandeel
reden doel noem opsomming lijst brief brieven volgens""".split())


def language(text: str) -> str:
    """``en`` when English function words outnumber Dutch ones, else ``nl``."""
    ws = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    en = sum(w in _EN for w in ws)
    nl = sum(w in _NL for w in ws)
    return "en" if en > nl else "nl"


def question_kind(question: str) -> str:
    """The kind of answer asked for; ``list`` only for plural objects ("welke landen", not "welke minister")."""
    q = fold(question)
    if re.search(r"\bwaar (staat|staan)\b.*\bvoor\b|\bwaar gaat\b.*\bover\b|\bstand for\b", q):
        return "other"  # "waar staat LCP-MD voor?" asks for a meaning, not a place
    found = []
    for order, (kind, pat) in enumerate(_KIND_PATTERNS):
        m = pat.search(q)
        if m and not (kind == "list" and not _plural_object(q)):
            found.append((m.start(), order, kind))
    if not found:
        return "other"
    # the question word that comes first decides ("Waarom ... waar ..." asks for a reason), unless the question
    # asks two things ("Waar zijn ze afgesproken en wie moet ze invullen?")
    if _TWO_QUESTIONS.search(q) and len({k for _, _, k in found if k != "list"}) > 1:
        return "other"
    return min(found)[2]


def _plural_object(q: str) -> bool:
    """``welke (militaire) capaciteiten`` / ``welke EU-landen``: a plural noun within two words of the question word."""
    m = re.search(r"\b(welke|which|wat zijn|what are|noem|list)\s+([\w-]+)(?:\s+([\w-]+))?", q)
    if not m:
        return False
    if m.group(1) in ("wat zijn", "what are", "noem", "list"):
        return True
    for w in (m.group(2), m.group(3) or ""):
        w = w.split("-")[-1]
        if len(w) > 3 and w.endswith(("en", "s", "ies", "eren")) and w not in _NOT_PLURAL:
            return True
    return False


_NOT_PLURAL = {"ministerie", "is", "was", "has", "does", "wordt", "worden", "zijn", "hebben", "kunnen", "zullen",
               "moeten", "willen", "gaan", "staan", "liggen", "komen", "noemen", "spelen", "nemen", "geven", "vinden",
               "this", "his", "its"}


_OTHER_LETTER = re.compile(r"\b(eerdere|vorige|genoemde|aangehaalde|bedoelde|andere)\b")
_OTHER_DOCUMENT = re.compile(r"\b(vragen|verzoek|motie|moties|toezegging|kamervragen|questions|request|motion)\b")
_REPLY = re.compile(r"\b(beantwoording|antwoord\w*|reply|answers?)\b")


def letter_fact(question: str) -> str | None:
    """``date``, ``sender`` or ``reference`` when the question asks that of a letter itself.

    Not when it asks about another document the letter mentions ("de eerdere Kamerbrief",
    "het kenmerk van de Kamervragen"): that is answered from the text like any other question.
    """
    q = fold(question)
    if _OTHER_LETTER.search(q):
        return None
    for field, pat in _FACTS:
        if pat.search(q):
            if field == "reference" and _OTHER_DOCUMENT.search(q) and not _REPLY.search(q):
                return None
            return field
    return None


def asks_two_things(question: str) -> bool:
    return _TWO_QUESTIONS.search(fold(question)) is not None


def wants_comparison(question: str) -> bool:
    return bool(_COMPARE.search(question)) or len(years_in(question)) >= 2


def years_in(question: str) -> list[str]:
    return re.findall(r"\b(?:19|20)\d\d\b", question)


def rewrite_with_history(question: str, history: Sequence[dict] | None) -> str:
    """A follow-up ("En hoeveel geld komt daarvoor beschikbaar?") is searched together with the turn it follows.

    Without a language model the rewrite is additive: the previous user question
    is prepended when the new one refers back ("daarvoor", "die brief", a leading "En")
    or is too short to stand alone ("Waarom?", "En in 2023?").
    """
    if not history:
        return question
    previous = [h["content"] for h in history if h.get("role") == "user" and h.get("content", "").strip()]
    if not previous:
        return question
    content = [w for w in words(question) if w not in QUESTION_WORDS and w not in STOPWORDS]
    if len(content) <= 1 or _FOLLOWUP.search(question.strip()):
        return f"{previous[-1].strip()} {question.strip()}"
    return question


# --- what a sentence holds ----------------------------------------------------------------------

_MONTHS = r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_DATE = re.compile(
    rf"\b(\d{{1,2}}(-\d{{1,2}})?\s+({_MONTHS})|({_MONTHS})(\s+\d{{4}})?|(19|20)\d\d|jl\.|a\.s\.|voorjaar|najaar"
    rf"|zomer\w*|winter|kwartaal|eind \w+|begin \w+|volgend jaar|dit jaar|later dit jaar|binnenkort|op korte termijn"
    rf"|\d{{1,2}}-\w+\.?-\d{{4}})", re.I)
_NUMBER_WORDS = (r"twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|twintig|dertig|veertig|vijftig|honderd"
                 r"|duizend")
_AMOUNT = re.compile(
    rf"(€|\beur\b|\beuro\b|\bmiljoen\b|\bmiljard\b|\bmln\b|\bmld\b|\bprocent\b|%|\bbbp\b"
    rf"|(?<![\w.,/-])\d{{1,4}}([.,]\d+)?\s+(?!({_MONTHS}|nr)\b)[a-z]{{3,}}"
    rf"|\b({_NUMBER_WORDS})\s+(?!({_MONTHS})\b)\w+(en|s)\b)")
_PERSON = re.compile(r"\b(minister|ministers|staatssecretaris|kabinet|ministerie|secretaris-generaal|sg navo|navo|eu"
                     r"|commissie|raad|kamer|president|premier|regeringsleiders|bondgenoten|saceur|nctv|aiv"
                     r"|[A-Z][a-z]+ [A-Z][a-z]+|[A-Z]\.[A-Z]?\.? ?[A-Z][a-z]+)\b")
_PLACE = re.compile(r"\b(in|te|naar|uit)\s+[A-Z][a-zë]+")
_CAUSE = r"omdat|doordat|daarom|daardoor|hierdoor|zodat|vanwege|want|aangezien|teneinde|gelet op|dankzij|waardoor"
_REASON = re.compile(rf"\b({_CAUSE}|om\b.*\bte\b|doel\w*|noodzakelijk|nodig|essentieel|van belang|belangrijk)\b", re.I)
STRONG_CAUSE = re.compile(rf"\b({_CAUSE}|om\b.{{1,80}}\bte\b)\b", re.I)


def _without_dates_and_ids(text: str) -> str:
    """Dates, years and document numbers are not amounts: '16 mei', '2021', 'Kamerstukken 27925 nr. 771'."""
    text = re.sub(rf"\b\d{{1,2}}(-\d{{1,2}})?\s+({_MONTHS})(\s+\d{{4}})?", " ", text, flags=re.I)
    text = re.sub(r"\b(kamerstuk\w*|nr\.?|nummer|artikel|paragraaf|brief\w*)\s+[\d ,/-]+", " ", text, flags=re.I)
    return re.sub(r"\b(19|20)\d\d\b", " ", text)


def holds_kind(kind: str, text: str) -> bool:
    """Does ``text`` hold the kind of thing the question asks for?"""
    if kind == "amount":
        return bool(_AMOUNT.search(_without_dates_and_ids(text)))
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "person":
        return bool(_PERSON.search(text))
    if kind == "place":
        return bool(_PLACE.search(text))
    if kind == "reason":
        return bool(_REASON.search(text))
    if kind == "list":
        return text.count(",") >= 2 or (":" in text and "," in text)
    return True
