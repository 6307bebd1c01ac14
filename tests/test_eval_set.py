"""Checks on the question sets: evals/dev.jsonl, evals/holdout.jsonl and the bank under evals/bank/.

The set is only useful when every evidence string really stands in the cleaned
text of the letter it names (that is what a retrieved passage is matched
against) and every fact an answer must contain is backed by that evidence.
Normalisation follows ../shared/contract_check.py: curly quotes, dashes and NBSP
folded, whitespace collapsed, lower case.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from rag.clean import clean, reading

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "evals" / "dev.jsonl"
SETS = [DEV_SET, ROOT / "evals" / "holdout.jsonl", *sorted((ROOT / "evals" / "bank").glob("*.jsonl")),
        *sorted((ROOT / "evals" / "blind").glob("*.jsonl"))]
FULL_SETS = [p for p in SETS if not p.stem.endswith("followups")]  # follow-up sets are small and one-style

TYPES = {"factoid", "list", "explanation", "multi-doc", "english", "unanswerable"}
FIELDS = {"id", "question", "type", "evidence", "must_contain", "doc"}
OPTIONAL = {"history"}  # a follow-up: the earlier turns, as /v1/answer takes them
MIN_QUESTIONS = 80
MIN_UNANSWERABLE = 10

FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", (s or "").translate(FOLD)).strip().lower()


def _lines(path: Path = DEV_SET) -> list[tuple[int, str]]:
    raw = path.read_text(encoding="utf-8").splitlines()
    return [(n, line) for n, line in enumerate(raw, 1) if line.strip()]


def _questions(path: Path = DEV_SET) -> list[dict]:
    return [json.loads(line) for _, line in _lines(path)]


DEV = _questions()
QUESTIONS = [q for path in SETS for q in _questions(path)]  # every set: the checks per question
ANSWERABLE = [q for q in QUESTIONS if q["type"] != "unanswerable"]
UNANSWERABLE = [q for q in QUESTIONS if q["type"] == "unanswerable"]


@cache
def cleaned(doc_id: str) -> str:
    """The normalised cleaned text of one letter, as the system serves it."""
    raw = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    return norm(clean(raw).text)


def _ids(qs: list[dict]) -> list[str]:
    return [q.get("id", "?") for q in qs]


# --- the file as a whole -------------------------------------------------------

@pytest.mark.parametrize("lineno,line", [x for path in SETS for x in _lines(path)], ids=lambda v: str(v)[:12])
def test_line_parses_as_object(lineno, line):
    obj = json.loads(line)
    assert isinstance(obj, dict), f"line {lineno} is not a JSON object"


def test_ids_unique():
    dupes = [i for i, n in Counter(q["id"] for q in QUESTIONS).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_set_size():
    assert len(DEV) >= MIN_QUESTIONS
    assert sum(q["type"] == "unanswerable" for q in DEV) >= MIN_UNANSWERABLE


@pytest.mark.parametrize("path", FULL_SETS, ids=lambda p: p.name)
def test_every_type_present(path):
    assert {q["type"] for q in _questions(path)} >= TYPES


# --- one question at a time -----------------------------------------------------

@pytest.mark.parametrize("q", QUESTIONS, ids=_ids(QUESTIONS))
def test_fields_and_type(q):
    assert FIELDS <= set(q) <= FIELDS | OPTIONAL, f"fields {sorted(q)}"
    for turn in q.get("history", []):
        assert turn["role"] in ("user", "assistant") and turn["content"].strip()
    assert q["type"] in TYPES
    assert isinstance(q["question"], str) and q["question"].strip()
    for key in ("evidence", "must_contain", "doc"):
        assert isinstance(q[key], list) and all(isinstance(x, str) and x.strip() for x in q[key]), key


@pytest.mark.parametrize("q", QUESTIONS, ids=_ids(QUESTIONS))
def test_doc_ids_exist(q):
    missing = [d for d in q["doc"] if not (CORPUS / f"{d}.txt").is_file()]
    assert not missing, f"unknown doc ids {missing}"


@pytest.mark.parametrize("q", UNANSWERABLE, ids=_ids(UNANSWERABLE))
def test_unanswerable_is_empty(q):
    assert q["evidence"] == [] and q["must_contain"] == [] and q["doc"] == []


@pytest.mark.parametrize("q", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_answerable_has_evidence_facts_and_docs(q):
    assert q["evidence"], "no evidence"
    assert q["must_contain"], "no must_contain"
    assert q["doc"], "no doc"


@pytest.mark.parametrize("q", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_evidence_is_verbatim_in_one_of_its_letters(q):
    for ev in q["evidence"]:
        found = [d for d in q["doc"] if norm(ev) in cleaned(d)]
        assert found, f"evidence not in cleaned text of {q['doc']}: {ev!r}"


@pytest.mark.parametrize("q", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_every_doc_is_backed_by_evidence(q):
    """A letter listed in `doc` holds at least one of the evidence strings."""
    for d in q["doc"]:
        assert any(norm(ev) in cleaned(d) for ev in q["evidence"]), f"no evidence string from {d}"


@pytest.mark.parametrize("q", ANSWERABLE, ids=_ids(ANSWERABLE))
def test_must_contain_backed_by_evidence(q):
    """As the answer shows it: a word the letter broke over a line reads whole (``rag.clean.reading``)."""
    evidence = " ".join(norm(reading(ev)) for ev in q["evidence"])
    for item in q["must_contain"]:
        alternatives = [norm(a) for a in item.split("|")]
        assert all(alternatives), f"empty alternative in {item!r}"
        assert any(a in evidence for a in alternatives), f"{item!r} not in the evidence"


@pytest.mark.parametrize("q", [q for q in ANSWERABLE if q["type"] == "multi-doc"],
                         ids=_ids([q for q in ANSWERABLE if q["type"] == "multi-doc"]))
def test_multi_doc_spans_letters(q):
    assert len(set(q["doc"])) >= 2
