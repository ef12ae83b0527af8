package engine

import (
	"fmt"
	"math"
	"slices"

	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/stats"
)

// resolvedTarget is the target that applies to one area and period, with where it came from
// and, once resolved, its value (a relative target's value depends on the area's baseline).
type resolvedTarget struct {
	indicators.Target
	source string
	// value is the target in the indicator's unit; valid unless unresolved is set.
	value float64
	// unresolved says why a relative target has no value (no baseline figure).
	unresolved string
	// baseline is the baseline period's value of a relative target.
	baseline *float64
	// due is the period the target applies to, zero for any.
	due period.Period
}

// resolve fixes the target's value for an area: an absolute target's value as written, a
// relative target's as the change on the area's own baseline value.
func (t *resolvedTarget) resolve(area string, s *series) *resolvedTarget {
	r := *t
	if !t.IsRelative() {
		r.value = *t.Value
		return &r
	}
	base, _ := period.Parse(t.Baseline)
	o, ok := s.obs[base][area]
	if !ok || math.IsNaN(o.value) {
		r.unresolved = fmt.Sprintf("the relative target (%+g%% on %s) has no baseline: no value for %s", *t.ChangePercent, base, base)
		return &r
	}
	r.baseline = ptr(o.value)
	r.value = o.value * (1 + *t.ChangePercent/100)
	r.source = fmt.Sprintf("%s: %+g%% on the %s baseline of %g", t.source, *t.ChangePercent, base, o.value)
	return &r
}

// targetSet finds the most specific target for an area and period.
type targetSet struct {
	entries []targetEntry
	// anyArea and byArea index entries (ascending): those for any area, and those for one. A
	// targets file may hold a great many rows; each lookup reads only the area's own.
	anyArea []int
	byArea  map[string][]int
}

// index builds anyArea and byArea.
func (ts *targetSet) index() {
	ts.anyArea, ts.byArea = nil, map[string][]int{}
	for i, en := range ts.entries {
		if en.area == "" {
			ts.anyArea = append(ts.anyArea, i)
		} else {
			ts.byArea[en.area] = append(ts.byArea[en.area], i)
		}
	}
}

// candidates calls fn with the index of every entry that may apply to area, in entry order (so
// ties resolve as a scan of every entry would).
func (ts targetSet) candidates(area string, fn func(i int)) {
	if ts.byArea == nil {
		for i := range ts.entries {
			fn(i)
		}
		return
	}
	a, b := ts.anyArea, ts.byArea[area]
	for len(a) > 0 || len(b) > 0 {
		if len(b) == 0 || (len(a) > 0 && a[0] < b[0]) {
			fn(a[0])
			a = a[1:]
		} else {
			fn(b[0])
			b = b[1:]
		}
	}
}

type targetEntry struct {
	area   string        // GSS code, "" for any
	period period.Period // zero for any
	t      resolvedTarget
	// uploaded marks a target from the targets dataset: it wins over a definition's target of
	// the same specificity, so a performance team can set targets without editing YAML.
	uploaded bool
}

func (e *Engine) resolveTargets(def *indicators.Definition, uploaded []targetEntry) (targetSet, error) {
	ts := targetSet{entries: append([]targetEntry(nil), uploaded...)}
	for i, t := range def.Targets {
		en := targetEntry{t: resolvedTarget{Target: t, source: fmt.Sprintf("%s targets[%d]", def.File, i)}}
		if t.Note != "" {
			en.t.source += " (" + t.Note + ")"
		}
		if t.Area != "" {
			a, ok := e.Areas.Lookup(t.Area)
			if !ok {
				return ts, fmt.Errorf("engine: %s targets[%d]: unknown area %q", def.ID, i, t.Area)
			}
			en.area = a.Code
		}
		if t.Period != "" {
			p, err := period.Parse(t.Period)
			if err != nil {
				return ts, fmt.Errorf("engine: %s targets[%d]: %w", def.ID, i, err)
			}
			en.period = p
			en.t.due = p
		}
		ts.entries = append(ts.entries, en)
	}
	ts.index()
	return ts, nil
}

// lookup returns the target for area and period: area and period match first, then period,
// then area, then the default; nil when none applies.
func (ts targetSet) lookup(area string, p period.Period) *resolvedTarget {
	best, bestScore := -1, -1
	ts.candidates(area, func(i int) {
		en := ts.entries[i]
		if (en.area != "" && en.area != area) || (!en.period.IsZero() && en.period != p) {
			return
		}
		score := 0
		if !en.period.IsZero() {
			score += 4
		}
		if en.area != "" {
			score += 2
		}
		if en.uploaded {
			score++
		}
		if score > bestScore {
			best, bestScore = i, score
		}
	})
	if best < 0 {
		return nil
	}
	return &ts.entries[best].t
}

// upcoming returns the target due soonest after period p for the area (area-specific before
// general at the same due period), for the forecast; nil when none is due later.
func (ts targetSet) upcoming(area string, p period.Period) *resolvedTarget {
	best := -1
	ts.candidates(area, func(i int) {
		en := ts.entries[i]
		if (en.area != "" && en.area != area) || en.period.IsZero() || !en.period.End().After(p.End()) {
			return
		}
		if best < 0 {
			best = i
			return
		}
		b := ts.entries[best]
		if c := period.Compare(en.period, b.period); c < 0 || (c == 0 && en.area != "" && b.area == "") {
			best = i
		}
	})
	if best < 0 {
		return nil
	}
	return &ts.entries[best].t
}

// RAGStatus is the judgement against target ([RAG.Status]): one of [RAGStatuses].
type RAGStatus string

// The RAG statuses.
const (
	// Green: the value meets the target (or is within the green band of a closer-is-better one).
	Green RAGStatus = "green"
	// Amber: the value misses the target but is within tolerance (and, under the
	// tolerance-and-direction rule, improved on a year earlier).
	Amber RAGStatus = "amber"
	// Red: the value misses the target by more than the tolerance.
	Red RAGStatus = "red"
	// NoTarget: no target applies, or the indicator has no good direction to judge against one.
	NoTarget RAGStatus = "no_target"
	// NoData: there is no value for the period.
	NoData RAGStatus = "no_data"
	// Suppressed: the value is suppressed at source (the marker says how).
	Suppressed RAGStatus = "suppressed"
)

// RAGStatuses lists every [RAGStatus], in the order the API documents them.
func RAGStatuses() []RAGStatus {
	return []RAGStatus{Green, Amber, Red, NoTarget, NoData, Suppressed}
}

// Valid reports whether s is one of [RAGStatuses].
func (s RAGStatus) Valid() bool { return slices.Contains(RAGStatuses(), s) }

// rag judges a value against its target (PRODUCT.md "RAG against target"). Higher is better:
// green if value >= target, amber if value >= target - tolerance, else red; lower is better
// mirrored; closer is better: green within the green band, amber within band + tolerance. Under
// the tolerance-and-direction rule an amber also needs an improvement on a year earlier.
func rag(def *indicators.Definition, o *observation, t *resolvedTarget, yearAgo *Change) RAG {
	r := RAG{Rule: string(def.Polarity) + "/" + def.RAGRule}
	switch {
	case math.IsNaN(o.value) && o.marker != "":
		r.Status, r.Reason = Suppressed, "the value is suppressed ("+o.marker+")"
	case math.IsNaN(o.value):
		r.Status, r.Reason = NoData, "no value for this period"
	case t == nil:
		r.Status, r.Reason = NoTarget, "no target is set for this area and period"
	}
	if t == nil {
		return r
	}
	if t.unresolved != "" {
		r.TargetSource = t.source
		if r.Status == "" {
			r.Status, r.Reason = NoTarget, t.unresolved
		}
		return r
	}
	target, tol := t.value, t.ToleranceAmount(t.value)
	r.Target, r.Tolerance, r.ToleranceType, r.TargetSource = ptr(target), ptr(t.Tolerance), t.ToleranceType, t.source
	if t.IsRelative() {
		r.Baseline = &TargetBaseline{Period: t.Baseline, Value: t.baseline, ChangePercent: *t.ChangePercent}
	}
	if def.Polarity == stats.CloserIsBetter {
		r.GreenBand = ptr(t.GreenBand)
	}
	if r.Status != "" {
		return r
	}
	v := o.value
	var green, withinTolerance bool
	switch def.Polarity {
	case stats.HigherIsBetter:
		green, withinTolerance = atLeast(v, target), atLeast(v, target-tol)
	case stats.LowerIsBetter:
		green, withinTolerance = atMost(v, target), atMost(v, target+tol)
	case stats.CloserIsBetter:
		d := math.Abs(v - target)
		green, withinTolerance = atMost(d, t.GreenBand), atMost(d, t.GreenBand+tol)
	default:
		r.Status, r.Reason = NoTarget, "indicators without a good direction are not judged against targets"
		return r
	}
	switch {
	case green:
		r.Status = Green
	case withinTolerance && def.RAGRule == indicators.RuleToleranceAndDirection:
		if yearAgo != nil && yearAgo.Judgement == Improving {
			r.Status, r.Reason = Amber, "within tolerance and improved on "+yearAgo.Period
		} else {
			r.Status, r.Reason = Red, "within tolerance but not improved on a year earlier"
		}
	case withinTolerance:
		r.Status = Amber
	default:
		r.Status = Red
	}
	return r
}

// The RAG boundaries are inclusive, but target ∓ tolerance, a percent tolerance and the distance
// from a target are computed in binary floating point: 0.7 + 0.1 is 0.7999999999999999 and
// |1.1 − 1| is 0.10000000000000009. A value that equals a boundary as written (0.8 against
// target 0.7 with tolerance 0.1) must fall on it, so values within a relative 1e-9 of a
// boundary count as on it. Published figures carry at most 6 decimals, far coarser than this.
const boundaryEpsilon = 1e-9

// sameValue reports whether a and b are equal up to floating-point error in their computation.
func sameValue(a, b float64) bool {
	return math.Abs(a-b) <= boundaryEpsilon*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// atLeast reports a >= b, inclusive of a boundary b computed with rounding error.
func atLeast(a, b float64) bool { return a >= b || sameValue(a, b) }

// atMost reports a <= b, inclusive of a boundary b computed with rounding error.
func atMost(a, b float64) bool { return a <= b || sameValue(a, b) }

// Travel is a direction-of-travel judgement ([Change.Judgement]): one of [Travels].
type Travel string

// The direction-of-travel judgements.
const (
	// Improving: the value moved in the good direction (closer to the target, for a
	// closer-is-better indicator with one).
	Improving Travel = "improving"
	// Worsening: the value moved in the bad direction (further from the target, for a
	// closer-is-better indicator with one).
	Worsening Travel = "worsening"
	// NoChange: the value is the same (or as far from the target).
	NoChange Travel = "no_change"
	// Increasing: the value rose, where neither direction is better.
	Increasing Travel = "increasing"
	// Decreasing: the value fell, where neither direction is better.
	Decreasing Travel = "decreasing"
	// TravelNoData: the value or the earlier period's value is missing.
	TravelNoData Travel = "no_data"
)

// Travels lists every [Travel], in the order the API documents them.
func Travels() []Travel {
	return []Travel{Improving, Worsening, NoChange, Increasing, Decreasing, TravelNoData}
}

// Valid reports whether t is one of [Travels].
func (t Travel) Valid() bool { return slices.Contains(Travels(), t) }

// change compares an observation with the same area's value in an earlier period. For closer-is-
// better indicators with a target, improving means closer to the target.
func change(def *indicators.Definition, o *observation, s *series, earlier period.Period, t *resolvedTarget) *Change {
	if earlier.IsZero() {
		return nil
	}
	c := &Change{Period: earlier.String(), Judgement: TravelNoData}
	prev, ok := s.obs[earlier][o.area.Code]
	if !ok {
		return c
	}
	c.Value = ptr(prev.value)
	if math.IsNaN(o.value) || math.IsNaN(prev.value) {
		return c
	}
	d := o.value - prev.value
	c.Change = ptr(d)
	if prev.value != 0 {
		c.ChangePercent = ptr(d / math.Abs(prev.value) * 100)
	}
	c.Judgement = directionOf(def.Polarity, o.value, prev.value, t)
	return c
}

func directionOf(pol stats.Polarity, now, before float64, t *resolvedTarget) Travel {
	d := now - before
	if d == 0 {
		return NoChange
	}
	switch {
	case pol == stats.HigherIsBetter && d > 0, pol == stats.LowerIsBetter && d < 0:
		return Improving
	case pol == stats.HigherIsBetter, pol == stats.LowerIsBetter:
		return Worsening
	case pol == stats.CloserIsBetter && t != nil && t.unresolved == "":
		// Equal distances either side of the target (0.9 and 1.1 around 1) are no change, even
		// though their computed distances differ in the last bit.
		dn, db := math.Abs(now-t.value), math.Abs(before-t.value)
		switch {
		case sameValue(dn, db):
			return NoChange
		case dn < db:
			return Improving
		}
		return Worsening
	case d > 0:
		return Increasing
	}
	return Decreasing
}
