package stats

import (
	"fmt"
	"math"
	"slices"
)

// TrendPoints is the number of most recent valid points the recent-trend test
// uses.
const TrendPoints = 5

// TrendChiSquareThreshold is the χ² a recent trend must exceed to be
// significant: Fingertips' constant 9.54953570608324, the 99.8% point of χ²
// with 1 degree of freedom.
const TrendChiSquareThreshold = 9.54953570608324

// TrendPoint is one period of an indicator for the recent-trend test. Missing
// numbers are NaN; a limit of −1 (as Fingertips exports write) is also
// missing.
type TrendPoint struct {
	// Label names the period, e.g. "2018/19"; it is reported back, not used.
	Label string
	// Count is the numerator and Denominator the denominator.
	Count, Denominator float64
	// Value is the indicator value, Lower95 and Upper95 its 95% limits.
	Value, Lower95, Upper95 float64
}

// Valid reports whether p can be used in the weighted recent-trend test
// (METHODS.md "Recent trend"): it is counted (see [TrendPoint.Counted]), has
// both 95% limits, neither −1, and Upper95 > Lower95 (a zero-width interval
// would give an infinite weight). A point whose count equals its denominator
// is Valid, but it makes the whole trend not calculable ([RecentTrend]).
func (p TrendPoint) Valid() bool {
	return p.Counted() && p.hasLimits()
}

// Counted reports whether p has what Fingertips' trend request calls valid
// data: a value, a count and a denominator > 0 (FingertipsNext
// trend-analysis TrendRequest.IsDataValid: "Only Count and denominator are
// required for the calculation. Check Value too because a missing value
// suggests it has been suppressed").
func (p TrendPoint) Counted() bool {
	for _, v := range []float64{p.Count, p.Denominator, p.Value} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return p.Denominator > 0
}

func (p TrendPoint) hasLimits() bool {
	for _, v := range []float64{p.Lower95, p.Upper95} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return p.Lower95 != -1 && p.Upper95 != -1 && p.Upper95 > p.Lower95
}

// TrendOptions adjusts [RecentTrendWith].
type TrendOptions struct {
	// Proportion says the indicator is a proportion (count of denominator).
	// When the five most recent counted points do not all have 95% limits,
	// the trend is then found from the counts alone by the chi-square test
	// for trend (Fingertips' "SPC for proportions" trend) instead of being
	// not calculable.
	Proportion bool
}

// Recent-trend methods reported in [Trend.Method].
const (
	// TrendMethodWeighted is the inverse-variance weighted regression on the
	// values with σ from the 95% limits.
	TrendMethodWeighted = "weighted_regression"
	// TrendMethodCounts is the chi-square test for trend on counts and
	// denominators, for proportions without limits.
	TrendMethodCounts = "chi_square_for_trend"
)

// Reasons a recent trend cannot be calculated ([Trend.Reason]), besides
// "fewer than 5 valid points (n found)".
const (
	// ReasonCountEqualsDenominator: a point of the series has count equal to
	// denominator (a 100% point); Fingertips refuses the whole trend
	// (TrendRequest.IsPossibleDivideByZeroErrors).
	ReasonCountEqualsDenominator = "a period has count equal to denominator (every person counted, 100%): Fingertips does not calculate the trend"
)

// TrendLabel is a recent-trend marker ([Trend.Label]) or direction ([Trend.Direction]): one of
// [TrendLabels].
type TrendLabel string

// The recent-trend labels. [TrendIncreasing], [TrendDecreasing], [TrendNoChange] and
// [TrendCannotBeCalculated] are also the directions reported in [Trend.Direction].
const (
	// TrendIncreasingGettingBetter: a significant rise, where higher is better.
	TrendIncreasingGettingBetter TrendLabel = "increasing_getting_better"
	// TrendIncreasingGettingWorse: a significant rise, where lower is better.
	TrendIncreasingGettingWorse TrendLabel = "increasing_getting_worse"
	// TrendDecreasingGettingBetter: a significant fall, where lower is better.
	TrendDecreasingGettingBetter TrendLabel = "decreasing_getting_better"
	// TrendDecreasingGettingWorse: a significant fall, where higher is better.
	TrendDecreasingGettingWorse TrendLabel = "decreasing_getting_worse"
	// TrendIncreasing: a significant rise, where neither direction is better (and the
	// direction of any significant rise).
	TrendIncreasing TrendLabel = "increasing"
	// TrendDecreasing: a significant fall, where neither direction is better (and the
	// direction of any significant fall).
	TrendDecreasing TrendLabel = "decreasing"
	// TrendNoChange: the test found no significant change.
	TrendNoChange TrendLabel = "no_significant_change"
	// TrendCannotBeCalculated: the test could not be run ([Trend.Reason] says why).
	TrendCannotBeCalculated TrendLabel = "cannot_be_calculated"
)

// TrendLabels lists every [TrendLabel], in the order the API documents them.
func TrendLabels() []TrendLabel {
	return []TrendLabel{TrendIncreasingGettingBetter, TrendIncreasingGettingWorse, TrendDecreasingGettingBetter,
		TrendDecreasingGettingWorse, TrendIncreasing, TrendDecreasing, TrendNoChange, TrendCannotBeCalculated}
}

// Valid reports whether l is one of [TrendLabels].
func (l TrendLabel) Valid() bool { return slices.Contains(TrendLabels(), l) }

// Trend is the result of [RecentTrend].
type Trend struct {
	// Label is the polarity-aware marker (PRODUCT.md):
	// [TrendIncreasingGettingBetter], [TrendIncreasingGettingWorse],
	// [TrendDecreasingGettingBetter], [TrendDecreasingGettingWorse]
	// (higher/lower is better), [TrendIncreasing], [TrendDecreasing] (no
	// judgement, closer is better), [TrendNoChange] or
	// [TrendCannotBeCalculated].
	Label TrendLabel
	// Direction is [TrendIncreasing], [TrendDecreasing], [TrendNoChange] or
	// [TrendCannotBeCalculated].
	Direction TrendLabel
	// Slope is the weighted slope per period over the five points and
	// ChiSquare its χ² statistic; both 0 when not calculated.
	Slope, ChiSquare float64
	// Points is the number of points used (5), or the number of valid points
	// found when the trend cannot be calculated.
	Points int
	// Periods holds the labels of the points used, oldest first; nil when not
	// calculated.
	Periods []string
	// Method is [TrendMethodWeighted] or [TrendMethodCounts]; empty when not
	// calculated. For the counts method, Slope is the least-squares slope of
	// the log-odds ln(count/(denominator − count)) per period.
	Method string
	// Reason says why the trend cannot be calculated, e.g. "fewer than 5
	// valid points (3 found)"; empty otherwise.
	Reason string
}

// RecentTrend is [RecentTrendWith] with no options: the weighted test only.
func RecentTrend(points []TrendPoint, pol Polarity) Trend {
	return RecentTrendWith(points, pol, TrendOptions{})
}

// RecentTrendWith runs Fingertips' recent-trend test (METHODS.md "Recent
// trend", as the open-sourced Fingertips TrendRequest and
// TrendMarkerCalculator do) on points given oldest to newest.
//
// The counted points (value, count, denominator > 0; [TrendPoint.Counted])
// are the series. Fewer than 5 of them: cannot be calculated. Any of them
// with count equal to denominator: the whole trend cannot be calculated
// ([ReasonCountEqualsDenominator]; Fingertips' divide-by-zero guard), not just
// that point.
//
// Otherwise, when the five most recent counted points all have 95% limits, or
// the indicator is not a proportion, the five most recent points with limits
// ([TrendPoint.Valid]; gaps are allowed) are indexed t = 1..5 and the
// inverse-variance weighted slope is found with σ = (U95 − L95)/3.92; fewer
// than 5 such points: cannot be calculated. For a proportion whose recent
// points lack limits ([TrendOptions.Proportion]), the five most recent
// counted points are tested by the chi-square test for trend on the counts,
// χ² = N(N·Σc·t − Σc·ΣN·t)² / (Σc(N − Σc)(N·ΣN·t² − (ΣN·t)²)) with N the
// summed denominators, and the slopes are least-squares slopes of the
// log-odds (fingertips-open TrendMarkerCalculator.IsSignificantForProportions
// and NoOutliersCheckForProportion).
//
// Either way the trend is significant when χ² > [TrendChiSquareThreshold]
// and the slopes with all five points and with each point left out (keeping
// the others' t) all have the same sign, 0 counting as positive. The caller
// must ensure the periods are annual and do not overlap.
func RecentTrendWith(points []TrendPoint, pol Polarity, opt TrendOptions) Trend {
	var counted []TrendPoint // newest first
	for i := len(points) - 1; i >= 0; i-- {
		if points[i].Counted() {
			counted = append(counted, points[i])
		}
	}
	if len(counted) < TrendPoints {
		return cannotTrend(len(counted), fmt.Sprintf("fewer than %d valid points (%d found)", TrendPoints, len(counted)))
	}
	for _, p := range counted {
		if p.Count == p.Denominator {
			return cannotTrend(len(counted), ReasonCountEqualsDenominator)
		}
	}
	recentHaveLimits := true
	for _, p := range counted[:TrendPoints] {
		recentHaveLimits = recentHaveLimits && p.hasLimits()
	}
	if opt.Proportion && !recentHaveLimits {
		return countsTrend(reversed(counted[:TrendPoints]), pol)
	}
	used := make([]TrendPoint, 0, TrendPoints)
	for _, p := range counted {
		if p.hasLimits() && len(used) < TrendPoints {
			used = append(used, p)
		}
	}
	if len(used) < TrendPoints {
		found := 0
		for _, p := range counted {
			if p.hasLimits() {
				found++
			}
		}
		return cannotTrend(found, fmt.Sprintf("fewer than %d valid points (%d found)", TrendPoints, found))
	}
	used = reversed(used)
	sums := trendSums(used)
	slope, chi2 := sums.slopeChi2(-1)
	positive := slope >= 0
	sameSign := true
	for leave := range used {
		s, _ := sums.slopeChi2(leave)
		if (s >= 0) != positive {
			sameSign = false
		}
	}
	return significance(used, pol, TrendMethodWeighted, slope, chi2, slope > 0, sameSign)
}

// countsTrend is the chi-square test for trend on the counts of five points, oldest first.
func countsTrend(used []TrendPoint, pol Polarity) Trend {
	var n, c, ct, nt, nt2 float64
	logits := make([]float64, len(used))
	for i, p := range used {
		t := float64(i + 1)
		n += p.Denominator
		c += p.Count
		ct += p.Count * t
		nt += p.Denominator * t
		nt2 += p.Denominator * t * t
		// A count of 0 gives −Inf and the slopes NaN, which count as positive, as in Fingertips.
		logits[i] = math.Log(p.Count / (p.Denominator - p.Count))
	}
	d := n*ct - c*nt
	chi2 := n * d * d / (c * (n - c) * (n*nt2 - nt*nt))
	slope := logitSlope(logits, -1)
	positive := !(slope < 0)
	sameSign := true
	for leave := range used {
		if s := logitSlope(logits, leave); !(s < 0) != positive {
			sameSign = false
		}
	}
	// The direction is the sign of the test's own statistic, defined even when a count is 0.
	t := significance(used, pol, TrendMethodCounts, slope, chi2, d > 0, sameSign)
	if math.IsNaN(chi2) || math.IsInf(chi2, 0) {
		// Every count 0, or none: the statistic is undefined.
		t.Direction, t.Label = TrendNoChange, TrendNoChange
	}
	return t
}

// logitSlope is the least-squares slope of ys on t = 1..len(ys), leaving out index leave (none
// when leave < 0) and keeping the others' t.
func logitSlope(ys []float64, leave int) float64 {
	var k, st, st2, sy, sty float64
	for i, y := range ys {
		if i == leave {
			continue
		}
		t := float64(i + 1)
		k++
		st += t
		st2 += t * t
		sy += y
		sty += t * y
	}
	return (k*sty - sy*st) / (k*st2 - st*st)
}

// significance makes the Trend of a calculated test.
func significance(used []TrendPoint, pol Polarity, method string, slope, chi2 float64, increasing, sameSign bool) Trend {
	t := Trend{Slope: slope, ChiSquare: chi2, Points: len(used), Direction: TrendNoChange, Label: TrendNoChange, Method: method}
	for _, p := range used {
		t.Periods = append(t.Periods, p.Label)
	}
	if sameSign && chi2 > TrendChiSquareThreshold {
		t.Direction = TrendDecreasing
		if increasing {
			t.Direction = TrendIncreasing
		}
		t.Label = trendLabel(t.Direction, pol)
	}
	return t
}

func cannotTrend(found int, reason string) Trend {
	return Trend{Label: TrendCannotBeCalculated, Direction: TrendCannotBeCalculated, Points: found, Reason: reason}
}

// reversed returns a reversed copy of ps.
func reversed(ps []TrendPoint) []TrendPoint {
	out := make([]TrendPoint, len(ps))
	for i, p := range ps {
		out[len(ps)-1-i] = p
	}
	return out
}

func trendLabel(direction TrendLabel, pol Polarity) TrendLabel {
	higherIsBetter, ok := pol.directional()
	switch {
	case !ok:
		return direction
	case direction == TrendIncreasing && higherIsBetter:
		return TrendIncreasingGettingBetter
	case direction == TrendIncreasing:
		return TrendIncreasingGettingWorse
	case !higherIsBetter:
		return TrendDecreasingGettingBetter
	}
	return TrendDecreasingGettingWorse
}

// TrendChiSquare returns the inverse-variance weighted slope and its χ²
// statistic over all the given points, indexed t = 1..len(points) in the
// order given (oldest first), with σₜ = (U95ₜ − L95ₜ)/3.92 and wₜ = 1/σₜ²:
// slope = (S1·S2 − S3·S4)/(S1·S5 − S3²), χ² = slope²·(S1·S5 − S3²)/S1. It does
// not check or skip invalid points; invalid inputs give NaN or ±Inf.
func TrendChiSquare(points []TrendPoint) (slope, chi2 float64) {
	return trendSums(points).slopeChi2(-1)
}

// trendTerms are one point's terms of the sums S1..S5, kept per point so that
// each point can be left out.
type trendTerms struct{ s1, s2, s3, s4, s5 float64 }

type trendTermList []trendTerms

func trendSums(points []TrendPoint) trendTermList {
	terms := make(trendTermList, len(points))
	for i, p := range points {
		t := float64(i + 1)
		sigma := (p.Upper95 - p.Lower95) / 3.92
		v := sigma * sigma
		// Same operation order as Fingertips: each term divided by σ².
		terms[i] = trendTerms{
			s1: 1 / v,
			s2: p.Value * t / v,
			s3: t / v,
			s4: p.Value / v,
			s5: t * t / v,
		}
	}
	return terms
}

// slopeChi2 sums the terms, leaving out index leave (none when leave < 0),
// and returns the slope and χ².
func (l trendTermList) slopeChi2(leave int) (slope, chi2 float64) {
	var s trendTerms
	for i, t := range l {
		if i == leave {
			continue
		}
		s.s1 += t.s1
		s.s2 += t.s2
		s.s3 += t.s3
		s.s4 += t.s4
		s.s5 += t.s5
	}
	d := s.s1*s.s5 - s.s3*s.s3
	slope = (s.s1*s.s2 - s.s3*s.s4) / d
	chi2 = slope * slope * d / s.s1
	return slope, chi2
}
