package stats

import (
	"math"
	"slices"
)

// CompetitionRank ranks values as LAIT does (METHODS.md "Ranks and quartile
// bands"): 1 = best by polarity (ascending values when lower is better,
// descending when higher is better), competition ranking ("1224": ties share
// the lowest rank and the next ranks are skipped; ties are exact equality, so
// round first if ranks should follow displayed values). ranks is aligned with
// values; a NaN value gets rank 0 and does not affect the others; n is the
// number ranked. For polarities without a direction (no judgement, closer is
// better, invalid) every rank is 0 and n is 0. values is not modified.
func CompetitionRank(values []float64, pol Polarity) (ranks []int, n int) {
	ranks = make([]int, len(values))
	higherIsBetter, ok := pol.directional()
	if !ok {
		return ranks, 0
	}
	idx := make([]int, 0, len(values))
	for i, v := range values {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	better := func(a, b float64) bool {
		if higherIsBetter {
			return a > b
		}
		return a < b
	}
	slices.SortStableFunc(idx, func(i, j int) int {
		switch {
		case better(values[i], values[j]):
			return -1
		case better(values[j], values[i]):
			return 1
		}
		return 0
	})
	for pos, i := range idx {
		if pos > 0 && values[i] == values[idx[pos-1]] {
			ranks[i] = ranks[idx[pos-1]]
		} else {
			ranks[i] = pos + 1
		}
	}
	return ranks, len(idx)
}

// Quantile7 returns the type-7 quantile (R's default, Excel's PERCENTILE.INC)
// at p in [0, 1] of sorted, which must be in ascending order; NaN entries are
// ignored. For the n non-NaN values x[0..n−1], h = (n−1)p and Q = x[⌊h⌋] +
// (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). It returns NaN when there are no values or p is
// outside [0, 1].
func Quantile7(sorted []float64, p float64) float64 {
	if slices.ContainsFunc(sorted, math.IsNaN) {
		sorted = dropNaN(sorted)
	}
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	frac := h - lo
	if frac == 0 {
		return sorted[i]
	}
	a, b := sorted[i], sorted[i+1]
	if d := b - a; !math.IsInf(d, 0) {
		return a + frac*d
	}
	// b−a overflows only for values of opposite signs near ±math.MaxFloat64, where the weighted
	// sum cannot overflow.
	return (1-frac)*a + frac*b
}

func dropNaN(values []float64) []float64 {
	out := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

func sortedValues(values []float64) []float64 {
	s := dropNaN(values)
	slices.Sort(s)
	return s
}

// QuartileBounds returns the LAIT quartile boundaries [Q0, Q25, Q50, Q75,
// Q100] ([Quantile7], unrounded) of the non-NaN values, which need not be
// sorted and are not modified. All five are NaN when there are no values.
func QuartileBounds(values []float64) [5]float64 {
	s := sortedValues(values)
	var b [5]float64
	for i := range b {
		b[i] = Quantile7(s, float64(i)/4)
	}
	return b
}

// QuartileBand returns LAIT's quartile band, "A" (best) to "D", of value
// among a population with quartile boundaries bounds (from [QuartileBounds]).
// Lower is better: A = [Q0, Q25], B = (Q25, Q50], C = (Q50, Q75], D = (Q75,
// Q100]; higher is better: the same intervals lettered D, C, B, A. A value on
// a boundary belongs to the lower interval. It returns "" when the polarity
// has no direction, value is NaN, or value lies outside [Q0, Q100] (it is not
// in the population; this includes bounds of an empty population).
func QuartileBand(value float64, bounds [5]float64, pol Polarity) string {
	higherIsBetter, ok := pol.directional()
	if !ok {
		return ""
	}
	q := interval(value, bounds[:])
	if q == 0 {
		return ""
	}
	if higherIsBetter {
		q = 5 - q
	}
	return string(rune('A' + q - 1))
}

// interval returns k in 1..len(bounds)−1 such that value lies in
// (bounds[k−1], bounds[k]], with the first interval closed on the left, or 0
// when value is NaN or outside [bounds[0], bounds[last]].
func interval(value float64, bounds []float64) int {
	last := len(bounds) - 1
	if !(value >= bounds[0] && value <= bounds[last]) {
		return 0
	}
	for k := 1; k < last; k++ {
		if value <= bounds[k] {
			return k
		}
	}
	return last
}

// QuintileBounds returns the bounds [P0, P20, P40, P60, P80, P100]
// ([Quantile7], unrounded) of the non-NaN values for Fingertips' quintiles
// option, which need not be sorted and are not modified. All six are NaN
// when there are fewer than 5 values (quintiles are then not compared).
func QuintileBounds(values []float64) [6]float64 {
	s := sortedValues(values)
	var b [6]float64
	for i := range b {
		if len(s) < 5 {
			b[i] = math.NaN()
			continue
		}
		b[i] = Quantile7(s, float64(i)/5)
	}
	return b
}

// Quintile returns the quintile category, 1 to 5, of value among a
// population with bounds from [QuintileBounds]; a value on a bound goes to
// the lower category. For higher/lower is better, 1 is the best fifth and 5
// the worst (higher is better: 1 holds the highest values); for polarities
// without a direction, 1 holds the lowest values and 5 the highest (see
// [QuintileLabel]). It returns 0 (not compared) when the bounds are NaN
// (fewer than 5 values), value is NaN or outside [P0, P100].
func Quintile(value float64, bounds [6]float64, pol Polarity) int {
	q := interval(value, bounds[:])
	if q == 0 {
		return 0
	}
	if higherIsBetter, ok := pol.directional(); ok && higherIsBetter {
		return 6 - q
	}
	return q
}

// QuintileLabel names a [Quintile] category: "best", "better", "middle",
// "worse", "worst" for higher/lower is better; "lowest", "low", "middle",
// "high", "highest" otherwise; "not_compared" ([NotCompared]) for 0 or an
// out-of-range q.
func QuintileLabel(q int, pol Polarity) string {
	if q < 1 || q > 5 {
		return string(NotCompared)
	}
	if _, ok := pol.directional(); ok {
		return [...]string{"best", "better", "middle", "worse", "worst"}[q-1]
	}
	return [...]string{"lowest", "low", "middle", "high", "highest"}[q-1]
}
