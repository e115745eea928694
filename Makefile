# Espace Client: set-up, run and test. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto
BENCH_ARGS ?=
FLASK := $(BIN)/flask --app app

.PHONY: axe run test lint format install instance translations translations-extract bench clean lock audit

# The dependencies are (re)installed when pyproject.toml differs from the copy kept in the venv:
# by content, not by date, so a fresh checkout or a linked venv does not reinstall for nothing.
STAMP := $(VENV)/.installed-pyproject.toml

$(BIN)/python:
	$(PY) -m venv $(VENV)

install: $(BIN)/python
	@cmp -s pyproject.toml $(STAMP) || { \
	  echo "Installation des dépendances dans $(VENV)..."; \
	  $(BIN)/pip install -q --upgrade pip && \
	  $(BIN)/pip install -q -e ".[dev]" && \
	  cp pyproject.toml $(STAMP); }
	@$(MAKE) --no-print-directory translations

translations:
	@if [ -d translations ]; then $(BIN)/pybabel compile -d translations -f; fi

# After adding or changing French strings: re-extract them, merge them into each language's .po
# (new entries come out empty, never guessed from a similar string), then translate and commit.
# Locations name the file only, so that moving a line does not rewrite the catalogue.
translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot \
	  --ignore-dirs=".venv tests bench migrations .git instance" --add-location=file --sort-output --project="Espace Client" \
	  --copyright-holder="E.M.P Computer Informatique" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

instance:
	@mkdir -p instance && chmod 700 instance
	@test -f instance/config.py || $(BIN)/python -c "import settings; settings.write_instance_config('instance/config.py')"

# FLASK_RUN_PORT: the port served; in debug, links in mails follow it (settings.follow_served_port).
run: install instance
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 FLASK_RUN_PORT=$(PORT) $(FLASK) demo --if-empty
	FLASK_DEBUG=1 FLASK_RUN_PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# PYTEST_ARGS: more pytest options, e.g. make test PYTEST_ARGS="-x tests/public/test_public.py".
# PYTEST_WORKERS: processes running the tests (pytest-xdist): auto, one per core; 0, none.
# pytest's exit code 5 (no test collected) is a failure too, with its reason said.
# axe-core, for the accessibility checks of the browser tests (npm package, not versioned here).
AXE := node_modules/axe-core/axe.min.js
axe:
	@test -f $(AXE) || ! command -v npm >/dev/null || \
	  npm install -s --prefix . --no-save --no-package-lock --no-audit --no-fund axe-core@~4.14

test: install axe
	@$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test : aucun test collecté (code 5 de pytest)."; fi; \
	exit $$status

# bandit: medium and high findings of the application's code (each accepted one says why).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r app.py settings.py blueprints models services web commands -ll

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_MARIADB_URL ?= mysql+pymysql://root@127.0.0.1:3306/test_bench?charset=utf8mb4
export BENCH_MARIADB_URL

# BENCH_ARGS: options of bench/run.py, e.g. BENCH_ARGS="--scale 0.1 --duration 4" (a quick run).
# Every script runs even when one misses a target; the status says whether all were met.
bench: install
	@status=0; \
	$(BIN)/python bench/inprocess.py || status=1; \
	$(BIN)/python bench/run.py $(BENCH_ARGS) || status=1; \
	$(BIN)/python bench/load.py --mariadb-url "$(BENCH_MARIADB_URL)" || status=1; \
	$(BIN)/python bench/admin_search.py || status=1; \
	$(BIN)/python bench/admin_search.py --database-url "$(BENCH_MARIADB_URL)" || status=1; \
	$(BIN)/python bench/enumeration_timing.py || status=1; \
	$(BIN)/python bench/invoices.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# requirements.lock: the exact versions of the runtime dependencies (what cPanel's virtualenv and
# the servers install: pip install -r requirements.lock), resolved from pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links \
	  --output-file=requirements.lock pyproject.toml

# Known vulnerabilities of the locked versions (asks PyPI's advisory service: needs the network).
audit: install
	$(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip --strict
