# Zongzhi (综治) developer commands. Needs GNU make and Python 3.11; everything else is
# installed into .venv from requirements.txt.
#
#   make run    set up, migrate, import 襄阳, seed demo data, then web + worker + beat
#   make test   lint, format check and the whole test suite (what CI runs)
#
# Settings come from the environment (see README.md): DATABASE_URL, REDIS_URL, ...

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Requirements are re-installed only when requirements.txt is newer than this stamp.
STAMP := $(VENV)/.requirements.stamp
PORT ?= 8000
DIVISIONS ?= data/divisions/xiangyang.csv
VAR_DIR := $(or $(ZONGZHI_VAR_DIR),var)
PYTEST_ARGS ?=
MANAGE := $(BIN)/python manage.py
PO_FILES = $(wildcard locale/*/LC_MESSAGES/django.po)

# The venv's commands come first for every recipe (and for honcho's processes).
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install translations lint format test test-fast migrate import demo run \
	messages clean distclean

help:
	@echo "make run         set up, migrate, import $(DIVISIONS), seed demo data, then run"
	@echo "                 web (127.0.0.1:\$$PORT, default 8000), celery worker and beat"
	@echo "make test        ruff check + ruff format --check + pytest (as CI does)"
	@echo "make lint        ruff check + ruff format --check"
	@echo "make format      ruff format + ruff check --fix"
	@echo "make migrate     apply database migrations"
	@echo "make demo        migrate, import $(DIVISIONS) and seed demo data (prints logins)"
	@echo "make messages    update locale/en/LC_MESSAGES/django.po (needs GNU gettext)"
	@echo "make clean       remove caches, compiled translations, broker and beat state"
	@echo "make distclean   clean + remove .venv and var/ (the local database)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	touch $@

install: $(STAMP)

# Compiled with Babel (pure Python): no GNU gettext needed. Nothing to do without .po files.
translations: $(STAMP)
	@if [ -n "$(PO_FILES)" ]; then $(BIN)/pybabel compile -d locale -D django; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest exits 5 when it collected no tests; like any non-zero exit, that fails the target.
test: lint translations
	$(BIN)/pytest $(PYTEST_ARGS)

migrate: $(STAMP)
	$(MANAGE) migrate --noinput

import: migrate
	$(MANAGE) import_divisions $(DIVISIONS)

# The demo's clock: one working day lasts this many seconds, so that cases fall due and climb
# the ladder within minutes (production settings refuse it).
DEMO_WORKDAY_SECONDS ?= 20

demo: import
	ZONGZHI_DEMO_WORKDAY_SECONDS=$(DEMO_WORKDAY_SECONDS) $(MANAGE) seed_demo

# Foreground; Ctrl-C stops all three processes. Safe to run again: every step is idempotent,
# and beat's schedule and pid files from an earlier (possibly killed) run are removed first.
run: translations demo
	rm -f $(VAR_DIR)/celerybeat.pid $(VAR_DIR)/celerybeat-schedule*
	ZONGZHI_DEMO_WORKDAY_SECONDS=$(DEMO_WORKDAY_SECONDS) DEADLINE_WATCH_INTERVAL=15 \
		FOLLOW_UP_WATCH_INTERVAL=20 NOTIFICATION_DELIVERY_INTERVAL=10 METRICS_REFRESH_INTERVAL=15 \
		$(BIN)/honcho --procfile Procfile.dev start --port $(PORT)

messages: $(STAMP)
	$(MANAGE) makemessages -l en --ignore 'var/*' --ignore 'staticfiles/*'

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis
	find locale -name '*.mo' -delete 2>/dev/null || true
	rm -rf $(VAR_DIR)/broker $(VAR_DIR)/test-broker-* $(VAR_DIR)/test-*.sqlite3*
	rm -f $(VAR_DIR)/celerybeat.pid $(VAR_DIR)/celerybeat-schedule*

distclean: clean
	rm -rf $(VENV) $(VAR_DIR)
