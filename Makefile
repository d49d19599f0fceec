# planetmail: the two commands are `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down status test lint typecheck check fuzz bench-up clean lock system-deps

# uv itself is pinned by hash in requirements/uv.txt and lives in a small venv of its own (.tools/uv);
# `uv sync --locked` then installs exactly uv.lock and fails, instead of resolving, when pyproject.toml
# and the lock disagree.
UV_HOME := .tools/uv
UV := $(UV_HOME)/bin/uv
export UV_PYTHON_DOWNLOADS := never

$(UV): requirements/uv.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "planetmail needs Python 3.11+; install it and run make again")'
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { echo "make: python3 has no venv support; install it: apt-get install python3-venv" >&2; exit 1; }
	@rm -rf $(UV_HOME) && $(PYTHON) -m venv $(UV_HOME)
	@$(UV_HOME)/bin/pip install -q --require-hashes --no-deps -r requirements/uv.txt

$(STAMP): pyproject.toml uv.lock $(UV)
	@echo "==> installing the locked Python dependencies into $(VENV)"
	@$(UV) sync -q --locked --python $(PYTHON) --all-extras --group dev
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
test: $(STAMP) system-deps lint
	@status=0; $(BIN)/pytest || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

check: test

# The soak of the unit property tests (hostile MIME, provider webhooks, forms, headers, the reply policy and
# the acknowledgement's encoding, the processor's decision, the SLA ledger): FUZZ_SCALE times the examples
# each draws in `make test`. Not part of CI. The stack's OpenAPI fuzz scales too: PLANETMAIL_FUZZ_SCALE=N pytest.
# A failure prints the smallest input Hypothesis found and is replayed first on the next run (.hypothesis/).
FUZZ_SCALE ?= 20
fuzz: $(STAMP)
	@PLANETMAIL_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/pytest tests/unit -m property -v \
	  --hypothesis-show-statistics

# The Debian packages the tests drive (IMAP server, browser, JVM, Node): installed when root, else one
# line naming what is missing and the command that installs it.
system-deps:
	@bash .ci/system-deps

# A deliberate upgrade: re-resolve everything to the newest allowed versions, then regenerate the
# per-function requirements files and the processor image's constraints from the new lock. Review the diff.
lock: $(UV)
	@$(UV) lock --upgrade --python $(PYTHON)
	@$(UV) lock --upgrade --python $(PYTHON) --project tools/sam
	@$(UV) sync -q --locked --python $(PYTHON) --all-extras --group dev && touch $(STAMP)
	@$(BIN)/python -m planetmail_local.lock

# Cold vs warm `planetmail up` on a throwaway instance; prints wall times.
bench-up: $(STAMP)
	@$(BIN)/python -m planetmail_local.stack.benchmark

clean:
	rm -rf $(VENV) $(UV_HOME) build *.egg-info
