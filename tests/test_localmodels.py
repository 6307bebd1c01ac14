"""``rag models pull``'s assembly on small parts made here: order, checksum, idempotence, clear errors.

The real parts (hundreds of MB) are pulled once per machine by tests/test_llm_mode.py; these cases
build a tiny part package on ``sys.path`` so every error path runs in milliseconds.
"""

from __future__ import annotations

import hashlib
import sys

import pytest

from rag import localmodels
from rag.localmodels import LocalModel, ModelError, assemble, get, is_ready, resolve


@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Two installed part packages whose data files hold b"GGUF" and b"-rest"."""
    for i, data in ((1, b"GGUF"), (2, b"-rest")):
        pkg = tmp_path / "site" / f"kbtestpart{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part0{i}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield (("kbtestpart1", "0", "kbtestpart1"), ("kbtestpart2", "0", "kbtestpart2"))
    for name in ("kbtestpart1", "kbtestpart2"):
        sys.modules.pop(name, None)


def _model(packages, sha=None, size=9) -> LocalModel:
    return LocalModel("kb-test", "kb-test.gguf", packages, sha or hashlib.sha256(b"GGUF-rest").hexdigest(), size)


def test_parts_are_joined_in_order_and_checked(parts, tmp_path):
    model = _model(parts)
    path = assemble(model, tmp_path / "models", progress=False)
    assert path.read_bytes() == b"GGUF-rest" and is_ready(model, tmp_path / "models")


def test_a_wrong_checksum_leaves_no_file_that_looks_ready(parts, tmp_path):
    model = _model(parts, sha="0" * 64)
    with pytest.raises(ModelError, match="controlesom"):
        assemble(model, tmp_path / "models", progress=False)
    assert not list((tmp_path / "models").iterdir())


def test_a_missing_part_is_named(parts, tmp_path):
    model = _model((*parts, ("kbtestpart3", "0", "kbtestpart3")))
    with pytest.raises(ModelError, match="kbtestpart3 ontbreekt"):
        assemble(model, tmp_path / "models", progress=False)
    assert localmodels.missing_parts(model) == [("kbtestpart3", "0", "kbtestpart3")]


def test_unknown_names_and_unpulled_models_say_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="qwen2.5-coder-0.5b"):
        get("gpt-5")
    with pytest.raises(ModelError, match="rag models pull qwen2.5-coder-1.5b"):
        resolve("qwen2.5-coder-1.5b", tmp_path)
    with pytest.raises(ModelError, match="geen GGUF"):
        resolve(str(tmp_path / "nergens.gguf"), tmp_path)
