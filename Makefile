# The two commands of the README: `make run` and `make test`. Both install
# what they need first; stamps keep a second call fast.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.stamp
NODE_STAMP := node_modules/.stamp
DIST := backend/concviz/static/dist/app.js
FRONTEND_SOURCES := $(shell find frontend -type f 2>/dev/null) package.json tsconfig.json vite.config.ts
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-versions install build chromium lint check-python check-frontend test-python bench clean

run: install build
	$(BIN)/concviz serve --host $(HOST) --port $(PORT)

# The tests run on both cores (pytest-xdist, a test file per worker at a
# time: a module's server fixture is started once); CI must end in 20 minutes.
# CPython's own suites (tests/compat) run alone afterwards: they are long,
# timing-heavy and start hundreds of threads, and they judge exactness.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

test: install build chromium lint
	npm run --silent test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) --ignore=tests/compat
	$(BIN)/python -m pytest -q tests/compat
	$(MAKE) --no-print-directory test-versions

# The engine (recording, instrumentation, compat suites, CLI) on the other
# Pythons of the machine, found through pyenv; the server and the browser
# tests run once, above. Each version gets its own venv (.venv-3.12 ...).
# CPython's multiprocessing suite (four minutes a version) and the scenarios'
# phenomenon tests (timing-heavy, version-independent) run on 3.11 only, to
# keep CI under 20 minutes.
OTHER_PYTHONS := 3.12 3.13
ENGINE_TESTS := tests/instrument tests/processes tests/cli tests/trace tests/coroutines tests/control \
	tests/analysis
COMPAT_TESTS := tests/compat --ignore=tests/compat/test_cpython_multiprocessing.py

test-versions:
	@set -e; for v in $(OTHER_PYTHONS); do \
	  python="$$(pyenv root)/versions/$$(pyenv latest $$v)/bin/python$$v"; \
	  test -x "$$python" || { echo "Python $$v not found through pyenv"; exit 1; }; \
	  test -x .venv-$$v/bin/python || "$$python" -m venv .venv-$$v; \
	  echo "== Python $$v"; \
	  .venv-$$v/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored" || true; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_PARALLEL) $(ENGINE_TESTS); \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider $(COMPAT_TESTS); \
	done

# Byte-compiled up front, as pip does for a regular install: a run starts two
# Pythons, and without the caches (PYTHONDONTWRITEBYTECODE, common in
# containers) each would compile concviz from source, about 0.1 s a run.
install: $(PY_STAMP) $(NODE_STAMP)
	@$(BIN)/python -m compileall -q backend/concviz >/dev/null

$(PY_STAMP): pyproject.toml setup.py $(wildcard backend/concviz/*.c backend/concviz/*.h)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import concviz, fastapi, pytest"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: $(DIST)

$(DIST): $(NODE_STAMP) $(FRONTEND_SOURCES)
	npm run --silent build

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the end-to-end tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/python -m concviz.schema_gen --check
	$(BIN)/ruff check backend tests bench scenarios
	$(BIN)/mypy
	npm run --silent lint
	npm run --silent typecheck

bench: install build chromium
	$(BIN)/python bench/lock_cost.py
	$(BIN)/python bench/recording_throughput.py
	$(BIN)/python bench/translate_cost.py
	CYCLES=1000000 $(BIN)/python bench/memory_bound.py
	$(BIN)/python bench/observer_effect.py
	$(BIN)/python bench/ws_throughput.py
	$(BIN)/python bench/ws_latency.py
	$(BIN)/python bench/timeline_frames.py
	$(BIN)/python bench/ui_throughput.py
	$(BIN)/python bench/run_to_first_event.py
	$(BIN)/python bench/process_cost.py
	$(BIN)/python bench/coroutine_cost.py
	$(BIN)/python bench/sweep.py

clean:
	rm -rf $(VENV) .venv-* node_modules backend/concviz/static/dist backend/concviz/*.so
