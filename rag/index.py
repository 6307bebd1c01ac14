"""The persisted index: a manifest, one JSON record per letter version, and Chroma.

Layout under ``index/``::

    manifest.json            which version (content hash) of each letter is live
    docs/<doc_id>-<hash>.json  cleaned text, metadata, passages and sentences
    chroma/                  vectors of passages and sentences (embedded Chroma)
    uploads/                 letters added through the API, kept for rebuilds

The manifest is the single commit point. A new version of a letter is written in
full (record, then vectors) before the manifest names it, and the old version is
removed only after; readers serve only what the manifest names. An ingest that
dies halfway therefore leaves either the old or the new version live, never half
a letter or both.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import (
    FilterCondition,
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.config import Settings

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


@dataclass
class Manifest:
    embedder: str | None = None
    dim: int | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: float = 0.0

    def to_json(self) -> dict:
        return {"format": FORMAT_VERSION, "embedder": self.embedder, "dim": self.dim,
                "updated": self.updated, "documents": self.documents}

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(embedder=data.get("embedder"), dim=data.get("dim"),
                   documents=data.get("documents", {}), updated=data.get("updated", 0.0))

    def live_keys(self) -> set[str]:
        return {f"{d}:{m['hash']}" for d, m in self.documents.items()}


def atomic_write_json(path: Path, data: Any) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class IndexStore:
    """Owns the files under ``index/`` and the Chroma collections."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self.docs_dir = self.root / "docs"
        self.uploads_dir = self.root / "uploads"
        self._client = None
        self._stores: dict[str, ChromaVectorStore] = {}

    # --- manifest -------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.root / MANIFEST).exists()

    def load_manifest(self) -> Manifest:
        path = self.root / MANIFEST
        if not path.exists():
            return Manifest()
        return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))

    def commit(self, manifest: Manifest) -> None:
        manifest.updated = time.time()
        atomic_write_json(self.root / MANIFEST, manifest.to_json())

    # --- letter records -------------------------------------------------------------------
    def record_path(self, doc_id: str, content_hash: str) -> Path:
        return self.docs_dir / f"{doc_id}-{content_hash}.json"

    def write_record(self, record: dict) -> None:
        atomic_write_json(self.record_path(record["doc_id"], record["hash"]), record)

    def read_record(self, doc_id: str, content_hash: str) -> dict:
        return json.loads(self.record_path(doc_id, content_hash).read_text(encoding="utf-8"))

    # --- vectors ----------------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if self.settings.chroma_host:
                self._client = chromadb.HttpClient(host=self.settings.chroma_host, port=self.settings.chroma_port,
                                                   settings=chroma_settings)
            else:
                (self.root / "chroma").mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(self.root / "chroma"), settings=chroma_settings)
        return self._client

    def vectors(self, kind: str) -> ChromaVectorStore:
        """``chunks`` or ``sentences``. Collections use cosine space and never Chroma's own embedder."""
        if kind not in self._stores:
            collection = self.client.get_or_create_collection(
                name=f"{self.settings.chroma_collection}_{kind}",
                metadata={"hnsw:space": "cosine"},
                embedding_function=None,
            )
            self._stores[kind] = ChromaVectorStore(chroma_collection=collection)
        return self._stores[kind]

    def add_nodes(self, kind: str, nodes: list[TextNode]) -> None:
        if not nodes:
            return
        store = self.vectors(kind)
        store._collection.delete(ids=[n.node_id for n in nodes])  # leftovers of an interrupted run
        store.add(nodes)

    def delete_versions(self, doc_id: str, keep_hash: str | None = None) -> None:
        """Remove vectors and records of every version of ``doc_id`` but ``keep_hash``."""
        for kind in ("chunks", "sentences"):
            where: dict = {"doc_id": doc_id}
            if keep_hash:
                where = {"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": keep_hash}}]}
            self.vectors(kind)._collection.delete(where=where)
        for path in self.docs_dir.glob(f"{doc_id}-*.json"):
            if keep_hash is None or path.name != f"{doc_id}-{keep_hash}.json":
                path.unlink(missing_ok=True)

    def collect_garbage(self, manifest: Manifest) -> int:
        """Delete what no live version owns (left by an interrupted ingest). Returns the count removed."""
        live = manifest.live_keys()
        removed = 0
        for kind in ("chunks", "sentences"):
            col = self.vectors(kind)._collection
            got = col.get(include=["metadatas"])
            stale = [i for i, m in zip(got["ids"], got["metadatas"], strict=True)
                     if f"{m.get('doc_id')}:{m.get('doc_hash')}" not in live]
            if stale:
                col.delete(ids=stale)
                removed += len(stale)
        if self.docs_dir.exists():
            for path in self.docs_dir.glob("*.json"):
                if path.stem not in {k.replace(":", "-") for k in live}:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def reset_vectors(self) -> None:
        for kind in ("chunks", "sentences"):
            with contextlib.suppress(Exception):  # chroma raises different types for a missing collection
                self.client.delete_collection(f"{self.settings.chroma_collection}_{kind}")
        self._stores.clear()

    def query(self, kind: str, embedding: list[float], top_k: int, doc_ids: list[str] | None = None,
              date_from: int | None = None, date_to: int | None = None) -> list[tuple[TextNode, float]]:
        """Nearest nodes of ``kind``, filtered by letter and date (dates as YYYYMMDD ints)."""
        filters = []
        if doc_ids:
            filters.append(MetadataFilter(key="doc_id", value=list(doc_ids), operator=FilterOperator.IN))
        if date_from is not None:
            filters.append(MetadataFilter(key="date_int", value=date_from, operator=FilterOperator.GTE))
        if date_to is not None:
            filters.append(MetadataFilter(key="date_int", value=date_to, operator=FilterOperator.LTE))
        query = VectorStoreQuery(
            query_embedding=embedding,
            similarity_top_k=top_k,
            filters=MetadataFilters(filters=filters, condition=FilterCondition.AND) if filters else None,
        )
        result = self.vectors(kind).query(query)
        return list(zip(result.nodes or [], result.similarities or [], strict=True))
