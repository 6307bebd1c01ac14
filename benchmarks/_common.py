"""Shared pieces of the benchmark scripts: the real app on a free port, timing, and where results go.

Not a test helper: every script uses the real embedding model and a real index.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DEV_SET = ROOT / "evals" / "dev.jsonl"

from rag.evaluate import load_set, percentile  # noqa: E402  (after ROOT, so the script can run from anywhere)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(base_url: str | None, index: str | None = None) -> Iterator[str]:
    """``base_url`` as given, or the real app (API, no UI) started in this process with uvicorn on a free port.

    The index is ``--index``/RAG_INDEX_DIR (built from corpus/ first when missing, as ``rag serve`` does).
    """
    if base_url:
        yield base_url.rstrip("/")
        return
    import httpx
    import uvicorn

    from rag.api import create_app
    from rag.config import Settings
    from rag.engine import Engine

    overrides = {"ui": False}
    if index:
        overrides["index_dir"] = Path(index)
    settings = Settings(**overrides)
    t0 = time.perf_counter()
    engine = Engine(settings)
    built = engine.ensure_index(progress=False)
    print(f"# engine and index ready in {time.perf_counter() - t0:.1f} s (what loads lazily loads during warm-up)"
          + (f" (index built: {built.line()})" if built else ""), file=sys.stderr)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if server.started and httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        raise SystemExit("the app did not become ready within 120 s")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def rag_serve(index: str | None = None, ui: bool = True, ready_within_s: float = 600) -> Iterator[tuple[str, int]]:
    """`rag serve` as a user runs it, in its own process on a free loopback port: yields (base URL, pid) once
    /readyz says ready; stops it afterwards. Its request log is off (RAG_ACCESS_LOG=false)."""
    import subprocess

    import httpx

    env = {**os.environ, "RAG_ACCESS_LOG": "false", "RAG_UI": "true" if ui else "false"}
    if index:
        env["RAG_INDEX_DIR"] = index
    port = free_port()
    rag = Path(sys.executable).with_name("rag")
    proc = subprocess.Popen([str(rag), "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_within_s
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"rag serve stopped with exit status {proc.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"rag serve did not become ready within {ready_within_s:.0f} s")
            time.sleep(0.5)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def time_requests(call: Callable[[dict], float], payloads: Sequence[dict], concurrency: int = 1
                  ) -> tuple[list[float], float]:
    """Latency (ms) of every call and the wall time (s) of all of them."""
    t0 = time.perf_counter()
    if concurrency <= 1:
        lat = [call(p) for p in payloads]
    else:
        with ThreadPoolExecutor(concurrency) as ex:
            lat = list(ex.map(call, payloads))
    return lat, time.perf_counter() - t0


def http_timer(client, path: str) -> Callable[[dict], float]:
    def call(payload: dict) -> float:
        t0 = time.perf_counter()
        r = client.post(path, json=payload)
        ms = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise SystemExit(f"{path} -> {r.status_code}: {r.text[:200]}")
        return ms

    return call


def latency_summary(lat: list[float], wall: float) -> dict:
    return {"requests": len(lat), "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "mean_ms": round(statistics.fmean(lat), 1), "max_ms": round(max(lat), 1),
            "requests_per_s": round(len(lat) / wall, 2), "wall_s": round(wall, 2)}


def loadavg() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


LOAD_AT_START = loadavg()


def machine() -> dict:
    """Where the figures were taken; the load averages say whether other work shared the CPUs."""
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "loadavg_1m_start": LOAD_AT_START, "loadavg_1m_end": loadavg()}


def save(name: str, result: dict, out: str | None) -> Path:
    """Write the figures as JSON (default benchmarks/results/<name>.json) and say where."""
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    result = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": machine(), **result}
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    m = result["machine"]
    print(f"# {m['cpus']} CPUs, load average {m['loadavg_1m_start']} at the start, {m['loadavg_1m_end']} at the "
          f"end; written to {path}", file=sys.stderr)
    # the end figure includes the benchmark's own work; the start figure is what others were doing
    if m["cpus"] and (m["loadavg_1m_start"] or 0) > 0.5 * m["cpus"]:
        print("# WARNING: other work was using the CPUs; these timings are not the system's own", file=sys.stderr)
    return path


def questions(path: str | None) -> list[dict]:
    return load_set(path or DEV_SET)
