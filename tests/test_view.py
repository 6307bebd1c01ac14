"""The view after a change lends what did not change from the previous one, and is the same as one built anew."""

import numpy as np

from rag.config import Settings
from rag.engine import Engine
from rag.retrieve import Filters
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


def by_id(view):
    return ({p.chunk_id: p for p in view.passages}, {s.sentence_id: s for s in view.sentences})


def test_an_upload_to_a_large_collection_is_appended_and_a_changed_letter_rebuilds(tmp_path, corpus_copy, embedder):
    """RAG_VIEW_APPEND_FROM=0 treats these five letters as a large collection: an upload is appended."""
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False, view_append_from=0)
    engine = Engine(settings, embedder=embedder)
    engine.ingest([corpus_copy], progress=False)
    before = engine.view
    paragraphs = (corpus_copy / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8").split("\n\n")
    text = "\n\n".join(paragraphs[:10])  # a shorter letter: the appended passages stay within the merge share
    engine.add_document("veerkracht.txt", text.replace("weerbaarheid", "veerkracht").encode("utf-8"))
    after = engine.view
    assert after.bm25_passages.appended == len(after.passages) - len(before.passages) > 0
    assert after.passages[: len(before.passages)] == before.passages and after.analyzer is before.analyzer
    assert after.passage_rows.data is before.passage_rows.data  # the build left spare rows: written in place
    assert after.sentence_rows.data is before.sentence_rows.data

    with engine.store.session():
        whole = build_view(engine.store, engine.store.load_manifest(), engine.settings.stemmer)
    assert by_id(after) == by_id(whole) and list(after.records) == list(whole.records)
    for kind in ("passage", "sentence"):
        ours = dict(zip(by_id(after)[kind == "sentence"], getattr(after, f"{kind}_vectors"), strict=True))
        built = dict(zip(by_id(whole)[kind == "sentence"], getattr(whole, f"{kind}_vectors"), strict=True))
        for key, vec in built.items():
            np.testing.assert_allclose(ours[key], vec, atol=1e-6)
    assert set(after.doc_freq) == set(after.idf)

    hits = engine.search("publiekscampagne voor veerkracht", top_k=3)
    assert hits[0].passage.doc_id == "veerkracht"
    only = engine.search("publiekscampagne", top_k=3, filters=Filters(doc_ids=["veerkracht"]))
    assert only and all(h.passage.doc_id == "veerkracht" for h in only)
    answer = engine.answer("Hoeveel geld gaat er naar de publiekscampagne voor veerkracht?")
    assert not answer.abstained and "5 mln" in answer.answer
    assert any(c.doc_id == "veerkracht" for c in answer.citations)

    short = "\n\n".join(paragraphs[:3]).replace("weerbaarheid", "taaiheid")
    engine.add_document("taaiheid.txt", short.encode("utf-8"))
    assert engine.view.sentence_rows is after.sentence_rows  # spare rows: no copy of the collection
    assert engine.view.bm25_passages.appended > after.bm25_passages.appended

    engine.delete_document("veerkracht")
    engine.add_document("taaiheid.txt", (short + "\n\nEen alinea erbij.").encode("utf-8"))
    assert engine.view.bm25_passages.appended == 0 and engine.view.hidden_passages == 0  # built whole again
    with engine.store.session():
        assert_same(engine.view, build_view(engine.store, engine.store.load_manifest(), engine.settings.stemmer))


def dense_ids(view, qvec, n):
    sims = view.passage_vectors @ (qvec / np.linalg.norm(qvec)).astype(np.float32)
    mask = view.passage_mask(None)
    if mask is not None:
        sims = np.where(mask > 0, sims, -np.inf)
    return [view.passages[i].chunk_id for i in np.argsort(-sims, kind="stable")[:n]]


def test_a_delete_from_a_large_collection_hides_the_letter_until_it_comes_back(tmp_path, corpus_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False, view_append_from=0)
    engine = Engine(settings, embedder=embedder)
    engine.ingest([corpus_copy], progress=False)
    paragraphs = (corpus_copy / "002_b80af96d40fd70be.txt").read_text(encoding="utf-8").split("\n\n")
    letter = "\n\n".join(paragraphs[:6]).replace("weerbaarheid", "veerkracht").encode("utf-8")
    engine.add_document("veerkracht.txt", letter)
    question = "Hoeveel geld gaat er naar de publiekscampagne voor veerkracht?"
    assert engine.search(question, top_k=1)[0].passage.doc_id == "veerkracht"
    before = engine.view

    engine.delete_document("veerkracht")
    view = engine.view
    assert view.passages is before.passages and view.bm25_passages is before.bm25_passages  # hidden, not rebuilt
    assert view.hidden_passages == sum(p.doc_id == "veerkracht" for p in view.passages) > 0
    assert view.passage_count == len(view.passages) - view.hidden_passages
    assert "veerkracht" not in view.records and "veerkracht" not in engine.known_doc_ids()
    for retriever in ("hybrid", "bm25", "ngram", "dense"):
        assert all(h.passage.doc_id != "veerkracht" for h in engine.search(question, 50, retriever=retriever))
    assert engine.search(question, 5, filters=Filters(doc_ids=["veerkracht"])) == []
    both = engine.search(question, 50, filters=Filters(doc_ids=["veerkracht", "002_b80af96d40fd70be"]))
    assert both and {h.passage.doc_id for h in both} == {"002_b80af96d40fd70be"}
    answer = engine.answer(question)
    assert all(c.doc_id != "veerkracht" for c in answer.citations)
    with engine.store.session():
        whole = build_view(engine.store, engine.store.load_manifest(), engine.settings.stemmer)
    qvec = engine.embed_query(question)
    assert dense_ids(view, qvec, 20) == dense_ids(whole, qvec, 20)  # the same vectors, the same ranking

    engine.add_document("veerkracht.txt", letter)  # back again: its ids are still in the view, so built whole
    assert engine.view.hidden_passages == 0 and engine.view.live_mask is None
    assert engine.search(question, top_k=1)[0].passage.doc_id == "veerkracht"


def test_hidden_passages_past_a_quarter_of_the_collection_rebuild_it(tmp_path, corpus_copy, embedder):
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus_copy, ui=False, view_append_from=0)
    engine = Engine(settings, embedder=embedder)
    engine.ingest([corpus_copy], progress=False)
    total = len(engine.view.passages)
    for doc_id in sorted(engine.known_doc_ids())[:3]:
        engine.delete_document(doc_id)
        view = engine.view
        assert view.hidden_passages <= 0.25 * total and view.passage_count == sum(
            len(r["chunks"]) for r in view.records.values())
    assert engine.view.hidden_passages == 0 and len(engine.view.passages) == engine.view.passage_count
