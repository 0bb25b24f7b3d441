# Two commands set everything up on a fresh machine with Python 3.11+:
#   make build   create .venv, install pressroom, build the sample newsroom into build/
#   make test    the same set-up, then the whole test suite
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test test-fast lint messages bench system clean

build: $(STAMP) system
	$(BIN)/pressroom build

test: $(STAMP) system
	@scripts/browser-deps
	@scripts/a11y-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast lane, while you work: everything but the slow, PDF and browser tests (under a minute).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not pdf and not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The labels of the house style: every message in the templates and the render code
# into templates/locale/messages.pot, then merged into each language's messages.po.
# New messages arrive untranslated; tests/render/test_translations.py fails until every catalogue
# has them. Add a language with:
#   $(BIN)/pybabel init -i templates/locale/messages.pot -d templates/locale -l sv
messages: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --add-comments TRANSLATORS: --add-location file \
		--strip-comments --sort-output --project pressroom --ignore-dirs ".* _* build tests bench" \
		--header-comment "# Labels of the pressroom house style, from: make messages. Translate in <lang>/LC_MESSAGES/messages.po." \
		--output-file templates/locale/messages.pot .
	$(BIN)/pybabel update --input-file templates/locale/messages.pot --output-dir templates/locale \
		--domain messages --no-fuzzy-matching --ignore-obsolete

# The speed benchmark against Pelican, Hugo (Debian's, installed when missing) and bare
# WeasyPrint (bench/README.md): about 15 minutes on 2 cores. BENCH_ARGS=--quick for a
# one-minute sanity run.
bench: $(VENV)/.bench-installed system
	@scripts/hugo-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet --group bench
	touch $@

# Pango and HarfBuzz's subsetter for WeasyPrint; skipped when already there.
system:
	@scripts/system-deps

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "pressroom needs Python 3.11 or newer on PATH" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $(STAMP)

# Removes what can be made again: build/ and the caches in .pressroom/. Never records/,
# where the send ledger is (deleting it would send every release again to everyone),
# nor a ledger an older pressroom left in .pressroom/ (the next send moves it to records/).
clean:
	rm -rf build
	test ! -d .pressroom || find .pressroom -mindepth 1 -maxdepth 1 ! -name 'sends.sqlite*' -exec rm -rf {} +
