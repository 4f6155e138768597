# Regie: make run (the demo wallet), make test (every test).
GO       ?= go
ADDR     ?= 127.0.0.1:8080
FUZZTIME ?= 5m

.PHONY: run test test-short bench build lint fuzz clean

run:
	$(GO) run ./cmd/regie serve --demo --addr $(ADDR)

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

test-short:
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee bench.txt

build:
	$(GO) build -o bin/regie ./cmd/regie

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...

clean:
	rm -rf bin bench.txt
