# Two commands on a fresh machine: `make run` (embedded host) and `make test` (whole suite).
# make run PORT=7072 DATA_DIR=.data2 ARGS=--test-clock; make reset wipes DATA_DIR.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7071
DATA_DIR ?= .data
ARGS ?=

NODE_STAMP := node_modules/.package-lock.json

.PHONY: run test lint bench reset clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Local servers the adapter tests start on loopback (Cosmos DB stand-in, Azurite).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

run: $(STAMP)
	$(PY) -m infra.embedded_host --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR) $(ARGS)

# Branch coverage of shared/ measured in-process (the host subprocesses of e2e tests are not);
# .ci/run gates it at 95 %.
test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest --cov=shared --cov-branch --cov-report=term:skip-covered

lint: $(STAMP)
	$(VENV)/bin/ruff check shared functions infra tests function_app.py
	$(VENV)/bin/mypy shared functions infra function_app.py

bench: $(STAMP)
	$(PY) -m pytest -m bench tests/bench -p no:randomly -s

# Wipes the local state (stores, queue, keys, master key, test clock) after a confirmation;
# FORCE=1 skips the question. Needs no .venv.
reset:
	@$(PYTHON) -m infra.reset_local --data-dir "$(DATA_DIR)" $(if $(filter 1,$(FORCE)),--yes)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .coverage
