# The two commands README.md gives, plus helpers. Plain `go` works too; see README.md.
.PHONY: run dev test build bench bench-ratio browser assets

run:
	go run ./cmd/scorecard serve

# Local development without tokens (loopback only).
dev:
	go run ./cmd/scorecard serve --auth=off

test:
	go test -race -count=1 ./...

build:
	go build -o scorecard ./cmd/scorecard

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
