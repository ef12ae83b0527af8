package conformance_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"sort"
	"strconv"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/engine"
)

// laitValues reads one measure's values for one year straight from the shipped LAIT file, by
// LAIT area number, independently of the engine.
func laitValues(t *testing.T, measure, year string) map[string]float64 {
	t.Helper()
	data, err := scorecard.ShippedFile("datasets/shipped/lait_bds_long_childrens_services.csv")
	if err != nil {
		t.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, r := range all[1:] {
		if r[0] == measure && r[1] == year && r[4] != "-" {
			v, err := strconv.ParseFloat(r[4], 64)
			if err != nil {
				t.Fatalf("%v: %v", r, err)
			}
			out[r[2]] = v
		}
	}
	return out
}

// isLAITAggregate: 970 is England and 980-990 the regions (and Inner/Outer London).
func isLAITAggregate(code string) bool {
	n, _ := strconv.Atoi(code)
	return n >= 970 && n <= 990
}

// type7 is R's default quantile, written out here independently of package stats.
func type7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	if int(lo)+1 >= len(sorted) {
		return sorted[int(lo)]
	}
	return sorted[int(lo)] + (h-lo)*(sorted[int(lo)+1]-sorted[int(lo)])
}

func laitEngine(t *testing.T) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	app := openApp(t, scorecard.Config{})
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "lait"); err != nil {
		t.Fatal(err)
	}
	results, err := app.Engine.EvaluateDataset(ctx, "lait")
	evaluated(t, results, err)
	return app.Engine
}

// For LAIT's TotPermEx (lower is better), Emotional_LAC (lower is better) and LAC (no polarity)
// in their latest year, every local authority's England and region figures are LAIT's own
// National and Regional rows, its statistical-neighbour average is the mean of its 2025
// neighbours' values that exist (with the number used), and its rank and quartile band follow
// LAIT: population = every LA with a value (predecessor councils too, never England or regions),
// competition ranking with ties sharing the lowest rank, type-7 quartile bounds with a boundary
// value in the lower interval, and no rank or band for a measure with no polarity.
func TestLAITComparatorsRanksAndQuartiles(t *testing.T) {
	eng := laitEngine(t)
	reg := areas.Default()
	regionNumber := map[string]string{"E12000001": "980", "E12000002": "981", "E12000003": "982", "E12000004": "983",
		"E12000005": "984", "E12000006": "985", "E12000007": "986", "E12000008": "989", "E12000009": "990"}
	cases := []struct {
		indicator, measure, year, period string
		lowerIsBetter, polar             bool
	}{
		{"perm-exclusion-rate", "TotPermEx", "2023/24", "2023/24", true, true},
		{"cla-sdq-score-lait", "Emotional_LAC", "2025", "2025", true, true},
		{"cla-rate-lait", "LAC", "2025", "2025", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.measure, func(t *testing.T) {
			vals := laitValues(t, tc.measure, tc.year)
			var population []float64
			for code, v := range vals {
				if !isLAITAggregate(code) {
					population = append(population, v)
				}
			}
			sort.Float64s(population)
			bounds := [5]float64{}
			for i, p := range []float64{0, .25, .5, .75, 1} {
				bounds[i] = type7(population, p)
			}
			evs, err := eng.AllAreas(context.Background(), tc.indicator, tc.period)
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, ev := range evs {
				a := reg.MustLookup(ev.Area.Code)
				if a.Level != areas.LocalAuthority {
					continue
				}
				v, ok := vals[a.DfECode]
				if !ok {
					continue
				}
				checked++
				// England and region: LAIT's own rows.
				if got := *ev.Comparators.England.Value; got != vals["970"] {
					t.Errorf("%s England %v, LAIT 970 %v", a.Name, got, vals["970"])
				}
				if got := ev.Comparators.Region; got.Value == nil || *got.Value != vals[regionNumber[a.RegionCode]] {
					t.Errorf("%s region %+v, LAIT %v", a.Name, got, vals[regionNumber[a.RegionCode]])
				}
				// SN average over the 2025 neighbours that have a value.
				ns, _ := reg.Neighbours(a, "2025-05")
				var sum float64
				n := 0
				for _, nb := range ns {
					if nv, ok := vals[nb.Area.DfECode]; ok {
						sum += nv
						n++
					}
				}
				sn := ev.Comparators.StatisticalNeighbours
				if len(ns) > 0 && (sn.N != n || sn.Vintage != "2025-05" || (n > 0 && math.Abs(*sn.Value-sum/float64(n)) > 1e-9)) {
					t.Errorf("%s SN %+v, want mean of %d = %v", a.Name, sn, n, sum/float64(n))
				}
				// Rank and band.
				if !tc.polar {
					if ev.Rank != nil || ev.Quartile != "" {
						t.Errorf("%s: a measure with no polarity has no rank or band, got %+v %q", a.Name, ev.Rank, ev.Quartile)
					}
					continue
				}
				better := 0
				for _, o := range population {
					if (tc.lowerIsBetter && o < v) || (!tc.lowerIsBetter && o > v) {
						better++
					}
				}
				if ev.Rank == nil || ev.Rank.Position != better+1 || ev.Rank.Of != len(population) {
					t.Errorf("%s value %v: rank %+v, want %d of %d", a.Name, v, ev.Rank, better+1, len(population))
				}
				letters := "ABCD"
				if !tc.lowerIsBetter {
					letters = "DCBA"
				}
				band := string(letters[3])
				for i := 1; i <= 3; i++ {
					if v <= bounds[i] {
						band = string(letters[i-1])
						break
					}
				}
				if ev.Quartile != band {
					t.Errorf("%s value %v: band %q, want %q (bounds %v)", a.Name, v, ev.Quartile, band, bounds)
				}
			}
			if checked != len(population) {
				t.Errorf("checked %d LAs, LAIT has %d with a value", checked, len(population))
			}
			t.Logf("%s %s: %d LAs checked, quartile bounds %v", tc.measure, tc.year, checked, bounds)
		})
	}
}
