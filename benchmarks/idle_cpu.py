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
import time
from pathlib import Path

from _common import rag_serve, save

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
    with rag_serve(a.index, ui=not a.no_ui) as (_, pid):
        time.sleep(a.settle)
        before = cpu_ticks(pid)
        time.sleep(a.seconds)
        after = cpu_ticks(pid)
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
