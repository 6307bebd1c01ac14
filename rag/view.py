"""The in-memory view of the live index that search and answering read: one immutable snapshot per manifest.

Built when a process opens the index and again after every change (an upload, a delete, an ingest).
A rebuild takes from the previous view what did not change (the records and vectors of letters whose
version is the same), so only the new letters are read from disk and Chroma; the lexical side (the
analyzer's vocabulary, IDF, both BM25 indexes) is rebuilt over the whole collection, because every
letter's terms and weights depend on all the others. Sentence terms are made when first read.

That rebuild grows with the collection (about 25 s at 1,000 letters, two minutes at 10,000), so from
``RAG_VIEW_APPEND_FROM`` passages on, a change that only adds letters *appends* them instead
(``extend_view``): the new letters are analysed with the vocabulary of the letters already there and
scored with their BM25 statistics (``rag.bm25``), vectors go into spare rows of a shared buffer, and the
rest is lent. A change that only removes letters *hides* them (``shrink_view``): their passages stay in
the indexes, masked out of every search as a filter would, and their records leave the view. The view
is built whole again when the appended and hidden passages pass ``MERGE_SHARE`` of the others, and at
any change of a letter's version.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag import kamervragen
from rag.bm25 import BM25Index
from rag.clean import reading
from rag.features import Context
from rag.index import IndexStore, Manifest
from rag.question import idf_table
from rag.retrieve import Analyzer, Filters, NgramAnalyzer, build_vocabulary, find_acronyms


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc_id: str
    index: int
    start: int
    end: int
    section: str | None
    text: str


@dataclass(frozen=True)
class Sentence:
    sentence_id: str
    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str  # as it reads (``rag.clean.reading``); a quote is cut from the letter's text by the offsets
    role: str = "text"  # "question" or "answer" in a letter answering Kamervragen (rag.kamervragen)
    qa: int | None = None  # the number of that Kamervraag


# Sentence vectors are only read a few dozen at a time (the candidates of one question), never searched whole,
# so they are kept in half precision: about 0.55 GB less at 10,000 letters. Same figures on dev and blind M
# (2 of 204 answers quote another sentence after the first; neither changes must or abstention).
SENTENCE_DTYPE = np.float16


@dataclass
class CorpusView:
    """Immutable snapshot of the live index."""

    manifest: Manifest
    records: dict[str, dict]
    passages: list[Passage]
    sentences: list[Sentence]
    passage_pos: dict[str, int]
    sentence_pos: dict[str, int]
    sentences_of: dict[str, list[int]]
    analyzer: Analyzer
    bm25_passages: BM25Index
    ngram_passages: BM25Index
    sentence_terms: SentenceTerms
    idf: dict[str, float]
    vocabulary_stems: set[str]
    doc_freq: dict[str, int]  # passages each term occurs in
    doc_order: list[str]  # the letters in the order ``passage_doc`` numbers them
    passage_doc: np.ndarray  # per passage, its letter's position in ``doc_order``
    passage_rows: Rows
    sentence_rows: Rows
    context: Context | None = None  # what answering reads, made once per view (its caches live as long)
    doc_live: np.ndarray | None = None  # per letter in ``doc_order``, False when removed (hidden); None: all live

    @functools.cached_property
    def live_mask(self) -> np.ndarray | None:
        """Per passage, 1.0 for a live letter's and 0.0 for a hidden one's; None when none is hidden."""
        return None if self.doc_live is None else self.doc_live[self.passage_doc].astype(np.float32)

    @functools.cached_property
    def hidden_passages(self) -> int:
        return 0 if self.live_mask is None else int(len(self.live_mask) - np.count_nonzero(self.live_mask))

    @property
    def passage_count(self) -> int:
        """The live letters' passages (hidden ones still sit in ``passages`` until the next whole build)."""
        return len(self.passages) - self.hidden_passages

    @property
    def passage_vectors(self) -> np.ndarray:
        """Unit vectors, rows in ``passages`` order."""
        return self.passage_rows.first(len(self.passages))

    @property
    def sentence_vectors(self) -> np.ndarray:
        """Unit vectors (``SENTENCE_DTYPE``), rows in ``sentences`` order."""
        return self.sentence_rows.first(len(self.sentences))

    def metadata(self, doc_id: str) -> dict:
        return self.records[doc_id]["metadata"]

    def passage_mask(self, filters: Filters | None) -> np.ndarray | None:
        """1 for the passages of the live letters ``filters`` allows, 0 for the rest; None when all count."""
        if not filters or not (filters.doc_ids or filters.date_from or filters.date_to):
            return self.live_mask
        live = self.doc_live
        allowed = np.array([(live is None or live[k]) and filters.allows(d, self.metadata(d).get("date"))
                            for k, d in enumerate(self.doc_order)], dtype=bool)
        return allowed[self.passage_doc].astype(np.float32)


def _room(n: int, at_least: int, width: int, dtype) -> np.ndarray:
    """An empty buffer for ``n`` rows and an eighth more spare ones (at least ``at_least``)."""
    return np.empty((n + max(at_least, n // 8), width), dtype=dtype)


@dataclass
class Rows:
    """Vector rows that successive views share: a view reads its first n rows, so appending writes into the
    spare rows past the last one any view reads, and only copies when they run out or another view has
    already appended there; a copy grows by an eighth (about 90,000 spare rows at 10,000 letters, not half
    the collection's memory). Appending a letter then costs its own rows, not the collection's."""

    data: np.ndarray
    used: int
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def of(cls, vectors: np.ndarray, dtype=None) -> Rows:
        """``vectors`` (as ``dtype``) with an eighth spare rows past them, so that the first letters appended after
        a build are written in place: growing the buffer at the first upload cost 1.8 s of it at 10,000 letters
        (the pages of a fresh buffer the size of the collection). At least 256, a long letter's sentences; spare rows
        nobody has written take no memory."""
        n = len(vectors)
        data = _room(n, 256, vectors.shape[1], dtype or vectors.dtype)
        data[:n] = vectors
        return cls(data, n)

    def first(self, n: int) -> np.ndarray:
        return self.data[:n]

    def appended(self, n: int, new: np.ndarray) -> Rows:
        """Rows holding the first ``n`` of these, then ``new``."""
        total = n + len(new)
        with self.lock:
            if self.used == n and len(self.data) >= total:
                self.data[n:total] = new
                self.used = total
                return self
        grown = _room(total, len(new), self.data.shape[1], self.data.dtype)
        grown[:n], grown[n:total] = self.data[:n], new
        return Rows(grown, total)


class SentenceTerms(Sequence):
    """The analyzer's terms of each sentence, made when first read: answering reads those of the sixty-odd
    candidates of a question, and making all of them at every change cost most of a rebuild."""

    def __init__(self, sentences: list[Sentence], analyzer: Analyzer):
        self._sentences, self._analyzer = sentences, analyzer
        self._terms: list[frozenset[str] | None] = [None] * len(sentences)

    def __len__(self) -> int:
        return len(self._terms)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        got = self._terms[i]
        if got is None:  # two threads may both make it: the same value, so no lock is needed
            got = self._terms[i] = frozenset(self._analyzer.terms(self._sentences[i].text))
        return got

    def extended(self, sentences: list[Sentence]) -> SentenceTerms:
        """Terms of ``sentences`` (these sentences and more after them), keeping the terms already made."""
        new = SentenceTerms(sentences, self._analyzer)
        new._terms[: len(self._terms)] = self._terms
        return new


def _same_version(previous: CorpusView | None, doc_id: str, entry: dict) -> bool:
    return previous is not None and previous.manifest.documents.get(doc_id, {}).get("hash") == entry["hash"]


def _vectors(store: IndexStore, kind: str, ids: list[str], previous: CorpusView | None, kept: set[str],
             doc_of: list[str]) -> np.ndarray:
    """Unit vectors of ``ids``: rows of the previous view for letters kept as they were, Chroma for the rest."""
    if previous is None or not kept:
        return store.vectors_of(kind, ids)
    old, pos = ((previous.passage_vectors, previous.passage_pos) if kind == "chunks"
                else (previous.sentence_vectors, previous.sentence_pos))
    fresh = [k for k, d in enumerate(doc_of) if d not in kept]
    new = store.vectors_of(kind, [ids[k] for k in fresh]) if fresh else np.zeros((0, old.shape[1]), np.float32)
    out = np.zeros((len(ids), old.shape[1] if len(old) else new.shape[1]), dtype=np.float32)
    reused = [k for k, d in enumerate(doc_of) if d in kept]
    if reused:
        out[reused] = old[[pos[ids[k]] for k in reused]]
    if fresh:
        out[fresh] = new
    return out


def _items(records: dict[str, dict]) -> tuple[list[Passage], list[Sentence]]:
    passages, sentences = [], []
    for rec in records.values():
        for c in rec["chunks"]:
            passages.append(Passage(c["chunk_id"], rec["doc_id"], c["index"], c["start"], c["end"], c.get("section"),
                                    rec["text"][c["start"]:c["end"]]))
        spans = [(s["start"], s["end"]) for s in rec["sentences"]]
        qas = [kamervragen.QA(n, (a, b), (c, d)) for n, a, b, c, d in rec.get("kamervragen", [])]
        for s, (role, qa) in zip(rec["sentences"], kamervragen.roles(qas, spans), strict=True):
            sentences.append(Sentence(s["sentence_id"], s["chunk_id"], rec["doc_id"], s["start"], s["end"],
                                      reading(rec["text"][s["start"]:s["end"]]), role, qa))
    return passages, sentences


def _passage_text(p: Passage) -> str:
    return f"{p.section or ''}\n{p.text}"  # a heading's words count for its passage


def _count_terms(doc_freq: dict[str, int], passages: list[Passage], analyzer: Analyzer) -> None:
    for p in passages:
        for t in set(analyzer.terms(p.text)):
            doc_freq[t] = doc_freq.get(t, 0) + 1


def build_view(store: IndexStore, manifest: Manifest, stemmer: str, previous: CorpusView | None = None
               ) -> CorpusView:
    """The view of what ``manifest`` names; call inside a store session (it reads the vectors from Chroma).

    ``previous`` (the view being served) lends the records and vectors of letters whose version did not change."""
    kept = {d for d, e in manifest.documents.items() if _same_version(previous, d, e)}
    read = store.read_records({d: e["hash"] for d, e in manifest.documents.items() if d not in kept})
    records = {d: previous.records[d] if d in kept else read[d] for d in sorted(manifest.documents)}
    passages, sentences = _items(records)
    sentences_of: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        sentences_of.setdefault(s.chunk_id, []).append(i)
    texts = [reading(r["text"]) for r in records.values()]
    analyzer = Analyzer(stemmer, build_vocabulary(texts), acronyms=find_acronyms(texts))
    doc_freq: dict[str, int] = {}
    _count_terms(doc_freq, passages, analyzer)
    passage_texts = [_passage_text(p) for p in passages]
    doc_order = list(records)
    where = {d: k for k, d in enumerate(doc_order)}
    return CorpusView(
        manifest=manifest,
        records=records,
        passages=passages,
        sentences=sentences,
        passage_pos={p.chunk_id: i for i, p in enumerate(passages)},
        sentence_pos={s.sentence_id: i for i, s in enumerate(sentences)},
        sentences_of=sentences_of,
        analyzer=analyzer,
        bm25_passages=BM25Index(passage_texts, analyzer),
        ngram_passages=BM25Index(passage_texts, NgramAnalyzer()),
        sentence_terms=SentenceTerms(sentences, analyzer),
        idf=idf_table(doc_freq, len(passages)),
        vocabulary_stems=set(doc_freq),
        doc_freq=doc_freq,
        doc_order=doc_order,
        passage_doc=np.array([where[p.doc_id] for p in passages], dtype=np.int32),
        passage_rows=Rows.of(_vectors(store, "chunks", [p.chunk_id for p in passages], previous, kept,
                                      [p.doc_id for p in passages])),
        sentence_rows=Rows.of(_vectors(store, "sentences", [s.sentence_id for s in sentences], previous, kept,
                                       [s.doc_id for s in sentences]), SENTENCE_DTYPE),
    )


MERGE_SHARE = 0.25  # appended and hidden passages past this share of the others: the view is built whole again


def _due_for_whole_build(previous: CorpusView, hidden: int, new: int = 0) -> bool:
    """Whether ``new`` appended passages more, with ``hidden`` ones out of search, pass ``MERGE_SHARE`` of the
    passages the BM25 statistics were built on: past it those statistics are too stale to keep lending."""
    return previous.bm25_passages.appended + hidden + new > MERGE_SHARE * previous.bm25_passages.base_size


def extend_view(store: IndexStore, manifest: Manifest, previous: CorpusView | None, append_from: int
                ) -> CorpusView | None:
    """The view of ``manifest`` made by appending the letters it adds to ``previous``; None when that is not
    the change (a letter removed or replaced), ``previous`` is under ``append_from`` passages, or the appended
    passages would pass ``MERGE_SHARE``: then build the view whole. Call inside a store session."""
    if previous is None or not previous.passages:
        return None
    old = previous.manifest.documents
    if any(d not in manifest.documents for d in old) or not all(
            _same_version(previous, d, e) for d, e in manifest.documents.items() if d in old):
        return None
    added = sorted(d for d in manifest.documents if d not in old)
    if not added:
        return dataclasses.replace(previous, manifest=manifest, context=None)
    if len(previous.passages) < append_from or (previous.doc_live is not None and set(added) & set(previous.doc_order)):
        return None  # small, or a hidden letter back: its passages' ids are still in the view
    read = store.read_records({d: manifest.documents[d]["hash"] for d in added})
    new_passages, new_sentences = _items(read)
    if _due_for_whole_build(previous, previous.hidden_passages, len(new_passages)):
        return None
    passages, sentences = previous.passages + new_passages, previous.sentences + new_sentences
    sentences_of = dict(previous.sentences_of)
    passage_pos, sentence_pos = dict(previous.passage_pos), dict(previous.sentence_pos)
    for i, p in enumerate(new_passages, start=len(previous.passages)):
        passage_pos[p.chunk_id] = i
    for i, s in enumerate(new_sentences, start=len(previous.sentences)):
        sentence_pos[s.sentence_id] = i
        sentences_of.setdefault(s.chunk_id, []).append(i)
    doc_freq = dict(previous.doc_freq)
    _count_terms(doc_freq, new_passages, previous.analyzer)
    doc_order = previous.doc_order + added
    where = {d: k for k, d in enumerate(added, start=len(previous.doc_order))}
    texts = [_passage_text(p) for p in new_passages]
    return dataclasses.replace(
        previous,
        doc_live=None if previous.doc_live is None else np.concatenate([previous.doc_live, np.ones(len(added), bool)]),
        manifest=manifest,
        records=dict(sorted({**previous.records, **read}.items())),
        passages=passages,
        sentences=sentences,
        passage_pos=passage_pos,
        sentence_pos=sentence_pos,
        sentences_of=sentences_of,
        bm25_passages=previous.bm25_passages.extended(texts),
        ngram_passages=previous.ngram_passages.extended(texts),
        sentence_terms=previous.sentence_terms.extended(sentences),
        idf=idf_table(doc_freq, len(passages)),
        vocabulary_stems=set(doc_freq),
        doc_freq=doc_freq,
        doc_order=doc_order,
        passage_doc=np.concatenate([previous.passage_doc,
                                    np.array([where[p.doc_id] for p in new_passages], dtype=np.int32)]),
        passage_rows=previous.passage_rows.appended(
            len(previous.passages), store.vectors_of("chunks", [p.chunk_id for p in new_passages])),
        sentence_rows=previous.sentence_rows.appended(
            len(previous.sentences),
            store.vectors_of("sentences", [s.sentence_id for s in new_sentences])),  # stored as SENTENCE_DTYPE
        context=None,
    )


def shrink_view(manifest: Manifest, previous: CorpusView | None, append_from: int) -> CorpusView | None:
    """The view of ``manifest`` made by hiding the letters it removes from ``previous``; None when that is not
    the change (a letter added or replaced), ``previous`` is under ``append_from`` passages, or the hidden and
    appended passages would pass ``MERGE_SHARE``: then build the view whole. A delete at 10,000 letters took
    two minutes of whole build; hiding costs a mask over the passages. Until the next whole build the hidden
    letters' terms still count in the BM25 statistics and the vocabulary, as appended ones do not yet."""
    if previous is None or not previous.passages or len(previous.passages) < append_from:
        return None
    old = previous.manifest.documents
    gone = {d for d in old if d not in manifest.documents}
    if not gone or not all(d in old and _same_version(previous, d, e) for d, e in manifest.documents.items()):
        return None
    live = np.ones(len(previous.doc_order), bool) if previous.doc_live is None else previous.doc_live.copy()
    live[[k for k, d in enumerate(previous.doc_order) if d in gone]] = False
    view = dataclasses.replace(previous, manifest=manifest, doc_live=live, context=None,
                               records={d: r for d, r in previous.records.items() if d not in gone})
    return None if _due_for_whole_build(previous, view.hidden_passages) else view
