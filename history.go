package scorecard

import (
	"context"
	"fmt"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

// HistoryPruneInterval is how often a server with a history retention prunes, after the prune
// at start.
const HistoryPruneInterval = 24 * time.Hour

// PruneHistory removes the evaluation history that ended before before (engine.PruneHistory:
// never a current evaluation) and logs what it removed.
func (a *App) PruneHistory(ctx context.Context, before time.Time) (engine.PruneResult, error) {
	start := time.Now()
	res, err := a.Engine.PruneHistory(ctx, before)
	if err != nil {
		a.Log.Error("pruning the evaluation history failed", "before", before.UTC().Format(time.RFC3339), "error", err)
		return res, fmt.Errorf("prune history before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	a.Log.Info("evaluation history pruned", "before", before.UTC().Format(time.RFC3339), "versions_removed", res.Versions,
		"run_records_removed", res.Runs, "history_start", res.Before.Format(time.RFC3339), "duration_ms", time.Since(start).Milliseconds())
	return res, nil
}

// keepHistory prunes the history older than retention now and then every interval, until the
// App closes. A failed prune is logged and tried again at the next interval.
func (a *App) keepHistory(retention, interval time.Duration) {
	now := a.Engine.Now
	if now == nil {
		now = time.Now
	}
	prune := func() {
		ctx, cancel := context.WithTimeout(a.life, EvaluationTimeout)
		defer cancel()
		a.PruneHistory(ctx, now().Add(-retention)) // logged there
	}
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		prune()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-a.life.Done():
				return
			case <-t.C:
				prune()
			}
		}
	}()
}
