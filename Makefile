# Two commands set everything up on a fresh machine:
#   make run    evaluate the shipped policy for the example subscribers
#   make test   the whole test suite
#   make serve  the assistant page and the HTTP API on http://127.0.0.1:8000/
# They create .venv and install what they need (Graphviz `dot`, and for the
# tests chromium, from Debian's packages when they are missing).

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
CLI      := $(VENV)/bin/asanimza-policy
STAMP    := $(VENV)/.installed
POLICY   ?= asan-imza-renewal
# The day version 1.1.0 took effect; the examples are chosen around it. AS_OF=YYYY-MM-DD for another.
AS_OF    ?= 2026-11-25
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check bench typecheck mutate clean dot browser venv serve docs

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Graphviz's `dot` draws the SVG flowcharts; from Debian's packages when apt-get is
# there. Without it (no apt-get, no network) everything else still works: DOT and
# Mermaid need no program, and the SVG tests are skipped, saying why.
dot:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Graphviz (dot) from Debian's packages"; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends graphviz >/dev/null \
	      || echo "could not install Graphviz: SVG output and its tests are skipped"; \
	  else echo "no apt-get: install Graphviz (brew install graphviz, dnf install graphviz); SVG tests are skipped"; fi; }

# Debian's chromium for the tests of the web pages (Playwright drives it; its own
# browser download does not work everywhere). Where it cannot be installed, those
# tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium from Debian's packages (for the browser tests)"; \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"; }

run: $(STAMP) dot
	@for f in examples/*.yaml; do \
	  echo "=== $$f"; \
	  $(CLI) evaluate $(POLICY) --context $$f --as-of $(AS_OF) --format text || exit $$?; \
	done
	@echo
	@echo "Ask the questions one by one:  $(CLI) ask $(POLICY)"
	@echo "Start the web assistant and the HTTP API:  make serve  (or $(CLI) serve --port 8000),"
	@echo "then open http://127.0.0.1:8000/"

serve: $(STAMP)
	$(CLI) serve --host 127.0.0.1 --port 8000

check: $(STAMP)
	$(CLI) check --strict

test: $(STAMP) dot browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest
	$(CLI) check --strict
	$(CLI) test --min-coverage 100

# The generated documentation: Markdown, DOT and Mermaid under docs/ (committed;
# a test fails when they are stale), SVG and HTML under docs/_build/ (ignored).
docs: $(STAMP) dot
	$(CLI) docs

bench: $(STAMP)
	$(PY) bench/evaluate.py
	$(PY) bench/peers.py
	$(PY) bench/load.py
	$(PY) bench/batch.py --full-size
	$(PY) bench/check_scale.py
	$(PY) bench/diff_population.py
	$(PY) bench/quadratic.py

# Mutation testing, on demand (minutes, not in CI): make mutate [MODULE=expr]
MUTMUT_VERSION := 3.8.1
# Types alone (settings under [tool.mypy]); `make test` runs them too
typecheck: $(STAMP)
	$(VENV)/bin/mypy

mutate: $(STAMP)
	@$(PY) -c "import mutmut" 2>/dev/null || $(PY) -m pip install --quiet 'mutmut==$(MUTMUT_VERSION)'
	$(PY) tools/mutate.py $(MODULE)

clean:
	rm -rf $(VENV) build dist .pytest_cache mutants
