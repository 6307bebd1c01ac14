"""Shared fixtures: one real index of the real corpus, built once per test session with the real model."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from rag.config import Settings
from rag.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "evals" / "dev.jsonl"


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir) -> Settings:
    return Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=False)


@pytest.fixture(scope="session")
def engine(settings) -> Engine:
    eng = Engine(settings)
    eng.ingest([CORPUS], progress=False)
    return eng


@pytest.fixture(scope="session")
def embedder(engine):
    return engine.embedder


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ok(url: str, seconds: float, what: str) -> None:
    """Poll ``url`` until it answers 200, or fail the test saying ``what`` did not come up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{what} kwam niet op")


@contextmanager
def serving(app) -> Iterator[str]:
    """``app`` served by a real uvicorn in a thread on a free loopback port; yields the base URL once ready."""
    import uvicorn

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_until_ok(f"{base}/readyz", 60, "de server")
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(index_dir, engine):
    """The real app (API and UI) over the session's index, served by uvicorn in a thread on a free port."""
    from rag.api import create_app

    with serving(create_app(Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=True), engine)) as base:
        yield base
