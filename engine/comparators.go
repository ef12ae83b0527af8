package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
)

// Comparator sources.
const (
	SourcePublished     = "published"      // a National/Regional row, or a return's own comparator row
	SourceAggregated    = "aggregated"     // Σnumerator / Σdenominator × multiplier over the LAs
	SourceMeanOfAreas   = "mean_of_areas"  // plain mean of the LAs' values: last resort, flagged
	SourceNeighbourMean = "neighbour_mean" // mean of the statistical neighbours' values
	SourceNone          = "none"
)

// englandComparator takes the published England row when there is one, else, when the
// definition's comparator values allow it, aggregates every local authority with a value
// (METHODS.md "Comparator values"). format is the source dataset's format.
func (e *Engine) englandComparator(def *indicators.Definition, format string, byArea map[string]*observation) *Comparator {
	eng := e.Areas.England()
	c := &Comparator{Code: eng.Code, Name: eng.Name}
	if o, ok := byArea[eng.Code]; ok && !math.IsNaN(o.value) {
		c.Value, c.Source = ptr(o.value), SourcePublished
		return c
	}
	if def.Comparison.ComparatorValues(format) == indicators.ValuesPublished {
		return unpublished(c)
	}
	return e.aggregate(def, c, byArea, func(a *areas.Area) bool { return true })
}

// regionComparator takes the published regional row when there is one, else, when the
// definition's comparator values allow it, aggregates the region's local authorities. London
// boroughs compare with London (E12000007) even where a file only publishes Inner and Outer
// London rows.
func (e *Engine) regionComparator(def *indicators.Definition, format string, reg *areas.Area, byArea map[string]*observation) *Comparator {
	c := &Comparator{Code: reg.Code, Name: reg.Name}
	if o, ok := byArea[reg.Code]; ok && !math.IsNaN(o.value) {
		c.Value, c.Source = ptr(o.value), SourcePublished
		return c
	}
	if def.Comparison.ComparatorValues(format) == indicators.ValuesPublished {
		return unpublished(c)
	}
	return e.aggregate(def, c, byArea, func(a *areas.Area) bool { return a.RegionCode == reg.Code })
}

// ReasonNotPublished is a comparator's reason when the source publishes no figure for the group
// and the definition's comparison.values is published: Fingertips shows "Not compared" for a
// breakdown whose regional value it does not publish (its 0-9 years rows, for example).
const ReasonNotPublished = "the source publishes no figure for this group and period, and comparison.values is published (the engine does not build one from the local authorities)"

// unpublished marks c as having no figure because the source published none.
func unpublished(c *Comparator) *Comparator {
	c.Source, c.Reason = SourceNone, ReasonNotPublished
	return c
}

// aggregate computes a comparator from local-authority rows: the ratio of summed counts when
// every contributing LA has counts, else the mean of the values, flagged as such. An aggregate
// needs values from at least half of the group's current LAs: a local return with one council's
// figures must not pass that council off as "England".
func (e *Engine) aggregate(def *indicators.Definition, c *Comparator, byArea map[string]*observation, member func(*areas.Area) bool) *Comparator {
	var nums, dens, vals []float64
	// Sum in area-code order: floating-point sums depend on order, and the same data must
	// always give the same figure to the last bit.
	members := make([]*observation, 0, len(byArea))
	for _, o := range byArea {
		if o.area.Level == areas.LocalAuthority && member(o.area) {
			members = append(members, o)
		}
	}
	slices.SortFunc(members, func(a, b *observation) int { return strings.Compare(a.area.Code, b.area.Code) })
	for _, o := range members {
		if !math.IsNaN(o.value) {
			vals = append(vals, o.value)
			if !math.IsNaN(o.num) && !math.IsNaN(o.den) {
				nums = append(nums, o.num)
				dens = append(dens, o.den)
			}
		}
	}
	nVals, nCounts := len(vals), len(nums)
	groupSize := 0
	for _, a := range e.Areas.LocalAuthorities() {
		if member(a) {
			groupSize++
		}
	}
	m := def.Source.Multiplier
	switch {
	case nVals == 0 || float64(nVals) < e.minCoverage()*float64(groupSize):
		c.Source = SourceNone
		c.Reason = fmt.Sprintf("no published figure, and only %d of %d local authorities have a value (at least %.0f%% are needed to aggregate)",
			nVals, groupSize, 100*e.minCoverage())
	case def.Source.Numerator != "" && m > 0 && nCounts == nVals && sum(dens) > 0:
		c.Source, c.N = SourceAggregated, nCounts
		setValue(c, ratio(nums, dens)*m)
	default:
		c.Source, c.N = SourceMeanOfAreas, nVals
		setValue(c, mean(vals))
	}
	return c
}

// setValue gives c the computed value v, or, when v is not a finite number (a source value
// near the float64 limit), no value with the reason.
func setValue(c *Comparator, v float64) {
	if c.Value = ptr(v); c.Value == nil {
		c.Reason = fmt.Sprintf("the %s is too large to represent: a source value is extreme (near ±1.8e308)", sourceWords(c.Source))
	}
}

func sourceWords(source string) string {
	switch source {
	case SourceAggregated:
		return "aggregate"
	case SourceNeighbourMean:
		return "neighbours' mean"
	}
	return "mean"
}

// sum is the sum of xs in order; when that overflows (values near ±math.MaxFloat64) it is
// computed on values scaled down by a power of two and scaled back, which is ±Inf only when the
// true sum is beyond the float64 range.
func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	if !math.IsInf(s, 0) && !math.IsNaN(s) {
		return s
	}
	k := scaleExp(xs)
	s = 0
	for _, x := range xs {
		s += math.Ldexp(x, -k)
	}
	return math.Ldexp(s, k)
}

// mean is the mean of xs (NaN when empty). Data whose plain sum is finite gives exactly the plain
// sum divided by the count; otherwise the sum is taken on scaled values and divided before it
// is scaled back, so the mean of values near ±math.MaxFloat64 is finite.
func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	n := float64(len(xs))
	if !math.IsInf(s, 0) && !math.IsNaN(s) {
		return s / n
	}
	k := scaleExp(xs)
	s = 0
	for _, x := range xs {
		s += math.Ldexp(x, -k)
	}
	return math.Ldexp(s/n, k)
}

// ratio is Σnums / Σdens, computed on scaled sums when either plain sum overflows; NaN when the
// denominators sum to zero.
func ratio(nums, dens []float64) float64 {
	sn, sd := sum(nums), sum(dens)
	if sd == 0 {
		return math.NaN()
	}
	if !math.IsInf(sn, 0) && !math.IsInf(sd, 0) {
		return sn / sd
	}
	kn, kd := scaleExp(nums), scaleExp(dens)
	var an, ad float64
	for _, x := range nums {
		an += math.Ldexp(x, -kn)
	}
	for _, x := range dens {
		ad += math.Ldexp(x, -kd)
	}
	return math.Ldexp(an/ad, kn-kd)
}

// scaleExp is the binary exponent of the largest finite |x| plus enough headroom that the
// scaled values (x × 2^-k, exact for normal numbers) sum without overflow.
func scaleExp(xs []float64) int {
	var big float64
	for _, x := range xs {
		if a := math.Abs(x); a > big && !math.IsInf(a, 0) {
			big = a
		}
	}
	_, e := math.Frexp(big)
	return e
}

// DefaultMinAggregateCoverage is the share of a group's current local authorities that must have
// a value before the engine computes the group's figure itself.
const DefaultMinAggregateCoverage = 0.5

func (e *Engine) minCoverage() float64 {
	if e.MinAggregateCoverage < 0 {
		return 0
	}
	if e.MinAggregateCoverage == 0 {
		return DefaultMinAggregateCoverage
	}
	return e.MinAggregateCoverage
}

// neighbourComparator is the statistical-neighbour average: a return's published figure when it
// gives one, else the mean of the neighbours' values for the period (never the area itself),
// with the number used. The engine's vintage is used; an area absent from it (a predecessor
// council) uses the newest vintage that lists it, and the result says which.
func (e *Engine) neighbourComparator(a *areas.Area, byArea, published map[string]*observation) *Comparator {
	c := &Comparator{Name: "Statistical neighbours"}
	if o, ok := published[a.Code]; ok && !math.IsNaN(o.value) {
		c.Value, c.Source = ptr(o.value), SourcePublished
		return c
	}
	vintages := []string{e.vintage()}
	all := e.Areas.Vintages()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i] != e.vintage() {
			vintages = append(vintages, all[i])
		}
	}
	for _, v := range vintages {
		ns, err := e.Areas.Neighbours(a, v)
		if err != nil || len(ns) == 0 {
			continue
		}
		c.Vintage, c.Of = v, len(ns)
		var vals []float64
		for _, n := range ns {
			if n.Area.Code == a.Code {
				continue
			}
			if o, ok := byArea[n.Area.Code]; ok && !math.IsNaN(o.value) {
				vals = append(vals, o.value)
			}
		}
		if c.N = len(vals); c.N > 0 {
			c.Source = SourceNeighbourMean
			setValue(c, mean(vals))
		} else {
			c.Source, c.Reason = SourceNone, "no neighbour has a value for this period"
		}
		return c
	}
	c.Source, c.Reason = SourceNone, "the area has no statistical neighbours in any vintage"
	return c
}

// judge compares the evaluation's value with a comparator by Fingertips' rule: a value without
// valid 95% limits (or, two-level, 99.8% limits) is not compared, with the reason. Only a
// definition with ci_method none (LAIT-style measures) is compared by the plain difference
// (Method "difference", not a significance test). The method is kept.
func (e *Engine) judge(def *indicators.Definition, ev *Evaluation, c *Comparator) *Comparator {
	if c == nil {
		return nil
	}
	out := *c
	value := math.NaN()
	if ev.Value != nil {
		value = *ev.Value
	}
	var ci95, ci998 *stats.Interval
	if ev.CI != nil && ev.CI.Lower95 != nil && ev.CI.Upper95 != nil {
		ci95 = &stats.Interval{Lower: *ev.CI.Lower95, Upper: *ev.CI.Upper95}
		if ev.CI.Lower998 != nil && ev.CI.Upper998 != nil {
			ci998 = &stats.Interval{Lower: *ev.CI.Lower998, Upper: *ev.CI.Upper998}
		}
	}
	cmp := stats.CompareWithBenchmark(value, ci95, ci998, c.Value, def.Polarity,
		stats.CompareOptions{TwoLevel: def.Comparison.TwoLevel, FallbackToDifference: def.CIMethod == indicators.CINone})
	out.Judgement, out.Method = cmp.Label, cmp.Method
	if c.Value != nil {
		out.DisplayValue = stats.FormatFixed(*c.Value, def.Decimals)
	}
	if cmp.Reason != "" && out.Reason == "" {
		out.Reason = cmp.Reason
	}
	return &out
}

// ranking holds the LAIT ranks and the quartile (or Fingertips quintile) bounds of one period's
// local authorities.
type ranking struct {
	ranks     map[string]int
	n         int
	banding   string
	quartiles [5]float64
	quintiles [6]float64
	pol       stats.Polarity
}

// rankLAs ranks every local authority with a value (predecessor councils included, England
// and regions never) by LAIT's method, and computes the bounds of the definition's banding.
func rankLAs(byArea map[string]*observation, def *indicators.Definition) ranking {
	var codes []string
	var values []float64
	for code, o := range byArea {
		if o.area.Level == areas.LocalAuthority && !math.IsNaN(o.value) {
			codes = append(codes, code)
			values = append(values, o.value)
		}
	}
	r := ranking{ranks: map[string]int{}, pol: def.Polarity, banding: def.Banding}
	if len(values) == 0 {
		return r
	}
	ranks, n := stats.CompetitionRank(values, def.Polarity)
	r.n = n
	for i, code := range codes {
		if ranks[i] > 0 {
			r.ranks[code] = ranks[i]
		}
	}
	switch def.Banding {
	case indicators.BandingQuintiles:
		r.quintiles = stats.QuintileBounds(values)
	case indicators.BandingQuartiles:
		r.quartiles = stats.QuartileBounds(values)
	}
	return r
}

// quartile is LAIT's band A (best) to D, or "" when the definition bands otherwise or the
// measure has no polarity (LAIT's No_Quartile measures set banding: none).
func (r ranking) quartile(v float64) string {
	if r.n == 0 || math.IsNaN(v) || r.banding != indicators.BandingQuartiles {
		return ""
	}
	return stats.QuartileBand(v, r.quartiles, r.pol)
}

// quintile is Fingertips' quintile (1 = best for a polarity, else 1 = lowest), nil when not
// banded by quintiles or fewer than 5 areas have a value.
func (r ranking) quintile(v float64) *Quintile {
	if r.banding != indicators.BandingQuintiles || math.IsNaN(v) {
		return nil
	}
	q := stats.Quintile(v, r.quintiles, r.pol)
	if q == 0 {
		return nil
	}
	return &Quintile{Position: q, Label: stats.QuintileLabel(q, r.pol)}
}
