package stats

import (
	"fmt"
	"math"
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

// Valid reports whether p can be used in the recent-trend test (METHODS.md
// "Recent trend"): value, both 95% limits, count and denominator present;
// limits not −1; denominator > 0; count != denominator; and Upper95 > Lower95
// (a zero-width interval would give an infinite weight).
func (p TrendPoint) Valid() bool {
	for _, v := range []float64{p.Count, p.Denominator, p.Value, p.Lower95, p.Upper95} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return p.Lower95 != -1 && p.Upper95 != -1 &&
		p.Denominator > 0 && p.Count != p.Denominator &&
		p.Upper95 > p.Lower95
}

// Trend directions reported in [Trend.Direction]; [TrendNoChange] and
// [TrendCannotBeCalculated] are also labels.
const (
	TrendIncreasing         = "increasing"
	TrendDecreasing         = "decreasing"
	TrendNoChange           = "no_significant_change"
	TrendCannotBeCalculated = "cannot_be_calculated"
)

// Trend is the result of [RecentTrend].
type Trend struct {
	// Label is the polarity-aware marker (PRODUCT.md):
	// "increasing_getting_better", "increasing_getting_worse",
	// "decreasing_getting_better", "decreasing_getting_worse" (higher/lower
	// is better), "increasing", "decreasing" (no judgement, closer is
	// better), "no_significant_change" or "cannot_be_calculated".
	Label string
	// Direction is "increasing", "decreasing", "no_significant_change" or
	// "cannot_be_calculated".
	Direction string
	// Slope is the weighted slope per period over the five points and
	// ChiSquare its χ² statistic; both 0 when not calculated.
	Slope, ChiSquare float64
	// Points is the number of points used (5), or the number of valid points
	// found when the trend cannot be calculated.
	Points int
	// Periods holds the labels of the points used, oldest first; nil when not
	// calculated.
	Periods []string
	// Reason says why the trend cannot be calculated, e.g. "fewer than 5
	// valid points (3 found)"; empty otherwise.
	Reason string
}

// RecentTrend runs Fingertips' recent-trend test (METHODS.md "Recent trend",
// as the open-sourced Fingertips TrendMarkerCalculator does) on points given
// oldest to newest. It takes the five most recent valid points (invalid ones
// are skipped, so gaps are allowed), indexes them t = 1..5, and finds the
// inverse-variance weighted slope with σ = (U95 − L95)/3.92. The trend is
// significant when χ² > [TrendChiSquareThreshold] and the slopes with all
// five points and with each point left out (keeping the others' t) all have
// the same sign, 0 counting as positive. The caller must ensure the periods
// are annual and do not overlap.
func RecentTrend(points []TrendPoint, pol Polarity) Trend {
	used := make([]TrendPoint, 0, TrendPoints)
	found := 0
	for i := len(points) - 1; i >= 0; i-- {
		if !points[i].Valid() {
			continue
		}
		found++
		if len(used) < TrendPoints {
			used = append(used, points[i])
		}
	}
	if found < TrendPoints {
		return Trend{
			Label:     TrendCannotBeCalculated,
			Direction: TrendCannotBeCalculated,
			Points:    found,
			Reason:    fmt.Sprintf("fewer than %d valid points (%d found)", TrendPoints, found),
		}
	}
	// used is newest first; put it oldest first.
	for i, j := 0, len(used)-1; i < j; i, j = i+1, j-1 {
		used[i], used[j] = used[j], used[i]
	}
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
	t := Trend{Slope: slope, ChiSquare: chi2, Points: len(used), Direction: TrendNoChange, Label: TrendNoChange}
	for _, p := range used {
		t.Periods = append(t.Periods, p.Label)
	}
	if sameSign && chi2 > TrendChiSquareThreshold {
		t.Direction = TrendDecreasing
		if slope > 0 {
			t.Direction = TrendIncreasing
		}
		t.Label = trendLabel(t.Direction, pol)
	}
	return t
}

func trendLabel(direction string, pol Polarity) string {
	higherIsBetter, ok := pol.directional()
	if !ok {
		return direction
	}
	if (direction == TrendIncreasing) == higherIsBetter {
		return direction + "_getting_better"
	}
	return direction + "_getting_worse"
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
