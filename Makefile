# The two commands: `make run` and `make test` (make test-long: the long loops too).
# Everything else is a helper.
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN           := bin/cpr
DATA          ?= ./data
ADDR          ?= 127.0.0.1:8080
TESTFLAGS     ?= -race -timeout 20m

.PHONY: build run test test-long lint bench bench-go chaos fmt tidy-check clean

build:
	$(GO) build -o $(BIN) ./cmd/cpr

## run: start the register with embedded defaults and a demo population
run:
	@echo "make run: building $(BIN) (go build ./cmd/cpr; a minute or two the first time) ..."
	@$(GO) build -o $(BIN) ./cmd/cpr
	@echo "make run: starting $(BIN) serve --data $(DATA) --addr $(ADDR) --demo"
	@echo "make run: (an empty register gets a demo population first; tokens in $(DATA)/demo-tokens.json; Ctrl-C stops)"
	$(BIN) serve --data $(DATA) --addr $(ADDR) --demo

## test: every test, race detector on, the long loops short (-short)
test:
	$(GO) test -short $(TESTFLAGS) ./...

## test-long: the long crash, fuzz-corpus and chaos loops that -short skips or shrinks, in full
## (.ci/long-tests finds them: every Test calling testing.Short() or skipLong())
test-long:
	@.ci/long-tests | while read -r dir tests; do \
	  echo "$(GO) test $(TESTFLAGS) -run '$$tests' ./$$dir/"; \
	  $(GO) test $(TESTFLAGS) -run "$$tests" ./$$dir/ || exit 1; \
	done

## lint: gofmt, go vet, staticcheck (pinned)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## chaos: the full fault, load and abuse suite; prints and writes chaos-report.json
chaos: build
	$(GO) build -o bin/nats-server github.com/nats-io/nats-server/v2
	$(BIN) chaos --nats-server bin/nats-server --out chaos-report.json

## bench: the simulated year (bench/README.md): a workload of SCALE (default 1, the whole
## country; SCALE=0.01 for a small year), generated once per scale under BENCH_DIR, replayed
## on the register; prints the table and writes bench-report.json
bench: build
	@mkdir -p $(BENCH_DIR)
	@[ -f $(BENCH_DIR)/workload-$(SCALE)/manifest.json ] || \
	  $(BIN) bench gen --out $(BENCH_DIR)/workload-$(SCALE) --scale $(SCALE)
	$(BIN) bench run --workload $(BENCH_DIR)/workload-$(SCALE) --report bench-report.json

## bench-go: the package benchmarks (go test -bench), once each
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

tidy-check:
	$(GO) mod tidy
	git diff --exit-code go.mod go.sum

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

## bench-peer: the simulated year on our register, then the same files on PostgreSQL (from
## Debian's packages, its own server on a loopback port), side by side with the ratios
## (bench/README.md); bench-report.json gets the peer's report and the ratios. SCALE=0.01 for
## a small year; the workload is generated once per scale.
SCALE     ?= 1
BENCH_DIR ?= /tmp/cpr-bench
.PHONY: bench-peer
bench-peer: build
	@mkdir -p $(BENCH_DIR)
	@[ -f $(BENCH_DIR)/workload-$(SCALE)/manifest.json ] || \
	  $(BIN) bench gen --out $(BENCH_DIR)/workload-$(SCALE) --scale $(SCALE)
	$(BIN) bench run --workload $(BENCH_DIR)/workload-$(SCALE) --report bench-report.json
	@sh bench/peer/pg.sh >/dev/null
	$(GO) build -o bin/cpr-peer ./bench/peer/cmd/cpr-peer
	bin/cpr-peer --workload $(BENCH_DIR)/workload-$(SCALE) --report $(BENCH_DIR)/peer-report-$(SCALE).json
	$(BIN) bench merge --report bench-report.json --peer $(BENCH_DIR)/peer-report-$(SCALE).json
