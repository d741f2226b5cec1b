# newswatch — developer and service entry points. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NEWSWATCH_ENGINE_PORT ?= 9200
# Tests and benchmarks wipe newswatch-* indices, so they get their own engine
# (own port, own data folder) and never touch the data of `make run`.
TEST_ENGINE_PORT ?= 9250
TEST_ENGINE_URL := http://127.0.0.1:$(TEST_ENGINE_PORT)
# `make engine NODES=2`: a cluster of that many nodes on loopback (HTTP ports
# port..port+N-1); one node is the default.
NODES ?= 1

.PHONY: install run test test-unit engine engine-stop test-engine test-engine-stop lint \
        typecheck bench-index bench-extract bench-alerts bench-crawl bench-bigpage bench-brief \
        bench-scale soak clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

engine:
	NEWSWATCH_ENGINE_NODES=$(NODES) bash deploy/local-search/engine.sh start

engine-stop:
	bash deploy/local-search/engine.sh stop

test-engine:
	NEWSWATCH_ENGINE_PORT=$(TEST_ENGINE_PORT) NEWSWATCH_ENGINE_NODES=$(NODES) \
		bash deploy/local-search/engine.sh start

test-engine-stop:
	NEWSWATCH_ENGINE_PORT=$(TEST_ENGINE_PORT) bash deploy/local-search/engine.sh stop

CONFIG ?= $(or $(NEWSWATCH_CONFIG),newswatch.yaml)

# The main job. Without a config it starts from the shipped mission config;
# with no engine URL configured it runs on the local engine.
run: install
	@test -f $(CONFIG) || { cp deploy/newswatch.example.yaml $(CONFIG); \
		echo "created $(CONFIG) from deploy/newswatch.example.yaml: edit it to taste"; }
	@if [ -z "$$NEWSWATCH_SEARCH_URL" ] && ! $(BIN)/python -c \
		"import sys; from crawler.config import load_config; sys.exit(not load_config('$(CONFIG)').search.url)"; \
	then $(MAKE) --no-print-directory engine; fi
	$(BIN)/newswatch --config $(CONFIG) setup
	$(BIN)/newswatch --config $(CONFIG) run

# The whole suite: unit, integration (real local engine) and end-to-end tests.
test: install test-engine
	NEWSWATCH_TEST_ENGINE_URL=$(TEST_ENGINE_URL) $(BIN)/python -m pytest -q

test-unit: install
	$(BIN)/python -m pytest -q tests/unit

lint: install
	$(BIN)/ruff check crawler scheduler tests benchmarks
	$(BIN)/ruff format --check crawler scheduler tests benchmarks

typecheck: install
	$(BIN)/mypy

bench-index: install test-engine
	$(BIN)/python benchmarks/bench_index.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

bench-alerts: install test-engine
	$(BIN)/python benchmarks/bench_alerts.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

bench-crawl: install test-engine
	$(BIN)/python benchmarks/bench_crawl.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

# 1 crawl worker against 2 on the shared Redis frontier (starts its own redis-server;
# 8 loopback hosts answering after 100 ms); target: throughput ratio >= 1.7.
bench-scale: install test-engine
	$(BIN)/python benchmarks/bench_scale.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

# Peak memory of a crawl over an 8.5 MB text page and an 8.8 MB <head> (target < 400 MiB).
bench-bigpage: install test-engine
	$(BIN)/python benchmarks/bench_bigpage.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

# A briefing over 5,000 articles in all formats: time and peak memory (target < 60 s).
bench-brief: install test-engine
	$(BIN)/python benchmarks/bench_brief.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

# At least 300 scheduled crawls; prints the service's memory and runs/minute.
soak: install test-engine
	$(BIN)/python benchmarks/soak.py --url $(TEST_ENGINE_URL) $(BENCH_ARGS)

bench-extract: install
	$(BIN)/python benchmarks/bench_extract.py $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
