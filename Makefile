# Two entry points (see README): `make run` and `make test`. Both create the
# virtual environment from the pinned requirements on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin

export DO_NOT_TRACK := 1
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# make run: the demo warehouse a user explores. Its recipes run with umask 077: the
# warehouse holds (demo) personal data, and so do dbt's logs and the dashboard.
DEMO_LEADS ?= 20000
DBT_DUCKDB_PATH ?= $(CURDIR)/revenue_funnel.duckdb
# The demo's as-of date is the last full day of its data, a month end. AS_OF_DATE=YYYY-MM-DD pins
# another (var as_of_date), e.g. a mid-month day, so the dashboard and fct_department_kpis show the
# month's pacing and projection: make run AS_OF_DATE=2026-09-15
AS_OF_DATE ?=
DBT_BUILD_VARS := $(if $(AS_OF_DATE),--vars '{as_of_date: "$(AS_OF_DATE)"}')
# make test: a separate, smaller warehouse so tests never touch the demo file.
TEST_DIR := $(CURDIR)/build/test
TEST_DUCKDB := $(TEST_DIR)/revenue_funnel_test.duckdb
TEST_LEADS ?= 3000

.PHONY: install run demo-data build docs dashboard serve-docs system-deps test test-data lint lint-sql lint-python parse dbt-test pytest clean inspect

install: $(VENV)/.installed

# The tooling under scripts/ installs editable (pyproject.toml): its modules importable from the
# venv, its console scripts (revenue-funnel-*) in $(BIN). Recipes still run the scripts by path.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

run: install demo-data build docs dashboard
	@echo "Done: warehouse $(DBT_DUCKDB_PATH), docs in target/index.html (make serve-docs to browse), dashboard in build/dashboard/index.html."

demo-data: install
	umask 077 && $(BIN)/python scripts/generate_demo_data.py --leads $(DEMO_LEADS) --duckdb $(DBT_DUCKDB_PATH)

build: install
	umask 077 && DBT_DUCKDB_PATH=$(DBT_DUCKDB_PATH) $(BIN)/dbt build --full-refresh $(DBT_BUILD_VARS)

docs: install
	umask 077 && DBT_DUCKDB_PATH=$(DBT_DUCKDB_PATH) $(BIN)/dbt docs generate $(DBT_BUILD_VARS)

dashboard: install
	umask 077 && $(BIN)/python scripts/build_dashboard.py --duckdb $(DBT_DUCKDB_PATH) --out build/dashboard/index.html

# Before the first build on your own data: what the raw schema needs configured
# (INSPECT_ARGS e.g. "--schema sfdc --write-seeds build/draft_seeds").
inspect: install
	$(BIN)/python scripts/inspect_crm.py --duckdb $(DBT_DUCKDB_PATH) $(INSPECT_ARGS)

# Debian packages the browser tests need (Chromium, a CJK font); skipped when present.
system-deps:
	bash scripts/install_system_deps.sh

serve-docs: install
	DBT_DUCKDB_PATH=$(DBT_DUCKDB_PATH) $(BIN)/dbt docs serve --port 8080

# Every check; exits non-zero when any fails.
test: install test-data lint parse dbt-test pytest

test-data: install
	mkdir -p $(TEST_DIR)
	$(BIN)/python scripts/generate_demo_data.py --quiet --leads $(TEST_LEADS) --duckdb $(TEST_DUCKDB)

lint: lint-python lint-sql

lint-python: install
	$(BIN)/ruff check scripts tests/python

# The dbt templater compiles models, and staging reads the raw tables' columns,
# so SQL lint runs against the test warehouse.
lint-sql: install test-data
	DBT_DUCKDB_PATH=$(TEST_DUCKDB) $(BIN)/sqlfluff lint models analyses tests --processes 2

parse: install
	DBT_DUCKDB_PATH=$(TEST_DUCKDB) $(BIN)/python scripts/check_parse.py

dbt-test: install test-data
	DBT_DUCKDB_PATH=$(TEST_DUCKDB) $(BIN)/dbt build --full-refresh
	DBT_DUCKDB_PATH=$(TEST_DUCKDB) $(BIN)/dbt compile --select "resource_type:analysis"
	$(BIN)/python scripts/run_analyses.py $(TEST_DUCKDB) target

# Two workers (the machine has two cores), each test file whole on one worker (--dist loadfile),
# so a file's module fixtures (the fault suite's baselines) are built once, handed out in
# collection order (--no-loadscope-reorder), where tests/python/conftest.py puts the slowest
# files first. PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 2
pytest: install system-deps
	$(BIN)/python -m pytest tests/python -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

clean:
	rm -rf target logs build $(VENV) revenue_funnel.duckdb
