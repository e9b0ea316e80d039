# accessctl — build and test entry points. `make test` is the command the README
# and .ci/run use: it starts the live test directory (389-ds + MIT KDC, see
# testdata/ds/up; needs root, installs its packages with apt-get when missing),
# runs every test step against it and always stops it again.
#
# To add a step to `make test` (fuzzing, generated-file checks, ...): define a
# target and append it to TEST_STEPS, e.g.
#     TEST_STEPS += check-generated
#     check-generated: ; ...
# Steps run in order, with the test directory's environment exported.

SHELL := /bin/bash
GO ?= go
GOTESTFLAGS ?=
TEST_TIMEOUT ?= 20m

DS_INSTANCE ?= accessctl
DS_STATE ?= $(if $(filter-out accessctl,$(DS_INSTANCE)),/tmp/accessctl-ds-$(DS_INSTANCE),/tmp/accessctl-ds)
export DS_INSTANCE DS_STATE

TEST_STEPS := go-test

.PHONY: build test test-steps go-test ds-up ds-down ds-purge

build:
	$(GO) build -o accessctl ./cmd/accessctl

# test: directory up, every step of TEST_STEPS, directory down (also on failure
# or interrupt). Exits with the steps' status.
test:
	@set -euo pipefail; \
	trap 'testdata/ds/down' EXIT; \
	start=$$(date +%s); \
	testdata/ds/up >/dev/null; \
	echo "test directory up in $$(( $$(date +%s) - start ))s ($(DS_STATE)/env)"; \
	set -a; . "$(DS_STATE)/env"; set +a; \
	$(MAKE) --no-print-directory test-steps

test-steps: $(TEST_STEPS)

go-test:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

ds-up:
	testdata/ds/up

ds-down:
	testdata/ds/down

ds-purge:
	testdata/ds/down --purge
