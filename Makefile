# Cohesion: one entry point for new users and CI alike (.ci/run just calls `make test`).
# `make` or `make help` lists the targets.

UV ?= uv
# --frozen: run from uv.lock as it is; never re-resolve or rewrite the lock file
# (uv.lock is maintained on purpose, not as a side effect of `make test`).
RUN := $(UV) run --frozen
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
# `up`/`test`/`bench` need infra then install, in that order (infra installs uv).
.NOTPARALLEL:
.PHONY: help install infra up unit test demo docs lint bench

help: ## List the targets
	@echo "Usage: make <target>   (e.g. make up, make test PYTEST_ARGS='-k grants -x')"
	@echo
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

install: ## Create/refresh .venv from uv.lock (runtime + dev dependencies)
	@command -v $(UV) >/dev/null 2>&1 || bash deploy/infra.sh uv
	$(UV) sync --frozen

infra: ## Make sure uv, PostgreSQL, RabbitMQ and its management API are up
	@bash deploy/infra.sh ensure

up: infra install ## Run everything locally with demo data (Ctrl-C stops it)
	$(RUN) cohesion up || [ $$? -eq 130 ]  # 130: stopped with Ctrl-C, as intended

unit: install ## The fast tests, no servers needed (tests/unit; lint is `make lint`)
	$(RUN) pytest tests/unit --ignore=tests/unit/test_lint.py $(PYTEST_ARGS)

test: infra install ## Run the test suite (extra pytest options: PYTEST_ARGS=...)
	$(RUN) pytest $(PYTEST_ARGS)

demo: ## Run the demo scenario against running services
	$(RUN) cohesion demo

docs: ## Generate the documentation into docs/
	$(RUN) cohesion docs --out docs/

lint: ## ruff lint, ruff format check and mypy
	$(RUN) ruff check . && $(RUN) ruff format --check . && $(RUN) mypy

bench: infra install ## Run the benchmarks: full stack vs hand-written + relay lag, then webhook fan-out
	$(RUN) python -m tests.bench
	$(RUN) python -m tests.bench.notifications
