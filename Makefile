# The two commands a newcomer needs: `make run` and `make test`.
SWIFT ?= swift
ARGS ?=

.PHONY: run test build deps clean demo bench soak fuzz

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product wamp-push

## Build and start the server on 127.0.0.1:8443 (wss/https) and 127.0.0.1:8080 (ws/http), with
## the /console page on (CONSOLE=0 turns it off). Every command it prints runs as pasted here.
CONSOLE ?= 1
run: build
	@mkdir -p data
	WAMP_PUSH_CONSOLE=$(CONSOLE) .build/release/wamp-push serve --dev-token $(ARGS)

## Build and run every test.
test: deps
	@scripts/install-deps.sh --optional nginx chromium php-cli php-zmq python3-zmq redis-server
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@SWIFT=$(SWIFT) scripts/fuzz.sh --smoke

## Fuzz each parser for FUZZ_SECONDS (default 60) s; crashing inputs land in .build-fuzz/findings/ (Docs/fuzzing.md).
fuzz: deps
	@SWIFT=$(SWIFT) scripts/fuzz.sh

## Watch simulated WhatsApp messages arrive as WAMP events (fake upstream, no account needed).
demo: build
	scripts/demo.sh

## Benchmarks: wamp-push vs the Hummingbird peer, about 10-20 min (BENCH_QUICK=1: under a minute).
bench: deps
	@Benchmarks/run.sh

## Slow-reader soak: 1,000 HTTP + 1,000 WebSocket peers that never read beside 5,000 healthy
## subscribers, three runs of about two minutes; prints each run's result line.
soak: deps
	@BENCH_SOAK=1 Benchmarks/run.sh

clean:
	rm -rf .build .build-fuzz/build
