# mlgate: `make demo` runs the main job end to end on generated data,
# `make test` runs the tests (CI runs it through .ci/run).
GO ?= go
BIN := bin/mlgate
export PATH := $(shell $(GO) env GOPATH)/bin:$(PATH)

.PHONY: build test demo bench tools lint fuzz

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/mlgate

# The fuzz targets' seeds and testdata/fuzz corpora run here, deterministically
# (go test without -fuzz); the time-budgeted search is `make fuzz`. The timeout
# is sized for a loaded 2-core machine: tests take their deadlines from it.
test: lint
	$(GO) test -count=1 -timeout 60m ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Fuzz every target for FUZZTIME (FUZZ=FuzzName for the targets of one name);
# a finding prints the target, its input and the crash, and fails at the end.
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) FUZZ=$(FUZZ) bash scripts/fuzz.sh

demo:
	bash scripts/demo.sh

bench: build
	bash scripts/bench.sh

tools:
	bash scripts/install-tools.sh
