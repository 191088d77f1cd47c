# Radicals: `make run` serves the platform, `make test` runs the whole suite.
# Needs only Python 3.11, Node (npm) and make; everything else installs from PyPI and npm.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
MO_STAMP := locale/.compiled
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
PYTEST_ARGS ?=
TEST_WORKERS ?= auto

.PHONY: install run test lint format audit bench bench-data profile clean-embedded stop-embedded messages

install: $(PIP_STAMP) $(NPM_STAMP) $(MO_STAMP)

$(PIP_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The Welsh catalogues, compiled with Babel (pure Python: no system gettext needed).
$(MO_STAMP): $(PIP_STAMP) $(PO_FILES)
	$(PY) -m radicals.i18n compile
	touch $@

# Collects every string marked for translation and updates locale/*/LC_MESSAGES/*.po.
messages: install
	$(PY) -m radicals.i18n extract
	$(PY) -m radicals.i18n compile

run: install
	$(PY) -m radicals.dev

test: install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# bandit over our code, pip-audit over the installed packages (.ci/audit.py says how).
audit: install
	$(PY) .ci/audit.py

bench: install
	$(PY) -m benchmarks.run

bench-data: install
	$(PY) -m benchmarks.data $(SCALE)

# One figure's requests profiled in-process with pyinstrument (benchmarks/profile.py).
FIGURE ?= co-sign
N ?= 1000
profile: install
	FIGURE=$(FIGURE) N=$(N) $(PY) -m benchmarks.profile

stop-embedded: install
	$(PY) -m radicals.embedded stop
