# Everything a fresh machine needs: `make run` to serve, `make test` to test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every dependency pinned, so each install gets the versions the tests passed with; `make lock`
# moves them to the newest that setup.cfg allows.
CONSTRAINTS := constraints.txt
# pip itself is pinned too: a newer pip shows the build backend's notes (setuptools' "Editable
# installation" banner) on every install.
PIP_VERSION := 26.2
HOST ?= 127.0.0.1
# The tests start dozens of Python processes (xdist workers, servers, job workers): with
# bytecode caching turned off in the environment, each would compile the project afresh.
unexport PYTHONDONTWRITEBYTECODE
PORT ?= 5000

.PHONY: run shell test test-fast lint lock check-examples browser-deps services bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet 'pip==$(PIP_VERSION)'

$(STAMP): $(BIN)/python setup.cfg pyproject.toml $(CONSTRAINTS)
	$(BIN)/pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $(STAMP)

# Resolve setup.cfg afresh in a throw-away environment and pin what it installed.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet 'pip==$(PIP_VERSION)'
	.lock-venv/bin/pip install --quiet -e '.[test]'
	{ echo "# Pinned by 'make lock' from setup.cfg; 'make run' and 'make test' install these."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(CONSTRAINTS)
	rm -rf .lock-venv

run: $(STAMP)
	$(BIN)/formbuilder db upgrade
	$(BIN)/formbuilder publish examples/
	@echo "Staff pages: http://$(HOST):$(PORT)/staff. Create the first account in another terminal:"
	@echo "    $(BIN)/formbuilder users create --email you@example.gov --admin"
	$(BIN)/formbuilder serve --host $(HOST) --port $(PORT)

# A shell with .venv active, so `formbuilder check`, `formbuilder users ...` work as typed.
shell: $(STAMP)
	@echo "formbuilder's environment is active; type exit to leave."
	@bash --rcfile $(BIN)/activate -i

browser-deps:
	bash scripts/install-browser-deps.sh

services:
	bash scripts/start-services.sh

# The slow tests (browser, load) start first and are handed out one at a time, so no worker
# is left finishing a long one alone (tests/conftest.py); the total time is printed last.
PYTEST_PARALLEL := -n auto --dist loadgroup --no-loadscope-reorder

test: $(STAMP) browser-deps services
	@start=$$(date +%s); status=0; \
	$(BIN)/ruff check . && \
	$(BIN)/mypy && \
	$(BIN)/formbuilder check examples/ && \
	$(BIN)/pytest $(PYTEST_PARALLEL) --durations=30 || status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s in all"; exit $$status

# What a change usually needs, in a minute: no browser, no load tests, SQLite only.
test-fast: $(STAMP)
	@start=$$(date +%s); status=0; \
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser and not load and not postgresql" \
		--durations=10 || status=$$?; \
	echo "make test-fast: $$(( $$(date +%s) - start )) s in all"; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP) services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .lock-venv build *.egg-info tests/browser/node_modules
