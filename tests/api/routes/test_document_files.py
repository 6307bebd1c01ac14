"""PDF and Word uploads end to end: page-aware citations, the original back, and bad files refused with the
index left exactly as it was."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest

from rag.clean import clean, reading
from tests.conftest import CORPUS
from tests.documents import as_read, encrypted_pdf, kamerbrief_docx, kamerstuk_pdf, scanned_pdf, zip_bomb_docx

AUTH = {"Authorization": "Bearer geheim-test-sleutel"}
LETTER = CORPUS / "003_cd6cc0e004d35c7e.txt"


def index_state(client) -> tuple:
    """What must not change when a file is refused: the manifest and every file under the index."""
    root = client.app.state.settings.index_dir
    files = sorted((str(p.relative_to(root)), hashlib.sha256(p.read_bytes()).hexdigest())
                   for p in root.rglob("*") if p.is_file() and "chroma" not in p.parts and p.name != ".lock")
    docs = client.get("/v1/documents").json()["documents"]
    return files, docs


def printed_on(pdf: bytes, page: int, text: str) -> bool:
    """Whether ``text`` starts on ``page`` of the PDF (letters and digits compared, so hyphenation and line
    breaks do not matter)."""
    import pypdfium2 as pdfium

    def squeeze(s: str) -> str:
        return "".join(ch for ch in s if ch.isalnum())

    doc = pdfium.PdfDocument(pdf)
    text = re.sub(r"^(Voetnoten\s+)?(Voetnoot (?=\d))?", "", text)  # words the cleaning adds (the number is printed)
    head = squeeze(text)[:25]
    return head in squeeze(doc[page - 1].get_textpage().get_text_range())


def _not_a_zip_docx() -> bytes:
    return b"PK\x03\x04" + b"\x00" * 200


def _zip_without_word() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hallo.txt", "geen Word")
    return buf.getvalue()


def bad_files() -> list[tuple[str, bytes, int, str]]:
    ref = clean(LETTER.read_text(encoding="utf-8"))
    pdf, _ = kamerstuk_pdf(ref)
    return [
        ("beschadigd.pdf", pdf[: len(pdf) // 3], 422, "beschadigd"),
        ("versleuteld.pdf", encrypted_pdf(ref), 422, "versleuteld"),
        ("scan.pdf", scanned_pdf(), 422, "geen tekstlaag; OCR is niet ingebouwd"),
        ("eigenlijk-word.pdf", kamerbrief_docx(ref), 422, "geen PDF"),
        ("eigenlijk-pdf.docx", pdf, 422, "geen Word-bestand"),
        ("eigenlijk-pdf.txt", pdf, 422, "geen tekst"),
        ("geen-zip.docx", _not_a_zip_docx(), 422, "beschadigd"),
        ("geen-word.docx", _zip_without_word(), 422, "word/document.xml"),
        ("zipbom.docx", zip_bomb_docx(), 413, "ZIP-bom"),
        ("leeg.docx", kamerbrief_docx(clean("")), 422, "geen tekst"),
        ("leeg.txt", b"   \n", 422, "leeg"),
        ("oud.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, 422, ".docx"),
    ]


@pytest.mark.parametrize("name,data,status,reason", bad_files(), ids=lambda x: x if isinstance(x, str) else "")
def test_a_bad_file_gets_a_clear_4xx_and_changes_nothing(admin_client, name, data, status, reason):
    before = index_state(admin_client)
    r = admin_client.post("/v1/documents", files={"file": (name, data)}, headers=AUTH)
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]
    assert index_state(admin_client) == before


def test_too_large_and_too_many_pages_are_413(admin_client, monkeypatch):
    settings = admin_client.app.state.settings
    pdf, _ = kamerstuk_pdf(clean(LETTER.read_text(encoding="utf-8")))
    before = index_state(admin_client)
    monkeypatch.setattr(settings, "max_upload_bytes", len(pdf) - 1)
    r = admin_client.post("/v1/documents", files={"file": ("groot.pdf", pdf)}, headers=AUTH)
    assert r.status_code == 413 and "RAG_MAX_UPLOAD_BYTES" in r.json()["detail"]
    monkeypatch.setattr(settings, "max_upload_bytes", 5_000_000)
    engine = admin_client.app.state.engine
    monkeypatch.setattr(engine.settings, "max_pages", 2)
    r = admin_client.post("/v1/documents", files={"file": ("lang.pdf", pdf)}, headers=AUTH)
    assert r.status_code == 413 and "RAG_MAX_PAGES" in r.json()["detail"]
    assert index_state(admin_client) == before


def test_a_pdf_upload_cites_pages_and_gives_the_original_back(admin_client):
    ref = clean(LETTER.read_text(encoding="utf-8"))
    pdf, where = kamerstuk_pdf(ref)
    r = admin_client.post("/v1/documents", files={"file": ("kamerstuk-navo-top.pdf", pdf)}, headers=AUTH)
    assert r.status_code == 201, r.text
    doc_id = r.json()["doc_id"]
    try:
        doc = admin_client.get(f"/v1/documents/{doc_id}").json()
        assert reading(doc["text"]) == as_read(ref, colophon_too=False).text and doc["date"] == "2023-06-30"
        original = admin_client.get(f"/v1/documents/{doc_id}/original")
        assert original.status_code == 200 and original.content == pdf
        assert original.headers["content-type"] == "application/pdf"

        third = next(words for words, page in where if page == 3 and len(words.split()) >= 6)
        hits = admin_client.post("/v1/search", json={"query": third, "top_k": 10,
                                                      "filters": {"doc_ids": [doc_id]}}).json()["results"]
        assert hits and all(isinstance(h["page"], int) for h in hits)
        for h in hits:
            assert printed_on(pdf, h["page"], h["text"])

        body = admin_client.post("/v1/answer", json={
            "question": "Wat is de Nederlandse inzet voor de Defence Investment Pledge?",
            "filters": {"doc_ids": [doc_id]}}).json()
        assert body["citations"]
        for c in body["citations"]:
            assert printed_on(pdf, c["page"], c["quote"])  # the quote's opening words stand on that page
        text_hits = admin_client.post("/v1/search", json={"query": "Zweden toetreding", "filters": {
            "doc_ids": ["003_cd6cc0e004d35c7e"]}}).json()["results"]
        assert text_hits[0]["page"] is None  # a text letter has no pages
    finally:
        admin_client.delete(f"/v1/documents/{doc_id}", headers=AUTH)
    assert admin_client.get(f"/v1/documents/{doc_id}/original").status_code == 404


def test_a_word_upload_has_no_pages_and_its_original_is_word(admin_client):
    ref = clean(LETTER.read_text(encoding="utf-8"))
    docx = kamerbrief_docx(ref)
    r = admin_client.post("/v1/documents", files={"file": ("brief-navo-top.docx", docx)}, headers=AUTH)
    assert r.status_code == 201, r.text
    doc_id = r.json()["doc_id"]
    try:
        assert admin_client.get(f"/v1/documents/{doc_id}").json()["text"] == as_read(ref).text
        original = admin_client.get(f"/v1/documents/{doc_id}/original")
        assert original.content == docx and "wordprocessingml" in original.headers["content-type"]
        hits = admin_client.post("/v1/search", json={"query": "Zweden toetreding", "filters": {
            "doc_ids": [doc_id]}}).json()["results"]
        assert hits and hits[0]["page"] is None
    finally:
        admin_client.delete(f"/v1/documents/{doc_id}", headers=AUTH)
