"""The ``rag`` command as a user runs it: real processes, real index."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rag(engine, index_dir):
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)

    return run


def test_search_json_is_the_api_shape(rag):
    r = rag("search", "publiekscampagne", "--json", "--top-k", "2")
    assert r.returncode == 0, r.stderr
    results = json.loads(r.stdout)["results"]
    assert len(results) == 2 and {"chunk_id", "doc_id", "title", "text", "start", "end", "score"} <= set(results[0])


def test_search_prints_ranked_passages(rag):
    r = rag("search", "Zweden toetreding", "--doc", "003_cd6cc0e004d35c7e")
    assert r.returncode == 0 and r.stdout.startswith("1. ") and "Zweden" in r.stdout


def test_ingest_prints_the_summary_line(rag):
    r = rag("ingest")
    assert r.returncode == 0, r.stderr
    assert "ongewijzigd" in r.stdout and "passages" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("search", ""),
        ("search", "NAVO", "--top-k", "0"),
        ("search", "NAVO", "--doc", "bestaat-niet"),
        ("search", "NAVO", "--date-from", "gisteren"),
        ("ask", "   "),
        ("ask", "NAVO", "--mode", "llm"),
        ("ingest", "bestaat/niet"),
        ("frobnicate",),
    ],
)
def test_bad_input_exits_2_with_one_line(rag, args):
    r = rag(*args)
    assert r.returncode == 2
    assert r.stderr.strip() and r.stdout == ""


@pytest.mark.parametrize(("name", "value"), [("RAG_LOG_LEVEL", "loud"), ("RAG_PORT", "achtduizend")])
def test_a_bad_setting_exits_2_naming_it(name, value, index_dir):
    env = {**os.environ, "RAG_INDEX_DIR": str(index_dir), name: value}
    r = subprocess.run([sys.executable, "-m", "rag.cli", "serve"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and f"ongeldige instelling {name}=" in r.stderr
