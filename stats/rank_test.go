package stats_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

func TestCompetitionRankGivesTiesTheLowestRankAndSkipsTheNext(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name      string
		values    []float64
		pol       stats.Polarity
		wantRanks []int
		wantN     int
	}{
		{"lower is better, 1224", []float64{10, 20, 20, 30}, stats.LowerIsBetter, []int{1, 2, 2, 4}, 4},
		{"higher is better, 1224", []float64{30, 20, 20, 10}, stats.HigherIsBetter, []int{1, 2, 2, 4}, 4},
		{"lower is better, unsorted with NaN", []float64{5, 3, nan, 3, 1}, stats.LowerIsBetter, []int{4, 2, 0, 2, 1}, 4},
		{"higher is better, unsorted with NaN", []float64{5, 3, nan, 3, 1}, stats.HigherIsBetter, []int{1, 2, 0, 2, 4}, 4},
		{"a tie at the top", []float64{7, 7, 7, 1}, stats.HigherIsBetter, []int{1, 1, 1, 4}, 4},
		{"no judgement: no ranks", []float64{5, 3, 1}, stats.NoJudgement, []int{0, 0, 0}, 0},
		{"closer is better: no ranks", []float64{5, 3, 1}, stats.CloserIsBetter, []int{0, 0, 0}, 0},
		{"all missing", []float64{nan, nan}, stats.LowerIsBetter, []int{0, 0}, 0},
		{"empty", []float64{}, stats.LowerIsBetter, []int{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.values...)
			ranks, n := stats.CompetitionRank(in, tt.pol)
			if !reflect.DeepEqual(ranks, tt.wantRanks) || n != tt.wantN {
				t.Errorf("got %v, n=%d; want %v, n=%d", ranks, n, tt.wantRanks, tt.wantN)
			}
			for i := range in {
				if in[i] != tt.values[i] && !(math.IsNaN(in[i]) && math.IsNaN(tt.values[i])) {
					t.Fatalf("input modified: %v", in)
				}
			}
		})
	}
}

func TestQuartileBoundsOfOneToFiftyMatchLAIT(t *testing.T) {
	values := make([]float64, 0, 52)
	for i := 50; i >= 1; i-- { // unsorted on purpose
		values = append(values, float64(i))
		if i == 25 {
			values = append(values, math.NaN())
		}
	}
	got := stats.QuartileBounds(values)
	want := [5]float64{1, 13.25, 25.5, 37.75, 50}
	for i := range want {
		assertRel(t, "bound", got[i], want[i], relTol)
	}
}

func TestQuantile7InterpolatesLikeRType7(t *testing.T) {
	sorted := []float64{1, 2, 4, 8}
	tests := []struct {
		p, want float64
	}{
		{0, 1}, {1, 8}, {0.25, 1.75}, {0.5, 3}, {0.75, 5}, {0.9, 6.8},
	}
	for _, tt := range tests {
		assertRel(t, "quantile", stats.Quantile7(sorted, tt.p), tt.want, 1e-12)
	}
	if q := stats.Quantile7([]float64{math.NaN(), 1, 3}, 0.5); q != 2 {
		t.Errorf("NaN should be ignored: got %v, want 2", q)
	}
	for _, bad := range []struct {
		s []float64
		p float64
	}{{nil, 0.5}, {[]float64{1}, -0.1}, {[]float64{1}, 1.1}, {[]float64{1}, math.NaN()}} {
		if q := stats.Quantile7(bad.s, bad.p); !math.IsNaN(q) {
			t.Errorf("Quantile7(%v, %v) = %v, want NaN", bad.s, bad.p, q)
		}
	}
	if q := stats.Quantile7([]float64{4}, 0.3); q != 4 {
		t.Errorf("single value: got %v, want 4", q)
	}
}

func TestQuartileBandPutsBoundaryValuesInTheLowerInterval(t *testing.T) {
	bounds := stats.QuartileBounds([]float64{1, 2, 3, 4, 5}) // [1 2 3 4 5]
	if bounds != [5]float64{1, 2, 3, 4, 5} {
		t.Fatalf("bounds = %v", bounds)
	}
	tests := []struct {
		value  float64
		lower  string // lower is better
		higher string // higher is better
	}{
		{1, "A", "D"},
		{2, "A", "D"}, // on Q25
		{2.5, "B", "C"},
		{3, "B", "C"}, // on Q50
		{3.5, "C", "B"},
		{4, "C", "B"}, // on Q75
		{4.5, "D", "A"},
		{5, "D", "A"},
	}
	for _, tt := range tests {
		if got := stats.QuartileBand(tt.value, bounds, stats.LowerIsBetter); got != tt.lower {
			t.Errorf("lower is better, %v: got %q, want %q", tt.value, got, tt.lower)
		}
		if got := stats.QuartileBand(tt.value, bounds, stats.HigherIsBetter); got != tt.higher {
			t.Errorf("higher is better, %v: got %q, want %q", tt.value, got, tt.higher)
		}
	}
}

func TestQuartileBandOnUnroundedBoundsOfOneToFifty(t *testing.T) {
	vals := make([]float64, 50)
	for i := range vals {
		vals[i] = float64(i + 1)
	}
	b := stats.QuartileBounds(vals)
	if got := stats.QuartileBand(13.25, b, stats.LowerIsBetter); got != "A" {
		t.Errorf("13.25 lower is better: %q, want A", got)
	}
	if got := stats.QuartileBand(14, b, stats.LowerIsBetter); got != "B" {
		t.Errorf("14 lower is better: %q, want B", got)
	}
	if got := stats.QuartileBand(37.75, b, stats.HigherIsBetter); got != "B" {
		t.Errorf("37.75 higher is better: %q, want B", got)
	}
	if got := stats.QuartileBand(38, b, stats.HigherIsBetter); got != "A" {
		t.Errorf("38 higher is better: %q, want A", got)
	}
}

func TestQuartileBandIsEmptyWithoutDirectionOrValue(t *testing.T) {
	bounds := [5]float64{1, 2, 3, 4, 5}
	nan := math.NaN()
	cases := []struct {
		name   string
		value  float64
		bounds [5]float64
		pol    stats.Polarity
	}{
		{"no judgement", 2, bounds, stats.NoJudgement},
		{"closer is better", 2, bounds, stats.CloserIsBetter},
		{"missing value", nan, bounds, stats.LowerIsBetter},
		{"no population", 2, [5]float64{nan, nan, nan, nan, nan}, stats.LowerIsBetter},
		{"below the population", 0.5, bounds, stats.LowerIsBetter},
		{"above the population", 5.5, bounds, stats.HigherIsBetter},
	}
	for _, c := range cases {
		if got := stats.QuartileBand(c.value, c.bounds, c.pol); got != "" {
			t.Errorf("%s: got %q, want no band", c.name, got)
		}
	}
}

func TestQuintilesUseFifthsAndTheLowerCategoryOnABound(t *testing.T) {
	b := stats.QuintileBounds([]float64{6, 5, 4, 3, 2, 1, math.NaN()}) // [1 2 3 4 5 6]
	if b != [6]float64{1, 2, 3, 4, 5, 6} {
		t.Fatalf("bounds = %v", b)
	}
	tests := []struct {
		value                  float64
		byValue, lower, higher int
	}{
		{1, 1, 1, 5},
		{2, 1, 1, 5}, // on the 20% bound
		{2.5, 2, 2, 4},
		{4, 3, 3, 3},
		{5, 4, 4, 2}, // on the 80% bound
		{5.5, 5, 5, 1},
		{6, 5, 5, 1},
	}
	for _, tt := range tests {
		if got := stats.Quintile(tt.value, b, stats.NoJudgement); got != tt.byValue {
			t.Errorf("no judgement, %v: got %d, want %d", tt.value, got, tt.byValue)
		}
		if got := stats.Quintile(tt.value, b, stats.LowerIsBetter); got != tt.lower {
			t.Errorf("lower is better, %v: got %d, want %d", tt.value, got, tt.lower)
		}
		if got := stats.Quintile(tt.value, b, stats.HigherIsBetter); got != tt.higher {
			t.Errorf("higher is better, %v: got %d, want %d", tt.value, got, tt.higher)
		}
	}
}

func TestQuintileIsNotComparedWithFewerThanFiveValues(t *testing.T) {
	b := stats.QuintileBounds([]float64{1, 2, 3, 4, math.NaN()})
	for _, v := range b {
		if !math.IsNaN(v) {
			t.Fatalf("bounds = %v, want all NaN", b)
		}
	}
	if got := stats.Quintile(2, b, stats.LowerIsBetter); got != 0 {
		t.Errorf("got %d, want 0", got)
	}
}

func TestQuintileLabelNamesCategoriesByPolarity(t *testing.T) {
	tests := []struct {
		q    int
		pol  stats.Polarity
		want string
	}{
		{1, stats.HigherIsBetter, "best"},
		{5, stats.LowerIsBetter, "worst"},
		{3, stats.HigherIsBetter, "middle"},
		{1, stats.NoJudgement, "lowest"},
		{2, stats.NoJudgement, "low"},
		{4, stats.CloserIsBetter, "high"},
		{5, stats.NoJudgement, "highest"},
		{0, stats.HigherIsBetter, "not_compared"},
	}
	for _, tt := range tests {
		if got := stats.QuintileLabel(tt.q, tt.pol); got != tt.want {
			t.Errorf("QuintileLabel(%d, %s) = %q, want %q", tt.q, tt.pol, got, tt.want)
		}
	}
}
