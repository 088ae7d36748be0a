# Fachkräfte-Assistent Hessen — the two commands of the README are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
HOST   ?= 127.0.0.1

.PHONY: install install-test browser-deps ingest run test lint eval serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

# torch is pinned to the CPU build that lies on this machine's disk; an unpinned
# torch would pull a multi-GB CUDA build. Only the tests (sentence-transformers backend) need it.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev,st]"
	touch $@

# German synonyms (OpenThesaurus) for the answerer: Debian's package, a plain text file.
THESAURUS := /usr/share/openthesaurus-de/openthesaurus.txt
$(THESAURUS):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openthesaurus-de-text

# English → German words (the Ding dictionary) for English questions: Debian's package, a plain text file.
DICTIONARY := /usr/share/trans/de-en
$(DICTIONARY):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq trans-de-en

install: $(VENV)/.installed $(THESAURUS) $(DICTIONARY)

install-test: $(VENV)/.installed-test $(THESAURUS) $(DICTIONARY)

# Browser tests use Debian's chromium (Playwright's own browser download does not work offline);
# the accessibility audit uses axe-core from the npm registry, pinned by tests/ui/package-lock.json.
browser-deps: tests/ui/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

tests/ui/node_modules/axe-core/axe.min.js: tests/ui/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	cd tests/ui && npm ci --no-audit --no-fund --silent
	touch $@

ingest: install
	$(BIN)/python -m ingest

run: install
	-$(BIN)/python -m ingest
	$(BIN)/streamlit run ui/app.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: install-test browser-deps
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check assistant ingest ui tests benchmarks
	$(BIN)/mypy

serve: install
	-$(BIN)/python -m ingest
	$(BIN)/python -m assistant serve --host 127.0.0.1 --port 8000

eval: ingest
	$(BIN)/python -m assistant eval ../shared/eval/dev.jsonl

clean:
	rm -rf $(VENV) data
