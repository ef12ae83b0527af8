package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/stats"
)

var (
	testReg = areas.Default()
	nan     = math.NaN()
)

// testDef is a minimal definition with the defaults the catalogue's decoder fills in.
func testDef(pol stats.Polarity, rule string) *indicators.Definition {
	return &indicators.Definition{ID: "test-indicator", Title: "Test", Unit: indicators.Percentage, Decimals: 1,
		Polarity: pol, RAGRule: rule, CIMethod: indicators.CINone, File: "test.yaml",
		Source: indicators.Source{Dataset: "test", Value: "value"}}
}

// obsOf is an observation of value for the area with the given code (GSS, DfE code or name).
func obsOf(t *testing.T, area string, p string, value float64) *observation {
	t.Helper()
	a, ok := testReg.Lookup(area)
	if !ok {
		t.Fatalf("unknown area %q", area)
	}
	o := &observation{area: a, level: string(a.Level), value: value, num: nan, den: nan,
		lo95: nan, up95: nan, lo998: nan, up998: nan}
	if p != "" {
		o.period = mustPeriod(t, p)
	}
	return o
}

func mustPeriod(t *testing.T, s string) period.Period {
	t.Helper()
	p, err := period.Parse(s)
	if err != nil {
		t.Fatalf("period %q: %v", s, err)
	}
	return p
}

func absTarget(value, tol float64) *resolvedTarget {
	return &resolvedTarget{Target: indicators.Target{Value: fp(value), Tolerance: tol, ToleranceType: indicators.ToleranceAbsolute}, source: "test.yaml targets[0]", value: value}
}

func pctTarget(value, pct float64) *resolvedTarget {
	return &resolvedTarget{Target: indicators.Target{Value: fp(value), Tolerance: pct, ToleranceType: indicators.TolerancePercent}, source: "test.yaml targets[0]", value: value}
}

func bandTarget(value, band, tol float64) *resolvedTarget {
	return &resolvedTarget{Target: indicators.Target{Value: fp(value), GreenBand: band, Tolerance: tol, ToleranceType: indicators.ToleranceAbsolute}, source: "test.yaml targets[0]", value: value}
}

func f64(p *float64) string {
	if p == nil {
		return "<nil>"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func eqPtr(p *float64, want float64) bool { return p != nil && *p == want }

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

// TestRAGStandardBoundaries pins PRODUCT.md judgement 1 for every polarity: green at and beyond
// the target (or within the green band), amber up to and including target ∓ tolerance, red
// beyond; with absolute and percent tolerances.
func TestRAGStandardBoundaries(t *testing.T) {
	cases := []struct {
		name  string
		pol   stats.Polarity
		t     *resolvedTarget
		value float64
		want  RAGStatus
	}{
		// Higher is better: target 80, tolerance 4 → amber from 76 (inclusive).
		{"higher/at target is green", stats.HigherIsBetter, absTarget(80, 4), 80, Green},
		{"higher/just above target is green", stats.HigherIsBetter, absTarget(80, 4), 80.1, Green},
		{"higher/just below target is amber", stats.HigherIsBetter, absTarget(80, 4), 79.9, Amber},
		{"higher/on amber boundary 76 is amber", stats.HigherIsBetter, absTarget(80, 4), 76, Amber},
		{"higher/just beyond amber boundary is red", stats.HigherIsBetter, absTarget(80, 4), 75.9, Red},
		{"higher/far below is red", stats.HigherIsBetter, absTarget(80, 4), 10, Red},
		{"higher/zero tolerance: just below target is red", stats.HigherIsBetter, absTarget(80, 0), 79.9, Red},
		// Percent tolerance: 5% of 80 is 4.
		{"higher/percent: on boundary 76 is amber", stats.HigherIsBetter, pctTarget(80, 5), 76, Amber},
		{"higher/percent: 75.9 is red", stats.HigherIsBetter, pctTarget(80, 5), 75.9, Red},
		{"higher/percent: 80 is green", stats.HigherIsBetter, pctTarget(80, 5), 80, Green},
		// Boundaries that floating point cannot represent exactly still count as on the boundary.
		{"higher/decimal boundary 73.6-2=71.6 is amber", stats.HigherIsBetter, absTarget(73.6, 2), 71.6, Amber},
		{"higher/decimal: 71.5 is red", stats.HigherIsBetter, absTarget(73.6, 2), 71.5, Red},
		{"higher/percent: 10% of 0.1 → boundary 0.09 is amber", stats.HigherIsBetter, pctTarget(0.1, 10), 0.09, Amber},
		{"higher/percent: 10% of 0.1 → 0.0899 is red", stats.HigherIsBetter, pctTarget(0.1, 10), 0.0899, Red},

		// Lower is better: target 20, tolerance 2 → amber up to 22 (inclusive).
		{"lower/at target is green", stats.LowerIsBetter, absTarget(20, 2), 20, Green},
		{"lower/just below target is green", stats.LowerIsBetter, absTarget(20, 2), 19.9, Green},
		{"lower/just above target is amber", stats.LowerIsBetter, absTarget(20, 2), 20.1, Amber},
		{"lower/on amber boundary 22 is amber", stats.LowerIsBetter, absTarget(20, 2), 22, Amber},
		{"lower/just beyond amber boundary is red", stats.LowerIsBetter, absTarget(20, 2), 22.1, Red},
		{"lower/percent: 5% of 80 → 84 is amber", stats.LowerIsBetter, pctTarget(80, 5), 84, Amber},
		{"lower/percent: 84.1 is red", stats.LowerIsBetter, pctTarget(80, 5), 84.1, Red},
		// 0.7 + 0.1 is 0.7999999999999999 in binary: 0.8 must still be amber.
		{"lower/decimal boundary 0.7+0.1=0.8 is amber", stats.LowerIsBetter, absTarget(0.7, 0.1), 0.8, Amber},
		{"lower/decimal: 0.81 is red", stats.LowerIsBetter, absTarget(0.7, 0.1), 0.81, Red},

		// Closer is better: target 50, green band 1, tolerance 2 → green within 1, amber within 3.
		{"closer/at target is green", stats.CloserIsBetter, bandTarget(50, 1, 2), 50, Green},
		{"closer/on green band above is green", stats.CloserIsBetter, bandTarget(50, 1, 2), 51, Green},
		{"closer/on green band below is green", stats.CloserIsBetter, bandTarget(50, 1, 2), 49, Green},
		{"closer/just outside green band is amber", stats.CloserIsBetter, bandTarget(50, 1, 2), 51.1, Amber},
		{"closer/on amber boundary above is amber", stats.CloserIsBetter, bandTarget(50, 1, 2), 53, Amber},
		{"closer/on amber boundary below is amber", stats.CloserIsBetter, bandTarget(50, 1, 2), 47, Amber},
		{"closer/just beyond amber above is red", stats.CloserIsBetter, bandTarget(50, 1, 2), 53.1, Red},
		{"closer/just beyond amber below is red", stats.CloserIsBetter, bandTarget(50, 1, 2), 46.9, Red},
		{"closer/no green band: off target is amber", stats.CloserIsBetter, bandTarget(50, 0, 2), 50.5, Amber},
		{"closer/percent: 5% of 80 → 76 is amber", stats.CloserIsBetter,
			&resolvedTarget{Target: indicators.Target{Value: fp(80), Tolerance: 5, ToleranceType: indicators.TolerancePercent}, source: "test.yaml targets[0]", value: 80}, 76, Amber},
		{"closer/percent: 84.1 is red", stats.CloserIsBetter,
			&resolvedTarget{Target: indicators.Target{Value: fp(80), Tolerance: 5, ToleranceType: indicators.TolerancePercent}, source: "test.yaml targets[0]", value: 80}, 84.1, Red},
		// |1.1 − 1| is 0.10000000000000009 in binary: 1.1 is on the green band of 0.1.
		{"closer/decimal: 1.1 on green band 0.1 around 1 is green", stats.CloserIsBetter, bandTarget(1, 0.1, 0.2), 1.1, Green},
		{"closer/decimal: 0.9 on green band 0.1 around 1 is green", stats.CloserIsBetter, bandTarget(1, 0.1, 0.2), 0.9, Green},
		{"closer/decimal: 1.3 on amber boundary is amber", stats.CloserIsBetter, bandTarget(1, 0.1, 0.2), 1.3, Amber},
		{"closer/decimal: 1.31 is red", stats.CloserIsBetter, bandTarget(1, 0.1, 0.2), 1.31, Red},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := testDef(c.pol, indicators.RuleStandard)
			r := rag(def, obsOf(t, "839", "2016-17", c.value), c.t, nil)
			if r.Status != c.want {
				t.Fatalf("value %v against target %v (tolerance %v %s, band %v): status %q, want %q (reason %q)",
					c.value, c.t.Value, c.t.Tolerance, c.t.ToleranceType, c.t.GreenBand, r.Status, c.want, r.Reason)
			}
			if want := string(c.pol) + "/standard"; r.Rule != want {
				t.Errorf("rule %q, want %q", r.Rule, want)
			}
			// The stored judgement carries what it used, so a later change of target never
			// re-colours it silently.
			if !eqPtr(r.Target, c.t.value) || !eqPtr(r.Tolerance, c.t.Tolerance) || r.ToleranceType != c.t.ToleranceType ||
				r.TargetSource != "test.yaml targets[0]" {
				t.Errorf("stored target %s tolerance %s %q source %q; want %v, %v %q, test.yaml targets[0]",
					f64(r.Target), f64(r.Tolerance), r.ToleranceType, r.TargetSource, c.t.Value, c.t.Tolerance, c.t.ToleranceType)
			}
			if c.pol == stats.CloserIsBetter {
				if !eqPtr(r.GreenBand, c.t.GreenBand) {
					t.Errorf("green band %s, want %v", f64(r.GreenBand), c.t.GreenBand)
				}
			} else if r.GreenBand != nil {
				t.Errorf("green band %s stored for a %s indicator", f64(r.GreenBand), c.pol)
			}
		})
	}
}

// TestToleranceAmountPercentOfTarget pins "tolerance (absolute, or percent of target)": 5% of 80
// is 4, and of a negative target the tolerance is still positive.
func TestToleranceAmountPercentOfTarget(t *testing.T) {
	for _, c := range []struct {
		t    indicators.Target
		want float64
	}{
		{indicators.Target{Value: fp(80), Tolerance: 5, ToleranceType: indicators.TolerancePercent}, 4},
		{indicators.Target{Value: fp(-80), Tolerance: 5, ToleranceType: indicators.TolerancePercent}, 4},
		{indicators.Target{Value: fp(80), Tolerance: 5, ToleranceType: indicators.ToleranceAbsolute}, 5},
	} {
		if got := c.t.ToleranceAmount(*c.t.Value); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v: tolerance amount %v, want %v", c.t, got, c.want)
		}
	}
}

// TestRAGMissingSuppressedAndNoTarget pins the non-colour statuses and that the rule, and when
// a target applies the target, are still recorded.
func TestRAGMissingSuppressedAndNoTarget(t *testing.T) {
	def := testDef(stats.HigherIsBetter, indicators.RuleStandard)

	suppressed := obsOf(t, "839", "2016-17", nan)
	suppressed.marker = "c"
	r := rag(def, suppressed, absTarget(80, 4), nil)
	if r.Status != Suppressed || !strings.Contains(r.Reason, "(c)") {
		t.Errorf("suppressed value: status %q reason %q, want suppressed naming the marker c", r.Status, r.Reason)
	}
	if !eqPtr(r.Target, 80) || !eqPtr(r.Tolerance, 4) || r.TargetSource != "test.yaml targets[0]" {
		t.Errorf("suppressed value: the target that would apply is not recorded: %+v", r)
	}
	if r := rag(def, suppressed, nil, nil); r.Status != Suppressed {
		t.Errorf("suppressed value without a target: status %q, want suppressed", r.Status)
	}

	missing := obsOf(t, "839", "2016-17", nan)
	if r := rag(def, missing, absTarget(80, 4), nil); r.Status != NoData || r.Reason == "" {
		t.Errorf("missing value: status %q reason %q, want no_data with a reason", r.Status, r.Reason)
	}
	if r := rag(def, missing, nil, nil); r.Status != NoData {
		t.Errorf("missing value without a target: status %q, want no_data", r.Status)
	}

	lower := testDef(stats.LowerIsBetter, indicators.RuleStandard)
	r = rag(lower, obsOf(t, "839", "2016-17", 12), nil, nil)
	if r.Status != NoTarget || r.Rule != "lower_is_better/standard" || r.Target != nil || r.Tolerance != nil || r.TargetSource != "" {
		t.Errorf("no target: %+v, want status no_target, rule lower_is_better/standard and no target recorded", r)
	}
	if r.Reason == "" {
		t.Errorf("no target: no reason given")
	}

	tad := testDef(stats.HigherIsBetter, indicators.RuleToleranceAndDirection)
	if r := rag(tad, obsOf(t, "839", "2016-17", 12), nil, nil); r.Status != NoTarget || r.Rule != "higher_is_better/tolerance_and_direction" {
		t.Errorf("no target under tolerance_and_direction: status %q rule %q", r.Status, r.Rule)
	}

	// An indicator without a good direction is never coloured, even if a target reaches it.
	nj := testDef(stats.NoJudgement, indicators.RuleStandard)
	r = rag(nj, obsOf(t, "839", "2016-17", 12), absTarget(10, 1), nil)
	if r.Status != NoTarget || r.Rule != "no_judgement/standard" || r.Reason == "" {
		t.Errorf("no_judgement with a target: status %q rule %q reason %q, want no_target with a reason", r.Status, r.Rule, r.Reason)
	}
}

// TestRAGToleranceAndDirection pins the optional rule: outside the green band but within
// tolerance is amber only when the value improved on the same period a year earlier.
func TestRAGToleranceAndDirection(t *testing.T) {
	def := testDef(stats.HigherIsBetter, indicators.RuleToleranceAndDirection)
	tg := absTarget(80, 4)
	yearAgo := func(j Travel) *Change { return &Change{Period: "2015-16", Judgement: j} }
	cases := []struct {
		name    string
		value   float64
		yearAgo *Change
		want    RAGStatus
	}{
		{"within tolerance and improved is amber", 78, yearAgo(Improving), Amber},
		{"on the tolerance boundary and improved is amber", 76, yearAgo(Improving), Amber},
		{"within tolerance but worsened is red", 78, yearAgo(Worsening), Red},
		{"within tolerance, no change is red", 78, yearAgo(NoChange), Red},
		{"within tolerance, no year-ago value is red", 78, yearAgo(TravelNoData), Red},
		{"within tolerance, no year-ago period is red", 78, nil, Red},
		{"outside tolerance though improved is red", 75.9, yearAgo(Improving), Red},
		{"at target though worsened is green", 80, yearAgo(Worsening), Green},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rag(def, obsOf(t, "839", "2016-17", c.value), tg, c.yearAgo)
			if r.Status != c.want {
				t.Fatalf("status %q, want %q (reason %q)", r.Status, c.want, r.Reason)
			}
			if r.Rule != "higher_is_better/tolerance_and_direction" {
				t.Errorf("rule %q", r.Rule)
			}
			if c.want == Amber && !strings.Contains(r.Reason, "2015-16") {
				t.Errorf("amber reason %q does not name the year-ago period", r.Reason)
			}
		})
	}

	// The same through change(): a lower-is-better value that fell from 25 to 22 (target 20,
	// tolerance 2) improved on a year earlier and is amber; one that rose from 21 to 22 is red.
	lower := testDef(stats.LowerIsBetter, indicators.RuleToleranceAndDirection)
	for _, c := range []struct {
		before float64
		want   RAGStatus
	}{{25, Amber}, {21, Red}} {
		now := obsOf(t, "839", "2016-17 Q2", 22)
		before := obsOf(t, "839", "2015-16 Q2", c.before)
		s := testSeries(now, before)
		ch := change(lower, now, s, now.period.YearAgo(), absTarget(20, 2))
		if r := rag(lower, now, absTarget(20, 2), ch); r.Status != c.want {
			t.Errorf("22 against 20±2 after %v a year earlier: %q, want %q (year-ago judgement %q)", c.before, r.Status, c.want, ch.Judgement)
		}
	}
}

func testSeries(obs ...*observation) *series {
	s := &series{obs: map[period.Period]map[string]*observation{}, sn: map[period.Period]map[string]*observation{}}
	for _, o := range obs {
		if s.obs[o.period] == nil {
			s.obs[o.period] = map[string]*observation{}
			s.periods = append(s.periods, o.period)
		}
		s.obs[o.period][o.area.Code] = o
	}
	return s
}

// TestTargetLookupSpecificity pins "the most specific matching target applies (area and period,
// then period, then area, then default)", whatever order the targets are written in.
func TestTargetLookupSpecificity(t *testing.T) {
	e := &Engine{Areas: testReg}
	all := []indicators.Target{
		{Value: fp(60), Tolerance: 1},                                       // default
		{Value: fp(65), Tolerance: 1, Area: "839"},                          // BCP by DfE code
		{Value: fp(70), Tolerance: 1, Period: "2016-17"},                    // period
		{Value: fp(75), Tolerance: 1, Area: "E06000058", Period: "2016-17"}, // BCP by GSS code and period
	}
	orders := map[string][]int{"default first": {0, 1, 2, 3}, "most specific first": {3, 2, 1, 0}, "mixed": {2, 0, 3, 1}}
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			def := testDef(stats.HigherIsBetter, indicators.RuleStandard)
			for _, i := range order {
				def.Targets = append(def.Targets, all[i])
			}
			ts, err := e.resolveTargets(def, nil)
			if err != nil {
				t.Fatal(err)
			}
			bcp, kent := testReg.MustLookup("839").Code, testReg.MustLookup("886").Code
			for _, c := range []struct {
				area, period string
				want         float64
			}{
				{bcp, "2016-17", 75},    // area and period beats period, area and default
				{kent, "2016-17", 70},   // period beats default
				{bcp, "2017-18", 65},    // area beats default
				{kent, "2017-18", 60},   // default
				{bcp, "2016-17 Q1", 65}, // a quarter is not the financial year
			} {
				got := ts.lookup(c.area, mustPeriod(t, c.period))
				if got == nil || *got.Value != c.want {
					t.Errorf("%s %s: target %v, want %v", c.area, c.period, got, c.want)
					continue
				}
				// The source names the definition's entry that was used.
				idx := -1
				for j, i := range order {
					if *all[i].Value == c.want {
						idx = j
					}
				}
				if want := fmt.Sprintf("test.yaml targets[%d]", idx); got.source != want {
					t.Errorf("%s %s: source %q, want %q", c.area, c.period, got.source, want)
				}
			}
		})
	}

	// Period beats area when both match and no target names both, in either order.
	for _, targets := range [][]indicators.Target{
		{{Value: fp(65), Area: "839"}, {Value: fp(70), Period: "2016-17"}, {Value: fp(60)}},
		{{Value: fp(60)}, {Value: fp(70), Period: "2016-17"}, {Value: fp(65), Area: "839"}},
	} {
		def := testDef(stats.HigherIsBetter, indicators.RuleStandard)
		def.Targets = targets
		ts, err := e.resolveTargets(def, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := ts.lookup(testReg.MustLookup("839").Code, mustPeriod(t, "2016-17")); got == nil || *got.Value != 70 {
			t.Errorf("targets %+v: BCP 2016-17 got %+v, want the period target 70", targets, got)
		}
	}

	// Without a default, an area and period no target reaches has none.
	def := testDef(stats.HigherIsBetter, indicators.RuleStandard)
	def.Targets = []indicators.Target{{Value: fp(65), Area: "839"}, {Value: fp(70), Period: "2016-17"}}
	ts, err := e.resolveTargets(def, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ts.lookup(testReg.MustLookup("886").Code, mustPeriod(t, "2017-18")); got != nil {
		t.Errorf("no target should apply, got %v", got.Value)
	}
	if got := (targetSet{}).lookup("E06000058", mustPeriod(t, "2016-17")); got != nil {
		t.Errorf("empty target set returned %v", got)
	}

	def.Targets = []indicators.Target{{Value: fp(65), Area: "nowhere at all"}}
	if _, err := e.resolveTargets(def, nil); err == nil {
		t.Error("an unknown target area was accepted")
	}
}

// TestDirectionOfTravel pins PRODUCT.md judgement 4's labels for every polarity.
func TestDirectionOfTravel(t *testing.T) {
	target50 := absTarget(50, 0)
	cases := []struct {
		name        string
		pol         stats.Polarity
		before, now float64
		t           *resolvedTarget
		want        Travel
	}{
		{"higher/up is improving", stats.HigherIsBetter, 80, 85, nil, Improving},
		{"higher/down is worsening", stats.HigherIsBetter, 85, 80, nil, Worsening},
		{"higher/same is no_change", stats.HigherIsBetter, 80, 80, nil, NoChange},
		{"lower/down is improving", stats.LowerIsBetter, 20, 18, nil, Improving},
		{"lower/up is worsening", stats.LowerIsBetter, 18, 20, nil, Worsening},
		{"lower/same is no_change", stats.LowerIsBetter, 18, 18, nil, NoChange},
		{"no judgement/up is increasing", stats.NoJudgement, 300, 310, nil, Increasing},
		{"no judgement/down is decreasing", stats.NoJudgement, 310, 300, nil, Decreasing},
		{"no judgement/same is no_change", stats.NoJudgement, 300, 300, nil, NoChange},
		{"closer/towards target from below is improving", stats.CloserIsBetter, 45, 48, target50, Improving},
		{"closer/towards target from above is improving", stats.CloserIsBetter, 56, 52, target50, Improving},
		{"closer/away from target is worsening", stats.CloserIsBetter, 48, 45, target50, Worsening},
		{"closer/rising past target but closer is improving", stats.CloserIsBetter, 45, 52, target50, Improving},
		{"closer/rising past target and further is worsening", stats.CloserIsBetter, 48, 53, target50, Worsening},
		{"closer/same distance other side is no_change", stats.CloserIsBetter, 47, 53, target50, NoChange},
		// |1.1 − 1| and |0.9 − 1| differ in the last bit; they are the same distance.
		{"closer/0.9 to 1.1 around 1 is no_change", stats.CloserIsBetter, 0.9, 1.1, absTarget(1, 0), NoChange},
		{"closer/1.1 to 0.9 around 1 is no_change", stats.CloserIsBetter, 1.1, 0.9, absTarget(1, 0), NoChange},
		{"closer/same value is no_change", stats.CloserIsBetter, 47, 47, target50, NoChange},
		{"closer without target/up is increasing", stats.CloserIsBetter, 45, 48, nil, Increasing},
		{"closer without target/down is decreasing", stats.CloserIsBetter, 48, 45, nil, Decreasing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := directionOf(c.pol, c.now, c.before, c.t); got != c.want {
				t.Errorf("%v → %v: %q, want %q", c.before, c.now, got, c.want)
			}
		})
	}
}

// TestChangeValues pins the change as a number and a percentage, and the no-data cases.
func TestChangeValues(t *testing.T) {
	higher := testDef(stats.HigherIsBetter, indicators.RuleStandard)
	lower := testDef(stats.LowerIsBetter, indicators.RuleStandard)

	t.Run("80 to 85.3 is +5.3, +6.625%, improving", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016-17", 85.3), obsOf(t, "839", "2015-16", 80)
		c := change(higher, now, testSeries(now, before), now.period.Previous(), nil)
		if c == nil || c.Period != "2015-16" || !eqPtr(c.Value, 80) || !near(c.Change, 5.3, 1e-12) ||
			!near(c.ChangePercent, 6.625, 1e-9) || c.Judgement != Improving {
			t.Fatalf("got %+v (change %s, %s%%), want period 2015-16 value 80 change 5.3 percent 6.625 improving",
				c, f64(c.Change), f64(c.ChangePercent))
		}
	})
	t.Run("lower is better 20 to 15 is -5, -25%, improving", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016-17 Q3", 15), obsOf(t, "839", "2016-17 Q2", 20)
		c := change(lower, now, testSeries(now, before), now.period.Previous(), nil)
		if c.Period != "2016-17 Q2" || !near(c.Change, -5, 1e-12) || !near(c.ChangePercent, -25, 1e-9) || c.Judgement != Improving {
			t.Fatalf("got %+v (change %s, %s%%)", c, f64(c.Change), f64(c.ChangePercent))
		}
	})
	t.Run("percent is of the earlier value's size when it is negative", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016", -5), obsOf(t, "839", "2015", -10)
		c := change(higher, now, testSeries(now, before), now.period.Previous(), nil)
		if !near(c.Change, 5, 1e-12) || !near(c.ChangePercent, 50, 1e-9) || c.Judgement != Improving {
			t.Fatalf("got %+v (change %s, %s%%)", c, f64(c.Change), f64(c.ChangePercent))
		}
	})
	t.Run("from zero there is a change but no percentage", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016", 3), obsOf(t, "839", "2015", 0)
		c := change(lower, now, testSeries(now, before), now.period.Previous(), nil)
		if !near(c.Change, 3, 1e-12) || c.ChangePercent != nil || c.Judgement != Worsening {
			t.Fatalf("got %+v (change %s, %s%%)", c, f64(c.Change), f64(c.ChangePercent))
		}
	})
	t.Run("earlier period absent from the series is no_data", func(t *testing.T) {
		now := obsOf(t, "839", "2016-17 Q1", 85.3)
		other := obsOf(t, "886", "2015-16 Q4", 80) // another area has the earlier period
		c := change(higher, now, testSeries(now, other), now.period.Previous(), nil)
		if c == nil || c.Period != "2015-16 Q4" || c.Judgement != TravelNoData || c.Value != nil || c.Change != nil || c.ChangePercent != nil {
			t.Fatalf("got %+v, want period 2015-16 Q4, no_data, no values", c)
		}
	})
	t.Run("earlier value missing (suppressed) is no_data", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016-17", 85.3), obsOf(t, "839", "2015-16", nan)
		before.marker = "c"
		c := change(higher, now, testSeries(now, before), now.period.Previous(), nil)
		if c.Judgement != TravelNoData || c.Value != nil || c.Change != nil || c.ChangePercent != nil {
			t.Fatalf("got %+v, want no_data without values", c)
		}
	})
	t.Run("current value missing is no_data but keeps the earlier value", func(t *testing.T) {
		now, before := obsOf(t, "839", "2016-17", nan), obsOf(t, "839", "2015-16", 80)
		c := change(higher, now, testSeries(now, before), now.period.Previous(), nil)
		if c.Judgement != TravelNoData || !eqPtr(c.Value, 80) || c.Change != nil {
			t.Fatalf("got %+v, want no_data with earlier value 80 and no change", c)
		}
	})
	t.Run("no earlier period gives no comparison", func(t *testing.T) {
		now := obsOf(t, "839", "2016-17", 85.3)
		if c := change(higher, now, testSeries(now), period.Period{}, nil); c != nil {
			t.Fatalf("got %+v, want nil", c)
		}
	})
	t.Run("year ago of a quarter is the same quarter a year earlier", func(t *testing.T) {
		now := obsOf(t, "839", "2016-17 Q3", 80.9)
		prevQ, lastYear := obsOf(t, "839", "2016-17 Q2", 58), obsOf(t, "839", "2015-16 Q3", 82)
		s := testSeries(now, prevQ, lastYear)
		p := change(higher, now, s, now.period.Previous(), nil)
		y := change(higher, now, s, now.period.YearAgo(), nil)
		if p.Period != "2016-17 Q2" || p.Judgement != Improving || !near(p.Change, 22.9, 1e-9) {
			t.Errorf("previous: %+v (change %s)", p, f64(p.Change))
		}
		if y.Period != "2015-16 Q3" || y.Judgement != Worsening || !near(y.Change, -1.1, 1e-9) {
			t.Errorf("year ago: %+v (change %s)", y, f64(y.Change))
		}
	})
	t.Run("closer is better uses the target", func(t *testing.T) {
		closer := testDef(stats.CloserIsBetter, indicators.RuleStandard)
		now, before := obsOf(t, "839", "2016", 52), obsOf(t, "839", "2015", 45)
		s := testSeries(now, before)
		if c := change(closer, now, s, now.period.Previous(), absTarget(50, 1)); c.Judgement != Improving || !near(c.Change, 7, 1e-12) {
			t.Errorf("with target 50: %+v", c)
		}
		if c := change(closer, now, s, now.period.Previous(), nil); c.Judgement != Increasing {
			t.Errorf("without a target: %+v, want increasing", c)
		}
	})
}

func fp(v float64) *float64 { return &v }

// Issue 16 rules 4 and 5 through the engine's recent trend. Rule 4 (FingertipsNext
// trend-analysis TrendRequest.IsPossibleDivideByZeroErrors): a series 5/5 (100%), then 30, 35,
// 40, 45, 50 per 100 is "Cannot be calculated" for every later period, with the reason, where
// the engine used to drop the 100% point and say "Increasing". Rule 5 (fingertips-open
// TrendMarkerCalculator.IsSignificantForProportions): a proportion with counts but no limits
// has a trend from its counts.
func TestRecentTrendHundredPercentPointAndCountsOnly(t *testing.T) {
	series := func(def *indicators.Definition, counts [][2]float64, limits bool) []*Evaluation {
		var evs []*Evaluation
		for i, c := range counts {
			ev := &Evaluation{Area: AreaRef{Code: "E06000001"}, Period: fmt.Sprintf("%d-%02d", 2014+i, (15+i)%100),
				Numerator: ptr(c[0]), Denominator: ptr(c[1]), Value: ptr(c[0] / c[1] * 100)}
			if limits {
				iv, _ := stats.Wilson(c[0], c[1], 100, 0.95)
				ev.CI = &CI{Lower95: ptr(iv.Lower), Upper95: ptr(iv.Upper)}
			}
			evs = append(evs, ev)
		}
		addRecentTrends(def, evs)
		return evs
	}
	def := testDef(stats.HigherIsBetter, indicators.RuleStandard)
	def.CIMethod, def.Source.Numerator, def.Source.Denominator, def.Source.Multiplier = indicators.CIWilson, "n", "d", 100
	withFull := [][2]float64{{5, 5}, {30, 100}, {35, 100}, {40, 100}, {45, 100}, {50, 100}}
	evs := series(def, withFull, true)
	last := evs[len(evs)-1].RecentTrend
	if last.Label != stats.TrendCannotBeCalculated || last.Reason != stats.ReasonCountEqualsDenominator || last.ChiSquare != nil {
		t.Errorf("with a 100%% point: %+v, want cannot_be_calculated because of it", last)
	}
	evs = series(def, withFull[1:], true)
	if got := evs[len(evs)-1].RecentTrend; got.Label != "increasing_getting_better" || got.Method != "fingertips_recent_trend" {
		t.Errorf("without the 100%% point: %+v, want increasing_getting_better by the weighted test", got)
	}
	// Counts only (published limits absent, or ci_method none with counts): the counts test.
	for _, m := range []indicators.CIMethod{indicators.CIPublished, indicators.CINone} {
		d := *def
		d.CIMethod = m
		evs = series(&d, withFull[1:], false)
		got := evs[len(evs)-1].RecentTrend
		if got.Label != "increasing_getting_better" || got.Method != "fingertips_recent_trend_counts" || got.ChiSquare == nil ||
			math.Abs(*got.ChiSquare-10.416666666666666) > 1e-9 {
			t.Errorf("%s, counts only: %+v, want increasing_getting_better by the counts test, χ² 10.4167", m, got)
		}
	}
	// A rate without limits still cannot be calculated: the counts test is for proportions.
	rate := *def
	rate.Unit, rate.CIMethod = indicators.RatePer10000, indicators.CIPublished
	evs = series(&rate, withFull[1:], false)
	if got := evs[len(evs)-1].RecentTrend; got.Label != stats.TrendCannotBeCalculated || got.Reason != "fewer than 5 valid points (0 found)" {
		t.Errorf("rate without limits: %+v", got)
	}
}
