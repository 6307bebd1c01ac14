"""Dutch (and a little English) text helpers shared by retrieval, question analysis and answering.

Small pure functions on strings: folding and word splitting, stopwords and question
words, character n-grams for word families, the question's language, and whether a
sentence holds the kind of thing a question asks for (an amount, a date, a person, a
place, a reason, a list). Each is tested on real snippets of the letters.
"""

from __future__ import annotations

import re
import unicodedata

from bm25s.stopwords import STOPWORDS_DUTCH

from rag.clean import reading

_WORD = re.compile(r"\w+", re.UNICODE)
# The default stopword list drops words that carry meaning in questions about letters.
KEEP = {"niet", "geen", "nog", "meer", "veel", "wie", "wat", "wanneer", "waar", "welke", "hoeveel", "tegen"}
STOPWORDS = frozenset(w for w in STOPWORDS_DUTCH if w not in KEEP) | {
    "the", "of", "and", "to", "in", "is", "what", "which", "who", "when", "how", "does", "for", "a", "an", "on",
}
# Words that say what is asked, not what it is about: kept out of query terms.
QUESTION_WORDS = frozenset("""wie wat welke welk wanneer waar waarom hoe hoeveel waarvoor waardoor waarmee waarover
waaruit wiens who what which when where why how many much does did do is are was were""".split())


# Every combining mark, deleted by one str.translate: the same as dropping each character with a combining
# class, but a C loop instead of a Python one (folding is most of rebuilding the BM25 indexes).
_MARKS = {cp: None for cp in range(0x110000) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Lower case without diacritics: ``Oekraïne`` -> ``oekraine``."""
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return nfkd if nfkd.isascii() else nfkd.translate(_MARKS)


def words(text: str) -> list[str]:
    """The words of a text as it reads (``samen-\\nwerking`` is one word, ``samenwerking``), folded."""
    return [w for w in _WORD.findall(fold(reading(text))) if len(w) > 1 or w.isdigit()]


def char_ngrams(word: str, n: int = 5) -> set[str]:
    """Character n-grams of a word with boundary marks: Dutch compounds and derivations share them
    (``voorlichtingscampagne`` and ``publiekscampagne``; ``coördineert`` and ``coördinatie``)."""
    w = f"<{word}>"
    return {w[i:i + n] for i in range(max(len(w) - n + 1, 1))}


def text_grams(text: str, n: int = 5) -> set[str]:
    """The character n-grams of a text's content words, plus each word's first six letters (``^coordi``)
    and, for long words, its last seven (``ampagne$``): what a question word may share with a sentence
    word of the same family (``coördineert``/``coördinatie``, ``voorlichtingscampagne``/``publiekscampagne``)."""
    out: set[str] = set()
    for w in words(text):
        if len(w) >= 4 and w not in STOPWORDS:
            out |= char_ngrams(w, n)
        if len(w) >= 7:
            out.add("^" + w[:6])
            out.add(w[-7:] + "$")
    return out


# Words that only one of the two languages uses (shared ones such as "in", "is", "was" would mislead).
_EN = set("""the what which who whom when where why how did does do are were to and for with about on by from this
that these those it its their has have will would should can could much many dutch netherlands government""".split())
_NL = set("""de het een van en wat welke wie wanneer waar waarom hoe zijn wordt worden voor met op door aan bij uit dit
dat deze die er niet ook naar heeft hebben zal zullen kan hoeveel nederland kabinet brief""".split())


def language(text: str) -> str:
    """``en`` when English function words outnumber Dutch ones, else ``nl``."""
    ws = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    en = sum(w in _EN for w in ws)
    nl = sum(w in _NL for w in ws)
    return "en" if en > nl else "nl"


def years_in(text: str) -> list[str]:
    return re.findall(r"\b(?:19|20)\d\d\b", text)


def numbers_in(text: str) -> list[str]:
    """Numbers a question names (``20``, ``1,5``, ``2027``), as the letters would write them."""
    return [n.replace(".", ",") for n in re.findall(r"(?<![\w,.])\d+(?:[.,]\d+)?(?![\w])", text)]


# --- what a sentence holds ----------------------------------------------------------------------

_MONTHS = r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
_MONEY = re.compile(r"(€|\beur\b|\beuro\b|\bmiljoen\b|\bmiljard\b|\bmln\b|\bmld\b|\bbegroting\b)", re.I)
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
# a Kamervraag answer that opens with a bare yes or no ("Nee, de AIV heeft ...")
YES_NO = re.compile(r"^(ja|nee)\b", re.I)
# a sentence that opens with a subordinating conjunction ("Zodat we ...") finishes the one before it
CONTINUES = re.compile(r"^(zodat|omdat|opdat|doordat|waardoor|want)\b", re.I)
# "... heeft daarom ..." : the reason stands in the sentence before
CONSEQUENCE = re.compile(r"\b(daarom|daardoor|hierdoor|om die reden|derhalve|dientengevolge)\b", re.I)
STRONG_CAUSE = re.compile(rf"\b({_CAUSE}|om\b.{{1,80}}\bte\b)\b", re.I)


def without_dates_and_ids(text: str) -> str:
    """Dates, years and document numbers are not amounts: '16 mei', '2021', 'Kamerstukken 27925 nr. 771'."""
    text = re.sub(rf"\b\d{{1,2}}(-\d{{1,2}})?\s+({_MONTHS})(\s+\d{{4}})?", " ", text, flags=re.I)
    text = re.sub(r"\b(kamerstuk\w*|nr\.?|nummer|artikel|paragraaf|brief\w*)\s+[\d ,/-]+", " ", text, flags=re.I)
    return re.sub(r"\b(19|20)\d\d\b", " ", text)


def holds_kind(kind: str, text: str) -> bool:
    """Does ``text`` hold the kind of thing the question asks for?"""
    if kind == "money":
        return bool(_MONEY.search(text))
    if kind == "amount":
        return bool(_AMOUNT.search(without_dates_and_ids(text)))
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
