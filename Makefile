# The few commands people run. `make run` and `make test` install what they need themselves.
SHELL := /bin/bash
# Debian's own Python: LibreOffice's bridge (python3-uno) exists only for it, so the
# virtual environment is made from it with --system-site-packages (DESIGN section 6).
PYTHON ?= /usr/bin/python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SYSTEM_PACKAGES := python3-venv python3-uno libreoffice-writer-nogui \
	fonts-crosextra-carlito fonts-crosextra-caladea fonts-liberation2 fonts-dejavu-core \
	poppler-utils libnss3-tools chromium
export AGREEMENTS_DATA_DIR ?= $(CURDIR)/data

.PHONY: run test system venv lint bench clean

run: venv ## Start web, worker and converters with a demo case (embedded default)
	$(BIN)/agreements init --demo
	AGREEMENTS_MAIL_OUTBOX=$${AGREEMENTS_MAIL_OUTBOX:-$(AGREEMENTS_DATA_DIR)/outbox} $(BIN)/agreements up

test: venv ## Install what the tests need, check the code, and run every test
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy agreements templates signing worker.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv ## ruff, mypy and the import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy agreements templates signing worker.py
	$(BIN)/lint-imports

bench: venv ## Run the benchmarks and print their figures
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

system: ## Debian packages: Python venv, LibreOffice with its Python bridge, fonts, pdfsig and NSS's certutil, Chromium
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BIN)/python: | system
	$(PYTHON) -m venv --system-site-packages $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

venv: system $(VENV)/.installed

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
