"""The persisted index: the catalog (manifest, one JSON record per letter version, originals) and Chroma.

Layout under ``index/`` (with ``RAG_CHROMA_HOST`` the catalog lives in the Chroma server instead:
``rag/catalog.py``)::

    manifest.json            which version (content hash) of each letter is live
    docs/<doc_id>-<hash>.json  cleaned text, metadata, passages, sentences and page map
    originals/<doc_id>-<hash>.<ext>  the file as ingested (PDF, DOCX, text)
    chroma/                  vectors of passages and sentences (embedded Chroma), each kind spread over
                             ``RAG_CHROMA_SHARDS`` collections by letter
    uploads/                 letters added through the API, kept for rebuilds
    .lock                    taken by every writer (exclusive) and reader of Chroma (shared)

The manifest is the single commit point. A new version of a letter is written in
full (record, then vectors) before the manifest names it, and the old version is
removed only after; readers serve only what the manifest names. An ingest that
dies halfway therefore leaves either the old or the new version live, never half
a letter or both.

Several processes may use one index (``rag serve`` and a ``rag ingest`` from cron).
Embedded Chroma keeps part of its state in memory, so a client that stays open
misses what another process wrote. Every use of Chroma is therefore a *session*
(``IndexStore.session``): an inter-process file lock (exclusive to write, shared
to read) and a fresh client that is closed at the end. Servers only read Chroma
when they build a view (they search vectors they hold themselves), so sessions
are short and rare.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from llama_index.core.schema import TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.catalog import CHROMA_PAGE, MANIFEST, ChromaCatalog, FileCatalog, Manifest, sweep_collection, versions_where
from rag.config import Settings

__all__ = ["CHROMA_PAGE", "IndexStore", "Manifest"]

LOCK = ".lock"
_NO_VECTOR = [0.0]  # the layout item's embedding: Chroma wants one per item
_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


class IndexStore:
    """Owns the files under ``index/`` and the Chroma collections."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.index_dir)
        self.uploads_dir = self.root / "uploads"
        self.catalog = (ChromaCatalog(lambda: self.client, settings.chroma_collection) if settings.chroma_host
                        else FileCatalog(self.root))
        self._client = None
        self._stores: dict[str, ChromaVectorStore] = {}
        self._shards: int | None = None  # how many collections per kind this index has (read once per client)
        with _PROCESS_LOCKS_GUARD:
            self._lock = _PROCESS_LOCKS.setdefault(str(self.root.resolve()), threading.RLock())
        self._depth = 0
        self._mode = ""
        self._seen: tuple | None = None  # the manifest file as the open client last saw it

    # --- sessions ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, write: bool = False) -> Iterator[IndexStore]:
        """Exclusive (``write``) or shared use of the index across processes.

        Re-entrant in a thread (a read inside a write reuses the write's lock); threads of one
        process take turns. Waits while another process writes. Each session opens a fresh Chroma
        client, so what another process wrote is read; with ``RAG_CHROMA_KEEP_OPEN`` an embedded
        client is kept from one session to the next while no other process has committed since (its
        first use loads a collection's segments: seconds at 10,000 letters, and their memory).
        """
        with self._lock:
            if self._depth:
                if write and self._mode != "write":
                    raise RuntimeError("een leessessie kan niet worden omgezet in een schrijfsessie")
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
                keep = self.settings.chroma_keep_open and not self.settings.chroma_host
                if not keep or self._token() != self._seen:
                    self.close()  # whatever another process wrote since is read afresh
                self._depth, self._mode = 1, "write" if write else "read"
                try:
                    yield self
                finally:
                    self._depth, self._mode = 0, ""
                    if keep:
                        self._seen = self._token()
                    else:
                        self.close()
            finally:
                os.close(fd)  # releases the lock

    def _token(self) -> tuple | None:
        """What changes when any process commits to a folder index: the manifest file (replaced whole at each
        commit)."""
        try:
            st = (self.root / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def close(self) -> None:
        """Drop the Chroma client (the next use opens a fresh one)."""
        self._stores.clear()
        self._shards = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None

    # --- catalog: manifest, records, originals ------------------------------------------------
    def _reading(self):
        """A catalog in Chroma is read through the session's client (sessions close it; threads take turns)."""
        return self.session() if isinstance(self.catalog, ChromaCatalog) else contextlib.nullcontext()

    def exists(self) -> bool:
        with self._reading():
            return self.catalog.exists()

    def load_manifest(self) -> Manifest:
        with self._reading():
            return self.catalog.load_manifest()

    def stamp(self) -> float | None:
        """The live manifest's time, read cheaply: what watchers poll (None before the first commit)."""
        with self._reading():
            return self.catalog.stamp()

    def commit(self, manifest: Manifest) -> None:
        manifest.updated = time.time()
        self.catalog.commit(manifest)

    def has_record(self, doc_id: str, content_hash: str) -> bool:
        return self.catalog.has_record(doc_id, content_hash)

    def write_record(self, record: dict) -> None:
        self.catalog.write_record(record)

    def read_record(self, doc_id: str, content_hash: str) -> dict:
        return self.catalog.read_records({doc_id: content_hash})[doc_id]

    def read_records(self, wanted: dict[str, str]) -> dict[str, dict]:
        """The records of ``{doc_id: hash}``, in one pass (a few calls, not one per letter, with a server)."""
        return self.catalog.read_records(wanted)

    def write_original(self, doc_id: str, content_hash: str, suffix: str, data: bytes) -> None:
        self.catalog.write_original(doc_id, content_hash, suffix, data)

    def read_original(self, doc_id: str, content_hash: str, suffix: str) -> bytes | None:
        with self._reading():
            return self.catalog.read_original(doc_id, content_hash, suffix)

    def vectors_of(self, kind: str, ids: list[str]) -> np.ndarray:
        """Unit vectors of the given node ids, in that order (zeros for an id Chroma lacks).

        Each page goes straight into the one output array: Chroma hands out float64, and holding a page's
        rows as separate arrays cost several times the vectors' own size at 1,000 letters."""
        row = {node_id: k for k, node_id in enumerate(ids)}
        out: np.ndarray | None = None
        by_shard: dict[int, list[str]] = {}
        for node_id in ids:
            by_shard.setdefault(self.shard_of(self.doc_of(node_id), self.shards), []).append(node_id)
        for shard, shard_ids in sorted(by_shard.items()):
            col = self._store(kind, shard, self.shards)._collection
            for i in range(0, len(shard_ids), CHROMA_PAGE):
                got = col.get(ids=shard_ids[i:i + CHROMA_PAGE], include=["embeddings"])
                if not len(got["ids"]):
                    continue
                page = np.asarray(got["embeddings"], dtype=np.float32)
                if out is None:
                    out = np.zeros((len(ids), page.shape[1]), dtype=np.float32)
                out[[row[node_id] for node_id in got["ids"]]] = page
        if out is None:
            return np.zeros((len(ids), 1), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.where(norms > 0, norms, 1.0)
        return out

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

    # Each kind of vector is spread over ``shards`` collections by letter, so that a change to one letter loads
    # and writes one shard's vector index instead of the whole collection's (at 10,000 letters that load took
    # seconds and a gigabyte). The count lives in a one-item collection (the layout), written before the first
    # vector; an index without it has the single collections of the layout before shards.
    def _name(self, kind: str, shard: int, shards: int) -> str:
        base = f"{self.settings.chroma_collection}_{kind}"
        return base if shards == 1 else f"{base}_{shard:02d}_of_{shards}"

    def _layout(self):
        name = f"{self.settings.chroma_collection}_layout"
        return self.client.get_or_create_collection(name, embedding_function=None)

    def _set_shards(self, shards: int) -> None:
        self._layout().upsert(ids=["layout"], embeddings=[_NO_VECTOR], metadatas=[{"shards": shards}], documents=[""])
        self._shards = shards

    @property
    def shards(self) -> int:
        """The index's shard count: its layout's, 1 for an index from before shards, else ``RAG_CHROMA_SHARDS``."""
        if self._shards is None:
            names = {getattr(c, "name", c) for c in self.client.list_collections()}
            got = (self._layout().get(ids=["layout"], include=["metadatas"])
                   if f"{self.settings.chroma_collection}_layout" in names else {"ids": []})
            if got["ids"]:
                self._shards = int(got["metadatas"][0]["shards"])
            elif f"{self.settings.chroma_collection}_chunks" in names:
                self._shards = 1
            elif self._mode == "write":
                self._set_shards(self.settings.chroma_shards)
            else:
                return self.settings.chroma_shards  # nothing written yet: a reader finds empty collections
        return self._shards

    @staticmethod
    def shard_of(doc_id: str, shards: int) -> int:
        """A letter's shard: a stable hash of its id (Python's ``hash`` differs between processes)."""
        return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=4).digest(), "big") % shards

    def vectors(self, kind: str, doc_id: str = "") -> ChromaVectorStore:
        """``chunks`` or ``sentences``, the shard holding ``doc_id``. Collections use cosine space and never
        Chroma's own embedder."""
        shards = self.shards
        return self._store(kind, self.shard_of(doc_id, shards), shards)

    def collections(self, kind: str) -> list:
        """Every shard's Chroma collection of ``kind``."""
        return [self._store(kind, k, self.shards)._collection for k in range(self.shards)]

    def _store(self, kind: str, shard: int, shards: int) -> ChromaVectorStore:
        name = self._name(kind, shard, shards)
        if name not in self._stores:
            collection = self.client.get_or_create_collection(
                name=name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
            self._stores[name] = ChromaVectorStore(chroma_collection=collection)
        return self._stores[name]

    @staticmethod
    def doc_of(node_id: str) -> str:
        """The letter a passage or sentence id belongs to (ids start ``<doc_id>:<hash>:``; doc ids hold no colon)."""
        return node_id.split(":", 1)[0]

    def add_nodes(self, kind: str, nodes: list[TextNode]) -> None:
        by_shard: dict[int, list[TextNode]] = {}
        for n in nodes:
            by_shard.setdefault(self.shard_of(self.doc_of(n.node_id), self.shards), []).append(n)
        for shard, group in by_shard.items():
            store = self._store(kind, shard, self.shards)
            # Leftovers of an interrupted run: looked up first, since a delete costs ~0.1 s even when none of its
            # ids exist (it goes through Chroma's log and vector segment) and a lookup ~1 ms.
            stale = store._collection.get(ids=[n.node_id for n in group], include=[])["ids"]
            if stale:
                store._collection.delete(ids=stale)
            store.add(group)

    def delete_versions(self, doc_id: str, keep_hash: str | None = None) -> None:
        """Remove vectors and records of every version of ``doc_id`` but ``keep_hash``."""
        for kind in ("chunks", "sentences"):
            self.vectors(kind, doc_id)._collection.delete(where=versions_where(doc_id, keep_hash))
        self.catalog.delete_versions(doc_id, keep_hash)

    def collect_garbage(self, manifest: Manifest, doc_ids: Collection[str] | None = None) -> int:
        """Delete what no live version owns (left by an interrupted ingest). Returns the count removed.

        ``doc_ids`` limits the sweep to those letters: an upload checks its own letter, not the whole
        collection (which would make every upload cost as much as the collection is large). Chroma is
        read and written in pages: one call over tens of thousands of ids exceeds SQLite's variable limit."""
        if doc_ids is not None and not doc_ids:
            return 0
        live = manifest.live_keys()
        removed = 0
        for kind in ("chunks", "sentences"):
            if doc_ids is None:
                removed += sum(sweep_collection(col, None, live) for col in self.collections(kind))
                continue
            by_shard: dict[int, list[str]] = {}
            for d in sorted(doc_ids):
                by_shard.setdefault(self.shard_of(d, self.shards), []).append(d)
            removed += sum(sweep_collection(self._store(kind, k, self.shards)._collection,
                                            {"doc_id": {"$in": ds}}, live) for k, ds in by_shard.items())
        return removed + self.catalog.sweep(live, doc_ids)

    def reset(self) -> None:
        """Empty the vectors (and a shared catalog) for a rebuild."""
        self.catalog.reset()
        self._drop_vectors(self.shards)
        self._set_shards(self.settings.chroma_shards)  # a rebuilt index takes today's setting

    def _drop_vectors(self, shards: int) -> None:
        for kind in ("chunks", "sentences"):
            for k in range(shards):
                with contextlib.suppress(Exception):  # chroma raises different types for a missing collection
                    self.client.delete_collection(self._name(kind, k, shards))
        self._stores.clear()

    def reshard(self, shards: int, progress=None) -> int:
        """Spread the vectors over ``shards`` collections per kind (in a write session). Every vector is copied
        into its new shard, then the layout switches, then the old collections are dropped: a run that dies
        leaves the old layout live (its half-made new collections are dropped at the next try). Returns the
        vectors copied."""
        old = self.shards
        if shards == old:
            return 0
        for kind in ("chunks", "sentences"):  # leftovers of an interrupted run
            for k in range(shards):
                with contextlib.suppress(Exception):
                    self.client.delete_collection(self._name(kind, k, shards))
        copied = 0
        for kind in ("chunks", "sentences"):
            for col in self.collections(kind):
                for offset in range(0, col.count(), CHROMA_PAGE):
                    got = col.get(include=["embeddings", "metadatas", "documents"], limit=CHROMA_PAGE, offset=offset)
                    by_shard: dict[int, list[int]] = {}
                    for i, node_id in enumerate(got["ids"]):
                        by_shard.setdefault(self.shard_of(self.doc_of(node_id), shards), []).append(i)
                    for k, rows in by_shard.items():
                        self._store(kind, k, shards)._collection.add(
                            ids=[got["ids"][i] for i in rows], embeddings=[got["embeddings"][i] for i in rows],
                            metadatas=[got["metadatas"][i] for i in rows],
                            documents=[got["documents"][i] for i in rows])
                    copied += len(got["ids"])
                    if progress:
                        progress(len(got["ids"]))
        self._set_shards(shards)
        self._drop_vectors(old)
        self.commit(self.load_manifest())  # the same letters, a new time: other processes open the new layout
        return copied
