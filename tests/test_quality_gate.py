"""Quality gate: the blind set (evals/blind/g.jsonl) through the session engine must meet evals/thresholds.json.

The blind set was written after the learned answerer by an author who saw only the letters, and it is
never fitted on (benchmarks/train_answerer.py reads the bank, not evals/blind/), so the gate measures
what a user's unseen question gets, not what the answerer was tuned on.

The same figures `rag eval --thresholds evals/thresholds.json` gates on (rag.evaluate.evaluate, in
process, sharing the session's index and model). One test per threshold, so a failure names the
figure; the figures are printed (`pytest -s` or on failure). Raise the thresholds as the answerer
improves (evals/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.evaluate import GATES, check_gate, evaluate, load_set, load_thresholds, summary_line

ROOT = Path(__file__).resolve().parents[1]
BLIND_SET = ROOT / "evals" / "blind" / "g.jsonl"
THRESHOLDS = load_thresholds(ROOT / "evals" / "thresholds.json")


@pytest.fixture(scope="module")
def blind_figures(engine) -> dict:
    report = evaluate(engine, load_set(BLIND_SET), progress=False, set_name=str(BLIND_SET))
    figs = report["figures"]["overall"]
    print(f"\nblind set ({figs['n']} questions): {summary_line(figs)}")
    for t, f in report["figures"]["by_type"].items():
        print(f"  {t:12} {summary_line(f)}")
    return figs


@pytest.mark.parametrize("key", list(THRESHOLDS))
def test_blind_set_meets_threshold(blind_figures, key):
    row = check_gate(blind_figures, {key: THRESHOLDS[key]})[0]
    figure, op = GATES[key]
    assert row["ok"] is True, (f"{figure} = {row['value']} but evals/thresholds.json wants {op} {row['limit']} "
                               f"({key}); all figures: {summary_line(blind_figures)}")
