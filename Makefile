# Everything a fresh machine needs: `make run` to serve, `make test` to test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run shell test lint check-examples browser-deps services bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

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

test: $(STAMP) browser-deps services
	$(BIN)/ruff check .
	$(BIN)/formbuilder check examples/
	$(BIN)/pytest -n auto --durations=30

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP) services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info tests/browser/node_modules
