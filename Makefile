# caseclock — the two commands of the quick start, and the steps they stand on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/caseclock quickstart --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP)
	$(BIN)/pytest

# The benchmarks print caseclock's figures beside a baseline from the same run. The worker
# and ingest benchmarks need PostgreSQL (CASECLOCK_TEST_DATABASE_URL); --quick keeps this short.
bench: $(STAMP)
	$(BIN)/python bench/calendar_bench.py
	$(BIN)/python bench/evaluate_bench.py --records 20000
	$(BIN)/python bench/ingest_bench.py --quick
	$(BIN)/python bench/worker_bench.py --quick

# Re-resolve the lock file after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
