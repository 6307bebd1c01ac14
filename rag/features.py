"""Candidate sentences of the retrieved passages and the general features a learned ranker scores them on.

Every sentence of the passages retrieval found is a candidate. Its features say what a
reader checks, in terms that hold for any question: how close it is in meaning (dense
similarity), how much of the question's words, its rarest words and each of its parts it
meets (on its own and with the context it leans on: its section heading, the sentence
before an anaphor, the Kamervraag it answers), whether it holds the kind of thing asked,
where it stands (passage rank, position, footnote, Kamervraag or answer) and whether its
letter's title and date fit the question. No feature names a question or a letter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from rag.dutch import STRONG_CAUSE, holds_kind, text_grams, years_in
from rag.question import QueryWord, Question, coverage, met
from rag.slots import fills

FEATURES = (
    "dense", "dense_gap", "lex", "lex_ctx", "lex_gap", "rare", "part_best", "part_min", "kind", "kind_strict",
    "reason", "list_form", "rank_inv", "first", "position", "kamervraag", "kv_answer", "footnote", "short",
    "length", "numbers", "title", "year_doc", "anaphor", "colon", "dense_rank", "lex_rank", "near_lex",
    "slot_fill", "slot_asked", "q_english", "q_names", "q_unknown", "meta_echo", "lex_free", "doc_pos",
)

_ANAPHOR = re.compile(r"^(dit|deze|dat|die|daarmee|hiermee|daarin|hierin|daarnaast|daarbij|hiervoor|daarvoor|zo|"
                      r"ook|daarom|daardoor|hierdoor|dergelijke)\b|\b(hiervoor|daarvoor|hiervan|daarvan|hierbij)\b",
                      re.I)
MIN_WORDS = 5  # letterhead lines and headings are no answer on their own (a Kamervraag's "Ja." is)


@dataclass
class Context:
    """What answering needs from the engine's corpus view, passed in so answering stays a pure step."""

    sentences: list  # view.sentences (sentence_id, chunk_id, doc_id, start, end, text, role, qa)
    sentence_terms: list[frozenset[str]]
    sentences_of: dict[str, list[int]]
    records: dict[str, dict]
    analyzer: object
    idf: dict[str, float]
    vocabulary_stems: set[str]
    max_sentences: int = 4
    passages: list | None = None  # view.passages and view.passage_pos: a quoted neighbour's passage that
    passage_pos: dict[str, int] | None = None  # retrieval did not return
    _grams: dict[int, set[str]] = field(default_factory=dict)
    _title: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    _identity: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)
    _sections: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)

    def section_terms(self, section: str) -> tuple[set[str], set[str]]:
        if section not in self._sections:
            self._sections[section] = (set(self.analyzer.terms(section)), text_grams(section))
        return self._sections[section]

    def grams(self, idx: int) -> set[str]:
        if idx not in self._grams:
            self._grams[idx] = text_grams(self.sentences[idx].text)
        return self._grams[idx]

    def title_terms(self, doc_id: str) -> tuple[set[str], set[str]]:
        if doc_id not in self._title:
            title = self.records[doc_id]["metadata"].get("title") or ""
            self._title[doc_id] = (set(self.analyzer.terms(title)), text_grams(title))
        return self._title[doc_id]

    def identity_terms(self, doc_id: str) -> tuple[set[str], set[str]]:
        """The words that say which letter it is (its title and sender): a question uses them to point at the
        letter, and a sentence that meets only these names the letter rather than answering."""
        if doc_id not in self._identity:
            md = self.records[doc_id]["metadata"]
            text = f"{md.get('title') or ''} {md.get('sender') or ''}"
            self._identity[doc_id] = (set(self.analyzer.terms(text)), text_grams(text))
        return self._identity[doc_id]

    def doc_years(self, doc_id: str) -> set[str]:
        md = self.records[doc_id]["metadata"]
        return set(years_in(f"{md.get('date') or ''} {md.get('title') or ''}"))

    def neighbour(self, idx: int, step: int, across: bool = False) -> int | None:
        """The sentence ``step`` away in the same passage; with ``across``, in the same letter (a reason often
        ends the passage before the conclusion that opens the next)."""
        ids = self.sentences_of[self.sentences[idx].chunk_id]
        pos = ids.index(idx) + step
        if 0 <= pos < len(ids):
            return ids[pos]
        j = idx + step  # sentences stand in letter order, passage after passage
        if across and 0 <= j < len(self.sentences) and self.sentences[j].doc_id == self.sentences[idx].doc_id:
            return j
        return None

    def passage(self, chunk_id: str):
        return self.passages[self.passage_pos[chunk_id]] if self.passages is not None else None

    def question_of(self, idx: int) -> int | None:
        """The sentence index of the Kamervraag a sentence answers (its first sentence), if any."""
        s = self.sentences[idx]
        if s.role != "answer":
            return None
        for j in self.sentences_of[s.chunk_id]:
            if self.sentences[j].role == "question" and self.sentences[j].qa == s.qa:
                return j
        return None


@dataclass
class Candidate:
    """A sentence that might answer, with its features and what of the question it meets."""

    idx: int
    passage_rank: int
    dense: float
    x: dict[str, float]
    meets: np.ndarray  # per question word: how far this sentence (with its context) meets it
    kinds: frozenset[int]  # the parts whose kind of answer it holds
    p: float = 0.0  # the ranker's probability that it answers (relative: the best of this question's sentences)
    a: float = 0.0  # the answers model's probability that it answers at all (absolute: comparable across questions)


def dense_scale(cos: float) -> float:
    """e5 cosines live in a narrow band (~0.70-0.92); stretch it to 0..1."""
    return float(np.clip((cos - 0.72) / 0.18, 0.0, 1.0))


def _context(ctx: Context, idx: int, pos: int, ids: list[int], section: str | None) -> tuple[set[str], set[str]]:
    """The terms a sentence leans on: its section heading, the sentence before an anaphor, its Kamervraag."""
    terms: set[str] = set()
    grams: set[str] = set()
    if section and section != "Voetnoten":
        s_terms, s_grams = ctx.section_terms(section)
        terms |= s_terms
        grams |= s_grams
    if pos and _ANAPHOR.search(ctx.sentences[idx].text):
        terms |= ctx.sentence_terms[ids[pos - 1]]
        grams |= ctx.grams(ids[pos - 1])
    s = ctx.sentences[idx]
    if s.role == "answer":
        for j in ids:
            if ctx.sentences[j].role == "question" and ctx.sentences[j].qa == s.qa:
                terms |= ctx.sentence_terms[j]
                grams |= ctx.grams(j)
    return terms, grams


def _meets(qws: list[QueryWord], terms: set[str] | frozenset[str], grams: set[str]) -> np.ndarray:
    return np.array([met(w, terms, grams) for w in qws], dtype=np.float32)


def candidates(q: Question, hits: list, sims: dict[str, float], ctx: Context) -> list[Candidate]:
    """Every sentence of the retrieved passages that could be quoted, with its features."""
    floor = min(sims.values(), default=0.0)
    weights = np.array([w.weight for w in q.words], dtype=np.float32)
    total = float(weights.sum()) or 1.0
    rare_idx = [i for i, w in enumerate(q.words) if w in q.rare]
    part_idx = [[i for i, w in enumerate(q.words) if w in p.words] for p in q.parts]
    slots = [p.slot for p in q.parts if p.slot]
    question_level = {
        "slot_asked": float(bool(slots)),
        "q_english": float(q.language == "en"),
        "q_names": float(min(len(q.names), 2)),
        "q_unknown": float(min(len(q.unknown), 3)),
    }
    out: list[Candidate] = []
    seen: set[int] = set()
    for rank, hit in enumerate(hits):
        ids = ctx.sentences_of.get(hit.passage.chunk_id, [])
        section = hit.passage.section
        rec = ctx.records[hit.passage.doc_id]
        letterhead = list(rec.get("metadata_spans", {}).values())
        title_terms, title_grams = ctx.title_terms(hit.passage.doc_id)
        identity = _meets(q.words, *ctx.identity_terms(hit.passage.doc_id)) >= 0.5
        free_w = weights * ~identity
        free_total = float(free_w.sum())
        doc_len = max(len(rec.get("text") or ""), 1)
        doc_years = ctx.doc_years(hit.passage.doc_id)
        for pos, i in enumerate(ids):
            s = ctx.sentences[i]
            n_words = len(s.text.split())
            if i in seen or any(a <= s.start and s.end <= b for a, b in letterhead):
                continue  # letterhead lines (date, signature, kenmerk) answer questions about the letter only
            if n_words < MIN_WORDS and s.role != "answer":
                continue
            seen.add(i)
            terms, grams = ctx.sentence_terms[i], ctx.grams(i)
            own = _meets(q.words, terms, grams)
            c_terms, c_grams = _context(ctx, i, pos, ids, section)
            with_ctx = np.maximum(own, _meets(q.words, terms | c_terms, grams | c_grams) * 0.9) if (
                c_terms or c_grams) else own
            lex = float((own * weights).sum() / total)
            met_w = float((own * weights).sum())
            lex_ctx = float((with_ctx * weights).sum() / total)
            parts = [float((with_ctx[ix] * weights[ix]).sum() / (weights[ix].sum() or 1.0)) for ix in part_idx if ix]
            kinds = frozenset(k for k, p in enumerate(q.parts) if holds_kind(p.kind, s.text))
            strict = any(p.kind in ("money", "amount", "date") for p in q.parts)
            wanted = any(p.kind in ("money", "amount", "date", "person", "place") for p in q.parts)
            nums = [n for n in q.numbers if n not in q.years]
            dense = sims.get(s.sentence_id, floor)
            x = {
                "dense": dense_scale(dense),
                "dense_gap": 0.0,  # filled in below, relative to the best candidate
                "lex": lex,
                "lex_ctx": lex_ctx,
                "lex_gap": 0.0,
                "rare": float(with_ctx[rare_idx].mean()) if rare_idx else 0.0,
                "part_best": max(parts, default=lex_ctx),
                "part_min": min(parts, default=lex_ctx),
                "kind": float(bool(kinds) and wanted),
                "kind_strict": float(bool(kinds) and strict),
                "reason": float(q.kind == "reason" and bool(STRONG_CAUSE.search(s.text))),
                "list_form": float(q.kind == "list" and holds_kind("list", s.text)),
                "rank_inv": 1.0 / (1 + rank),
                "first": float(pos == 0),
                "position": pos / max(len(ids) - 1, 1),
                "kamervraag": float(s.role == "question" or s.text.rstrip().endswith("?")),
                "kv_answer": float(s.role == "answer"),
                "footnote": float(section == "Voetnoten"),
                "short": float(n_words < 8),
                "length": min(math.log(n_words + 1) / math.log(80), 1.0),
                "numbers": (sum(n in s.text for n in nums) / len(nums)) if nums else 0.0,
                "title": coverage(q.words, title_terms, title_grams),
                "year_doc": (sum(y in doc_years or y in s.text for y in q.years) / len(q.years)) if q.years else 0.0,
                "anaphor": float(bool(_ANAPHOR.search(s.text))),
                "colon": float(s.text.rstrip().endswith(":")),
                "dense_rank": 0.0,  # filled in below: 1 / (1 + rank among the candidates)
                "lex_rank": 0.0,
                "near_lex": max((coverage(q.words, ctx.sentence_terms[j], ctx.grams(j))
                                 for j in (ids[pos - 1] if pos else None, ids[pos + 1] if pos + 1 < len(ids) else None)
                                 if j is not None), default=0.0),
                # does it hold an amount (date, name) asked for that the question does not state itself?
                "slot_fill": sum(fills(slot, s.text, q.text) for slot in slots) / len(slots) if slots else 1.0,
                # how much of what it meets only names its letter (title, sender), and how much of the rest it meets
                "meta_echo": float((own * weights * identity).sum()) / met_w if met_w else 0.0,
                "lex_free": float((with_ctx * free_w).sum()) / free_total if free_total else lex_ctx,
                "doc_pos": min(s.start / doc_len, 1.0),
                **question_level,
            }
            out.append(Candidate(i, rank, dense, x, with_ctx, kinds))
    if out:
        best_dense = max(c.x["dense"] for c in out)
        best_lex = max(c.x["lex_ctx"] for c in out)
        for c in out:
            c.x["dense_gap"] = c.x["dense"] - best_dense
            c.x["lex_gap"] = c.x["lex_ctx"] - best_lex
        for key, feat in (("dense", "dense_rank"), ("lex_ctx", "lex_rank")):
            for r, c in enumerate(sorted(out, key=lambda c: -c.x[key])):
                c.x[feat] = 1.0 / (1 + r)
    return out


def matrix(cands: list[Candidate]) -> np.ndarray:
    return np.array([[c.x[f] for f in FEATURES] for c in cands], dtype=np.float64).reshape(len(cands), len(FEATURES))
