def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_loaded_index(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["documents"] == 5 and r.json()["passages"] > 40


def test_readyz_is_503_without_an_index(tmp_path, embedder):
    from fastapi.testclient import TestClient

    from rag.api import create_app
    from rag.config import Settings
    from rag.engine import Engine

    settings = Settings(index_dir=tmp_path / "leeg", ui=False)
    with TestClient(create_app(settings, Engine(settings, embedder=embedder))) as c:
        assert c.get("/readyz").status_code == 503
        assert c.get("/healthz").status_code == 200
        r = c.post("/v1/search", json={"query": "NAVO"})
        assert r.status_code == 503 and "index" in r.json()["detail"]


def test_metrics_count_requests(client):
    client.get("/healthz")
    text = client.get("/metrics").text
    assert "rag_http_requests_total" in text and "rag_index_documents 5.0" in text


def test_openapi_describes_the_contract(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/v1/answer", "/v1/search", "/v1/documents", "/v1/documents/{doc_id}", "/v1/chat/completions"):
        assert p in paths
