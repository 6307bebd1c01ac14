#!/usr/bin/env python3
"""N concurrent clients mixing answers and searches against a server on loopback; /healthz timed alongside.

    python benchmarks/bench_load.py                          # starts `rag serve` in its own process
    python benchmarks/bench_load.py http://127.0.0.1:8000    # against a running server (loopback only)
    python benchmarks/bench_load.py --clients 20 --requests 2000 --seconds 60 --search-share 0.5

Each client is a thread with its own keep-alive connection that sends the dev set's questions in turn,
as `POST /v1/answer` or (a --search-share of them) `POST /v1/search`, until --requests have been sent by
all clients together or --seconds have passed, whichever comes first. Meanwhile one more client asks
`GET /healthz` every --health-interval seconds: a liveness probe must stay fast under load. --warmup
requests go first and are not counted. Prints requests/s, p50/p95/p99 and errors (any status but 200,
or no response) per route, and writes them to benchmarks/results/bench_load.json.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time
from collections import defaultdict
from urllib.parse import urlsplit

import httpx
from _common import percentile, questions, rag_serve, save

ROUTES = {"answer": "/v1/answer", "search": "/v1/search"}


def summary(lat: list[float], errors: int, wall: float) -> dict:
    return {"requests": len(lat) + errors, "errors": errors, "requests_per_s": round((len(lat) + errors) / wall, 2),
            "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1) if lat else None}


def run(base: str, a: argparse.Namespace, qs: list[dict]) -> dict:
    share = max(0.0, min(1.0, a.search_share))
    every = round(1 / share) if share else 0  # every n-th request is a search
    jobs = itertools.count()
    lock = threading.Lock()
    lat: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    examples: list[str] = []
    stop = threading.Event()
    deadline = float("inf")  # set once the warm-up is done

    def client() -> None:
        with httpx.Client(base_url=base, timeout=a.timeout) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                with lock:
                    i = next(jobs)
                if i >= a.requests:
                    return
                kind = "search" if every and i % every == every - 1 else "answer"
                q = qs[i % len(qs)]["question"]
                body = {"query": q} if kind == "search" else {"question": q}
                t0 = time.perf_counter()
                try:
                    r = http.post(ROUTES[kind], json=body)
                    ok, why = r.status_code == 200, f"{r.status_code} {r.text[:120]}"
                except httpx.HTTPError as e:
                    ok, why = False, repr(e)
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        lat[kind].append(ms)
                    else:
                        errors[kind] += 1
                        if len(examples) < 5:
                            examples.append(f"{kind}: {why}")

    def health() -> None:
        with httpx.Client(base_url=base, timeout=a.timeout) as http:
            while not stop.wait(a.health_interval):
                t0 = time.perf_counter()
                try:
                    ok = http.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        lat["healthz"].append(ms)
                    else:
                        errors["healthz"] += 1

    with httpx.Client(base_url=base, timeout=a.timeout) as http:
        for i in range(a.warmup):
            http.post("/v1/answer", json={"question": qs[i % len(qs)]["question"]}).raise_for_status()
    prober = threading.Thread(target=health, daemon=True)
    clients = [threading.Thread(target=client, daemon=True) for _ in range(a.clients)]
    t0 = time.perf_counter()
    deadline = time.monotonic() + a.seconds
    prober.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    wall = time.perf_counter() - t0
    stop.set()
    prober.join()
    work = [x for k in ROUTES for x in lat[k]]
    return {"clients": a.clients, "wall_s": round(wall, 2), "search_share": share,
            "all": summary(work, sum(errors[k] for k in ROUTES), wall),
            **{k: summary(lat[k], errors[k], wall) for k in ROUTES},
            "healthz": summary(lat["healthz"], errors["healthz"], wall), "error_examples": examples}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base_url", nargs="?", help="a running server on loopback; default: start `rag serve`")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=2000, help="stop after this many requests in all")
    ap.add_argument("--seconds", type=float, default=60, help="stop after this long, whatever the count")
    ap.add_argument("--search-share", type=float, default=0.5, help="share of the requests that are searches")
    ap.add_argument("--health-interval", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--set", help="question set (default evals/dev.jsonl)")
    ap.add_argument("--index", help="index for the started server (default RAG_INDEX_DIR or index/)")
    ap.add_argument("--no-ui", action="store_true", help="start the server without the chat UI")
    ap.add_argument("--out", help="JSON figures (default benchmarks/results/bench_load.json)")
    a = ap.parse_args()
    if a.base_url and urlsplit(a.base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench_load.py only drives a server on loopback")
    qs = questions(a.set)
    if a.base_url:
        res = run(a.base_url.rstrip("/"), a, qs)
    else:
        with rag_serve(a.index, ui=not a.no_ui) as (base, _):
            res = run(base, a, qs)
    print(f"{a.clients} clients, {res['wall_s']} s, {res['all']['requests']} requests "
          f"({a.search_share:.0%} searches), server: {a.base_url or '`rag serve` started for this run'}")
    for k in ("all", *ROUTES, "healthz"):
        f = res[k]
        print(f"  {k:8} {f['requests']:5} requests  {f['requests_per_s']:7.1f}/s  p50 {f['p50_ms']:7.1f} ms  "
              f"p95 {f['p95_ms']:7.1f} ms  p99 {f['p99_ms']:7.1f} ms  errors {f['errors']}")
    for e in res["error_examples"]:
        print(f"  error: {e}")
    save("bench_load", {"server": a.base_url or "rag serve (own process)", "requests_cap": a.requests,
                        "seconds_cap": a.seconds, "warmup": a.warmup, **res}, a.out)


if __name__ == "__main__":
    main()
