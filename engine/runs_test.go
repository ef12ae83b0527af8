package engine_test

import (
	"context"
	"testing"
	"time"
)

// Runs gives each evaluated indicator's last run: when, on which revision, how many evaluations.
func TestRunsListTheLastRunOfEachIndicator(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	res := e.evaluate(t, "local_returns")
	runs, err := e.eng.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 || len(runs) < len(res) {
		t.Fatalf("runs = %+v, want one per evaluated indicator (%d)", runs, len(res))
	}
	byID := map[string]int{}
	for i, r := range runs {
		byID[r.Indicator] = i
		if i > 0 && runs[i-1].Indicator >= r.Indicator {
			t.Errorf("runs not in indicator order: %s before %s", runs[i-1].Indicator, r.Indicator)
		}
	}
	for _, want := range res {
		i, ok := byID[want.Indicator]
		if !ok {
			t.Errorf("no run for %s", want.Indicator)
			continue
		}
		got := runs[i]
		if got.Dataset != want.Dataset || got.Revision != want.Revision || got.Evaluations != want.Evaluations {
			t.Errorf("run %s = %+v, want dataset %s revision %d, %d evaluations", want.Indicator, got, want.Dataset, want.Revision, want.Evaluations)
		}
		if !got.EvaluatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || got.EvaluatedAt.Location() != time.UTC {
			t.Errorf("run %s evaluated at %v, want the clock's time in UTC", want.Indicator, got.EvaluatedAt)
		}
	}
}
