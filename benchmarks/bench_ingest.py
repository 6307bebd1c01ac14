#!/usr/bin/env python3
"""Ingest time of the corpus into a fresh temporary index: cold (everything new), then again with no change.

    python benchmarks/bench_ingest.py [--corpus corpus] [--repeat 3]

Loading the embedding model (and its first call) is timed on its own and not part of either figure. "Cold" is a
fresh, empty index folder (embedding every passage and sentence); "no change" runs the same
ingest again, which must skip every letter. With --repeat N each figure is the median of N
fresh temporary indexes. Writes benchmarks/results/bench_ingest.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import ROOT, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", help="where to write the JSON figures (default benchmarks/results/bench_ingest.json)")
    a = ap.parse_args()
    from rag.config import Settings
    from rag.embed import load_embedder
    from rag.engine import Engine

    base = Settings()
    t0 = time.perf_counter()
    embedder = load_embedder(base.embed_model, base.embed_query_prefix, base.embed_passage_prefix)
    embedder.embed_passages(["warm-up"])  # first call of the native model: not part of ingest
    model_s = time.perf_counter() - t0
    cold, again, lines = [], [], []
    for _ in range(a.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
            engine = Engine(Settings(index_dir=Path(tmp), corpus_dir=Path(a.corpus), ui=False), embedder=embedder)
            t0 = time.perf_counter()
            first = engine.ingest([Path(a.corpus)], progress=False)
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            second = engine.ingest([Path(a.corpus)], progress=False)
            again.append(time.perf_counter() - t0)
            lines.append((first.line(), second.line()))
            if second.to_json().get("added") or second.to_json().get("updated"):
                raise SystemExit(f"the second ingest changed something: {second.line()}")
    res = {"corpus": a.corpus, "repeat": a.repeat, "model_load_s": round(model_s, 2),
           "cold_s": round(statistics.median(cold), 2), "no_change_s": round(statistics.median(again), 3),
           "cold_runs_s": [round(x, 2) for x in cold], "no_change_runs_s": [round(x, 3) for x in again],
           "cold_summary": lines[-1][0], "no_change_summary": lines[-1][1]}
    print(f"model load and first embedding {model_s:.2f} s (not counted)")
    print(f"cold ingest      {res['cold_s']:.2f} s   ({lines[-1][0]})")
    print(f"no-change ingest {res['no_change_s']:.3f} s   ({lines[-1][1]})")
    save("bench_ingest", res, a.out)


if __name__ == "__main__":
    main()
