# Entry points named in the README. Everything installs itself into ./.venv via uv;
# uv itself is bootstrapped into ./.tools when the machine lacks it.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)

.PHONY: prerequisites setup bytecode test-bytecode test lint typecheck check docs bench up down clean

# The venv is made without pip and the machine's pip installs uv into it: making a venv with pip takes
# several seconds more on every fresh clone (CI, and the docs' commands tested on a fresh copy). A pip too
# old for --python, or no pip at all, and the venv gets its own pip.
$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv --without-pip .tools
	$(PYTHON) -m pip --python .tools/bin/python install --quiet uv 2>/dev/null || \
	  { .tools/bin/python -m ensurepip --default-pip >/dev/null && .tools/bin/python -m pip install --quiet uv; }

# .venv's interpreter: uv's own choice (`uv python find`: the existing .venv's, else a uv-managed one, else
# python3), except that a pyenv or asdf build compiled without optimisation gives way to another build of the
# same version on PATH (tools/venv_python.py: 10-12 % off `make test`). The script judges uv's choice, not
# python3, so a managed 3.12 never gives way to PATH's 3.11. VENV_PYTHON=/path/to/python chooses outright;
# empty, uv chooses.
VENV_PYTHON ?= $(shell $(PYTHON) $(CURDIR)/tools/venv_python.py "$$($(UV) python find 2>/dev/null)")
UV_SYNC = $(UV) sync --locked $(addprefix --python ,$(VENV_PYTHON))

# With the .pyc files written up front: uv, unlike pip, compiles none at install, and where
# PYTHONDONTWRITEBYTECODE is set Python never writes them, so every process (the check, the policy pack,
# each test's subprocess) would compile pulumi_aws and the other SDKs from source again: about 0.8 s of CPU.
# Only what they import is compiled: the pack's and the CLI's imports, and every stack's program run under
# mocks, with writing on (about 3 s of CPU, again only when uv.lock changes). `uv sync --compile-bytecode`
# compiled all 8,264 files of the SDKs, 27 s of CPU on each fresh clone, for the ~900 a check loads.
WARM_IMPORTS := import bluegreen.cli, bluegreen.offline_check, components.kubernetes; \
  from bluegreen.program_run import run_config; \
  from bluegreen.stack_files import PROJECT_DIR, stack_config, stack_names; \
  [run_config(stack_config(stack), stack=stack) for stack in stack_names(PROJECT_DIR)]
setup: $(UV)
	$(UV_SYNC)
	@$(MAKE) --no-print-directory bytecode

# Part of setup, run once the venv is in sync (`make test` runs pyright beside it).
# `make test` asks for the tests' collection in the same process (COLLECT=1): on a fresh venv it imports the
# same Pulumi and SDK modules as the step above, so once instead of twice (6.3 CPU-s against 8.7, before any
# worker can start). It touches test-bytecode's marker only when the collection succeeds, as that step does.
COLLECT_TESTS := ; import pathlib, pytest; \
  pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider"]) == 0 and pathlib.Path(".venv/.test-bytecode").touch()
bytecode:
	@.venv/bin/python -m compileall -q bluegreen components policies testkit __main__.py >/dev/null
	@[ .venv/.sdk-bytecode -nt uv.lock ] || { \
	  (cd policies && env -u PYTHONDONTWRITEBYTECODE ../.venv/bin/python -c 'import pulumi.policy, rules.analyzer, rules.policies') && \
	  env -u PYTHONDONTWRITEBYTECODE .venv/bin/python -c '$(WARM_IMPORTS)$(if $(COLLECT),$(COLLECT_TESTS))' >/dev/null && \
	  touch .venv/.sdk-bytecode; }

# What the test modules import on top (hypothesis, the SDKs' other modules, each test module's assertion
# rewrite), compiled by one collection before the workers start. On a fresh venv four workers collecting at
# once each compiled all of it: 18.5-20.6 CPU-s, against 4.5 for this step and 8-9 for the workers after it.
# Again only when uv.lock changes; a module that fails to collect is left for the suite's own run to report.
test-bytecode:
	@[ .venv/.test-bytecode -nt uv.lock ] || { \
	  env -u PYTHONDONTWRITEBYTECODE .venv/bin/python -m pytest --collect-only -q -p no:cacheprovider >/dev/null 2>&1 && \
	  touch .venv/.test-bytecode; } || true

# The system tools the suite runs for real: HAProxy and Prometheus on loopback, busybox's nc (the router
# image's stand-in), curl and wget (the rendered health probes). Checked first, so a missing one stops
# `make test` at once with the command that installs it, not with FileNotFoundErrors minutes later.
TEST_WORKERS ?= $(shell cores=$$(nproc 2>/dev/null || echo 1); echo $$(( cores >= 4 ? 8 : 2 * cores )))

TEST_TOOLS := haproxy prometheus busybox curl wget

prerequisites:
	@missing=""; for tool in $(TEST_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make test needs these tools on PATH, missing:$$missing"; \
	  echo "  Debian/Ubuntu: sudo apt-get install -y$$missing"; \
	  echo "  macOS:         brew install$${missing// busybox/}  (busybox has no Homebrew formula: run the suite in a Debian container)"; \
	  exit 1; \
	fi

# Twice as many workers as cores: much of the suite waits on real HAProxy, Prometheus, loopback servers and
# subprocesses, not on a CPU, so while one worker waits another computes (on 2 cores: 143 s at -n 4 against
# 186 s at -n 2, same tests), at most 8. TEST_WORKERS overrides it. Each module runs whole on one worker (--dist loadfile),
# so what its fixtures start (a fresh checkout with its own venv, the wheel, Prometheus, HAProxy) starts once.
# Modules are handed out in collection order (--no-loadscope-reorder), which tests/conftest.py sorts longest
# first: xdist's own order, most tests first, started the 26 s analysis module last, alone, 2 minutes in.
# pyright runs beside them, not inside one of them, so its ~20 s overlap those waits; either one failing
# fails the target. It starts as soon as the venv is in sync, at a lower priority (nice 10): it takes the
# CPU the bytecode step and the workers leave idle rather than competing with them (fresh clones run in
# alternation: 102.9-105.8 s against 105.5-108.8 s, 15 idle core-seconds against 19).
# The 10 slowest tests are printed at the end.
test: prerequisites $(UV)
	$(UV_SYNC)
	@log=$$(mktemp); PYRIGHT_PYTHON_IGNORE_WARNINGS=1 nice -n 10 $(UV) run --locked pyright > $$log 2>&1 & typecheck=$$!; \
	if $(MAKE) --no-print-directory bytecode test-bytecode COLLECT=1; then \
	  $(UV) run --locked pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=10; status=$$?; \
	else status=1; fi; \
	if wait $$typecheck; then tail -n 1 $$log; else cat $$log; status=1; fi; \
	rm -f $$log; exit $$status

lint: setup
	$(UV) run --locked ruff check .

typecheck: setup
	$(UV) run --locked pyright

# Offline policy check (program under mocks, pack over gRPC); no cloud account. Without --stack it checks
# every Pulumi.<stack>.yaml here. Extra flags through CHECK_ARGS, e.g. CHECK_ARGS="--stack prod".
check: setup
	$(UV) run --locked python -m bluegreen check $(CHECK_ARGS)

# Rewrite the generated reference pages (docs/configuration.md, policies.md, cli.md) from the code.
# tests/test_docs_reference.py fails when a committed page differs from what this writes.
docs: setup
	$(UV) run --locked python -m docs.gen

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(UV) run --locked python $$b || exit 1; done

clean:
	rm -rf .venv .tools .pytest_cache

# The local Docker stack (README: Platform `docker`). The script first checks for the Pulumi CLI and a
# running Docker engine, says what to install if one is missing, and stops before deploying.
# Pulumi.yaml's `toolchain: uv` makes the Pulumi CLI call `uv` itself, so the uv used
# here (perhaps the one bootstrapped into .tools) goes first on PATH.
up: setup
	PATH="$(dir $(UV)):$$PATH" $(UV) run --locked python -m bluegreen.local_stack up $(ARGS)

down: setup
	PATH="$(dir $(UV)):$$PATH" $(UV) run --locked python -m bluegreen.local_stack down $(ARGS)
