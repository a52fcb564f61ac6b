# Two commands set everything up on a fresh machine:
#   make run    evaluate the shipped policy for the example subscribers
#   make test   the whole test suite
# Both create .venv and install what they need (Graphviz `dot` from Debian's
# packages when it is missing).

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
CLI      := $(VENV)/bin/asanimza-policy
STAMP    := $(VENV)/.installed
POLICY   ?= asan-imza-renewal
# The examples' dates are chosen around this day; override with AS_OF=YYYY-MM-DD.
AS_OF    ?= 2026-11-24
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test check bench clean dot venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

dot:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "installing Graphviz (dot) from Debian's packages"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends graphviz >/dev/null; }

run: $(STAMP) dot
	@for f in examples/*.yaml; do \
	  echo "=== $$f"; \
	  $(CLI) evaluate $(POLICY) --context $$f --as-of $(AS_OF) --format text || exit $$?; \
	done

check: $(STAMP)
	$(CLI) check --strict

test: $(STAMP) dot
	$(PY) -m pytest
	$(CLI) check --strict
	$(CLI) test

bench: $(STAMP)
	$(PY) bench/evaluate.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
