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
# -p 1: one package at a time, because the live tests of every package share one
# 389-ds; concurrent plugin-heavy writes from many packages at once made 389-ds 2.3.1
# hit "Retry count exceeded" deadlocks and hang.
GOTESTFLAGS ?= -p 1
TEST_TIMEOUT ?= 20m

# DS_DOWN_FLAGS=--purge makes `make test` remove the instance afterwards (the
# next run then builds it from nothing, ~25 s, instead of restarting it, ~1 s).
DS_DOWN_FLAGS ?=
DS_INSTANCE ?= accessctl
DS_STATE ?= $(if $(filter-out accessctl,$(DS_INSTANCE)),/tmp/accessctl-ds-$(DS_INSTANCE),/tmp/accessctl-ds)
export DS_INSTANCE DS_STATE

TEST_STEPS := lint go-test

.PHONY: build test test-steps go-test ds-up ds-down ds-purge

build:
	$(GO) build -o accessctl ./cmd/accessctl

# test: directory up, every step of TEST_STEPS, directory down (also on failure
# or interrupt). Exits with the steps' status.
test:
	@set -euo pipefail; \
	trap 'testdata/ds/down $(DS_DOWN_FLAGS)' EXIT; \
	start=$$(date +%s); \
	testdata/ds/up >/dev/null; \
	echo "test directory up in $$(( $$(date +%s) - start ))s ($(DS_STATE)/env)"; \
	set -a; . "$(DS_STATE)/env"; set +a; \
	$(MAKE) --no-print-directory test-steps


go-test:
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

# lint: the habits CI keeps (issue 19): go vet, staticcheck (pinned, installed on
# first use) and a tidy go.mod/go.sum.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK ?= $(or $(shell command -v staticcheck 2>/dev/null),$(shell $(GO) env GOPATH)/bin/staticcheck)
.PHONY: lint
lint:
	@set -euo pipefail; \
	$(GO) mod tidy -diff; \
	$(GO) vet ./...; \
	if [ ! -x "$(STATICCHECK)" ]; then \
	  echo "installing staticcheck $(STATICCHECK_VERSION)"; \
	  $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi; \
	sc="$(STATICCHECK)"; [ -x "$$sc" ] || sc="$$($(GO) env GOPATH)/bin/staticcheck"; \
	"$$sc" ./...; \
	echo "lint: go mod tidy, go vet and staticcheck clean"

ds-up:
	testdata/ds/up

ds-down:
	testdata/ds/down

ds-purge:
	testdata/ds/down --purge

# --- Generated files and release (issue 10) -----------------------------------
# generate: completion scripts (completions/), command reference (docs/cmd/*.md)
# and man pages (docs/man/*.1), all from the cobra tree by internal/gendocs.
# check-generated: regenerate into a temporary directory and diff with what is
# committed. release-check: goreleaser check + a single-target (linux/amd64)
# snapshot build, then assert the .deb holds the binary, the man pages and the
# completions. (goreleaser v2.15's `release` has no --single-target, which is a
# `build` flag: the target is narrowed in a temporary copy of goreleaser.yaml.)
GORELEASER_VERSION ?= v2.15.1
GORELEASER ?= $(or $(shell command -v goreleaser 2>/dev/null),$(shell $(GO) env GOPATH)/bin/goreleaser)

TEST_STEPS += check-generated release-check

.PHONY: generate check-generated release-check

generate:
	$(GO) generate ./completions

check-generated:
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(GO) run ./internal/gendocs -root "$$tmp"; \
	stale=0; \
	for d in docs/cmd docs/man; do \
	  diff -r -u "$$d" "$$tmp/$$d" || stale=1; \
	done; \
	for s in bash zsh fish ps1; do \
	  diff -u "completions/accessctl.$$s" "$$tmp/completions/accessctl.$$s" || stale=1; \
	done; \
	if [ $$stale = 1 ]; then echo "generated files are stale: run 'make generate' and commit" >&2; exit 1; fi; \
	echo "generated files are fresh"

release-check:
	@set -euo pipefail; \
	if [ ! -x "$(GORELEASER)" ]; then \
	  echo "installing goreleaser $(GORELEASER_VERSION) (a few minutes)"; \
	  $(GO) install github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION); \
	fi; \
	gr="$(GORELEASER)"; [ -x "$$gr" ] || gr="$$($(GO) env GOPATH)/bin/goreleaser"; \
	"$$gr" check; \
	cfg=$$(mktemp --suffix=.yaml); trap 'rm -f "$$cfg"' EXIT; \
	sed -e 's/^    goos: .*/    goos: [linux]/' -e 's/^    goarch: .*/    goarch: [amd64]/' goreleaser.yaml > "$$cfg"; \
	GOOS=linux GOARCH=amd64 "$$gr" release --snapshot --clean -f "$$cfg"; \
	deb=$$(ls dist/*.deb | head -n1); \
	dpkg-deb -c "$$deb" > dist/deb-contents.txt; \
	for p in ./usr/bin/accessctl ./usr/share/man/man1/accessctl.1 \
	         ./usr/share/man/man1/accessctl-cluster-create.1 \
	         ./usr/share/bash-completion/completions/accessctl \
	         ./usr/share/zsh/vendor-completions/_accessctl \
	         ./usr/share/fish/vendor_completions.d/accessctl.fish; do \
	  grep -q " $$p$$" dist/deb-contents.txt || { echo "$$deb lacks $$p" >&2; exit 1; }; \
	done; \
	echo "$$deb holds the binary, the man pages and the completions"

# --- Try it (README's first set-up command) -----------------------------------
# demo: build, make a demo sandbox (ITTN-010 users, hosts, the amor cluster) and
# create the hvac cluster of ITTN-010 §3.5 in it.
.PHONY: demo
demo: build
	./accessctl sandbox init --demo --force ./demo.ldif
	./accessctl --sandbox ./demo.ldif cluster create hvac --desc "Summit HVAC" \
	  --host-regex '^eas-hvac-[0-9]+\.cp\.lsst\.org$$'
	./accessctl --sandbox ./demo.ldif cluster show hvac

# --- Benchmarks and fuzzing (issue 12) ----------------------------------------
# bench-smoke: the small generated directory loaded into a 389-ds + KDC instance of
# its own ("bench", ports 4389/4636, KDC 8889; the test directory is untouched), one
# benchmark run (accessctl vs ldapadd/ldapmodify/ldapsearch), instance stopped after.
# The report goes to BENCH_SMOKE_OUT, not docs/benchmarks.md; for the documented
# figures run `bench/run small|medium|perf` (docs/benchmarks.md says how).
# fuzz-smoke: every fuzz target for FUZZTIME (CI: a few seconds each).
FUZZTIME ?= 3s
BENCH_SMOKE_OUT ?= $(or $(TMPDIR),/tmp)/accessctl-bench-smoke.md
FUZZ_TARGETS := \
	./pkg/names:FuzzNames ./pkg/idrange:FuzzNext ./pkg/idrange:FuzzUncovered \
	./pkg/automember:FuzzValidate ./pkg/automember:FuzzParseCondition \
	./pkg/directory:FuzzEscapeFilterValue ./pkg/directory:FuzzEscapeDNValue \
	./pkg/sandbox:FuzzReadLDIF ./pkg/sandbox:FuzzSearchFilter ./pkg/siteconv:FuzzParse \
	./pkg/siteconv:FuzzValidate \
	./pkg/ldapdir/wire:FuzzEntry \
	./pkg/ldapdir/saslgss:FuzzUnwrap ./pkg/ldapdir/saslgss:FuzzConnRead \
	./pkg/ldapdir/saslgss:FuzzNegotiate ./pkg/ldapdir/saslgss:FuzzAPRep \
	./pkg/ccache:FuzzKCMReply ./pkg/ccache:FuzzCredential \
	./pkg/users:FuzzRecord

TEST_STEPS += fuzz-smoke bench-smoke

.PHONY: bench-smoke fuzz-smoke

bench-smoke:
	@set -euo pipefail; \
	trap 'DS_INSTANCE=bench DS_STATE=/tmp/accessctl-ds-bench testdata/ds/down >/dev/null 2>&1 || true' EXIT; \
	start=$$(date +%s); \
	rm -f "$(BENCH_SMOKE_OUT)"; \
	BENCH_REPS=$${BENCH_REPS:-1} bench/run small -- -out "$(BENCH_SMOKE_OUT)" >/dev/null; \
	cat "$(BENCH_SMOKE_OUT)"; \
	echo "bench-smoke: $$(( $$(date +%s) - start )) s"

fuzz-smoke:
	@set -euo pipefail; \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; \
	  for try in 1 2; do \
	    if $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) "$$pkg" >"$$log" 2>&1; then break; fi; \
	    echo "fuzz-smoke: $$fn in $$pkg failed (a failing input is saved under $$pkg/testdata/fuzz/$$fn):" >&2; \
	    tail -n 30 "$$log" >&2; \
	    if ! $(GO) test -run "^$$fn\$$" "$$pkg" >&2; then exit 1; fi; \
	    # No input reproduces it: the fuzzing engine itself failed (a worker killed or \
	    # timed out on a loaded machine). Said above; one more try, then it counts. \
	    if [ $$try = 2 ]; then exit 1; fi; \
	    echo "fuzz-smoke: no saved input reproduces it; trying $$fn once more" >&2; \
	  done; \
	  echo "fuzz-smoke: $$fn ok"; \
	done

# Last, so that every `TEST_STEPS +=` above is in (make expands prerequisites when it
# reads the rule).
test-steps: $(TEST_STEPS)
