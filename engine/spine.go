package engine

import (
	"context"

	"github.com/childrens-trust/scorecard/areas"
)

// LocalAuthorityEvaluations returns one indicator's evaluations of every local authority in a
// period (the indicator's latest when p is ""), by rank: the population of a spine chart and of a
// neighbour comparison. Errors are AllAreas'.
func (e *Engine) LocalAuthorityEvaluations(ctx context.Context, indicator, p string) ([]*Evaluation, error) {
	all, err := e.AllAreas(ctx, indicator, p)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, ev := range all {
		if ev.Area.Level == string(areas.LocalAuthority) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// NeighbourEvaluations returns the evaluations of ev's area's statistical neighbours for the same
// indicator and period, closest first, picked from las (LocalAuthorityEvaluations of that period).
// The vintage is the one ev's neighbour average used (so the bars match the average), else the
// engine's, else (a former council) the newest vintage that lists the area. A neighbour without an evaluation is returned with no value (status no_data). An area
// that is not a local authority, or has no neighbours in the vintage, has none (nil, no error).
func (e *Engine) NeighbourEvaluations(ev *Evaluation, las []*Evaluation) (vintage string, out []*Evaluation) {
	if ev == nil || e.Areas == nil {
		return "", nil
	}
	a, ok := e.Areas.Lookup(ev.Area.Code)
	if !ok || a.Level != areas.LocalAuthority {
		return "", nil
	}
	vintage = e.Vintage
	if sn := ev.Comparators.StatisticalNeighbours; sn != nil && sn.Vintage != "" {
		vintage = sn.Vintage
	}
	if vintage == "" {
		vintage = areas.DefaultVintage
	}
	ns, err := e.Areas.Neighbours(a, vintage)
	if err != nil || len(ns) == 0 {
		// A former council (Poole) is only in an older vintage: the newest that lists it.
		all := e.Areas.Vintages()
		for i := len(all) - 1; i >= 0 && len(ns) == 0; i-- {
			if ns, err = e.Areas.Neighbours(a, all[i]); err == nil && len(ns) > 0 {
				vintage = all[i]
			}
		}
		if len(ns) == 0 {
			return vintage, nil
		}
	}
	byCode := make(map[string]*Evaluation, len(las))
	for _, l := range las {
		byCode[l.Area.Code] = l
	}
	for _, n := range ns {
		if got, ok := byCode[n.Area.Code]; ok {
			out = append(out, got)
			continue
		}
		out = append(out, &Evaluation{Indicator: ev.Indicator, Period: ev.Period, Status: "no_data",
			Area: AreaRef{Code: n.Area.Code, Name: n.Area.Name, Level: string(n.Area.Level)}})
	}
	return vintage, out
}
