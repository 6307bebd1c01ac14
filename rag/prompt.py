"""What a language model is shown: numbered fragments of the retrieved passages and a Dutch instruction.

A fragment is what the extractive answer quotes from one passage (or, for the other
retrieved passages, their best sentence), with the letter's title and date. Each
fragment sentence ends in its own marker (``... bestemd. [2]``): small models copy what
they see, and then copy the marker too. The instruction and the worked example are the
same for every question, so a llama.cpp server keeps them in its prompt cache and only
the fragments and the question cost time.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.features import Candidate, Context
from rag.question import Question


@dataclass(frozen=True)
class Fragment:
    n: int
    chunk_id: str
    doc_id: str
    sentences: tuple[int, ...]  # context sentence indices shown, in document order


SYSTEM_NL = (
    "Je beantwoordt vragen over Kamerbrieven, uitsluitend met de genummerde fragmenten die je krijgt.\n"
    "Regels:\n"
    "1. Zet na elke zin het nummer van het fragment waarop die zin steunt, tussen rechte haken: [1] of [2].\n"
    "2. Neem bedragen, getallen, data en namen letterlijk over uit de fragmenten. Verzin niets.\n"
    "3. Antwoord kort: één tot drie zinnen.\n"
    "4. Antwoord in de taal van de vraag: een Nederlandse vraag in het Nederlands, an English question in English.\n"
    "5. Staat het antwoord niet in de fragmenten, zeg dan alleen: Dat staat niet in de brieven."
)
EXAMPLE_USER = (
    "Fragmenten:\n"
    "[1] Kamerbrief over de bibliotheekwet (1 maart 2024)\n"
    "De bibliotheken krijgen vanaf 2025 jaarlijks € 12 miljoen extra. [1] Dat geld is bedoeld voor langere "
    "openingstijden. [1]\n\n"
    "[2] Kamerbrief over leesbevordering (10 mei 2024)\n"
    "De minister start in het najaar een campagne om voorlezen te stimuleren. [2]\n\n"
    "Vraag: Hoeveel extra geld krijgen bibliotheken en waarvoor?"
)
EXAMPLE_ANSWER = ("Bibliotheken krijgen vanaf 2025 jaarlijks € 12 miljoen extra. [1] Dat geld is bedoeld voor langere "
                  "openingstijden. [1]")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def dutch_date(iso: str | None) -> str | None:
    """``2025-07-03`` -> ``3 juli 2025``."""
    if not iso or len(iso) != 10:
        return None
    y, m, d = iso.split("-")
    return f"{int(d)} {MONTHS[int(m) - 1]} {y}"


def quoted_sentences(citations: list, ctx: Context) -> dict[str, list[int]]:
    """The sentences an extractive answer quotes, by passage, in the order of its citations."""
    out: dict[str, list[int]] = {}
    for c in citations:
        out.setdefault(c.chunk_id, []).extend(
            i for i in ctx.sentences_of.get(c.chunk_id, ()) if c.start <= ctx.sentences[i].start
            and ctx.sentences[i].end <= c.end and ctx.sentences[i].role != "question")
    return {k: v for k, v in out.items() if v}


def fragments(cands: list[Candidate], ctx: Context, citations: list, k: int = 4,
              min_share: float = 0.25) -> list[Fragment]:
    """Up to ``k`` fragments: first the passages the extractive answer quotes, each showing exactly the
    sentences it quotes; then other retrieved passages, each showing its one best sentence when the ranker
    scores that at ``min_share`` of the best (never a Kamerlid's question: that is context, not an answer).

    What the model sees of the answer's own passages is what selection chose, not what clears a share of
    the best score: a small model copies whatever it sees, so a second sentence that only just clears a
    floor would be copied instead of the one that answers, and how many did would hang on the ranker's
    calibration. The other passages give one sentence each, for what the quoted ones leave out."""
    shown = quoted_sentences(citations, ctx)
    ranked = sorted((c for c in cands if ctx.sentences[c.idx].role != "question"), key=lambda c: -c.p)
    floor = min_share * ranked[0].p if ranked else 0.0
    for c in ranked:
        chunk_id = ctx.sentences[c.idx].chunk_id
        if len(shown) >= k or c.p < floor:
            break
        if chunk_id not in shown:
            shown[chunk_id] = [c.idx]
    out = []
    for chunk_id, ids in list(shown.items())[:k]:
        ids = tuple(sorted(set(ids)))
        out.append(Fragment(len(out) + 1, chunk_id, ctx.sentences[ids[0]].doc_id, ids))
    return out


def fragment_text(f: Fragment, ctx: Context) -> str:
    md = ctx.records[f.doc_id]["metadata"]
    when = dutch_date(md.get("date"))
    head = f"[{f.n}] {md.get('title') or f.doc_id}" + (f" ({when})" if when else "")
    return head + "\n" + " ".join(f"{ctx.sentences[i].text.strip()} [{f.n}]" for i in f.sentences)


def messages(q: Question, frags: list[Fragment], ctx: Context) -> list[dict]:
    """The chat messages for ``q``: instruction, one worked example, then the fragments and the question."""
    question = q.text if not q.followup else f"{q.text} (vervolgvraag; de vraag gaat over: {q.query})"
    user = "Fragmenten:\n" + "\n\n".join(fragment_text(f, ctx) for f in frags) + f"\n\nVraag: {question}"
    return [{"role": "system", "content": SYSTEM_NL},
            {"role": "user", "content": EXAMPLE_USER},
            {"role": "assistant", "content": EXAMPLE_ANSWER},
            {"role": "user", "content": user}]
