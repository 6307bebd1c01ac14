"""A client for any OpenAI-compatible chat-completions server (llama.cpp, vLLM, Ollama, a hosted API).

Only what generation needs: is the server there (``probe``, cached for a few seconds so
``/v1/modes`` and ``/readyz`` stay cheap), and the answer's tokens as they come
(``stream``). Every failure (refused, timeout, HTTP error, garbage) becomes one
``LLMError`` with a Dutch reason, so the caller can fall back instead of failing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx


class LLMError(Exception):
    """The language model server could not give an answer (down, too slow, an error)."""


class LLMClient:
    def __init__(self, base_url: str, model: str | None = None, api_key: str | None = None,
                 timeout_s: float = 60.0, max_tokens: int = 256, probe_every_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.probe_every_s = probe_every_s
        self._probed: tuple[float, bool, str | None] | None = None
        self._lock = threading.Lock()

    # --- is it there ---
    def probe(self, force: bool = False) -> tuple[bool, str | None]:
        """(reachable, reason when not); asks ``GET /models`` at most every ``probe_every_s`` seconds."""
        with self._lock:
            now = time.monotonic()
            if not force and self._probed and now - self._probed[0] < self.probe_every_s:
                return self._probed[1], self._probed[2]
            try:
                r = httpx.get(f"{self.base_url}/models", headers=self.headers, timeout=min(3.0, self.timeout_s))
                r.raise_for_status()
                ids = [m.get("id") for m in r.json().get("data", [])]
                if self.model is None and ids:
                    self.model = ids[0]
                ok, reason = True, None
            except (httpx.HTTPError, ValueError, AttributeError) as e:
                ok, reason = False, f"taalmodelserver {self.base_url} niet bereikbaar: {type(e).__name__}"
            self._probed = (now, ok, reason)
            return ok, reason

    # --- the answer ---
    def stream(self, messages: list[dict], max_tokens: int | None = None) -> Iterator[str]:
        """The reply's text pieces as the server streams them; ``LLMError`` on any failure."""
        body = {"model": self.model or "default", "messages": messages, "stream": True, "temperature": 0,
                "max_tokens": max_tokens or self.max_tokens}
        timeout = httpx.Timeout(self.timeout_s, connect=min(5.0, self.timeout_s))
        deadline = time.monotonic() + self.timeout_s
        try:
            with httpx.stream("POST", f"{self.base_url}/chat/completions", json=body, headers=self.headers,
                              timeout=timeout) as r:
                if r.status_code >= 400:
                    r.read()
                    raise LLMError(f"taalmodelserver gaf HTTP {r.status_code}: {r.text[:200]}")
                for line in r.iter_lines():
                    if time.monotonic() > deadline:
                        raise LLMError(f"taalmodel antwoordde niet binnen {self.timeout_s:g} s")
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    chunk = json.loads(data)
                    choices = chunk.get("choices") or []
                    piece = (choices[0].get("delta") or {}).get("content") if choices else None
                    if piece:
                        yield piece
        except httpx.TimeoutException as e:
            raise LLMError(f"taalmodel antwoordde niet binnen {self.timeout_s:g} s") from e
        except httpx.HTTPError as e:
            with self._lock:
                self._probed = None
            raise LLMError(f"taalmodelserver {self.base_url} niet bereikbaar: {type(e).__name__}") from e
        except (ValueError, AttributeError, IndexError) as e:
            raise LLMError(f"taalmodelserver gaf een onleesbaar antwoord: {type(e).__name__}") from e
