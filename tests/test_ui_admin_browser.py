"""The Beheer tab in a real headless Chromium: log in with the admin key, upload a PDF, see its page in a source
card and its original behind the letter, delete it again. Screenshots in ``$RAG_TEST_OUTPUT/ui``."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from rag.clean import clean
from rag.config import Settings
from tests.conftest import CORPUS
from tests.documents import extra_letter, kamerstuk_pdf
from tests.test_ui_browser import CHROMIUM as CHROMIUM_PATH
from tests.test_ui_browser import CHROMIUM_ARGS, DESKTOP, WAIT_MS, expect, out_dir, sync_api

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]
KEY = "geheim-beheer-ui"
QUESTION = "Hoeveel tappunten komen er bij de proef met drinkwater in Zeeland?"


@pytest.fixture(scope="module")
def admin_server(index_dir, engine):
    """The app with UI and an admin key, over the session's index, in a uvicorn thread."""
    import uvicorn

    from rag.api import create_app

    app = create_app(Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=True, admin_key=KEY), engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def test_beheer_upload_page_in_source_card_original_and_delete(admin_server, engine, tmp_path):
    filler = (CORPUS / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8")
    pdf, _ = kamerstuk_pdf(clean(extra_letter(filler)))
    path = tmp_path / "proef-drinkwater-zeeland.pdf"
    path.write_bytes(pdf)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=DESKTOP, locale="nl-NL").new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{admin_server}/ui/")
        expect(page.locator("#kb-status")).to_contain_text("brieven doorzoekbaar", timeout=WAIT_MS)
        expect(page.locator("#kb-tab-admin-button")).to_have_count(0)  # no Beheer tab without the key

        page.click("#kb-admin-login")
        page.fill("#kb-admin-key input", "fout")
        page.click("#kb-admin-login-button")
        expect(page.locator("#kb-admin-message")).to_contain_text("Onjuiste beheersleutel", timeout=WAIT_MS)
        page.fill("#kb-admin-key input", KEY)
        page.click("#kb-admin-login-button")
        expect(page.locator("#kb-admin-list")).to_contain_text("5 brieven in de index", timeout=WAIT_MS)

        page.set_input_files("#kb-admin-files input[type=file]", [str(path)])
        page.click("#kb-admin-upload")
        expect(page.locator("#kb-admin-result")).to_contain_text("toegevoegd", timeout=WAIT_MS)
        expect(page.locator("#kb-admin-list")).to_contain_text("6 brieven in de index", timeout=WAIT_MS)
        page.screenshot(path=out_dir() / "beheer-tab.png", full_page=True)

        page.click("#kb-tab-sources-button")
        page.fill("#kb-question textarea", QUESTION)
        page.click("#kb-ask")
        card = page.locator("#kb-sources-panel .kb-card").first
        expect(card.locator(".kb-title")).to_have_text("Proef met noodvoorziening drinkwater in Zeeland",
                                                        timeout=WAIT_MS)
        expected = engine.with_pages(engine.answer(QUESTION).to_json())["citations"][0]
        assert expected["page"] and expected["page"] >= 2
        expect(card.locator(".kb-page")).to_have_text(f"blz. {expected['page']}")
        card.screenshot(path=out_dir() / "source-card-page.png")
        page.screenshot(path=out_dir() / "answer-with-page.png")

        card.click()
        link = page.locator("#kb-viewer a.kb-original")
        expect(link).to_contain_text(f"Open het origineel (blz. {expected['page']})", timeout=WAIT_MS)
        href = link.get_attribute("href")
        original = httpx.get(admin_server + href.split("#")[0], timeout=10)
        assert original.content == pdf and original.headers["content-type"] == "application/pdf"

        page.click("#kb-tab-admin-button")
        page.locator("#kb-admin-remove input").click()
        page.locator("#kb-admin-remove li[role=option]").filter(has_text="drinkwater in Zeeland").click()
        page.keyboard.press("Escape")
        page.click("#kb-admin-delete")
        expect(page.locator("#kb-admin-result")).to_contain_text("verwijderd", timeout=WAIT_MS)
        expect(page.locator("#kb-admin-list")).to_contain_text("5 brieven in de index", timeout=WAIT_MS)
        browser.close()
    assert "proef-drinkwater-zeeland" not in engine.known_doc_ids()
    assert not errors, errors
