# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench bench-scale bench-quick demo clean-var reliability-report

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/hub serve

# Lint, format, types and layers first: each fails the run, so CI and a newcomer check them too.
test: lint
	@infra/deploy/ensure-test-packages.sh
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Rewrites docs/reliability.md from a passing run of tests/reliability; no other run writes it.
reliability-report: $(STAMP)
	@infra/deploy/ensure-test-packages.sh
	$(BIN)/python -m pytest tests/reliability --reliability-report docs/reliability.md

bench: $(STAMP)
	$(BIN)/hub bench all --write docs/benchmarks.md

# A national year: one store grown to 1M meldingen and 10M log entries (about half an hour per backend);
# it rewrites only its generated sections of docs/scaling.md.
bench-scale: $(STAMP)
	$(BIN)/hub bench scale --backend both --write docs/scaling.md

# A smoke run of every benchmark in well under a minute; it writes no report.
bench-quick: $(STAMP)
	$(BIN)/hub bench all --quick

demo: $(STAMP)
	$(BIN)/hub demo

clean-var:
	rm -rf var
