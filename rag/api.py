"""HTTP API and chat UI in one FastAPI app: a thin shell over the Engine.

Every route validates with the contract's models, calls one Engine method and
shapes the result; no retrieval logic lives here.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Header, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.config import Settings, get_settings
from rag.engine import Engine, IndexNotReady, UnknownDocument
from rag.ingest import IngestError
from rag.schemas import (
    AnswerRequest,
    AnswerResponse,
    DocumentsResponse,
    DocumentWithText,
    SearchRequest,
    SearchResponse,
    SearchResult,
    check_text,
)
from rag.watch import IndexWatcher

log = logging.getLogger("rag.api")
MODES = ("extractive",)


# --- metrics -------------------------------------------------------------------------------------

class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("rag_http_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("rag_http_request_seconds", "Request latency", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.answers = Counter("rag_answers_total", "Answers given", ["abstained"], registry=self.registry)
        self.documents = Gauge("rag_index_documents", "Letters in the index", registry=self.registry)
        self.passages = Gauge("rag_index_passages", "Passages in the index", registry=self.registry)


class RateLimiter:
    """Sliding one-minute window per client address; 0 disables it."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            q = self._hits[client]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= self.per_minute:
                return False
            q.append(now)
            return True


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


def check_mode(mode: str | None) -> str:
    mode = mode or MODES[0]
    if mode not in MODES:
        raise HTTPException(422, f"antwoordmodus '{mode}' is niet beschikbaar op deze server; beschikbaar: "
                                 f"{', '.join(MODES)} (een taalmodel is niet geïnstalleerd)")
    return mode


# --- OpenAI-compatible chat ------------------------------------------------------------------------

class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str | None = None
    messages: list[ChatMessage] = Field(..., min_length=1)
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


# --- app -------------------------------------------------------------------------------------------

def create_app(settings: Settings | None = None, engine: Engine | None = None, load: bool = True) -> FastAPI:
    """The API (and UI); ``engine`` may be given (tests, serve) or is created at startup."""
    settings = settings or get_settings()
    metrics = Metrics()
    limiter = RateLimiter(settings.rate_limit_per_minute)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.engine is None and load:
            app.state.engine = Engine(settings)
        eng = app.state.engine
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
    app.state.metrics = metrics

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": jsonable_encoder(detail)})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail},
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("interne fout op %s", request.url.path)
        return JSONResponse(status_code=500, content={"detail": "interne fout; dit is een bug, zie de serverlog"})

    @app.middleware("http")
    async def observe(request: Request, call_next):
        route = request.url.path
        if route.startswith("/v1/") and not limiter.allow(request.client.host if request.client else "?"):
            metrics.requests.labels(route, request.method, "429").inc()
            return JSONResponse(status_code=429, content={"detail": "te veel verzoeken; wacht even"},
                                headers={"Retry-After": "10"})
        t0 = time.perf_counter()
        response = await call_next(request)
        label = route if route.startswith(("/v1/answer", "/v1/search", "/v1/chat", "/healthz", "/readyz")) else (
            "/v1/documents" if route.startswith("/v1/documents") else "other")
        metrics.requests.labels(label, request.method, str(response.status_code)).inc()
        metrics.latency.labels(label).observe(time.perf_counter() - t0)
        return response

    # --- health ---
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        eng: Engine | None = app.state.engine
        if eng is None or not eng.ready:
            return JSONResponse(status_code=503, content={"status": "not ready", "detail": "index niet geladen"})
        view = eng.view
        return JSONResponse({"status": "ready", "documents": len(view.records), "passages": len(view.passages),
                             "embedder": eng.embedder.name, "stale_documents": eng.stale_documents()})

    @app.get("/metrics", tags=["health"])
    def prometheus() -> PlainTextResponse:
        eng: Engine | None = app.state.engine
        if eng is not None and eng.ready:
            metrics.documents.set(len(eng.view.records))
            metrics.passages.set(len(eng.view.passages))
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # --- search and answers ---
    @app.post("/v1/search", response_model=SearchResponse, tags=["search"])
    def search(req: SearchRequest, engine: EngineDep) -> SearchResponse:
        t0 = time.perf_counter()
        with engine.pinned() as view:
            check_filters(engine, req.filters)
            hits = engine.search(req.query, req.top_k, req.filters.to_filters() if req.filters else None)
            results = [SearchResult(chunk_id=h.passage.chunk_id, doc_id=h.passage.doc_id,
                                    title=view.metadata(h.passage.doc_id)["title"], section=h.passage.section,
                                    text=h.passage.text, start=h.passage.start, end=h.passage.end,
                                    score=round(h.score, 6), page=engine.page_of(h.passage.doc_id, h.passage.start))
                       for h in hits]
        return SearchResponse(results=results, timings_ms={"total": round((time.perf_counter() - t0) * 1000, 2)})

    @app.post("/v1/answer", response_model=AnswerResponse, tags=["answers"])
    def answer(req: AnswerRequest, engine: EngineDep) -> dict:
        mode = check_mode(req.mode)
        with engine.pinned():
            check_filters(engine, req.filters)
            ans = engine.answer(req.question, req.top_k, mode, req.filters.to_filters() if req.filters else None,
                                [t.model_dump() for t in req.history] if req.history else None)
            body = engine.with_pages(ans.to_json())
        metrics.answers.labels(str(ans.abstained).lower()).inc()
        return body

    @app.get("/v1/modes", tags=["answers"])
    def modes() -> dict:
        return {"modes": list(MODES), "default": MODES[0]}

    @app.post("/v1/chat/completions", tags=["answers"])
    def chat(req: ChatRequest, engine: EngineDep):
        question, history = _chat_turns(req)
        with engine.pinned():
            ans = engine.answer(question, None, "extractive", None, history)
            body = engine.with_pages(ans.to_json())
        metrics.answers.labels(str(ans.abstained).lower()).inc()
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        model = f"kamerbrief-rag-{ans.mode}"
        if not req.stream:
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(question.split()), "completion_tokens": len(ans.answer.split()),
                          "total_tokens": len(question.split()) + len(ans.answer.split())},
                "citations": body["citations"], "abstained": ans.abstained,
            }

        def events() -> Iterator[str]:
            base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
            first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
            yield f"data: {json.dumps(first, ensure_ascii=False)}\n\n"
            for piece in _pieces(ans.answer):
                chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
            last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    "citations": body["citations"], "abstained": ans.abstained}
            yield f"data: {json.dumps(last, ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    # --- documents ---
    @app.get("/v1/documents", response_model=DocumentsResponse, tags=["documents"])
    def documents(engine: EngineDep) -> dict:
        return {"documents": engine.documents()}

    @app.get("/v1/documents/{doc_id}", response_model=DocumentWithText, tags=["documents"])
    def document(doc_id: str, engine: EngineDep) -> dict:
        try:
            return engine.document(doc_id)
        except UnknownDocument:
            raise HTTPException(404, f"onbekend document: {doc_id}") from None

    @app.get("/v1/documents/{doc_id}/original", tags=["documents"])
    def original(doc_id: str, engine: EngineDep) -> FileResponse:
        """The file the letter was ingested from (PDF, DOCX, text), with its media type."""
        try:
            path, media_type, name = engine.original(doc_id)
        except UnknownDocument:
            raise HTTPException(404, f"geen origineel bewaard voor document: {doc_id} (onbekend, of "
                                     "geïndexeerd door een oudere versie: voer 'rag ingest' uit)") from None
        return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="inline")

    @app.post("/v1/documents", status_code=201, tags=["documents"])
    async def upload(_: AdminDep, request: Request, file: Annotated[UploadFile, File(...)]) -> dict:
        engine = get_engine(request)
        data = await file.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f"bestand groter dan {settings.max_upload_bytes} bytes (RAG_MAX_UPLOAD_BYTES)")
        try:
            doc_id, summary = await run_in_threadpool(engine.add_document, file.filename or "", data)
        except IngestError as e:
            raise HTTPException(e.status, str(e)) from e
        return {"doc_id": doc_id, "summary": summary.to_json(), "document": engine.document(doc_id) | {"text": None}}

    @app.delete("/v1/documents/{doc_id}", tags=["documents"])
    def delete(_: AdminDep, doc_id: str, engine: EngineDep) -> dict:
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

