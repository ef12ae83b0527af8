package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
)

// EachEvaluation, which reads the documents a batch ahead on a goroutine of its own, stops at
// fn's error and returns it as it is, and stops when its context ends.
func TestEachEvaluationStops(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	ctx := context.Background()
	all, err := e.eng.Evaluations(ctx, engine.EvaluationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 5 {
		t.Fatalf("%d evaluations stored, want at least 5", len(all))
	}
	stop := errors.New("enough")
	n := 0
	err = e.eng.EachEvaluation(ctx, engine.EvaluationFilter{}, func(ev *engine.Evaluation) error {
		if ev.Indicator != all[n].Indicator || ev.Area.Code != all[n].Area.Code || ev.Period != all[n].Period {
			t.Errorf("evaluation %d is %s %s %s, want %s %s %s", n, ev.Indicator, ev.Area.Code, ev.Period,
				all[n].Indicator, all[n].Area.Code, all[n].Period)
		}
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("err %v after %d evaluations, want %v after 3", err, n, stop)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	n = 0
	err = e.eng.EachEvaluation(cancelled, engine.EvaluationFilter{}, func(*engine.Evaluation) error {
		n++
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Fatalf("cancelled read: err %v after %d evaluations", err, n)
	}
}
