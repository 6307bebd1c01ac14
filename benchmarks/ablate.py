#!/usr/bin/env python3
"""Retrieval ablation: hit@1/3/5/10, MRR@10 and search latency for every retriever in rag.retrieve.RETRIEVERS.

    python benchmarks/ablate.py [--set evals/dev.jsonl] [--index DIR] [--markdown]

The same measurement as `rag eval --ablate` (rag.evaluate.evaluate, search only), through the same
Engine; prints the table (plain or Markdown) and writes benchmarks/results/ablate.json. A retriever
added to RETRIEVERS (a reranker, say) shows up here without a change to this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import DEV_SET, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default=str(DEV_SET))
    ap.add_argument("--index", help="index folder (default RAG_INDEX_DIR or index/; built when missing)")
    ap.add_argument("--markdown", action="store_true", help="print the Markdown table of report.md")
    ap.add_argument("--out", help="where to write the JSON figures (default benchmarks/results/ablate.json)")
    a = ap.parse_args()
    from rag.config import Settings
    from rag.engine import Engine
    from rag.evaluate import _fmt, evaluate, load_set
    from rag.report import _label, retrieval_table
    from rag.retrieve import RETRIEVERS

    qs = load_set(a.set)
    engine = Engine(Settings(**({"index_dir": Path(a.index)} if a.index else {})))
    engine.ensure_index(progress=False)
    for q in qs[:3]:  # warm-up, not counted in the latencies
        engine.search(q["question"], 10)
    report = evaluate(engine, qs, retrievers=list(RETRIEVERS), search_only=True, set_name=a.set, ablate=True)
    n = report["figures"]["overall"]["n_answerable"]
    print(f"retrieval ablation on {a.set}: {n} answerable questions, k <= 10", file=sys.stderr)
    if a.markdown:
        print(retrieval_table(report))
    else:
        head = f"{'retriever':42} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'hit@10':>6} {'MRR@10':>7} {'p50 ms':>7}"
        print(head)
        for name, f in report["retrieval"].items():
            mark = "*" if name == report["meta"]["retriever"] else ""
            print(f"{_label(name, f['components']) + mark:42} {_fmt(f['hit@1']):>6} {_fmt(f['hit@3']):>6} "
                  f"{_fmt(f['hit@5']):>6} "
                  f"{_fmt(f['hit@10']):>6} {_fmt(f['mrr@10']):>7} {_fmt(f['search_p50_ms'], 1):>7}")
        print("* the retriever search and answers use (RAG_RETRIEVAL)")
    save("ablate", {"set": a.set, "answerable": n,
                    "retrievers": {k: {m: v for m, v in f.items() if m != "by_type"}
                                   for k, f in report["retrieval"].items()}}, a.out)


if __name__ == "__main__":
    main()
