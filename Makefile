# Two commands for a newcomer: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install browser spectral lint bench worker clean

# The NL API Design Rules linter for the API's OpenAPI document, pinned, in a project-local npm cache.
SPECTRAL_VERSION := 6.16.3
SPECTRAL := .cache/spectral/node_modules/.bin/spectral

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## run: install, migrate, load demo data when empty, start the worker and the portal
run: install
	$(BIN)/flask --app portal migrate
	$(BIN)/flask --app portal seed-demo
	@$(BIN)/huey_consumer portal.worker.huey --workers 2 --quiet & huey=$$!; \
	  trap 'kill $$huey 2>/dev/null; wait $$huey 2>/dev/null' EXIT INT TERM; \
	  echo ""; \
	  echo "Portaal: http://$(HOST):$(PORT)/ - log in met een demo-inlog hierboven."; \
	  echo "Achtergrondverwerking (huey) draait mee. Stoppen: Ctrl+C."; \
	  $(BIN)/flask --app portal run --host $(HOST) --port $(PORT)

## browser: Debian's Chromium for the Playwright browser tests (Playwright cannot download browsers here)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Chromium ontbreekt; installeren via apt (Debian-pakket chromium)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'; }

## spectral: @stoplight/spectral-cli from npm into .cache/spectral (tests/api/test_openapi_lint.py runs it)
spectral: $(SPECTRAL)

$(SPECTRAL):
	@command -v npm >/dev/null 2>&1 || { \
	  echo "npm ontbreekt; installeren via apt (Debian-pakket npm)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm'; }
	mkdir -p .cache/spectral
	npm install --prefix .cache/spectral --no-audit --no-fund --silent @stoplight/spectral-cli@$(SPECTRAL_VERSION)

## test: install and run the whole suite (set DATABASE_URL to run it on PostgreSQL)
test: install browser spectral
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

## bench: the performance benchmarks of issues 4, 5 and 8, on SQLite and on PostgreSQL
bench: install
	$(BIN)/python -m bench import_presentie
	$(BIN)/python -m bench import_presentie --pg
	$(BIN)/python -m bench import_presentie --memory
	$(BIN)/python -m bench regie_scale
	$(BIN)/python -m bench regie_scale --pg
	$(BIN)/python -m bench load
	$(BIN)/python -m bench load --pg

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .cache
