package engine

import (
	"context"
	"fmt"
	"time"
)

// Run is an indicator's last evaluation run, as stored.
type Run struct {
	Indicator string `json:"indicator"`
	Dataset   string `json:"dataset"`
	// Revision is the dataset revision the run read.
	Revision    int64     `json:"revision"`
	EvaluatedAt time.Time `json:"evaluated_at"`
	Evaluations int       `json:"evaluations"`
	// Error says why the run stored no evaluations; Warning what they left out.
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
}

// Runs lists the last evaluation run of every indicator that has been evaluated, by indicator:
// when each was evaluated, on which revision, and how it went.
func (e *Engine) Runs(ctx context.Context) ([]Run, error) {
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT indicator, dataset, revision, evaluated_at, evaluations,
		coalesce(error, ''), coalesce(warning, '') FROM evaluation_runs ORDER BY indicator`)
	if err != nil {
		return nil, fmt.Errorf("engine: read runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.Indicator, &r.Dataset, &r.Revision, &r.EvaluatedAt, &r.Evaluations, &r.Error, &r.Warning); err != nil {
			return nil, fmt.Errorf("engine: read runs: %w", err)
		}
		r.EvaluatedAt = r.EvaluatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
