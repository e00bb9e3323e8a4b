# Assess: the two set-up commands are `make run` and `make test`. Both install what is
# missing (Debian packages, the .venv, Python packages) and are safe to run again.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
INSTANCE ?= instance
HOST ?= 127.0.0.1
PORT ?= 5000
# Two test processes, one per core of the CI machine; each test file stays in one of them
# (module fixtures such as the accessibility walk's demo site are built once).
TEST_PROCESSES ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile

.PHONY: run test test-sqlite test-postgres lint format bench loadtest scaletest translations \
        system-run system-test clean

run: system-run $(STAMP) translations-compile
	@if [ ! -f "$(INSTANCE)/assess.db" ] && [ -z "$$DATABASE_URL" ]; then \
	  $(VENV)/bin/assess init && $(VENV)/bin/assess demo; \
	else \
	  $(VENV)/bin/assess init && $(VENV)/bin/assess demo --logins; \
	fi
	@echo "Assess: http://$(HOST):$(PORT)"
	@# One queue worker beside the server, stopped when the server stops.
	@$(VENV)/bin/assess worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(VENV)/bin/assess serve --host $(HOST) --port $(PORT)

# Every test on SQLite, then every database test again on a real PostgreSQL server.
test: system-test $(STAMP) translations-compile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PYTEST)
	scripts/with-postgres.sh $(PYTEST) -p no:cacheprovider

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	@for script in bench/score.py bench/report.py bench/pages.py bench/publish.py; do \
	  echo "# $$script"; $(PY) $$script || exit 1; \
	done

# The deadline load test, not part of `make test` (about six minutes): 200 reporters
# against gunicorn on PostgreSQL, then on SQLite. LOADTEST_ARGS=--quick for a short run.
loadtest: system-test $(STAMP) translations-compile
	scripts/loadtest.sh $(LOADTEST_ARGS)

# The full scale test, not part of `make test` (which runs its quick version): two queue
# engines, three gunicorn servers, 29 reports a batch, a worker killed mid-batch, on
# PostgreSQL, moto's S3 server and redis-server started on loopback (five to ten minutes).
scaletest: system-test $(STAMP) translations-compile
	scripts/scaletest.sh $(SCALETEST_ARGS)

system-run:
	@scripts/install-system.sh run

system-test:
	@scripts/install-system.sh test

# The venv is rebuilt when the dependency list or the constraints change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[test]'
	@touch $(STAMP)

# Message catalogues: ids are the Chinese text; translations/en holds the English.
translations:
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

translations-compile: $(STAMP)
	@out=$$($(VENV)/bin/pybabel compile -d translations 2>&1) || { echo "$$out"; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
