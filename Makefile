# exitwave — two commands from a fresh machine to a result:
#   make demo   creates .venv, installs, runs the bundled policy comparison
#   make test   creates .venv, installs, runs the whole test suite (lint and types included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test lint bench baseline fuzz clean

# uv installs the dependencies from PyPI in parallel and compiles their bytecode as pip does (without
# it, where PYTHONDONTWRITEBYTECODE is set, every test subprocess compiles pandas, numba and the rest
# again): about 40 s on a bare machine, where pip takes about two minutes. Should uv be unavailable
# or fail, pip installs the same packages.
INSTALL = $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(1) || $(BIN)/python -m pip install --quiet $(1)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv || true

$(STAMP): $(BIN)/python pyproject.toml
	$(call INSTALL,-e '.[test]')
	touch $(STAMP) $(DEMO_STAMP)

# The demo needs the package and its runtime dependencies only (not the test and docs toolchain).
$(DEMO_STAMP): $(BIN)/python pyproject.toml
	$(call INSTALL,-e .)
	touch $(DEMO_STAMP)

DEMO   := runs/demo

# Browser tests (report offline, dashboard) drive Debian's Chromium through Playwright.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# Two worker processes: the demo's runs use both cores of a laptop. The comparison runs twice, with
# the scenarios' war-end rule and with it off, so the report shows the front both ways.
demo: $(DEMO_STAMP)
	rm -rf $(DEMO) $(DEMO)-war-end-off  # the demo's own folders: rewritten each time, so it never shows stale runs
	$(BIN)/exitwave compare russia-2022 asylum-coalition asylum-coalition-exits-closed captor-credibility -n 8 --scale 200 --workers 2 --out $(DEMO)
	$(BIN)/exitwave compare russia-2022 asylum-coalition asylum-coalition-exits-closed captor-credibility -n 8 --scale 200 --workers 2 --war-end off --out $(DEMO)-war-end-off
	$(BIN)/exitwave report $(DEMO) --war-end-off $(DEMO)-war-end-off --out $(DEMO)/report.html

test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --quiet
	$(BIN)/python -m compileall -q src  # where PYTHONDONTWRITEBYTECODE is set, the suite's CLI subprocesses would each compile exitwave again (≈ 0.15 s apiece)
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder  # one worker per core; a test file stays on one worker; longest files first (tests/conftest.py)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks || true
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# The pinned regression baseline (tests/baseline/, docs/architecture.md "Pinned baseline"):
# rerun its cases and rewrite the stored numbers; review and commit the diff.
baseline: $(STAMP)
	$(BIN)/exitwave baseline update --into tests/baseline

# The fuzzer's long (nightly) mode: generated scenarios and worlds through `exitwave run`
# (docs/hardening.md); exits 1 on any traceback, crash, hang or invalid output.
fuzz: $(STAMP)
	$(BIN)/python scripts/fuzz.py --scenarios 1000 --worlds 500 --json runs/fuzz.json

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
