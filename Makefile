# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install index browser lint eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: this exact version is a CPU build on the machine's disk; anything else pulls CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/rag ingest

run: install
	$(BIN)/rag serve

# Debian's Chromium for the browser test; skipped quietly where apt is not available.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium kon niet worden geïnstalleerd: de browsertest wordt overgeslagen"; \
	  else echo "geen chromium en geen apt: de browsertest wordt overgeslagen"; fi; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

eval: install
	$(BIN)/rag eval --set evals/blind/g.jsonl --out evals/report --ablate --thresholds evals/thresholds.json

bench: install
	$(BIN)/python benchmarks/bench_answer.py

clean:
	rm -rf $(VENV) index/chroma index/docs index/manifest.json
