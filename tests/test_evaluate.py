"""rag.evaluate: the metric functions on small real examples, and `rag eval` end to end on a dev subset.

The metric functions must agree with ../shared/contract_check.py (same folding, same hit, same answer
figures); the examples are real evidence strings and answers from the five letters.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.cli import build_parser
from rag.evaluate import (
    GATES,
    answer_sentences,
    auc,
    check_gate,
    contains_any,
    diff_reports,
    figures,
    groundedness,
    load_set,
    load_thresholds,
    must_ok,
    norm,
    percentile,
    problems,
    quote_covers,
    roc_curve,
    run_eval_command,
    strip_answer,
    validate_thresholds,
)

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "evals" / "dev.jsonl"
SUBSET = ("q001", "q002", "q003", "q040", "q050", "q065", "q075", "q085", "q090", "q100")

# A real sentence of 002_b80af96d40fd70be and the dev set's evidence for q001/q002.
QUOTE_70 = ("Voor de versterking van de weerbaarheid komt op basis van de Voorjaarsnota 2025 vanaf 2027 structureel "
            "€70 miljoen beschikbaar op de begroting van het ministerie van Justitie en Veiligheid voor de versterking "
            "van de regionale en lokale weerbaarheid.")
QUOTE_5 = "Circa € 5 mln. is bestemd is voor de publiekscampagne en circa € 65 mln. voor de verdere versterking van de regionale en lokale weerbaarheid."
EVIDENCE_70 = "vanaf 2027 structureel €70 miljoen beschikbaar op de begroting van het ministerie van Justitie en Veiligheid"


# --- normalisation and matching (contract_check.py's definitions) ----------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("Het ‘kabinet’ en de “NAVO”", "het 'kabinet' en de \"navo\""),
    ("2021–2023 — NAVO", "2021-2023 - navo"),
    ("€\u00a070  miljoen\n beschikbaar ", "€ 70 miljoen beschikbaar"),
    ("Oekraïne", "oekraïne"),  # diacritics stay: the contract only folds quotes, dashes, NBSP and space
    (None, ""),
])
def test_norm_folds_like_the_contract(raw, expected):
    assert norm(raw) == expected


@pytest.mark.parametrize("text,needles,expected", [
    (QUOTE_70, [EVIDENCE_70], True),
    (QUOTE_70.replace(" ", "\n  "), [EVIDENCE_70], True),  # whitespace in a passage does not matter
    (QUOTE_70.upper(), [EVIDENCE_70], True),
    (QUOTE_5, [EVIDENCE_70], False),
    (QUOTE_5, ["niet aanwezig", "Circa € 5 mln. is bestemd is voor de publiekscampagne"], True),  # any of them
    (QUOTE_70, [], False),
])
def test_contains_any(text, needles, expected):
    assert contains_any(text, needles) is expected


@pytest.mark.parametrize("answer,items,expected", [
    (QUOTE_70 + " [1]", ["70 miljoen"], True),
    (QUOTE_5 + " [1]", ["€ 5 mln|€5 mln|5 miljoen"], True),  # first alternative
    ("Er gaat circa 5 miljoen naar de campagne.", ["€ 5 mln|€5 mln|5 miljoen"], True),  # last alternative
    ("Er gaat circa €5 mln naar de campagne.", ["€ 5 mln|€5 mln|5 miljoen"], True),
    ("Er gaat circa € 50 naar de campagne.", ["€ 5 mln|€5 mln|5 miljoen"], False),
    ("in april 2025 naar 29%", ["29%|29 procent"], True),
    ("De top was op 11 en 12 juli in Vilnius.", ["12 juli|12 july", "Vilnius"], True),
    ("De top was op 12 juli.", ["12 juli|12 july", "Vilnius"], False),  # every item must be there
    ("iets", [], True),
])
def test_must_ok_with_alternatives(answer, items, expected):
    assert must_ok(answer, items) is expected


@pytest.mark.parametrize("quotes,evidence,expected", [
    ([QUOTE_70], [EVIDENCE_70], 1.0),
    ([QUOTE_5, QUOTE_70], [EVIDENCE_70], 1.0),
    (["vanaf 2027 structureel €70 miljoen"], [EVIDENCE_70], 5 / 15),  # 15 distinct words; '€' is no word
    ([QUOTE_5], ["geen enkel woord hier", EVIDENCE_70], 3 / 15),  # the best string counts: "de", "van", "en"
    ([QUOTE_70], [], 0.0),
    ([], [EVIDENCE_70], 0.0),
])
def test_quote_covers(quotes, evidence, expected):
    assert quote_covers(quotes, evidence) == pytest.approx(expected)


# --- groundedness -------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer,quotes,expected", [
    (f"{QUOTE_70} [1]", [QUOTE_70], 1.0),  # an extractive answer is grounded
    (f"{QUOTE_70} [1] {QUOTE_5} [2]", [QUOTE_70, QUOTE_5], 1.0),  # 'mln.' does not split a sentence
    (f"The letters say (in Dutch): {QUOTE_70} [1]", [QUOTE_70], 1.0),  # the fixed lead-in is not a claim
    (f"{QUOTE_70} [1] Dat is meer dan vorig jaar en komt uit Brussel.", [QUOTE_70], 0.5),  # an invented sentence
    (f"{QUOTE_70} [1]", [QUOTE_5], 0.0),  # cites the wrong quote
    # 80%: a paraphrase with 7 of its 8 words in the quote is grounded, one with 4 of 9 is not
    ("Er komt vanaf 2027 structureel €70 miljoen beschikbaar.", [QUOTE_70], 1.0),
    ("Er komt vanaf 2028 jaarlijks €80 miljoen extra beschikbaar.", [QUOTE_70], 0.0),
    ("", [QUOTE_70], None),
    ("[1] [2]", [QUOTE_70], None),
])
def test_groundedness(answer, quotes, expected):
    got = groundedness(answer, quotes)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_answer_sentences_strip_markers_and_lead_in():
    assert strip_answer("The letters say (in Dutch): Een zin. [1] Nog een [2]") == "Een zin. Nog een"
    assert answer_sentences(f"{QUOTE_5} [1] Tweede zin. [2]") == [QUOTE_5, "Tweede zin."]


# --- auc, roc, percentile ---------------------------------------------------------------------------

@pytest.mark.parametrize("pos,neg,expected", [
    ([0.9, 0.8, 0.7], [0.1, 0.2], 1.0),
    ([0.1, 0.2], [0.9, 0.8, 0.7], 0.0),
    ([0.5, 0.5], [0.5], 0.5),  # ties count half
    ([0.9, 0.3], [0.5], 0.5),
    ([0.9, 0.6, 0.3], [0.5, 0.6], (2 + 0.5 + 1 + 0 + 0) / 6),
])
def test_auc(pos, neg, expected):
    assert auc(pos, neg) == pytest.approx(expected)


def test_auc_without_one_class_is_nan():
    assert math.isnan(auc([], [0.3])) and math.isnan(auc([0.3], []))


def test_roc_curve_runs_from_origin_to_one_and_matches_auc():
    pos, neg = [0.9, 0.6, 0.3], [0.5, 0.6]
    fpr, tpr = roc_curve(pos, neg)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    area = sum((fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2 for i in range(len(fpr) - 1))
    assert area == pytest.approx(auc(pos, neg))


@pytest.mark.parametrize("values,p,expected", [
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5.5),
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 9.55),
    ([10, 1, 5], 50, 5),  # order does not matter
    ([7], 95, 7),
    ([1, 2], 0, 1),
    ([1, 2], 100, 2),
])
def test_percentile(values, p, expected):
    assert percentile(values, p) == pytest.approx(expected)


def test_percentile_of_nothing_is_nan():
    assert math.isnan(percentile([], 50))


# --- figures from records -----------------------------------------------------------------------------

def _rec(qid, qtype, rank=1, abstained=False, must=True, supported=True, quote=True, support=0.9, docs=None,
         top5=None, answer="antwoord", grounded=(1, 1)):
    answerable = qtype != "unanswerable"
    return {"id": qid, "type": qtype, "question": f"vraag {qid}", "doc": docs or [],
            "rank": rank if answerable else None, "ranks": {"hybrid": rank if answerable else None},
            "top5_docs": top5 or [], "multidoc_all_top5": (set(docs) <= set(top5 or [])) if qtype == "multi-doc"
            else None, "top1_score": 0.03, "top1_scores": {"hybrid": 0.03},
            "answer": answer, "abstained": abstained, "support": support,
            "must": (must and not abstained) if answerable else None,
            "supported": (supported and not abstained) if answerable else None,
            "quote_support": (quote and not abstained) if answerable else None,
            "grounded_sentences": 0 if abstained else grounded[0], "sentences": 0 if abstained else grounded[1],
            "latency_ms": 10.0}


RECORDS = [
    _rec("a", "factoid", rank=1),
    _rec("b", "factoid", rank=4, must=False),
    _rec("c", "list", rank=None, abstained=True, support=0.2),
    _rec("d", "multi-doc", rank=2, docs=["x", "y"], top5=["x", "z", "y"], grounded=(1, 2)),
    _rec("e", "unanswerable", abstained=True, support=0.1),
    _rec("f", "unanswerable", abstained=False, support=0.7),
]


@pytest.mark.parametrize("key,expected", [
    ("hit@1", 1 / 4), ("hit@3", 2 / 4), ("hit@5", 3 / 4), ("hit@10", 3 / 4),
    ("mrr@10", (1 + 1 / 4 + 1 / 2) / 4),
    ("multidoc_all_top5", 1.0),
    ("must", 2 / 4),  # b misses the fact, c abstained: both count as misses
    ("supported", 3 / 4), ("quote_support", 3 / 4),
    ("grounded", 4 / 5),  # pooled over the sentences of every answer given (f's too)
    ("abstain_precision", 1 / 2), ("abstain_recall", 1 / 2), ("false_abstain_rate", 1 / 4),
    ("abstain_rate", 2 / 6),
    ("auc_support", 7 / 8),  # answerable 0.9, 0.9, 0.2, 0.9 against unanswerable 0.1, 0.7
])
def test_figures(key, expected):
    assert figures(RECORDS)[key] == pytest.approx(expected)


def test_figures_of_unanswerable_only_have_no_retrieval_figures():
    f = figures([r for r in RECORDS if r["type"] == "unanswerable"])
    assert f["hit@5"] is None and f["must"] is None and f["abstain_recall"] == 0.5


def test_problems_name_what_went_wrong():
    assert problems(RECORDS[0]) == []
    assert problems(RECORDS[2]) == ["false abstention", "evidence not in top 10"]
    assert problems(RECORDS[5]) == ["answered an unanswerable question"]


# --- baseline diff -------------------------------------------------------------------------------------

def _report(records):
    return {"meta": {"set": "dev", "commit": "abc", "created": "2025-01-01"},
            "figures": {"overall": figures(records), "by_type": {}}, "questions": records}


def test_baseline_diff_per_metric_and_per_question():
    old = _report(RECORDS)
    new_recs = [dict(r) for r in RECORDS]
    new_recs[0] = _rec("a", "factoid", rank=7)  # was hit, now miss
    new_recs[2] = _rec("c", "list", rank=1)  # was abstained, now answered and right
    new_recs[4] = _rec("e", "unanswerable", abstained=False, support=0.6)  # answers an unanswerable one now
    d = diff_reports(old, _report(new_recs))
    assert d["metrics"]["overall"]["hit@1"] == {"baseline": 0.25, "now": 0.25, "delta": 0.0}
    assert d["metrics"]["overall"]["must"]["delta"] == pytest.approx(0.25)
    changed = {q["id"]: {c["what"]: c for c in q["changes"]} for q in d["questions"]}
    assert set(changed) == {"a", "c", "e"}  # b, d and f did not change
    assert (changed["a"]["hit@5"]["was"], changed["a"]["hit@5"]["now"], changed["a"]["hit@5"]["direction"]) == \
        ("hit", "miss", "worse")
    assert changed["c"]["abstention"] == {"what": "abstention", "was": "abstained", "now": "answered",
                                          "direction": "better"}
    assert changed["c"]["must"]["direction"] == "better"
    assert changed["e"]["abstention"]["direction"] == "worse"
    assert d["baseline"]["commit"] == "abc" and d["only_now"] == [] and d["only_in_baseline"] == []


def test_baseline_diff_rank_change_and_new_questions():
    old = _report(RECORDS[:2])
    d = diff_reports(old, _report([_rec("a", "factoid", rank=3), RECORDS[1], RECORDS[2]]))
    assert d["questions"][0]["changes"] == [{"what": "rank", "was": 1, "now": 3, "direction": "worse"}]
    assert d["only_now"] == ["c"]


# --- quality gate -------------------------------------------------------------------------------------

def test_gate_rows():
    rows = {r["threshold"]: r for r in check_gate(figures(RECORDS), {
        "min_hit5": 0.75, "min_must": 0.6, "max_false_abstain": 0.25, "min_abstain_recall": 0.6})}
    assert rows["min_hit5"]["ok"] is True  # equal passes
    assert rows["min_must"]["ok"] is False
    assert rows["max_false_abstain"]["ok"] is True
    assert rows["min_abstain_recall"]["ok"] is False


def test_gate_on_a_figure_not_measured_is_skipped():
    search_only = [{k: v for k, v in r.items() if k not in ("abstained",)} for r in RECORDS]
    assert check_gate(figures(search_only), {"min_must": 0.5})[0]["ok"] is None


@pytest.mark.parametrize("bad", [{"min_hit7": 0.5}, {"min_hit5": 1.5}, {"min_hit5": "hoog"}, {"min_hit5": True}])
def test_bad_thresholds_are_rejected(bad):
    with pytest.raises(ValueError):
        validate_thresholds(bad)


def test_thresholds_file_is_valid_and_gates_the_main_figures():
    th = load_thresholds(ROOT / "evals" / "thresholds.json")
    assert {"min_hit5", "min_must", "min_supported", "min_abstain_recall", "max_false_abstain"} <= set(th)
    assert set(th) <= set(GATES)


# --- eval sets --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,message", [
    ('{"id": "a", "question": "x", "type": "factoid"}\n{kapot\n', ":2: geen geldige JSON"),
    ('{"id": "a", "type": "factoid"}\n', "veld 'question' ontbreekt"),
    ('{"id": "a", "question": "x", "type": "factoid"}\n{"id": "a", "question": "y", "type": "list"}\n',
     "twee keer"),
    ('[1, 2]\n', "geen JSON-object"),
    ('\n\n', "geen vragen"),
])
def test_load_set_rejects_bad_files_with_a_dutch_reason(tmp_path, content, message):
    p = tmp_path / "set.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_set(p)


def test_load_set_reads_the_dev_set():
    qs = load_set(DEV_SET)
    assert len(qs) == 104 and all({"evidence", "must_contain", "doc"} <= set(q) for q in qs)


# --- rag eval end to end (session engine, in process) ------------------------------------------------------

@pytest.fixture(scope="module")
def subset(tmp_path_factory) -> Path:
    lines = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [q for q in lines if q["id"] in SUBSET]
    p = tmp_path_factory.mktemp("set") / "subset.jsonl"
    p.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in chosen), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def first_run(engine, subset, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    args = build_parser().parse_args(["eval", "--set", str(subset), "--out", str(out), "--ablate"])
    rc = run_eval_command(args, engine)
    return rc, out


def test_run_eval_command_writes_report_and_plots(first_run):
    rc, out = first_run
    assert rc == 0
    for name in ("report.json", "report.md", "hit_at_k.png", "per_type.png", "latency.png", "support.png",
                 "roc.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 500, name
    assert (out / "hit_at_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_json_holds_one_outcome_per_question(first_run):
    _, out = first_run
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in rep["questions"]] == list(SUBSET)
    for q in rep["questions"]:
        assert {"id", "type", "question", "rank", "top5_docs", "answer", "abstained", "support", "features",
                "must", "supported", "quote_support", "citations", "latency_ms"} <= set(q)
        for c in q["citations"]:
            assert {"n", "doc_id", "quote", "start", "end"} <= set(c)
    from rag.retrieve import RETRIEVERS

    assert list(rep["retrieval"]) == list(RETRIEVERS)  # --ablate: every retriever the engine offers
    assert set(rep["figures"]["by_type"]) == {"factoid", "list", "explanation", "multi-doc", "english",
                                              "unanswerable"}
    o = rep["figures"]["overall"]
    assert o["n"] == 10 and o["n_unanswerable"] == 3 and 0 <= o["hit@5"] <= 1
    assert rep["abstention"]["support"]["auc"] is not None
    # an extractive answer quotes the letters: every sentence of it is grounded
    assert o["grounded"] is None or o["grounded"] >= 0.95


def test_report_md_reads_as_a_report(first_run):
    _, out = first_run
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Eval report")
    headline = md.index("## Headline")
    for section in ("## Abstention", "## Retrieval ablation", "## Worst questions", "## Plots"):
        assert md.index(section) > headline, section
    assert "| **all** | 10 |" in md and "(roc.png)" in md and "BM25 alone" in md and "hybrid (RRF of BM25 + " in md


def test_gate_failure_exits_3_and_baseline_shows_changes(engine, subset, first_run, tmp_path, capsys):
    """A question whose evidence cannot be found: hit@5 drops below 1, the gate fails, the diff names it."""
    _, old = first_run
    qs = [json.loads(line) for line in subset.read_text(encoding="utf-8").splitlines()]
    qs[0]["evidence"] = ["deze zin staat in geen enkele brief"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in qs), encoding="utf-8")
    out = tmp_path / "report"
    args = build_parser().parse_args(["eval", "--set", str(broken), "--out", str(out), "--search-only",
                                      "--baseline", str(old / "report.json"), "--min-hit5", "1",
                                      "--min-must", "0.5", "--no-plots"])
    assert run_eval_command(args, engine) == 3
    err = capsys.readouterr().err
    assert "hit@5" in err and "min_hit5" in err
    assert "must niet gemeten" in err  # --search-only: the answer gate is skipped, and said so
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [g["ok"] for g in rep["gate"]] == [False, None]
    changed = {q["id"]: q["changes"] for q in rep["diff"]["questions"]}
    assert {"what": "hit@5", "was": "hit", "now": "miss", "direction": "worse"} in changed[qs[0]["id"]]
    assert "Quality gate: **FAILED**" in (out / "report.md").read_text(encoding="utf-8")
    assert not list(out.glob("*.png"))


@pytest.mark.parametrize("args,message", [
    (["--set", "bestaat/niet.jsonl"], "bestaat niet"),
    (["--thresholds", "bestaat/niet.json"], "bestaat niet"),
    (["--min-hit5", "5"], "tussen 0 en 1"),
    (["--baseline", "evals/dev.jsonl"], "geen geldige JSON"),
    (["--mode", "llm"], "niet beschikbaar"),
])
def test_rag_eval_bad_input_exits_2_before_loading_the_model(args, message, tmp_path):
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "geen-index")}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--out", str(tmp_path / "r"), *args], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and r.stdout == ""
    assert not (tmp_path / "geen-index").exists()  # failed before an index was built
