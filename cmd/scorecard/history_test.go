package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

// runBoth executes the program and returns stdout and stderr apart.
func runBoth(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut}
	err = m.Run(context.Background(), args)
	if err != nil {
		printError(&errOut, err)
	}
	return out.String(), errOut.String(), err
}

func historyStatsOf(t *testing.T, db string) engine.HistoryStats {
	t.Helper()
	out, errOut, err := runBoth(t, "history", "stats", "--json", "--db", db)
	if err != nil {
		t.Fatalf("history stats: %v\n%s", err, errOut)
	}
	var s engine.HistoryStats
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("history stats --json: %v\n%s", err, out)
	}
	return s
}

// history prune removes the versions a revised return replaced (the one-row revision replaces
// all eight of local_returns' evaluations: seven go, one changes) and the run records no read
// after the new start needs (smallDB's two runs record all 236 indicators, the load's run the
// seven of local_returns: the first run's 236 and the second's seven are superseded),
// says what it removed and where the history now starts, and leaves the current evaluations exactly as they were; history
// stats counts before and after.
func TestHistoryPruneCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "scorecard.duckdb")
	smallDB(t, db)
	revised := filepath.Join(dir, "revised.csv")
	os.WriteFile(revised, []byte("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"), 0o644)
	if out, errOut, err := runBoth(t, "load", "--db", db, "--dataset", "local_returns", "--by", "analyst", revised); err != nil {
		t.Fatalf("load: %v\n%s%s", err, out, errOut)
	}
	before := historyStatsOf(t, db)
	if before.Current != 1 || before.Versions != 8 || before.Start != nil || before.LastRun == nil {
		t.Fatalf("stats after the revision: %+v, want 1 current evaluation, 8 past versions, never pruned", before)
	}
	evaluate := func() string {
		out, errOut, err := runBoth(t, "evaluate", "--db", db, "--area", "836", "--format", "json")
		if err != nil {
			t.Fatalf("evaluate: %v\n%s", err, errOut)
		}
		return out
	}
	current := evaluate()

	cut := time.Now().UTC() // after the revision's run
	out, errOut, err := runBoth(t, "history", "prune", "--db", db, "--before", cut.Format(time.RFC3339Nano))
	if err != nil {
		t.Fatalf("history prune: %v\n%s", err, errOut)
	}
	at := cut.Format(time.RFC3339)
	want := "removed 8 past evaluation versions and 243 run records that ended before " + at + "\n" +
		"the history now starts at " + at + ": as_of reads and changes before it are refused\n" +
		"kept 1 current evaluations (never pruned), 0 past versions, " + strconv.FormatInt(before.RunRecords-243, 10) + " run records\n"
	if out != want {
		t.Errorf("history prune printed\n%s\nwant\n%s", out, want)
	}
	if got := evaluate(); got != current {
		t.Errorf("evaluations changed by pruning:\n%s\nwant\n%s", got, current)
	}
	out, _, err = runBoth(t, "history", "stats", "--db", db)
	if err != nil || !strings.Contains(out, "current evaluations  1\n") || !strings.Contains(out, "past versions        0\n") ||
		!strings.Contains(out, "history starts       "+at+"\n") {
		t.Errorf("history stats: %v\n%s", err, out)
	}
}

// A missing, unreadable or future --before is refused with a message, before the database is
// opened, and the binary exits 2 as for every usage error.
func TestHistoryPruneRefusesBadBefore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never-created.duckdb")
	for _, tc := range []struct{ name, before, want string }{
		{"missing", "", "history prune: --before is required: a date (2026-01-01) or an RFC 3339 time (2026-01-01T00:00:00Z)\n"},
		{"not a date", "last tuesday", `history prune: --before "last tuesday" is neither a date (2026-01-01) nor an RFC 3339 time (2026-01-01T00:00:00Z)` + "\n"},
		{"in the future", "2999-01-01", "history prune: --before 2999-01-01T00:00:00Z is in the future: the history would start after now and every as_of read would be refused\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"history", "prune", "--db", db}
			if tc.before != "" {
				args = append(args, "--before", tc.before)
			}
			out, errOut, err := runBoth(t, args...)
			if err != errUsage || out != "" || errOut != tc.want {
				t.Errorf("err %v, stdout %q, stderr %q; want errUsage and %q", err, out, errOut, tc.want)
			}
		})
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused prune created the database: %v", err)
	}
	cmd := exec.Command(binary(t), "history", "prune", "--db", db)
	errOut, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(errOut), "--before is required") {
		t.Errorf("binary: exit %v (%v), output %q; want exit 2 saying --before is required", cmd.ProcessState, err, errOut)
	}
}

// --history-retention prunes at start-up and logs what it removed; a value that is not a
// duration is refused before the server starts.
func TestServeHistoryRetention(t *testing.T) {
	db := filepath.Join(t.TempDir(), "scorecard.duckdb")
	smallDB(t, db)
	logs := &lockedWriter{}
	_, stop, done := startMain(t, &Main{Stderr: logs}, "--db", db, "--auth=off", "--drain-grace=0", "--history-retention", "400d")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "evaluation history pruned") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	l := logs.String()
	if !strings.Contains(l, `msg="evaluation history pruned"`) || !strings.Contains(l, "versions_removed=0 run_records_removed=0") {
		t.Errorf("no prune logged at start-up:\n%s", l)
	}

	_, errOut, err := runBoth(t, "serve", "--db", db, "--history-retention", "a year")
	want := `serve: --history-retention "a year" is not a duration such as 400d or 8760h (0 keeps everything)` + "\n"
	if err != errUsage || errOut != want {
		t.Errorf("bad retention: %v, %q; want errUsage and %q", err, errOut, want)
	}
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{{"", 0}, {"0", 0}, {"400d", 400 * 24 * time.Hour}, {"8760h", 8760 * time.Hour}} {
		if got, err := parseRetention(tc.in); err != nil || got != tc.want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
