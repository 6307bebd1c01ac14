"""Shared fixtures: one real index of the real corpus, built once per test session with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.config import Settings
from rag.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "evals" / "dev.jsonl"


@pytest.fixture(scope="session")
def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.txt"))


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def settings(index_dir) -> Settings:
    return Settings(index_dir=index_dir, corpus_dir=CORPUS, ui=False)


@pytest.fixture(scope="session")
def engine(settings) -> Engine:
    eng = Engine(settings)
    eng.ingest([CORPUS], progress=False)
    return eng


@pytest.fixture(scope="session")
def embedder(engine):
    return engine.embedder


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A private copy of the corpus a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst
