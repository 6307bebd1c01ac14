"""The OpenAI-compatible endpoint, as an existing chat client calls it."""

import json
import re


def test_chat_completion_carries_the_answer_and_its_citations(client):
    r = client.post("/v1/chat/completions", json={
        "model": "kamerbrief-rag", "messages": [
            {"role": "system", "content": "Je bent een behulpzame assistent."},
            {"role": "user", "content": "Welke landen doen mee aan de ministeriële coalitie voor weerbaarheid?"}]})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion"
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["message"]["role"] == "assistant" and body["choices"][0]["finish_reason"] == "stop"
    assert {int(m) for m in re.findall(r"\[(\d+)\]", content)} == {c["n"] for c in body["citations"]}


def test_chat_streams_server_sent_events(client):
    with client.stream("POST", "/v1/chat/completions", json={
            "messages": [{"role": "user", "content": "Wat is de Defence Investment Pledge?"}], "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text and chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]


def test_chat_uses_earlier_turns(client):
    r = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": "Wat doet het kabinet voor de regionale en lokale weerbaarheid?"},
        {"role": "assistant", "content": "Het kabinet versterkt die."},
        {"role": "user", "content": "En hoeveel geld komt daarvoor beschikbaar?"}]})
    assert "70 miljoen" in r.json()["choices"][0]["message"]["content"]


def test_chat_refuses_a_conversation_that_does_not_end_with_the_user(client):
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "Hallo"}]})
    assert r.status_code == 422
    assert client.post("/v1/chat/completions", json={"messages": []}).status_code == 422
