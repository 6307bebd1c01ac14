"""What every HTTP request goes through before and after its route: an id, limits, metrics and one log line.

A pure ASGI middleware rather than ``@app.middleware("http")``: it sees the status and the end of a streamed
body, answers an exception itself (so the client keeps its keep-alive connection and gets the request id),
and can refuse an oversized body before it is read.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict, deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException

access_log = logging.getLogger("rag.access")
error_log = logging.getLogger("rag.api")

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
_LABELLED = ("/v1/answer", "/v1/search", "/v1/chat", "/v1/modes", "/v1/models", "/healthz", "/readyz", "/metrics")


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


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body without (or with a false) Content-Length passes the limit; an
    HTTPException, so FastAPI's body parsing passes it on instead of calling it unparseable JSON."""

    def __init__(self, limit: int):
        super().__init__(413, f"het verzoek is groter dan {limit} bytes")


def request_id_of(headers: dict[bytes, bytes]) -> str:
    """The client's X-Request-ID when it is a sane token (so it can be logged and echoed safely), else a new one."""
    sent = headers.get(b"x-request-id", b"").decode("latin-1").strip()
    return sent if _CLIENT_ID.fullmatch(sent) else uuid.uuid4().hex


def _content_length(headers: dict[bytes, bytes]) -> int:
    """The declared body size; the HTTP parser has already refused a malformed one."""
    value = headers.get(b"content-length", b"0")
    return int(value) if value.isdigit() else 0


def metric_label(path: str) -> str:
    """Few, fixed route labels: a path per document would make a time series per document."""
    if path.startswith(_LABELLED):
        return next(p for p in _LABELLED if path.startswith(p))
    if path.startswith("/v1/documents"):
        return "/v1/documents"
    return "/ui" if path.startswith("/ui") else "other"


def _json_response(status: int, detail: str, extra: tuple[tuple[bytes, bytes], ...] = ()) -> list[dict]:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    return [{"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body}]


class RequestObserver:
    """Request id, rate limit, body size limit, metrics, a JSON log line per request and a JSON 500 on a bug.

    Routes add ``abstained`` and ``mode`` to the log line through ``request.state.log``.
    """

    def __init__(self, app, *, metrics: Metrics, limiter: RateLimiter, max_body_bytes: int, max_upload_bytes: int,
                 log_requests: bool = True):
        self.app = app
        self.metrics = metrics
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.log_requests = log_requests

    def body_limit(self, scope: dict) -> int:
        if scope["method"] == "POST" and scope["path"] == "/v1/documents":
            return self.max_upload_bytes + 1_000_000  # room for the multipart envelope; the route gives the 413
        return self.max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        headers = dict(scope.get("headers") or ())
        rid = request_id_of(headers)
        fields: dict = {}
        scope.setdefault("state", {})["log"] = fields
        scope["state"]["request_id"] = rid
        started = {"status": None}
        rid_header = (REQUEST_ID_HEADER.lower().encode(), rid.encode())

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), rid_header]}
            await send(message)

        limit = self.body_limit(scope)
        seen = 0

        async def receive_limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        path = scope["path"]
        client = (scope.get("client") or ("?",))[0]
        error = None
        refusal = None
        try:
            if path.startswith("/v1/") and not self.limiter.allow(client):
                refusal = _json_response(429, "te veel verzoeken; wacht even", ((b"retry-after", b"10"),))
            elif _content_length(headers) > limit:
                # not read into memory; the server skips the rest of the body, so the connection stays usable
                refusal = _json_response(413, f"het verzoek is groter dan {limit} bytes")
            else:
                await self.app(scope, receive_limited, send_with_id)
        except Exception as exc:  # noqa: BLE001 - a bug: answer 500 with the id, log the trace with the same id
            error = f"{type(exc).__name__}: {exc}"
            error_log.error(json.dumps({"request_id": rid, "event": "exception", "method": scope["method"],
                                        "path": path, "error": error}, ensure_ascii=False), exc_info=exc)
            if started["status"] is not None:  # half a response is out: only closing the connection can say so
                self._record(scope, rid, started["status"], time.perf_counter() - t0, fields, error)
                raise
            refusal = _json_response(500, f"interne fout; dit is een bug (verzoek {rid} in de serverlog)")
        if refusal:
            for message in refusal:
                await send_with_id(message)
        self._record(scope, rid, started["status"] or 500, time.perf_counter() - t0, fields, error)

    def _record(self, scope: dict, rid: str, status: int, elapsed: float, fields: dict, error: str | None) -> None:
        label = metric_label(scope["path"])
        self.metrics.requests.labels(label, scope["method"], str(status)).inc()
        self.metrics.latency.labels(label).observe(elapsed)
        if not self.log_requests:
            return
        route = getattr(scope.get("route"), "path", None)
        line = {"request_id": rid, "method": scope["method"], "route": route, "path": scope["path"],
                "status": status, "latency_ms": round(elapsed * 1000, 2),
                "abstained": fields.get("abstained"), "mode": fields.get("mode")}
        if error:
            line["error"] = error
        access_log.info(json.dumps(line, ensure_ascii=False))
