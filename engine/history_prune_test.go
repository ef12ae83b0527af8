package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
)

// historyFixture loads the example local return at t1 and a revision of it at t2 that changes
// Poole's 2016-17 Q4 figure (85.3 to 70.1), evaluating after each load. With the first start's
// run (at the clock's start, nothing loaded) that makes three runs: the seven indicators of
// local_returns are in each; the third replaces the one version it changed.
func historyFixture(t *testing.T) (e *env, t1, t2 time.Time) {
	t.Helper()
	e = newEnv(t)
	t1 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	t2 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	e.clock.Set(t1)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	orig, err := os.ReadFile(localReturn)
	if err != nil {
		t.Fatal(err)
	}
	const from = "secondary-good-outstanding-schools,836,2016-17 Q4,85.3,"
	if !strings.Contains(string(orig), from) {
		t.Fatalf("%s no longer holds %q", localReturn, from)
	}
	revised := filepath.Join(t.TempDir(), "revised_return.csv")
	if err := os.WriteFile(revised, []byte(strings.Replace(string(orig), from, "secondary-good-outstanding-schools,836,2016-17 Q4,70.1,", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t2)
	e.load(t, "local_returns", revised)
	e.evaluate(t, "local_returns")
	return e, t1, t2
}

// seriesJSON is Poole's secondary-schools series as JSON, as at a when a is not zero.
func seriesJSON(t *testing.T, e *env, a time.Time) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	if !a.IsZero() {
		at, err := e.eng.ResolveAsOf(ctx, a)
		if err != nil {
			return nil, err
		}
		ctx = engine.WithAsOf(ctx, at)
	}
	evs, err := e.eng.Series(ctx, "secondary-good-outstanding-schools", "836")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return b, nil
}

// currentRows is every current evaluation, stored bytes included, in a fixed order.
func currentRows(t *testing.T, e *env) []string {
	t.Helper()
	rows, err := e.db.SQL.Query(`SELECT indicator, area_code, period, coalesce(CAST(value AS VARCHAR), ''), rag, from_run, doc
		FROM evaluations ORDER BY indicator, area_code, period`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ind, area, period, value, rag string
		var run int64
		var doc []byte
		if err := rows.Scan(&ind, &area, &period, &value, &rag, &run, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{ind, area, period, value, rag, strconv.FormatInt(run, 10), string(doc)}, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func historyStats(t *testing.T, e *env) engine.HistoryStats {
	t.Helper()
	s, err := e.eng.HistoryStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Pruning after the last run removes the version it replaced and the run records no read after
// it needs (the first start's seven, and five of the t1 run's: the two indicators whose current
// evaluations come from it keep theirs), leaves the current evaluations byte for byte, refuses an as_of before the new start with a
// NotFound that says so, and still answers an as_of after it exactly as the current read.
func TestPruneHistoryAfterARevision(t *testing.T) {
	e, t1, t2 := historyFixture(t)
	ctx := context.Background()
	atT1, err := seriesJSON(t, e, t1)
	if err != nil {
		t.Fatalf("as_of t1 before pruning: %v", err)
	}
	current, _ := seriesJSON(t, e, time.Time{})
	if string(atT1) == string(current) {
		t.Fatal("the revision changed nothing in Poole's series: the fixture does not exercise history")
	}
	before := historyStats(t, e)
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) // newEnv's clock: the first start's run
	if before.Current != 8 || before.Versions != 1 || before.Runs != 3 || before.Start != nil ||
		before.FirstRun == nil || !before.FirstRun.Equal(start) || before.LastRun == nil || !before.LastRun.Equal(t2) {
		t.Fatalf("stats before pruning %+v, want 8 current, 1 past version, 3 runs from %s to %s, never pruned", before, start, t2)
	}
	rowsBefore := currentRows(t, e)

	cutoff := t2.Add(time.Hour)
	res, err := e.eng.PruneHistory(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 1 || res.Runs != 12 || !res.Before.Equal(cutoff) {
		t.Errorf("prune removed %d versions and %d run records, start %s; want 1, 12, %s", res.Versions, res.Runs, res.Before, cutoff)
	}
	after := historyStats(t, e)
	if after.Current != 8 || after.Versions != 0 || after.RunRecords != before.RunRecords-12 || after.Runs != 3 ||
		after.Start == nil || !after.Start.Equal(cutoff) {
		t.Errorf("stats after pruning %+v, want 8 current, no past versions, %d run records of 3 runs, start %s", after, before.RunRecords-12, cutoff)
	}
	rowsAfter := currentRows(t, e)
	if strings.Join(rowsAfter, "\n") != strings.Join(rowsBefore, "\n") {
		t.Errorf("current evaluations changed by pruning:\nbefore %d rows\nafter  %d rows", len(rowsBefore), len(rowsAfter))
	}

	_, err = seriesJSON(t, e, t1)
	want := "the history before 2026-06-01T10:00:00Z was pruned: as_of 2026-03-01T09:00:00Z cannot be answered"
	if ee, ok := errs.As(err); !ok || ee.Code != errs.NotFound || ee.Message != want {
		t.Errorf("as_of t1 after pruning: %v, want NotFound %q", err, want)
	}
	_, err = e.eng.Changes(ctx, engine.ChangeFilter{Since: t1})
	want = "the history before 2026-06-01T10:00:00Z was pruned: the changes asked for cannot be listed in full (ask since 2026-06-01T10:00:00Z or later)"
	if ee, ok := errs.As(err); !ok || ee.Code != errs.NotFound || ee.Message != want {
		t.Errorf("changes since t1 after pruning: %v, want NotFound %q", err, want)
	}
	// Without since the feed starts at the history's start: the pruned change is not shown
	// as an added figure.
	page, err := e.eng.Changes(ctx, engine.ChangeFilter{})
	if err != nil || len(page.Changes) != 0 {
		t.Errorf("changes from the start after pruning: %v, %+v; want none", err, page)
	}
	later, err := seriesJSON(t, e, cutoff.Add(time.Minute))
	if err != nil {
		t.Fatalf("as_of after the start: %v", err)
	}
	if string(later) != string(current) {
		t.Errorf("as_of after the start differs from the current read:\n%s\n%s", later, current)
	}
}

// Pruning before the last run keeps the version it replaced (current until then) and removes
// only the first start's seven records of local_returns' indicators, which the t1 run
// superseded; a later prune before an earlier time removes nothing and does not move the start back.
func TestPruneHistoryStartNeverMovesBack(t *testing.T) {
	e, t1, t2 := historyFixture(t)
	ctx := context.Background()
	atT2, err := seriesJSON(t, e, t2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.eng.PruneHistory(ctx, t2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 0 || res.Runs != 7 || !res.Before.Equal(t2) {
		t.Errorf("prune before the last run: %+v, want 0 versions and 7 run records removed, start %s", res, t2)
	}
	res, err = e.eng.PruneHistory(ctx, t1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versions != 0 || res.Runs != 0 || !res.Before.Equal(t2) {
		t.Errorf("prune before an earlier time: %+v, want nothing removed and the start still %s", res, t2)
	}
	_, err = seriesJSON(t, e, t2.Add(-time.Second))
	want := "the history before 2026-06-01T09:00:00Z was pruned: as_of 2026-06-01T08:59:59Z cannot be answered"
	if ee, ok := errs.As(err); !ok || ee.Code != errs.NotFound || ee.Message != want {
		t.Errorf("as_of just before the start: %v, want NotFound %q", err, want)
	}
	if got, err := seriesJSON(t, e, t2); err != nil || string(got) != string(atT2) {
		t.Errorf("as_of at the start: %v, %s; want what it answered before pruning, %s", err, got, atT2)
	}
	// The runs after t1 are all kept, so the change the t2 run made is still listed in full.
	page, err := e.eng.Changes(ctx, engine.ChangeFilter{Since: t1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != 1 {
		t.Fatalf("changes since t1: %d, want 1: %+v", len(page.Changes), page.Changes)
	}
	c := page.Changes[0]
	if c.Indicator != "secondary-good-outstanding-schools" || c.Area.Code != "E06000029" || c.Period != "2016-17 Q4" ||
		c.Kind != engine.ChangeChanged || c.Before == nil || !is(c.Before.Value, 85.3) || c.After == nil || !is(c.After.Value, 70.1) ||
		c.Cause.Kind != engine.CauseUpload || c.Cause.Dataset != "local_returns" || !c.At.Equal(t2) {
		t.Errorf("change since t1: %+v (before %+v, after %+v), want Poole's 2016-17 Q4 85.3 -> 70.1 by the t2 upload", c, c.Before, c.After)
	}
	_, err = e.eng.Changes(ctx, engine.ChangeFilter{Since: t1.Add(-24 * time.Hour)})
	want = "the history before 2026-06-01T09:00:00Z was pruned: the changes asked for cannot be listed in full (ask since 2026-06-01T09:00:00Z or later)"
	if ee, ok := errs.As(err); !ok || ee.Code != errs.NotFound || ee.Message != want {
		t.Errorf("changes since a day before t1: %v, want NotFound %q", err, want)
	}
}
