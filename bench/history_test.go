package bench_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// BenchmarkHistoryGrowth measures what the evaluation history costs (issue 18): in a database
// file with the shipped data, every shipped dataset is re-loaded ten times (once with -short),
// each time with one value changed (one cell that an indicator reads, a little more each
// time), through App.Load as an upload is, which stores the revision and re-evaluates. It
// reports, after CHECKPOINT:
//
//   - file_MB_before, file_MB_after: the database file (revisions and evaluations);
//   - history_rows: the past versions added (each an evaluation a load changed or removed),
//     run_records and runs added;
//   - file_B/changed_eval: the file's growth over history_rows (dataset revisions included:
//     each load stores a whole revision, the 13.9 MB LAIT file ten times);
//   - history_B/changed_eval: the growth of the history's own tables (evaluation_history and
//     evaluation_run_log, each copied alone into a file and checkpointed) over history_rows:
//     what the history itself costs, in DuckDB's 256 KiB blocks (so a bound, not an exact size);
//   - version_raw_B: a past version's bytes uncompressed (its document and key columns, on average);
//   - noop_history_rows: the past versions a full re-evaluation that changes nothing adds (0).
//
// Run it alone:
//
//	go test -run '^$' -bench HistoryGrowth -benchtime 1x ./bench
func BenchmarkHistoryGrowth(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "history.duckdb")
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: path, Seed: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { app.Close() })
	rounds := 10
	if testing.Short() {
		rounds = 1
	}
	files := map[string][]byte{}
	for _, s := range scorecard.Shipped {
		data, err := scorecard.ShippedFile(s.File)
		if err != nil {
			b.Fatal(err)
		}
		files[s.Dataset] = data
	}

	// The evaluations table's copy varies by a megabyte from run to run (its rows are copied
	// in parallel, in no fixed order, and compress differently); it is logged, not reported.
	tables := []string{"evaluations", "evaluation_history", "evaluation_run_log"}
	perTable := func() []int64 {
		var out []int64
		for _, t := range tables {
			out = append(out, tablesSize(b, app, t))
		}
		return out
	}
	var tablesBy []int64
	var sizeBefore int64
	var before, after, noop engine.HistoryStats
	changedBy := map[string]int64{}
	for b.Loop() {
		sizeBefore = fileSize(b, app, path)
		before = stats(b, app)
		tablesBy = perTable()
		for round := 1; round <= rounds; round++ {
			for _, s := range scorecard.Shipped {
				data, err := changeOneValue(files[s.Dataset], s.Dataset, app.Catalog, round)
				if err != nil {
					b.Fatal(err)
				}
				versions := stats(b, app).Versions
				_, re, err := app.Load(ctx, s.Dataset, bytes.NewReader(data),
					datasets.Upload{FileName: filepath.Base(s.File), By: "bench"})
				if err != nil {
					b.Fatalf("round %d, %s: %v", round, s.Dataset, err)
				}
				if re.State != engine.Evaluated {
					b.Fatalf("round %d, %s: re-evaluation %s: %s", round, s.Dataset, re.State, re.Reason)
				}
				changedBy[s.Dataset] += stats(b, app).Versions - versions
			}
		}
		after = stats(b, app)
		if _, err := app.Engine.EvaluateAll(ctx); err != nil {
			b.Fatal(err)
		}
		noop = stats(b, app)
	}
	b.StopTimer()
	sizeAfter, tablesAfter := fileSize(b, app, path), perTable()
	rows := after.Versions - before.Versions
	for i, n := range tablesAfter {
		b.Logf("%s alone: %d -> %d bytes", tables[i], tablesBy[i], n)
	}
	for _, s := range scorecard.Shipped {
		b.Logf("%-26s %6d past versions added over %d loads", s.Dataset, changedBy[s.Dataset], rounds)
	}
	b.Logf("file %d -> %d bytes; %d past versions, %d run records, %d runs added; current evaluations %d",
		sizeBefore, sizeAfter, rows, after.RunRecords-before.RunRecords, after.Runs-before.Runs, after.Current)
	const mb = 1 << 20
	b.ReportMetric(float64(sizeBefore)/mb, "file_MB_before")
	b.ReportMetric(float64(sizeAfter)/mb, "file_MB_after")
	b.ReportMetric(float64(rows), "history_rows")
	b.ReportMetric(float64(after.RunRecords-before.RunRecords), "run_records")
	b.ReportMetric(float64(after.Runs-before.Runs), "runs")
	b.ReportMetric(float64(noop.Versions-after.Versions), "noop_history_rows")
	if rows > 0 {
		b.ReportMetric(float64(sizeAfter-sizeBefore)/float64(rows), "file_B/changed_eval")
		// The history's own tables, each alone in a file, compacted: their growth over the rows.
		b.ReportMetric(float64(tablesAfter[1]-tablesBy[1]+tablesAfter[2]-tablesBy[2])/float64(rows), "history_B/changed_eval")
		// and uncompressed: the stored document and the key columns, as DuckDB measures them.
		var raw float64
		if err := app.DB.SQL.QueryRowContext(context.Background(), `SELECT avg(octet_length(doc) + strlen(indicator) +
			strlen(area_code) + strlen(area_level) + strlen(period) + strlen(period_kind) +
			strlen(rag) + 8 + 4 + 8 + 8) FROM evaluation_history`).Scan(&raw); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(raw, "version_raw_B")
	}
}

func stats(b *testing.B, app *scorecard.App) engine.HistoryStats {
	b.Helper()
	s, err := app.Engine.HistoryStats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// fileSize checkpoints the database and returns the size of its file (and WAL, if any is left).
func fileSize(b *testing.B, app *scorecard.App, path string) int64 {
	b.Helper()
	if err := app.Checkpoint(context.Background()); err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, p := range []string{path, path + ".wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// tablesSize copies tables into a database file of their own, checkpoints it and returns its size.
func tablesSize(b *testing.B, app *scorecard.App, tables ...string) int64 {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "evaluation-tables.duckdb")
	conn, err := app.DB.SQL.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	steps := []string{"ATTACH " + store.QuoteLiteral(path) + " AS copy"}
	for _, t := range tables {
		steps = append(steps, "CREATE TABLE copy."+t+" AS SELECT * FROM "+t)
	}
	steps = append(steps, "CHECKPOINT copy", "DETACH copy")
	for _, s := range steps {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// changeOneValue returns a shipped file with one value changed: the value column of the first
// indicator (in catalogue order) that reads the dataset and has a number in it (or, when none
// does, the last row's last whole number), in the last row its filters select, raised by round
// units of its last digit (integers by round). Where the indicator has a numerator and
// denominator the row gives, the numerator is raised by round instead and the value set to
// agree with it (uploads refuse a value that contradicts them).
func changeOneValue(data []byte, dataset string, cat *indicators.Catalog, round int) ([]byte, error) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dataset, err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, def := range cat.All() {
		if def.Source.Dataset != dataset || def.Source.Value == "" {
			continue
		}
		if changeIndicatorValue(recs, col, def, round) {
			return writeCSV(recs)
		}
	}
	// No indicator reads the dataset: its last row's last number changes, and no evaluation should.
	last := recs[len(recs)-1]
	for c := len(last) - 1; c >= 0; c-- {
		if n, err := strconv.ParseInt(last[c], 10, 64); err == nil {
			last[c] = strconv.FormatInt(n+int64(round), 10)
			return writeCSV(recs)
		}
	}
	return nil, fmt.Errorf("%s: no indicator's value and no whole number in its last row", dataset)
}

// changeIndicatorValue changes def's value in the last row of recs it selects that holds a
// number, and reports whether there was one.
func changeIndicatorValue(recs [][]string, col map[string]int, def *indicators.Definition, round int) bool {
	filters := map[string]string{}
	for k, v := range def.Source.Filters {
		filters[k] = v
	}
	if _, ok := col["indicator"]; ok && len(filters) == 0 {
		ind := def.Source.Indicator
		if ind == "" {
			ind = def.ID
		}
		filters["indicator"] = ind
	}
	vc, ok := col[def.Source.Value]
	if !ok {
		return false
	}
	row := -1
	for i := len(recs) - 1; i > 0 && row < 0; i-- {
		match := true
		for k, v := range filters {
			if c, ok := col[k]; !ok || recs[i][c] != v {
				match = false
			}
		}
		// A value written to 15 significant digits (a float's noise) is passed over for a
		// figure as a publication writes it.
		v := recs[i][vc]
		if _, err := strconv.ParseFloat(v, 64); match && err == nil && len(v)-strings.IndexByte(v, '.') <= 7 {
			row = i
		}
	}
	if row < 0 {
		return false
	}
	v := recs[row][vc]
	decimals := 0
	if i := strings.IndexByte(v, '.'); i >= 0 {
		decimals = len(v) - i - 1
	}
	nc, nok := col[def.Source.Numerator]
	dc, dok := col[def.Source.Denominator]
	if nok && dok {
		num, nerr := strconv.ParseFloat(recs[row][nc], 64)
		den, derr := strconv.ParseFloat(recs[row][dc], 64)
		if nerr == nil && derr == nil && den > 0 {
			mult := def.Source.Multiplier
			if mult == 0 {
				mult = 1
			}
			num += float64(round)
			recs[row][nc] = strconv.FormatFloat(num, 'f', -1, 64)
			recs[row][vc] = strconv.FormatFloat(num/den*mult, 'f', decimals, 64)
			return true
		}
	}
	f, _ := strconv.ParseFloat(v, 64)
	recs[row][vc] = strconv.FormatFloat(f+float64(round)*math.Pow(10, -float64(decimals)), 'f', decimals, 64)
	return true
}

func writeCSV(recs [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Every shipped file gets a change, in one or two cells (a value, or a numerator and its value).
func TestChangeOneValue(t *testing.T) {
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scorecard.Shipped {
		data, err := scorecard.ShippedFile(s.File)
		if err != nil {
			t.Fatal(err)
		}
		changed, err := changeOneValue(data, s.Dataset, cat, 3)
		if err != nil {
			t.Errorf("%s: %v", s.Dataset, err)
			continue
		}
		a, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
		c, _ := csv.NewReader(bytes.NewReader(changed)).ReadAll()
		var diffs []string
		for i := range a {
			for j := range a[i] {
				if a[i][j] != c[i][j] {
					diffs = append(diffs, fmt.Sprintf("row %d %s: %s -> %s", i+1, a[0][j], a[i][j], c[i][j]))
				}
			}
		}
		if len(a) != len(c) || len(diffs) < 1 || len(diffs) > 2 {
			t.Errorf("%s: %d rows -> %d, changes %v; want one or two cells changed", s.Dataset, len(a), len(c), diffs)
		}
		t.Logf("%s: %v", s.Dataset, diffs)
	}
}
