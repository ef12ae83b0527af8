package scorecard

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
)

const smallReturn = "indicator,area,period,value\nsecondary-good-outstanding-schools,836,2015-16,58.8\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"

func openTestApp(t *testing.T) *App {
	t.Helper()
	app, err := Open(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// runRevision is the revision an indicator was last evaluated on (0 when never).
func runRevision(t *testing.T, app *App, indicator string) int64 {
	t.Helper()
	var rev int64
	err := app.DB.SQL.QueryRowContext(context.Background(), "SELECT coalesce(max(revision), 0) FROM evaluation_runs WHERE indicator = ?", indicator).Scan(&rev)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// Finding 5: when the request's time runs out during the re-evaluation that follows a
// committed upload, Load answers with the revision (committed, current) and the state pending,
// and the evaluation finishes in the background.
func TestFinding5CommittedUploadAnswersPendingAndFinishesInBackground(t *testing.T) {
	app := openTestApp(t)
	app.evalSem <- struct{}{} // an evaluation in progress holds the engine
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rev, re, err := app.Load(ctx, "local_returns", strings.NewReader(smallReturn), datasets.Upload{By: "test"})
	if err != nil {
		t.Fatalf("a committed upload must not be an error: %v", err)
	}
	if rev == nil || !rev.Current || rev.Status != datasets.Accepted {
		t.Fatalf("revision: %+v", rev)
	}
	if re.State != engine.Pending || re.Reason == "" {
		t.Fatalf("evaluation state: %+v, want pending with a reason", re)
	}
	if cur, err := app.Datasets.Get(context.Background(), "local_returns"); err != nil || cur.Revision != rev.ID {
		t.Fatalf("current revision after a pending evaluation: %v %v", cur, err)
	}
	<-app.evalSem // the earlier evaluation ends
	deadline := time.Now().Add(30 * time.Second)
	for runRevision(t, app, "secondary-good-outstanding-schools") != rev.ID {
		if time.Now().After(deadline) {
			t.Fatal("the background evaluation did not finish")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Finding 5: an upload whose evaluation completes says evaluated, with the runs.
func TestFinding5EvaluatedStateListsTheRuns(t *testing.T) {
	app := openTestApp(t)
	rev, re, err := app.Load(context.Background(), "local_returns", strings.NewReader(smallReturn), datasets.Upload{By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if re.State != engine.Evaluated {
		t.Fatalf("state %q (%s)", re.State, re.Reason)
	}
	found := false
	for _, r := range re.Results {
		if r.Indicator == "secondary-good-outstanding-schools" && r.Revision == rev.ID && r.Evaluations > 0 {
			found = true
		}
	}
	if !found {
		t.Errorf("results lack the indicator evaluated on revision %d: %+v", rev.ID, re.Results)
	}
}

// Finding 5: Close waits for a background evaluation rather than leaving it writing to a
// closed database, and the stale indicator is evaluated at the next start.
func TestFinding5CloseStopsBackgroundEvaluation(t *testing.T) {
	app, err := Open(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	app.evalSem <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, re, err := app.Load(ctx, "local_returns", strings.NewReader(smallReturn), datasets.Upload{By: "test"}); err != nil || re.State != engine.Pending {
		t.Fatalf("%+v %v", re, err)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		<-app.evalSem
	}()
	done := make(chan error, 1)
	go func() { done <- app.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Close did not return")
	}
}

// Findings 13 and 16: an upload's file name is kept and shown with its revision, so a secret,
// a control character or an endless name in it is refused before anything is stored; bytes
// that are not UTF-8 are replaced.
func TestFinding13And16UploadFileNames(t *testing.T) {
	app := openTestApp(t)
	for _, tc := range []struct {
		name, file, want string
	}{
		{"secret", "sct_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG.csv", "API token secret"},
		{"long", strings.Repeat("a", 3000) + ".csv", "at most 255"},
		{"control", "return\x00.csv", "control character"},
		{"newline", "return\n.csv", "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rev, _, err := app.Load(context.Background(), "local_returns", strings.NewReader(smallReturn), datasets.Upload{FileName: tc.file, By: "test"})
			if err == nil || rev != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v %v, want a refusal saying %q", rev, err, tc.want)
			}
			if _, err := app.Datasets.Revisions(context.Background(), "local_returns"); err == nil {
				t.Error("a revision was stored")
			}
		})
	}
	rev, _, err := app.Load(context.Background(), "local_returns", strings.NewReader(smallReturn), datasets.Upload{FileName: "r\xe9turn.csv", By: "test"})
	if err != nil || rev.FileName != "r\uFFFDturn.csv" {
		t.Fatalf("non-UTF-8 file name: %v %v", rev, err)
	}
}
