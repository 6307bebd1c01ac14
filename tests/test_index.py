"""The persisted index: Chroma holds our vectors and never embeds anything itself."""

import pytest

from rag.catalog import Manifest
from rag.config import Settings
from rag.index import IndexStore


@pytest.mark.parametrize("kind", ["chunks", "sentences"])
def test_collections_never_use_chromas_own_embedding_function(engine, kind):
    # Chroma's default embedder downloads a model at the first add(): offline that fails, so none is attached.
    for collection in engine.store.collections(kind):
        assert collection._embedding_function is None
        assert collection.configuration_json["embedding_function"] is None
        assert collection.metadata["hnsw:space"] == "cosine"


def test_every_live_passage_and_sentence_has_a_vector_in_its_letters_shard(engine):
    view = engine.view
    store = engine.store
    assert store.shards == engine.settings.chroma_shards == 16
    for kind, items in (("chunks", view.passages), ("sentences", view.sentences)):
        assert sum(c.count() for c in store.collections(kind)) == len(items)
        for doc_id in view.records:
            col = store.vectors(kind, doc_id)._collection
            assert len(col.get(where={"doc_id": doc_id})["ids"]) == sum(i.doc_id == doc_id for i in items)
    assert len({store.shard_of(d, store.shards) for d in view.records}) > 1  # five letters, not all in one shard
    got = store.vectors("chunks", view.passages[0].doc_id)._collection.get(
        ids=[view.passages[0].chunk_id], include=["embeddings"])
    assert len(got["embeddings"][0]) == engine.embedder.dim


def test_rag_reshard_moves_every_vector_and_the_answers_stay_the_same(tmp_path, engine):
    # An index built with one count of shards is spread over another by the CLI, as a user would run it; the old
    # collections are gone, a fresh process reads the new layout and answers exactly as before.
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from rag.engine import Engine

    with engine.store.session():  # no writer while the folder is copied
        shutil.copytree(engine.settings.index_dir, tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    question = "Hoeveel procent van het bbp is afgesproken voor weerbaarheid?"
    before = engine.answer(question).to_json()
    dense = [(h.passage.chunk_id, round(h.score, 5)) for h in engine.search(question, top_k=10, retriever="dense")]
    for shards in (3, 1):
        run = subprocess.run([sys.executable, "-m", "rag.cli", "reshard", str(shards), "--index", str(tmp_path / "index")],
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        assert f"verdeeld over {shards} collecties per soort" in run.stdout and "chroma vacuum" in run.stdout
        vacuum = subprocess.run([str(Path(sys.executable).parent / "chroma"), "vacuum", "--path",
                                 str(tmp_path / "index" / "chroma"), "--force"], capture_output=True, text=True,
                                timeout=300)  # the space of the dropped collections back, as the hint says
        assert vacuum.returncode == 0, vacuum.stderr
        other = Engine(engine.settings.model_copy(update={"index_dir": tmp_path / "index"}), embedder=engine.embedder)
        other.load()
        assert other.store.shards == shards
        names = {c.name for c in other.store.client.list_collections()}
        assert sum(n.startswith("kamerbrieven_sentences") for n in names) == shards
        assert sum(c.count() for c in other.store.collections("sentences")) == len(engine.view.sentences)
        assert [(h.passage.chunk_id, round(h.score, 5))
                for h in other.search(question, top_k=10, retriever="dense")] == dense
        after = other.answer(question).to_json()
        assert after["answer"] == before["answer"] and after["citations"] == before["citations"]
        other.store.close()


def test_with_keep_open_a_session_keeps_the_chroma_client_until_another_process_commits(tmp_path):
    # Opening a client and its collections' segments costs seconds at 10,000 letters: an upload should not pay it
    # again while nothing changed; after someone else's commit the next session must read afresh.
    settings = Settings(index_dir=tmp_path / "index", chroma_keep_open=True)
    ours, theirs = IndexStore(settings), IndexStore(settings)
    with ours.session(write=True):
        ours.commit(Manifest())
        client = ours.client
    with ours.session():
        assert ours.client is client
    with theirs.session(write=True):
        theirs.commit(Manifest())
    with ours.session():
        assert ours.client is not client


def test_by_default_each_session_opens_a_fresh_chroma_client(tmp_path):
    store = IndexStore(Settings(index_dir=tmp_path / "index"))
    with store.session(write=True):
        store.commit(Manifest())
        client = store.client
    with store.session():
        assert store.client is not client
