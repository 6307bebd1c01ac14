#!/usr/bin/env python3
"""`rag ingest` from a second process while `rag serve` answers: requests, failures, seconds until served.

    python benchmarks/bench_ingest_beside_serve.py [--clients 4] [--after 3]

Copies corpus/ to a temporary folder, builds an index there with `rag ingest`, starts `rag serve` on it
(its own process), and keeps --clients clients asking /v1/answer and /v1/search. Then one letter is
changed and a new letter (a Kamerstuk-like PDF) is added, and `rag ingest` runs from another process.
Counted: every response by status, dropped connections, and the seconds from the end of that ingest
until the server serves both the changed and the new letter. Writes benchmarks/results/bench_ingest_beside_serve.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from _common import ROOT, free_port, save

sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--after", type=float, default=3.0, help="seconds the clients go on after the switch")
    a = ap.parse_args()
    from rag.clean import clean
    from tests.documents import extra_letter, kamerstuk_pdf

    tmp = Path(tempfile.mkdtemp(prefix="rag-beside-"))
    corpus, index = tmp / "corpus", tmp / "index"
    shutil.copytree(ROOT / "corpus", corpus)
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "PYTHONPATH": str(ROOT)}
    rag = [sys.executable, "-m", "rag.cli"]
    subprocess.run([*rag, "ingest", str(corpus)], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([*rag, "serve", "--port", str(port)], env={**env, "RAG_UI": "false"}, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        statuses: Counter = Counter()
        errors: list[str] = []
        stop = threading.Event()

        def client(k: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as c:
                while not stop.is_set():
                    try:
                        if k % 2:
                            r = c.post("/v1/answer", json={"question": "Hoeveel tappunten zijn er in Zeeland?"})
                        else:
                            r = c.post("/v1/search", json={"query": "drinkwater Zeeland tappunten"})
                        statuses[r.status_code] += 1
                    except httpx.HTTPError as e:
                        errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        letter = corpus / "000_3289456b47e41371.txt"
        letter.write_text(letter.read_text(encoding="utf-8") + "\n\nNaschrift: zeventien extra waterzakken.\n",
                          encoding="utf-8")
        filler = (corpus / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8")
        (corpus / "proef-drinkwater-zeeland.pdf").write_bytes(kamerstuk_pdf(clean(extra_letter(filler)))[0])
        t0 = time.monotonic()
        out = subprocess.run([*rag, "ingest", str(corpus)], env=env, cwd=ROOT, capture_output=True, text=True)
        ingest_s = time.monotonic() - t0
        done = time.monotonic()
        served = None
        with httpx.Client(base_url=base, timeout=60) as c:
            while time.monotonic() - done < 60:
                ids = {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}
                text = c.get("/v1/documents/000_3289456b47e41371").json()["text"]
                if "proef-drinkwater-zeeland" in ids and "zeventien extra waterzakken" in text:
                    served = time.monotonic() - done
                    break
                time.sleep(0.05)
        time.sleep(a.after)
        stop.set()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(statuses.values())
    failures = sum(n for code, n in statuses.items() if code >= 500) + len(errors)
    print(f"rag ingest (exit {out.returncode}): {out.stdout.strip()} ({ingest_s:.1f} s)")
    print(f"{total} requests from {a.clients} clients, statuses {dict(statuses)}, {len(errors)} dropped; "
          f"failures: {failures}; the new state was served {served:.2f} s after the ingest ended"
          if served is not None else "the new state was NOT served within 60 s")
    save("bench_ingest_beside_serve", {"requests": total, "statuses": dict(statuses), "dropped": len(errors),
                                       "failures": failures, "ingest_seconds": ingest_s,
                                       "served_after_seconds": served, "clients": a.clients}, None)


if __name__ == "__main__":
    main()
