# Espace Client: set-up, run and test. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app app

.PHONY: run test lint format install instance translations bench clean

$(BIN)/flask: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(BIN)/flask

install: $(BIN)/flask translations

translations: $(BIN)/flask
	$(BIN)/pybabel compile -q -d translations -f

instance:
	@mkdir -p instance
	@test -f instance/config.py || $(BIN)/python -c "import settings; settings.write_instance_config('instance/config.py')"

run: install instance
	FLASK_DEBUG=1 $(FLASK) db upgrade
	FLASK_DEBUG=1 $(FLASK) demo --if-empty
	FLASK_DEBUG=1 $(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
