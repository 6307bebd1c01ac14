"""Tracing a request: X-Request-ID on every response, one JSON log line per request, the trace of a 5xx."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

Q = "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?"


def lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "rag.access"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/healthz", None), ("GET", "/readyz", None), ("GET", "/metrics", None), ("GET", "/v1/documents", None),
    ("GET", "/v1/documents/bestaat-niet", None), ("POST", "/v1/search", {"query": ""}), ("GET", "/openapi.json", None),
    ("PUT", "/v1/answer", None), ("GET", "/nergens", None),
])
def test_every_response_carries_a_request_id(client, method, path, body):
    r = client.request(method, path, json=body)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


def test_a_sent_request_id_is_echoed_and_a_strange_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "trace-42.a:b"}).headers["x-request-id"] == "trace-42.a:b"
    for strange in ("a" * 200, "een spatie", "<script>"):
        rid = client.get("/healthz", headers={"X-Request-ID": strange}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid), strange
    r1, r2 = client.get("/healthz"), client.get("/healthz")
    assert r1.headers["x-request-id"] != r2.headers["x-request-id"]


def test_one_json_line_per_request_with_route_status_latency_and_outcome(client, caplog):
    caplog.set_level(logging.INFO, logger="rag.access")
    r = client.post("/v1/answer", json={"question": Q}, headers={"X-Request-ID": "vraag-1"})
    client.post("/v1/answer", json={"question": "Hoeveel kost de bouw van de nieuwe fregatten?"}, headers={"X-Request-ID": "vraag-2"})
    client.get("/v1/documents/003_cd6cc0e004d35c7e", headers={"X-Request-ID": "brief-1"})
    client.post("/v1/search", json={"query": "\x00"}, headers={"X-Request-ID": "fout-1"})
    by_id = {line["request_id"]: line for line in lines(caplog)}
    assert len(lines(caplog)) == 4
    answered = by_id["vraag-1"]
    assert answered["route"] == "/v1/answer" and answered["method"] == "POST" and answered["status"] == 200
    assert answered["abstained"] is False and answered["mode"] == "extractive" == r.json()["mode"]
    assert 0 < answered["latency_ms"] < 60_000
    assert by_id["vraag-2"]["abstained"] is True
    letter = by_id["brief-1"]
    assert letter["route"] == "/v1/documents/{doc_id}" and letter["path"] == "/v1/documents/003_cd6cc0e004d35c7e"
    assert letter["abstained"] is None and letter["mode"] is None
    assert by_id["fout-1"]["status"] == 422


def test_chat_answers_are_logged_with_their_outcome(client, caplog):
    caplog.set_level(logging.INFO, logger="rag.access")
    client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": Q}]},
                headers={"X-Request-ID": "chat-1"})
    (line,) = lines(caplog)
    assert line["request_id"] == "chat-1" and line["abstained"] is False and line["mode"] == "extractive"


def test_a_5xx_is_json_with_the_request_id_and_the_trace_is_logged_under_it(settings, engine, caplog):
    """A route that fails (added here: the app has none that should) shows what an operator gets from a bug."""
    from rag.api import create_app

    app = create_app(settings, engine)

    @app.get("/kapot")
    def broken() -> dict:
        raise RuntimeError("kapotte route")

    caplog.set_level(logging.INFO)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/kapot", headers={"X-Request-ID": "bug-7"})
        assert r.status_code == 500 and r.headers["x-request-id"] == "bug-7"
        assert "bug-7" in r.json()["detail"]
        assert c.get("/healthz").status_code == 200
    (trace,) = [rec for rec in caplog.records if rec.name == "rag.api" and rec.exc_info]
    assert json.loads(trace.getMessage())["request_id"] == "bug-7" and "kapotte route" in trace.getMessage()
    line = next(x for x in lines(caplog) if x["request_id"] == "bug-7")
    assert line["status"] == 500 and "RuntimeError" in line["error"]


def test_the_log_lines_can_be_switched_off(settings, engine, caplog):
    from rag.api import create_app

    caplog.set_level(logging.INFO, logger="rag.access")
    with TestClient(create_app(settings.model_copy(update={"access_log": False}), engine)) as c:
        assert c.get("/healthz").headers["x-request-id"]
    assert lines(caplog) == []
