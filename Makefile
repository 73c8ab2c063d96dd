# Everything a fresh machine needs is installed by `make deps`.
GO       ?= go
APT_PKGS := gcc libc6-dev libusb-1.0-0-dev pkg-config socat
# The web page test drives a real headless browser, zbarimg reads the
# virtual printer's QR codes and barcodes back, and umockdev (with its Python
# bindings) emulates a USB printer for libusb; only the tests need them.
TEST_APT_PKGS := chromium zbar-tools umockdev gir1.2-umockdev-1.0 python3-gi
BIN      := bin
TX       ?= testdata/secuconnect/pay-missing-sum.json
# The printer's template: the shop's logo, name, basket and a QR code around
# the secuconnect lines (docs/receipts.md).
TEMPLATE ?= testdata/templates/bakery.json
PRINTER  ?= virtual://
MODEL    ?= TM-T88V

.PHONY: all deps test-deps build build-static run serve test check cross race lint bench fuzz generate clean

all: build

# deps installs the system packages when missing (libusb for the USB
# transport, socat for poking at the virtual printer's pty by hand) and
# downloads Go modules; test-deps adds what only the tests need.
deps: PKGS = $(APT_PKGS)
test-deps: PKGS = $(APT_PKGS) $(TEST_APT_PKGS)
deps test-deps:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(GO) mod download

# build makes the binaries with USB (cgo, -tags usb) when a C compiler and
# libusb-1.0 are installed (make deps installs both), else CGO-free with a
# note: such binaries refuse usb:// printers at start. build-static always
# makes the static CGO-free binaries (no USB), e.g. for a container.
build:
	@if command -v $(CC) >/dev/null 2>&1 && pkg-config --exists libusb-1.0 2>/dev/null; then \
		echo "CGO_ENABLED=1 $(GO) build -tags usb -o $(BIN)/ ./cmd/..."; \
		CGO_ENABLED=1 $(GO) build -tags usb -o $(BIN)/ ./cmd/...; \
	else \
		echo "note: building without USB: no C compiler ($(CC)) or no libusb-1.0 (pkg-config libusb-1.0); make deps installs them" >&2; \
		$(MAKE) --no-print-directory build-static; \
	fi

build-static:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/...

# run is the main job: render a documented transaction and print it. With no
# printer attached it goes to the built-in virtual printer and shows the ticket.
# make exits 2 whenever a command fails, so run says which exit code
# receipt print gave and what it means (docs/cli.md, Exit codes).
RUN_DEPS ?= deps build
run: $(RUN_DEPS)
	@echo '$(BIN)/receipt print -printer $(PRINTER) -printer-model $(MODEL) -template $(TEMPLATE) $(TX)'; \
	$(BIN)/receipt print -printer '$(PRINTER)' -printer-model '$(MODEL)' -template '$(TEMPLATE)' '$(TX)'; code=$$?; \
	case $$code in 0) exit 0;; 1) m="failure";; 2) m="usage";; 3) m="the transaction was rejected";; \
	4) m="printer not reachable or busy, nothing sent";; 5) m="not printed: paper end";; 6) m="not printed: cover open";; \
	7) m="not printed: offline";; 8) m="not printed: printer error";; 9) m="not printed: disconnected";; \
	10) m="not printed: timeout";; 11) m="unknown: bytes were sent, check the paper before printing again";; *) m="?";; esac; \
	echo "make run: receipt print exited $$code ($$m); make itself exits 2" >&2; exit $$code

# serve runs the print service with no configuration: http://127.0.0.1:8080,
# one printer "virtual" writing tickets to receiptd-data/tickets.
serve: deps build
	$(BIN)/receiptd

# check is what CI needs beyond the tests: formatting, vet, a cgo-free build.
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l .; echo "gofmt needed"; exit 1; }
	CGO_ENABLED=0 $(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

# lint runs staticcheck (pinned; fetched through the module proxy) over the
# cgo-free tree and the USB transport.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	CGO_ENABLED=0 $(GO) run $(STATICCHECK) ./...
	@if [ -d transport/usb ]; then set -x; $(GO) run $(STATICCHECK) -tags usb ./transport/usb/...; fi

# cross builds the commands CGO-free for the systems the README promises:
# Windows, macOS (Apple silicon), 64-bit ARM Linux and the Raspberry Pi's
# 32-bit ARMv7 kiosks, FreeBSD. Serial ports there use tarm/serial (Windows,
# Linux) or the package's own termios code (macOS, BSD); USB needs cgo and
# is left out.
CROSS_TARGETS := windows/amd64 darwin/arm64 linux/arm64 linux/arm freebsd/amd64
cross:
	@for t in $(CROSS_TARGETS); do \
		echo "cross $$t"; \
		CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/} GOARM=7 $(GO) build -o /dev/null ./cmd/... || exit 1; \
	done

test: test-deps check cross
	CGO_ENABLED=0 $(GO) test -count=1 ./...
	@# `go test ./... -update` hands -update to every test binary: each must accept it.
	CGO_ENABLED=0 $(GO) test -count=1 -run '^$$' ./... -update >/dev/null
	@# The USB transport is the one cgo package (gousb + libusb-1.0); its
	@# tests include real libusb against a printer emulated with umockdev.
	@if [ -d transport/usb ]; then set -x; $(GO) vet -tags usb ./transport/usb/... && $(GO) test -count=1 -tags usb ./transport/usb/...; fi
	$(MAKE) race

# race runs the concurrent packages (links, spool, service — the daemon the
# end-to-end tests start is a race build too) under the race detector, which
# needs cgo.
race:
	CGO_ENABLED=1 $(GO) test -race -count=1 ./transport/... ./printers/... ./cmd/...

bench:
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem ./...

# fuzz runs every fuzz target briefly; FUZZTIME=5m for a longer soak.
# Minimising a new input may take the fuzzer its default minute each time
# on 5 KB documents, so it gets a few seconds.
FUZZTIME ?= 20s
FUZZMINIMIZETIME ?= 3s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg || exit 1; \
		done; \
	done

# generate rebuilds the printer profiles from ../shared/escpos-printer-db.
# ESCPOS_DB is a checkout of escpos-printer-db (capabilities.json, encoding.yml):
# the CI machines have it at ../shared/escpos-printer-db; elsewhere clone it
# and run make generate ESCPOS_DB=/path/to/escpos-printer-db.
ESCPOS_DB ?= ../shared/escpos-printer-db
generate:
	@test -f $(ESCPOS_DB)/capabilities.json || { echo "make generate: no escpos-printer-db at $(ESCPOS_DB): clone https://github.com/receipt-print-hq/escpos-printer-db and run make generate ESCPOS_DB=DIR"; exit 2; }
	cd printers && $(GO) run ./internal/dbgen -db $(abspath $(ESCPOS_DB))

clean:
	rm -rf $(BIN)
