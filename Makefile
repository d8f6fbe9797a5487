# ChatCluster — the two commands a newcomer needs:
#   make up     install everything and run the platform locally (http://127.0.0.1:8000)
#   make test   install what the tests need and run them all
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: up test install test-deps lint typecheck schemas clean kube-up kube-down operator jstest bench capacity

# `make up` installs only what the platform runs on, so a newcomer is chatting fast.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/chatcluster up $(if $(PORT),--port $(PORT)) $(if $(STORE),--store $(STORE))

# The operator's dev loop without a cluster: a real kube-apiserver + etcd on loopback (built from Go
# modules on first use, cached in ~/.cache/chatcluster), the CRDs installed, .chatcluster/kubeconfig written.
kube-up: $(STAMP)
	$(BIN)/python -m chatcluster_operator.localkube up

kube-down: $(STAMP)
	$(BIN)/python -m chatcluster_operator.localkube down

# Runs the operator in the foreground against $$KUBECONFIG (default: the one `make kube-up` wrote).
operator: $(STAMP)
	KUBECONFIG=$${KUBECONFIG:-.chatcluster/kubeconfig} $(BIN)/chatcluster-operator --standalone

test-deps: $(TEST_STAMP)
	scripts/install-test-deps
	$(BIN)/python -m chatcluster_operator.localkube install
	$(BIN)/python -m chatcluster_operator.localkube.kubescore install
	$(BIN)/python -m chatcluster.dev.mailpit install
	$(BIN)/python -m chatcluster.dev.seaweedfs install

# lint-imports checks the layers ([tool.importlinter] in pyproject.toml; docs/architecture.md).
lint: $(TEST_STAMP)
	$(BIN)/ruff check services operator tests bench observability
	$(BIN)/ruff format --check services operator tests bench observability
	$(BIN)/lint-imports

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

schemas: $(STAMP)
	$(BIN)/chatcluster schemas --out schemas

# The web client (services/chatcluster/gateway/static/js): ESLint over every module and the
# `node --test` unit tests of its pure modules (tests/js). npm ci installs the pinned ESLint.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

jstest:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/.installed \
		&& node_modules/.bin/eslint && node --test tests/js/; \
	elif [ -n "$$CHATCLUSTER_REQUIRE_ALL" ]; then echo "node and npm missing: the web client is not checked" >&2; exit 1; \
	else echo "node and npm missing: the web client's lint and unit tests skipped (apt-get install nodejs npm)" >&2; fi

test: test-deps jstest
	$(BIN)/ruff check services operator tests bench observability
	$(BIN)/lint-imports
	$(BIN)/mypy
	@if command -v promtool >/dev/null; then promtool check rules observability/prometheus/*.yaml; \
	elif [ -n "$$CHATCLUSTER_REQUIRE_ALL" ]; then echo "promtool missing (Debian prometheus)" >&2; exit 1; \
	else echo "promtool missing: alert rules not checked (apt-get install prometheus)" >&2; fi
	$(BIN)/python -m pytest -q

# Every benchmark in bench/, each figure beside its baseline from the same run: bench/results/report.json and
# report.md, then docs/capacity.md (about 30 min on 2 cores). Needs Go: the load generator and Centrifugo v6.9.1
# are built from Go modules on first use (Centrifugo: ~5-10 min), cached in ~/.cache/chatcluster; `make test`
# never builds them. ONLY=fanout,send runs some; QUICK=1 checks the harness at tiny sizes.
bench: $(TEST_STAMP)
	$(BIN)/python bench/report.py $(if $(ONLY),--only $(ONLY)) $(if $(QUICK),--quick)

# docs/capacity.md again from the last report (after editing bench/capacity.py's assumptions).
capacity: $(STAMP)
	$(BIN)/python bench/capacity.py

clean:
	rm -rf $(VENV) .chatcluster .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .grimp_cache node_modules
