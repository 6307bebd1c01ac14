import pytest


def test_search_returns_passages_at_their_offsets(client):
    r = client.post("/v1/search", json={"query": "toetreding van Zweden", "top_k": 3})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 3
    top = results[0]
    assert "Zweden" in top["text"]
    text = client.get(f"/v1/documents/{top['doc_id']}").json()["text"]
    for res in results:
        doc = client.get(f"/v1/documents/{res['doc_id']}").json()["text"]
        assert doc[res["start"]:res["end"]] == res["text"]
    assert text[top["start"]:top["end"]] == top["text"]
    assert [x["score"] for x in results] == sorted((x["score"] for x in results), reverse=True)


def test_search_filters(client):
    r = client.post("/v1/search", json={"query": "NAVO", "top_k": 10,
                                        "filters": {"doc_ids": ["003_cd6cc0e004d35c7e"]}})
    assert {x["doc_id"] for x in r.json()["results"]} == {"003_cd6cc0e004d35c7e"}
    r = client.post("/v1/search", json={"query": "NAVO", "filters": {"date_from": "2023-01-01",
                                                                    "date_to": "2023-12-31"}})
    assert {x["doc_id"] for x in r.json()["results"]} == {"003_cd6cc0e004d35c7e"}


def test_a_question_about_who_signed_a_letter_finds_the_signature_first(client):
    """Search shows first what the answer cites: plain search ranked this signature block past the fifth place."""
    q = "wie heeft de brief over de verplichtingen die NL in NAVO-verband is aangegaan ondertekend?"
    results = client.post("/v1/search", json={"query": q, "top_k": 5}).json()["results"]
    assert "Fleur Agema" in results[0]["text"] and len(results) == 5
    assert len({x["chunk_id"] for x in results}) == 5
    answer = client.post("/v1/answer", json={"question": q}).json()
    assert "Fleur Agema" in answer["answer"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"query": ""}, 422),
        ({"query": "   "}, 422),
        ({"query": "x" * 2001}, 422),
        ({"query": 5}, 422),
        ({"query": "NAVO\x00"}, 422),
        ({"query": "NAVO", "top_k": 0}, 422),
        ({"query": "NAVO", "top_k": 51}, 422),
        ({"query": "NAVO", "filters": {"date_from": "gisteren"}}, 422),
        ({"query": "NAVO", "filters": {"date_from": "2024-02-30"}}, 422),
        ({"query": "NAVO", "filters": {"doc_ids": ["bestaat-niet"]}}, 422),
        ({"query": "NAVO", "onbekend_veld": 1}, 422),
        ({}, 422),
    ],
)
def test_bad_input_is_a_4xx_with_a_reason(client, payload, status):
    r = client.post("/v1/search", json=payload)
    assert r.status_code == status
    assert r.json()["detail"]


def test_tabs_and_newlines_are_allowed(client):
    assert client.post("/v1/search", json={"query": "NAVO\ttop\nVilnius"}).status_code == 200


@pytest.mark.parametrize("ctype", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_raw_bytes_are_refused_politely(client, ctype):
    r = client.post("/v1/search", content=b"\xff\xfe not json", headers={"content-type": ctype})
    assert 400 <= r.status_code < 500


def test_a_rate_limit_answers_429_with_a_reason(settings, engine):
    from fastapi.testclient import TestClient

    from rag.api import create_app
    from rag.config import Settings

    limited = Settings(index_dir=settings.index_dir, ui=False, rate_limit_per_minute=2)
    with TestClient(create_app(limited, engine)) as c:
        assert [c.post("/v1/search", json={"query": "NAVO"}).status_code for _ in range(2)] == [200, 200]
        r = c.post("/v1/search", json={"query": "NAVO"})
        assert r.status_code == 429 and r.json()["detail"] and r.headers["retry-after"]
        assert c.get("/healthz").status_code == 200  # health checks are never limited
