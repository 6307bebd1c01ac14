"""Letters in: corpus -> clean -> chunk -> embed -> index, incrementally and safely.

llama-index supplies the node model (``Document``/``TextNode`` with character
offsets and source relationships), the ``IngestionPipeline`` that runs our
splitter and embedder over a letter, and the Chroma vector store adapter. We do
not let the pipeline write to the store itself: its upsert deletes a letter's old
nodes before the new ones exist, so a failed run can lose the letter. Instead
each new version is written in full and then switched on in the manifest
(see ``rag.index``).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llama_index.core import Document
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.ingestion import IngestionPipeline
from llama_index.core.node_parser import NodeParser
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from tqdm import tqdm

from rag import kamervragen
from rag import metadata as meta
from rag.chunking import chunk
from rag.clean import reading
from rag.config import Settings
from rag.documents import SUFFIXES, check_name, read_document
from rag.embed import Embedder, group_size
from rag.errors import IngestError
from rag.index import IndexStore, Manifest
from rag.sentences import split_sentences

# Bump when cleaning, chunking or what is embedded changes: every letter is then re-embedded.
PIPELINE_VERSION = "2026-12-07.1"
# A folder ingest makes its letters live in batches, at most this often: the manifest is written whole
# (or diffed whole) at every commit, so a commit per letter made an ingest grow with the square of its size.
COMMIT_EVERY_S = 5.0
__all__ = ["IngestError", "SUFFIXES", "SourceDoc", "discover", "ingest"]


@dataclass
class SourceDoc:
    """One letter as found on disk or uploaded: its file's bytes (a text letter may be given as ``str``)."""

    source: str  # file name
    origin: str  # the folder scanned, or "upload"
    raw: str | bytes
    sidecar: dict = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return meta.doc_id_for(self.source)

    @property
    def data(self) -> bytes:
        return self.raw.encode("utf-8") if isinstance(self.raw, str) else self.raw

    @property
    def suffix(self) -> str:
        return Path(self.source).suffix.lower()


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    embedded_passages: int = 0
    embedded_sentences: int = 0
    embed_seconds: float = 0.0

    def throughput(self) -> str:
        if not self.embed_seconds:
            return ""
        return (f"; ingebed: {self.embedded_passages / self.embed_seconds:.1f} passages/s en "
                f"{self.embedded_sentences / self.embed_seconds:.1f} zinnen/s")

    def line(self) -> str:
        return (f"{len(self.added)} toegevoegd, {len(self.updated)} bijgewerkt, {len(self.unchanged)} ongewijzigd, "
                f"{len(self.removed)} verwijderd; {self.chunks} passages in de index; {self.seconds:.1f} s"
                + self.throughput())

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "removed": self.removed, "chunks": self.chunks, "seconds": round(self.seconds, 2),
                "embedded_passages": self.embedded_passages, "embedded_sentences": self.embedded_sentences,
                "embed_seconds": round(self.embed_seconds, 2)}


# --- llama-index components -----------------------------------------------------------------

class EmbedderAdapter(BaseEmbedding):
    """Our ``Embedder`` as a llama-index embedding model (queries and passages keep their prefixes)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, batch_size: int = 16, **kwargs: Any):
        super().__init__(model_name=embedder.name, embed_batch_size=batch_size, **kwargs)
        self._embedder = embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_passages([reading(t) for t in texts]).tolist()  # as read: no line-break hyphens


class LetterSplitter(NodeParser):
    """Passages (``kind="chunks"``) or sentences (``kind="sentences"``) of a cleaned letter, as TextNodes.

    Expects Documents whose text is the cleaned letter and whose metadata carries
    the record (see ``build_record``); the node ids and offsets come from it.
    """

    kind: str = "chunks"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        out: list[BaseNode] = []
        for doc in nodes:
            rec = doc.metadata["_record"]
            base = {"doc_id": rec["doc_id"], "doc_hash": rec["hash"], "date_int": date_int(rec["metadata"]["date"])}
            context = {"title": rec["metadata"]["title"] or ""}
            items = rec["chunks"] if self.kind == "chunks" else rec["sentences"]
            for it in items:
                md = {**base, "start": it["start"], "end": it["end"], "chunk_id": it["chunk_id"]}
                if self.kind == "chunks":
                    md.update(context)
                    if it.get("section"):
                        md["section"] = it["section"]
                node = TextNode(
                    id_=it["chunk_id"] if self.kind == "chunks" else it["sentence_id"],
                    text=rec["text"][it["start"]:it["end"]],
                    metadata=md,
                    excluded_embed_metadata_keys=[k for k in md if k not in ("title", "section")],
                    excluded_llm_metadata_keys=list(md),
                    metadata_template="{value}",
                    text_template="{metadata_str}\n\n{content}",
                    start_char_idx=it["start"],
                    end_char_idx=it["end"],
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=rec["doc_id"])},
                )
                out.append(node)
        return out

    def _postprocess_parsed_nodes(self, nodes, parent_doc_map):  # offsets are exact already
        return nodes


def date_int(date: str | None) -> int:
    """``2023-06-30`` -> 20230630; -1 for an undated letter (so date filters exclude it)."""
    return int(date.replace("-", "")) if date else -1


# --- records ----------------------------------------------------------------------------------

def content_hash(src: SourceDoc, settings: Settings, embedder_name: str) -> str:
    """Changes whenever anything that ends up in the index for this letter would change."""
    h = hashlib.sha256()
    for part in (PIPELINE_VERSION, embedder_name, str(settings.chunk_min_words), str(settings.chunk_max_words),
                 json.dumps(src.sidecar, sort_keys=True, ensure_ascii=False), src.source):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    h.update(src.data)
    h.update(b"\0")
    return h.hexdigest()[:16]


def build_record(src: SourceDoc, settings: Settings, content_hash_: str) -> dict:
    """Everything about one letter version except its vectors; IngestError when the file cannot be read."""
    cdoc = read_document(src.source, src.data, settings.max_pages)
    from_text, spans = meta.extract_with_spans(cdoc)
    fields, sources = meta.merge(from_text, src.sidecar)
    doc_id = src.doc_id
    fields["title"] = fields["title"] or Path(src.source).stem
    sources.setdefault("title", "file name")
    chunks = []
    sentences = []
    for c in chunk(cdoc, settings.chunk_min_words, settings.chunk_max_words):
        chunk_id = f"{doc_id}:{content_hash_}:{c.index}"
        chunks.append({"chunk_id": chunk_id, "index": c.index, "start": c.start, "end": c.end, "section": c.section})
        for j, (s, e) in enumerate(split_sentences(cdoc.text, c.start, c.end)):
            sentences.append({"sentence_id": f"{chunk_id}:s{j}", "chunk_id": chunk_id, "start": s, "end": e})
    return {
        "doc_id": doc_id,
        "hash": content_hash_,
        "metadata": {"doc_id": doc_id, **fields, "source": src.source},
        "metadata_sources": sources,
        "metadata_spans": {f: list(span) for f, span in spans.items() if sources.get(f) == "text"},
        "origin": src.origin,
        "text": cdoc.text,
        "pages": [list(r) for r in cdoc.pages] if cdoc.pages else None,
        "original": src.suffix,
        "blocks": [[b.start, b.end, b.kind] for b in cdoc.blocks],
        "chunks": chunks,
        "sentences": sentences,
        "kamervragen": [[qa.number, *qa.question, *qa.answer] for qa in kamervragen.parse(cdoc.text)],
    }


def embed_records(records: list[dict], embedder: Embedder, batch_size: int = 16) -> list[tuple[list, list]]:
    """Passage and sentence nodes with vectors per record, through llama-index ingestion pipelines.

    Several letters go through one pipeline run, so an accelerator gets full batches instead of one letter's
    dozen passages at a time.
    """
    docs = [Document(id_=r["doc_id"], text=r["text"], metadata={"_record": r},
                     excluded_embed_metadata_keys=["_record"], excluded_llm_metadata_keys=["_record"])
            for r in records]
    adapter = EmbedderAdapter(embedder, group_size(batch_size))  # one call per group: the embedder sorts by length
    per_doc: dict[str, tuple[list, list]] = {r["doc_id"]: ([], []) for r in records}
    for k, kind in enumerate(("chunks", "sentences")):
        pipeline = IngestionPipeline(transformations=[LetterSplitter(kind=kind), adapter], disable_cache=True)
        for node in pipeline.run(documents=docs, show_progress=False):
            per_doc[node.metadata["doc_id"]][k].append(node)
    return [per_doc[r["doc_id"]] for r in records]


def embed_groups(todo: list, batch_size: int) -> Iterable[list]:
    """Consecutive letters whose passages and sentences fill at least a few embedding batches together."""
    want = group_size(batch_size)
    group: list = []
    texts = 0
    for item in todo:
        group.append(item)
        texts += len(item[-1]["chunks"]) + len(item[-1]["sentences"])
        if texts >= want:
            yield group
            group, texts = [], 0
    if group:
        yield group


# --- discovery --------------------------------------------------------------------------------

def discover(paths: Iterable[Path]) -> tuple[list[SourceDoc], set[str]]:
    """Letters under the given files/folders, and the folders scanned (for removals)."""
    docs: list[SourceDoc] = []
    scanned: set[str] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            scanned.add(str(p.resolve()))
            sidecar = meta.load_sidecar(p)
            files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
            for f in files:
                docs.append(SourceDoc(f.name, str(p.resolve()), f.read_bytes(), sidecar.get(f.name, {})))
        elif p.is_file():
            check_name(str(p))
            sidecar = meta.load_sidecar(p.parent)
            docs.append(SourceDoc(p.name, str(p.parent.resolve()), p.read_bytes(), sidecar.get(p.name, {})))
        else:
            raise IngestError(f"{p}: bestand of map bestaat niet")
    seen: dict[str, str] = {}
    for d in docs:
        if d.doc_id in seen and seen[d.doc_id] != d.origin + d.source:
            raise IngestError(f"twee bestanden krijgen hetzelfde doc_id '{d.doc_id}': hernoem er een")
        seen[d.doc_id] = d.origin + d.source
    return docs, scanned


# --- the ingest ----------------------------------------------------------------------------------

def ingest(
    store: IndexStore,
    embedder: Embedder,
    settings: Settings,
    docs: list[SourceDoc],
    scanned: set[str] = frozenset(),
    rebuild: bool = False,
    progress: bool | None = None,
    on_committed: Callable[[Manifest], None] | None = None,
) -> IngestSummary:
    """Bring the index in line with ``docs``; letters from a scanned folder that are gone are removed.

    Every new or changed file is read and cleaned before anything is written, so one
    unreadable file stops the run with IngestError and leaves the index as it was.
    """
    t0 = time.perf_counter()
    summary = IngestSummary()
    manifest = store.load_manifest()
    fresh = rebuild or bool(manifest.embedder and manifest.embedder != embedder.name)
    if fresh:
        manifest = Manifest()
    todo: list[tuple[SourceDoc, str, dict]] = []
    for src in docs:
        h = content_hash(src, settings, embedder.name)
        old = manifest.documents.get(src.doc_id)
        if (old and old["hash"] == h and old.get("pipeline") == PIPELINE_VERSION
                and store.has_record(src.doc_id, h)):
            summary.unchanged.append(src.doc_id)
            continue
        todo.append((src, h, build_record(src, settings, h)))

    if fresh:
        store.commit(manifest)
        store.reset()
    manifest.embedder, manifest.dim = embedder.name, embedder.dim
    # A folder scan sweeps the whole store. An upload sweeps only a letter of its own that it leaves as it is: a
    # letter it writes loses every other version right after its switch (``delete_versions``), which removes the
    # same leftovers once the letter is live; sweeping first cost 3 s of each upload at 10,000 letters (a Chroma
    # metadata query over every row).
    writes = {src.doc_id for src, _, _ in todo}
    store.collect_garbage(manifest, None if (scanned or fresh) else {src.doc_id for src in docs} - writes)

    present = {d.doc_id for d in docs}
    for doc_id, entry in list(manifest.documents.items()):
        if doc_id not in present and entry.get("origin") in scanned:
            del manifest.documents[doc_id]
            store.commit(manifest)
            store.delete_versions(doc_id)
            summary.removed.append(doc_id)

    show = sys.stderr.isatty() if progress is None else progress
    pending: list[tuple[str, str]] = []  # letters written in full but not yet live
    last_commit = time.monotonic()

    def switch() -> None:
        store.commit(manifest)  # the switch: from here on the new versions are live
        if on_committed:
            on_committed(manifest)
        for doc_id, h in pending:
            store.delete_versions(doc_id, keep_hash=h)
        pending.clear()

    bar = tqdm(total=len(todo), desc="Brieven indexeren", unit="brief", disable=not show)
    try:
        for group in embed_groups(todo, settings.embed_batch_size):
            te = time.perf_counter()
            embedded = embed_records([record for _, _, record in group], embedder, settings.embed_batch_size)
            summary.embed_seconds += time.perf_counter() - te
            for (src, h, record), (chunk_nodes, sentence_nodes) in zip(group, embedded, strict=True):
                old = manifest.documents.get(src.doc_id)
                summary.embedded_passages += len(chunk_nodes)
                summary.embedded_sentences += len(sentence_nodes)
                store.write_original(src.doc_id, h, src.suffix, src.data)
                store.write_record(record)
                store.add_nodes("chunks", chunk_nodes)
                store.add_nodes("sentences", sentence_nodes)
                manifest.documents[src.doc_id] = {
                    "hash": h, "origin": src.origin, "source": src.source, "chunks": len(record["chunks"]),
                    "pipeline": PIPELINE_VERSION,
                    "metadata": record["metadata"],
                }
                pending.append((src.doc_id, h))
                (summary.updated if old else summary.added).append(src.doc_id)
                bar.update(1)
            if time.monotonic() - last_commit >= COMMIT_EVERY_S:  # a whole group goes live at once
                switch()
                last_commit = time.monotonic()
    finally:  # the letters written in full go live, also when a later one fails
        bar.close()
        if pending:
            switch()
    if not todo:  # a run that wrote letters committed them in its last switch; writing the manifest again cost
        store.commit(manifest)  # most of a second per upload at 10,000 letters
    summary.chunks = sum(e["chunks"] for e in manifest.documents.values())
    summary.seconds = time.perf_counter() - t0
    return summary
