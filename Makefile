# cop — two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
HOST ?= 127.0.0.1
# The PostgreSQL suite runs in a fresh schema of this database (dropped afterwards).
COP_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Redis tests use this dedicated database number and remove only their own keys.
COP_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -q
export FLASK_APP := wsgi
export PORT HOST COP_TEST_REDIS_URL

.PHONY: install run test test-sqlite test-postgres test-e2e lint serve-prod translations bench-rooms \
	translations-update bench-anonymise bench-rendering bench-search bench-http clean

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
	$(BIN)/flask cop ensure-index
	$(BIN)/python -m cop.serve

# Production path: several gunicorn instances (one worker each, threads), PostgreSQL and Redis
# from COP_DATABASE_URL / COP_REDIS_URL, SECRET_KEY required. See README "Deploying".
# INSTANCES gunicorn processes on ports PORT, PORT+1, ...; Ctrl-C stops them all.
INSTANCES ?= 2
serve-prod: install
	@test -n "$$SECRET_KEY" || { echo "serve-prod: set SECRET_KEY (and COP_DATABASE_URL, COP_REDIS_URL)"; exit 1; }
	COP_PRODUCTION=1 $(BIN)/flask db upgrade
	@trap 'kill 0' INT TERM; \
	for i in $$(seq 0 $$(($(INSTANCES) - 1))); do \
		COP_PRODUCTION=1 PORT=$$(($(PORT) + i)) $(BIN)/gunicorn -c cop/gunicorn_conf.py & \
	done; \
	wait

# lint + the whole suite on SQLite + the whole suite on PostgreSQL + browser tests.
# Any non-zero pytest status fails (5, "no tests collected", included).
test: install lint test-sqlite test-postgres test-e2e

test-sqlite: install
	COP_TEST_DATABASE_URL= $(PYTEST) -n $(PYTEST_WORKERS) --ignore=tests/e2e

test-postgres: install
	COP_TEST_DATABASE_URL=$(COP_TEST_DATABASE_URL) $(PYTEST) -n $(PYTEST_WORKERS) --ignore=tests/e2e

test-e2e: install
	COP_TEST_DATABASE_URL= $(PYTEST) tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check cop tests benchmarks migrations wsgi.py

bench-anonymise: install
	$(BIN)/python benchmarks/bench_anonymise.py --setup-peer
	$(BIN)/python benchmarks/bench_anonymise.py

bench-rendering: install
	$(BIN)/python benchmarks/bench_rendering.py

# Queries and rebuild on 100,000 generated posts (with FTS5 beside), then `flask cop reindex`
# end to end from a database (SQLite; COP_BENCH_DATABASE_URL=postgresql+psycopg://... for PG).
bench-search: install
	$(BIN)/python benchmarks/bench_search.py
	$(BIN)/python benchmarks/bench_reindex.py

bench-rooms: install
	$(BIN)/python benchmarks/bench_rooms.py

bench-http: install
	COP_BENCH_DATABASE_URL=$${COP_BENCH_DATABASE_URL:-$(COP_TEST_DATABASE_URL)} \
		$(BIN)/python benchmarks/bench_http.py

clean:
	rm -rf $(VENV) instance .pytest_cache test-results
