# One entry point for every task a user or CI runs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)

.PHONY: help setup test test-fast lint emulators run up down bench clean cluster cluster-stop test-cluster

help:
	@echo "make run        - set up, start the local services, run every workflow once through Airflow, print a summary"
	@echo "make up         - keep Airflow's UI and the local services running (prints URL and login)"
	@echo "make test       - the whole test suite (sets up first if needed)"
	@echo "make emulators  - start the local NetSuite and SuiteProjects Pro services in the foreground"
	@echo "make lint       - ruff (lint + format, line length 110), mypy, import-linter layer contracts"
	@echo "make bench      - benchmarks (BENCH_QUICK=1 for a short run)"
	@echo "make cluster    - Airflow cluster natively: Postgres, Redis, CeleryExecutor, two workers (docs/CLUSTER.md)"
	@echo "make cluster-stop - stop what make cluster started"
	@echo "make test-cluster - only the cluster tests (needs Postgres and Redis)"

# The pinned environment, then the project itself in editable mode (no dependencies: requirements.txt
# holds them) so Airflow registers it as a provider (entry point in pyproject.toml). Re-run when either
# file changes; running it again changes nothing.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	@touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

emulators: $(STAMP)
	$(PY) -m emulators $(EMULATOR_ARGS)

run: $(STAMP)
	$(PY) -m runtime.main_job run

up: $(STAMP)
	$(PY) -m runtime.main_job up

down: $(STAMP)
	$(PY) -m runtime.main_job down

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf var .pytest_cache .ruff_cache

cluster: $(STAMP)
	$(PY) -m runtime.cluster start

cluster-stop: $(STAMP)
	$(PY) -m runtime.cluster stop

test-cluster: $(STAMP)
	$(PY) -m pytest -q -m cluster tests/cluster $(PYTEST_ARGS)
