package engine

import (
	"context"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// CheckDefinition checks one definition against the data it reads, as Check does for the whole
// catalogue at start-up: the dataset exists, the columns exist with the right types, and (when
// they do) the filters select at most one row per area and period, by running the definition's
// query once. It returns every problem found; an error is for a check that could not run.
func (e *Engine) CheckDefinition(ctx context.Context, def *indicators.Definition) ([]errs.Detail, error) {
	all, err := e.Datasets.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var ds *datasets.Dataset
	for i := range all {
		if all[i].Name == def.Source.Dataset {
			ds = &all[i]
		}
	}
	problems := def.CheckData(func(name string) ([]datasets.Column, bool) {
		if ds == nil || name != ds.Name {
			return nil, false
		}
		return ds.Columns, true
	})
	if len(problems) > 0 || ds == nil {
		return problems, nil
	}
	if _, err := e.read(ctx, reader{q: e.DB.SQL}, def, ds); err != nil {
		ee, ok := errs.As(err)
		if !ok || ee.Code == errs.Internal {
			return nil, err
		}
		if len(ee.Details) == 0 {
			return []errs.Detail{{File: def.File, Field: "source", Reason: ee.Message}}, nil
		}
		for _, d := range ee.Details {
			if d.File == "" {
				d.File = def.File
			}
			problems = append(problems, d)
		}
	}
	return problems, nil
}

// EvaluateIndicators evaluates only the named indicators (after their definition changed) and
// replaces their stored evaluations and runs; every other indicator's evaluations and run
// records stay as they are. Unknown ids are ignored.
func (e *Engine) EvaluateIndicators(ctx context.Context, ids []string) ([]RunResult, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return e.evaluate(ctx, func(d *indicators.Definition, _ snapshot) bool { return want[d.ID] })
}

// EvaluateIndicatorsIfChanged evaluates those of the named indicators that are stale or whose
// definition differs from the one their stored run used (a definition revised at run time
// whose re-evaluation did not finish before a stop).
func (e *Engine) EvaluateIndicatorsIfChanged(ctx context.Context, ids []string) ([]RunResult, error) {
	stale, err := e.staleRule(ctx, e.DB.SQL, true)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return e.evaluate(ctx, func(d *indicators.Definition, s snapshot) bool { return want[d.ID] && stale(d, s) })
}
