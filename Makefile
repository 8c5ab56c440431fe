# Every target that runs Python uses the project's own virtual environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OPA_BINDINGS := opa-golib-python-bindings==0.4.4
STAMP := $(VENV)/.installed
# The tools the benchmark compares against, kept out of the product's venv.
BENCH_VENV := .bench-venv
BENCH_TOOLS := parliament==1.6.4 cloudsplaining==0.9.1 orjson==3.13.0
BENCH_STAMP := $(BENCH_VENV)/.installed
# The official SARIF 2.1.0 schema the SARIF report is tested against. It is not
# on PyPI; it ships in this npm package, pinned by its SHA-256.
SARIF_PACKAGE := @microsoft/jest-sarif@1.0.0-beta.0
SARIF_PACKED := package/lib/schemas/sarif-2.1.0-rtm.5.json
SARIF_SCHEMA := $(VENV)/share/sarif/sarif-2.1.0-rtm.5.json
SARIF_SCHEMA_SHA256 := 2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8

.PHONY: venv sarif-schema demo test pytest lint typecheck bundle catalog contract index defaults legacy bench-org bench clean

venv: $(STAMP)

# The embedded OPA engine's metadata asks for a newer Python than the one it
# runs on, hence --no-deps --ignore-requires-python for that one package.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check \
		--no-deps --ignore-requires-python $(OPA_BINDINGS)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

demo: venv
	$(BIN)/dspm-iam check --params examples/demo/params.yaml \
		--waivers examples/demo/waivers.yaml examples/demo/accounts \
		|| test $$? -eq 1

test: pytest lint typecheck

pytest: venv sarif-schema
	$(BIN)/pytest

# Checked on every run, so a schema changed in place is caught too.
sarif-schema: $(SARIF_SCHEMA)
	echo "$(SARIF_SCHEMA_SHA256)  $(SARIF_SCHEMA)" | sha256sum --check --quiet -

# Fetched with npm's own client and unpacked; a file whose hash differs from
# the pinned one never lands.
$(SARIF_SCHEMA):
	rm -rf $(@D)/pack
	mkdir -p $(@D)/pack
	npm pack --silent --pack-destination $(@D)/pack $(SARIF_PACKAGE) >/dev/null
	tar -xzf $(@D)/pack/*.tgz -C $(@D)/pack $(SARIF_PACKED)
	echo "$(SARIF_SCHEMA_SHA256)  $(@D)/pack/$(SARIF_PACKED)" \
		| sha256sum --check --quiet -
	mv $(@D)/pack/$(SARIF_PACKED) $@
	rm -rf $(@D)/pack

lint: venv
	$(BIN)/ruff check harness tests bench setup.py
	$(BIN)/ruff format --check harness tests bench setup.py

typecheck: venv
	$(BIN)/mypy

bundle: venv
	$(BIN)/python -m dspm_iam.bundle_build policy dist/bundle.tar.gz

catalog: venv
	$(BIN)/python -m dspm_iam.catalog_build policy/dspm/catalog/data.json
	$(MAKE) index

# The contract's wildcards expanded against the catalog, and the list of every
# catalog action, compiled into data.
index: venv
	$(BIN)/python -m dspm_iam.index_build policy policy/dspm/index/data.json

contract: venv
	$(BIN)/python -m dspm_iam.contract_build \
		$(or $(SEED),../shared/seed/dspm-iam-roles-aws.md) \
		policy/dspm/contract/data.json
	$(MAKE) index

# The parameters' schema defaults, as data for the conftest entry point.
defaults: venv
	$(BIN)/python -m dspm_iam.defaults_build schemas/params.schema.json \
		policy/dspm/defaults/data.json

# Actions AWS managed policies name that the catalog does not know.
legacy: venv
	$(BIN)/python -m dspm_iam.legacy_build \
		$(or $(MANAGED),../shared/data/managed-policies/iam-dataset/managed_policies_compact.json) \
		policy/dspm/catalog/legacy/data.json

# The Organization scan end to end on a simulated Organization (moto, loopback).
bench-org: venv
	$(BIN)/python -m bench.org_scan --accounts $(or $(ACCOUNTS),1000)

$(BENCH_STAMP):
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check $(BENCH_TOOLS)
	touch $@

# The floor, dspm-iam check, Parliament and Cloudsplaining on generated dumps.
bench: venv $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
