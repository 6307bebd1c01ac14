"""HTTP API and chat UI in one FastAPI app: a thin shell over the Engine.

Every route validates with the contract's models, calls one Engine method and
shapes the result; no retrieval logic lives here.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Header, HTTPException, Path, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.config import Settings, get_settings
from rag.engine import Engine, IndexNotReady, UnknownDocument
from rag.generate import LLMUnavailable
from rag.http_errors import error_responses, printable, their_detail, validation_detail
from rag.ingest import IngestError
from rag.observe import Metrics, RateLimiter, RequestObserver
from rag.schemas import (
    DOC_ID_PATTERN,
    MAX_DOC_ID_CHARS,
    MAX_QUERY_CHARS,
    MAX_TURN_CHARS,
    TURN_PATTERN,
    TURN_RULES,
    AnswerRequest,
    AnswerResponse,
    DocumentsResponse,
    DocumentWithText,
    SearchRequest,
    SearchResponse,
    SearchResult,
    check_text,
    check_turn,
    text_problem,
)
from rag.watch import IndexWatcher

log = logging.getLogger("rag.api")
# Control characters a text letter has no use for; tab, newline, carriage return and form feed (a page break in
# PDF extracts) are allowed.
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MODES = ("extractive", "llm")  # every mode this code knows; Engine.modes() says which are on offer now


# --- dependencies ----------------------------------------------------------------------------------

def get_engine(request: Request) -> Engine:
    engine: Engine | None = request.app.state.engine
    if engine is None or not engine.ready:
        raise HTTPException(503, "de index wordt nog geladen; probeer het zo opnieuw")
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Routes that change the index need ``Authorization: Bearer <RAG_ADMIN_KEY>``."""
    key = request.app.state.settings.admin_key
    if not key:
        raise HTTPException(401, "beheerfuncties staan uit: stel RAG_ADMIN_KEY in om documenten te beheren")
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip().encode(), key.encode()):
        raise HTTPException(401, "ongeldige of ontbrekende beheersleutel (Authorization: Bearer ...)",
                            headers={"WWW-Authenticate": "Bearer"})


AdminDep = Annotated[None, Depends(require_admin)]


def check_filters(engine: Engine, filters) -> None:
    if filters and filters.doc_ids:
        unknown = sorted(set(filters.doc_ids) - engine.known_doc_ids())
        if unknown:
            raise HTTPException(422, f"onbekende doc_ids: {', '.join(unknown)}")


def check_mode(engine: Engine, mode: str | None) -> str:
    try:
        return engine.check_mode(mode)
    except ValueError as e:
        raise HTTPException(422, str(e)) from e


def mode_of_model(model: str | None) -> str | None:
    """An OpenAI client's ``model`` picks the mode (``llm``, ``extractive``, ``kamerbrief-rag-llm``); any other
    name (a client's default such as ``gpt-4o``) gets the default mode."""
    mode = (model or "").removeprefix("kamerbrief-rag-")
    return mode if mode in MODES else None


# --- OpenAI-compatible chat ------------------------------------------------------------------------

class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field("text", max_length=50)
    text: str | None = Field(None, description=TURN_RULES,
                             json_schema_extra={"maxLength": MAX_TURN_CHARS, "pattern": TURN_PATTERN})


class ChatMessage(BaseModel):
    """An OpenAI chat message; every text in it obeys the rules of an earlier turn (valid Unicode, no control
    characters but newline and tab), whatever its role."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(json_schema_extra={"maxLength": MAX_TURN_CHARS, "pattern": TURN_PATTERN})] \
        | list[ContentPart] | None = Field(None, description=f"Text, or a list of parts with 'text'. {TURN_RULES}")

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> Any:
        parts = v if isinstance(v, list) else [{"text": v}]
        for part in parts:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                check_turn(part["text"], "tekst van het bericht")
        return v

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text or "" for p in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str | None = Field(None, max_length=200)
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=100, description=(
        "The conversation, oldest first; the last user or assistant message must be the user's question "
        f"(1-{MAX_QUERY_CHARS} characters after trimming). System, developer and tool messages are ignored."))
    stream: bool = False


def _chat_turns(req: ChatRequest) -> tuple[str, list[dict]]:
    turns = [m for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise HTTPException(422, "het laatste bericht moet van de gebruiker (role 'user') zijn")
    try:
        question = check_text(turns[-1].text())
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    history = [{"role": m.role, "content": m.text()} for m in turns[:-1]]
    return question, history


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: str
    detail: str | None = None


class Modes(BaseModel):
    modes: list[str]
    default: str


DocIdPath = Annotated[str, Path(min_length=1, max_length=MAX_DOC_ID_CHARS, pattern=DOC_ID_PATTERN,
                                description="A doc_id from GET /v1/documents.")]


def _count_answer(request: Request, ans) -> None:
    """The answer's outcome into the metrics and the request's log line."""
    request.app.state.metrics.answers.labels(str(ans.abstained).lower()).inc()
    request.state.log.update(abstained=ans.abstained, mode=ans.mode)


def _answer_or_503(engine: Engine, question: str, mode: str, history: list[dict] | None, top_k: int | None = None,
                   filters=None):
    try:
        return engine.answer(question, top_k, mode, filters, history)
    except LLMUnavailable as e:
        raise HTTPException(503, f"het taalmodel gaf geen antwoord: {e} (RAG_LLM_FALLBACK=false)") from e


# --- app -------------------------------------------------------------------------------------------

def create_app(settings: Settings | None = None, engine: Engine | None = None, load: bool = True) -> FastAPI:
    """The API (and UI); ``engine`` may be given (tests, serve) or is created at startup."""
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.engine is None and load:
            app.state.engine = Engine(settings)
        eng = app.state.engine
        if eng is not None:
            eng.warm_in_background()
        if eng is not None and not eng.ready:
            try:
                eng.load()
            except IndexNotReady as e:
                log.warning("index niet klaar: %s", e)
        watcher = IndexWatcher(eng, settings.reload_seconds).start() if eng is not None else None
        yield
        if watcher is not None:
            watcher.stop()

    app = FastAPI(
        title="Kamerbrief-RAG",
        version="0.1.0",
        description="Vragen over Kamerbrieven, beantwoord met bronvermelding per zin.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.started = time.time()
    app.state.metrics = metrics

    app.add_middleware(RequestObserver, metrics=metrics, limiter=RateLimiter(settings.rate_limit_per_minute),
                       max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_upload_bytes,
                       log_requests=settings.access_log)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": validation_detail(exc.errors())})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": printable(their_detail(exc.detail))},
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        """Last resort for a failure outside the routes (RequestObserver answers those with the request id)."""
        log.exception("interne fout op %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "interne fout; dit is een bug, zie de serverlog"})

    # --- health ---
    @app.get("/healthz", tags=["health"], response_model=Health)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={200: {"model": Readiness}, 503: {"model": Readiness}})
    def readyz() -> JSONResponse:
        eng: Engine | None = app.state.engine
        if eng is None or not eng.ready:
            return JSONResponse(status_code=503, content={"status": "not ready", "detail": "index niet geladen"})
        view = eng.view
        llm = "uit (RAG_LLM_BASE_URL niet gezet)"
        if eng.llm is not None:
            ok, reason = eng.llm.probe()
            llm = "bereikbaar" if ok else f"{reason}; antwoorden in modus llm vallen terug op extractive"
        return JSONResponse({"status": "ready", "documents": len(view.records), "passages": view.passage_count,
                             "embedder": eng.embedder.name, "stale_documents": eng.stale_documents(),
                             "modes": eng.modes(), "llm": llm, "pid": os.getpid()})

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    def prometheus() -> PlainTextResponse:
        eng: Engine | None = app.state.engine
        if eng is not None and eng.ready:
            metrics.documents.set(len(eng.view.records))
            metrics.passages.set(eng.view.passage_count)
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # --- search and answers ---
    @app.post("/v1/search", response_model=SearchResponse, tags=["search"],
              responses=error_responses(400, 413, 422, 429, 503))
    def search(req: SearchRequest, engine: EngineDep) -> SearchResponse:
        t0 = time.perf_counter()
        with engine.pinned() as view:
            check_filters(engine, req.filters)
            hits = engine.find(req.query, req.top_k, req.filters.to_filters() if req.filters else None)
            results = [SearchResult(chunk_id=h.passage.chunk_id, doc_id=h.passage.doc_id,
                                    title=view.metadata(h.passage.doc_id)["title"], section=h.passage.section,
                                    text=h.passage.text, start=h.passage.start, end=h.passage.end,
                                    score=round(h.score, 6), page=engine.page_of(h.passage.doc_id, h.passage.start))
                       for h in hits]
        return SearchResponse(results=results, timings_ms={"total": round((time.perf_counter() - t0) * 1000, 2)})

    @app.post("/v1/answer", response_model=AnswerResponse, tags=["answers"],
              responses=error_responses(400, 413, 422, 429, 503))
    def answer(req: AnswerRequest, engine: EngineDep, request: Request) -> dict:
        mode = check_mode(engine, req.mode)
        with engine.pinned():
            check_filters(engine, req.filters)
            ans = _answer_or_503(engine, req.question, mode,
                                 [t.model_dump() for t in req.history] if req.history else None, req.top_k,
                                 req.filters.to_filters() if req.filters else None)
            body = engine.with_pages(ans.to_json())
        _count_answer(request, ans)
        return body

    @app.get("/v1/modes", tags=["answers"], response_model=Modes, responses=error_responses(429, 503))
    def modes(engine: EngineDep) -> dict:
        return {"modes": engine.modes(), "default": "extractive"}

    @app.get("/v1/models", tags=["answers"], responses=error_responses(429, 503))
    def models(engine: EngineDep) -> dict:
        """The answer modes as OpenAI models, so chat front ends offer them; the chosen ``model`` picks the mode."""
        created = int(app.state.started)
        return {"object": "list", "data": [{"id": m, "object": "model", "created": created,
                                            "owned_by": "kamerbrief-rag"} for m in engine.modes()]}

    @app.post("/v1/chat/completions", tags=["answers"], responses={
        **error_responses(400, 413, 422, 429, 503),
        200: {"description": "A chat.completion object, or with stream=true server-sent chat.completion.chunk events",
              "content": {"application/json": {"schema": {"type": "object"}}, "text/event-stream": {}}}})
    def chat(req: ChatRequest, engine: EngineDep, request: Request):
        question, history = _chat_turns(req)
        mode = check_mode(engine, mode_of_model(req.model))
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        if not req.stream:
            with engine.pinned():
                ans = _answer_or_503(engine, question, mode, history)
                body = engine.with_pages(ans.to_json())
            _count_answer(request, ans)
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": ans.mode,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(question.split()), "completion_tokens": len(ans.answer.split()),
                          "total_tokens": len(question.split()) + len(ans.answer.split())},
                "citations": body["citations"], "abstained": ans.abstained, "notice": ans.notice,
            }
        base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": mode}

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            body = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

        def events() -> Iterator[str]:
            """Extractive answers come in small word groups; llm answers sentence by sentence as each passes
            the check. The last chunk carries the citations; an error after the start becomes a notice."""
            yield chunk({"role": "assistant"})
            with engine.pinned():
                try:
                    ans, streamed = None, False
                    for event in engine.answer_events(question, None, mode, None, history):
                        if isinstance(event, str):
                            streamed = True
                            yield chunk({"content": event})
                        else:
                            ans = event
                    if not streamed:
                        for piece in _pieces(ans.answer):
                            yield chunk({"content": piece})
                    body = engine.with_pages(ans.to_json())
                except Exception as e:  # noqa: BLE001 - the stream has started: the client gets a reason
                    log.exception("chat-stream mislukt")
                    notice = str(e) if isinstance(e, LLMUnavailable) else "interne fout bij het beantwoorden"
                    yield chunk({}, "stop", citations=[], abstained=True, notice=notice)
                    yield "data: [DONE]\n\n"
                    return
            _count_answer(request, ans)
            yield chunk({}, "stop", citations=body["citations"], abstained=ans.abstained, notice=ans.notice,
                        answer_mode=ans.mode)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    # --- documents ---
    @app.get("/v1/documents", response_model=DocumentsResponse, tags=["documents"],
             responses=error_responses(429, 503))
    def documents(engine: EngineDep) -> dict:
        return {"documents": engine.documents()}

    @app.get("/v1/documents/{doc_id}", response_model=DocumentWithText, tags=["documents"],
             responses=error_responses(404, 422, 429, 503))
    def document(doc_id: DocIdPath, engine: EngineDep) -> dict:
        try:
            return engine.document(doc_id)
        except UnknownDocument:
            raise HTTPException(404, f"onbekend document: {doc_id}") from None

    @app.get("/v1/documents/{doc_id}/original", tags=["documents"], responses=error_responses(404, 422))
    def original(doc_id: DocIdPath, engine: EngineDep) -> Response:
        """The file the letter was ingested from (PDF, DOCX, text), with its media type."""
        try:
            data, media_type, name = engine.original(doc_id)
        except UnknownDocument:
            raise HTTPException(404, f"geen origineel bewaard voor document: {doc_id} (onbekend, of "
                                     "geïndexeerd door een oudere versie: voer 'rag ingest' uit)") from None
        quoted = quote(name)
        disposition = f"inline; filename*=utf-8''{quoted}" if quoted != name else f'inline; filename="{name}"'
        return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})

    @app.post("/v1/documents", status_code=201, tags=["documents"],
              responses=error_responses(400, 401, 413, 422, 429, 503))
    async def upload(_: AdminDep, request: Request, file: Annotated[UploadFile, File(...)]) -> dict:
        engine = get_engine(request)
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"bestand groter dan {settings.max_upload_bytes} bytes (RAG_MAX_UPLOAD_BYTES)")
        name = file.filename or ""
        if problem := text_problem(name) or (len(name) > 255 and "is langer dan 255 tekens"):
            raise HTTPException(422, f"de bestandsnaam {problem}")
        # PDF and Word are binary (their text is read out); a PDF or zip named .txt gets the reader's own reason
        text_file = name.lower().endswith((".txt", ".md")) and not data.startswith((b"%PDF", b"PK\x03\x04"))
        if text_file and (m := _BINARY_CONTROL.search(data)):  # in UTF-8 these bytes only stand for themselves
            raise HTTPException(422, f"het bestand bevat een stuurteken (byte 0x{m.group()[0]:02X} op positie "
                                     f"{m.start()}); alleen tab, regeleinde en paginascheiding zijn toegestaan")
        try:
            doc_id, summary = await run_in_threadpool(engine.add_document, name, data)
        except IngestError as e:
            raise HTTPException(e.status, str(e)) from e
        return {"doc_id": doc_id, "summary": summary.to_json(), "document": engine.document(doc_id) | {"text": None}}

    @app.delete("/v1/documents/{doc_id}", tags=["documents"], responses=error_responses(401, 404, 422, 429, 503))
    def delete(_: AdminDep, doc_id: DocIdPath, engine: EngineDep) -> dict:
        try:
            engine.delete_document(doc_id)
        except UnknownDocument:
            raise HTTPException(404, f"onbekend document: {doc_id}") from None
        return {"deleted": doc_id}

    if settings.ui:
        _mount_ui(app)
    return app


def _pieces(text: str, size: int = 3) -> Iterator[str]:
    """The answer in small word groups, for streaming clients."""
    ws = text.split(" ")
    for i in range(0, len(ws), size):
        yield (" " if i else "") + " ".join(ws[i:i + size])


def _mount_ui(app: FastAPI) -> None:
    try:
        from ui.app import mount
    except ImportError as e:  # the UI is optional for API-only deployments
        log.warning("chat-UI niet beschikbaar: %s", e)
        return
    mount(app)

