#!/usr/bin/env python3
"""CPU an idle `rag serve` uses with no request coming in: the cost of its background loops.

    python benchmarks/idle_cpu.py [--seconds 60] [--index DIR] [--no-ui]

Starts `rag serve` (API and chat UI, as a user runs it) on a free loopback port, waits until /readyz says
ready, lets it settle, then reads the process's CPU time (user + system, all threads, from /proc, so Linux
only) over --seconds with no request sent, and prints it as a percentage of one core. Per thread, too: the
main thread is the event loop.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _common import ROOT, free_port, save

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> dict[str, int]:
    """CPU ticks (user + system) of every thread of ``pid``, by thread name and id."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            name = (task / "comm").read_text().strip()
        except OSError:  # a thread that ended meanwhile
            continue
        out[f"{name}[{task.name}]"] = int(fields[11]) + int(fields[12])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--settle", type=float, default=10, help="seconds after ready before measuring")
    ap.add_argument("--index", help="index folder (default RAG_INDEX_DIR or index/)")
    ap.add_argument("--no-ui", action="store_true", help="serve the API only (RAG_UI=false)")
    ap.add_argument("--out", help="JSON figures (default benchmarks/results/idle_cpu.json)")
    a = ap.parse_args()
    env = {**os.environ, "RAG_ACCESS_LOG": "false"}
    if a.index:
        env["RAG_INDEX_DIR"] = a.index
    if a.no_ui:
        env["RAG_UI"] = "false"
    port = free_port()
    rag = Path(sys.executable).with_name("rag")
    proc = subprocess.Popen([str(rag), "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit(f"rag serve stopped with exit status {proc.returncode}")
            time.sleep(0.5)
        else:
            raise SystemExit("rag serve did not become ready within 600 s")
        time.sleep(a.settle)
        before = cpu_ticks(proc.pid)
        time.sleep(a.seconds)
        after = cpu_ticks(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    per_thread = {t: round((after[t] - before.get(t, 0)) / TICKS / a.seconds * 100, 2) for t in after
                  if after[t] - before.get(t, 0) > 0}
    total = round(sum(after.values()) - sum(before.get(t, 0) for t in after), 2) / TICKS / a.seconds * 100
    print(f"idle `rag serve`{' (API only)' if a.no_ui else ' (API and UI)'}: {total:.2f}% of one core over "
          f"{a.seconds:.0f} s; busiest threads: "
          + (", ".join(f"{t} {v}%" for t, v in sorted(per_thread.items(), key=lambda x: -x[1])[:3]) or "none"))
    save("idle_cpu", {"seconds": a.seconds, "ui": not a.no_ui, "cpu_percent_of_core": round(total, 2),
                      "per_thread_percent": per_thread}, a.out)


if __name__ == "__main__":
    main()
