package stats_test

import (
	"slices"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

// The label lists hold the wire values exactly, once each, and Valid accepts them and nothing
// else.
func TestJudgementsAndTrendLabels(t *testing.T) {
	js := stats.Judgements()
	if want := []stats.Judgement{"better", "similar", "worse", "higher", "lower", "best", "worst", "not_compared"}; !slices.Equal(js, want) {
		t.Errorf("Judgements() = %q, want %q", js, want)
	}
	for _, j := range js {
		if !j.Valid() {
			t.Errorf("%q is not Valid", j)
		}
	}
	for _, j := range []stats.Judgement{"", "Better", "middle", "no_data"} {
		if j.Valid() {
			t.Errorf("%q is Valid", j)
		}
	}
	ls := stats.TrendLabels()
	if want := []stats.TrendLabel{"increasing_getting_better", "increasing_getting_worse", "decreasing_getting_better",
		"decreasing_getting_worse", "increasing", "decreasing", "no_significant_change", "cannot_be_calculated"}; !slices.Equal(ls, want) {
		t.Errorf("TrendLabels() = %q, want %q", ls, want)
	}
	for _, l := range ls {
		if !l.Valid() {
			t.Errorf("%q is not Valid", l)
		}
	}
	for _, l := range []stats.TrendLabel{"", "no_change", "increasing_getting"} {
		if l.Valid() {
			t.Errorf("%q is Valid", l)
		}
	}
}

// Every label CompareWithBenchmark and RecentTrendWith return is one of the lists.
func TestComparisonAndTrendLabelsAreListed(t *testing.T) {
	ci := &stats.Interval{Lower: 9, Upper: 11}
	ci998 := &stats.Interval{Lower: 8, Upper: 12}
	seen := map[stats.Judgement]bool{}
	for _, pol := range []stats.Polarity{stats.HigherIsBetter, stats.LowerIsBetter, stats.CloserIsBetter, stats.NoJudgement, "unknown"} {
		for _, b := range []float64{5, 8.5, 10, 11.5, 15} {
			for _, two := range []bool{false, true} {
				c := stats.CompareWithBenchmark(10, ci, ci998, &b, pol, stats.CompareOptions{TwoLevel: two})
				if !c.Label.Valid() {
					t.Errorf("%s, benchmark %g, two-level %v: label %q is not listed", pol, b, two, c.Label)
				}
				seen[c.Label] = true
			}
		}
	}
	for _, j := range stats.Judgements() {
		if !seen[j] {
			t.Errorf("no comparison gave %q", j)
		}
	}
	rising := make([]stats.TrendPoint, 5)
	for i := range rising {
		v := 10 + 10*float64(i)
		rising[i] = stats.TrendPoint{Label: string(rune('a' + i)), Value: v, Lower95: v - 1, Upper95: v + 1, Count: v, Denominator: 100}
	}
	for _, pol := range []stats.Polarity{stats.HigherIsBetter, stats.LowerIsBetter, stats.NoJudgement} {
		for _, ps := range [][]stats.TrendPoint{rising, rising[:3]} {
			got := stats.RecentTrend(ps, pol)
			if !got.Label.Valid() || !got.Direction.Valid() {
				t.Errorf("%s, %d points: label %q direction %q not listed", pol, len(ps), got.Label, got.Direction)
			}
		}
	}
}
