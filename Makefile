# Brigade: two commands matter. `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo demo-reset test test-clock check lint typecheck imports schemas clean install

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/brigade-demo

# Start the demo over: its database, logins and printouts go; .venv stays.
demo-reset: $(STAMP)
	$(BIN)/brigade-demo --reset

check: lint typecheck imports

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

test: check
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests that read the wall clock where the hour matters (marker `clock`), again at two fixed hours
# of a Shanghai day, 08:30 and 18:00 (rush hours), under libfaketime (Debian: faketime). The monotonic
# clock stays real, so timeouts and asyncio keep their pace.
CLOCK_TIMES ?= 2025-03-14T00:30:00 2025-03-14T10:00:00
test-clock: $(STAMP)
	@command -v faketime >/dev/null || { echo "test-clock needs faketime (apt-get install faketime)"; exit 1; }
	@for at in $(CLOCK_TIMES); do \
	  echo "clock tests at $$at UTC"; \
	  TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_FORCE_MONOTONIC_FIX=0 \
	    faketime -f "@$$(echo $$at | tr T ' ')" $(BIN)/pytest -q -m "clock and not chaos" -p no:cacheprovider || exit 1; \
	done

schemas: $(STAMP)
	$(BIN)/python -m contracts.schema_gen

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
