"""What a question asks for, analysed once into a ``Question`` that travels down the pipeline.

Its language, the kind of answer it wants, the parts it asks when it asks several things,
its content words (with stems, character n-grams and IDF weight), the names and numbers it
names, whether it asks about a letter itself, and the follow-up rewrite. Retrieval and
answering read this object; none of them re-analyses the text. The small functions that
build it are pure and tested on real questions (tests/test_question.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.dutch import QUESTION_WORDS, STOPWORDS, char_ngrams, fold, language, numbers_in, words, years_in
from rag.glossary import ABBREVIATIONS, ENGLISH, ENGLISH_FUNCTION_WORDS
from rag.retrieve import Analyzer
from rag.slots import slot_of

# in this order: the support model reads a question's kind as its index here (refit it after a change)
KINDS = ("money", "amount", "date", "person", "place", "list", "reason", "other")
# "Wat kostte ...?" asks for money, not for any number: "240 vrijwilligers" does not answer it.
_MONEY = re.compile(r"\b(wat kost\w*|kost(en|te|ten)?|prijs|budget\w*|bedrag\w*|geld\w*|euro|financier\w*"
                    r"|investe\w*|subsidie\w*|how much money|costs?|cost(ed|ing)|funding|money|spen[dt]\w*)\b")

_KIND_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("amount", re.compile(
        r"\b(hoeveel|welk(e)? bedrag(en)?|hoe ?(groot|hoog|veel)|hoogte|hoeveelheid|welk (deel|aandeel|percentage)"
        r"|welk(e)? percentage|hoeveel procent|wat kost\w*|kost(en|te)?|prijs|budget\w*|bedrag\w*|geld"
        r"|how (much|many)|what (amount|share|percentage)|cost\w*|budget)\b")),
    ("date", re.compile(
        r"\b(wanneer|welke datum|van welke datum|op welke dag(en)?|welke dag(en)?|welke data|exacte data|in welk jaar"
        r"|welk jaar|sinds wanneer|vanaf wanneer"
        r"|per wanneer|tot wanneer|datum|in welke (week|maand)|welke (week|maand)|when|what date|which year|what year"
        r"|which (week|month|days?)|exact dates?|since when|dated)\b")),
    ("person", re.compile(
        r"\b(wie|door wie|van wie|met wie|welke minister\w*|welk ministerie|ondertekend\w*|afzender|hoe heet\w*"
        r"|naam van|who|whom|what is the name"
        r"|which minister\w*|signed)\b")),
    ("place", re.compile(r"\b(waar|in welke (stad|plaats|land)|welke (stad|plaats)|where|which city|what city)\b")),
    ("reason", re.compile(r"\b(waarom|om welke reden|wat is het doel|waartoe|waardoor|why|for what reason|purpose"
                          r"|hoe komt het)\b")),
    ("list", re.compile(r"\b(welke|noem|wat zijn|opsomming|which|what are|list)\b")),
]

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
    ("reference", re.compile(r"\b(kenmerk|referentie\w*|kamerstuk\w*|nummer van de brief|reference( number)?)\b")),
    ("sender", re.compile(
        r"\b(ondertekend\w*|ondertekende|getekend|tekende|tekenden|afzender|ondertekenaar\w*|signed|signatory|"
        r"(wie|welke) (was|waren) (de )?minister\w*( van [\w ]+)? (bij|van|onder) .*\b" + _LETTER + r"|"
        r"(wie|welke) (was|waren) (de )?minister\w*( van [\w ]+)? (bij|tijdens|ten tijde van) (de|het) |"
        r"(wie|welke (\w+ )?minister\w*) (heeft|hebben|stuurde|stuurden|schreef|schreven) .*\b" + _LETTER + r"|"
        r"van wie (is|komt) .*\b" + _LETTER + r"|who (wrote|sent|signed|answered)|"
        # who answered the Kamervragen signed the letter that answers them
        r"(wie|welke (\w+ )?minister\w*) (beantwoordde|beantwoordden|(heeft|hebben) .*\bbeantwoord)\b)\b")),
    ("date", re.compile(
        r"\b(gedateerd|dagtekening|dated|van welke datum|(wanneer|welke datum|op welke datum|when)\b.*\b"
        r"(verstuurd|gestuurd|verzonden|ondertekend|geschreven|aangeboden|sent|written|signed)"
        r"|datum (van )?((de|het|deze|die) )?(\w+ )?" + _LETTER + r"|date of (the|this|that) " + _LETTER
        + r"|(welke datum|what date) (draagt|staat (er )?op|is on|does) ((de|het|deze|die|the|this|that) )?(\w+ )?"
        + _LETTER
        + r")\b")),
]


# Words that only say what kind of answer is wanted; their absence from the letters means nothing.
CUE_WORDS = frozenset("""geld bedrag bedragen budget kosten kost prijs datum dag jaar percentage procent deel aandeel
reden doel noem opsomming lijst brief brieven volgens hoogte""".split())


# "waar ... aan besteed worden", "waar valt dat onder": a split pronominal adverb, not a place; the preposition ends
# its clause (a "1,5" does not end one, an "en wie ..." starts another)
_WHERE_ON = re.compile(r"^waar\b(?:(?! en )[^?,]|(?<=\d),(?=\d))*?\b(aan|onder|mee|over|voor)\b"
                       r"(\s+\w+){0,2}\s*(?:[,?.!]|$)")


def question_kind(question: str) -> str:
    """The kind of answer asked for; ``list`` only for plural objects ("welke landen", not "welke minister")."""
    q = fold(question)
    if re.search(r"\bwaar (staat|staan)\b.*\bvoor\b|\bwaar gaat\b.*\bover\b|\bstand for\b", q) or _WHERE_ON.search(q):
        return "other"  # "waar staat LCP-MD voor?" asks for a meaning, "waar valt die 1,5% onder?" what it covers
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
    kind = min(found)[2]
    return "money" if kind == "amount" and _MONEY.search(q) else kind


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
# a date or number asked of something else the letters mention: a report, a declaration, a summit, troops
_OTHER_THING = re.compile(r"\b(rapport\w*|reports?|verklaring\w*|declarations?|communiqu\w*|\w*visie|strateg\w*|"
                          r"advies|top|summit|units|eenheden|troops|militairen)\b")
# a number or date the letter cites, not its own: "welk Kamerstuk wordt genoemd bij ...", "waarin is de Kamer
# geïnformeerd over ...", "naar welk Kamerstuk verwijst de minister?"
_CITED = re.compile(r"\b(verwijst|verwezen|genoemd|noemt|aangehaald|citeert|geciteerd|geinformeerd|refers|referred"
                    r"|cited|cites|mentioned)\b")
_WHO = re.compile(r"\b(wie|who|whom|afzender|ondertekenaar\w*|signatory|welke (\w+ )?minister\w*|which minister)\b")
_THE_LETTER = re.compile(r"\b(\w*brie[fv]\w*|agenda\w*|letters|answers|" + _LETTER + r")\b")  # and compounds
_ASKS_WHEN = re.compile(r"\b(wanneer|welke datum|datum|when|what date)\b")


def letter_facts(question: str) -> list[str]:
    """``date``, ``sender`` and/or ``reference`` when the question asks that of a letter itself
    ("Wie ondertekende de brief en wat is het kenmerk?" asks two).

    Not when it asks about another document the letter mentions ("de eerdere Kamerbrief",
    "het kenmerk van de Kamervragen", "de datum van de gezamenlijke verklaring" when no letter is named):
    that is answered from the text like any other question.
    """
    q = fold(question)
    if _OTHER_LETTER.search(q):
        return []
    found = []
    for name, pat in _FACTS:
        if pat.search(q):
            if name == "reference" and _OTHER_DOCUMENT.search(q) and not _REPLY.search(q):
                continue
            if name != "sender" and _CITED.search(q):  # "naar welk Kamerstuk van 21 april 2021 verwijst de minister?"
                continue
            if name != "sender" and not _THE_LETTER.search(q) and _OTHER_THING.search(q):
                continue
            if name == "sender" and not _THE_LETTER.search(q) and not _WHO.search(q):
                continue  # "which agreements has the Netherlands signed with Norway" asks for agreements
            found.append(name)
    if found == ["sender"] and _ASKS_WHEN.search(q) and not _OTHER_THING.search(q):
        found.append("date")  # "wie heeft ze beantwoord, en op welke datum?"
    return found


# what a follow-up asking a letter's date may say besides "wanneer" ("op welke datum stuurde hij die antwoorden?")
_SENDING = {"brief", "antwoorden", "beantwoording", "stuurde", "stuurden", "verstuurd", "gestuurd", "verzonden",
            "ondertekend", "gedaan", "gebeurd", "kamer"}
_MINISTER_THEN = re.compile(r"\b(wie|welke)\b.* (was|waren) (toen|destijds|op dat moment)\b.*\bminister"
                            r"|\b(wie|welke)\b.* (was|waren) (de )?minister\w*\b.* (toen|destijds)\b")
_DID_THAT = re.compile(r"\b(deed|deden|doet|doen|gedaan)\b (dat|dit)\b|\b(dat|dit) (deed|deden|gedaan)\b")


def followup_facts(question: str, previous: str) -> list[str]:
    """What a follow-up asks of the letter the turn before asked about: "Wie beantwoordde de Kamervragen van
    Van Houwelingen?" then "En wanneer was dat?" asks the date of the letter that answers them; "En wie deden dat
    bij de top in Vilnius?" asks the same of another letter; "Wie was toen minister van Defensie?" asks who signed
    the letter about the event the turn before asked after."""
    found = letter_facts(question)
    q = fold(question)
    if found or not previous:
        return found
    if _MINISTER_THEN.search(q):  # "Wie was toen minister van Defensie?": of the event the turn before asked about
        return ["sender"]
    before = letter_facts(previous)
    if not before:
        return []
    if not _ASKS_WHEN.search(q):  # "En wie deden dat bij de ministeriële van 1 juni 2021?"
        return before if _DID_THAT.search(q) else []
    if _OTHER_DOCUMENT.search(q) and not _REPLY.search(q):  # "en wanneer waren die vragen ingediend?"
        return []
    own = [w for w in words(question) if w not in QUESTION_WORDS and w not in STOPWORDS and w not in _SENDING]
    return ["date"] if len(own) <= 1 else []  # not "en wanneer wordt de Kamer daarover geïnformeerd?"


def letter_fact(question: str) -> str | None:
    """The first letter fact asked (see ``letter_facts``), or None."""
    found = letter_facts(question)
    return found[0] if found else None


# "de brieven", "alle brieven", "in deze set", "each letter": the same fact of every letter
_EVERY_LETTER = re.compile(r"\b(de|alle|deze|die|verschillende|beide|elke|iedere|the|all|these|each|every|both)\s+"
                           r"(\w+-)?(brieven|agenda's|letters)\b|\b(elke|iedere|each|every)\s+(\w+-)?(brief|letter)\b"
                           r"|\b(deze|die|the) (set|verzameling|collectie|collection)\b")
# "van 2021 tot 2025", "tussen 2021 en 2025", "2021-2025", "from 2021 to 2025" (not "2021, 2023 en 2025")
_YEAR_RANGE = re.compile(r"\b(?:tussen|between)\s+((?:19|20)\d\d)\s+(?:en|and)\s+((?:19|20)\d\d)\b"
                         r"|\b((?:19|20)\d\d)\s*(?:-|–|tot(?: en met)?|t/m|to|through|until)\s*((?:19|20)\d\d)\b")


def letter_scope(question: str) -> tuple[bool, tuple[int, int] | None]:
    """Whether a question about letters asks it of every letter, and the years it spans ("van 2021 tot 2025"
    asks of the 2023 letter too)."""
    q = fold(question)
    m = _YEAR_RANGE.search(q)
    ends = [int(y) for y in m.groups() if y] if m else []
    span = (ends[0], ends[1]) if ends and ends[0] < ends[1] else None
    return bool(_EVERY_LETTER.search(q)) or span is not None, span


def asks_two_things(question: str) -> bool:
    return _TWO_QUESTIONS.search(fold(question)) is not None


def wants_comparison(question: str) -> bool:
    return bool(_COMPARE.search(question)) or len(years_in(question)) >= 2


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


# --- question words and how a text meets them ---------------------------------------------------------

@dataclass(frozen=True)
class QueryWord:
    """A content word of the question, what counts as meeting it, and how much it matters (IDF)."""

    word: str
    stems: frozenset[str]
    grams: frozenset[str]
    weight: float
    family: frozenset[str] = frozenset()  # "^coordi", "ampagne$": tokens of related words (see text_grams)


def idf_table(doc_freq: dict[str, int], n_docs: int) -> dict[str, float]:
    return {t: math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in doc_freq.items()}


def query_words(text: str, analyzer: Analyzer, idf: dict[str, float], scale: float = 1.0) -> list[QueryWord]:
    unknown_idf = max(idf.values(), default=1.0)
    out = []
    for word, stems in analyzer.word_groups(text):
        known = [idf[t] for t in stems if t in idf]
        grams = frozenset(char_ngrams(word)) if len(word) >= 6 and word.isalpha() else frozenset()
        family = set()
        if len(word) >= 7 and word.isalpha():
            family.add("^" + word[:6])
        if len(word) >= 10 and word.isalpha():  # the head of a compound
            family.add(word[-7:] + "$")
        out.append(QueryWord(word, frozenset(stems), grams, scale * (max(known) if known else unknown_idf),
                             frozenset(family)))
    return out


def met(w: QueryWord, stems: set[str] | frozenset[str], grams: set[str] | frozenset[str]) -> float:
    """How far a text meets one question word: 1 for a shared term, partly for shared character
    5-grams or a word of the same family (``coördineert`` / ``coördinatie``)."""
    if w.stems & stems:
        return 1.0
    share = len(w.grams & grams) / len(w.grams) if w.grams else 0.0
    if share >= 0.5:
        return share
    return 0.7 if w.family & grams else 0.0


def coverage(qws: Sequence[QueryWord], stems: set[str] | frozenset[str], grams: set[str] | frozenset[str]) -> float:
    """IDF-weighted share of the question's words the text meets (see ``met``)."""
    total = sum(w.weight for w in qws)
    if not total:
        return 0.0
    return sum(w.weight * met(w, stems, grams) for w in qws) / total


def unknown_terms(text: str, analyzer: Analyzer, vocabulary_stems: set[str], lang: str = "nl") -> list[str]:
    """Content words of the question that occur nowhere in the letters (after stemming), typos of the
    letters' words not counted: what the letters never speak of. In an English question a word counts
    through its Dutch form (``rag.glossary``); function words do not count."""
    out = []
    for w in words(text):
        if len(w) < 3 or w in QUESTION_WORDS or w in CUE_WORDS or w in ABBREVIATIONS:
            continue
        if lang == "en" and (w in ENGLISH_FUNCTION_WORDS or w in ENGLISH):
            continue
        stems = analyzer.terms(w)
        if stems and not any(s in vocabulary_stems for s in stems) and not analyzer.misspells(w):
            out.append(w)
    return out


def looks_like_name(text: str, folded_word: str, lang: str) -> bool:
    """Digits or an acronym anywhere; a capitalised word inside a Dutch question (not its first word)."""
    tokens = re.findall(r"\w+", text)
    for i, w in enumerate(tokens):
        if fold(w) == folded_word:
            if any(c.isdigit() for c in w) or (len(w) > 1 and w.isupper()):
                return True
            return lang == "nl" and i > 0 and w[:1].isupper()
    return False


# --- the question, analysed once -------------------------------------------------------------------

_QWORD = (r"(?:(?:op|in|aan|voor|van|met|bij|tot|vanaf|sinds|naar|uit|over|door|on|at|for|to|from|by|since)\s+)?"
          r"(?:wie|wat|welke?|wanneer|waar|waarom|hoeveel|hoe|who|what|when|where|why|how|which)\b")
# a new part starts after a question mark, a semicolon or comma, or "en"/"of", at a question word with the
# preposition that may come before it ("..., en op welke dagen ..."); "waaraan", "waarin" only after "en"/"of"
# (after a comma they open a relative clause: "de brief, waarin ...")
_PART_SPLIT = re.compile(rf"(?:\?\s+|[;,]\s*(?:(?:en|of|and|or|maar)\s+)?|\s+(?:en|of|and|or|maar)\s+)(?={_QWORD})"
                         r"|[;,]?\s*\b(?:en|of)\s+(?=waar(?:aan|in|op|over|mee|door|voor|bij|uit|van|naar)\b)", re.I)


@dataclass(frozen=True)
class Part:
    """One thing a question asks ("Wanneer begint de campagne" / "hoeveel geld gaat ernaar")."""

    text: str
    kind: str
    words: tuple[QueryWord, ...]
    slot: str | None = None  # what it asks to have filled: an amount, a date, a name (see rag.slots)
    head: QueryWord | None = None  # the thing asked after ("hoeveel ziekenhuisbedden", "welke fractie")


@dataclass
class Question:
    """Everything the pipeline needs to know about a question, computed once."""

    text: str  # as asked
    query: str  # as searched: a follow-up together with the turn it follows
    language: str
    kind: str
    facts: list[str]  # "date", "sender", "reference": what it asks of a letter itself
    parts: list[Part]
    words: list[QueryWord]  # content words of the query (history words weigh less)
    rare: list[QueryWord]  # the few rarest words: the specific thing asked
    names: list[str]  # names, acronyms and numbers the letters never use
    unknown: list[str]  # other content words the letters never use
    numbers: list[str]
    years: list[str]
    compare: bool
    several: bool  # asks two or more things
    every_letter: bool  # asks the same of each letter ("welke ministers tekenden de brieven?")
    year_span: tuple[int, int] | None  # the years it spans ("van 2021 tot 2025")
    followup: bool
    previous_answer: str = ""  # what the assistant said last, so a follow-up does not repeat it
    part_questions: list[Question] = field(default_factory=list)  # each part asked on its own, when it asks several
    extra: dict = field(default_factory=dict)


_ASKING = frozenset("hoeveel welke welk wat wie hoe heet naam which what who how many much".split())


def asked_head(text: str, qws: Sequence[QueryWord]) -> QueryWord | None:
    """The first content word after the question word: what the answer must be about ("Hoeveel
    respondenten ...", "In welke week ...", "Van welke fractie ..."). A near miss often asks a head the
    letters never pair with the topic; cue words ("geld", "datum") say only what kind is asked."""
    by_word = {w.word: w for w in qws}
    tokens = words(text)
    start = next((i for i, t in enumerate(tokens) if t in _ASKING), None)
    if start is None:
        return None
    rest = tokens[start + 1:]
    for i, t in enumerate(rest):
        if t in by_word and t not in CUE_WORDS and t not in _ASKING:
            if _ADJECTIVE.search(t) and i + 1 < len(rest) and rest[i + 1] in by_word:
                continue  # "de nieuwe naam", "de Duitse commandant": the noun is what is asked after
            return by_word[t]
    return None


_ADJECTIVE = re.compile(r"(ische|[^e]se|ale|ele|iele|aire|ste|ige|nieuwe|oude|grote|kleine|hoge|lage|andere)$")


def split_parts(text: str) -> list[str]:
    """"Wanneer ... en hoeveel ...?" -> two parts; a question asking one thing stays whole."""
    pieces = [p.strip(" ?.,;") for p in _PART_SPLIT.split(text.strip())]
    pieces = [p for p in pieces if p]
    return pieces if len(pieces) > 1 else [text.strip()]


def analyse(text: str, analyzer: Analyzer, idf: dict[str, float], vocabulary_stems: set[str],
            history: Sequence[dict] | None = None) -> Question:
    """Analyse a question once, against the letters' vocabulary and IDF."""
    text = text.strip()
    query = rewrite_with_history(text, history)
    followup = query != text
    lang = language(text)
    own = query_words(text, analyzer, idf)
    ctx = query_words(query[: len(query) - len(text)], analyzer, idf, scale=0.5) if followup else []
    own_words = {w.word for w in own}
    qws = own + [w for w in ctx if w.word not in own_words]
    parts = []
    for piece in split_parts(text):
        pws = tuple(w for w in own if w.word in set(words(piece))) or tuple(qws)
        kind = question_kind(piece)
        head = asked_head(piece, pws) if lang == "nl" else None  # English words meet nothing in Dutch letters
        parts.append(Part(piece, kind, pws, slot_of(kind, piece), head))
    unknown = unknown_terms(text, analyzer, vocabulary_stems, lang)
    names = [w for w in unknown if looks_like_name(text, w, lang)]
    rare = sorted(own, key=lambda w: -w.weight)[:3]
    previous = [h.get("content", "") for h in history or () if h.get("role") == "assistant"]
    asked_before = [h.get("content", "") for h in history or () if h.get("role") == "user"]
    every_letter, year_span = letter_scope(text)
    part_questions = ([analyse(p.text, analyzer, idf, vocabulary_stems) for p in parts]
                      if len(parts) > 1 and not history else [])
    return Question(
        text=text, query=query, language=lang, kind=question_kind(text),
        facts=followup_facts(text, asked_before[-1] if followup and asked_before else ""), parts=parts,
        words=qws, rare=rare, names=names, unknown=[w for w in unknown if w not in names],
        numbers=numbers_in(text), years=years_in(query), compare=wants_comparison(text),
        several=len(parts) > 1 or asks_two_things(text), every_letter=every_letter, year_span=year_span,
        followup=followup,
        previous_answer=previous[-1] if followup and previous else "", part_questions=part_questions)
