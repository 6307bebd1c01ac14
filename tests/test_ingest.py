"""Incremental, interrupt-safe ingest on copies of the real corpus with the real model."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.config import Settings
from rag.engine import Engine
from rag.ingest import IngestError, discover

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh(tmp_path, corpus_copy, embedder):
    """An engine on a private index of a private corpus copy (sharing the loaded model)."""
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False)
    return Engine(settings, embedder=embedder), corpus_copy


def consistent(engine: Engine) -> None:
    """Every live letter is served whole, and nothing else is."""
    manifest = engine.store.load_manifest()
    for kind in ("chunks", "sentences"):
        for col in engine.store.collections(kind):
            keys = [f"{m['doc_id']}:{m['doc_hash']}" for m in col.get(include=["metadatas"])["metadatas"]]
            assert set(keys) <= manifest.live_keys()
    for doc_id, entry in manifest.documents.items():
        rec = engine.store.read_record(doc_id, entry["hash"])
        n = engine.store.vectors("chunks", doc_id)._collection.get(where={"doc_hash": entry["hash"]})["ids"]
        assert len(n) == len(rec["chunks"]) == entry["chunks"]


def test_unchanged_letters_are_skipped_changed_replaced_removed_deleted(fresh):
    engine, corpus = fresh
    first = engine.ingest([corpus], progress=False)
    assert len(first.added) == 5 and first.chunks > 40
    again = engine.ingest([corpus], progress=False)
    assert len(again.unchanged) == 5 and not again.added and not again.updated

    letter = corpus / "000_3289456b47e41371.txt"
    letter.write_text(letter.read_text().replace("Fleur Agema", "Fleur Agema\n\nPS: Dit is een gewijzigde versie."))
    (corpus / "004_0eaa6607556f058b.txt").unlink()
    third = engine.ingest([corpus], progress=False)
    assert third.updated == ["000_3289456b47e41371"]
    assert third.removed == ["004_0eaa6607556f058b"]
    assert len(third.unchanged) == 3
    assert "gewijzigde versie" in engine.document("000_3289456b47e41371")["text"]
    assert "004_0eaa6607556f058b" not in engine.known_doc_ids()
    assert all(h.passage.doc_id != "004_0eaa6607556f058b" for h in engine.search("Afghanistan", 10))
    consistent(engine)


def test_rebuild_starts_over(fresh):
    engine, corpus = fresh
    engine.ingest([corpus], progress=False)
    summary = engine.ingest([corpus], rebuild=True, progress=False)
    assert len(summary.added) == 5 and not summary.unchanged
    consistent(engine)


class FailingEmbedder:
    """The real model, failing on the n-th batch of passages (a crash in the middle of an ingest)."""

    def __init__(self, real, fail_after: int):
        self.real, self.left = real, fail_after
        self.name, self.dim = real.name, real.dim

    def embed_queries(self, texts):
        return self.real.embed_queries(texts)

    def embed_passages(self, texts):
        self.left -= 1
        if self.left < 0:
            raise RuntimeError("simulated crash")
        return self.real.embed_passages(texts)


def test_a_failed_run_keeps_the_old_version_of_every_letter_whole(tmp_path, corpus_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False)
    Engine(settings, embedder=embedder).ingest([corpus_copy], progress=False)
    before = Engine(settings, embedder=embedder).document("004_0eaa6607556f058b")["text"]

    for f in corpus_copy.glob("00*.txt"):
        f.write_text(f.read_text() + "\n\nNaschrift bij deze versie.\n")
    # The ingest embeds letters in groups of at least 256 texts: 000-003, then 004. Two calls per group (passages,
    # sentences): the third call, the last letter's passages, fails.
    failing = Engine(settings, embedder=FailingEmbedder(embedder, fail_after=3))
    with pytest.raises(RuntimeError, match="simulated crash"):
        failing.ingest([corpus_copy], progress=False)

    after = Engine(settings, embedder=embedder)
    after.load()
    assert len(after.known_doc_ids()) == 5
    assert after.document("004_0eaa6607556f058b")["text"] == before  # not reached: old version, whole
    assert "Naschrift" in after.document("003_cd6cc0e004d35c7e")["text"]  # written in full before: live
    consistent(after)
    summary = after.ingest([corpus_copy], progress=False)
    assert len(summary.updated) + len(summary.unchanged) == 5
    consistent(after)


def test_killing_an_ingest_never_leaves_half_a_letter(tmp_path, corpus_copy):
    index = tmp_path / "index"
    env = {**os.environ, "RAG_INDEX_DIR": str(index)}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", str(corpus_copy)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = index / "manifest.json"
    deadline = time.time() + 120
    while time.time() < deadline:
        if manifest.exists() and json.loads(manifest.read_text() or "{}").get("documents"):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    engine = Engine(Settings(index_dir=index, corpus_dir=corpus_copy, ui=False))
    engine.load()
    assert 1 <= len(engine.known_doc_ids()) <= 5
    consistent(engine)
    done = engine.ingest([corpus_copy], progress=False)
    assert len(engine.known_doc_ids()) == 5 and len(done.unchanged) >= 1
    consistent(engine)


def test_clashing_doc_ids_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "brief.txt").write_text("Eerste brief.")
    (tmp_path / "b" / "brief.txt").write_text("Tweede brief.")
    with pytest.raises(IngestError, match="hetzelfde doc_id"):
        discover([tmp_path / "a", tmp_path / "b"])


def test_a_letter_from_another_model_forces_a_rebuild_message(tmp_path, corpus_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False)
    Engine(settings, embedder=embedder).ingest([corpus_copy], progress=False)
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    manifest["embedder"] = "some-other-model"
    (tmp_path / "index" / "manifest.json").write_text(json.dumps(manifest))
    from rag.engine import IndexNotReady

    with pytest.raises(IndexNotReady, match="rebuild"):
        Engine(settings, embedder=embedder).load()


def test_an_index_from_older_code_is_reported_and_brought_up_to_date(tmp_path, corpus_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False)
    Engine(settings, embedder=embedder).ingest([corpus_copy], progress=False)
    path = tmp_path / "index" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["documents"]["000_3289456b47e41371"]["pipeline"] = "older"
    path.write_text(json.dumps(manifest))
    engine = Engine(settings, embedder=embedder)
    engine.load()
    assert engine.stale_documents() == ["000_3289456b47e41371"]
    summary = engine.ensure_index()
    assert summary is not None and not engine.stale_documents()
    assert engine.ensure_index() is None


def test_leftovers_are_swept_in_pages_the_whole_store_by_a_folder_ingest_an_uploads_own_letter_by_an_upload(
        fresh, monkeypatch):
    """Vectors no live version owns (an interrupted run's) are removed. An upload sweeps only its own letter
    (once it is live, with the letter's other versions), so it costs the same in a collection of any size; Chroma is read in pages (here of 7 ids), because one call
    over tens of thousands of ids exceeds SQLite's variable limit (an upload into 1,000 letters failed on it)."""
    import rag.catalog

    engine, corpus = fresh
    engine.ingest([corpus], progress=False)
    monkeypatch.setattr(rag.catalog, "CHROMA_PAGE", 7)

    def col(doc_id: str):  # the shard holding the letter (the store reopens its client after each write session)
        return engine.store.vectors("sentences", doc_id)._collection

    def leave_leftovers(doc_id: str) -> None:
        source = "000_3289456b47e41371"
        got = col(source).get(where={"doc_id": source}, include=["embeddings", "metadatas"], limit=10)
        col(doc_id).add(ids=[f"{doc_id}:interrupted:{i}" for i in range(len(got["ids"]))], embeddings=got["embeddings"],
                        metadatas=[{**m, "doc_id": doc_id, "doc_hash": "interrupted"} for m in got["metadatas"]])

    def leftovers() -> set[str]:
        return {m["doc_id"] for c in engine.store.collections("sentences")
                for m in c.get(where={"doc_hash": "interrupted"}, include=["metadatas"])["metadatas"]}

    leave_leftovers("nieuwe_brief")
    leave_leftovers("001_5d30ca5876bbcd37")
    assert leftovers() == {"nieuwe_brief", "001_5d30ca5876bbcd37"}
    text = (corpus / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8").replace("weerbaarheid", "veerkracht")
    doc_id, _ = engine.add_document("nieuwe_brief.txt", text.encode("utf-8"))
    assert doc_id == "nieuwe_brief"
    assert leftovers() == {"001_5d30ca5876bbcd37"}  # the upload swept its own letter only
    engine.ingest([corpus], progress=False)
    assert leftovers() == set()
    assert "nieuwe_brief" in engine.known_doc_ids()
    consistent(engine)
