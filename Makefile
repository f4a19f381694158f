# eddy build, test and CI targets. `make test` is what CI runs (.ci/run).

export PATH := $(PATH):/usr/local/go/bin
GO ?= go

# fuzz: how long to run each Fuzz target, and where to look for them.
FUZZTIME ?= 10s
FUZZPKGS ?= ./...
# cross: the systems that `make cross` vets (part of `make test`).
CROSS_GOOS ?= darwin freebsd dragonfly netbsd openbsd windows

.PHONY: all deps vet test fuzz bench cross wine uring

all: test

## deps: install the servers the tests run against (idempotent, fast when present)
deps:
	bash scripts/deps.sh

## vet: go vet the main module
vet:
	$(GO) vet ./...

## test: deps, vet, race tests with servers required, the core tests again
## on io_uring, vet for the other systems, the core tests for Windows under Wine, and the bench module
test: deps
	$(GO) vet ./...
	EDDY_REQUIRE_SERVERS=1 $(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory uring
	$(MAKE) --no-print-directory cross
	$(MAKE) --no-print-directory wine
	@if [ -f bench/go.mod ]; then \
		echo "cd bench && $(GO) vet, build and test"; \
		cd bench && $(GO) vet ./... && $(GO) build ./... && $(GO) test -count=1 ./...; \
	fi

## fuzz: run every Fuzz target for FUZZTIME each
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh $(FUZZPKGS)

## bench: run all benchmark suites (bench/ is its own module)
bench:
	@test -f bench/go.mod || { echo "make bench: no bench/go.mod yet" >&2; exit 1; }
	cd bench && $(GO) run . -suite all -json

## uring: the loop and backend tests again on the io_uring backend
uring:
	EDDY_POLLER=uring $(GO) test -count=1 . ./internal/poll/ ./httpserver/ ./httpclient/

## wine: the core test suite for GOOS=windows under Wine (IOCP backend);
## installs Wine, mingw and the ProcessPrng shim the first time
wine:
	bash scripts/wine.sh

## cross: go vet for the other systems eddy supports, and for a 32-bit
## target (int is 32 bits wide there)
cross:
	@status=0; for os in $(CROSS_GOOS); do \
		echo "GOOS=$$os $(GO) vet ./..."; \
		GOOS=$$os $(GO) vet ./... || status=1; \
	done; \
	echo "GOARCH=386 $(GO) vet ./..."; \
	GOARCH=386 $(GO) vet ./... || status=1; \
	exit $$status
