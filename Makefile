# Regie: make run (the demo wallet), make run-host (the demo host), make test (every test).
GO       ?= go
ADDR     ?= 127.0.0.1:8080
FUZZTIME ?= 5m

.PHONY: run run-host test test-short bench build lint fuzz clean

run:
	$(GO) run ./cmd/regie serve --demo --addr $(ADDR)

# The hosted wallet with demo residents; its own data folder, beside make run's.
run-host:
	$(GO) run ./cmd/regie host --demo --addr $(ADDR) --data regie-host-data

# axe-core for the accessibility checks comes from npm; without npm (or
# without chromium) the browser tests skip outside CI.
AXE := web/axe/node_modules/axe-core/axe.min.js

$(AXE):
	-cd web/axe && npm ci --no-audit --no-fund --loglevel=error

test: $(AXE)
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

# Fuzz targets, one package and name per line. `make fuzz` runs each for
# FUZZTIME (5 minutes by default); CI runs each for 100,000 inputs.
FUZZ_TARGETS := wallet:FuzzParseClaims connectors:FuzzVerify connectors:FuzzParseTrustList connectors:FuzzParseBundle \
	consent:FuzzVerifyToken consent:FuzzParseProof consent:FuzzVerifyDossier consent:FuzzOpenDossier

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($(FUZZTIME))"; \
		$(GO) test ./$$pkg/ -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

clean:
	rm -rf bin bench.txt
