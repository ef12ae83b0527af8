package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/reliability"
)

// TestMergeCrashSafety kills the server with SIGKILL while it stores a merge upload (the file's
// rows, then every other area's rows carried over from the current revision). After the
// restart the previous revision is current, or, had the merge committed before the kill, the
// merge is complete; either way the previous revision's rows are intact.
func TestMergeCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "scorecard.duckdb")
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	base, err := app.Datasets.Load(ctx, "lait_merge", bytes.NewReader(lait(400_000)), datasets.Upload{FileName: "base.csv", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	app.Close()
	before := tableFingerprints(t, db)

	// A merge of a large file (the kill lands while its rows are stored) and of a small one
	// (while the other areas' 400,000 rows are copied into the new revision): each replaces
	// the rows of five areas (LAIT numbers 201-205).
	for _, n := range []int{600_000, 2_000} {
		t.Run(fmt.Sprintf("%d_rows", n), func(t *testing.T) { killMerge(t, db, base.ID, before, n) })
	}
}

// killMerge kills the server while it stores a merge of an n-row file into the dataset
// lait_merge, whose current revision is base, and checks what the restart finds.
func killMerge(t *testing.T, db string, base int64, before reliability.Fingerprint, n int) {
	var b bytes.Buffer
	b.WriteString("measure_short,years,la_number,value\n")
	for i := range n {
		fmt.Fprintf(&b, "N%d,%d,%d,%d.25\n", i/200, 1980+i%40, 201+(i/40)%5, i%1000)
	}
	s := startServer(t, db)
	killWhenStoreGrows(t, s, db, "/api/v1/datasets/lait_merge/revisions?merge=true", b.Bytes())

	s = startServer(t, db)
	revs := s.revisions(t, "lait_merge")
	switch {
	case len(revs) == 1 && revs[0].ID == base && revs[0].Current:
		t.Logf("kill during a merge: the previous revision %d is current", base)
	case len(revs) == 2 && revs[0].Current && revs[0].Merge && revs[0].MergedFrom == base && revs[0].RowsUploaded == n:
		t.Logf("kill during a merge: the merge had committed before the kill and is complete (%d rows)", revs[0].Rows)
	default:
		t.Fatalf("kill during a merge left revisions %+v", revs)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("stop: %v\n%s", err, s.logText())
	}
	after := tableFingerprints(t, db)
	table := fmt.Sprintf("main.rev_%d", base)
	if before[table] == "" || after[table] != before[table] {
		t.Errorf("the previous revision's rows changed: %q -> %q", before[table], after[table])
	}
	if len(revs) == 1 {
		if diff := before.Diff(after); len(diff) > 0 {
			t.Errorf("after a kill during a merge the stored data changed:\n%s", strings.Join(diff, "\n"))
		}
	}
}
