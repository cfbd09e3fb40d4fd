# cop — two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
HOST ?= 127.0.0.1
export FLASK_APP := wsgi
export PORT HOST

.PHONY: install run test lint translations translations-update bench-anonymise bench-rendering bench-search clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d cop/translations

translations-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o cop/translations/messages.pot .
	$(BIN)/pybabel update -N -i cop/translations/messages.pot -d cop/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask cop seed-demo --if-empty
	$(BIN)/python -m cop.serve

test: install
	$(BIN)/python -m pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check cop tests benchmarks migrations wsgi.py

bench-anonymise: install
	$(BIN)/python benchmarks/bench_anonymise.py --setup-peer
	$(BIN)/python benchmarks/bench_anonymise.py

bench-rendering: install
	$(BIN)/python benchmarks/bench_rendering.py

bench-search: install
	$(BIN)/python benchmarks/bench_search.py

clean:
	rm -rf $(VENV) instance .pytest_cache
