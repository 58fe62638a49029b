# branchready — see README.md.
GO      ?= go
PKGS    := ./...
BIN     := bin
# The version and revision every binary reports (version command,
# branchready_build_info, results' agent_version); see package version.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  := -s -w -X github.com/branchready/branchready/version.version=$(VERSION) -X github.com/branchready/branchready/version.revision=$(REVISION)

.PHONY: all build test test-unit lint demo peers schema cross package clean fuzz

all: build

build: cross
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# Cross-builds for the branch PCs (Linux x86-64 and ARM, Windows), static
# (CGO_ENABLED=0: also 1.6 MiB less resident memory for the idle agent).
cross: export CGO_ENABLED=0
cross:
	GOOS=linux   GOARCH=amd64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-amd64/   ./cmd/...
	GOOS=linux   GOARCH=arm64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/   ./cmd/...
	GOOS=windows GOARCH=amd64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/windows-amd64/ ./cmd/...
	GOOS=windows GOARCH=amd64 $(GO) build ./...   # every package, not only the mains, builds for the branch PCs

# Debian packages of the agent and the collector for amd64 and arm64, from
# the cross-builds, in dist/ (deploy/package; the version is VERSION made a
# Debian one, v1.2.3-4-gabc → 1.2.3+4.gabc).
DIST ?= dist
package: cross
	$(GO) run ./deploy/package --arch amd64,arm64 --version '$(VERSION)' --bin $(BIN) --out $(DIST)

# The one command that runs everything: installs missing test peers, then
# unit and integration tests with the race detector, then the cross-builds.
test: peers
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	$(MAKE) --no-print-directory cross

test-unit:
	$(GO) test -short -count=1 $(PKGS)

peers:
	./scripts/install-test-peers.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@if command -v staticcheck >/dev/null; then staticcheck $(PKGS); else echo "staticcheck not installed: go install honnef.co/go/tools/cmd/staticcheck@latest"; fi
	@if command -v govulncheck >/dev/null; then govulncheck $(PKGS) || echo "govulncheck could not complete (offline?)"; fi

demo:
	$(GO) run ./cmd/branchready-collector demo

# Runs every Fuzz* target of the module in turn for FUZZTIME each
# (make fuzz FUZZTIME=2m). A crasher is written to the package's
# testdata/fuzz/ and then runs with the ordinary tests: check it in with
# its fix.
FUZZTIME ?= 20s
fuzz:
	@set -e; for f in $$(grep -rl --include='*_test.go' '^func Fuzz' . | sort); do \
		dir=./$$(dirname $${f#./}); \
		for t in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$f); do \
			echo "== $$dir $$t ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

# Regenerate the JSON Schemas in configs/ from the Go types.
schema:
	$(GO) test ./config -run TestSchemasInConfigsAreCurrent -update

clean:
	rm -rf $(BIN) $(DIST)
