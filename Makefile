# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint unit lab bench mutate
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

# Mutation testing of the pure core (wire/, auth/, protocol/); not part of CI.
# `make mutate FILE=src/pyvrrp/protocol/router.py` for one module.
mutate: setup
	$(BIN)/python -c 'import mutmut' 2>/dev/null || $(BIN)/pip install -q -e '.[test,mutate]'
	$(BIN)/python scripts/mutate.py $(FILE)
