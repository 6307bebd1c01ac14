"""Run an eval set through the engine and measure retrieval and answers.

The figures follow ../shared/contract_check.py (same normalisation, same notion
of a hit), so what ``rag eval`` reports is what an evaluator's check will see.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
TYPES = ("factoid", "list", "explanation", "multi-doc", "english", "unanswerable")


def norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", (s or "").translate(FOLD)).strip().lower()


def contains_any(text: str, needles: list[str]) -> bool:
    t = norm(text)
    return any(norm(n) in t for n in needles)


def tokens(s: str) -> set[str]:
    return set(re.findall(r"\w+", norm(s)))


def quote_covers(quotes: list[str], evidence: list[str]) -> float:
    q = tokens(" ".join(quotes))
    return max((len(tokens(e) & q) / max(len(tokens(e)), 1) for e in evidence), default=0.0)


def must_ok(answer: str, items: list[str]) -> bool:
    a = norm(answer)
    return all(any(norm(alt) in a for alt in item.split("|")) for item in items)


def load_set(path: str | Path) -> list[dict]:
    """One JSON object per line; see evals/README.md for the fields."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: geen geldige JSON ({e.msg})") from e
        for f in ("id", "question", "type"):
            if f not in q:
                raise ValueError(f"{path}:{n}: veld '{f}' ontbreekt")
        q.setdefault("evidence", [])
        q.setdefault("must_contain", [])
        q.setdefault("doc", [])
        out.append(q)
    if not out:
        raise ValueError(f"{path}: geen vragen")
    return out


@dataclass
class SearchOutcome:
    rank: int | None  # first rank (1-based, within 10) whose passage contains the evidence
    docs_top5: list[str]
    latency_ms: float


def search_outcome(engine, q: dict, retriever: str | None = None, k: int = 10) -> SearchOutcome:
    t0 = time.perf_counter()
    hits = engine.search(q["question"], k, retriever=retriever)
    ms = (time.perf_counter() - t0) * 1000
    rank = next((i + 1 for i, h in enumerate(hits) if contains_any(h.passage.text, q["evidence"])), None)
    return SearchOutcome(rank, [h.passage.doc_id for h in hits[:5]], ms)


def retrieval_figures(outcomes: list[SearchOutcome]) -> dict[str, float]:
    n = max(len(outcomes), 1)
    figs = {f"hit@{k}": sum(o.rank is not None and o.rank <= k for o in outcomes) / n for k in (1, 3, 5, 10)}
    figs["mrr@10"] = sum(1 / o.rank for o in outcomes if o.rank) / n
    return figs


@dataclass
class AnswerOutcome:
    abstained: bool
    support: float
    must: bool
    supported: bool
    quote_support: bool
    latency_ms: float
    answer: str
    citations: list[dict] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)


def answer_outcome(engine, q: dict, mode: str = "extractive") -> AnswerOutcome:
    t0 = time.perf_counter()
    ans = engine.answer(q["question"], mode=mode)
    ms = (time.perf_counter() - t0) * 1000
    cits = [c.to_json() for c in ans.citations]
    answerable = q["type"] != "unanswerable"
    ok = answerable and not ans.abstained
    return AnswerOutcome(
        abstained=ans.abstained,
        support=ans.support,
        must=ok and must_ok(ans.answer, q["must_contain"]),
        supported=ok and any(contains_any(c["text"] + " " + c["quote"], q["evidence"]) for c in cits),
        quote_support=ok and quote_covers([c["quote"] for c in cits], q["evidence"]) >= 0.6,
        latency_ms=ms,
        answer=ans.answer,
        citations=cits,
        features=dict(ans.features),
    )


def answer_figures(qs: list[dict], outs: list[AnswerOutcome]) -> dict[str, Any]:
    ans = [(q, o) for q, o in zip(qs, outs, strict=True) if q["type"] != "unanswerable"]
    una = [(q, o) for q, o in zip(qs, outs, strict=True) if q["type"] == "unanswerable"]
    na = max(len(ans), 1)
    lat = [o.latency_ms for o in outs]
    return {
        "must": sum(o.must for _, o in ans) / na,
        "supported": sum(o.supported for _, o in ans) / na,
        "quote_support": sum(o.quote_support for _, o in ans) / na,
        "abstain": f"{sum(o.abstained for _, o in una)}/{len(una)}",
        "false_abstain": f"{sum(o.abstained for _, o in ans)}/{len(ans)}",
        "p50_ms": statistics.median(lat) if lat else None,
        "p95_ms": percentile(lat, 95) if lat else None,
    }


def percentile(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def run_eval_command(args, engine) -> int:
    qs = load_set(args.set)
    answerable = [q for q in qs if q["type"] != "unanswerable"]
    outcomes = [search_outcome(engine, q) for q in answerable]
    figs = retrieval_figures(outcomes)
    print(" ".join(f"{k}={v:.3f}" for k, v in figs.items()))
    return 0
