"""The catalog: which version of each letter is live (the manifest), the letter records and the original files.

Two homes, one interface:

- ``FileCatalog`` (the default): ``index/manifest.json``, ``index/docs/`` and ``index/originals/``. Several
  processes on one machine share it through the folder (the manifest is replaced atomically).
- ``ChromaCatalog`` (with ``RAG_CHROMA_HOST``): three more collections in the same Chroma server that holds the
  vectors, so API processes on several machines answer from one store with nothing shared on disk. The manifest
  is one item per letter plus a *stamp* item; a commit writes only the letters it changed (diffed against the
  manifest as it was loaded), so two machines committing different letters never undo each other. The stamp
  (time, embedder, dimension) is what watchers poll: one small read, whatever the collection's size.

The keyword side (vocabulary, BM25) is not stored: each process derives it from the records it reads.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
CHROMA_PAGE = 5000  # ids per Chroma call: one call over more exceeds SQLite's variable limit
_STAMP = "__stamp__"
_DUMMY = [0.0]  # Chroma wants an embedding per item; catalog items are only ever read by id or metadata


@dataclass
class Manifest:
    """Which version (content hash) of each letter is live. ``base`` is the documents as loaded, so a commit
    to a shared catalog writes only what this process changed."""

    embedder: str | None = None
    dim: int | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated: float = 0.0
    base: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict:
        return {"format": FORMAT_VERSION, "embedder": self.embedder, "dim": self.dim,
                "updated": self.updated, "documents": self.documents}

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        return cls(embedder=data.get("embedder"), dim=data.get("dim"),
                   documents=data.get("documents", {}), updated=data.get("updated", 0.0))

    def live_keys(self) -> set[str]:
        return {f"{d}:{m['hash']}" for d, m in self.documents.items()}


def versions_where(doc_id: str, keep_hash: str | None = None) -> dict:
    """Chroma's filter for every stored version of ``doc_id`` but ``keep_hash``."""
    if keep_hash:
        return {"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": keep_hash}}]}
    return {"doc_id": doc_id}


def sweep_collection(col, where: dict | None, live: set[str]) -> int:
    """Delete the items of a Chroma collection (matching ``where``) that no live version owns; in pages, because
    one call over tens of thousands of ids exceeds SQLite's variable limit. Returns the count removed."""
    stale: list[str] = []
    for offset in itertools.count(0, CHROMA_PAGE):
        got = col.get(where=where, include=["metadatas"], limit=CHROMA_PAGE, offset=offset)
        stale += [i for i, m in zip(got["ids"], got["metadatas"], strict=True)
                  if f"{m.get('doc_id')}:{m.get('doc_hash')}" not in live]
        if len(got["ids"]) < CHROMA_PAGE:
            break
    for i in range(0, len(stale), CHROMA_PAGE):
        col.delete(ids=stale[i:i + CHROMA_PAGE])
    return len(stale)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target.

    ``json.dumps`` then one write: ``json.dump`` to a file encodes in pure Python, which took most of a
    second per commit for a manifest of 10,000 letters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, ensure_ascii=False))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _key(doc_id: str, content_hash: str) -> str:
    return f"{doc_id}-{content_hash}"


class FileCatalog:
    """The catalog as files under the index folder."""

    def __init__(self, root: Path):
        self.root = root
        self.docs_dir = root / "docs"
        self.originals_dir = root / "originals"
        self._stamp: tuple[tuple, float | None] | None = None  # (the manifest file's identity, its time)

    def exists(self) -> bool:
        return (self.root / MANIFEST).exists()

    def load_manifest(self) -> Manifest:
        path = self.root / MANIFEST
        if not path.exists():
            return Manifest()
        return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))

    def stamp(self) -> float | None:
        """Read from the manifest only when the file changed: a commit replaces it whole (a new inode), and a
        server polls this every second; parsing 10,000 letters' manifest each time took a tenth of a core."""
        try:
            st = (self.root / MANIFEST).stat()
        except FileNotFoundError:
            return None
        token = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._stamp is None or self._stamp[0] != token:
            self._stamp = (token, self.load_manifest().updated)
        return self._stamp[1]

    def commit(self, manifest: Manifest) -> None:
        atomic_write_json(self.root / MANIFEST, manifest.to_json())

    def reset(self) -> None:
        """Nothing to do: a rebuild commits an empty manifest and the sweep removes the files."""

    def record_path(self, doc_id: str, content_hash: str) -> Path:
        return self.docs_dir / f"{_key(doc_id, content_hash)}.json"

    def has_record(self, doc_id: str, content_hash: str) -> bool:
        return self.record_path(doc_id, content_hash).exists()

    def write_record(self, record: dict) -> None:
        atomic_write_json(self.record_path(record["doc_id"], record["hash"]), record)

    def read_records(self, wanted: dict[str, str]) -> dict[str, dict]:
        return {d: json.loads(self.record_path(d, h).read_text(encoding="utf-8")) for d, h in wanted.items()}

    def original_path(self, doc_id: str, content_hash: str, suffix: str) -> Path:
        return self.originals_dir / f"{_key(doc_id, content_hash)}{suffix}"

    def write_original(self, doc_id: str, content_hash: str, suffix: str, data: bytes) -> None:
        path = self.original_path(doc_id, content_hash, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def read_original(self, doc_id: str, content_hash: str, suffix: str) -> bytes | None:
        path = self.original_path(doc_id, content_hash, suffix)
        return path.read_bytes() if path.exists() else None

    def delete_versions(self, doc_id: str, keep_hash: str | None = None) -> None:
        for path in [*self.docs_dir.glob(f"{doc_id}-*.json"), *self.originals_dir.glob(f"{doc_id}-*")]:
            stem = path.name.split(".")[0]
            if stem.rsplit("-", 1)[0] == doc_id and (keep_hash is None or stem != _key(doc_id, keep_hash)):
                path.unlink(missing_ok=True)

    def sweep(self, live: set[str], doc_ids: Collection[str] | None) -> int:
        live_stems = {k.replace(":", "-") for k in live}
        paths = [*self.docs_dir.glob("*.json"), *self.originals_dir.glob("*")]
        if doc_ids is not None:
            paths = [p for p in paths if p.name.split(".")[0].rsplit("-", 1)[0] in doc_ids]
        removed = 0
        for path in paths:
            if path.name.split(".")[0] not in live_stems:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class ChromaCatalog:
    """The catalog in collections of a Chroma server, beside the vectors."""

    def __init__(self, client_of, prefix: str):
        self._client_of, self.prefix = client_of, prefix  # the store's client: sessions renew it

    def _col(self, what: str):
        return self._client_of().get_or_create_collection(name=f"{self.prefix}_{what}", embedding_function=None)

    def exists(self) -> bool:
        return bool(self._col("manifest").get(ids=[_STAMP])["ids"])

    def stamp(self) -> float | None:
        got = self._col("manifest").get(ids=[_STAMP], include=["metadatas"])
        return float(got["metadatas"][0]["updated"]) if got["ids"] else None

    def load_manifest(self) -> Manifest:
        col = self._col("manifest")
        manifest = Manifest()
        for offset in itertools.count(0, CHROMA_PAGE):
            got = col.get(include=["documents", "metadatas"], limit=CHROMA_PAGE, offset=offset)
            for item_id, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if item_id == _STAMP:
                    manifest.updated = float(meta["updated"])
                    manifest.embedder = meta.get("embedder") or None
                    manifest.dim = meta.get("dim") or None
                else:
                    manifest.documents[item_id] = json.loads(doc)
                    manifest.base[item_id] = doc
            if len(got["ids"]) < CHROMA_PAGE:
                break
        return manifest

    def commit(self, manifest: Manifest) -> None:
        """Write the letters this manifest changed since it was loaded, then the stamp (what watchers poll)."""
        col = self._col("manifest")
        now = {d: json.dumps(e, ensure_ascii=False, sort_keys=True) for d, e in manifest.documents.items()}
        changed = [d for d, doc in now.items() if manifest.base.get(d) != doc]
        gone = [d for d in manifest.base if d not in now]
        for i in range(0, len(changed), CHROMA_PAGE):
            page = changed[i:i + CHROMA_PAGE]
            col.upsert(ids=page, documents=[now[d] for d in page], embeddings=[_DUMMY] * len(page),
                       metadatas=[{"doc_id": d} for d in page])
        for i in range(0, len(gone), CHROMA_PAGE):
            col.delete(ids=gone[i:i + CHROMA_PAGE])
        meta: dict[str, Any] = {"updated": manifest.updated or time.time()}
        if manifest.embedder:
            meta.update(embedder=manifest.embedder, dim=int(manifest.dim or 0))
        col.upsert(ids=[_STAMP], documents=[""], embeddings=[_DUMMY], metadatas=[meta])
        manifest.base = now

    def reset(self) -> None:
        """A rebuild starts from an empty catalog (the letters are indexed again from their files)."""
        for what in ("manifest", "records", "originals"):
            with contextlib.suppress(Exception):  # chroma raises different types for a missing collection
                self._client_of().delete_collection(f"{self.prefix}_{what}")

    def has_record(self, doc_id: str, content_hash: str) -> bool:
        return bool(self._col("records").get(ids=[_key(doc_id, content_hash)])["ids"])

    def write_record(self, record: dict) -> None:
        self._col("records").upsert(
            ids=[_key(record["doc_id"], record["hash"])], documents=[json.dumps(record, ensure_ascii=False)],
            embeddings=[_DUMMY], metadatas=[{"doc_id": record["doc_id"], "doc_hash": record["hash"]}])

    def read_records(self, wanted: dict[str, str]) -> dict[str, dict]:
        keys = [_key(d, h) for d, h in wanted.items()]
        found: dict[str, dict] = {}
        col = self._col("records")
        for i in range(0, len(keys), CHROMA_PAGE):
            got = col.get(ids=keys[i:i + CHROMA_PAGE], include=["documents"])
            for doc in got["documents"]:
                rec = json.loads(doc)
                found[rec["doc_id"]] = rec
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise FileNotFoundError(f"geen record in Chroma voor: {', '.join(missing[:5])}")
        return {d: found[d] for d in wanted}

    def write_original(self, doc_id: str, content_hash: str, suffix: str, data: bytes) -> None:
        self._col("originals").upsert(
            ids=[_key(doc_id, content_hash)], documents=[base64.b64encode(data).decode("ascii")],
            embeddings=[_DUMMY], metadatas=[{"doc_id": doc_id, "doc_hash": content_hash, "suffix": suffix}])

    def read_original(self, doc_id: str, content_hash: str, suffix: str) -> bytes | None:
        got = self._col("originals").get(ids=[_key(doc_id, content_hash)], include=["documents"])
        return base64.b64decode(got["documents"][0]) if got["ids"] else None

    def delete_versions(self, doc_id: str, keep_hash: str | None = None) -> None:
        for what in ("records", "originals"):
            self._col(what).delete(where=versions_where(doc_id, keep_hash))

    def sweep(self, live: set[str], doc_ids: Collection[str] | None) -> int:
        where = {"doc_id": {"$in": sorted(doc_ids)}} if doc_ids is not None else None
        return sum(sweep_collection(self._col(what), where, live) for what in ("records", "originals"))
