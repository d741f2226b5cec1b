# newswatch — developer and service entry points. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NEWSWATCH_ENGINE_PORT ?= 9200
ENGINE_URL := http://127.0.0.1:$(NEWSWATCH_ENGINE_PORT)

.PHONY: install run test test-unit test-integration engine engine-stop lint typecheck \
        bench-index bench-extract clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

engine:
	bash deploy/local-search/engine.sh start

engine-stop:
	bash deploy/local-search/engine.sh stop

# The main job. With no engine URL configured it runs on the local engine.
run: install
	@if [ -z "$$NEWSWATCH_SEARCH_URL" ] && ! grep -qs '^\s*url:' $${NEWSWATCH_CONFIG:-newswatch.yaml}; then \
		$(MAKE) --no-print-directory engine; \
	fi
	$(BIN)/newswatch setup
	$(BIN)/newswatch run

# The whole suite: unit, integration (real local engine) and end-to-end tests.
test: install engine
	NEWSWATCH_TEST_ENGINE_URL=$(ENGINE_URL) $(BIN)/python -m pytest -q

test-unit: install
	$(BIN)/python -m pytest -q tests/unit

lint: install
	$(BIN)/ruff check crawler scheduler tests benchmarks
	$(BIN)/ruff format --check crawler scheduler tests benchmarks

typecheck: install
	$(BIN)/mypy

bench-index: install engine
	$(BIN)/python benchmarks/bench_index.py --url $(ENGINE_URL) $(BENCH_ARGS)

bench-extract: install
	$(BIN)/python benchmarks/bench_extract.py $(BENCH_ARGS)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
