package conformance_test

import (
	"bytes"
	"context"
	"math"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

// seedReturns are the example returns that hold the seed plans' published figures, with the
// dataset each is shipped as and the rows it must keep.
var seedReturns = []struct {
	dataset, file string
	rows          int
}{
	{"local_returns", "testdata/returns/example_local_return.csv", 9},
	{"leicestershire_returns", "testdata/returns/leicestershire_ewmh_return.csv", 11},
}

// TestSeedReturnsParse pins that every seed plan's return is a valid simple return against the
// shipped catalogue (known indicators, known areas, parseable periods, no duplicates), that it
// is in the shipped list under its dataset, and that every row says where its figure comes from.
func TestSeedReturnsParse(t *testing.T) {
	reg := areas.Default()
	cat, err := indicators.Load("", reg)
	if err != nil {
		t.Fatal(err)
	}
	shipped := map[string]string{}
	for _, s := range scorecard.Shipped {
		shipped[s.File] = s.Dataset
	}
	for _, r := range seedReturns {
		t.Run(r.dataset, func(t *testing.T) {
			if shipped[r.file] != r.dataset {
				t.Errorf("%s is shipped as dataset %q, want %q", r.file, shipped[r.file], r.dataset)
			}
			data, err := scorecard.ShippedFile(r.file)
			if err != nil {
				t.Fatal(err)
			}
			tab, err := datasets.Parse(data, datasets.ParseOptions{Areas: reg, Catalog: cat})
			if err != nil {
				t.Fatalf("%s: %v", r.file, err)
			}
			if tab.Format.Name != "simple_return" || tab.Rows() != r.rows || len(tab.Warnings) != 0 {
				t.Errorf("%s: format %s, %d rows, warnings %v; want simple_return, %d rows, none",
					r.file, tab.Format.Name, tab.Rows(), tab.Warnings, r.rows)
			}
		})
	}

	// Every row of Leicestershire's return names its source in the note column (a figure
	// without a source is not shipped).
	data, _ := scorecard.ShippedFile("testdata/returns/leicestershire_ewmh_return.csv")
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n"))[1:] {
		if !bytes.Contains(line, []byte("EXAMPLE LOCAL RETURN. Leicestershire")) {
			t.Errorf("leicestershire return line %d has no source note: %s", i+2, line)
		}
	}
}

// TestSeedScorecardsAreValid pins that the four seed plans ship as scorecards for their areas,
// with the priorities the plans (or, for Poole, the product) give them.
func TestSeedScorecardsAreValid(t *testing.T) {
	reg := areas.Default()
	cat, err := indicators.Load("", reg)
	if err != nil {
		t.Fatal(err)
	}
	scs, err := indicators.LoadScorecards("", cat, reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id, area   string
		priorities int
		items      int
	}{
		{"leicestershire-ewmh", "855", 3, 11},
		{"rotherham-semh", "372", 2, 3},
		{"derby-treatment", "831", 2, 4},
		{"poole-childrens-trust", "836", 6, 10},
	} {
		sc, ok := scs.Get(c.id)
		if !ok {
			t.Errorf("no scorecard %s", c.id)
			continue
		}
		n := 0
		for _, p := range sc.Priorities {
			n += len(p.Items)
		}
		if sc.Area != c.area || len(sc.Priorities) != c.priorities || n != c.items || sc.Source == "" || sc.Description == "" {
			t.Errorf("%s: area %s, %d priorities, %d items, source %q; want area %s, %d priorities, %d items and a source and description",
				c.id, sc.Area, len(sc.Priorities), n, sc.Source, c.area, c.priorities, c.items)
		}
	}
}

// seedEngine is the shipped catalogue, scorecards and data, loaded and evaluated.
func seedEngine(t *testing.T) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	app := openApp(t, scorecard.Config{})
	if err := scorecard.LoadShipped(ctx, app.Datasets); err != nil {
		t.Fatal(err)
	}
	results, err := app.Engine.EvaluateAll(ctx)
	evaluated(t, results, err)
	if err := app.Engine.Check(ctx); err != nil {
		t.Errorf("definitions do not match the shipped data: %v", err)
	}
	return app.Engine
}

// TestSeedPlanScorecards evaluates the shipped data once and reads each seed plan's scorecard
// for its area.
func TestSeedPlanScorecards(t *testing.T) {
	eng := seedEngine(t)
	t.Run("Leicestershire EWMH", func(t *testing.T) { testLeicestershireEWMHScorecard(t, eng) })
	t.Run("Derby treatment", func(t *testing.T) { testDerbyTreatmentScorecard(t, eng) })
	t.Run("Rotherham SEMH", func(t *testing.T) { testRotherhamSEMHScorecard(t, eng) })
	t.Run("Poole", func(t *testing.T) { testPooleScorecard(t, eng) })
}

// seedRow is the expected evaluation of one scorecard row. A nil target means no target.
type seedRow struct {
	indicator, reference, period string
	value                        float64
	target, tolerance            *float64
	status                       engine.RAGStatus
}

func seedNum(v float64) *float64 { return &v }

// testLeicestershireEWMHScorecard pins the RAG of every row of Leicestershire's monitoring
// plan, with the plan's values and the resolved targets (PRODUCT.md rule 1; tolerance 2 where
// the plan gives none):
//
//	NI 50              57.8 vs 73.6, higher: 57.8 < 73.6-2 = 71.6                  red
//	HS participation   99 vs 100:   99 >= 100-2 = 98                                amber
//	HS status          82 vs 75:    82 >= 75                                        green
//	FIS calls          1001 vs 184 x 1.05 = 193.2 (Oct 2008 baseline, +5%)          green
//	NI 72 EYFS         54.3 vs 61:  54.3 < 61-2 = 59                                red
//	NI 92 gap          30.4 vs 28.7, lower: 30.4 > 28.7 but <= 28.7+2 = 30.7         amber
//	childcare          80 vs 80:    80 >= 80                                        green
//	childcare SEN/D    66 vs 70:    66 < 70-2 = 68                                  red
//	NI 58              16.7, no target                                              no_target
//	planned exits      76, no target                                                no_target
//	NI 51              16, no target                                                no_target
func testLeicestershireEWMHScorecard(t *testing.T, eng *engine.Engine) {
	res, err := eng.EvaluateScorecard(context.Background(), "leicestershire-ewmh", "855", "")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]seedRow{
		{ // Tier 1
			{"ni50-emotional-health", "NI 50", "2009", 57.8, seedNum(73.6), seedNum(2), "red"},
			{"healthy-schools-participation", "Healthy Schools participation", "2009-10", 99, seedNum(100), seedNum(2), "amber"},
			{"healthy-schools-status", "Healthy Schools status", "2009-10", 82, seedNum(75), seedNum(2), "green"},
			{"fis-calls", "FIS calls", "Oct 2009", 1001, seedNum(193.2), seedNum(2), "green"},
			{"eyfs-78-points", "NI 72", "2009-10", 54.3, seedNum(61), seedNum(2), "red"},
			{"eyfs-narrowing-gap", "NI 92", "2009-10", 30.4, seedNum(28.7), seedNum(2), "amber"},
			{"childcare-satisfaction", "Childcare satisfaction", "2009-10", 80, seedNum(80), seedNum(2), "green"},
		},
		{ // Tier 2
			{"childcare-satisfaction-send", "Childcare satisfaction (SEN/disability)", "2009-10", 66, seedNum(70), seedNum(2), "red"},
			{"ni58-cla-emotional-health", "NI 58", "2009-10", 16.7, nil, nil, "no_target"},
			{"substance-misuse-planned-exits", "Substance misuse planned exits", "2009-10", 76, nil, nil, "no_target"},
		},
		{ // Tier 3
			{"ni51-camhs-effectiveness", "NI 51", "2009-10", 16, nil, nil, "no_target"},
		},
	}
	wantSummary := []map[engine.RAGStatus]int{
		{"green": 3, "amber": 2, "red": 2, "no_data": 0, "no_target": 0, "suppressed": 0},
		{"green": 0, "amber": 0, "red": 1, "no_data": 0, "no_target": 2, "suppressed": 0},
		{"green": 0, "amber": 0, "red": 0, "no_data": 0, "no_target": 1, "suppressed": 0},
	}
	wantTitles := []string{"Tier 1: universal services", "Tier 2: targeted services", "Tier 3: specialist services"}
	if len(res.Priorities) != len(want) {
		t.Fatalf("%d priorities, want %d", len(res.Priorities), len(want))
	}
	for i, p := range res.Priorities {
		if p.Title != wantTitles[i] {
			t.Errorf("priority %d title %q, want %q", i+1, p.Title, wantTitles[i])
		}
		for k, n := range wantSummary[i] {
			if p.Summary[k] != n {
				t.Errorf("%s: summary %v, want %v", p.Title, p.Summary, wantSummary[i])
				break
			}
		}
		if len(p.Rows) != len(want[i]) {
			t.Errorf("%s: %d rows, want %d", p.Title, len(p.Rows), len(want[i]))
			continue
		}
		for j, w := range want[i] {
			checkSeedRow(t, p.Rows[j], w)
		}
	}

	// The relative target says where it came from: October 2008's 184 calls, plus 5%.
	fis := res.Priorities[0].Rows[3].Evaluation
	if fis == nil || fis.RAG.Baseline == nil || fis.RAG.Baseline.Value == nil || *fis.RAG.Baseline.Value != 184 ||
		fis.RAG.Baseline.ChangePercent != 5 || fis.RAG.ToleranceType != "percent" || fis.RAG.TargetSource == "" {
		t.Errorf("FIS calls target origin = %+v, want baseline Oct 2008 = 184, +5%%, tolerance 2%% of the target, with a source", fis.RAG)
	}
	// October 2008 itself is the baseline month: the target is due in October 2009 only.
	series, err := eng.Series(context.Background(), "fis-calls", "855")
	if err != nil || len(series) != 2 {
		t.Fatalf("FIS calls series: %v, %d evaluations, want 2", err, len(series))
	}
	if series[0].Period != "Oct 2008" || series[0].RAG.Status != "no_target" {
		t.Errorf("FIS calls Oct 2008: period %s, RAG %s; want Oct 2008, no_target", series[0].Period, series[0].RAG.Status)
	}
}

// testDerbyTreatmentScorecard pins that Derby's plan ships with its targets but no figures:
// every row is no data, and nothing was invented.
func testDerbyTreatmentScorecard(t *testing.T, eng *engine.Engine) {
	res, err := eng.EvaluateScorecard(context.Background(), "derby-treatment", "831", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary["no_data"] != 4 {
		t.Errorf("Derby summary %v, want 4 rows with no data", res.Summary)
	}
	for _, p := range res.Priorities {
		for _, r := range p.Rows {
			if r.Evaluation != nil {
				t.Errorf("%s has an evaluation for Derby (%+v): no Derby figures are shipped", r.Indicator, r.Evaluation)
			}
		}
	}
}

// testRotherhamSEMHScorecard pins Rotherham's "to reduce" targets: each exclusion series
// against Rotherham's own 2015/16 rate (change 0%, tolerance 10% of the target).
//
//	SFR35/2017: 2016/17 0.07 vs 2015/16 0.12: 0.07 <= 0.12                          green
//	LAIT:       2023/24 0.15092 vs 2015/16 0.11597: > 0.11597 x 1.1 = 0.127567      red
func testRotherhamSEMHScorecard(t *testing.T, eng *engine.Engine) {
	res, err := eng.EvaluateScorecard(context.Background(), "rotherham-semh", "372", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Priorities) != 2 || len(res.Priorities[0].Rows) != 2 || len(res.Priorities[1].Rows) != 1 {
		t.Fatalf("priorities %+v", res.Priorities)
	}
	checkSeedRow(t, res.Priorities[0].Rows[0], seedRow{"perm-exclusion-rate-2007-2017", "SFR35/2017", "2016/17", 0.07, seedNum(0.12), seedNum(10), "green"})
	checkSeedRow(t, res.Priorities[0].Rows[1], seedRow{"perm-exclusion-rate", "TotPermEx", "2023/24", 0.15092, seedNum(0.11597), seedNum(10), "red"})
	if ev := res.Priorities[1].Rows[0].Evaluation; ev != nil {
		t.Errorf("CAMHS referrals for Rotherham: %+v, want no evaluation (no published figures)", ev)
	}
	// The target applies from the baseline on: 2015/16 is green against itself.
	series, err := eng.Series(context.Background(), "perm-exclusion-rate", "372")
	if err != nil || len(series) == 0 || series[0].Period != "2015/16" || series[0].RAG.Status != "green" {
		t.Errorf("Rotherham LAIT 2015/16: %v %+v, want green against its own baseline", err, series)
	}
}

// testPooleScorecard pins Poole's row 1.14 as published (85.3% in 2016-17 Q4 against 88%,
// tolerance 2: 85.3 < 86, red) and that the six priorities read Poole's national figures. The
// card is read at its own period, 2016-17 Q4: Poole (836) became part of BCP in April 2019, and
// LAIT carries "-" for Poole in later years.
func testPooleScorecard(t *testing.T, eng *engine.Engine) {
	res, err := eng.EvaluateScorecard(context.Background(), "poole-childrens-trust", "836", "2016-17 Q4")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Priorities) != 6 {
		t.Fatalf("%d priorities, want 6", len(res.Priorities))
	}
	checkSeedRow(t, res.Priorities[0].Rows[0], seedRow{"secondary-good-outstanding-schools", "1.14", "2016-17 Q4", 85.3, seedNum(88), seedNum(2), "red"})
	withData := 0
	for _, p := range res.Priorities {
		for _, r := range p.Rows {
			if r.Evaluation != nil && r.Evaluation.Value != nil {
				withData++
			}
		}
	}
	if withData != 9 { // all but injury admissions, which Fingertips publishes for BCP only
		t.Errorf("%d Poole rows with a value, want 9", withData)
	}
}

func checkSeedRow(t *testing.T, r engine.ScorecardItemResult, w seedRow) {
	t.Helper()
	if r.Indicator != w.indicator || r.Reference != w.reference {
		t.Errorf("row %s (%s), want %s (%s)", r.Indicator, r.Reference, w.indicator, w.reference)
		return
	}
	ev := r.Evaluation
	if ev == nil {
		t.Errorf("%s: no evaluation", w.indicator)
		return
	}
	if ev.Period != w.period || ev.Value == nil || *ev.Value != w.value || ev.RAG.Status != w.status {
		t.Errorf("%s: period %s value %v RAG %s, want %s %v %s", w.indicator, ev.Period, seedVal(ev.Value), ev.RAG.Status, w.period, w.value, w.status)
	}
	if !sameFloat(ev.RAG.Target, w.target) || !sameFloat(ev.RAG.Tolerance, w.tolerance) {
		t.Errorf("%s: target %v tolerance %v, want %v %v", w.indicator, seedVal(ev.RAG.Target), seedVal(ev.RAG.Tolerance), seedVal(w.target), seedVal(w.tolerance))
	}
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

func seedVal(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
