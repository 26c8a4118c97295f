# Two commands: `make run` (serve the city on http://127.0.0.1:8000) and `make test`.
# Both bootstrap .venv from nothing; exact versions come from requirements.lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test lint format bench clean system-deps

$(STAMP): pyproject.toml requirements.lock requirements-peers.lock package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-peers.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps fake-switches==1.5.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	# axe-core for the browser tests' accessibility checks (pinned in package-lock.json); skipped without npm.
	if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; fi
	touch $(STAMP)

run: $(STAMP)
	scripts/run.sh

# The server plus a simulated city (every site's agent, power cuts, complaints) on loopback; see ccis/demo.py.
demo: $(STAMP)
	scripts/demo.sh

system-deps:
	scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(STAMP) system-deps
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var/*.db var/*.db-* .pytest_cache node_modules
