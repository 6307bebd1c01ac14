"""`rag serve --workers 2` as a user starts it: two processes answer from one index, under concurrent load,
and a letter uploaded through one of them is served by both within seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ROOT, free_port, wait_until_ok
from tests.test_ingest_beside_serve import NEW_LETTER


def readyz(base: str) -> dict:
    """On a new connection each time, so the kernel may hand it to either worker."""
    with httpx.Client(timeout=10) as c:
        return c.get(f"{base}/readyz").json()


@pytest.fixture
def workers(tmp_path, index_dir):
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_ADMIN_KEY": "sleutel", "RAG_UI": "false",
           "RAG_RELOAD_SECONDS": "0.5", "RAG_ACCESS_LOG": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--workers", "2", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{base}/readyz", 240, "rag serve --workers 2")
        deadline = time.monotonic() + 240
        pids: set[int] = set()
        while len(pids) < 2 and time.monotonic() < deadline:  # the second worker may still be loading
            try:
                pids.add(readyz(base)["pid"])
            except (httpx.HTTPError, KeyError, ValueError):
                time.sleep(0.5)
        assert len(pids) == 2, "the two workers did not both answer"
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_two_workers_answer_under_load_and_both_serve_an_upload_within_seconds(workers):
    base = workers
    questions = ["Hoeveel geld gaat naar de publiekscampagne?", "Wanneer is de terugkeer uit Afghanistan klaar?",
                 "Welk percentage van het bbp is in juni 2025 afgesproken voor weerbaarheid?",
                 "Wie nemen deel aan de NAVO-top in Vilnius?"] * 5

    def ask(q: str) -> int:
        with httpx.Client(timeout=60) as c:
            return c.post(f"{base}/v1/answer", json={"question": q}).status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(ask, questions)) == [200] * len(questions)

    before = readyz(base)["documents"]
    with httpx.Client(timeout=120) as c:
        r = c.post(f"{base}/v1/documents", headers={"Authorization": "Bearer sleutel"},
                   files={"file": ("drinkwater_zeeland.txt", NEW_LETTER.encode("utf-8"), "text/plain")})
    assert r.status_code == 201, r.text
    seen: dict[int, int] = {}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (len(seen) == 2 and set(seen.values()) == {before + 1}):
        got = readyz(base)
        seen[got["pid"]] = got["documents"]
    assert seen and set(seen.values()) == {before + 1} and len(seen) == 2, seen
    with httpx.Client(timeout=60) as c:
        answer = c.post(f"{base}/v1/answer", json={"question": "Hoeveel tappunten komen er in Zeeland?"}).json()
    assert "veertig" in answer["answer"]
