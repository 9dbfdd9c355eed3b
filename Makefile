# Describe It — the command surface. Every target installs what it needs into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := layers/common/python:.
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint format typecheck unit validate openapi build deploy bench bench-data bench-vocab bench-progress invoke migrate admin clean

$(STAMP): requirements-dev.txt $(wildcard layers/*/requirements.txt)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

## run: the whole service on http://127.0.0.1:8000 (embedded PostgreSQL, local DynamoDB/S3, every route)
run: $(STAMP)
	$(PY) -m infra.local.run

## test: everything CI checks
test: $(STAMP) lint typecheck validate unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

validate: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

unit: $(STAMP)
	$(VENV)/bin/pytest

## openapi: regenerate openapi.json from the code (the drift test compares against it)
openapi: $(STAMP)
	$(PY) -m infra.local.openapi --write

## invoke: run one handler in-process with an event, like `sam local invoke` (FUNCTION=name EVENT=path)
invoke: $(STAMP)
	$(PY) -m infra.local.invoke $(FUNCTION) $(EVENT)

## admin: operator commands against the running local stack, e.g. ARGS="set-tier demo@describe-it.local basic"
admin: $(STAMP)
	$(PY) -m infra.local.attached describe_it.admin_cli $(ARGS)

migrate: $(STAMP)
	$(PY) -m infra.local.attached describe_it.db.migrate $(or $(CMD),up)

build:
	sam build

deploy: build
	sam deploy --guided

bench: $(STAMP)
	$(PY) -m bench.run

## bench-data: the data set of the data benchmarks (bench/dataset.py) in its own cluster under BENCH_DATA_DIR
## (default .local/bench); re-running resumes/skips, ARGS=--fresh starts over
bench-data: $(STAMP)
	$(PY) -m bench.dataset $(ARGS)

## bench-vocab: issue 9's vocabulary figures on that data set (bench/vocabulary.py)
bench-vocab: $(STAMP)
	$(PY) -m bench.vocabulary

## bench-progress: issue 11's progress and saved-description figures on that data set (bench/progress.py)
bench-progress: $(STAMP)
	$(PY) -m bench.progress

clean:
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
