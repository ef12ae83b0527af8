package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/childrens-trust/scorecard/store"
)

// BenchmarkStoredEvaluationBytes measures what a stored evaluation costs on disk: the shipped
// data's evaluations table copied into a database file of its own and checkpointed, its size
// divided by the number of evaluations (target: at most 400 bytes each). It reports bytes/eval
// and the evaluations counted; the time is the copy's and means little.
func BenchmarkStoredEvaluationBytes(b *testing.B) {
	app := shippedApp(b)
	ctx := context.Background()
	var n int64
	if err := app.DB.SQL.QueryRowContext(ctx, "SELECT count(*) FROM evaluations").Scan(&n); err != nil {
		b.Fatal(err)
	}
	var size int64
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "evaluations.duckdb")
		// The copy is written to the other file only: a connection of its own, outside the
		// store's write transaction (a checkpoint cannot run inside one).
		conn, err := app.DB.SQL.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []string{
			"ATTACH " + store.QuoteLiteral(path) + " AS copy",
			"CREATE TABLE copy.evaluations AS SELECT * FROM evaluations",
			"CHECKPOINT copy",
			"DETACH copy",
		} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				conn.Close()
				b.Fatal(err)
			}
		}
		conn.Close()
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
	}
	b.ReportMetric(float64(size)/float64(n), "bytes/eval")
	b.ReportMetric(float64(n), "evaluations")
}
