package engine

import (
	"context"
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
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	for _, id := range f.Indicators {
		if _, ok := e.Catalog.Get(id); !ok {
			return nil, errs.Errorf(errs.Invalid, "no indicator %q", id)
		}
	}
	in("indicator", f.Indicators)
	in("area_code", f.Areas)
	in("period", f.Periods)
	in("area_level", f.Levels)
	if k := f.After; k != nil {
		where = append(where, `(indicator > ? OR (indicator = ? AND (period_end > CAST(? AS DATE) OR
			(period_end = CAST(? AS DATE) AND (period > ? OR (period = ? AND area_code > ?))))))`)
		args = append(args, k.Indicator, k.Indicator, k.PeriodEnd, k.PeriodEnd, k.Period, k.Period, k.Area)
	}
	if len(where) == 0 {
		where = append(where, "TRUE")
	}
	q := strings.Join(where, " AND ") + " ORDER BY indicator, period_end, period, area_code"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return e.queryEvaluations(ctx, q, args...)
}
