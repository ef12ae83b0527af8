package engine

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// SourceGroupMean is the source of a user-defined comparator group's value: the mean of the
// members' values for the period, the area itself left out (as the statistical neighbours'
// average is made).
const SourceGroupMean = "group_mean"

// Group returns the named comparator group (errs.Invalid when there is none: a group is named
// in a request's parameters).
func (e *Engine) Group(id string) (*indicators.Group, error) {
	g, ok := e.Groups.Get(id)
	if !ok {
		return nil, errs.Errorf(errs.Invalid, "no comparator group %q (PUT /api/v1/groups/%s defines one)", id, id)
	}
	return g, nil
}

// WithGroup sets Comparators.Group on each evaluation: the mean of the stored values of the
// group's members for the same indicator and period, the evaluation's own area left out, with
// the number of members that have a value (N) of how many were asked (Of), and the judgement
// made by the same method as the statistical-neighbour comparison (engine.judge). It is computed
// at read time, from one query over the stored evaluations; nothing is stored.
func (e *Engine) WithGroup(ctx context.Context, g *indicators.Group, evs []*Evaluation) error {
	if g == nil || len(evs) == 0 {
		return nil
	}
	inds := map[string]bool{}
	periods := map[string]bool{}
	for _, ev := range evs {
		if ev != nil {
			inds[ev.Indicator] = true
			periods[ev.Period] = true
		}
	}
	rel, args := evaluationsRelation(ctx)
	marks := func(vals []string) string {
		for _, v := range vals {
			args = append(args, v)
		}
		return placeholders(len(vals))
	}
	q := "SELECT indicator, period, area_code, value FROM " + rel + " WHERE value IS NOT NULL AND isfinite(value)" +
		" AND area_code IN " + marks(g.Areas) +
		" AND indicator IN " + marks(keys(inds)) +
		" AND period IN " + marks(keys(periods)) +
		" ORDER BY indicator, period, area_code"
	rows, err := e.DB.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("engine: read the values of group %s: %w", g.ID, err)
	}
	defer rows.Close()
	type member struct {
		area  string
		value float64
	}
	values := map[string][]member{} // indicator \x00 period -> members in area-code order
	for rows.Next() {
		var ind, p, area string
		var v float64
		if err := rows.Scan(&ind, &p, &area, &v); err != nil {
			return fmt.Errorf("engine: read the values of group %s: %w", g.ID, err)
		}
		k := ind + "\x00" + p
		values[k] = append(values[k], member{area, v})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("engine: read the values of group %s: %w", g.ID, err)
	}
	for _, ev := range evs {
		if ev == nil {
			continue
		}
		def, ok := e.Catalog.Get(ev.Indicator)
		if !ok {
			continue
		}
		c := &Comparator{Code: g.ID, Name: g.Title, Of: len(g.Areas)}
		if g.Has(ev.Area.Code) {
			c.Of-- // the area is not its own comparator
		}
		var vals []float64
		for _, m := range values[ev.Indicator+"\x00"+ev.Period] {
			if m.area != ev.Area.Code && !math.IsNaN(m.value) {
				vals = append(vals, m.value)
			}
		}
		if c.N = len(vals); c.N > 0 {
			c.Source = SourceGroupMean
			setValue(c, mean(vals))
		} else {
			c.Source, c.Reason = SourceNone, "no other member of the group has a value for this period"
		}
		ev.Comparators.Group = e.judge(def, ev, c)
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EvaluateScorecardWithGroup is EvaluateScorecard with a comparator group on every row: group
// when it is not "", else the scorecard's own comparators.group, else none. A group the
// scorecard names that no longer exists leaves the rows without it (the read still answers);
// a group the request names that does not exist is errs.Invalid.
func (e *Engine) EvaluateScorecardWithGroup(ctx context.Context, id, area, p, group string) (*ScorecardResult, error) {
	var g *indicators.Group
	if group != "" {
		var err error
		if g, err = e.Group(group); err != nil {
			return nil, err
		}
	}
	res, err := e.EvaluateScorecard(ctx, id, area, p)
	if err != nil {
		return nil, err
	}
	if g == nil {
		if sc, ok := e.Scorecards.Get(id); ok && sc.GroupID() != "" {
			g, _ = e.Groups.Get(sc.GroupID())
		}
	}
	if g == nil {
		return res, nil
	}
	res.Group = &GroupRef{ID: g.ID, Title: g.Title, Areas: len(g.Areas)}
	var evs []*Evaluation
	for _, pr := range res.Priorities {
		for _, r := range pr.Rows {
			if r.Evaluation != nil {
				evs = append(evs, r.Evaluation)
			}
		}
	}
	return res, e.WithGroup(ctx, g, evs)
}

// GroupRef names the comparator group a read was compared with.
type GroupRef struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Areas is the number of members.
	Areas int `json:"areas"`
}
