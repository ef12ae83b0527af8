package engine

import (
	"math"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
)

// byAreaOf indexes observations by area code, as a series does for one period.
func byAreaOf(obs ...*observation) map[string]*observation {
	m := map[string]*observation{}
	for _, o := range obs {
		m[o.area.Code] = o
	}
	return m
}

func withCounts(o *observation, num, den float64) *observation {
	o.num, o.den = num, den
	return o
}

// TestRankLAsCompetitionRanking pins METHODS.md "Ranks and quartile bands": 1 = best by
// polarity, ties share the lowest rank and the next is skipped ("1224"), missing values are not
// ranked, England and regions are never ranked, predecessor councils are, and n is reported.
func TestRankLAsCompetitionRanking(t *testing.T) {
	byArea := byAreaOf(
		obsOf(t, "886", "2016", 10),  // Kent
		obsOf(t, "881", "2016", 20),  // Essex
		obsOf(t, "845", "2016", 20),  // East Sussex
		obsOf(t, "938", "2016", 30),  // West Sussex
		obsOf(t, "836", "2016", 5),   // Poole, a predecessor council (ended 2019)
		obsOf(t, "878", "2016", nan), // Devon: missing
		obsOf(t, areas.EnglandCode, "2016", 100),
		obsOf(t, "E12000009", "2016", 1),   // South West
		obsOf(t, "E13000001", "2016", 200), // Inner London
	)
	code := func(s string) string { return testReg.MustLookup(s).Code }
	for _, c := range []struct {
		pol  stats.Polarity
		want map[string]int
	}{
		{stats.HigherIsBetter, map[string]int{"938": 1, "881": 2, "845": 2, "886": 4, "836": 5}},
		{stats.LowerIsBetter, map[string]int{"836": 1, "886": 2, "881": 3, "845": 3, "938": 5}},
	} {
		t.Run(string(c.pol), func(t *testing.T) {
			r := rankLAs(byArea, quartileDef(c.pol))
			if r.n != 5 {
				t.Errorf("n = %d, want 5 (LAs with a value only)", r.n)
			}
			if len(r.ranks) != len(c.want) {
				t.Errorf("%d areas ranked, want %d: %v", len(r.ranks), len(c.want), r.ranks)
			}
			for dfe, want := range c.want {
				if got, ok := r.ranks[code(dfe)]; !ok || got != want {
					t.Errorf("%s: rank %d (ranked %v), want %d", dfe, got, ok, want)
				}
			}
			for _, notRanked := range []string{"878", areas.EnglandCode, "E12000009", "E13000001"} {
				if got, ok := r.ranks[code(notRanked)]; ok {
					t.Errorf("%s ranked %d; it must not be", notRanked, got)
				}
			}
			// Bounds come from the five LA values [5 10 20 20 30] only.
			if want := [5]float64{5, 10, 20, 20, 30}; r.quartiles != want {
				t.Errorf("quartile bounds %v, want %v (England, regions and missing values excluded)", r.quartiles, want)
			}
		})
	}
	for _, pol := range []stats.Polarity{stats.NoJudgement, stats.CloserIsBetter} {
		r := rankLAs(byArea, quartileDef(pol))
		if r.n != 0 || len(r.ranks) != 0 || r.quartile(20) != "" {
			t.Errorf("%s: n %d ranks %v band %q; indicators without a direction have no rank or band", pol, r.n, r.ranks, r.quartile(20))
		}
	}
	if r := rankLAs(byAreaOf(obsOf(t, areas.EnglandCode, "2016", 100), obsOf(t, "878", "2016", nan)), quartileDef(stats.HigherIsBetter)); r.n != 0 || len(r.ranks) != 0 || r.quartile(100) != "" {
		t.Errorf("no LA with a value: %+v, band %q", r, r.quartile(100))
	}
}

// TestRankLAsQuartileBands pins LAIT's type-7 quartile boundaries and bands, with a boundary
// value in the lower interval.
func TestRankLAsQuartileBands(t *testing.T) {
	// Values 1..50 on 50 LAs give [1, 13.25, 25.5, 37.75, 50]; England's 1000 is not in the population.
	las := testReg.LocalAuthorities()[:50]
	byArea := map[string]*observation{}
	for i, a := range las {
		byArea[a.Code] = obsOf(t, a.Code, "2016", float64(i+1))
	}
	byArea[areas.EnglandCode] = obsOf(t, areas.EnglandCode, "2016", 1000)
	r := rankLAs(byArea, quartileDef(stats.LowerIsBetter))
	if want := [5]float64{1, 13.25, 25.5, 37.75, 50}; r.quartiles != want || r.n != 50 {
		t.Fatalf("bounds %v n %d, want %v and 50", r.quartiles, r.n, want)
	}
	if got := r.ranks[las[12].Code]; got != 13 {
		t.Errorf("value 13 ranks %d among 1..50 lower is better, want 13", got)
	}

	// Values 1..5 put quartile boundaries on values: [1, 2, 3, 4, 5].
	small := byAreaOf(obsOf(t, "886", "2016", 1), obsOf(t, "881", "2016", 2), obsOf(t, "845", "2016", 3),
		obsOf(t, "938", "2016", 4), obsOf(t, "878", "2016", 5))
	for _, c := range []struct {
		pol  stats.Polarity
		want map[float64]string
	}{
		// A boundary value belongs to the lower interval: 2 is in [Q0, Q25], 4 in (Q50, Q75].
		{stats.LowerIsBetter, map[float64]string{1: "A", 2: "A", 2.5: "B", 3: "B", 4: "C", 4.5: "D", 5: "D"}},
		{stats.HigherIsBetter, map[float64]string{1: "D", 2: "D", 2.5: "C", 3: "C", 4: "B", 4.5: "A", 5: "A"}},
	} {
		r := rankLAs(small, quartileDef(c.pol))
		if r.quartiles != [5]float64{1, 2, 3, 4, 5} {
			t.Fatalf("bounds %v", r.quartiles)
		}
		for v, want := range c.want {
			if got := r.quartile(v); got != want {
				t.Errorf("%s: value %v in band %q, want %q", c.pol, v, got, want)
			}
		}
		if got := r.quartile(nan); got != "" {
			t.Errorf("%s: a missing value has band %q", c.pol, got)
		}
	}
}

func countsDef() *indicators.Definition {
	d := testDef(stats.LowerIsBetter, indicators.RuleStandard)
	d.Source.Numerator, d.Source.Denominator, d.Source.Multiplier = "num", "den", 100
	return d
}

// TestEnglandComparator pins METHODS.md "Comparator values" for England: the published row,
// else Σnumerator/Σdenominator × multiplier over the LAs, else a flagged mean of their values.
func TestEnglandComparator(t *testing.T) {
	e := &Engine{Areas: testReg, MinAggregateCoverage: -1} // these cases pin the arithmetic on a few LAs
	las := func() []*observation {
		return []*observation{
			withCounts(obsOf(t, "886", "2016", 30), 30, 100), // Kent 30/100
			withCounts(obsOf(t, "881", "2016", 20), 10, 50),  // Essex 10/50
			obsOf(t, "878", "2016", nan),                     // Devon: no value
			// A region row with counts is not a local authority and is not added in.
			withCounts(obsOf(t, "E12000009", "2016", 90), 900, 1000),
		}
	}

	t.Run("published row preferred", func(t *testing.T) {
		byArea := byAreaOf(append(las(), obsOf(t, areas.EnglandCode, "2016", 21.5))...)
		c := e.englandComparator(countsDef(), "", byArea)
		if !eqPtr(c.Value, 21.5) || c.Source != SourcePublished || c.Code != areas.EnglandCode || c.Name != testReg.England().Name {
			t.Fatalf("got %+v value %s, want published 21.5 for %s", c, f64(c.Value), areas.EnglandCode)
		}
	})
	t.Run("aggregated from LA counts when absent", func(t *testing.T) {
		c := e.englandComparator(countsDef(), "", byAreaOf(las()...))
		want := 40.0 / 150 * 100
		if !near(c.Value, want, 1e-12) || c.Source != SourceAggregated || c.N != 2 || c.Code != areas.EnglandCode {
			t.Fatalf("got %+v value %s, want aggregated %v over 2 LAs", c, f64(c.Value), want)
		}
	})
	t.Run("suppressed England row is not used", func(t *testing.T) {
		eng := obsOf(t, areas.EnglandCode, "2016", nan)
		eng.marker = "c"
		c := e.englandComparator(countsDef(), "", byAreaOf(append(las(), eng)...))
		if c.Source != SourceAggregated || !near(c.Value, 40.0/150*100, 1e-12) {
			t.Fatalf("got %+v value %s, want aggregated", c, f64(c.Value))
		}
	})
	t.Run("mean of areas when the definition has no counts", func(t *testing.T) {
		def := testDef(stats.LowerIsBetter, indicators.RuleStandard)
		c := e.englandComparator(def, "", byAreaOf(las()...))
		if !eqPtr(c.Value, 25) || c.Source != SourceMeanOfAreas || c.N != 2 {
			t.Fatalf("got %+v value %s, want mean_of_areas 25 over 2 LAs", c, f64(c.Value))
		}
	})
	t.Run("mean of areas when no LA has counts", func(t *testing.T) {
		c := e.englandComparator(countsDef(), "", byAreaOf(obsOf(t, "886", "2016", 30), obsOf(t, "881", "2016", 21)))
		if !eqPtr(c.Value, 25.5) || c.Source != SourceMeanOfAreas || c.N != 2 {
			t.Fatalf("got %+v value %s, want mean_of_areas 25.5", c, f64(c.Value))
		}
	})
	t.Run("none without LA values", func(t *testing.T) {
		c := e.englandComparator(countsDef(), "", byAreaOf(obsOf(t, "878", "2016", nan), obsOf(t, "E12000009", "2016", 90)))
		if c.Value != nil || c.Source != SourceNone {
			t.Fatalf("got %+v, want source none and no value", c)
		}
	})
}

// TestRegionComparatorLondon pins that a London borough compares with London (E12000007),
// aggregated from the London boroughs, when a file only publishes Inner and Outer London rows;
// and that a published London row is used when there is one.
func TestRegionComparatorLondon(t *testing.T) {
	e := &Engine{Areas: testReg, MinAggregateCoverage: -1} // these cases pin the arithmetic on a few LAs
	camden := testReg.MustLookup("202")                    // Inner London
	london := testReg.Region(camden)
	if london == nil || london.Code != areas.LondonCode || camden.RegionCode != areas.LondonCode {
		t.Fatalf("Camden's region is %v, want London %s", london, areas.LondonCode)
	}
	obs := []*observation{
		withCounts(obsOf(t, "202", "2016", 10), 10, 100), // Camden, Inner London
		withCounts(obsOf(t, "302", "2016", 20), 40, 200), // Barnet, Outer London
		withCounts(obsOf(t, "306", "2016", 30), 90, 300), // Croydon, Outer London
		withCounts(obsOf(t, "886", "2016", 90), 90, 100), // Kent: South East, not London
		withCounts(obsOf(t, "E13000001", "2016", 11), 11, 100),
		withCounts(obsOf(t, "E13000002", "2016", 26), 130, 500),
		obsOf(t, areas.EnglandCode, "2016", 50),
	}
	c := e.regionComparator(countsDef(), "", london, byAreaOf(obs...))
	if c.Code != areas.LondonCode || c.Source != SourceAggregated || c.N != 3 || !near(c.Value, 140.0/600*100, 1e-12) {
		t.Fatalf("got %+v value %s, want London aggregated from 3 boroughs = %v", c, f64(c.Value), 140.0/600*100)
	}
	mean := e.regionComparator(testDef(stats.LowerIsBetter, indicators.RuleStandard), "", london, byAreaOf(obs...))
	if mean.Source != SourceMeanOfAreas || !eqPtr(mean.Value, 20) || mean.N != 3 {
		t.Errorf("without counts: got %+v value %s, want mean_of_areas 20 of 3 boroughs", mean, f64(mean.Value))
	}
	withLondon := byAreaOf(append(obs, obsOf(t, areas.LondonCode, "2016", 22.2))...)
	if c := e.regionComparator(countsDef(), "", london, withLondon); c.Source != SourcePublished || !eqPtr(c.Value, 22.2) {
		t.Errorf("with a London row: got %+v value %s, want published 22.2", c, f64(c.Value))
	}

	// Outside London the published regional row is used.
	sw := testReg.Region(testReg.MustLookup("839"))
	if sw.Code != "E12000009" {
		t.Fatalf("BCP's region is %s", sw.Code)
	}
	c = e.regionComparator(countsDef(), "", sw, byAreaOf(obsOf(t, "E12000009", "2016", 86.5), obsOf(t, "839", "2016", 58.8)))
	if c.Code != "E12000009" || c.Source != SourcePublished || !eqPtr(c.Value, 86.5) {
		t.Errorf("South West: got %+v value %s, want published 86.5", c, f64(c.Value))
	}
}

// TestNeighbourComparator pins the statistical-neighbour average: the mean of the neighbours
// with a value, the number used of how many, the vintage, never the area itself.
func TestNeighbourComparator(t *testing.T) {
	e := &Engine{Areas: testReg}
	bcp := testReg.MustLookup("839")
	ns, err := testReg.Neighbours(bcp, "2025-05")
	if err != nil || len(ns) != 10 {
		t.Fatalf("BCP neighbours in 2025-05: %d, %v", len(ns), err)
	}
	inNeighbours := map[string]bool{}
	for _, n := range ns {
		inNeighbours[n.Area.Code] = true
	}
	var notNeighbour *areas.Area
	for _, a := range testReg.LocalAuthorities() {
		if !inNeighbours[a.Code] && a.Code != bcp.Code {
			notNeighbour = a
			break
		}
	}
	suppressed := obsOf(t, ns[1].Area.Code, "2016", nan)
	suppressed.marker = "c"
	byArea := byAreaOf(
		obsOf(t, ns[0].Area.Code, "2016", 10),
		suppressed,
		obsOf(t, ns[2].Area.Code, "2016", 20),
		obsOf(t, ns[5].Area.Code, "2016", 45),
		obsOf(t, bcp.Code, "2016", 1000),         // the area itself
		obsOf(t, notNeighbour.Code, "2016", 500), // not a neighbour
		obsOf(t, areas.EnglandCode, "2016", 700),
		obsOf(t, "E12000009", "2016", 800),
	)

	t.Run("mean of the neighbours with a value", func(t *testing.T) {
		c := e.neighbourComparator(bcp, byArea, nil)
		if !eqPtr(c.Value, 25) || c.N != 3 || c.Of != 10 || c.Vintage != "2025-05" || c.Source != SourceNeighbourMean {
			t.Fatalf("got %+v value %s, want neighbour_mean 25 of 3/10 in 2025-05 (own value 1000 excluded)", c, f64(c.Value))
		}
	})
	t.Run("the configured vintage is used", func(t *testing.T) {
		old, err := testReg.Neighbours(bcp, "2021-04")
		if err != nil || len(old) != 10 {
			t.Fatalf("BCP neighbours in 2021-04: %d, %v", len(old), err)
		}
		m := byAreaOf(obsOf(t, bcp.Code, "2016", 1000))
		want, n := 0.0, 0
		for i, nb := range old[:4] {
			v := float64(10 * (i + 1))
			m[nb.Area.Code] = obsOf(t, nb.Area.Code, "2016", v)
			want += v
			n++
		}
		want /= float64(n)
		c := (&Engine{Areas: testReg, Vintage: "2021-04"}).neighbourComparator(bcp, m, nil)
		if !near(c.Value, want, 1e-12) || c.N != 4 || c.Of != 10 || c.Vintage != "2021-04" {
			t.Fatalf("got %+v value %s, want %v of 4/10 in 2021-04", c, f64(c.Value), want)
		}
	})
	t.Run("a published average wins", func(t *testing.T) {
		pub := byAreaOf(obsOf(t, bcp.Code, "2016", 83.8))
		c := e.neighbourComparator(bcp, byArea, pub)
		if !eqPtr(c.Value, 83.8) || c.Source != SourcePublished {
			t.Fatalf("got %+v value %s, want published 83.8", c, f64(c.Value))
		}
		// A published average for another area does not apply.
		c = e.neighbourComparator(bcp, byArea, byAreaOf(obsOf(t, "886", "2016", 1)))
		if c.Source != SourceNeighbourMean || !eqPtr(c.Value, 25) {
			t.Fatalf("another area's published average was used: %+v", c)
		}
	})
	t.Run("a predecessor council uses the vintage that lists it", func(t *testing.T) {
		poole := testReg.MustLookup("836")
		if ns, _ := testReg.Neighbours(poole, "2025-05"); len(ns) != 0 {
			t.Fatalf("Poole has %d neighbours in 2025-05; the test assumes none", len(ns))
		}
		old, err := testReg.Neighbours(poole, "2021-04")
		if err != nil || len(old) != 10 {
			t.Fatalf("Poole neighbours in 2021-04: %d, %v", len(old), err)
		}
		m := byAreaOf(obsOf(t, poole.Code, "2016", 58.8), obsOf(t, old[0].Area.Code, "2016", 12), obsOf(t, old[9].Area.Code, "2016", 18))
		c := e.neighbourComparator(poole, m, nil)
		if !eqPtr(c.Value, 15) || c.N != 2 || c.Of != 10 || c.Vintage != "2021-04" || c.Source != SourceNeighbourMean {
			t.Fatalf("got %+v value %s, want neighbour_mean 15 of 2/10 in 2021-04", c, f64(c.Value))
		}
	})
	t.Run("no neighbour with a value", func(t *testing.T) {
		c := e.neighbourComparator(bcp, byAreaOf(obsOf(t, bcp.Code, "2016", 1000), suppressed), nil)
		if c.Value != nil || c.Source != SourceNone || c.Reason == "" || c.N != 0 || c.Vintage != "2025-05" {
			t.Fatalf("got %+v, want source none with a reason", c)
		}
	})
	t.Run("an area in no vintage", func(t *testing.T) {
		var orphan *areas.Area
		for _, a := range testReg.Areas() {
			if a.Level != areas.LocalAuthority {
				continue
			}
			found := false
			for _, v := range testReg.Vintages() {
				if ns, _ := testReg.Neighbours(a, v); len(ns) > 0 {
					found = true
				}
			}
			if !found {
				orphan = a
				break
			}
		}
		if orphan == nil {
			t.Skip("every LA is in some vintage")
		}
		c := e.neighbourComparator(orphan, byArea, nil)
		if c.Value != nil || c.Source != SourceNone || !strings.Contains(c.Reason, "vintage") {
			t.Fatalf("%s: got %+v, want source none saying it has no neighbours in any vintage", orphan, c)
		}
	})
}

// TestJudgeMethod pins PRODUCT.md judgement 2: with a confidence interval Fingertips' rule
// (method ci95, similar when the benchmark is inside, bounds inclusive), without one the sign of
// the difference (method difference).
func TestJudgeMethod(t *testing.T) {
	e := &Engine{Areas: testReg}
	cmp := func(v float64) *Comparator {
		return &Comparator{Code: areas.EnglandCode, Value: &v, Source: SourcePublished}
	}
	withCI := func(v, lo, up float64) *Evaluation {
		return &Evaluation{Value: &v, CI: &CI{Method: "published", Lower95: &lo, Upper95: &up}}
	}
	noCI := func(v float64) *Evaluation { return &Evaluation{Value: &v} }
	higher, lower := testDef(stats.HigherIsBetter, indicators.RuleStandard), testDef(stats.LowerIsBetter, indicators.RuleStandard)
	nj := testDef(stats.NoJudgement, indicators.RuleStandard)
	cases := []struct {
		name   string
		def    *indicators.Definition
		ev     *Evaluation
		c      *Comparator
		label  stats.Judgement
		method string
	}{
		// METHODS.md reference table.
		{"11 in [10,12] vs 11", higher, withCI(11, 10, 12), cmp(11), "similar", "ci95"},
		{"3.05 [2.7,3.1] vs 3.0 higher", higher, withCI(3.05, 2.7, 3.1), cmp(3.0), "similar", "ci95"},
		{"3.3 [3.2,3.5] vs 3.0 higher", higher, withCI(3.3, 3.2, 3.5), cmp(3.0), "better", "ci95"},
		{"3.3 [3.2,3.5] vs 3.0 lower", lower, withCI(3.3, 3.2, 3.5), cmp(3.0), "worse", "ci95"},
		{"2.5 [2.2,2.8] vs 3.0 higher", higher, withCI(2.5, 2.2, 2.8), cmp(3.0), "worse", "ci95"},
		{"2.5 [2.2,2.8] vs 3.0 lower", lower, withCI(2.5, 2.2, 2.8), cmp(3.0), "better", "ci95"},
		{"benchmark on the upper limit is similar", higher, withCI(60, 55, 65), cmp(65), "similar", "ci95"},
		{"no judgement above the interval is lower", nj, withCI(60, 55, 65), cmp(70), "lower", "ci95"},
		// Without an interval: the sign of the difference, and said so.
		{"no CI: 58.8 vs 87.0 higher is worse", higher, noCI(58.8), cmp(87.0), "worse", "difference"},
		{"no CI: 58.8 vs 87.0 lower is better", lower, noCI(58.8), cmp(87.0), "better", "difference"},
		{"no CI: equal is similar", higher, noCI(58.8), cmp(58.8), "similar", "difference"},
		{"no CI: no judgement is higher", nj, noCI(90), cmp(87.0), "higher", "difference"},
		{"CI with one limit missing falls back to difference", higher,
			&Evaluation{Value: ptr(60), CI: &CI{Lower95: ptr(55)}}, cmp(62), "worse", "difference"},
		{"no benchmark value is not compared", higher, withCI(60, 55, 65), &Comparator{Source: SourceNone}, "not_compared", ""},
		{"no value is not compared", higher, &Evaluation{}, cmp(62), "not_compared", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.judge(c.def, c.ev, c.c)
			if got.Judgement != c.label || got.Method != c.method {
				t.Fatalf("judgement %q method %q, want %q %q (reason %q)", got.Judgement, got.Method, c.label, c.method, got.Reason)
			}
			if c.c.Judgement != "" {
				t.Errorf("judge changed its input comparator")
			}
			if got.Code != c.c.Code || got.Source != c.c.Source || (c.c.Value != nil && !eqPtr(got.Value, *c.c.Value)) {
				t.Errorf("judge lost the comparator's figures: %+v", got)
			}
			if c.label == "not_compared" && got.Reason == "" {
				t.Errorf("not compared without a reason")
			}
		})
	}
	if e.judge(higher, noCI(1), nil) != nil {
		t.Error("judge of a nil comparator is not nil")
	}
	if got := e.judge(higher, noCI(58.8), cmp(87)); got.DisplayValue != "87.0" {
		t.Errorf("display value %q, want 87.0 (1 decimal)", got.DisplayValue)
	}

	// Two levels: outside the 99.8% interval is worst.
	two := testDef(stats.HigherIsBetter, indicators.RuleStandard)
	two.Comparison.TwoLevel = true
	ev := &Evaluation{Value: ptr(50), CI: &CI{Lower95: ptr(48), Upper95: ptr(52), Lower998: ptr(47), Upper998: ptr(53)}}
	if got := e.judge(two, ev, cmp(60)); got.Judgement != "worst" || got.Method != "ci95_998" {
		t.Errorf("two-level: %q %q, want worst ci95_998", got.Judgement, got.Method)
	}
	if got := e.judge(two, ev, cmp(52.5)); got.Judgement != "worse" || got.Method != "ci95_998" {
		t.Errorf("two-level inside 99.8%%: %q %q, want worse ci95_998", got.Judgement, got.Method)
	}
}

// TestAggregateZeroDenominators pins the fallback to a flagged mean when the denominators sum to 0.
func TestAggregateZeroDenominators(t *testing.T) {
	e := &Engine{Areas: testReg, MinAggregateCoverage: -1} // these cases pin the arithmetic on a few LAs
	byArea := byAreaOf(withCounts(obsOf(t, "886", "2016", 0), 0, 0), withCounts(obsOf(t, "881", "2016", 4), 0, 0))
	c := e.englandComparator(countsDef(), "", byArea)
	if c.Source != SourceMeanOfAreas || !eqPtr(c.Value, 2) || math.IsNaN(*c.Value) {
		t.Fatalf("got %+v value %s, want mean_of_areas 2 when the denominators sum to 0", c, f64(c.Value))
	}
}

// A group's figure is not aggregated from a few councils' rows: a local return with one
// council's figures must not pass that council off as England or its region.
func TestAggregateNeedsHalfTheGroup(t *testing.T) {
	e := &Engine{Areas: testReg}
	def := &indicators.Definition{Polarity: stats.HigherIsBetter}
	byArea := map[string]*observation{}
	las := testReg.LocalAuthorities()
	for i, a := range las[:76] {
		byArea[a.Code] = &observation{area: a, level: "la", value: float64(i), num: math.NaN(), den: math.NaN()}
	}
	c := e.englandComparator(def, "", byArea)
	if c.Value != nil || c.Source != SourceNone || !strings.Contains(c.Reason, "only 76 of 153") {
		t.Errorf("76 of 153 LAs: %+v", c)
	}
	a := las[76]
	byArea[a.Code] = &observation{area: a, level: "la", value: 76, num: math.NaN(), den: math.NaN()}
	c = e.englandComparator(def, "", byArea)
	if c.Value == nil || *c.Value != 38 || c.Source != SourceMeanOfAreas || c.N != 77 {
		t.Errorf("77 of 153 LAs: %+v", c)
	}
}

// quartileDef is a definition banded by LAIT's quartiles, with the given polarity.
func quartileDef(pol stats.Polarity) *indicators.Definition {
	return &indicators.Definition{Polarity: pol, Banding: indicators.BandingQuartiles}
}

// Fingertips quintiles are an indicator option: 1 = best for a polarity; LAIT's No_Quartile
// measures (banding: none) get neither band.
func TestRankLAsQuintilesAndNoBanding(t *testing.T) {
	las := testReg.LocalAuthorities()[:50]
	byArea := map[string]*observation{}
	for i, a := range las {
		byArea[a.Code] = obsOf(t, a.Code, "2016", float64(i+1))
	}
	r := rankLAs(byArea, &indicators.Definition{Polarity: stats.LowerIsBetter, Banding: indicators.BandingQuintiles})
	if want := [6]float64{1, 10.8, 20.6, 30.4, 40.2, 50}; !approxSlice(r.quintiles[:], want[:]) {
		t.Fatalf("quintile bounds %v, want %v", r.quintiles, want)
	}
	for _, c := range []struct {
		v    float64
		want int
	}{{1, 1}, {10.8, 1}, {11, 2}, {20.6, 2}, {30.5, 4}, {50, 5}} {
		if q := r.quintile(c.v); q == nil || q.Position != c.want {
			t.Errorf("lower is better, value %v: quintile %+v, want %d", c.v, q, c.want)
		}
	}
	if r.quartile(10) != "" {
		t.Error("a quintile-banded indicator has no quartile")
	}
	r = rankLAs(byArea, &indicators.Definition{Polarity: stats.LowerIsBetter, Banding: indicators.BandingNone})
	if r.quartile(10) != "" || r.quintile(10) != nil || r.n != 50 {
		t.Errorf("banding none: quartile %q quintile %+v n %d; ranks stay, bands go", r.quartile(10), r.quintile(10), r.n)
	}
}

func approxSlice(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-9 {
			return false
		}
	}
	return len(a) == len(b)
}

// Finding 10: the comparators' means, sums and ratios of values near ±math.MaxFloat64 are the
// finite figures they should be, and ordinary data gives exactly the plain arithmetic.
func TestFinding10AggregatesDoNotOverflow(t *testing.T) {
	const big = math.MaxFloat64
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"mean of two max", mean([]float64{big, big}), big},
		{"mean of max and -max", mean([]float64{big, -big, 1e308}), 1e308 / 3},
		{"mean of ten 1e308", mean([]float64{1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308, 1e308}), 1e308},
		{"ordinary mean", mean([]float64{0.1, 0.2, 0.4}), (0.1 + 0.2 + 0.4) / 3},
		{"sum beyond the range", sum([]float64{big, big}), math.Inf(1)},
		{"ratio of overflowing sums", ratio([]float64{big, big}, []float64{big, big}), 1},
		{"ordinary ratio", ratio([]float64{3, 4}, []float64{10, 20}), 7.0 / 30},
	} {
		if tt.got != tt.want && math.Abs(tt.got-tt.want) > 1e-15*math.Abs(tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if !math.IsNaN(mean(nil)) || !math.IsNaN(ratio([]float64{1}, []float64{0})) {
		t.Error("an empty mean or a zero denominator must be NaN (no value), not a number")
	}
}

// Issue 16 rule 1: no limits, no significance. An indicator with a confidence-interval method
// whose value has no valid 95% limits is not compared, with the reason (fingertips-open
// PholioVisualisation.Analysis SingleOverlappingCIsComparer / DoubleOverlappingCIsComparer:
// Significance.None when Are95CIsValid is false). Fingertips' West Midlands row for 90284
// ("Aggregated from all known lower geography values", no limits): 95.31 against England
// 94.73, published "Not compared"; the sign of the difference said "Worse". The plain difference
// stays only for ci_method none, and says so (Method "difference").
// Rule 2: two-level comparisons need valid 99.8% limits (SingleOverlappingCIsForTwoCILevelsComparer).
func TestJudgeFollowsFingertipsWithoutLimits(t *testing.T) {
	e := &Engine{Areas: testReg}
	cmp := func(v float64) *Comparator {
		return &Comparator{Code: areas.EnglandCode, Value: &v, Source: SourcePublished}
	}
	def := func(m indicators.CIMethod, twoLevel bool) *indicators.Definition {
		d := testDef(stats.LowerIsBetter, indicators.RuleStandard)
		d.Unit, d.Decimals, d.CIMethod, d.Comparison.TwoLevel = indicators.RatePer10000, 2, m, twoLevel
		return d
	}
	westMidlands := &Evaluation{Value: ptr(95.31)}
	only95 := &Evaluation{Value: ptr(110), CI: &CI{Lower95: ptr(105), Upper95: ptr(115)}}
	cases := []struct {
		name           string
		def            *indicators.Definition
		ev             *Evaluation
		label          stats.Judgement
		method, reason string
	}{
		{"published limits missing", def(indicators.CIPublished, false), westMidlands, "not_compared", "", "no 95% confidence interval"},
		{"wilson without counts", def(indicators.CIWilson, false), westMidlands, "not_compared", "", "no 95% confidence interval"},
		{"poisson_exact without counts", def(indicators.CIPoissonExact, false), westMidlands, "not_compared", "", "no 95% confidence interval"},
		{"one limit missing", def(indicators.CIPublished, false), &Evaluation{Value: ptr(95.31), CI: &CI{Lower95: ptr(90)}}, "not_compared", "", "no 95% confidence interval"},
		{"ci_method none: plain difference", def(indicators.CINone, false), westMidlands, "worse", "difference", ""},
		{"two levels without 99.8% limits", def(indicators.CIPublished, true), only95, "not_compared", "", "no 99.8% confidence interval"},
		{"one level with 95% limits only", def(indicators.CIPublished, false), only95, "worse", "ci95", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.judge(c.def, c.ev, cmp(94.73))
			if got.Judgement != c.label || got.Method != c.method || got.Reason != c.reason {
				t.Errorf("got %q %q %q, want %q %q %q", got.Judgement, got.Method, got.Reason, c.label, c.method, c.reason)
			}
		})
	}
}

// Issue 16 rule 3: a Fingertips export that publishes no regional (or England) value for a
// breakdown means "Not compared" on Fingertips (its 0-9 years rows, for example), so by default
// the engine builds no figure from the local authorities for a Fingertips source
// (comparison.values published); published_or_aggregated keeps the aggregate, and every other
// format keeps it by default. The comparator says which source it used.
func TestComparatorValuesPublishedOrAggregated(t *testing.T) {
	e := &Engine{Areas: testReg, MinAggregateCoverage: -1}
	london := testReg.MustLookup("E12000007")
	obs := byAreaOf(withCounts(obsOf(t, "202", "2016", 30), 30, 100), withCounts(obsOf(t, "203", "2016", 20), 10, 50)) // Camden, Greenwich
	for _, c := range []struct {
		name, values, format string
		source               string
	}{
		{"fingertips export, default", "", "fingertips", SourceNone},
		{"fingertips export, published_or_aggregated", indicators.ValuesPublishedOrAggregated, "fingertips", SourceAggregated},
		{"another format, default", "", "ees", SourceAggregated},
		{"another format, published", indicators.ValuesPublished, "ees", SourceNone},
	} {
		t.Run(c.name, func(t *testing.T) {
			def := countsDef()
			def.Comparison.Values = c.values
			for _, got := range []*Comparator{e.englandComparator(def, c.format, obs), e.regionComparator(def, c.format, london, obs)} {
				if got.Source != c.source {
					t.Errorf("%s: source %q, want %q (%+v)", got.Code, got.Source, c.source, got)
				}
				switch c.source {
				case SourceNone:
					if got.Value != nil || got.Reason != ReasonNotPublished {
						t.Errorf("%s: %+v, want no value because the source published none", got.Code, got)
					}
					j := e.judge(def, &Evaluation{Value: ptr(30), CI: &CI{Lower95: ptr(21), Upper95: ptr(40)}}, got)
					if j.Judgement != "not_compared" || j.Reason != ReasonNotPublished {
						t.Errorf("%s: judged %q (%q), want not_compared with the comparator's reason", got.Code, j.Judgement, j.Reason)
					}
				case SourceAggregated:
					if !eqPtr(got.Value, 40.0/150*100) {
						t.Errorf("%s: value %s, want 40/150 × 100", got.Code, f64(got.Value))
					}
				}
			}
		})
	}
	// A published row is used whatever the option.
	def := countsDef()
	def.Comparison.Values = indicators.ValuesPublished
	pub := byAreaOf(obsOf(t, areas.EnglandCode, "2016", 21.5))
	if got := e.englandComparator(def, "fingertips", pub); got.Source != SourcePublished || !eqPtr(got.Value, 21.5) {
		t.Errorf("published England row: %+v", got)
	}
}
