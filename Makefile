# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev,bench,valhalla

.PHONY: run test install db lint typecheck contracts pytest bench clean-db

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

## make run: the API on http://127.0.0.1:8000 with the demo city loaded into an empty database.
run: install
	@url="$$(scripts/ensure_db.sh)"; \
	export DATABASE_URL="$$url" FIELDSALES_ENV="$${FIELDSALES_ENV:-demo}"; \
	$(BIN)/fieldsales migrate; \
	$(BIN)/fieldsales demo --if-empty; \
	echo "serving on http://127.0.0.1:$${FIELDSALES_PORT:-8000} (OpenAPI: /schema)"; \
	exec $(BIN)/fieldsales serve

## make test: lint, types, import contracts and the whole test suite against PostgreSQL+PostGIS.
test: install lint typecheck contracts pytest

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

pytest: install
	@url="$$(scripts/ensure_db.sh fieldsales_test)"; \
	export TEST_DATABASE_URL="$$url"; \
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks.solomon
