"""Mode ``llm`` when its server is down or hangs: the extractive answer with a notice, or a 503 when the
settings say not to fall back; never a hang or a 500. No model is needed for these."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
from fastapi.testclient import TestClient

from rag.api import create_app
from rag.config import Settings
from rag.engine import Engine
from tests.conftest import free_port

QUESTION = "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?"


def _client(index_dir, embedder, **llm) -> TestClient:
    settings = Settings(index_dir=index_dir, ui=False, **llm)
    eng = Engine(settings, embedder=embedder)
    eng.load()
    return TestClient(create_app(settings, eng))


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(srv.accept()[0])
    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}/v1"
    stop.set()
    srv.close()
    for c in held:
        c.close()


def test_a_down_server_does_not_stop_serving_and_readyz_says_so(index_dir, embedder):
    with _client(index_dir, embedder, llm_base_url=f"http://127.0.0.1:{free_port()}/v1") as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and "niet bereikbaar" in ready.json()["llm"]
        assert client.get("/v1/modes").json()["modes"] == ["extractive"]
        body = client.post("/v1/answer", json={"question": QUESTION, "mode": "llm"}).json()
        assert body["mode"] == "extractive" and "taalmodel" in body["notice"]
        assert "70 miljoen" in body["answer"] and body["citations"]


def test_without_fallback_a_down_server_is_a_503_with_the_reason(index_dir, embedder):
    with _client(index_dir, embedder, llm_base_url=f"http://127.0.0.1:{free_port()}/v1",
                 llm_fallback=False) as client:
        r = client.post("/v1/answer", json={"question": QUESTION, "mode": "llm"})
        assert r.status_code == 503 and "taalmodel" in r.json()["detail"]
        r = client.post("/v1/chat/completions", json={"model": "llm", "messages": [{"role": "user",
                                                                                    "content": QUESTION}]})
        assert r.status_code == 503


def test_a_hanging_server_times_out_into_the_extractive_answer(index_dir, embedder, silent_server):
    with _client(index_dir, embedder, llm_base_url=silent_server, llm_timeout_s=1.5) as client:
        t0 = time.monotonic()
        body = client.post("/v1/answer", json={"question": QUESTION, "mode": "llm"}).json()
        assert time.monotonic() - t0 < 15
        assert body["mode"] == "extractive" and body["notice"] and body["citations"]


def test_an_openai_client_default_model_name_gets_the_default_mode(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user",
                                                                                  "content": QUESTION}]})
    assert r.status_code == 200 and r.json()["model"] == "extractive"
    r = client.post("/v1/chat/completions", json={"model": "llm", "messages": [{"role": "user",
                                                                               "content": QUESTION}]})
    assert r.status_code == 422 and "RAG_LLM_BASE_URL" in r.json()["detail"]
