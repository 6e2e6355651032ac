# caseclock — the two commands of the quick start, and the steps they stand on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The evaluator's core is compiled with mypyc (setup.py); a change to a compiled source rebuilds it.
BUILT := $(VENV)/.built
CORE_SOURCES := $(wildcard src/caseclock/core/*.py)
DATA_DIR ?= var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench lock clean

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $(STAMP)

$(BUILT): $(STAMP) pyproject.toml setup.py $(CORE_SOURCES)
	find src -name '*.so' -delete
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(BUILT)

run: $(BUILT)
	$(BIN)/caseclock quickstart --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

test: $(BUILT) lint typecheck pytest

lint: $(BUILT)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(BUILT)
	$(BIN)/mypy src tests bench

# Coverage of the code that runs as Python. The modules mypyc compiled run as C, which coverage
# cannot see: they are left out of the report (a build with CASECLOCK_PURE_PYTHON=1 measures
# them too). Worker processes the tests start are not measured either.
COMPILED_PY = $(shell find src -name '*.cpython-*.so' | sed -E 's/[.]cpython-[^/]*[.]so$$/.py/' | paste -sd, -)

pytest: $(BUILT)
	$(BIN)/coverage run -m pytest; status=$$?; \
	$(BIN)/coverage report --omit='$(COMPILED_PY)'; exit $$status

# The benchmarks print caseclock's figures beside a baseline from the same run. The worker
# and ingest benchmarks need PostgreSQL (CASECLOCK_TEST_DATABASE_URL); --quick keeps this short.
bench: $(BUILT)
	$(BIN)/python bench/calendar_bench.py
	$(BIN)/python bench/evaluate_bench.py --records 20000
	$(BIN)/python bench/ingest_bench.py --quick
	$(BIN)/python bench/worker_bench.py --quick

# Re-resolve the lock file after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build .coverage
	find src -name '*.so' -delete
