# Two commands set everything up on a fresh machine with Python 3.11+:
#   make build   create .venv, install pressroom, build the sample newsroom into build/
#   make test    the same set-up, then the whole test suite
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test lint system clean

build: $(STAMP) system
	$(BIN)/pressroom build

test: $(STAMP) system
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Pango and HarfBuzz's subsetter for WeasyPrint; skipped when already there.
system:
	@scripts/system-deps

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "pressroom needs Python 3.11 or newer on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $(STAMP)

clean:
	rm -rf build .pressroom
