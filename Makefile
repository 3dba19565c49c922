# The two commands that matter: `make run` and `make test`. Both work on a fresh machine.
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PORTAL_INSTANCE_PATH ?= ./instance
export PORTAL_INSTANCE_PATH
# The first-run link and other printed links use the address the server really listens on.
export HOST PORT
# The Spanish catalog; see the translations target below.
TRANSLATIONS := portal/translations
CATALOG := $(TRANSLATIONS)/es/LC_MESSAGES/messages
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k N_

.PHONY: run test lint format bench bench-reliability clean

$(BIN)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: $(BIN)/.installed $(CATALOG).mo
	$(BIN)/flask --app wsgi db-upgrade
	$(BIN)/flask --app wsgi serve --host $(HOST) --port $(PORT)

test: $(BIN)/.installed $(CATALOG).mo
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make bench BENCHFLAGS=--quick` for a shorter, rougher run.
bench: $(BIN)/.installed
	$(BIN)/python bench/filing.py $(BENCHFLAGS)

# Load and faults through gunicorn on SQLite and PostgreSQL + Redis (kill -9, outage): about
# ten minutes; PostgreSQL parts are skipped when no server runs on 127.0.0.1:5432.
bench-reliability: $(BIN)/.installed
	$(BIN)/python bench/reliability.py $(BENCHFLAGS)

# The filing page in Chromium on a throttled slow-3G phone (needs /usr/bin/chromium).
.PHONY: bench-phone
bench-phone: $(BIN)/.installed
	$(BIN)/python bench/slow_phone.py $(BENCHFLAGS)

# Translations (see README.md, "Languages"). `make translations` extracts every marked
# string into the .pot, merges it into the Spanish .po (new strings arrive empty, changed ones
# fuzzy) and compiles the .mo. Translate what is empty or fuzzy, then run it again.
# tests/test_translations.py uses the same keywords and fails while anything is untranslated.
.PHONY: translations

translations: $(BIN)/.installed
	$(BIN)/pybabel extract -F portal/babel.cfg $(BABEL_KEYWORDS) --add-comments=Translators: \
		--add-location=file --sort-by-file --width=100 --project=lead-portal \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l es \
		--width=100 --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l es --statistics

# `make run` and `make test` compile the Spanish catalog when its .po is newer than the .mo.
$(CATALOG).mo: $(CATALOG).po $(BIN)/.installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS) -l es

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
