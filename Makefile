# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp
EXTRAS ?= dev,bench,valhalla

.PHONY: run test install db lint typecheck contracts pytest bench clean-db frontend chromium

# The supervisor console: npm packages (Leaflet, esbuild) from package-lock.json, built into
# backend/web/static/ (git-ignored); rebuilt only when a source is newer than the build.
FRONTEND_OUT := backend/web/static
FRONTEND_STAMP := $(FRONTEND_OUT)/.built
FRONTEND_SRC := frontend/package.json frontend/package-lock.json frontend/build.mjs frontend/index.html \
	$(wildcard frontend/src/*)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

install: $(STAMP)

$(FRONTEND_STAMP): $(FRONTEND_SRC)
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
		else echo "npm is needed to build the supervisor console: sudo apt-get install -y nodejs npm" >&2; exit 1; fi; \
	fi
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	@touch $@

frontend: $(FRONTEND_STAMP)

## Debian's chromium for the browser test (Playwright's own browser download does not work here).
chromium:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "the browser test needs chromium: sudo apt-get install -y chromium" >&2; fi; \
	fi

## make run: the API on http://127.0.0.1:8000 with the demo city loaded into an empty database, and a
## worker beside it (queued planning runs, the 22:00 nightly timer); stopping one stops both.
run: install frontend
	@url="$$(scripts/ensure_db.sh)"; \
	export DATABASE_URL="$$url" FIELDSALES_ENV="$${FIELDSALES_ENV:-demo}"; \
	$(BIN)/fieldsales migrate; \
	$(BIN)/fieldsales demo --if-empty; \
	$(BIN)/fieldsales worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "serving on http://127.0.0.1:$${FIELDSALES_PORT:-8000} (OpenAPI: /schema); worker pid $$worker"; \
	$(BIN)/fieldsales serve

## make test: lint, types, import contracts and the whole test suite against PostgreSQL+PostGIS.
test: install lint typecheck contracts pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

pytest: install frontend chromium
	@url="$$(scripts/ensure_db.sh fieldsales_test)"; \
	export TEST_DATABASE_URL="$$url"; \
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks.solomon
