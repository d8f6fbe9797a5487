# ChatCluster — the two commands a newcomer needs:
#   make up     install everything and run the platform locally (http://127.0.0.1:8000)
#   make test   install what the tests need and run them all
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test install test-deps lint typecheck schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/chatcluster up $(if $(PORT),--port $(PORT))

test-deps: $(STAMP)
	scripts/install-test-deps

lint: $(STAMP)
	$(BIN)/ruff check services tests bench
	$(BIN)/ruff format --check services tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/chatcluster schemas --out schemas

test: test-deps
	$(BIN)/ruff check services tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .chatcluster .pytest_cache .mypy_cache .ruff_cache
