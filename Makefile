# Two commands matter: `make run` (console chat, or the Telegram bot when
# TELEGRAM_BOT_TOKEN is set) and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench validate eval report clean

$(STAMP): pyproject.toml setup.py native/e5_vnni.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot run

test: $(STAMP)
	$(PY) -m ruff check bot tests benchmarks
	$(PY) -m pytest -q -n auto --dist loadfile

lint: $(STAMP)
	$(PY) -m ruff check bot tests benchmarks

validate: $(STAMP)
	$(PY) -m bot validate

eval: $(STAMP)
	$(PY) -m bot eval ../shared/eval/dev.yaml

report: $(STAMP)
	$(PY) -m bot report

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) benchmarks/kb_speed.py
	$(PY) benchmarks/q2q.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
