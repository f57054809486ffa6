# The two commands: `make run` (set up and serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test test-clock lint translations bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# A random secret key for this machine, written once and never committed.
instance/config.py:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) questionnaire sync
	$(FLASK) seed borlange
	$(FLASK) users bootstrap
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:5000 wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# The tests marked `clock` again at instants where dates and windows break: just before and
# after midnight (also New Year), and on both daylight-saving nights in Stockholm. CI runs it.
CLOCK_INSTANTS := 2026-12-31T23:50:00+01:00 2027-01-01T00:10:00+01:00 \
	2027-03-28T01:59:00+01:00 2027-03-28T03:01:00+02:00 \
	2027-10-31T02:30:00+02:00 2027-10-31T02:30:00+01:00
test-clock: install
	set -e; for at in $(CLOCK_INSTANTS); do \
		echo "clock tests at $$at"; FEEDBACK_TEST_NOW=$$at $(BIN)/pytest -m clock -q; \
	done

# Extract interface strings, merge them into each language's catalog, compile the catalogs.
# Translate the new entries in feedback/translations/*/LC_MESSAGES/messages.po, then run again.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output -o feedback/translations/messages.pot .
	$(BIN)/pybabel update -i feedback/translations/messages.pot -d feedback/translations \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d feedback/translations

# Benchmarks print their time against a baseline measured in the same run.
bench: install
	$(BIN)/python bench/export_throughput.py
	$(BIN)/python bench/load_residents.py
	$(BIN)/python bench/survey_throughput.py
	$(BIN)/python bench/numbers_at_scale.py
