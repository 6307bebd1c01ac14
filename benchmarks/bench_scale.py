#!/usr/bin/env python3
"""How the system behaves as the collection grows: N letter-like documents through our real ingest, index,
server, search and answer path.

    python benchmarks/bench_scale.py --letters 1000 --json benchmarks/results/scale_1000.json
    python benchmarks/bench_scale.py --plot benchmarks/results/scale_*.json --png benchmarks/scale.png \
        [--before earlier/scale_*.json]
    python benchmarks/bench_scale.py --keep DIR --reuse scale_10000.json --json scale_10000_again.json

(``--keep DIR`` keeps the built collection; ``--reuse`` measures serving again on it without the build, for a change
to the serving side: the ingest figures are the earlier run's.)

The collection: the five real letters plus N-5 synthetic ones, each a recombination of 12-30 paragraphs
of the real letters with numbers and years perturbed, under its own title and date (so the real letters
sit among near-duplicate distractors). Embedding is not what is measured (it is linear and known: see
benchmarks/README.md): every distinct sentence of the real letters is embedded once, and a synthetic
passage or sentence gets the mean of its sentences' vectors, slightly perturbed ("replay" embedder, under
the real model's name so ``rag serve`` accepts the index). Everything else is the real thing: ``ingest``
(cleaning, chunking, llama-index pipelines, Chroma, records, manifest), then ``rag serve`` in its own
process on the index, asked the dev set's questions over HTTP.

Reports JSON with ``letters``, ``passages``, ``ingest_s`` (excluding embedding), ``index_mb``,
``serve_rss_mb``, ``search_p50_ms``/``p95``, ``answer_p50_ms``/``p95``, ``apply_one_upload_s`` (one new
letter from POST to 201, which the API gives once it is searchable), ``apply_one_delete_s`` (that letter
deleted again, DELETE to 200, after which no search finds it) and ``dev_hit5`` (the dev set's hit@5 with
the real letters among the distractors).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, machine, percentile, rag_serve

from rag.evaluate import contains_any, load_set

PARA = re.compile(r"\n\s*\n")


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d", "", text)).strip().lower()


class ReplayEmbedder:
    """Vectors of the real letters' sentences, replayed (mean per text, slightly perturbed) for synthetic ones."""

    def __init__(self, real, seed: int = 0):
        from rag.sentences import split_sentences

        self.split = split_sentences
        view = real.view
        self.name, self.dim = real.embedder.name, real.embedder.dim
        self.table = {_key(s.text): view.sentence_vectors[i] for i, s in enumerate(view.sentences)}
        self.rng = np.random.default_rng(seed)
        self.seconds = 0.0

    def _one(self, text: str) -> np.ndarray:
        vecs = [self.table.get(_key(text[a:b])) for a, b in self.split(text)]
        vecs = [v for v in vecs if v is not None]
        if vecs:
            v = np.mean(vecs, axis=0)
        else:
            seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim)
        v = v + self.rng.normal(scale=0.01, size=self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        self.seconds += time.perf_counter() - t0
        return out

    embed_queries = embed_passages


def synthetic_letters(real_texts: dict[str, str], n: int, seed: int) -> list[tuple[str, str]]:
    """(file name, text) of ``n`` letter-like documents made from the real letters' paragraphs."""
    rng = random.Random(seed)
    paras = [p.strip() for t in real_texts.values() for p in PARA.split(t) if len(p.split()) >= 8]
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
              "november", "december"]

    def perturb(p: str) -> str:
        p = re.sub(r"\b(19|20)\d\d\b", lambda m: str(rng.randint(2015, 2030)) if rng.random() < 0.5 else m.group(),
                   p)
        return re.sub(r"(?<![\d.,])\d{1,3}(?![\d.,])",
                      lambda m: str(rng.randint(1, 400)) if rng.random() < 0.5 else m.group(), p)

    out = []
    for i in range(n):
        body = [perturb(rng.choice(paras)) for _ in range(rng.randint(12, 30))]
        head = (f"Kamerbrief {i + 1:05d} over {rng.choice(paras).split()[rng.randint(0, 5)].strip('.,:;')}\n\n"
                f"Den Haag, {rng.randint(1, 28)} {rng.choice(months)} {rng.randint(2015, 2026)}\n\n")
        out.append((f"synth_{i + 1:05d}.txt", head + "\n\n".join(body) + "\n"))
    return out


def du_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(n: int, seed: int, keep: Path | None, reuse: dict | None = None) -> dict:
    """Build the collection and measure it; with ``reuse`` (the figures of an earlier run kept in ``keep``), skip
    the build and measure serving again on the kept index (after a change to the serving side)."""
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench_scale_"))
    if reuse is not None:
        names = sorted(f.name for f in (work / "corpus").iterdir())
        result = {k: reuse[k] for k in ("letters", "passages", "ingest_s", "ingest_s_with_replay", "index_mb")}
        again = (work / "corpus" / names[-1]).read_text(encoding="utf-8")  # a new letter: another name and title
        result.update(serve(work / "index", (f"synth_again_{int(time.time())}.txt", f"Opnieuw: {again}")))
        result["reused_build"] = True
        return result
    result, upload = build(n, seed, work)
    result.update(serve(work / "index", upload))
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def build(n: int, seed: int, work: Path) -> tuple[dict, tuple[str, str]]:
    """The collection in ``work``: corpus and index, built through our ingest. Returns its figures and the letter
    kept back for the upload."""
    from rag.config import Settings
    from rag.engine import Engine

    corpus, index = work / "corpus", work / "index"
    shutil.rmtree(work, ignore_errors=True)
    corpus.mkdir(parents=True)
    for f in (ROOT / "corpus").iterdir():
        shutil.copy(f, corpus / f.name)
    real = Engine(Settings(ui=False))  # the real letters' index (RAG_INDEX_DIR or index/; built when missing)
    real.ensure_index(progress=False)
    texts = {d: r["text"] for d, r in real.view.records.items()}
    letters = synthetic_letters(texts, max(n - len(texts), 0), seed)
    for name, text in letters[:-1] if letters else []:
        (corpus / name).write_text(text, encoding="utf-8")
    upload = letters[-1] if letters else ("synth_upload.txt", next(iter(texts.values())))

    replay = ReplayEmbedder(real, seed)
    writer = Engine(Settings(index_dir=index, corpus_dir=corpus, ui=False), embedder=replay)
    t0 = time.perf_counter()
    summary = writer.ingest([corpus], progress=sys.stderr.isatty())  # as `rag ingest`: records, vectors, view
    ingest_total = time.perf_counter() - t0
    n_docs = len(summary.added)
    del writer
    result = {"letters": n_docs + 1, "passages": summary.chunks, "ingest_s": round(ingest_total - replay.seconds, 1),
              "ingest_s_with_replay": round(ingest_total, 1), "index_mb": round(du_mb(index), 1)}
    print(f"# ingested {n_docs} letters in {ingest_total:.1f} s ({replay.seconds:.1f} s replaying vectors)",
          file=sys.stderr)
    return result, upload


def serve(index: Path, upload: tuple[str, str]) -> dict:
    """``rag serve`` on ``index`` in its own process: memory, the dev set's searches and answers, one upload."""
    import httpx

    dev = load_set(ROOT / "evals" / "dev.jsonl")
    result: dict = {}
    os.environ["RAG_ADMIN_KEY"] = "bench-scale"
    with rag_serve(str(index), ui=False, ready_within_s=3600) as (base, pid), \
            httpx.Client(base_url=base, timeout=300) as client:
        result["serve_rss_mb_loaded"] = round(rss_mb(pid), 1)
        for q in dev[:3]:
            client.post("/v1/answer", json={"question": q["question"]})
        search_ms, answer_ms, hits = [], [], []
        for q in dev:
            t = time.perf_counter()
            res = client.post("/v1/search", json={"query": q["question"], "top_k": 5}).json()["results"]
            search_ms.append((time.perf_counter() - t) * 1000)
            if q["type"] != "unanswerable":
                hits.append(any(contains_any(r["text"], q["evidence"]) for r in res))
            t = time.perf_counter()
            client.post("/v1/answer", json={"question": q["question"]}).raise_for_status()
            answer_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        r = client.post("/v1/documents", headers={"Authorization": "Bearer bench-scale"},
                        files={"file": (upload[0], upload[1].encode("utf-8"), "text/plain")})
        result["apply_one_upload_s"] = round(time.perf_counter() - t, 2) if r.status_code == 201 else None
        if r.status_code != 201:
            result["upload_error"] = f"{r.status_code}: {r.text[:300]}"
        result["serve_rss_mb"] = round(rss_mb(pid), 1)
        if r.status_code == 201:  # and out again, from request to no longer found (the kept folder as it was built)
            t = time.perf_counter()
            d = client.delete(f"/v1/documents/{r.json()['doc_id']}", headers={"Authorization": "Bearer bench-scale"})
            result["apply_one_delete_s"] = round(time.perf_counter() - t, 2) if d.status_code == 200 else None
    result.update({
        "search_p50_ms": round(statistics.median(search_ms), 1), "search_p95_ms": round(percentile(search_ms, 95), 1),
        "answer_p50_ms": round(statistics.median(answer_ms), 1), "answer_p95_ms": round(percentile(answer_ms, 95), 1),
        "dev_hit5": round(sum(hits) / len(hits), 3), "machine": machine(),
    })
    return result


def plot(files: list[str], png: str, before: list[str] | None = None) -> None:
    """Curves of ``files``; ``before`` (an earlier run's files) dashed in the same colours, to show a change."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def load(fs: list[str]) -> list[dict]:
        return sorted((json.loads(Path(f).read_text()) for f in fs), key=lambda r: r["letters"])

    rows, old = load(files), load(before or [])
    panels = [("latency (ms, p50)", ["search_p50_ms", "answer_p50_ms"]), ("memory and disk (MB)", ["serve_rss_mb",
              "index_mb"]), ("ingest, upload, delete (s)", ["ingest_s", "apply_one_upload_s", "apply_one_delete_s"]),
             ("dev hit@5", ["dev_hit5"])]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6))
    for ax, (title, keys) in zip(axes, panels, strict=True):
        for k in keys:
            line, = ax.plot([r["letters"] for r in rows], [r.get(k) for r in rows], marker="o", label=k)
            if old:
                ax.plot([r["letters"] for r in old], [r.get(k) for r in old], marker="x", linestyle="--",
                        color=line.get_color(), alpha=0.6, label=f"{k} (before)")
        ax.set_xscale("log")
        values = [r[k] for r in rows + old for k in keys if r.get(k)]
        if values and max(values) > 100 * min(values):  # an upload's seconds beside an ingest's: both readable
            ax.set_yscale("log")
        ax.set_xlabel("letters")
        ax.set_title(title)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    print(f"written {png}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", type=int, help="collection size, the five real letters included")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="build in this folder and keep it (default: a temporary one, removed)")
    ap.add_argument("--reuse", help="with --keep: the JSON of the run that built that folder; measure serving again "
                    "on it without building")
    ap.add_argument("--plot", nargs="+", help="result files to plot instead of running")
    ap.add_argument("--before", nargs="+", help="with --plot: an earlier run's result files, drawn dashed")
    ap.add_argument("--png", default=str(ROOT / "benchmarks" / "scale.png"))
    a = ap.parse_args()
    if a.plot:
        plot(a.plot, a.png, a.before)
        return
    if a.reuse:
        if not a.keep:
            ap.error("--reuse needs --keep DIR (the folder that run built)")
        result = run(0, a.seed, Path(a.keep), json.loads(Path(a.reuse).read_text(encoding="utf-8")))
    elif not a.letters:
        ap.error("--letters N (or --plot FILES)")
    else:
        result = run(a.letters, a.seed, Path(a.keep) if a.keep else None)
    text = json.dumps(result, indent=1)
    print(text)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
