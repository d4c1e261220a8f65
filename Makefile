# The README's commands. `make demo` runs the whole system with demo data; `make test` runs every fast test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := shared services/registry services/landlords services/matching services/notifications agency
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))

.PHONY: demo test test-sqlite test-postgres lint format bench chaos nats-config clean venv

venv: $(STAMP)

$(STAMP): requirements/runtime.txt requirements/dev.txt $(PYPROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		$(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/agency up --demo

test: $(STAMP)
	$(BIN)/python -m pytest --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/src services/*/src agency/src

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

chaos: $(STAMP)
	$(BIN)/python -m pytest -m chaos -p no:randomly --timeout=600 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

nats-config: $(STAMP)
	$(BIN)/agency nats-config --out deploy/nats

clean:
	rm -rf var reports .pytest_cache .mypy_cache .ruff_cache
