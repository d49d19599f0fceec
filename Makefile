# planetmail: the two commands are `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down status test lint typecheck check bench-up clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "planetmail needs Python 3.11+; install it and run make again")'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Python dependencies into $(VENV) (first time: a few minutes)"
	@$(BIN)/pip install -q -U pip
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

# Starts ZooKeeper, Kafka (jars resolved by Maven on first run), moto and the SMTP sink; idempotent.
up: $(STAMP)
	@$(BIN)/planetmail up

down: $(STAMP)
	@$(BIN)/planetmail down

status: $(STAMP)
	@$(BIN)/planetmail status

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/mypy functions infra localstack

typecheck: lint

# The session fixture starts the stack itself when it is not running. pytest exits 5 when it
# collected no tests: that is a failure here, never a silent pass.
test: $(STAMP) lint
	@status=0; $(BIN)/pytest || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

check: test

# Cold vs warm `planetmail up` on a throwaway instance; prints wall times.
bench-up: $(STAMP)
	@$(BIN)/python -m planetmail_local.stack.benchmark

clean:
	rm -rf $(VENV) build *.egg-info
