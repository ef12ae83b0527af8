# The two commands README.md gives, plus helpers. Plain `go` works too; see README.md.
.PHONY: run dev test build bench bench-ratio browser assets release staticcheck

run:
	go run ./cmd/scorecard serve

# Local development without tokens (loopback only).
dev:
	go run ./cmd/scorecard serve --auth=off

test:
	go test -race -count=1 -timeout 25m ./...

build:
	go build -o scorecard ./cmd/scorecard

# Versioned release binaries in dist/: linux/amd64 and linux/arm64, with the version, commit and
# build date linked in (scorecard version, GET /api/v1/version). DuckDB comes in through cgo as
# the prebuilt static libraries of github.com/duckdb/duckdb-go-bindings (one module per
# platform), so each target needs a C/C++ toolchain for that platform: the native g++ for the
# machine's own, Debian's g++-aarch64-linux-gnu (aarch64-linux-gnu-gcc/g++) for arm64 on amd64,
# g++-x86-64-linux-gnu for amd64 on arm64. Override with CC_linux_amd64=... CXX_linux_arm64=...
# docs/OPERATIONS.md says more.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PLATFORMS ?= linux/amd64 linux/arm64
HOST_ARCH := $(shell go env GOARCH)
CC_linux_amd64  ?= $(if $(filter amd64,$(HOST_ARCH)),gcc,x86_64-linux-gnu-gcc)
CXX_linux_amd64 ?= $(if $(filter amd64,$(HOST_ARCH)),g++,x86_64-linux-gnu-g++)
CC_linux_arm64  ?= $(if $(filter arm64,$(HOST_ARCH)),gcc,aarch64-linux-gnu-gcc)
CXX_linux_arm64 ?= $(if $(filter arm64,$(HOST_ARCH)),g++,aarch64-linux-gnu-g++)
BUILDINFO := github.com/childrens-trust/scorecard/buildinfo
LDFLAGS := -s -w -X $(BUILDINFO).Version=$(VERSION) -X $(BUILDINFO).Commit=$(COMMIT) -X $(BUILDINFO).Date=$(DATE)

release:
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		out=dist/scorecard-$(VERSION)-$$os-$$arch; \
		case $$p in \
		linux/amd64) cc="$(CC_linux_amd64)"; cxx="$(CXX_linux_amd64)";; \
		linux/arm64) cc="$(CC_linux_arm64)"; cxx="$(CXX_linux_arm64)";; \
		*) echo "release: no C toolchain configured for $$p" >&2; exit 1;; \
		esac; \
		if ! command -v $$cxx >/dev/null; then \
			echo "release: $$p needs the C++ compiler $$cxx (Debian: apt-get install g++-aarch64-linux-gnu for arm64)" >&2; exit 1; \
		fi; \
		echo "building $$out (CC=$$cc CXX=$$cxx)"; \
		CGO_ENABLED=1 GOOS=$$os GOARCH=$$arch CC=$$cc CXX=$$cxx \
			go build -trimpath -ldflags "$(LDFLAGS)" -o $$out ./cmd/scorecard; \
	done
	cd dist && sha256sum scorecard-$(VERSION)-* > SHA256SUMS-$(VERSION)
	@cat dist/SHA256SUMS-$(VERSION)

staticcheck:
	.ci/staticcheck.sh

bench:
	go test -run '^$$' -bench . -count 6 ./bench/

# The engine against the hand-written raw-SQL baseline, alternating in fresh processes.
bench-ratio:
	scripts/bench-ratio.sh

browser:
	SCORECARD_ARTIFACTS=$(CURDIR)/artifacts go test -count=1 -v -run 'TestBoardPagesInChromium|TestBoardPagePerformance|TestChartPNGHasItsKey' ./e2e/

assets:
	scripts/fetch-assets.sh
	scripts/build-echarts.sh
