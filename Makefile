# Quick start: `make demo` (serve the demo on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format venv migrate seed clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

migrate: venv
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Links in the demo's emails point where it serves, unless SITE_URL says otherwise.
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: seed
	@echo ""
	@echo "  Admin:     http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:  http://$(HOST):$(PORT)/api/docs/"
	@echo "  Health:    http://$(HOST):$(PORT)/healthz"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles .pytest_cache .ruff_cache
