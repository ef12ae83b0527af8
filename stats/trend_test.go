package stats_test

import (
	"math"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/childrens-trust/scorecard/stats"
)

// METHODS.md "Recent trend", first reference series: a significant increase.
func increasingSeries() []stats.TrendPoint {
	return []stats.TrendPoint{
		{Label: "2014", Count: 994, Denominator: 40299, Value: 24.67, Lower95: 23.16, Upper95: 26.25},
		{Label: "2015", Count: 1023, Denominator: 41527, Value: 24.6, Lower95: 23.15, Upper95: 26.19},
		{Label: "2016", Count: 1199, Denominator: 42811, Value: 28, Lower95: 26.44, Upper95: 29.64},
		{Label: "2017", Count: 1332, Denominator: 44064, Value: 30.2, Lower95: 28.63, Upper95: 31.9},
		{Label: "2018", Count: 1367, Denominator: 44701, Value: 30.6, Lower95: 28.98, Upper95: 32.25},
	}
}

// METHODS.md "Recent trend", second reference series: no significant change.
func flatSeries() []stats.TrendPoint {
	return []stats.TrendPoint{
		{Label: "2014", Count: 209, Denominator: 1017, Value: 20.5506, Lower95: 18.1803, Upper95: 23.1427},
		{Label: "2015", Count: 213, Denominator: 1087, Value: 19.5952, Lower95: 17.3444, Upper95: 22.0602},
		{Label: "2016", Count: 213, Denominator: 1119, Value: 19.0349, Lower95: 16.8421, Upper95: 21.4394},
		{Label: "2017", Count: 239, Denominator: 1117, Value: 21.3966, Lower95: 19.0918, Upper95: 23.8975},
		{Label: "2018", Count: 210, Denominator: 1139, Value: 18.4372, Lower95: 16.2925, Upper95: 20.7941},
	}
}

func reversed(p []stats.TrendPoint) []stats.TrendPoint {
	out := make([]stats.TrendPoint, len(p))
	for i := range p {
		out[len(p)-1-i] = p[i]
	}
	return out
}

const refChi2 = 46.76531579206266

func TestTrendThresholdIsTheChiSquare998PointWithOneDegreeOfFreedom(t *testing.T) {
	q := distuv.ChiSquared{K: 1}.Quantile(0.998)
	assertRel(t, "threshold", stats.TrendChiSquareThreshold, q, 1e-13)
	if stats.TrendChiSquareThreshold != 9.54953570608324 {
		t.Errorf("threshold = %.17g, want Fingertips' 9.54953570608324", stats.TrendChiSquareThreshold)
	}
}

func TestTrendChiSquareReproducesTheReferenceSeries(t *testing.T) {
	slope, chi2 := stats.TrendChiSquare(increasingSeries())
	assertRel(t, "chi2", chi2, refChi2, relTol)
	assertAbs(t, "slope", slope, 1.751566, 5e-7)

	slope, chi2 = stats.TrendChiSquare(flatSeries())
	assertAbs(t, "chi2", chi2, 0.4642, 5e-5)
	assertAbs(t, "slope", slope, -0.26, 5e-3)
}

func TestRecentTrendLabelsByPolarity(t *testing.T) {
	tests := []struct {
		name          string
		points        []stats.TrendPoint
		pol           stats.Polarity
		wantLabel     stats.TrendLabel
		wantDirection stats.TrendLabel
		wantSlopeSign float64
	}{
		{"increase, higher is better", increasingSeries(), stats.HigherIsBetter, "increasing_getting_better", "increasing", 1},
		{"increase, lower is better", increasingSeries(), stats.LowerIsBetter, "increasing_getting_worse", "increasing", 1},
		{"increase, no judgement", increasingSeries(), stats.NoJudgement, "increasing", "increasing", 1},
		{"increase, closer is better", increasingSeries(), stats.CloserIsBetter, "increasing", "increasing", 1},
		{"decrease, higher is better", reversed(increasingSeries()), stats.HigherIsBetter, "decreasing_getting_worse", "decreasing", -1},
		{"decrease, lower is better", reversed(increasingSeries()), stats.LowerIsBetter, "decreasing_getting_better", "decreasing", -1},
		{"decrease, no judgement", reversed(increasingSeries()), stats.NoJudgement, "decreasing", "decreasing", -1},
		{"flat, higher is better", flatSeries(), stats.HigherIsBetter, "no_significant_change", "no_significant_change", -1},
		{"flat, no judgement", flatSeries(), stats.NoJudgement, "no_significant_change", "no_significant_change", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.RecentTrend(tt.points, tt.pol)
			if got.Label != tt.wantLabel || got.Direction != tt.wantDirection {
				t.Errorf("got label %q direction %q, want %q %q", got.Label, got.Direction, tt.wantLabel, tt.wantDirection)
			}
			if got.Points != 5 || got.Reason != "" {
				t.Errorf("got points %d reason %q, want 5 and no reason", got.Points, got.Reason)
			}
			if math.Signbit(got.Slope) != (tt.wantSlopeSign < 0) {
				t.Errorf("slope %v has the wrong sign", got.Slope)
			}
		})
	}
}

func TestRecentTrendReportsReferenceStatistics(t *testing.T) {
	got := stats.RecentTrend(increasingSeries(), stats.HigherIsBetter)
	assertRel(t, "chi2", got.ChiSquare, refChi2, relTol)
	assertAbs(t, "slope", got.Slope, 1.751566, 5e-7)
	if want := []string{"2014", "2015", "2016", "2017", "2018"}; !reflect.DeepEqual(got.Periods, want) {
		t.Errorf("periods = %v, want %v", got.Periods, want)
	}
	flat := stats.RecentTrend(flatSeries(), stats.HigherIsBetter)
	assertAbs(t, "chi2", flat.ChiSquare, 0.4642, 5e-5)
	assertAbs(t, "slope", flat.Slope, -0.26, 5e-3)
}

func TestRecentTrendSkipsInvalidPointsAndUsesTheFiveMostRecentValid(t *testing.T) {
	s := increasingSeries()
	older := stats.TrendPoint{Label: "2012", Count: 100, Denominator: 200, Value: 50, Lower95: 43, Upper95: 57}
	gap := stats.TrendPoint{Label: "2015b", Count: 5, Denominator: 10, Value: 99, Lower95: -1, Upper95: -1}
	points := []stats.TrendPoint{older, s[0], s[1], gap, s[2], s[3], s[4]}
	got := stats.RecentTrend(points, stats.HigherIsBetter)
	assertRel(t, "chi2", got.ChiSquare, refChi2, relTol)
	if got.Label != "increasing_getting_better" || got.Points != 5 {
		t.Errorf("got %+v, want increasing_getting_better over 5 points", got)
	}
	if want := []string{"2014", "2015", "2016", "2017", "2018"}; !reflect.DeepEqual(got.Periods, want) {
		t.Errorf("periods = %v, want %v", got.Periods, want)
	}

	// With the newest point invalid, the older point is brought in instead.
	bad := s[4]
	bad.Upper95 = -1
	points = []stats.TrendPoint{older, s[0], s[1], gap, s[2], s[3], bad}
	got = stats.RecentTrend(points, stats.HigherIsBetter)
	if want := []string{"2012", "2014", "2015", "2016", "2017"}; !reflect.DeepEqual(got.Periods, want) {
		t.Errorf("periods = %v, want %v", got.Periods, want)
	}
	wantSlope, wantChi2 := stats.TrendChiSquare([]stats.TrendPoint{older, s[0], s[1], s[2], s[3]})
	assertRel(t, "slope", got.Slope, wantSlope, 1e-15)
	assertRel(t, "chi2", got.ChiSquare, wantChi2, 1e-15)
}

func TestRecentTrendCannotBeCalculatedWithFewerThanFiveValidPoints(t *testing.T) {
	mutate := func(i int, f func(p *stats.TrendPoint)) []stats.TrendPoint {
		s := increasingSeries()
		f(&s[i])
		return s
	}
	tests := []struct {
		name   string
		points []stats.TrendPoint
		found  string
	}{
		{"four points", increasingSeries()[1:], "fewer than 5 valid points (4 found)"},
		{"no points", nil, "fewer than 5 valid points (0 found)"},
		{"a -1 lower limit", mutate(2, func(p *stats.TrendPoint) { p.Lower95 = -1 }), "fewer than 5 valid points (4 found)"},
		{"a missing upper limit", mutate(2, func(p *stats.TrendPoint) { p.Upper95 = math.NaN() }), "fewer than 5 valid points (4 found)"},
		{"a missing value", mutate(0, func(p *stats.TrendPoint) { p.Value = math.NaN() }), "fewer than 5 valid points (4 found)"},
		{"a missing count", mutate(1, func(p *stats.TrendPoint) { p.Count = math.NaN() }), "fewer than 5 valid points (4 found)"},
		{"a missing denominator", mutate(1, func(p *stats.TrendPoint) { p.Denominator = math.NaN() }), "fewer than 5 valid points (4 found)"},
		{"a zero denominator", mutate(3, func(p *stats.TrendPoint) { p.Denominator = 0 }), "fewer than 5 valid points (4 found)"},
		{"a zero-width interval", mutate(4, func(p *stats.TrendPoint) { p.Lower95 = p.Upper95 }), "fewer than 5 valid points (4 found)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.RecentTrend(tt.points, stats.HigherIsBetter)
			if got.Label != "cannot_be_calculated" || got.Direction != "cannot_be_calculated" || got.Reason != tt.found {
				t.Errorf("got %+v, want cannot_be_calculated with reason %q", got, tt.found)
			}
			if got.Slope != 0 || got.ChiSquare != 0 {
				t.Errorf("slope %v chi2 %v, want zeros when not calculated", got.Slope, got.ChiSquare)
			}
		})
	}
}

// point with a 95% interval of width 3.92, i.e. σ = 1 and weight exactly 1.
func unitPoint(v float64) stats.TrendPoint {
	return stats.TrendPoint{Count: 10, Denominator: 100, Value: v, Lower95: v - 1.96, Upper95: v + 1.96}
}

func TestRecentTrendIsNotSignificantWhenALeaveOneOutSlopeChangesSign(t *testing.T) {
	// Overall strongly increasing, but without the last point the slope is negative.
	points := []stats.TrendPoint{unitPoint(12), unitPoint(10), unitPoint(10), unitPoint(10), unitPoint(50)}
	got := stats.RecentTrend(points, stats.HigherIsBetter)
	if !(got.ChiSquare > stats.TrendChiSquareThreshold) || got.Slope <= 0 {
		t.Fatalf("test data should give a large positive trend: %+v", got)
	}
	if got.Label != "no_significant_change" {
		t.Errorf("got %q, want no_significant_change", got.Label)
	}
}

func TestRecentTrendCountsAZeroLeaveOneOutSlopeAsPositive(t *testing.T) {
	// Without the last point the slope is exactly 0; Fingertips counts it as positive.
	points := []stats.TrendPoint{unitPoint(10), unitPoint(10), unitPoint(10), unitPoint(10), unitPoint(50)}
	got := stats.RecentTrend(points, stats.HigherIsBetter)
	if got.Label != "increasing_getting_better" {
		t.Errorf("got %+v, want increasing_getting_better", got)
	}
	s, _ := stats.TrendChiSquare(points[:4])
	if s != 0 {
		t.Fatalf("test data should give an exactly zero leave-one-out slope, got %v", s)
	}
}

func TestRecentTrendIsNotSignificantAtOrBelowTheThreshold(t *testing.T) {
	// Consistently increasing points whose χ² is small.
	points := []stats.TrendPoint{unitPoint(10), unitPoint(10.1), unitPoint(10.2), unitPoint(10.3), unitPoint(10.4)}
	got := stats.RecentTrend(points, stats.HigherIsBetter)
	if got.ChiSquare >= stats.TrendChiSquareThreshold || got.Slope <= 0 {
		t.Fatalf("test data should give a small positive trend: %+v", got)
	}
	if got.Label != "no_significant_change" {
		t.Errorf("got %q, want no_significant_change", got.Label)
	}
}

// Fingertips' divide-by-zero guard: when any valid point of the area's series (value, count,
// denominator) has count equal to denominator, the whole trend is "Cannot be calculated", not
// just that point. Source: FingertipsNext trend-analysis/TrendAnalysisApp/Calculator/Legacy/
// TrendRequest.cs, IsValid: "Check for possible divide by zero errors if the count and
// denominator are same" over every point of ValidData (IsPossibleDivideByZeroErrors). Issue 16's
// case: 5/5 (100%), then 30, 35, 40, 45, 50 per 100: Fingertips "Cannot be calculated", where
// dropping the 100% point gave "Increasing".
func TestRecentTrendIsNotCalculatedWhenAnyPointIsAHundredPercent(t *testing.T) {
	pct := func(label string, c, n float64) stats.TrendPoint {
		lo, _ := stats.Wilson(c, n, 100, 0.95)
		return stats.TrendPoint{Label: label, Count: c, Denominator: n, Value: c / n * 100, Lower95: lo.Lower, Upper95: lo.Upper}
	}
	rising := []stats.TrendPoint{pct("2015", 30, 100), pct("2016", 35, 100), pct("2017", 40, 100), pct("2018", 45, 100), pct("2019", 50, 100)}
	tests := []struct {
		name   string
		points []stats.TrendPoint
		opt    stats.TrendOptions
	}{
		{"5/5 before the five points", append([]stats.TrendPoint{pct("2014", 5, 5)}, rising...), stats.TrendOptions{}},
		{"5/5 before the five points, proportion", append([]stats.TrendPoint{pct("2014", 5, 5)}, rising...), stats.TrendOptions{Proportion: true}},
		{"the newest point 100%", append(rising[1:], pct("2020", 80, 80)), stats.TrendOptions{}},
		{"a 100% point with no limits", append([]stats.TrendPoint{{Label: "2014", Count: 7, Denominator: 7, Value: 100, Lower95: math.NaN(), Upper95: math.NaN()}}, rising...), stats.TrendOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.RecentTrendWith(tt.points, stats.HigherIsBetter, tt.opt)
			if got.Label != "cannot_be_calculated" || got.Reason != stats.ReasonCountEqualsDenominator || got.Periods != nil {
				t.Errorf("got %+v, want cannot_be_calculated because of the 100%% point", got)
			}
		})
	}
	// Without the 100% point the same series is a significant increase.
	if got := stats.RecentTrendWith(rising, stats.HigherIsBetter, stats.TrendOptions{}); got.Label != "increasing_getting_better" {
		t.Errorf("30..50 per 100: got %+v, want increasing_getting_better", got)
	}
	// Fewer than 5 valid points is reported first, as Fingertips checks it first.
	if got := stats.RecentTrend([]stats.TrendPoint{pct("2014", 5, 5), rising[0]}, stats.HigherIsBetter); got.Reason != "fewer than 5 valid points (2 found)" {
		t.Errorf("two points: reason %q", got.Reason)
	}
}

// For proportions Fingertips' trend needs only counts and denominators: its "SPC for proportions"
// trend is the chi-square test for trend on the counts, with the leave-one-out sign check on
// least-squares slopes of ln(count/(denominator − count)). Source: fingertips-open
// PholioVisualisationWS PholioVisualisation.Analysis/TrendMarkers/TrendMarkerCalculator.cs,
// IsSignificantForProportions (χ² = N(N·Σct − Σc·ΣNt)² / (Σc(N − Σc)(N·ΣNt² − (ΣNt)²))) and
// NoOutliersCheckForProportion. The expected χ² below are that formula evaluated independently
// (Python, double precision) on METHODS.md's reference counts.
func TestRecentTrendFromCountsForProportionsWithoutLimits(t *testing.T) {
	strip := func(ps []stats.TrendPoint) []stats.TrendPoint {
		out := append([]stats.TrendPoint(nil), ps...)
		for i := range out {
			out[i].Lower95, out[i].Upper95 = math.NaN(), math.NaN()
		}
		return out
	}
	prop := stats.TrendOptions{Proportion: true}
	tests := []struct {
		name      string
		points    []stats.TrendPoint
		pol       stats.Polarity
		wantLabel stats.TrendLabel
		wantChi2  float64
		wantSlope float64
	}{
		{"994/40299 .. 1367/44701, no limits", strip(increasingSeries()), stats.HigherIsBetter, "increasing_getting_better", 47.896676707589116, 0.06524964077898289},
		{"209/1017 .. 210/1139, no limits", strip(flatSeries()), stats.HigherIsBetter, "no_significant_change", 0.4002640632524542, -0.01589416348376659},
		{"30..50 per 100, lower is better", strip([]stats.TrendPoint{
			{Count: 30, Denominator: 100, Value: 30}, {Count: 35, Denominator: 100, Value: 35}, {Count: 40, Denominator: 100, Value: 40},
			{Count: 45, Denominator: 100, Value: 45}, {Count: 50, Denominator: 100, Value: 50}}), stats.LowerIsBetter, "increasing_getting_worse", 10.416666666666666, 0.21129642337184784},
		{"50..30 per 100, lower is better", strip([]stats.TrendPoint{
			{Count: 50, Denominator: 100, Value: 50}, {Count: 45, Denominator: 100, Value: 45}, {Count: 40, Denominator: 100, Value: 40},
			{Count: 35, Denominator: 100, Value: 35}, {Count: 30, Denominator: 100, Value: 30}}), stats.LowerIsBetter, "decreasing_getting_better", 10.416666666666666, -0.21129642337184784},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.RecentTrendWith(tt.points, tt.pol, prop)
			if got.Label != tt.wantLabel || got.Method != stats.TrendMethodCounts || got.Points != 5 {
				t.Errorf("got %+v, want %s by %s", got, tt.wantLabel, stats.TrendMethodCounts)
			}
			assertRel(t, "chi2", got.ChiSquare, tt.wantChi2, 1e-12)
			assertRel(t, "slope", got.Slope, tt.wantSlope, 1e-12)
		})
	}
	// Not a proportion: no limits means no trend, as before.
	if got := stats.RecentTrendWith(strip(increasingSeries()), stats.HigherIsBetter, stats.TrendOptions{}); got.Label != "cannot_be_calculated" ||
		got.Reason != "fewer than 5 valid points (0 found)" {
		t.Errorf("rate without limits: got %+v", got)
	}
	// With limits a proportion keeps the weighted test (it agreed with Fingertips on every series tried).
	got := stats.RecentTrendWith(increasingSeries(), stats.HigherIsBetter, prop)
	if got.Method != stats.TrendMethodWeighted {
		t.Errorf("proportion with limits: method %q, want %q", got.Method, stats.TrendMethodWeighted)
	}
	assertRel(t, "chi2 with limits", got.ChiSquare, refChi2, relTol)
	// A leave-one-out slope of the other sign makes the counts test not significant.
	zigzag := strip([]stats.TrendPoint{{Count: 20, Denominator: 100, Value: 20}, {Count: 10, Denominator: 100, Value: 10},
		{Count: 10, Denominator: 100, Value: 10}, {Count: 10, Denominator: 100, Value: 10}, {Count: 60, Denominator: 100, Value: 60}})
	if got := stats.RecentTrendWith(zigzag, stats.HigherIsBetter, prop); !(got.ChiSquare > stats.TrendChiSquareThreshold) || got.Label != "no_significant_change" {
		t.Errorf("zigzag: got %+v, want a large χ² but no_significant_change", got)
	}
}
