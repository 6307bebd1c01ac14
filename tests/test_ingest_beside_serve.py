"""`rag ingest` from another process while the server answers: not one 5xx, and the new state is served
within seconds (the server watches the manifest; Chroma is only used in locked sessions)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest
import uvicorn

from rag.api import create_app
from rag.clean import clean
from rag.config import Settings
from rag.engine import Engine
from tests.conftest import ROOT
from tests.documents import kamerstuk_pdf

NEW_LETTER = """Betreft
Proef met noodvoorziening drinkwater in Zeeland

Datum
12 maart 2026

Geachte voorzitter,

Het kabinet start een proef met de noodvoorziening van drinkwater in Zeeland. Op veertig tappunten kunnen
inwoners bij een langdurige storing drinkwater halen. De proef loopt tot eind 2026 en kost 3,5 miljoen euro.

De uitkomsten van de proef worden gebruikt voor een landelijke aanpak van de drinkwatervoorziening in crises.
"""
CHANGE = "\n\nNaschrift: de gemeente Tholen levert zeventien extra waterzakken aan de Zeeuwse tappunten.\n"


@pytest.fixture
def served(tmp_path, corpus_copy, embedder):
    """A real server (uvicorn in a thread, watching its index) over a private index of a corpus copy."""
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False, reload_seconds=0.5)
    engine = Engine(settings, embedder=embedder)
    engine.ingest([corpus_copy], progress=False)
    app = create_app(settings, engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base, settings, corpus_copy
    server.should_exit = True
    thread.join(timeout=20)


def test_an_ingest_from_another_process_gives_no_5xx_and_is_served_within_seconds(served):
    base, settings, corpus = served
    statuses: Counter = Counter()
    errors: list[str] = []
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set():
                try:
                    if k % 2:
                        r = c.post("/v1/answer", json={"question": "Hoeveel tappunten zijn er in Zeeland?"})
                    else:
                        r = c.post("/v1/search", json={"query": "drinkwater Zeeland tappunten", "top_k": 5})
                    statuses[r.status_code] += 1
                except httpx.HTTPError as e:
                    errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    letter = corpus / "000_3289456b47e41371.txt"
    letter.write_text(letter.read_text(encoding="utf-8") + CHANGE, encoding="utf-8")
    pdf, _ = kamerstuk_pdf(clean(NEW_LETTER))
    (corpus / "proef-drinkwater-zeeland.pdf").write_bytes(pdf)
    env = {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(corpus)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    done = time.monotonic()
    assert proc.returncode == 0, proc.stderr
    assert "1 toegevoegd, 1 bijgewerkt" in proc.stdout

    served_after = None
    with httpx.Client(base_url=base, timeout=30) as c:
        while time.monotonic() - done < 30:
            ids = {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}
            text = c.get("/v1/documents/000_3289456b47e41371").json()["text"]
            if "proef-drinkwater-zeeland" in ids and "zeventien extra waterzakken" in text:
                served_after = time.monotonic() - done
                break
            time.sleep(0.1)
        time.sleep(1.0)  # keep the clients going a little after the switch
        stop.set()
        for t in threads:
            t.join()
        hits = c.post("/v1/search", json={"query": "veertig tappunten drinkwater Zeeland"}).json()["results"]
    print(f"\ningest beside serve: {sum(statuses.values())} requests, statuses {dict(statuses)}, "
          f"{len(errors)} connection errors, served {served_after} s after the ingest ended")
    assert served_after is not None and served_after < 10
    assert not errors
    assert sum(statuses.values()) > 20
    assert all(code < 500 for code in statuses), statuses
    assert hits[0]["doc_id"] == "proef-drinkwater-zeeland" and hits[0]["page"] == 1
