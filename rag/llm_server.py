"""``rag llm serve``: llama.cpp's own OpenAI-compatible HTTP server for a local GGUF, on loopback.

xllamacpp runs llama.cpp's server (``/v1/models``, ``/v1/chat/completions`` with
streaming, ``/health``) inside this process; we only set it up and keep the process
alive until it is stopped. The same setting (``RAG_LLM_BASE_URL``) can point at
vLLM, Ollama or a hosted API instead.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path


def params(model_path: Path, host: str, port: int, threads: int, ctx: int, alias: str):
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = str(model_path)
    p.model_alias = {alias}
    p.hostnames = [host]
    p.port = port
    p.n_ctx = ctx
    p.n_parallel = 1  # one slot keeps the shared prompt prefix (instructions, example) cached between questions
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.warmup = False
    return p


def serve(model_path: Path, host: str = "127.0.0.1", port: int = 8081, threads: int | None = None,
          ctx: int = 4096, alias: str | None = None, stop: threading.Event | None = None) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set)."""
    import xllamacpp

    threads = threads or max(1, os.cpu_count() or 1)
    server = xllamacpp.Server(params(model_path, host, port, threads, ctx, alias or model_path.stem))
    print(f"taalmodel {model_path.name} luistert op http://{host}:{port}/v1 (stoppen: Ctrl+C)", flush=True)
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    del server
