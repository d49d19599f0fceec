# planetmail: the two commands are `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down status test lint typecheck check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "planetmail needs Python 3.11+; install it and run make again")'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Python dependencies into $(VENV) (first time: a few minutes)"
	@$(BIN)/pip install -q -U pip
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

up: $(STAMP)
	@$(BIN)/planetmail up

down: $(STAMP)
	@$(BIN)/planetmail down

status: $(STAMP)
	@$(BIN)/planetmail status

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/mypy functions infra localstack

test: $(STAMP) lint
	@$(BIN)/pytest

clean:
	rm -rf $(VENV) build *.egg-info
