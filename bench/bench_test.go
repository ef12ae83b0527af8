package bench_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/bench"
	"github.com/childrens-trust/scorecard/datasets"
)

// Run them all (about a minute):
//
//	go test -run '^$' -bench . -count 6 ./bench | tee new.txt && benchstat new.txt
//
// CI runs each once with -short (the 1M-row load is skipped) so they cannot rot.

var fixedNow = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }

var (
	sharedOnce sync.Once
	sharedApp  *scorecard.App
	sharedErr  error
)

// shippedApp is one in-memory database with all the shipped data, shared by the read
// benchmarks (they never write).
func shippedApp(b *testing.B) *scorecard.App {
	b.Helper()
	sharedOnce.Do(func() {
		sharedApp, sharedErr = scorecard.Open(context.Background(), scorecard.Config{Now: fixedNow, Seed: true})
	})
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return sharedApp
}

// freshApp is a database of its own with the shipped data, for benchmarks that write.
func freshApp(b *testing.B) *scorecard.App {
	b.Helper()
	app, err := scorecard.Open(context.Background(), scorecard.Config{Now: fixedNow, Seed: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	return app
}

func handler(app *scorecard.App, cached bool) http.Handler {
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth, NoResponseCache: !cached}
	return srv.Handler()
}

// BenchmarkEvaluateAll is the full evaluation of every shipped indicator, area and period,
// results stored.
func BenchmarkEvaluateAll(b *testing.B) {
	app := shippedApp(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		res, err := app.Engine.EvaluateAll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for _, r := range res {
			n += r.Evaluations
		}
	}
	b.ReportMetric(float64(n), "evaluations/op")
}

// BenchmarkRawSQLBaseline is the same evaluation's core as one hand-written DuckDB statement
// (baseline_test.go), results materialised in a table.
func BenchmarkRawSQLBaseline(b *testing.B) {
	app := shippedApp(b)
	baselineSetup(b, app)
	stmt, args := baselineStatement(b, app.Engine, app.Catalog.All())
	ctx := context.Background()
	var n int
	for b.Loop() {
		if _, err := app.DB.SQL.ExecContext(ctx, stmt, args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := app.DB.SQL.QueryRowContext(ctx, "SELECT count(*) FROM bl_evaluations").Scan(&n); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n), "evaluations/op")
}

// BenchmarkReevaluateDataset re-evaluates the indicators of one dataset, as after its load.
func BenchmarkReevaluateDataset(b *testing.B) {
	app := shippedApp(b)
	ctx := context.Background()
	for _, name := range []string{"lait", "local_returns"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := app.Engine.EvaluateDataset(ctx, name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadReturn loads a synthetic return of 10k, 100k and (without -short) 1M rows as a
// new revision of local_returns: parsed, validated, stored, and its indicators re-evaluated.
func BenchmarkLoadReturn(b *testing.B) {
	sizes := []int{10_000, 100_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			app := freshApp(b)
			var ids []string
			for _, d := range app.Catalog.All() {
				ids = append(ids, d.ID)
			}
			var buf bytes.Buffer
			if err := bench.WriteReturn(&buf, n, ids, app.Areas); err != nil {
				b.Fatal(err)
			}
			data := buf.Bytes()
			b.SetBytes(int64(len(data)))
			ctx := context.Background()
			for b.Loop() {
				if _, _, err := app.Load(ctx, "local_returns", bytes.NewReader(data), datasets.Upload{FileName: "bench.csv", By: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadLAIT loads the shipped 324,700-row LAIT file (13.9 MB) and re-evaluates.
func BenchmarkLoadLAIT(b *testing.B) {
	app := freshApp(b)
	data, err := scorecard.ShippedFile("datasets/shipped/lait_bds_long_childrens_services.csv")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := app.Load(ctx, "lait", bytes.NewReader(data), datasets.Upload{FileName: "lait.csv", By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRead measures the read endpoints through the whole HTTP handler: rendered from
// DuckDB every time (render/), and as served, from the response cache between writes (cached/).
func BenchmarkRead(b *testing.B) {
	// A database of its own, evaluated once as after a start: the other benchmarks rewrite the
	// shared one's evaluations many times over, which a server never does between two reads.
	app := freshApp(b)
	for _, cached := range []bool{false, true} {
		mode := "render"
		if cached {
			mode = "cached"
		}
		b.Run(mode, func(b *testing.B) { benchmarkReads(b, handler(app, cached)) })
	}
}

func benchmarkReads(b *testing.B, h http.Handler) {
	for _, tc := range []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"area_scorecard", "/api/v1/areas/E06000058/scorecard"},
		{"scorecard", "/api/v1/scorecards/leicestershire-ewmh?area=855"},
		{"indicator_all_areas", "/api/v1/indicators/perm-exclusion-rate/areas"},
		{"indicator_page", "/areas/E06000058/indicators/injury-admissions-0-14"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	m.Run()
}

// return10k is a synthetic 10k-row return of every shipped indicator, for the upload and
// dry-run benchmarks.
func return10k(b *testing.B, app *scorecard.App) []byte {
	b.Helper()
	var ids []string
	for _, d := range app.Catalog.All() {
		ids = append(ids, d.ID)
	}
	var buf bytes.Buffer
	if err := bench.WriteReturn(&buf, 10_000, ids, app.Areas); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkUpload10k loads a 10k-row return into local_returns (which indicators read): parsed,
// validated, stored and its indicators re-evaluated. BenchmarkDryRun10k is the same file's
// dry run; the target is within 1.5x of this.
func BenchmarkUpload10k(b *testing.B) {
	app := freshApp(b)
	data := return10k(b, app)
	b.SetBytes(int64(len(data)))
	ctx := context.Background()
	evaluations := 0
	for b.Loop() {
		_, re, err := app.Load(ctx, "local_returns", bytes.NewReader(data), datasets.Upload{FileName: "bench.csv", By: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		evaluations = 0
		for _, r := range re.Results {
			evaluations += r.Evaluations
		}
	}
	b.ReportMetric(float64(evaluations), "evaluations/op")
}

// BenchmarkDryRun10k previews the 10k-row return of BenchmarkUpload10k: the whole load and the
// re-evaluation inside a transaction that is rolled back, the judgement changes against the
// stored evaluations, and the file staged (then cancelled, so the per-token cap never bites).
func BenchmarkDryRun10k(b *testing.B) {
	app := freshApp(b)
	data := return10k(b, app)
	ctx := context.Background()
	// The stored evaluations are those of the same file, loaded for real once, as when a
	// corrected return is previewed against the last one.
	if _, _, err := app.Load(ctx, "local_returns", bytes.NewReader(data), datasets.Upload{FileName: "bench.csv", By: "bench"}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	changes, indicators := 0, 0
	for b.Loop() {
		p, err := app.Preview(ctx, "local_returns", bytes.NewReader(data), datasets.Upload{FileName: "bench.csv", By: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		changes = len(p.Changes)
		indicators = p.Summary.Indicators
		if err := app.CancelStaged(ctx, "local_returns", p.Stage.ID, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(changes), "changes/op")
	b.ReportMetric(float64(indicators), "indicators/op")
}

// BenchmarkLocalReturnOneRow is the everyday write: one area's figure for one indicator and
// period, merged into local_returns (the other areas' rows carried over), stored as a revision
// and its indicators re-evaluated, in the database of every shipped indicator (target: under
// 200 ms).
func BenchmarkLocalReturnOneRow(b *testing.B) {
	app := freshApp(b)
	ctx := context.Background()
	data := []byte("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,86.1\n")
	evaluations := 0
	for b.Loop() {
		_, re, err := app.Load(ctx, "local_returns", bytes.NewReader(data),
			datasets.Upload{FileName: "poole.csv", By: "bench", Merge: true})
		if err != nil {
			b.Fatal(err)
		}
		evaluations = 0
		for _, r := range re.Results {
			evaluations += r.Evaluations
		}
	}
	b.ReportMetric(float64(evaluations), "evaluations/op")
}

// BenchmarkAsOfRead is issue 18's read target: a scorecard read as at a time against the same
// read now, both rendered (no response cache), on a database whose history holds a revised
// return. It reports each read's time per op and their ratio (as-of over current; target: at
// most 2).
func BenchmarkAsOfRead(b *testing.B) {
	app := freshApp(b)
	ctx := context.Background()
	// Two revised returns of one figure, merged into the shipped local returns.
	for _, v := range []string{"90", "87"} {
		ret := "indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4," + v + "\n"
		if _, _, err := app.Load(ctx, "local_returns", strings.NewReader(ret), datasets.Upload{FileName: "return.csv", By: "bench", Merge: true}); err != nil {
			b.Fatal(err)
		}
	}
	asOf := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
	h := handler(app, false)
	for _, tc := range []struct{ name, path string }{
		{"scorecard", "/api/v1/scorecards/leicestershire-ewmh?area=855"},
		{"area_scorecard", "/api/v1/areas/E06000058/scorecard"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var current, past time.Duration
			read := func(path string) time.Duration {
				start := time.Now()
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
				return time.Since(start)
			}
			for b.Loop() {
				current += read(tc.path)
				sep := "?"
				if strings.Contains(tc.path, "?") {
					sep = "&"
				}
				past += read(tc.path + sep + "as_of=" + asOf)
			}
			b.ReportMetric(float64(current.Nanoseconds())/float64(b.N), "current-ns/op")
			b.ReportMetric(float64(past.Nanoseconds())/float64(b.N), "as_of-ns/op")
			b.ReportMetric(float64(past)/float64(current), "as_of/current")
		})
	}
}
