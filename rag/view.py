"""The in-memory view of the live index that search and answering read: one immutable snapshot per manifest.

Built when a process opens the index and again after every change (an upload, a delete, an ingest).
A rebuild takes from the previous view what did not change (the records and vectors of letters whose
version is the same), so only the new letters are read from disk and Chroma; the lexical side (the
analyzer's vocabulary, IDF, both BM25 indexes) is rebuilt over the whole collection, because every
letter's terms and weights depend on all the others. Sentence terms are made when first read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag import kamervragen
from rag.features import Context
from rag.index import IndexStore, Manifest
from rag.question import idf_table
from rag.retrieve import Analyzer, BM25Index, Filters, NgramAnalyzer, build_vocabulary, find_acronyms


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
    text: str
    role: str = "text"  # "question" or "answer" in a letter answering Kamervragen (rag.kamervragen)
    qa: int | None = None  # the number of that Kamervraag


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
    passage_vectors: np.ndarray  # unit vectors, rows in ``passages`` order
    sentence_vectors: np.ndarray  # unit vectors, rows in ``sentences`` order
    context: Context | None = None  # what answering reads, made once per view (its caches live as long)

    def metadata(self, doc_id: str) -> dict:
        return self.records[doc_id]["metadata"]

    def mask(self, items: list, filters: Filters | None) -> np.ndarray | None:
        if not filters or not (filters.doc_ids or filters.date_from or filters.date_to):
            return None
        allowed = {d for d in self.records if filters.allows(d, self.metadata(d).get("date"))}
        return np.array([1.0 if it.doc_id in allowed else 0.0 for it in items], dtype=np.float32)


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


def build_view(store: IndexStore, manifest: Manifest, stemmer: str, previous: CorpusView | None = None
               ) -> CorpusView:
    """The view of what ``manifest`` names; call inside a store session (it reads the vectors from Chroma).

    ``previous`` (the view being served) lends the records and vectors of letters whose version did not change."""
    kept = {d for d, e in manifest.documents.items() if _same_version(previous, d, e)}
    read = store.read_records({d: e["hash"] for d, e in manifest.documents.items() if d not in kept})
    records = {d: previous.records[d] if d in kept else read[d] for d in sorted(manifest.documents)}
    passages, sentences = [], []
    for rec in records.values():
        for c in rec["chunks"]:
            passages.append(Passage(c["chunk_id"], rec["doc_id"], c["index"], c["start"], c["end"], c.get("section"),
                                    rec["text"][c["start"]:c["end"]]))
        spans = [(s["start"], s["end"]) for s in rec["sentences"]]
        qas = [kamervragen.QA(n, (a, b), (c, d)) for n, a, b, c, d in rec.get("kamervragen", [])]
        for s, (role, qa) in zip(rec["sentences"], kamervragen.roles(qas, spans), strict=True):
            sentences.append(Sentence(s["sentence_id"], s["chunk_id"], rec["doc_id"], s["start"], s["end"],
                                      rec["text"][s["start"]:s["end"]], role, qa))
    sentences_of: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        sentences_of.setdefault(s.chunk_id, []).append(i)
    texts = [r["text"] for r in records.values()]
    analyzer = Analyzer(stemmer, build_vocabulary(texts), acronyms=find_acronyms(texts))
    doc_freq: dict[str, int] = {}
    for p in passages:
        for t in set(analyzer.terms(p.text)):
            doc_freq[t] = doc_freq.get(t, 0) + 1
    passage_texts = [f"{p.section or ''}\n{p.text}" for p in passages]  # a heading's words count for its passage
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
        passage_vectors=_vectors(store, "chunks", [p.chunk_id for p in passages], previous, kept,
                                 [p.doc_id for p in passages]),
        sentence_vectors=_vectors(store, "sentences", [s.sentence_id for s in sentences], previous, kept,
                                  [s.doc_id for s in sentences]),
    )
