#!/usr/bin/env python3
"""First-sentence and total latency of streamed answers, extractive and llm mode, through the real API.

    python benchmarks/bench_llm.py --llm-url http://127.0.0.1:8081/v1 [--set evals/blind/h.jsonl] [--n 12]

Starts the real app in this process (API only, uvicorn on a free port) with RAG_LLM_BASE_URL set to
``--llm-url`` (a ``rag llm serve``), then streams ``POST /v1/chat/completions`` for the first ``--n``
answerable questions of the set in each mode: the time to the first content chunk is what a user waits
before text appears, the total is until ``data: [DONE]``. One warm-up question per mode is not counted
(it fills llama.cpp's prompt cache with the fixed instruction). Writes benchmarks/results/bench_llm.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import httpx
from _common import percentile, questions, save, served


def stream(client: httpx.Client, question: str, mode: str) -> tuple[float | None, float, dict]:
    t0 = time.perf_counter()
    first = None
    last: dict = {}
    body = {"model": mode, "stream": True, "messages": [{"role": "user", "content": question}]}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content") and first is None:
                first = time.perf_counter() - t0
            last = chunk
    return first, time.perf_counter() - t0, last


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llm-url", required=True, help="OpenAI-compatible server, e.g. http://127.0.0.1:8081/v1")
    ap.add_argument("--label", default=None, help="name of the model behind it, for the results")
    ap.add_argument("--set", help="question set (default evals/dev.jsonl)")
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--index", help="index folder (default RAG_INDEX_DIR or index/)")
    ap.add_argument("--out")
    a = ap.parse_args()
    os.environ["RAG_LLM_BASE_URL"] = a.llm_url
    os.environ.setdefault("RAG_LLM_TIMEOUT_S", "180")
    qs = [q for q in questions(a.set) if q["type"] != "unanswerable"][: a.n + 1]
    out: dict = {"llm_url": a.llm_url, "model": a.label, "set": a.set or "dev", "questions": len(qs) - 1}
    with served(None, a.index) as base, httpx.Client(base_url=base, timeout=300) as client:
        for mode in ("extractive", "llm"):
            stream(client, qs[0]["question"], mode)  # warm-up, not counted
            firsts, totals, modes = [], [], []
            for q in qs[1:]:
                first, total, last = stream(client, q["question"], mode)
                firsts.append((first if first is not None else total) * 1000)
                totals.append(total * 1000)
                modes.append(last.get("answer_mode"))
            out[mode] = {"first_p50_ms": statistics.median(firsts), "first_p95_ms": percentile(firsts, 95),
                         "total_p50_ms": statistics.median(totals), "total_p95_ms": percentile(totals, 95),
                         "answered_by": {m: modes.count(m) for m in set(modes)}}
            f = out[mode]
            print(f"{mode:10s} first text p50 {f['first_p50_ms']:.0f} ms (p95 {f['first_p95_ms']:.0f}), "
                  f"total p50 {f['total_p50_ms']:.0f} ms (p95 {f['total_p95_ms']:.0f}); answered by {f['answered_by']}")
    save("bench_llm", out, a.out)


if __name__ == "__main__":
    main()
