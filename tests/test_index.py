"""The persisted index: Chroma holds our vectors and never embeds anything itself."""

import pytest


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
