"""Run an eval set through the engine and measure retrieval and answers.

The figures follow ../shared/contract_check.py (same normalisation, same notion
of a hit, same answer figures), so what ``rag eval`` reports is what an
evaluator's check will see. On top of those it measures what that check does
not: hit@k for k = 1..10 per retriever, multi-doc coverage, groundedness,
abstention precision/recall with the AUC of the support score, and latency,
each overall and per question type. ``evals/README.md`` defines every figure.

Layers, so tests and benchmarks can use any of them:

* metric functions on strings and numbers (``norm`` ... ``groundedness``, ``auc``, ``percentile``);
* per-question outcomes from a real engine (``search_outcome``, ``answer_outcome``);
* a report: ``evaluate`` (a JSON-able dict), ``figures`` (from its question records),
  ``diff_reports``, ``check_gate``; ``rag.report.write_report`` writes report.json, report.md and plots;
* ``run_eval_command``: the ``rag eval`` sub-command.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
TYPES = ("factoid", "list", "explanation", "multi-doc", "english", "unanswerable")
KS = (1, 3, 5, 10)
CURVE_K = 10  # hit@k curve runs k = 1..CURVE_K; also how many passages a search outcome looks at
QUOTE_MIN = 0.6  # quote_support: cited quotes cover >= 60% of an evidence string's words (contract_check)
GROUNDED_MIN = 0.8  # a sentence is grounded when >= 80% of its word tokens stand in the cited quotes
MARKER = re.compile(r"\s*\[\d+\]")
try:  # fixed lead-ins the answerer puts before the quotes; not a claim, so not judged for groundedness
    from rag.answer import EN_LEAD as _EN_LEAD
except ImportError:  # pragma: no cover - the answerer renamed it
    _EN_LEAD = "The letters say (in Dutch): "
LEAD_INS = (_EN_LEAD,)

# Quality gate: threshold name (rag eval --min-..., evals/thresholds.json) -> (figure, comparison).
# Every figure is a share in 0..1; max_false_abstain is a rate too (false abstentions / answerable questions).
GATES: dict[str, tuple[str, str]] = {
    "min_hit1": ("hit@1", ">="),
    "min_hit5": ("hit@5", ">="),
    "min_mrr": ("mrr@10", ">="),
    "min_multidoc": ("multidoc_all_top5", ">="),
    "min_must": ("must", ">="),
    "min_supported": ("supported", ">="),
    "min_quote_support": ("quote_support", ">="),
    "min_grounded": ("grounded", ">="),
    "min_abstain_recall": ("abstain_recall", ">="),
    "min_abstain_precision": ("abstain_precision", ">="),
    "max_false_abstain": ("false_abstain_rate", "<="),
}
RETRIEVER_NAMES = {"bm25": "BM25", "dense": "dense", "ngram": "n-gram"}


# --- metric functions (contract_check.py's definitions) ----------------------------------------------

def norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", (s or "").translate(FOLD)).strip().lower()


def contains_any(text: str, needles: list[str]) -> bool:
    t = norm(text)
    return any(norm(n) in t for n in needles)


def tokens(s: str) -> set[str]:
    return set(re.findall(r"\w+", norm(s)))


def quote_covers(quotes: list[str], evidence: list[str]) -> float:
    """Share of an evidence string's words found in the cited quotes, best over the evidence strings."""
    q = tokens(" ".join(quotes))
    return max((len(tokens(e) & q) / max(len(tokens(e)), 1) for e in evidence), default=0.0)


def must_ok(answer: str, items: list[str]) -> bool:
    a = norm(answer)
    return all(any(norm(alt) in a for alt in item.split("|")) for item in items)


def strip_answer(answer: str) -> str:
    """The answer's claims: without ``[n]`` markers and without a fixed lead-in."""
    text = MARKER.sub("", answer or "").strip()
    for lead in LEAD_INS:
        if text.startswith(lead.strip()):
            text = text[len(lead.strip()):].strip()
    return text


def answer_sentences(answer: str) -> list[str]:
    """The sentences of an answer (Dutch-aware splitter of the chunker: ``mln.``, ``jl.`` do not split)."""
    from rag.sentences import split_sentences

    text = strip_answer(answer)
    return [s for a, b in split_sentences(text) if tokens(s := text[a:b])]


def grounded_counts(answer: str, quotes: list[str], min_cover: float = GROUNDED_MIN) -> tuple[int, int]:
    """(grounded sentences, sentences): a sentence is grounded when >= min_cover of its word tokens
    occur in the union of the cited quotes."""
    q = tokens(" ".join(quotes))
    sents = answer_sentences(answer)
    ok = sum(len(tokens(s) & q) / len(tokens(s)) >= min_cover for s in sents)
    return ok, len(sents)


def groundedness(answer: str, quotes: list[str], min_cover: float = GROUNDED_MIN) -> float | None:
    """Share of the answer's sentences that are grounded in the cited quotes; None for an empty answer."""
    ok, n = grounded_counts(answer, quotes, min_cover)
    return ok / n if n else None


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


def roc_curve(pos: list[float], neg: list[float]) -> tuple[list[float], list[float]]:
    """(false positive rates, true positive rates) of ``score >= t`` for every threshold t, from (0,0) to (1,1)."""
    fpr, tpr = [0.0], [0.0]
    if not pos or not neg:
        return fpr, tpr
    for t in sorted(set(pos) | set(neg), reverse=True):
        tpr.append(sum(p >= t for p in pos) / len(pos))
        fpr.append(sum(n >= t for n in neg) / len(neg))
    return fpr, tpr


def _share(flags: Iterable[Any], n: int) -> float | None:
    return sum(bool(f) for f in flags) / n if n else None


# --- eval set --------------------------------------------------------------------------------------

def load_set(path: str | Path) -> list[dict]:
    """One JSON object per line; see evals/README.md for the fields."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"vragenset {path} bestaat niet")
    out, seen = [], set()
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: geen geldige JSON ({e.msg})") from e
        if not isinstance(q, dict):
            raise ValueError(f"{path}:{n}: geen JSON-object")
        for f in ("id", "question", "type"):
            if f not in q:
                raise ValueError(f"{path}:{n}: veld '{f}' ontbreekt")
        if not isinstance(q["question"], str) or not q["question"].strip():
            raise ValueError(f"{path}:{n}: 'question' is leeg of geen tekst")
        if q["id"] in seen:
            raise ValueError(f"{path}:{n}: id '{q['id']}' komt twee keer voor")
        seen.add(q["id"])
        q.setdefault("evidence", [])
        q.setdefault("must_contain", [])
        q.setdefault("doc", [])
        for f in ("evidence", "must_contain", "doc"):
            if not isinstance(q[f], list) or not all(isinstance(x, str) for x in q[f]):
                raise ValueError(f"{path}:{n}: '{f}' moet een lijst van teksten zijn")
        out.append(q)
    if not out:
        raise ValueError(f"{path}: geen vragen")
    return out


# --- outcomes from the engine ----------------------------------------------------------------------

@dataclass
class SearchOutcome:
    rank: int | None  # first rank (1-based, within k) whose passage contains the evidence
    docs_top5: list[str]
    latency_ms: float
    score: float | None = None  # the top-1 passage's score (RRF for hybrid, the retriever's own otherwise)
    components: tuple[str, ...] = ()  # the rankings the retriever fused (Hit.ranks), e.g. ("bm25", "dense")


def search_outcome(engine, q: dict, retriever: str | None = None, k: int = CURVE_K) -> SearchOutcome:
    t0 = time.perf_counter()
    hits = engine.find(q["question"], k, retriever=retriever)
    ms = (time.perf_counter() - t0) * 1000
    rank = next((i + 1 for i, h in enumerate(hits) if contains_any(h.passage.text, q["evidence"])), None)
    comps = tuple(sorted({k for h in hits for k in (getattr(h, "ranks", None) or {})}))
    return SearchOutcome(rank, [h.passage.doc_id for h in hits[:5]], ms, float(hits[0].score) if hits else None,
                         comps)


def retrieval_figures(outcomes: list[SearchOutcome]) -> dict[str, float]:
    n = max(len(outcomes), 1)
    figs = {f"hit@{k}": sum(o.rank is not None and o.rank <= k for o in outcomes) / n for k in KS}
    figs["mrr@10"] = sum(1 / o.rank for o in outcomes if o.rank) / n
    return figs


def hit_curve(ranks: Sequence[int | None], kmax: int = CURVE_K) -> list[float]:
    """hit@k for k = 1..kmax."""
    n = max(len(ranks), 1)
    return [sum(r is not None and r <= k for r in ranks) / n for k in range(1, kmax + 1)]


def multidoc_all_top5(q: dict, docs_top5: Sequence[str]) -> bool | None:
    """Every letter of a multi-doc question among the top-5 passages' letters; None for other questions."""
    docs = set(q.get("doc") or [])
    if q["type"] != "multi-doc" or len(docs) < 2:
        return None
    return docs <= set(docs_top5)


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
    quote_cover: float = 0.0  # best share of an evidence string's words in the cited quotes
    grounded_sentences: int = 0
    sentences: int = 0  # answer sentences judged for groundedness (0 for an abstention)
    kind: str | None = None
    language: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode_used: str = "extractive"
    generation: dict | None = None  # llm mode: model called, sentences written/kept, fallback
    invented_numbers: int = 0  # numbers in the answer that no cited passage holds

    @property
    def grounded(self) -> float | None:
        return self.grounded_sentences / self.sentences if self.sentences else None


def answer_outcome(engine, q: dict, mode: str = "extractive") -> AnswerOutcome:
    t0 = time.perf_counter()
    ans = engine.answer(q["question"], mode=mode, history=q.get("history"))
    ms = (time.perf_counter() - t0) * 1000
    cits = [c.to_json() for c in ans.citations]
    quotes = [c.get("quote") or "" for c in cits]
    answerable = q["type"] != "unanswerable"
    ok = answerable and not ans.abstained
    cover = quote_covers(quotes, q["evidence"]) if answerable else 0.0
    # a citation shows its letter's title with the quote, so an answer may name the letter it cites
    g, n = grounded_counts(ans.answer, quotes + [c.get("title") or "" for c in cits]) if not ans.abstained else (0, 0)
    return AnswerOutcome(
        abstained=ans.abstained,
        support=float(ans.support),
        must=ok and must_ok(ans.answer, q["must_contain"]),
        supported=ok and any(contains_any(c["text"] + " " + (c.get("quote") or ""), q["evidence"]) for c in cits),
        quote_support=ok and cover >= QUOTE_MIN,
        latency_ms=ms,
        answer=ans.answer,
        citations=cits,
        features={k: float(v) for k, v in (ans.features or {}).items()},
        quote_cover=cover,
        grounded_sentences=g,
        sentences=n,
        kind=getattr(ans, "kind", None),
        language=getattr(ans, "language", None),
        timings_ms=dict(getattr(ans, "timings_ms", {}) or {}),
        mode_used=ans.mode,
        generation=getattr(ans, "extra", None) or None,
        invented_numbers=len(invented_numbers(ans.answer, cits)),
    )


def invented_numbers(answer: str, cits: list[dict]) -> set[str]:
    """Numbers the answer states that stand in none of its cited passages (nor their letters' titles)."""
    from rag.verify import numbers

    held = set().union(*(numbers((c.get("text") or "") + " " + (c.get("title") or "")) for c in cits)) \
        if cits else set()
    return numbers(re.sub(r"\[\d+\]", " ", answer)) - held


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


# --- one question's record in report.json ----------------------------------------------------------

def question_record(q: dict, searches: dict[str, SearchOutcome], default: str, a: AnswerOutcome | None) -> dict:
    """Everything report.json keeps about one question; ``figures`` reads only these records."""
    s = searches[default]
    answerable = q["type"] != "unanswerable"
    rec: dict[str, Any] = {
        "id": q["id"], "type": q["type"], "question": q["question"], "doc": list(q.get("doc") or []),
        "rank": s.rank if answerable else None,
        "ranks": {name: (o.rank if answerable else None) for name, o in searches.items()},
        "top5_docs": s.docs_top5,
        "multidoc_all_top5": multidoc_all_top5(q, s.docs_top5),
        "top1_score": s.score,
        "top1_scores": {name: o.score for name, o in searches.items()},
        "search_ms": round(s.latency_ms, 2),
    }
    if a is None:
        return rec
    rec.update({
        "answer": a.answer, "abstained": a.abstained, "support": round(a.support, 6),
        "features": {k: round(v, 6) for k, v in a.features.items()},
        "kind": a.kind, "language": a.language,
        "must": a.must if answerable else None,
        "supported": a.supported if answerable else None,
        "quote_support": a.quote_support if answerable else None,
        "quote_cover": round(a.quote_cover, 4) if answerable else None,
        "grounded": None if a.grounded is None else round(a.grounded, 4),
        "grounded_sentences": a.grounded_sentences, "sentences": a.sentences,
        "citations": [{k: c.get(k) for k in ("n", "doc_id", "chunk_id", "quote", "start", "end", "score")}
                      for c in a.citations],
        "latency_ms": round(a.latency_ms, 2),
        "timings_ms": a.timings_ms,
        "mode_used": a.mode_used, "generation": a.generation, "invented_numbers": a.invented_numbers,
        "words": len(strip_answer(a.answer).split()),
    })
    return rec


# --- figures from records --------------------------------------------------------------------------

def figures(records: list[dict]) -> dict[str, Any]:
    """Every headline figure of a list of question records (all questions, or one type).

    Answer figures count an abstention on an answerable question as a miss (as contract_check does);
    a figure that cannot be computed for these records (no such questions, not measured) is None.
    """
    ans = [r for r in records if r["type"] != "unanswerable"]
    una = [r for r in records if r["type"] == "unanswerable"]
    f: dict[str, Any] = {"n": len(records), "n_answerable": len(ans), "n_unanswerable": len(una)}
    ranks = [r.get("rank") for r in ans]
    for k in KS:
        f[f"hit@{k}"] = _share((x is not None and x <= k for x in ranks), len(ranks))
    f["mrr@10"] = sum(1 / x for x in ranks if x) / len(ranks) if ranks else None
    md = [r["multidoc_all_top5"] for r in ans if r.get("multidoc_all_top5") is not None]
    f["n_multidoc"] = len(md)
    f["multidoc_all_top5"] = _share(md, len(md))
    answered = [r for r in records if r.get("abstained") is not None]
    if not answered:  # --search-only
        return f
    a_ans = [r for r in ans if r.get("abstained") is not None]
    a_una = [r for r in una if r.get("abstained") is not None]
    f["must"] = _share((r["must"] for r in a_ans), len(a_ans))
    f["supported"] = _share((r["supported"] for r in a_ans), len(a_ans))
    f["quote_support"] = _share((r["quote_support"] for r in a_ans), len(a_ans))
    given = [r for r in answered if not r["abstained"]]
    n_sent = sum(r.get("sentences", 0) for r in given)
    f["grounded"] = sum(r.get("grounded_sentences", 0) for r in given) / n_sent if n_sent else None
    tp = sum(r["abstained"] for r in a_una)  # unanswerable and abstained
    fp = sum(r["abstained"] for r in a_ans)  # answerable but abstained
    f["abstained"] = tp + fp
    f["abstain_rate"] = (tp + fp) / len(answered)
    f["abstained_unanswerable"] = tp
    f["false_abstain"] = fp
    f["abstain_precision"] = tp / (tp + fp) if tp + fp else None
    f["abstain_recall"] = tp / len(a_una) if a_una else None
    f["false_abstain_rate"] = fp / len(a_ans) if a_ans else None
    lat = [r["latency_ms"] for r in answered]
    f["latency_p50_ms"] = percentile(lat, 50)
    f["latency_p95_ms"] = percentile(lat, 95)
    f["auc_support"] = _nan_none(auc([r["support"] for r in a_ans], [r["support"] for r in a_una]))
    f["invented_numbers"] = sum(r.get("invented_numbers", 0) for r in answered)
    words = [r["words"] for r in given if r.get("words") is not None]
    f["words_p50"] = statistics.median(words) if words else None
    called = [r for r in answered if (r.get("generation") or {}).get("llm_called")]
    if called:
        written = sum(r["generation"].get("sentences", 0) for r in called)
        f["llm_called"] = len(called)
        f["llm_fallback"] = sum(bool(r["generation"].get("fallback")) for r in called)
        f["llm_fallback_rate"] = f["llm_fallback"] / len(called)
        f["llm_sentences"] = written
        f["llm_kept_share"] = sum(r["generation"].get("kept", 0) for r in called) / written if written else None
        firsts = [r["timings_ms"]["first_sentence"] for r in called if r["timings_ms"].get("first_sentence")]
        f["llm_first_sentence_p50_ms"] = percentile(firsts, 50) if firsts else None
        f["llm_total_p50_ms"] = percentile([r["latency_ms"] for r in called], 50)
    return f


def _nan_none(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def by_type(records: list[dict]) -> dict[str, dict]:
    types = [t for t in TYPES if any(r["type"] == t for r in records)]
    types += sorted({r["type"] for r in records} - set(types))
    return {t: figures([r for r in records if r["type"] == t]) for t in types}


def retriever_figures(records: list[dict], name: str, search_ms: list[float],
                      components: Sequence[str] = ()) -> dict[str, Any]:
    """Retrieval figures of one retriever from the records' ``ranks``."""
    ans = [r for r in records if r["type"] != "unanswerable"]
    ranks = [r["ranks"].get(name) for r in ans]
    curve = hit_curve(ranks)
    f: dict[str, Any] = {f"hit@{k}": curve[k - 1] if ranks else None for k in KS}
    f["mrr@10"] = sum(1 / x for x in ranks if x) / len(ranks) if ranks else None
    f["search_p50_ms"] = percentile(search_ms, 50) if search_ms else None
    f["search_p95_ms"] = percentile(search_ms, 95) if search_ms else None
    f["curve"] = curve
    f["components"] = list(components)
    f["by_type"] = {t: hit_curve([r["ranks"].get(name) for r in ans if r["type"] == t])[4]
                    for t in dict.fromkeys(r["type"] for r in ans)}
    return f


def abstention_scores(records: list[dict]) -> dict[str, Any]:
    """The abstention signal against plain retrieval scores: AUC and ROC of each (positive = answerable)."""
    ans = [r for r in records if r["type"] != "unanswerable"]
    una = [r for r in records if r["type"] == "unanswerable"]
    out: dict[str, Any] = {}
    signals: dict[str, Callable[[dict], float | None]] = {}
    if any(r.get("support") is not None for r in records):
        signals["support"] = lambda r: r.get("support")
    for name in records[0].get("top1_scores", {}) if records else {}:
        signals[f"top1_{name}"] = lambda r, name=name: r.get("top1_scores", {}).get(name)
    for key, get in signals.items():
        pos = [v for r in ans if (v := get(r)) is not None]
        neg = [v for r in una if (v := get(r)) is not None]
        fpr, tpr = roc_curve(pos, neg)
        out[key] = {"auc": _nan_none(auc(pos, neg)), "fpr": fpr, "tpr": tpr}
    return out


# --- running a set -------------------------------------------------------------------------------

def _progress(items: list, desc: str, show: bool | None):
    show = sys.stderr.isatty() if show is None else show
    if not show:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit="vraag", file=sys.stderr, leave=False)


def evaluate(engine, qs: list[dict], mode: str = "extractive", retrievers: Sequence[str] | None = None,
             search_only: bool = False, progress: bool | None = None, set_name: str = "",
             ablate: bool = False) -> dict[str, Any]:
    """Run ``qs`` through ``engine`` and return the report (a JSON-able dict, written by ``write_report``).

    Every question is searched (k = 10) with the engine's default retriever and each one in ``retrievers``
    (default: ``dense`` as well, whose top-1 score is the plain baseline the support score is compared with),
    and, unless ``search_only``, answered with ``engine.answer`` as the API does.
    """
    from rag.retrieve import RETRIEVERS

    t_start = time.perf_counter()
    default = engine.settings.retrieval
    wanted = {default, *(retrievers if retrievers is not None else ["dense"])} & set(RETRIEVERS)
    unknown = sorted({default, *(retrievers or [])} - set(RETRIEVERS))
    if unknown:
        raise ValueError(f"onbekende retriever(s): {', '.join(unknown)}; beschikbaar: {', '.join(RETRIEVERS)}")
    names = [n for n in RETRIEVERS if n in wanted]  # in RETRIEVERS' order, the default among them
    records, search_ms = [], {n: [] for n in names}
    comps: dict[str, set[str]] = {n: set() for n in names}
    for q in _progress(qs, "eval", progress):
        searches = {n: search_outcome(engine, q, retriever=n) for n in names}
        for n, o in searches.items():
            search_ms[n].append(o.latency_ms)
            comps[n].update(o.components)
        a = None if search_only else answer_outcome(engine, q, mode)
        records.append(question_record(q, searches, default, a))
    s = engine.settings
    report = {
        "meta": {
            "set": set_name, "questions": len(qs), "mode": None if search_only else mode, "retriever": default,
            "retrievers": names, "search_only": search_only, "ablate": ablate,
            "abstain_threshold": engine.model.threshold if s.abstain_threshold is None else s.abstain_threshold,
            "embed_model": s.embed_model, "top_k": s.default_top_k,
            "candidates": s.candidates, "rrf_k": s.rrf_k,
            "documents": len(engine.view.records), "passages": engine.view.passage_count,
            "commit": _git_commit(), "created": datetime.datetime.now().isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - t_start, 2),
        },
        "figures": {"overall": figures(records), "by_type": by_type(records)},
        "retrieval": {n: retriever_figures(records, n, search_ms[n], sorted(comps[n], key=_order)) for n in names},
        "abstention": abstention_scores(records),
        "questions": records,
    }
    return report


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5, cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# --- worst questions -------------------------------------------------------------------------------

def problems(r: dict) -> list[str]:
    """What went wrong for one question, worst first."""
    out = []
    if r["type"] == "unanswerable":
        if r.get("abstained") is False:
            out.append("answered an unanswerable question")
        return out
    if r.get("abstained"):
        out.append("false abstention")
    else:
        if r.get("must") is False:
            out.append("key fact missing")
        if r.get("supported") is False:
            out.append("citations lack the evidence")
        elif r.get("quote_support") is False:
            out.append("quotes cover < 60% of the evidence")
        if r.get("grounded") is not None and r["grounded"] < 1:
            out.append(f"grounded {r['grounded']:.2f}")
    if r.get("rank") is None:
        out.append("evidence not in top 10")
    elif r["rank"] > 5:
        out.append(f"evidence at rank {r['rank']}")
    if r.get("multidoc_all_top5") is False:
        out.append("not every letter in top 5")
    return out


_WEIGHT = {"answered an unanswerable question": 5, "false abstention": 5, "key fact missing": 3,
           "citations lack the evidence": 2, "evidence not in top 10": 2}


def worst_questions(records: list[dict], n: int = 15) -> list[dict]:
    scored = []
    for r in records:
        ps = problems(r)
        if not ps:
            continue
        badness = sum(_WEIGHT.get(p, 1) for p in ps)
        # an unanswerable question answered with high support, or a false abstention with low support, is worse
        sup = r.get("support") or 0.0
        tie = sup if r["type"] == "unanswerable" else 1 - sup
        scored.append((badness, tie, r, ps))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]["id"]))
    return [{"id": r["id"], "type": r["type"], "question": r["question"], "problems": ps, "rank": r.get("rank"),
             "support": r.get("support"), "answer": r.get("answer")} for _, _, r, ps in scored[:n]]


# --- baseline --------------------------------------------------------------------------------------

def load_report(path: str | Path) -> dict:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"baseline {path} bestaat niet")
    try:
        rep = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"baseline {path} is geen geldige JSON") from e
    if not isinstance(rep, dict) or "figures" not in rep or "questions" not in rep:
        raise ValueError(f"baseline {path} is geen report.json van rag eval")
    return rep


def _delta_table(old: dict, new: dict) -> dict[str, dict]:
    out = {}
    for k, v in new.items():
        o = old.get(k)
        if isinstance(v, bool) or isinstance(o, bool):
            continue
        if isinstance(v, int | float) and isinstance(o, int | float):
            out[k] = {"baseline": o, "now": v, "delta": v - o}
    return out


def _hit5(r: dict) -> bool | None:
    if r["type"] == "unanswerable":
        return None
    return r.get("rank") is not None and r["rank"] <= 5


def _flip(what: str, was: Any, now: Any, good: Any = True, labels: tuple[str, str] = ("miss", "hit")) -> dict | None:
    """A yes/no outcome that changed: {"what", "was", "now", "direction"}; None when unchanged or unknown."""
    if was is None or now is None or bool(was) == bool(now):
        return None
    return {"what": what, "was": labels[bool(was)], "now": labels[bool(now)],
            "direction": "better" if bool(now) == good else "worse"}


def diff_reports(old: dict, new: dict) -> dict[str, Any]:
    """Deltas per figure (overall and per type) and the questions whose outcome changed."""
    metrics = {"overall": _delta_table(old["figures"].get("overall", {}), new["figures"]["overall"]),
               "by_type": {t: _delta_table(old["figures"].get("by_type", {}).get(t, {}), f)
                           for t, f in new["figures"]["by_type"].items()}}
    before = {r["id"]: r for r in old.get("questions", [])}
    changed = []
    for r in new["questions"]:
        o = before.get(r["id"])
        if o is None:
            continue
        changes = [_flip("hit@5", _hit5(o), _hit5(r))]
        if _hit5(o) and _hit5(r) and o.get("rank") != r.get("rank"):
            changes.append({"what": "rank", "was": o.get("rank"), "now": r.get("rank"),
                            "direction": "better" if r["rank"] < o["rank"] else "worse"})
        changes.append(_flip("abstention", o.get("abstained"), r.get("abstained"), good=r["type"] == "unanswerable",
                             labels=("answered", "abstained")))
        changes += [_flip(what, o.get(what), r.get(what), labels=("fail", "pass"))
                    for what in ("must", "supported", "quote_support")]
        changes = [c for c in changes if c]
        if not changes and o.get("answer") is not None and o.get("answer") != r.get("answer"):
            changes.append({"what": "answer text", "was": "", "now": "", "direction": "changed"})  # neither
        if changes:
            changed.append({"id": r["id"], "type": r["type"], "question": r["question"], "changes": changes})
    new_ids = {r["id"] for r in new["questions"]}
    return {
        "baseline": {k: old.get("meta", {}).get(k) for k in ("set", "commit", "created")},
        "metrics": metrics,
        "questions": changed,
        "only_in_baseline": sorted(set(before) - new_ids),
        "only_now": sorted(new_ids - set(before)),
    }


# --- quality gate ----------------------------------------------------------------------------------

def load_thresholds(path: str | Path) -> dict[str, float]:
    """evals/thresholds.json: {"min_hit5": 0.9, ...}; keys starting with '_' are notes."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"drempelbestand {path} bestaat niet")
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"drempelbestand {path} is geen geldige JSON ({e.msg})") from e
    if not isinstance(raw, dict):
        raise ValueError(f"drempelbestand {path} moet een JSON-object zijn")
    return validate_thresholds({k: v for k, v in raw.items() if not k.startswith("_")}, source=str(path))


def validate_thresholds(th: dict[str, Any], source: str = "drempels") -> dict[str, float]:
    out = {}
    for k, v in th.items():
        if k not in GATES:
            raise ValueError(f"{source}: onbekende drempel '{k}'; bekend: {', '.join(GATES)}")
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            raise ValueError(f"{source}: drempel '{k}' moet een getal tussen 0 en 1 zijn (een aandeel), niet {v!r}")
        out[k] = float(v)
    return out


def check_gate(figs: dict[str, Any], thresholds: dict[str, float]) -> list[dict]:
    """One row per threshold: figure, value, limit, ok (None: the figure was not measured, e.g. --search-only)."""
    rows = []
    for key, limit in thresholds.items():
        fig, op = GATES[key]
        v = figs.get(fig)
        ok = None if v is None else (v >= limit - 1e-12 if op == ">=" else v <= limit + 1e-12)
        rows.append({"threshold": key, "figure": fig, "op": op, "limit": limit, "value": v, "ok": ok})
    return rows


# --- formatting (shared with rag.report) ------------------------------------------------------------

def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.{digits}f}"
    return str(v)


def _order(name: str) -> tuple[int, str]:
    from rag.retrieve import RETRIEVERS

    return (RETRIEVERS.index(name) if name in RETRIEVERS else len(RETRIEVERS), name)


# --- the rag eval command --------------------------------------------------------------------------

def gate_thresholds(args) -> dict[str, float]:
    """evals/thresholds.json (--thresholds), overridden by --min-... flags."""
    th = load_thresholds(args.thresholds) if getattr(args, "thresholds", None) else {}
    flags = {k: getattr(args, k, None) for k in GATES}
    th.update(validate_thresholds({k: v for k, v in flags.items() if v is not None}, source="rag eval"))
    return th


def check_eval_args(args) -> tuple[list[dict], dict[str, float], dict | None]:
    """Read and check everything ``rag eval`` gets before the model loads: bad input fails fast (exit 2)."""
    qs = load_set(args.set)
    th = gate_thresholds(args)
    base = load_report(args.baseline) if getattr(args, "baseline", None) else None
    mode = getattr(args, "mode", None) or "extractive"
    if not getattr(args, "search_only", False):
        from rag.api import MODES
        from rag.config import Settings

        if mode not in MODES or (mode == "llm" and not Settings().llm_base_url):
            raise ValueError(f"antwoordmodus '{mode}' is niet beschikbaar; beschikbaar: extractive"
                             + (", llm (met RAG_LLM_BASE_URL)" if mode == "llm" else ""))
    return qs, th, base


def summary_line(figs: dict) -> str:
    keys = ["hit@1", "hit@5", "mrr@10", "must", "supported", "quote_support", "grounded", "abstain_recall",
            "false_abstain_rate", "latency_p50_ms", "latency_p95_ms", "words_p50", "invented_numbers", "llm_called",
            "llm_fallback_rate", "llm_kept_share", "llm_first_sentence_p50_ms", "llm_total_p50_ms"]
    return " ".join(f"{k}={_fmt(figs[k])}" for k in keys if k in figs)


def run_eval_command(args, engine, checked: tuple | None = None) -> int:
    """``rag eval``: 0 done, 3 a quality threshold failed (bad input raises ValueError: exit 2)."""
    from rag.retrieve import RETRIEVERS

    qs, th, base = checked or check_eval_args(args)
    mode = getattr(args, "mode", None) or "extractive"
    search_only = bool(getattr(args, "search_only", False))
    ablate = bool(getattr(args, "ablate", False))
    report = evaluate(engine, qs, mode=mode, retrievers=list(RETRIEVERS) if ablate else None,
                      search_only=search_only, set_name=str(args.set), ablate=ablate)
    if base is not None:
        report["diff"] = diff_reports(base, report)
    if th:
        report["gate"] = check_gate(report["figures"]["overall"], th)
    out = Path(getattr(args, "out", None) or "evals/report")
    from rag.report import write_report  # the report module reads this one's figures

    write_report(report, out, plots=not getattr(args, "no_plots", False))
    print(summary_line(report["figures"]["overall"]))
    if len(report["retrieval"]) > 1:
        for name, f in report["retrieval"].items():
            print(f"  {name}: hit@1={_fmt(f['hit@1'])} hit@5={_fmt(f['hit@5'])} mrr@10={_fmt(f['mrr@10'])}")
    if base is not None:
        worse = sum(any(c["direction"] == "worse" for c in q["changes"]) for q in report["diff"]["questions"])
        print(f"tegen baseline: {len(report['diff']['questions'])} vragen veranderd, {worse} ergens slechter")
    print(f"rapport: {out / 'report.md'}")
    failed = [g for g in report.get("gate", []) if g["ok"] is False]
    for g in report.get("gate", []):
        if g["ok"] is None:
            print(f"drempel {g['threshold']}: {g['figure']} niet gemeten, overgeslagen", file=sys.stderr)
    if failed:
        for g in failed:
            print(f"kwaliteitsdrempel niet gehaald: {g['figure']} = {_fmt(g['value'])}, "
                  f"nodig {g['op']} {g['limit']:g} ({g['threshold']})", file=sys.stderr)
        return 3
    return 0
