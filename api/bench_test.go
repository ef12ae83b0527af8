package api_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/datasets"
)

// BenchmarkEvaluateAll measures a full evaluation of every shipped indicator for every area and
// period, including storing the results: go test -run '^$' -bench EvaluateAll -count 6 ./api
func BenchmarkEvaluateAll(b *testing.B) {
	f := sharedFixture(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := f.engine.EvaluateAll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAreaScorecard measures one scorecard request through the whole HTTP handler.
func BenchmarkAreaScorecard(b *testing.B) {
	f := sharedFixture(b)
	for b.Loop() {
		rec := f.do(b, http.MethodGet, "/api/v1/areas/E06000058/scorecard", nil)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkAreaScorecardParallel is the same request from many goroutines at once.
func BenchmarkAreaScorecardParallel(b *testing.B) {
	f := sharedFixture(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rec := f.do(b, http.MethodGet, "/api/v1/areas/E06000058/scorecard", nil)
			if rec.Code != http.StatusOK {
				b.Error(rec.Code)
				return
			}
		}
	})
}

// BenchmarkLoadLAIT loads the 324,700-row LAIT file (13.9 MB) as a new revision.
func BenchmarkLoadLAIT(b *testing.B) {
	f := newFixture(b, "local_returns")
	data, err := scorecard.ShippedFile("datasets/shipped/lait_bds_long_childrens_services.csv")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := f.sets.Load(ctx, "lait", bytes.NewReader(data), datasets.Upload{FileName: "lait.csv", By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
