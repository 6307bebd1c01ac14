"""What a language model is shown: numbered fragments of the retrieved passages and a Dutch instruction.

A fragment is the best few sentences of one retrieved passage (by the extractive
ranker), with the letter's title and date; the passages the extractive answer quotes
come first. Each fragment sentence ends in its own marker (``... bestemd. [2]``):
small models copy what they see, and then copy the marker too. The instruction and
the worked example are the same for every question, so a llama.cpp server keeps them
in its prompt cache and only the fragments and the question cost time.
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


def fragments(cands: list[Candidate], ctx: Context, first_chunks: list[str], k: int = 4, per_passage: int = 3,
              min_share: float = 0.25) -> list[Fragment]:
    """Up to ``k`` fragments: the passages in ``first_chunks`` first, then by their best candidate; each shows
    its ``per_passage`` best sentences (never a Kamerlid's question: that is context, not an answer).

    Only sentences the ranker scores at ``min_share`` of the best are shown: a small model copies whatever
    it sees, and a sentence that does not answer would be dropped by the checker anyway."""
    ranked = sorted((c for c in cands if ctx.sentences[c.idx].role != "question"), key=lambda c: -c.p)
    if ranked:
        floor = min_share * ranked[0].p
        ranked = [c for c in ranked if c.p >= floor]
    by_chunk: dict[str, list[int]] = {}
    for c in ranked:
        by_chunk.setdefault(ctx.sentences[c.idx].chunk_id, []).append(c.idx)
    order = [c for c in first_chunks if c in by_chunk] + [c for c in by_chunk if c not in first_chunks]
    out = []
    for chunk_id in order[:k]:
        shown = tuple(sorted(by_chunk[chunk_id][:per_passage]))
        out.append(Fragment(len(out) + 1, chunk_id, ctx.sentences[shown[0]].doc_id, shown))
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
