# Describe It — the command surface. Every target installs what it needs into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := layers/common/python:.
export PYTHONDONTWRITEBYTECODE := 1

# `sam build` runs from its own venv (SAM pins its own boto3/pydantic) with Python 3.12, Lambda's runtime:
# SAM's python builds look for python3.12, and the layers' .pyc files are compiled by it. pyenv's 3.12,
# else a python3.12 on PATH.
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
PYTHON312 ?= $(firstword $(wildcard $(shell pyenv prefix 3.12 2>/dev/null)/bin/python3.12) \
	$(shell python3.12 -c "import sys; print(sys.executable)" 2>/dev/null))
# No telemetry from CI or laptops; SAM's own files stay under .aws-sam/.
export SAM_CLI_TELEMETRY := 0

.PHONY: install run test lint format typecheck unit validate openapi build deploy bench bench-data bench-vocab \
	bench-progress invoke migrate admin new-function clean

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
test: $(STAMP) lint typecheck validate build unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The layer, then every function in one run: each functions/<name>/app.py is a module named `app`
# (Lambda's handler path), so they are checked as fn_<name>.py links in a scratch folder.
typecheck: $(STAMP)
	$(VENV)/bin/mypy
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		for app in functions/*/app.py; do ln -s "$(CURDIR)/$$app" "$$scratch/fn_$$(basename $$(dirname $$app)).py"; done && \
		echo "mypy functions/*/app.py" && set -o pipefail && $(VENV)/bin/mypy "$$scratch" \
		| sed -E "s|$$scratch/fn_([a-z0-9_]+)\.py|functions/\1/app.py|"

validate: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

# pytest-xdist: one worker per core, at most 4, each with a PostgreSQL cluster of its own (tests/conftest.py).
# With DATABASE_URL (one server for all) the tests run in one process: they change its roles' passwords.
TEST_WORKERS ?= $(if $(DATABASE_URL),0,auto)
unit: $(STAMP)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --maxprocesses 4

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

$(SAM_STAMP): requirements-sam.txt
	@test -n "$(PYTHON312)" || { echo "make build needs Python 3.12 (Lambda's runtime): \
		pyenv install 3.12, or a python3.12 on PATH" >&2; exit 1; }
	@test -x $(SAM_VENV)/bin/python3.12 || $(PYTHON312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	@touch $(SAM_STAMP)

# SAM's build cache knows a layer's own folder only: a change to the shared build script rebuilds all.
.aws-sam/.layer-build: layers/build_layer.py layers/layer.mk
	rm -rf .aws-sam/cache
	@mkdir -p .aws-sam && touch $@

## build: `sam build` (no Docker needed), then every function with its layers against Lambda's 250 MB
build: $(STAMP) $(SAM_STAMP) .aws-sam/.layer-build
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" PYTHON312="$(CURDIR)/$(SAM_VENV)/bin/python3.12" \
		$(SAM_VENV)/bin/sam build
	$(PY) -m infra.build_sizes

deploy: build
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM_VENV)/bin/sam deploy --guided

## new-function: the files of a new route, e.g. NAME=vocabulary_lists ROUTE=/api/vocabulary/lists
##   [METHODS=GET,POST] [AUTH=none|optional|required|admin] [DB=app|auth|admin|none]
new-function: $(STAMP)
	@test -n "$(NAME)" -a -n "$(ROUTE)" || { echo "usage: make new-function NAME=snake_name ROUTE=/api/path" >&2; exit 2; }
	$(PY) -m infra.new_function "$(NAME)" "$(ROUTE)" --methods "$(or $(METHODS),GET)" \
		--auth "$(or $(AUTH),required)" --db "$(or $(DB),app)"

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
