# The two commands that matter: `make run` and `make test`. Both work on a fresh machine.
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PORTAL_INSTANCE_PATH ?= ./instance
export PORTAL_INSTANCE_PATH

.PHONY: run test lint format bench clean

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/flask --app wsgi db-upgrade
	$(BIN)/flask --app wsgi serve --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make bench BENCHFLAGS=--quick` for a shorter, rougher run.
bench: $(BIN)/.installed
	$(BIN)/python bench/filing.py $(BENCHFLAGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
