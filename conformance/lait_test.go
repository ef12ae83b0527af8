package conformance_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/period"
)

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

// laitMeasure is one LAIT measure as the conformance test reads it: independently of the
// generator, from LAIT's data dictionary.
type laitMeasure struct {
	short       string
	polar       bool // High or Low
	lowerBetter bool // Low
	noQuartile  bool // No_Quartile N
}

// laitDictionary reads the polarity and No_Quartile of every measure from the dictionary
// committed beside the generated definitions. A measure listed twice must give the same
// polarity both times, and is not banded if either row says No_Quartile.
func laitDictionary(t *testing.T) map[string]laitMeasure {
	t.Helper()
	f, err := os.Open("../indicators/lait/lait_data_dictionary.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range all[0] {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	out := map[string]laitMeasure{}
	for _, r := range all[1:] {
		pol := r[col["Polarity"]]
		m := laitMeasure{short: r[col["Measure_short"]], polar: pol == "High" || pol == "Low", lowerBetter: pol == "Low",
			noQuartile: r[col["No_Quartile"]] == "N"}
		if prev, ok := out[m.short]; ok {
			if prev.polar != m.polar || prev.lowerBetter != m.lowerBetter {
				t.Fatalf("the dictionary lists %s twice with different polarities: %+v and %+v", m.short, prev, m)
			}
			m.noQuartile = m.noQuartile || prev.noQuartile
		}
		out[m.short] = m
	}
	return out
}

// laitFile reads the shipped LAIT file once: by measure, year and LAIT area number.
func laitFile(t *testing.T) map[string]map[string]map[string]float64 {
	t.Helper()
	data, err := scorecard.ShippedFile("datasets/shipped/lait_bds_long_childrens_services.csv")
	if err != nil {
		t.Fatal(err)
	}
	all, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]map[string]float64{}
	for _, r := range all[1:] {
		if r[4] == "-" || r[1] == "0" {
			continue
		}
		v, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		if out[r[0]] == nil {
			out[r[0]] = map[string]map[string]float64{}
		}
		if out[r[0]][r[1]] == nil {
			out[r[0]][r[1]] = map[string]float64{}
		}
		out[r[0]][r[1]][r[2]] = v
	}
	return out
}

// latestYear is the latest of a measure's years in which a local authority has a value.
func latestYear(t *testing.T, years map[string]map[string]float64) string {
	t.Helper()
	var best string
	var bestP period.Period
	for y, vals := range years {
		hasLA := false
		for code := range vals {
			if !isLAITAggregate(code) {
				hasLA = true
				break
			}
		}
		if !hasLA {
			continue
		}
		p, err := period.Parse(y)
		if err != nil {
			t.Fatalf("LAIT year %q: %v", y, err)
		}
		if best == "" || period.Compare(p, bestP) > 0 {
			best, bestP = y, p
		}
	}
	return best
}

// For every one of the 213 measures in the shipped LAIT data, in its latest year, every local
// authority's value is LAIT's; its England and region figures are LAIT's own National and
// Regional rows (none where LAIT has none); its statistical-neighbour average is the mean of
// its 2025 neighbours' values that exist (with the number used); and its rank and quartile band
// follow LAIT: population = every LA with a value (predecessor councils too, never England or
// regions), competition ranking with ties sharing the lowest rank, type-7 quartile bounds with
// a boundary value in the lower interval; a measure with no polarity ('-' or NA) has no rank or
// band, and a No_Quartile measure is ranked but not banded. The polarity and No_Quartile are
// read from the dictionary here, not from the definitions.
func TestLAITComparatorsRanksAndQuartiles(t *testing.T) {
	eng := laitEngine(t)
	reg := areas.Default()
	dict := laitDictionary(t)
	file := laitFile(t)
	regionNumber := map[string]string{"E12000001": "980", "E12000002": "981", "E12000003": "982", "E12000004": "983",
		"E12000005": "984", "E12000006": "985", "E12000007": "986", "E12000008": "989", "E12000009": "990"}
	defined := map[string]string{} // measure -> indicator id
	for _, d := range eng.Catalog.All() {
		if d.Source.Dataset != "lait" {
			continue
		}
		m := d.Source.Filters["measure_short"]
		if prev, dup := defined[m]; dup {
			t.Errorf("measure %s is defined twice: %s and %s", m, prev, d.ID)
		}
		defined[m] = d.ID
	}
	if len(file) != 213 || len(defined) != len(file) {
		t.Fatalf("the LAIT file has %d measures and %d are defined, want 213 each", len(file), len(defined))
	}
	var totalLAs, ranked, banded int
	for measure, years := range file {
		id, ok := defined[measure]
		if !ok {
			t.Errorf("measure %s has no indicator", measure)
			continue
		}
		lm, ok := dict[measure]
		if !ok {
			t.Errorf("measure %s is not in the dictionary", measure)
			continue
		}
		t.Run(measure, func(t *testing.T) {
			year := latestYear(t, years)
			if year == "" {
				t.Skipf("%s has no local-authority value in any year", measure)
			}
			vals := years[year]
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
			evs, err := eng.AllAreas(context.Background(), id, year)
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
				if ev.Value == nil || *ev.Value != v {
					t.Errorf("%s value %v, LAIT %v", a.Name, ev.Value, v)
				}
				// England and region: LAIT's own rows, or none.
				wantValue := func(what string, got *float64, code string) {
					want, has := vals[code]
					switch {
					case has && (got == nil || *got != want):
						t.Errorf("%s %s %v, LAIT %s %v", a.Name, what, got, code, want)
					case !has && got != nil:
						t.Errorf("%s %s %v, LAIT has no %s row", a.Name, what, *got, code)
					}
				}
				wantValue("England", ev.Comparators.England.Value, "970")
				wantValue("region", ev.Comparators.Region.Value, regionNumber[a.RegionCode])
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
				if len(ns) > 0 && (sn.N != n || sn.Vintage != "2025-05" || (n > 0 && (sn.Value == nil || math.Abs(*sn.Value-sum/float64(n)) > 1e-9))) {
					t.Errorf("%s SN %+v, want mean of %d = %v", a.Name, sn, n, sum/float64(n))
				}
				// Rank and band.
				if !lm.polar {
					if ev.Rank != nil || ev.Quartile != "" {
						t.Errorf("%s: a measure with no polarity has no rank or band, got %+v %q", a.Name, ev.Rank, ev.Quartile)
					}
					continue
				}
				better := 0
				for _, o := range population {
					if (lm.lowerBetter && o < v) || (!lm.lowerBetter && o > v) {
						better++
					}
				}
				if ev.Rank == nil || ev.Rank.Position != better+1 || ev.Rank.Of != len(population) {
					t.Errorf("%s value %v: rank %+v, want %d of %d", a.Name, v, ev.Rank, better+1, len(population))
				} else {
					ranked++
				}
				if lm.noQuartile {
					if ev.Quartile != "" {
						t.Errorf("%s: a No_Quartile measure has no band, got %q", a.Name, ev.Quartile)
					}
					continue
				}
				letters := "ABCD"
				if !lm.lowerBetter {
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
				} else {
					banded++
				}
			}
			if checked != len(population) {
				t.Errorf("checked %d LAs, LAIT has %d with a value", checked, len(population))
			}
			totalLAs += checked
		})
	}
	t.Logf("%d measures, %d LA values checked in their latest years, %d ranks and %d bands equal LAIT's", len(file), totalLAs, ranked, banded)

	// LAIT writes "-" for a figure it does not have: not available ("x"), never the legacy
	// tables' "no such area then" (BCP's infant mortality in 2016 is "-" in the file).
	evs, err := eng.AllAreas(context.Background(), "lait-infmort", "2016")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range evs {
		found = found || ev.Area.Code == "E06000058"
		if ev.Area.Code == "E06000058" && (ev.Value != nil || ev.Marker != "x" || display.Marker(ev.Marker) != "not available") {
			t.Errorf("BCP's 2016 infant mortality: value %v, marker %q (%s), want none, x (not available)", ev.Value, ev.Marker, display.Marker(ev.Marker))
		}
	}
	if !found {
		t.Error("no 2016 infant mortality evaluation for BCP")
	}
}
