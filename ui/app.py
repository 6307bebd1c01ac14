"""The staff chat UI: a Gradio Blocks app mounted at ``/ui`` on the API's FastAPI app.

Layout: the conversation on the left (with filters under it), on the right a
tabbed panel with the numbered sources of the selected answer and the letter
viewer. Clicking a source card, or an ``[n]`` in an answer, opens the whole
letter scrolled to the quoted sentence. Rendering lives in ``ui.render`` (pure
functions); this module only wires Gradio events to the Engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import gradio as gr
from fastapi import FastAPI

from rag.schemas import check_text
from ui import admin, render
from ui.style import CSS, theme

log = logging.getLogger("ui")

EXAMPLES = [
    "Hoeveel geld komt er structureel beschikbaar voor regionale weerbaarheid?",
    "Wat is de Nederlandse inzet voor de Defence Investment Pledge?",
    "Welke zeven gebieden noemen de NAVO-weerbaarheidsdoelen?",
    "Wie heeft de brief over concrete weerbaarheidsdoelen ondertekend?",
    "Wat staat er op de agenda van de NAVO-top in Vilnius?",
]
ASK_LABEL, BUSY_LABEL = "Vraag stellen", "Bezig…"
MODE_LABELS = {"extractive": "Letterlijk uit de brieven", "llm": "Gegenereerd en gecontroleerd"}
REVEAL_WORDS = 4  # words per step when an answer is revealed
REVEAL_PAUSE_S = 0.02
INDEX_POLL_S = 5.0  # how often an open page checks whether the letters changed
NOT_READY = "De index wordt nog geladen. Probeer het over een minuut opnieuw."
FAILED = ("Er ging iets mis bij het beantwoorden van deze vraag. Probeer het opnieuw; blijft het misgaan, "
          "meld het dan bij de beheerder.")

HEADER = ('<header class="kb-header"><h1>Kamerbrieven: vraag en antwoord</h1>'
          '<p>Antwoorden komen letterlijk uit Kamerbrieven. Elke bewering heeft een bron [n], tot op de zin.</p>'
          '</header>')

# Clicking a source card (or pressing Enter on it) opens its letter. The same listener, on the document,
# catches clicks on the [n] links inside chat answers, which live outside this component.
SOURCES_JS = """
const open = (turn, n) => trigger('click', {turn: Number(turn), n: Number(n)});
window.__kbOpen = open;
const choose = (card) => {
  element.querySelectorAll('.kb-card.kb-active').forEach((c) => c.classList.remove('kb-active'));
  card.classList.add('kb-active');
  open(card.dataset.turn, card.dataset.n);
};
element.addEventListener('click', (ev) => {
  const card = ev.target.closest('[data-kb-open]');
  if (card && !ev.target.closest('a')) choose(card);
});
element.addEventListener('keydown', (ev) => {
  const card = ev.target.closest('[data-kb-open]');
  if (card && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); choose(card); }
});
if (!window.__kbRefs) {
  window.__kbRefs = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest ? ev.target.closest('a.kb-ref') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    const m = /kb-bron-(\\d+)-(\\d+)/.exec(a.getAttribute('href') || '');
    if (m && window.__kbOpen) window.__kbOpen(m[1], m[2]);
  }, true);
}
"""

# After the letter is rendered (and its tab shown), bring the marked quote into view: inside the letter's own
# scroll box on a wide screen, in the page on a phone (where nothing scrolls inside).
VIEWER_JS = """
const toMark = (tries) => {
  const m = element.querySelector('#kb-mark');
  if (!m) return;
  if (!m.getClientRects().length) { if (tries > 0) setTimeout(() => toMark(tries - 1), 50); return; }
  const box = element.querySelector('.kb-letter');
  if (box && box.scrollHeight > box.clientHeight + 4) {
    const head = box.querySelector('.kb-letter-head');
    const top = m.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTo({top: Math.max(0, top - (head ? head.offsetHeight : 0) - 32), behavior: 'smooth'});
    const r = box.getBoundingClientRect();
    if (r.top < 0 || r.top > window.innerHeight * 0.5) box.scrollIntoView({block: 'start', behavior: 'smooth'});
  } else {
    m.scrollIntoView({block: 'center', behavior: 'smooth'});
  }
};
element.addEventListener('click', (ev) => {
  if (!ev.target.closest('[data-kb-back]')) return;
  const tab = document.querySelector('#kb-tab-sources-button');
  if (tab) { tab.click(); tab.scrollIntoView({block: 'start', behavior: 'smooth'}); }
});
watch('value', () => toMark(40));
toMark(40);
"""


def _friendly(message: str) -> str:
    """An engine/validation message as a sentence for the user."""
    message = message.strip()
    if message == "de vraag is leeg":
        return "Typ eerst een vraag."
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."


def answer_turn_events(engine, question: str, turns: list[dict], top_k: int, mode: str, filters) -> Iterator:
    """The answer's text as it is written (llm mode: each sentence once it passed the check), then the new turn
    for ``question``: with the answer's JSON body (and a line on the filters used), or with a friendly error."""
    turn = {"question": question, "answer": None, "error": None, "scope": None}
    if engine is None or not engine.ready:
        turn["error"] = NOT_READY
        yield turn
        return
    try:
        with engine.pinned():
            for event in engine.answer_events(question, int(top_k), mode, filters, render.history(turns) or None):
                if isinstance(event, str):
                    yield event
                else:
                    turn["answer"] = engine.with_pages(event.to_json())
        if filters is not None:
            turn["scope"] = render.filter_summary(filters, {d["doc_id"]: d["title"] for d in engine.documents()})
    except ValueError as e:
        turn["error"] = _friendly(str(e))
    except Exception:  # noqa: BLE001 - the user gets a sentence, the log gets the trace
        log.exception("UI: vraag beantwoorden mislukt")
        turn["error"] = FAILED
    yield turn


def answer_turn(engine, question: str, turns: list[dict], top_k: int, mode: str, filters) -> dict:
    *_, turn = answer_turn_events(engine, question, turns, top_k, mode, filters)
    return turn


def pick_example(evt: gr.SelectData) -> str:
    return evt.value["text"]


def build(get_engine: Callable[[], object | None], modes: tuple[str, ...],
          admin_key: Callable[[], str | None] = lambda: None) -> gr.Blocks:
    """The Blocks app; ``get_engine`` is asked on every request (the engine may load after mounting)."""
    with gr.Blocks(title="Kamerbrieven: vraag en antwoord", analytics_enabled=False) as blocks:
        turns = gr.State([])
        shown = gr.State(None)  # the turn whose sources the panel shows
        gr.HTML(HEADER, js_on_load=None)
        status = gr.HTML('<p class="kb-status">Verbinden…</p>', js_on_load=None, elem_id="kb-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(
                    elem_id="kb-chat", label="Gesprek", show_label=False, height="60vh", min_height=320,
                    layout="panel", buttons=[], feedback_options=None, latex_delimiters=[],
                    placeholder="**Stel een vraag over de Kamerbrieven** of kies een voorbeeld. Een vervolgvraag "
                                "bouwt voort op het gesprek.",
                    examples=[{"text": q} for q in EXAMPLES],
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(show_label=False, placeholder="Typ uw vraag over de Kamerbrieven…",
                                          lines=1, max_lines=5, scale=5, min_width=220, elem_id="kb-question",
                                          autofocus=True)
                    ask = gr.Button(ASK_LABEL, variant="primary", scale=1, min_width=130, elem_id="kb-ask")
                with gr.Accordion("Zoekfilters", open=False, elem_id="kb-filters"):
                    docs = gr.Dropdown(label="Alleen in deze brieven", choices=[], multiselect=True,
                                       info="Leeg laten om in alle brieven te zoeken.", elem_id="kb-docs")
                    with gr.Row():
                        date_from = gr.Textbox(label="Vanaf datum", placeholder="JJJJ-MM-DD", min_width=150,
                                               elem_id="kb-date-from")
                        date_to = gr.Textbox(label="Tot en met datum", placeholder="JJJJ-MM-DD", min_width=150,
                                             elem_id="kb-date-to")
                    gr.Markdown("Met een datumfilter vallen brieven zonder datum buiten de zoektocht.",
                                elem_classes=["kb-note"])
                    top_k = gr.Slider(1, 10, value=5, step=1, label="Aantal bronpassages",
                                      info="Hoeveel passages het antwoord mag gebruiken.", elem_id="kb-topk")
                    mode = gr.Radio([(MODE_LABELS.get(m, m), m) for m in modes], value=modes[0],
                                    label="Antwoordmodus", visible=len(modes) > 1, elem_id="kb-mode",
                                    info="Gegenereerd: een taalmodel formuleert, elke zin wordt tegen zijn bron "
                                         "gecontroleerd.")
                new = gr.Button("Nieuw gesprek", size="sm", variant="secondary", elem_id="kb-new")
                login_parts = admin.build_login(admin_key)
            with gr.Column(scale=2, min_width=320), gr.Tabs(selected="bronnen", elem_id="kb-tabs") as tabs:
                with gr.Tab("Bronnen", id="bronnen", elem_id="kb-tab-sources"):
                    sources = gr.HTML(render.sources_html(None, None), js_on_load=SOURCES_JS,
                                      elem_id="kb-sources-panel")
                with gr.Tab("Brief", id="brief", elem_id="kb-tab-letter"):
                    viewer = gr.HTML(render.letter_placeholder(), js_on_load=VIEWER_JS, elem_id="kb-viewer")
                tab_parts = admin.build_tab()
        seen_index = gr.State(None)  # the manifest time the letter list was drawn from

        def on_load():
            engine = get_engine()
            if engine is None or not engine.ready:
                return (gr.update(), gr.update(), f'<p class="kb-status kb-warn">{NOT_READY}</p>')
            documents = engine.documents()
            offered = engine.modes()
            return (gr.update(choices=render.document_choices(documents)),
                    gr.update(choices=[(MODE_LABELS.get(m, m), m) for m in offered], visible=len(offered) > 1),
                    f'<p class="kb-status">{len(documents)} brieven doorzoekbaar. Klik op een bron of een [n] '
                    f'om de brief te lezen.</p>')

        def respond(q: str, history: list[dict], doc_ids, d_from, d_to, k, m) -> Iterator[tuple]:
            """Outputs: question box, chat, turns, sources panel, shown turn, tabs, ask button."""
            try:
                q = check_text(q or "")
                filters = render.build_filters(doc_ids, d_from, d_to)
            except ValueError as e:
                gr.Warning(_friendly(str(e)), title="Let op")
                yield (gr.skip(),) * 7
                return
            skip = gr.skip()
            ready = gr.Button(value=ASK_LABEL, interactive=True)
            pending = [*history, {"question": q, "answer": None, "error": None}]
            busy = gr.Button(value=BUSY_LABEL, interactive=False)
            yield "", render.chat_messages(pending), skip, skip, skip, gr.Tabs(selected="bronnen"), busy
            written = ""
            for event in answer_turn_events(get_engine(), q, history, k, m, filters):
                if isinstance(event, str):  # llm mode: a checked sentence, shown as it comes
                    written += event
                    live = {"answer": written, "abstained": False, "citations": []}
                    yield skip, render.chat_messages([*history, {**pending[-1], "answer": live}]), *(skip,) * 5
                else:
                    turn = event
            done = [*history, turn]
            if turn["answer"] is None:
                yield skip, render.chat_messages(done), done, skip, skip, skip, ready
                return
            turn_no = len(done) - 1
            panel = render.sources_html(turn["answer"], turn_no, q, turn["scope"])
            text = turn["answer"]["answer"]
            streamed = bool(written)
            steps = [text] if turn["answer"]["abstained"] or streamed else list(render.reveal_steps(text, REVEAL_WORDS))
            for i, shown_text in enumerate(steps):
                button = ready if i == len(steps) - 1 else skip
                if i == 0:  # panel and state go out once: a redraw would undo a click on a card during the reveal
                    yield skip, render.chat_messages(done, shown_text), done, panel, turn_no, skip, button
                else:
                    time.sleep(REVEAL_PAUSE_S)
                    yield skip, render.chat_messages(done, shown_text), skip, skip, skip, skip, button

        def open_source(history: list[dict], current: int | None, evt: gr.EventData):
            try:
                turn_no, n = int(evt.turn), int(evt.n)
                turn = history[turn_no]
                cit = next(c for c in turn["answer"]["citations"] if c["n"] == n)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError, StopIteration):
                gr.Warning("Deze bron hoort niet (meer) bij het gesprek.", title="Let op")
                return (gr.skip(),) * 4
            engine = get_engine()
            try:
                doc = engine.document(cit["doc_id"])
            except Exception:  # noqa: BLE001 - a deleted letter or an engine still loading
                gr.Warning("Deze brief kan nu niet worden geopend; mogelijk is hij uit de index verwijderd.",
                           title="Let op")
                return (gr.skip(),) * 4
            panel = gr.skip()
            if current != turn_no:  # redrawn only for another answer's [n]: a redraw loses the panel's scroll position
                panel = render.sources_html(turn["answer"], turn_no, turn["question"], turn.get("scope"))
            original = f"/v1/documents/{cit['doc_id']}/original" if engine.has_original(cit["doc_id"]) else None
            letter = render.letter_html(doc, cit["start"], cit["end"], n, original, cit.get("page"))
            return letter, gr.Tabs(selected="brief"), panel, turn_no

        def reset():
            return ([], [], render.sources_html(None, None), None, render.letter_placeholder(),
                    gr.Tabs(selected="bronnen"), "")

        ask_inputs = [question, turns, docs, date_from, date_to, top_k, mode]
        ask_outputs = [question, chatbot, turns, sources, shown, tabs, ask]
        question.submit(respond, ask_inputs, ask_outputs, concurrency_limit=4)
        ask.click(respond, ask_inputs, ask_outputs, concurrency_limit=4)
        chatbot.example_select(pick_example, None, question).then(respond, ask_inputs, ask_outputs,
                                                                  concurrency_limit=4)
        sources.click(open_source, [turns, shown], [viewer, tabs, sources, shown])
        reset_outputs = [turns, chatbot, sources, shown, viewer, tabs, question]
        new.click(reset, None, reset_outputs)
        chatbot.clear(reset, None, reset_outputs)
        blocks.load(on_load, None, [docs, mode, status])
        admin.wire(get_engine, admin_key, login_parts, tab_parts, tabs, docs, status)

        def follow_index(seen: float | None):
            """Redraw the letter list when the index changed (an upload, or an ingest by another process)."""
            engine = get_engine()
            if engine is None or not engine.ready:
                return gr.skip(), gr.skip(), seen
            updated = engine.view.manifest.updated
            if seen is None or updated == seen:
                return gr.skip(), gr.skip(), updated
            documents = engine.documents()
            return (gr.update(choices=render.document_choices(documents)),
                    f'<p class="kb-status">{len(documents)} brieven doorzoekbaar (bijgewerkt). Klik op een bron '
                    f'of een [n] om de brief te lezen.</p>', updated)

        gr.Timer(INDEX_POLL_S).tick(follow_index, [seen_index], [docs, status, seen_index], show_progress="hidden")
    return blocks


def mount(app: FastAPI) -> gr.Blocks:
    """Mount the chat UI at /ui; the engine is looked up on ``app.state`` per request."""
    blocks = build(lambda: getattr(app.state, "engine", None), ("extractive",),
                   lambda: getattr(app.state, "settings", None) and app.state.settings.admin_key)
    gr.mount_gradio_app(app, blocks, path="/ui", theme=theme(), css=CSS, footer_links=[])
    quiet_queue(blocks)
    return blocks


# Gradio's queue polls for new jobs every 1 ms and for progress every 10 ms, also with nothing to do: about 1,100
# wake-ups a second, 4% of a core on an idle server (py-spy: the event loop itself, no Python frame busy).
# Every 50 ms for jobs delays the start of a UI answer by 25 ms on average (an answer takes about as long as
# that); the UI shows no progress bars.
QUEUE_POLL_S = 0.05
PROGRESS_POLL_S = 0.25


def quiet_queue(blocks: gr.Blocks) -> None:
    """Slow down the idle polling of Gradio's queue (attributes its loops read on every turn)."""
    queue = blocks._queue
    for attr, value in (("sleep_when_free", QUEUE_POLL_S), ("progress_update_sleep_when_free", PROGRESS_POLL_S)):
        if not hasattr(queue, attr):  # a Gradio that polls differently: say so rather than set a dead attribute
            log.warning("Gradio-wachtrij heeft geen '%s' meer; het stille pollen is niet ingesteld", attr)
            continue
        setattr(queue, attr, value)
