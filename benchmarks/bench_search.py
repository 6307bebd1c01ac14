#!/usr/bin/env python3
"""Latency of POST /v1/search over the dev set's questions: real HTTP requests to the real app and model.

    python benchmarks/bench_search.py                      # starts the app in this process (uvicorn, free port)
    python benchmarks/bench_search.py http://127.0.0.1:8000   # against a running `rag serve`

Warm-up requests (--warmup) are not counted; every question is searched --rounds times with top_k
--top-k; prints p50/p95/mean and requests/s and writes benchmarks/results/bench_search.json.
"""

from __future__ import annotations

import argparse

import httpx
from _common import http_timer, latency_summary, questions, save, served, time_requests


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base_url", nargs="?", help="a running server; default: start the app in-process")
    ap.add_argument("--set", help="question set (default evals/dev.jsonl)")
    ap.add_argument("--index", help="index folder for the in-process app (default RAG_INDEX_DIR or index/)")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--out", help="where to write the JSON figures (default benchmarks/results/bench_search.json)")
    a = ap.parse_args()
    payloads = [{"query": q["question"], "top_k": a.top_k} for q in questions(a.set)]
    with served(a.base_url, a.index) as base, httpx.Client(base_url=base, timeout=60) as client:
        call = http_timer(client, "/v1/search")
        for p in payloads[:a.warmup]:
            call(p)
        lat, wall = time_requests(call, payloads * a.rounds, a.concurrency)
    res = latency_summary(lat, wall)
    print(f"POST /v1/search (top_k {a.top_k}), {len(payloads)} queries x {a.rounds} round(s), concurrency "
          f"{a.concurrency}, {a.warmup} warm-up requests not counted "
          f"({'in-process app' if not a.base_url else a.base_url}):")
    print(f"  p50 {res['p50_ms']:.1f} ms  p95 {res['p95_ms']:.1f} ms  mean {res['mean_ms']:.1f} ms  "
          f"max {res['max_ms']:.1f} ms  {res['requests_per_s']:.1f} requests/s")
    save("bench_search", {"route": "POST /v1/search", "server": a.base_url or "in-process", "top_k": a.top_k,
                          "rounds": a.rounds, "concurrency": a.concurrency, "warmup": a.warmup, **res}, a.out)


if __name__ == "__main__":
    main()
