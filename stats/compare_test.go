package stats_test

import (
	"math"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

func TestCompareWithBenchmarkReproducesFingertipsTable(t *testing.T) {
	// METHODS.md "Compared with a benchmark" table.
	tests := []struct {
		name          string
		b, value      float64
		ci            stats.Interval
		lowerIsBetter stats.Judgement
		higherBetter  stats.Judgement
		noJudgement   stats.Judgement
	}{
		{"benchmark equals value inside interval", 11, 11, stats.Interval{Lower: 10, Upper: 12}, "similar", "similar", "similar"},
		{"benchmark inside interval, value above it", 3.0, 3.05, stats.Interval{Lower: 2.7, Upper: 3.1}, "similar", "similar", "similar"},
		{"interval wholly above benchmark", 3.0, 3.3, stats.Interval{Lower: 3.2, Upper: 3.5}, "worse", "better", "higher"},
		{"interval wholly below benchmark", 3.0, 2.5, stats.Interval{Lower: 2.2, Upper: 2.8}, "better", "worse", "lower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for pol, want := range map[stats.Polarity]stats.Judgement{
				stats.LowerIsBetter:  tt.lowerIsBetter,
				stats.HigherIsBetter: tt.higherBetter,
				stats.NoJudgement:    tt.noJudgement,
				stats.CloserIsBetter: tt.noJudgement,
			} {
				ci := tt.ci
				got := stats.CompareWithBenchmark(tt.value, &ci, nil, ptr(tt.b), pol, stats.CompareOptions{})
				if got.Label != want || got.Method != "ci95" || got.Reason != "" {
					t.Errorf("%s: got %+v, want label %q method ci95", pol, got, want)
				}
			}
		})
	}
}

func TestCompareWithBenchmarkTreatsIntervalBoundsAsInclusive(t *testing.T) {
	ci := stats.Interval{Lower: 2.7, Upper: 3.0}
	for _, b := range []float64{2.7, 3.0} {
		got := stats.CompareWithBenchmark(2.9, &ci, nil, ptr(b), stats.HigherIsBetter, stats.CompareOptions{})
		if got.Label != "similar" {
			t.Errorf("benchmark %v on a bound: got %q, want similar", b, got.Label)
		}
	}
	got := stats.CompareWithBenchmark(2.9, &ci, nil, ptr(math.Nextafter(3.0, 4)), stats.HigherIsBetter, stats.CompareOptions{})
	if got.Label != "worse" {
		t.Errorf("benchmark just above the upper bound: got %q, want worse", got.Label)
	}
}

func TestCompareWithBenchmarkTwoLevelGivesBestAndWorstOutside998(t *testing.T) {
	ci95 := stats.Interval{Lower: 3.2, Upper: 3.5}
	ci998 := stats.Interval{Lower: 3.1, Upper: 3.6}
	low95 := stats.Interval{Lower: 2.2, Upper: 2.8}
	low998 := stats.Interval{Lower: 2.1, Upper: 2.9}
	two := stats.CompareOptions{TwoLevel: true}
	tests := []struct {
		name      string
		value     float64
		ci95      stats.Interval
		ci998     stats.Interval
		b         float64
		pol       stats.Polarity
		wantLabel stats.Judgement
	}{
		{"inside 95%: similar", 3.3, ci95, ci998, 3.4, stats.HigherIsBetter, "similar"},
		{"outside 95%, inside 99.8%, above, higher is better", 3.3, ci95, ci998, 3.15, stats.HigherIsBetter, "better"},
		{"outside 95%, on the 99.8% bound, above, higher is better", 3.3, ci95, ci998, 3.1, stats.HigherIsBetter, "better"},
		{"outside 99.8%, above, higher is better", 3.3, ci95, ci998, 3.0, stats.HigherIsBetter, "best"},
		{"outside 99.8%, above, lower is better", 3.3, ci95, ci998, 3.0, stats.LowerIsBetter, "worst"},
		{"outside 95%, inside 99.8%, above, lower is better", 3.3, ci95, ci998, 3.15, stats.LowerIsBetter, "worse"},
		{"outside 99.8%, below, higher is better", 2.5, low95, low998, 3.0, stats.HigherIsBetter, "worst"},
		{"outside 99.8%, below, lower is better", 2.5, low95, low998, 3.0, stats.LowerIsBetter, "best"},
		{"outside 95%, inside 99.8%, below, lower is better", 2.5, low95, low998, 2.85, stats.LowerIsBetter, "better"},
		{"outside 99.8%, no judgement stays higher", 3.3, ci95, ci998, 3.0, stats.NoJudgement, "higher"},
		{"outside 99.8%, no judgement stays lower", 2.5, low95, low998, 3.0, stats.NoJudgement, "lower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.ci95, tt.ci998
			got := stats.CompareWithBenchmark(tt.value, &a, &b, ptr(tt.b), tt.pol, two)
			if got.Label != tt.wantLabel || got.Method != "ci95_998" {
				t.Errorf("got %+v, want label %q method ci95_998", got, tt.wantLabel)
			}
		})
	}
}

// Two levels need valid 99.8% limits: without them Fingertips does not compare. Source:
// fingertips-open PholioVisualisation.Analysis/SingleOverlappingCIsForTwoCILevelsComparer.cs,
// "if (... data.Are95CIsValid == false || data.Are99_8CIsValid == false) return
// Significance.None" (METHODS.md "Compared with a benchmark": "Two levels need valid 99.8%
// limits too"). Before issue 16 the engine fell back to the 95% rule ("better" here).
func TestCompareWithBenchmarkTwoLevelWithout998IsNotCompared(t *testing.T) {
	ci95 := stats.Interval{Lower: 3.2, Upper: 3.5}
	nan := stats.Interval{Lower: math.NaN(), Upper: 3.6}
	two := stats.CompareOptions{TwoLevel: true}
	tests := []struct {
		name  string
		ci998 *stats.Interval
	}{
		{"no 99.8% limits", nil},
		{"half-missing 99.8% limits", &nan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.CompareWithBenchmark(3.3, &ci95, tt.ci998, ptr(3.0), stats.HigherIsBetter, two)
			if got.Label != "not_compared" || got.Reason != "no 99.8% confidence interval" || got.Method != "" {
				t.Errorf("got %+v, want not_compared because no 99.8%% confidence interval", got)
			}
		})
	}
	// One level is unaffected by missing 99.8% limits.
	got := stats.CompareWithBenchmark(3.3, &ci95, nil, ptr(3.0), stats.HigherIsBetter, stats.CompareOptions{})
	if got.Label != "better" || got.Method != "ci95" {
		t.Errorf("one level without 99.8%% limits: got %+v, want better by ci95", got)
	}
}

func TestCompareWithBenchmarkFallsBackToTheDifferenceWhenAsked(t *testing.T) {
	fb := stats.CompareOptions{FallbackToDifference: true}
	tests := []struct {
		name      string
		value, b  float64
		pol       stats.Polarity
		wantLabel stats.Judgement
	}{
		{"above, higher is better", 5, 4, stats.HigherIsBetter, "better"},
		{"above, lower is better", 5, 4, stats.LowerIsBetter, "worse"},
		{"below, higher is better", 3, 4, stats.HigherIsBetter, "worse"},
		{"below, lower is better", 3, 4, stats.LowerIsBetter, "better"},
		{"equal is similar", 4, 4, stats.HigherIsBetter, "similar"},
		{"above, no judgement", 5, 4, stats.NoJudgement, "higher"},
		{"below, closer is better", 3, 4, stats.CloserIsBetter, "lower"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.CompareWithBenchmark(tt.value, nil, nil, ptr(tt.b), tt.pol, fb)
			if got.Label != tt.wantLabel || got.Method != "difference" || got.Reason != "" {
				t.Errorf("got %+v, want label %q method difference", got, tt.wantLabel)
			}
		})
	}
	// An interval with missing bounds counts as no interval.
	nan := stats.Interval{Lower: math.NaN(), Upper: math.NaN()}
	got := stats.CompareWithBenchmark(5, &nan, nil, ptr(4), stats.HigherIsBetter, fb)
	if got.Method != "difference" || got.Label != "better" {
		t.Errorf("NaN interval with fallback: got %+v, want better by difference", got)
	}
}

func TestCompareWithBenchmarkSaysWhyItCannotCompare(t *testing.T) {
	ci := stats.Interval{Lower: 1, Upper: 2}
	nan := stats.Interval{Lower: math.NaN(), Upper: 2}
	tests := []struct {
		name       string
		value      float64
		ci         *stats.Interval
		b          *float64
		pol        stats.Polarity
		wantReason string
	}{
		{"missing value", math.NaN(), &ci, ptr(1.5), stats.HigherIsBetter, "no value"},
		{"nil benchmark", 1.5, &ci, nil, stats.HigherIsBetter, "no benchmark value"},
		{"NaN benchmark", 1.5, &ci, ptr(math.NaN()), stats.HigherIsBetter, "no benchmark value"},
		// Fingertips: no limits, no significance (fingertips-open
		// PholioVisualisation.Analysis/SingleOverlappingCIsComparer.cs returns Significance.None
		// when data.Are95CIsValid is false). West Midlands 95.31 (published without limits,
		// "Aggregated from all known lower geography values") against England 94.73: Fingertips
		// "Not compared", where the sign of the difference said "worse".
		{"no interval and no fallback", 1.5, nil, ptr(1), stats.HigherIsBetter, "no 95% confidence interval"},
		{"half-missing interval and no fallback", 1.5, &nan, ptr(1), stats.HigherIsBetter, "no 95% confidence interval"},
		{"West Midlands 95.31 without limits against England 94.73", 95.31, nil, ptr(94.73), stats.LowerIsBetter, "no 95% confidence interval"},
		{"unknown polarity", 1.5, &ci, ptr(1), stats.Polarity("sideways"), "unknown polarity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.CompareWithBenchmark(tt.value, tt.ci, nil, tt.b, tt.pol, stats.CompareOptions{})
			if got.Label != "not_compared" || got.Reason != tt.wantReason || got.Method != "" {
				t.Errorf("got %+v, want not_compared because %q", got, tt.wantReason)
			}
		})
	}
}
