# Entry points named in the README. Everything installs itself into ./.venv via uv;
# uv itself is bootstrapped into ./.tools when the machine lacks it.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
STACKS := local dev staging prod

.PHONY: setup test lint check bench up down clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

setup: $(UV)
	$(UV) sync --locked

test: setup
	$(UV) run --locked pytest

lint: setup
	$(UV) run --locked ruff check .

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(UV) run --locked python $$b || exit 1; done

clean:
	rm -rf .venv .tools .pytest_cache
