#!/usr/bin/env python3
"""Latency of POST /v1/answer over the dev set: real HTTP requests to the real app with the real model.

    python benchmarks/bench_answer.py                      # starts the app in this process (uvicorn, free port)
    python benchmarks/bench_answer.py http://127.0.0.1:8000   # against a running `rag serve`

Warm-up requests (first questions of the set, --warmup) are sent first and not counted. Then every question
is asked --rounds times, --concurrency at a time; prints p50/p95/mean latency and requests/s and writes
them to benchmarks/results/bench_answer.json. In-process, client and server share one Python process (and
its GIL): a separate `rag serve` gives the server-side figure without the client's share.
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
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--mode", default=None)
    ap.add_argument("--out", help="where to write the JSON figures (default benchmarks/results/bench_answer.json)")
    a = ap.parse_args()
    qs = questions(a.set)
    payloads = [{"question": q["question"], **({"mode": a.mode} if a.mode else {})} for q in qs]
    with served(a.base_url, a.index) as base, httpx.Client(base_url=base, timeout=120) as client:
        call = http_timer(client, "/v1/answer")
        for p in payloads[:a.warmup]:
            call(p)
        lat, wall = time_requests(call, payloads * a.rounds, a.concurrency)
    res = latency_summary(lat, wall)
    print(f"POST /v1/answer, {len(qs)} questions x {a.rounds} round(s), concurrency {a.concurrency}, "
          f"{a.warmup} warm-up requests not counted ({'in-process app' if not a.base_url else a.base_url}):")
    print(f"  p50 {res['p50_ms']:.1f} ms  p95 {res['p95_ms']:.1f} ms  mean {res['mean_ms']:.1f} ms  "
          f"max {res['max_ms']:.1f} ms  {res['requests_per_s']:.1f} requests/s")
    save("bench_answer", {"route": "POST /v1/answer", "server": a.base_url or "in-process", "set": a.set or "dev",
                          "rounds": a.rounds, "concurrency": a.concurrency, "warmup": a.warmup, **res}, a.out)


if __name__ == "__main__":
    main()
