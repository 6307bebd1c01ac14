"""Fit the abstention (support) model on a question set and say how well it separates.

    .venv/bin/python benchmarks/calibrate_abstention.py [--set evals/dev.jsonl ...] [--index DIR]

Runs every question through the engine without abstaining, collects the support
features of the answer it would give, fits a logistic regression (L2, plain numpy)
of "answerable" on them, and prints:
- the fitted weights, to paste into ``SUPPORT_WEIGHTS`` in rag/answer.py;
- the AUC of the fitted support score in-sample and under leave-one-out (the honest
  figure), of the current weights, and of the plain top-1 retrieval score;
- abstention recall / false abstentions per threshold, and the threshold that keeps
  false abstentions at or below --max-false-rate while abstaining most.
Questions about a letter itself (date, signer, kenmerk) bypass the model and are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer import SUPPORT_WEIGHTS, support_score  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.evaluate import auc, load_set  # noqa: E402

FEATURES = [k for k in SUPPORT_WEIGHTS if k != "bias"]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 5000, lr: float = 0.1) -> np.ndarray:
    """Weights (bias first) minimising log loss + l2/2 |w|^2 (bias not penalised), by gradient descent."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) / len(y)
        grad[1:] += l2 * w[1:] / len(y)
        w -= lr * grad
    return w


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", action="append", help="question set(s) to fit on (default: evals/dev.jsonl)")
    ap.add_argument("--index", default=None)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--max-false-rate", type=float, default=0.04)
    args = ap.parse_args()

    settings = Settings(**({"index_dir": Path(args.index)} if args.index else {}))
    engine = Engine(settings)
    engine.load()
    rows, labels, top1, ids = [], [], [], []
    questions = [q for path in (args.set or ["evals/dev.jsonl"]) for q in load_set(path)]
    for q in questions:
        ans = engine.answer(q["question"], threshold=-1.0)
        if "letter_fact" in ans.features:
            continue
        rows.append([ans.features[f] for f in FEATURES])
        labels.append(1.0 if q["type"] != "unanswerable" else 0.0)
        hits = engine.search(q["question"], 1)
        top1.append(hits[0].score if hits else 0.0)
        ids.append(q["id"])
    x, y = np.array(rows), np.array(labels)

    w = fit_logistic(x, y, args.l2)
    fitted = {"bias": round(float(w[0]), 2), **{f: round(float(v), 2) for f, v in zip(FEATURES, w[1:], strict=True)}}
    score = 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))
    loo = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        wi = fit_logistic(x[keep], y[keep], args.l2, steps=2000)
        loo[i] = 1 / (1 + np.exp(-(wi[0] + x[i] @ wi[1:])))
    current = np.array([support_score(dict(zip(FEATURES, r, strict=True))) for r in rows])

    def split(s):
        return [v for v, t in zip(s, y, strict=True) if t == 1], [v for v, t in zip(s, y, strict=True) if t == 0]

    print(f"questions: {len(y)} ({int(y.sum())} answerable, {int(len(y) - y.sum())} unanswerable)")
    print("fitted weights:", json.dumps(fitted))
    for name, s in (("fitted (in-sample)", score), ("fitted (leave-one-out)", loo), ("current weights", current),
                    ("top-1 retrieval score", np.array(top1))):
        print(f"AUC {name:24s} {auc(*split(s)):.3f}")

    print("\nthreshold  abstain(unanswerable)  false abstain(answerable)   [leave-one-out scores]")
    best = None
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    for t in np.arange(0.05, 0.96, 0.05):
        abst = int(((loo < t) & (y == 0)).sum())
        false = int(((loo < t) & (y == 1)).sum())
        print(f"  {t:.2f}     {abst:3d}/{n_neg}                  {false:3d}/{n_pos}")
        if false <= args.max_false_rate * n_pos and (best is None or abst > best[1]):
            best = (round(float(t), 2), abst, false)
    if best:
        print(f"\nsuggested threshold {best[0]}: abstains on {best[1]}/{n_neg} unanswerable, "
              f"{best[2]}/{n_pos} answerable (leave-one-out)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
