# One entry point for people and CI. Needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run memo test lint typecheck fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	touch $(STAMP)

setup: $(STAMP)

## run: set up and run the HTTP service on http://127.0.0.1:8000 (SQLite in ./data)
run: $(STAMP)
	$(BIN)/cde serve

## memo: set up and print the credit memo for the seed application
memo: $(STAMP)
	$(BIN)/cde evaluate examples/seed_request.json --format markdown

# Far-apart dates the machine's clock is moved to (tests/conftest.py) for a second and a
# third run of the tests that go through the engine and the service: no test may depend on
# today's date. SQLite only (the date logic is the same on PostgreSQL); e2e children keep
# the real date.
MACHINE_DATES ?= 2021-03-15T09:00:00+07:00 2034-09-09T16:55:00+07:00
DATE_TESTS    ?= tests/unit tests/integration

## test: set up, lint, type-check and run the whole test suite (then again on other dates)
test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -n auto -q
	@for moment in $(MACHINE_DATES); do \
		echo "--- the tests again, the machine's clock moved to $$moment"; \
		CDE_TEST_MACHINE_DATE=$$moment $(BIN)/python -m pytest -n auto -q \
			-m "not postgresql" $(DATE_TESTS) || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
