"""Where held-out answers lose their key facts: retrieval, ranking, selection or abstention, by question type.

    .venv/bin/python benchmarks/where_lost.py [--cache FILE] [--json OUT]

The answerer is fitted leave one author out on the question bank (the sets of
``benchmarks/train_answerer.py``), with the shipped selection parameters; each held-out answerable
question (not one about a letter's own date, signer or kenmerk) then lands in one place:

- ``right``: the answer holds the key facts;
- ``abstained``: a false abstention;
- ``not retrieved``: no candidate sentence of the retrieved passages holds the key facts;
- ``not chosen (rank r)``: a sentence holding the evidence is a candidate, ranked r-th (5 = 5th or lower,
  0-based), but selection did not quote it;
- ``chosen, fact missing``: an evidence sentence is quoted, yet a key fact is not in the answer (mostly the
  second letter of a multi-letter question).

This says which step to work on; it is what the closing notes of the answerer issue cite.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_answerer import DEFAULT_SETS, bank_items  # noqa: E402

from rag import learn  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.evaluate import must_ok  # noqa: E402
from rag.ranker import score, select  # noqa: E402


def place(item: learn.Item, outcome: learn.Outcome, model, ctx) -> str:
    if outcome.must:
        return "right"
    if outcome.abstained:
        return "abstained"
    cands = learn._candidates(item, ctx)
    score(cands, model)
    if not must_ok(" ".join(ctx.sentences[c.idx].text for c in cands), item.q["must_contain"]):
        return "not retrieved"
    evidence = item.q["evidence"]
    order = sorted(cands, key=lambda c: -c.p)
    rank = next((r for r, c in enumerate(order) if learn.sentence_label(ctx.sentences[c.idx].text, evidence)), None)
    if rank is None:
        return "not retrieved"
    chosen = select(item.question, cands, ctx, model.select)
    if any(learn.sentence_label(ctx.sentences[c.idx].text, evidence) for c in chosen):
        return "chosen, fact missing"
    return f"not chosen (rank {min(rank, 5)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, help="retrieved questions kept by train_answerer.py --cache")
    ap.add_argument("--max-false", type=float, default=0.035)
    ap.add_argument("--json", type=Path, help="write the counts here")
    args = ap.parse_args()

    engine = Engine(Settings())
    engine.load()
    if engine.model is None:
        raise SystemExit("rag/answerer.json is missing or stale: run benchmarks/train_answerer.py first")
    ctx = engine.context()
    _, items = bank_items(engine, DEFAULT_SETS, args.cache)
    cv = learn.CrossValidation(items, ctx)
    params = engine.model.select
    outs, threshold = cv.run(params, args.max_false)
    models = {g: replace(learn.fit([it for it in items if it.group != g], ctx, params, ranker=cv.rankers[g],
                                   answers=cv.answers[g]), threshold=threshold) for g in cv.groups}
    by_key = {(o.group, o.id): o for o in outs}
    counts: dict[str, Counter] = defaultdict(Counter)
    for it in items:
        if not it.answerable or it.question.facts:
            continue
        where = place(it, by_key[(it.group, it.q["id"])], models[it.group], ctx)
        counts["all"][where] += 1
        counts[it.q["type"]][where] += 1
    places = sorted(counts["all"], key=lambda k: (k != "right", -counts["all"][k]))
    print(f"held out over {len(cv.groups)} authors, {sum(counts['all'].values())} answerable questions "
          f"(threshold {threshold:.3f}):")
    print(f"{'type':12s}" + "".join(f"{p:>22s}" for p in places))
    for t in ["all", *sorted(k for k in counts if k != "all")]:
        print(f"{t:12s}" + "".join(f"{counts[t][p]:>22d}" for p in places))
    if args.json:
        args.json.write_text(json.dumps({t: dict(c) for t, c in counts.items()}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
