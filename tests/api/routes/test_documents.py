import datetime as dt


def test_documents_list_carries_the_contract_metadata(client):
    docs = client.get("/v1/documents").json()["documents"]
    assert len(docs) == 5
    for d in docs:
        assert d["doc_id"] and d["title"] and d["sender"] and d["source"]
        assert set(d) >= {"doc_id", "title", "date", "sender", "reference", "source", "url"}
        if d["date"]:
            dt.date.fromisoformat(d["date"])
    assert sum(bool(d["date"]) for d in docs) == 2


def test_document_with_cleaned_text(client):
    d = client.get("/v1/documents/003_cd6cc0e004d35c7e").json()
    assert d["date"] == "2023-06-30" and "geanno-\nteerde agenda" in d["text"]  # the letter's own line break
    assert "Tweede Kamer, vergaderjaar 2022–2023, 28 676, nr. 439" in d["text"]  # its colophon
    assert d["metadata_sources"]["date"] == "text"


def test_unknown_document_is_404(client):
    r = client.get("/v1/documents/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in r.json()["detail"]


def test_changing_documents_needs_the_admin_key(client, admin_client):
    files = {"file": ("nieuwe-brief.txt", b"Geachte voorzitter,\n\nDit is een korte brief.")}
    assert client.post("/v1/documents", files=files).status_code == 401
    assert admin_client.post("/v1/documents", files=files).status_code == 401
    wrong = {"Authorization": "Bearer fout"}
    assert admin_client.post("/v1/documents", files=files, headers=wrong).status_code == 401
    assert admin_client.delete("/v1/documents/003_cd6cc0e004d35c7e").status_code == 401


def test_upload_search_and_delete_a_letter(admin_client):
    auth = {"Authorization": "Bearer geheim-test-sleutel"}
    body = (b"Betreft\nProef met drinkwatervoorziening\n\nDatum\n12 maart 2026\n\n"
            b"Het kabinet test de noodvoorziening van drinkwater in Zeeland met 40 tappunten.")
    r = admin_client.post("/v1/documents", files={"file": ("proef-drinkwater.txt", body)}, headers=auth)
    assert r.status_code == 201, r.text
    doc_id = r.json()["doc_id"]
    assert doc_id == "proef-drinkwater"
    meta = admin_client.get(f"/v1/documents/{doc_id}").json()
    assert meta["title"] == "Proef met drinkwatervoorziening" and meta["date"] == "2026-03-12"
    hits = admin_client.post("/v1/search", json={"query": "tappunten drinkwater Zeeland"}).json()["results"]
    assert hits[0]["doc_id"] == doc_id
    assert admin_client.delete(f"/v1/documents/{doc_id}", headers=auth).json() == {"deleted": doc_id}
    assert admin_client.get(f"/v1/documents/{doc_id}").status_code == 404
    assert admin_client.delete(f"/v1/documents/{doc_id}", headers=auth).status_code == 404
    assert len(admin_client.get("/v1/documents").json()["documents"]) == 5


def test_bad_uploads_are_refused_with_a_reason(admin_client):
    auth = {"Authorization": "Bearer geheim-test-sleutel"}
    r = admin_client.post("/v1/documents", files={"file": ("brief.doc", b"Geachte voorzitter")}, headers=auth)
    assert r.status_code == 422 and ".txt" in r.json()["detail"] and ".pdf" in r.json()["detail"]
    r = admin_client.post("/v1/documents", files={"file": ("leeg.txt", b"  ")}, headers=auth)
    assert r.status_code == 422
    big = b"a" * (admin_client.app.state.settings.max_upload_bytes + 1)
    r = admin_client.post("/v1/documents", files={"file": ("groot.txt", big)}, headers=auth)
    assert r.status_code == 413
