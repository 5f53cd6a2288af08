# The two commands: `make run` and `make test`. Everything else is a helper.
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN           := bin/cpr
DATA          ?= ./data
ADDR          ?= 127.0.0.1:8080
TESTFLAGS     ?= -race -timeout 20m

.PHONY: build run test lint bench fmt tidy-check clean

build:
	$(GO) build -o $(BIN) ./cmd/cpr

## run: start the register with embedded defaults and a demo population
run: build
	$(BIN) serve --data $(DATA) --addr $(ADDR) --demo

## test: every test, race detector on
test:
	$(GO) test $(TESTFLAGS) ./...

## lint: gofmt, go vet, staticcheck (pinned)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## bench: the package benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

tidy-check:
	$(GO) mod tidy
	git diff --exit-code go.mod go.sum

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
