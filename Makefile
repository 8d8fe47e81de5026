# One entry point for people and CI. Needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup system-packages browser run memo test lint typecheck fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train,pdf]'
	touch $(STAMP)

setup: $(STAMP) system-packages

# Debian packages the memo PDF needs (Pango for WeasyPrint; HarfBuzz-Subset, without which
# WeasyPrint subsets fonts with fontTools, which stamps them with the clock, so the same
# memo at the same time would not give the same bytes; the DejaVu fonts), installed when
# missing and the user may (root); otherwise a note says what to install.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# The headless browser the workspace's end-to-end tests drive.
BROWSER_PACKAGES := chromium chromium-driver

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "note: install these Debian packages as root:$$missing"; $(2) \
		fi; \
	fi
endef

system-packages:
	$(call apt_ensure,$(SYSTEM_PACKAGES),true;)

browser:
	$(call apt_ensure,$(BROWSER_PACKAGES) $(SYSTEM_PACKAGES),exit 1;)

## run: set up and run the HTTP service on http://127.0.0.1:8000 (SQLite in ./data)
run: $(STAMP) system-packages
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
test: $(STAMP) system-packages browser lint typecheck
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
