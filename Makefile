# Feynlab: `make run` starts the platform, `make test` runs every test. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
INSTALLED := $(VENV)/.installed
SYSTEM := var/.system-packages
FRONTEND_BUILT := frontend/dist/index.html
export KERAS_BACKEND := torch

.PHONY: run test lint bench install system frontend datasets clean

run: install system frontend datasets ## install what is needed, then serve on http://127.0.0.1:8000
	FEYNLAB_ENV=$${FEYNLAB_ENV:-development} $(BIN)/feynlab serve --host 127.0.0.1 --port 8000

install: $(INSTALLED)

# Reinstall only when pyproject.toml changed (pinned versions; torch 2.13.0 CPU comes from the local wheel).
$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# System packages from Debian: bubblewrap (the sandbox), Fashion-MNIST, Chromium (browser tests).
system: $(SYSTEM)
$(SYSTEM):
	@mkdir -p var
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	/sbin/ldconfig -p | grep -q 'libseccomp\.so\.2 ' || missing="$$missing libseccomp2"; \
	test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || missing="$$missing dataset-fashion-mnist"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q $$missing >/dev/null || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; } \
	  || { echo "could not install$$missing: install them with apt-get and run make again"; exit 1; }; \
	fi
	@touch $@

frontend: $(FRONTEND_BUILT)
$(FRONTEND_BUILT): $(shell find frontend -path frontend/node_modules -prune -o -path frontend/dist -prune -o -path frontend/test-results -prune -o -type f -print 2>/dev/null)
	@if [ -f frontend/package.json ]; then \
	  cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else echo "no front end yet"; fi

datasets: install system
	$(BIN)/feynlab datasets fetch

test: install system frontend datasets ## run every test (SQLite; PostgreSQL and Redis when configured)
	@bash scripts/test.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: install system datasets
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done
	cd frontend && npm run --silent bench:size && npm run --silent bench:preview

clean:
	rm -rf $(VENV) var frontend/node_modules frontend/dist

# The production image that deploy/ runs (see Dockerfile and docs/operations.md); needs Docker.
IMAGE ?= ghcr.io/feynlab/feynlab:0.1.0
.PHONY: image
image: ## build the production image; then `docker push $(IMAGE)`
	docker build -t $(IMAGE) .
