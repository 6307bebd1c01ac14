"""The persisted index: Chroma holds our vectors and never embeds anything itself."""

import pytest

from rag.catalog import Manifest
from rag.config import Settings
from rag.index import IndexStore


@pytest.mark.parametrize("kind", ["chunks", "sentences"])
def test_collections_never_use_chromas_own_embedding_function(engine, kind):
    # Chroma's default embedder downloads a model at the first add(): offline that fails, so none is attached.
    collection = engine.store.vectors(kind)._collection
    assert collection._embedding_function is None
    assert collection.configuration_json["embedding_function"] is None
    assert collection.metadata["hnsw:space"] == "cosine"


def test_every_live_passage_and_sentence_has_a_vector(engine):
    view = engine.view
    assert engine.store.vectors("chunks")._collection.count() == len(view.passages)
    assert engine.store.vectors("sentences")._collection.count() == len(view.sentences)
    got = engine.store.vectors("chunks")._collection.get(ids=[view.passages[0].chunk_id], include=["embeddings"])
    assert len(got["embeddings"][0]) == engine.embedder.dim


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
