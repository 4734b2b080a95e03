# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint unit lab bench
setup:
	./scripts/setup.sh

demo: setup
	$(BIN)/pyvrrp demo

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# The unit tests alone: no root, no namespaces, nothing of the lab installed.
unit:
	SETUP_FOR=unit ./scripts/setup.sh
	$(BIN)/pytest -q tests/unit

lab: setup
	$(BIN)/pytest -q tests/lab

bench: setup
	$(BIN)/python bench/run_all.py
