"""The view after a change lends what did not change from the previous one, and is the same as one built anew."""

import numpy as np

from rag.config import Settings
from rag.engine import Engine
from rag.view import build_view


def assert_same(a, b):
    assert [p.chunk_id for p in a.passages] == [p.chunk_id for p in b.passages]
    assert a.sentences == b.sentences and a.passages == b.passages
    np.testing.assert_allclose(a.passage_vectors, b.passage_vectors, atol=1e-6)
    np.testing.assert_allclose(a.sentence_vectors, b.sentence_vectors, atol=1e-6)
    assert a.idf == b.idf and a.vocabulary_stems == b.vocabulary_stems
    assert list(a.sentence_terms) == list(b.sentence_terms)
    q = "Hoeveel geld gaat er naar de publiekscampagne en de regionale weerbaarheid?"
    np.testing.assert_allclose(a.bm25_passages.scores(q), b.bm25_passages.scores(q), rtol=1e-5)
    np.testing.assert_allclose(a.ngram_passages.scores(q), b.ngram_passages.scores(q), rtol=1e-5)


def test_a_view_after_an_upload_and_a_delete_is_the_view_built_anew(tmp_path, corpus_copy, embedder):
    engine = Engine(Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False), embedder=embedder)
    engine.ingest([corpus_copy], progress=False)
    before = engine.view
    text = (corpus_copy / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8")
    engine.add_document("veerkracht.txt", text.replace("weerbaarheid", "veerkracht").encode("utf-8"))
    after = engine.view
    assert after is not before and "veerkracht" in after.records
    assert after.records["001_5d30ca5876bbcd37"] is before.records["001_5d30ca5876bbcd37"]  # lent, not re-read
    with engine.store.session():
        assert_same(after, build_view(engine.store, engine.store.load_manifest(), engine.settings.stemmer))
    answer = engine.answer("Hoeveel geld gaat er naar de publiekscampagne voor veerkracht?")
    assert not answer.abstained and "5 mln" in answer.answer

    engine.delete_document("004_0eaa6607556f058b")
    with engine.store.session():
        assert_same(engine.view, build_view(engine.store, engine.store.load_manifest(), engine.settings.stemmer))
    assert "004_0eaa6607556f058b" not in engine.view.records
