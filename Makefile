# wuye build infrastructure (GNU make).
# CI calls `make test` (via .ci/run).

SHELL := /bin/bash
.DEFAULT_GOAL := build

export PATH := /usr/local/go/bin:$(PATH)

GO      ?= go
NPM     ?= npm
VENDOR  := internal/platform/web/static/vendor
# Stamp written after a successful `npm ci`; newer than package-lock.json
# means node_modules is up to date.
NPM_STAMP := node_modules/.wuye-npm-ci.stamp

VENDOR_FILES := $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js

.PHONY: all assets build demo chromium test fuzz bench load fmt clean screenshots

all: build

# ---------------------------------------------------------------- assets

assets: $(VENDOR_FILES)

$(NPM_STAMP): package-lock.json package.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

$(VENDOR)/htmx.min.js: $(NPM_STAMP) | $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/echarts.min.js: $(NPM_STAMP) | $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

$(VENDOR):
	mkdir -p $@

# ---------------------------------------------------------------- go

build: assets
	$(GO) build -o bin/wuye ./cmd/wuye

# WUYE_DB / WUYE_ADDR are passed through from the environment.
demo: build
	mkdir -p data
	bin/wuye demo
	exec bin/wuye serve

test: assets chromium
	$(GO) vet ./...
	$(GO) test -count=1 -p 2 -timeout 25m ./...
	$(MAKE) fuzz

# Every fuzz target (func FuzzX in a _test.go file, found anew each run)
# fuzzed for FUZZTIME. go test fuzzes one target per invocation, so they
# run one by one, FUZZJOBS at a time with one fuzzing worker each (about
# 40 targets: ~80 s on two cores; `make fuzz FUZZTIME=1m` digs deeper). A
# failing input is saved under the package's testdata/fuzz/FuzzX/; plain
# `go test` replays it (and every f.Add seed) from then on. scripts/fuzz.sh
# tells a finding from Go 1.26's fuzztime shutdown race.
FUZZTIME ?= 2s
FUZZJOBS ?= 2
fuzz:
	@grep -r --include='*_test.go' -o '^func Fuzz[A-Za-z0-9_]*' internal cmd | \
	sed -E 's|^(.*)/[^/]*:func (.*)$$|./\1 \2|' | sort -u | \
	GO=$(GO) xargs -P $(FUZZJOBS) -L 1 sh -c 'scripts/fuzz.sh "$$0" "$$1" $(FUZZTIME)'

bench: assets
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./bench/...

# The load test alone: 50 staff clients for WUYE_LOAD_SECONDS (60) on each
# database; see BenchmarkLoad for its other knobs.
load: assets
	$(GO) test -run '^$$' -bench '^BenchmarkLoad$$' -benchtime 1x -timeout 60m ./bench/

# gofmt every Go file git knows about (tracked, plus new files not ignored).
fmt:
	@files="$$(git ls-files --cached --others --exclude-standard -- '*.go')"; \
	if [ -n "$$files" ]; then gofmt -w $$files; fi

clean:
	rm -rf bin/

# ---------------------------------------------------------------- browser

# Headless Chromium + ChromeDriver for browser tests, and CJK fonts so the
# Chinese UI renders in screenshots. Cheap no-op when everything is present.
chromium:
	@set -e; \
	pkgs=""; \
	if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		pkgs="chromium chromium-driver fonts-noto-cjk"; \
	elif [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
		pkgs="fonts-noto-cjk"; \
	fi; \
	if [ -n "$$pkgs" ]; then \
		sudo=""; \
		if [ "$$(id -u)" != 0 ]; then \
			if command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
			else echo "chromium: need root (or sudo) to install: $$pkgs" >&2; exit 1; fi; \
		fi; \
		echo "chromium: installing $$pkgs"; \
		$$sudo apt-get update; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $$pkgs; \
	fi

# Refresh the README screenshots in docs/ from the browser tests.
screenshots: assets chromium
	WUYE_SCREENSHOTS=1 $(GO) test -count=1 -run Browser ./internal/...
