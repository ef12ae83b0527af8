package engine

import (
	"context"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// ScorecardResult is a scorecard evaluated for an area: its priorities in order, each with its
// rows and a RAG summary, and a summary of the whole card.
type ScorecardResult struct {
	ID              string  `json:"id"`
	Title           string  `json:"title"`
	Description     string  `json:"description,omitempty"`
	Source          string  `json:"source,omitempty"`
	Area            AreaRef `json:"area"`
	RequestedPeriod string  `json:"requested_period,omitempty"`
	// Group is the comparator group every row is also compared with (Comparators.Group), when
	// there is one (EvaluateScorecardWithGroup).
	Group      *GroupRef         `json:"group,omitempty"`
	Summary    map[RAGStatus]int `json:"summary"`
	Priorities []PriorityResult  `json:"priorities"`
}

// PriorityResult is one priority of an evaluated scorecard.
type PriorityResult struct {
	Title       string                `json:"title"`
	Description string                `json:"description,omitempty"`
	Summary     map[RAGStatus]int     `json:"summary"`
	Rows        []ScorecardItemResult `json:"rows"`
}

// ScorecardItemResult is one row: the indicator, the plan's own reference and owners, and the
// evaluation (nil when the area has no figure for it).
type ScorecardItemResult struct {
	Indicator string `json:"indicator"`
	Reference string `json:"reference,omitempty"`
	// PlanReference is the scorecard's own reference for the row ("1.14"), "" when the plan
	// gives none (Reference then falls back to the indicator's source code, such as 90284).
	PlanReference  string      `json:"plan_reference,omitempty"`
	Title          string      `json:"title"`
	Unit           string      `json:"unit"`
	Polarity       string      `json:"polarity"`
	Decimals       int         `json:"decimals"`
	Owner          string      `json:"owner,omitempty"`
	MonitoringBody string      `json:"monitoring_body,omitempty"`
	Evaluation     *Evaluation `json:"evaluation"`
}

// newSummary has every RAG status, at zero, so consumers see the same keys every time.
func newSummary() map[RAGStatus]int {
	m := make(map[RAGStatus]int, len(RAGStatuses()))
	for _, s := range RAGStatuses() {
		m[s] = 0
	}
	return m
}

// EvaluateScorecard reads a scorecard for an area (the scorecard's own area when area is "")
// and a period (the latest of each indicator when ""). A row without an evaluation counts as
// no_data in the summaries.
func (e *Engine) EvaluateScorecard(ctx context.Context, id, area, p string) (*ScorecardResult, error) {
	if e.Scorecards == nil {
		return nil, errs.Errorf(errs.NotFound, "no scorecard %q", id)
	}
	sc, ok := e.Scorecards.Get(id)
	if a, asOf := AsOfFrom(ctx); asOf && e.ScorecardAsOf != nil {
		// As at a time, the scorecard as it was defined then: its priorities, items and owners.
		then, existed := e.ScorecardAsOf(ctx, id, a.Time)
		switch {
		case then != nil:
			sc, ok = then, true
		case !existed && ok:
			return nil, errs.Errorf(errs.NotFound, "scorecard %q did not exist as at %s", id, a.Time.Format(time.RFC3339))
		}
	}
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "no scorecard %q", id)
	}
	if area == "" {
		if sc.Area == indicators.AnyArea {
			return nil, errs.Errorf(errs.Invalid, "scorecard %s is for any area: give one (area=GSS code, DfE code or name)", id)
		}
		area = sc.Area
	}
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	want, err := parseOptionalPeriod(p)
	if err != nil {
		return nil, err
	}
	chosen, err := e.pick(ctx, a.Code, want)
	if err != nil {
		return nil, err
	}
	out := &ScorecardResult{ID: sc.ID, Title: sc.Title, Description: sc.Description, Source: sc.Source,
		Area: areaRef(a), RequestedPeriod: p, Summary: newSummary()}
	for _, pr := range sc.Priorities {
		res := PriorityResult{Title: pr.Title, Description: pr.Description, Summary: newSummary()}
		for _, it := range pr.Items {
			def, _ := e.Catalog.Get(it.Indicator)
			row := ScorecardItemResult{Indicator: def.ID, Reference: it.Reference, PlanReference: it.Reference, Title: def.Title, Unit: string(def.Unit),
				Polarity: string(def.Polarity), Decimals: def.Decimals, Owner: it.Owner, MonitoringBody: it.MonitoringBody,
				Evaluation: chosen[def.ID]}
			if row.Reference == "" {
				row.Reference = def.Reference
			}
			if row.Owner == "" {
				row.Owner = def.Metadata.Owner
			}
			status := NoData
			if row.Evaluation != nil {
				status = row.Evaluation.RAG.Status
			}
			res.Summary[status]++
			out.Summary[status]++
			res.Rows = append(res.Rows, row)
		}
		out.Priorities = append(out.Priorities, res)
	}
	return out, nil
}
