"""Several API processes, as on several machines, answering from one shared store: a real Chroma server on
loopback (`chroma run` from the installed package) holds the vectors, the manifest, the letter records and
the originals. Each `rag serve` has its own, otherwise empty, index folder, so nothing is shared on disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port, wait_until_ok
from tests.test_ingest_beside_serve import NEW_LETTER

CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
ADMIN = {"Authorization": "Bearer sleutel"}


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    proc = subprocess.Popen([CHROMA, "run", "--path", str(tmp_path / "chroma-server"), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ok(f"http://127.0.0.1:{port}/api/v2/heartbeat", 60, "chroma run")
        yield port
    finally:
        stop(proc)


def env_for(folder: Path, chroma_port: int) -> dict:
    return {**os.environ, "RAG_INDEX_DIR": str(folder), "RAG_CHROMA_HOST": "127.0.0.1",
            "RAG_CHROMA_PORT": str(chroma_port), "RAG_ADMIN_KEY": "sleutel", "RAG_UI": "false",
            "RAG_RELOAD_SECONDS": "0.5", "RAG_ACCESS_LOG": "false"}


@pytest.fixture
def two_servers(tmp_path, chroma_server):
    """`rag ingest` into the Chroma server from one folder, then two `rag serve` from two other folders."""
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest"], cwd=ROOT, check=True, timeout=600,
                   env=env_for(tmp_path / "ingester", chroma_server), capture_output=True)
    procs, bases = [], []
    try:
        for name in ("machine-a", "machine-b"):
            port = free_port()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "rag.cli", "serve", "--port", str(port)], cwd=ROOT,
                env=env_for(tmp_path / name, chroma_server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            wait_until_ok(f"{base}/readyz", 240, "rag serve with RAG_CHROMA_HOST")
        yield bases
    finally:
        for proc in procs:
            stop(proc)


def documents(base: str) -> int:
    return httpx.get(f"{base}/readyz", timeout=10).json()["documents"]


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_two_processes_on_one_chroma_server_share_letters_uploads_and_deletes(two_servers, chroma_server, tmp_path):
    a, b, chroma_port = *two_servers, chroma_server
    assert documents(a) == documents(b) == 5
    question = {"question": "Hoeveel geld is er voor de publiekscampagne?"}
    got_a = httpx.post(f"{a}/v1/answer", json=question, timeout=60).json()
    got_b = httpx.post(f"{b}/v1/answer", json=question, timeout=60).json()
    assert got_a["answer"] == got_b["answer"] and not got_a["abstained"]

    r = httpx.post(f"{b}/v1/documents", headers=ADMIN, timeout=120,
                   files={"file": ("drinkwater_zeeland.txt", NEW_LETTER.encode("utf-8"), "text/plain")})
    assert r.status_code == 201, r.text
    doc_id = r.json()["doc_id"]
    assert wait_for(lambda: documents(a) == 6), "the upload through B was not served by A within 30 s"
    answer = httpx.post(f"{a}/v1/answer", json={"question": "Hoeveel tappunten komen er in Zeeland?"},
                        timeout=60).json()
    assert "veertig" in answer["answer"] and answer["citations"][0]["doc_id"] == doc_id
    original = httpx.get(f"{a}/v1/documents/{doc_id}/original", timeout=30)
    assert original.status_code == 200 and original.content == NEW_LETTER.encode("utf-8")

    # a rebuild from another folder empties the shared catalog: the letter uploaded through B must come back
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--rebuild"], cwd=ROOT, check=True, timeout=600,
                   env=env_for(tmp_path / "ingester", chroma_port), capture_output=True)
    assert wait_for(lambda: documents(a) == documents(b) == 6)
    assert httpx.get(f"{b}/v1/documents/{doc_id}", timeout=30).status_code == 200

    assert httpx.delete(f"{a}/v1/documents/{doc_id}", headers=ADMIN, timeout=60).status_code in (200, 204)
    assert wait_for(lambda: documents(b) == 5), "the delete through A was not seen by B within 30 s"
    assert httpx.get(f"{b}/v1/documents/{doc_id}", timeout=30).status_code == 404

    for name in ("ingester", "machine-a", "machine-b"):  # the letters live in the server, not in the folders
        assert not (tmp_path / name / "manifest.json").exists() and not (tmp_path / name / "docs").exists()
