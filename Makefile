# `make demo` shows the example ledger; `make check` is the quick loop while working (lint, types,
# the tests not marked slow: under 3 minutes on two cores); `make test` is the whole suite, what CI
# runs. Markers (slow, pg, subprocess): tests/markers.py. PYTEST_WORKERS=0 runs in one process.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: demo check test lint typecheck unit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/ledger demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check ledger projections cli tests
	$(BIN)/ruff format --check ledger projections cli tests
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(PYTEST)

check: lint typecheck
	$(PYTEST) -m "not slow"

test: lint typecheck unit

clean:
	rm -rf $(VENV) build *.egg-info
