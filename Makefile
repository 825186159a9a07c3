# mlgate: `make demo` runs the main job end to end on generated data,
# `make test` runs the tests (CI runs it through .ci/run).
GO ?= go
BIN := bin/mlgate
export PATH := $(shell $(GO) env GOPATH)/bin:$(PATH)

.PHONY: build test demo bench tools lint fuzz

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/mlgate

test: lint
	$(GO) test -count=1 -timeout 15m ./...
	$(MAKE) fuzz

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Fuzz targets, briefly: each runs for FUZZTIME.
FUZZTIME ?= 10s
fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

demo: build
	bash scripts/demo.sh

bench: build
	bash scripts/bench.sh

tools:
	bash scripts/install-tools.sh
