"""The *Beheer* tab: upload letters (PDF, Word, text; several at once) and delete them.

It appears only after the admin key (``RAG_ADMIN_KEY``) is entered, and every
action checks the key again, so the tab is no way around the API's rule. The
work is done by the same Engine methods as ``POST``/``DELETE /v1/documents``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

import gradio as gr

from rag.documents import SUFFIXES
from rag.errors import IngestError
from ui import render

log = logging.getLogger("ui.admin")
NO_KEY = "Beheer staat uit: stel RAG_ADMIN_KEY in op de server."


def key_ok(given: str | None, key: str | None) -> bool:
    return bool(key) and bool(given) and secrets.compare_digest(given.encode(), key.encode())


def _list_html(documents: list[dict]) -> str:
    rows = "".join(
        f'<li><strong>{render.esc(d["title"])}</strong> <span class="kb-meta">{render.esc(d["source"])} · '
        f'{render.format_date(d.get("date"))}</span></li>' for d in documents)
    return f'<p class="kb-status">{len(documents)} brieven in de index.</p><ul class="kb-admin-list">{rows}</ul>'


def _result_html(lines: list[tuple[bool, str]]) -> str:
    items = "".join(f'<li class="{"kb-ok" if ok else "kb-fail"}">{"✓" if ok else "✗"} {render.esc(t)}</li>'
                    for ok, t in lines)
    return f'<ul class="kb-admin-result" role="status">{items}</ul>'


def build_login(admin_key: Callable[[], str | None]):
    """The key field (left column). Returns (key box, login button, message) for ``wire``."""
    with gr.Accordion("Beheer", open=False, elem_id="kb-admin-login"):
        if not admin_key():
            gr.Markdown(NO_KEY, elem_classes=["kb-note"])
            return None
        key = gr.Textbox(label="Beheersleutel", type="password", elem_id="kb-admin-key",
                         info="Met de sleutel verschijnt het tabblad Beheer: brieven toevoegen en verwijderen.")
        login = gr.Button("Aanmelden", size="sm", elem_id="kb-admin-login-button")
        message = gr.HTML("", elem_id="kb-admin-message")
    return key, login, message


def build_tab():
    """The Beheer tab's content (hidden until the key is right). Returns its components for ``wire``."""
    with gr.Tab("Beheer", id="beheer", elem_id="kb-tab-admin", visible=False) as tab:
        gr.Markdown("**Brieven toevoegen**: PDF, Word (.docx), .txt of .md; meerdere tegelijk. Een bestand dat "
                    "niet gelezen kan worden, verandert niets aan de index.")
        files = gr.File(label="Bestanden", file_count="multiple", file_types=list(SUFFIXES), elem_id="kb-admin-files")
        upload = gr.Button("Toevoegen aan de index", variant="primary", elem_id="kb-admin-upload")
        result = gr.HTML("", elem_id="kb-admin-result")
        gr.Markdown("**Brieven verwijderen**")
        remove = gr.Dropdown(label="Te verwijderen brieven", choices=[], multiselect=True, elem_id="kb-admin-remove")
        delete = gr.Button("Verwijderen", variant="stop", elem_id="kb-admin-delete")
        listing = gr.HTML("", elem_id="kb-admin-list")
    return tab, files, upload, result, remove, delete, listing


def wire(get_engine: Callable[[], object | None], admin_key: Callable[[], str | None], login_parts, tab_parts,
         tabs: gr.Tabs, docs_filter: gr.Dropdown, status: gr.HTML) -> None:
    """Events: log in, upload with progress, delete; the letter lists everywhere follow each change."""
    if login_parts is None:
        return
    key, login, message = login_parts
    tab, files, upload, result, remove, delete, listing = tab_parts

    def lists():
        engine = get_engine()
        if engine is None or not engine.ready:
            return gr.update(), gr.update(), "", gr.update()
        documents = engine.documents()
        choices = render.document_choices(documents)
        return (gr.update(choices=choices), gr.update(choices=choices, value=[]), _list_html(documents),
                f'<p class="kb-status">{len(documents)} brieven doorzoekbaar. Klik op een bron of een [n] om de '
                f'brief te lezen.</p>')

    def on_login(given: str):
        if not key_ok(given, admin_key()):
            return (gr.Tab(visible=False), gr.skip(), '<p class="kb-warn">Onjuiste beheersleutel.</p>',
                    *(gr.skip(),) * 4)
        return (gr.Tab(visible=True), gr.Tabs(selected="beheer"), '<p class="kb-status">Aangemeld als beheerder.</p>',
                *lists())

    lists_out = [docs_filter, remove, listing, status]
    login.click(on_login, [key], [tab, tabs, message, *lists_out])
    key.submit(on_login, [key], [tab, tabs, message, *lists_out])

    def on_upload(given: str, paths: list[str] | None, progress=gr.Progress()):  # noqa: B008 - Gradio injects it
        if not key_ok(given, admin_key()):
            return _result_html([(False, "Onjuiste beheersleutel; meld opnieuw aan.")]), *(gr.skip(),) * 5
        engine = get_engine()
        if engine is None or not engine.ready:
            return _result_html([(False, "De index wordt nog geladen; probeer het zo opnieuw.")]), *(gr.skip(),) * 5
        if not paths:
            return _result_html([(False, "Kies eerst een of meer bestanden.")]), *(gr.skip(),) * 5
        lines: list[tuple[bool, str]] = []
        for path in progress.tqdm(paths, desc="Brieven toevoegen", unit="bestand"):
            name = Path(path).name
            try:
                data = Path(path).read_bytes()
                limit = engine.settings.max_upload_bytes
                if len(data) > limit:
                    raise IngestError(f"{name}: bestand groter dan {limit} bytes", status=413)
                doc_id, _ = engine.add_document(name, data)
                lines.append((True, f"{name}: toegevoegd als “{engine.document(doc_id)['title']}” ({doc_id})"))
            except IngestError as e:
                lines.append((False, str(e)))
            except Exception:  # noqa: BLE001 - one bad file must not stop the others
                log.exception("UI: uploaden van %s mislukt", name)
                lines.append((False, f"{name}: er ging iets mis; zie de serverlog"))
        return _result_html(lines), None, *lists()

    upload.click(on_upload, [key, files], [result, files, *lists_out], concurrency_limit=1)

    def on_delete(given: str, doc_ids: list[str] | None):
        if not key_ok(given, admin_key()):
            return _result_html([(False, "Onjuiste beheersleutel; meld opnieuw aan.")]), *(gr.skip(),) * 4
        if not doc_ids:
            return _result_html([(False, "Kies eerst de brieven die weg moeten.")]), *(gr.skip(),) * 4
        engine = get_engine()
        lines = []
        for doc_id in doc_ids:
            try:
                engine.delete_document(doc_id)
                lines.append((True, f"{doc_id}: verwijderd"))
            except KeyError:
                lines.append((False, f"{doc_id}: niet (meer) in de index"))
        return _result_html(lines), *lists()

    delete.click(on_delete, [key, remove], [result, *lists_out], concurrency_limit=1)
