package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
)

// EvaluationKey is an evaluation's place in the order of bulk reads: indicator, period end,
// period label, area code. It is unique, so it can resume a read where a page ended.
type EvaluationKey struct {
	Indicator string `json:"i"`
	PeriodEnd string `json:"e"` // ISO date
	Period    string `json:"p"`
	Area      string `json:"a"`
}

// Key is the evaluation's EvaluationKey.
func (ev *Evaluation) Key() EvaluationKey {
	return EvaluationKey{Indicator: ev.Indicator, PeriodEnd: ev.PeriodEnd, Period: ev.Period, Area: ev.Area.Code}
}

// EvaluationFilter selects stored evaluations for a bulk read. Empty lists select everything;
// the lists are combined with AND.
type EvaluationFilter struct {
	// Indicators are indicator ids.
	Indicators []string
	// Areas are GSS codes (resolve names and DfE codes first).
	Areas []string
	// Periods are period labels as stored (period.Period.String()).
	Periods []string
	// Levels are area levels (england, region, subregion, la).
	Levels []string
	// After resumes the read after this key (exclusive).
	After *EvaluationKey
	// Limit caps the number returned; 0 means no cap.
	Limit int
}

// Evaluations returns the stored evaluations that match f, ordered by indicator, period end,
// period label and area code, so that pages read with After and Limit cover every match exactly
// once. Commentary is not attached. Every value is bound, never pasted into the SQL.
func (e *Engine) Evaluations(ctx context.Context, f EvaluationFilter) ([]*Evaluation, error) {
	var out []*Evaluation
	err := e.EachEvaluation(ctx, f, func(ev *Evaluation) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EachEvaluation calls fn with each stored evaluation that matches f, in the order of
// Evaluations, as DuckDB returns them: no list of them is held, so a read of every evaluation
// takes the memory of a few batches. The documents are read on a goroutine of their own, a
// batch ahead of their decoding and fn, so a whole-data read keeps two cores busy. An error
// from fn stops the read and is returned as it is. Commentary is not attached.
func (e *Engine) EachEvaluation(ctx context.Context, f EvaluationFilter, fn func(*Evaluation) error) error {
	where, args, err := e.evaluationWhere(f, true)
	if err != nil {
		return err
	}
	q := where + " ORDER BY indicator, period_end, period, area_code"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return e.eachEvaluationAhead(ctx, q, args, fn)
}

// CountEvaluations is the number of stored evaluations that match f's lists (Indicators, Areas,
// Periods, Levels): the total of a paged read, whatever its After and Limit.
func (e *Engine) CountEvaluations(ctx context.Context, f EvaluationFilter) (int64, error) {
	where, args, err := e.evaluationWhere(f, false)
	if err != nil {
		return 0, err
	}
	var n int64
	rel, relArgs := evaluationsRelation(ctx)
	if err := e.DB.SQL.QueryRowContext(ctx, "SELECT count(*) FROM "+rel+" WHERE "+where, append(relArgs, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("engine: count evaluations: %w", err)
	}
	return n, nil
}

// evaluationWhere is f as a WHERE condition with its bound arguments; withAfter adds f.After.
func (e *Engine) evaluationWhere(f EvaluationFilter, withAfter bool) (string, []any, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN "+placeholders(len(vals)))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	for _, id := range f.Indicators {
		if _, ok := e.Catalog.Get(id); !ok {
			return "", nil, errs.Errorf(errs.Invalid, "no indicator %q", id)
		}
	}
	in("indicator", f.Indicators)
	in("area_code", f.Areas)
	in("period", f.Periods)
	in("area_level", f.Levels)
	if k := f.After; k != nil && withAfter {
		where = append(where, `(indicator > ? OR (indicator = ? AND (period_end > CAST(? AS DATE) OR
			(period_end = CAST(? AS DATE) AND (period > ? OR (period = ? AND area_code > ?))))))`)
		args = append(args, k.Indicator, k.Indicator, k.PeriodEnd, k.PeriodEnd, k.Period, k.Period, k.Area)
	}
	if len(where) == 0 {
		where = append(where, "TRUE")
	}
	return strings.Join(where, " AND "), args, nil
}

// EvaluationsVersion identifies the state of the stored evaluations: it changes whenever any
// indicator is evaluated again (a load, a restore, a re-evaluation) and only then. It is made
// from the evaluation_runs table (which every evaluation run rewrites in the same transaction
// as the evaluations), so it is the same after a restart when nothing changed, and the same on
// two servers holding the same evaluation runs. It has the form "ev-" and 16 hex digits.
func (e *Engine) EvaluationsVersion(ctx context.Context) (string, error) {
	// As at a time, the runs are the run records current then (history.go).
	runs, args := "evaluation_runs", []any(nil)
	at := "evaluated_at"
	if a, ok := AsOfFrom(ctx); ok {
		runs, args, at = runsAsOf, []any{a.Run}, "run_at"
	}
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT indicator, dataset, revision, definition_sha256,
		strftime(`+at+`, '%Y-%m-%dT%H:%M:%S.%f'), evaluations, coalesce(targets_revision, 0),
		coalesce(error, ''), coalesce(warning, '') FROM `+runs+` ORDER BY indicator`, args...)
	if err != nil {
		return "", fmt.Errorf("engine: evaluations version: %w", err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var ind, ds, def, at, msg, warn string
		var rev, n, targets int64
		if err := rows.Scan(&ind, &ds, &rev, &def, &at, &n, &targets, &msg, &warn); err != nil {
			return "", fmt.Errorf("engine: evaluations version: %w", err)
		}
		// Length-prefixed fields, so no two different tables hash alike.
		for _, f := range []string{ind, ds, strconv.FormatInt(rev, 10), def, at, strconv.FormatInt(n, 10),
			strconv.FormatInt(targets, 10), msg, warn} {
			fmt.Fprintf(h, "%d:%s;", len(f), f)
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("engine: evaluations version: %w", err)
	}
	return "ev-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
}
