package engine_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// planFixture is an engine over an in-memory database with the given definitions.
type planFixture struct {
	db   *store.DB
	sets *datasets.Service
	eng  *engine.Engine
}

func newPlanFixture(t *testing.T, defs map[string]string, scorecards map[string]string) *planFixture {
	t.Helper()
	reg := areas.Default()
	files := map[string][]byte{}
	for k, v := range defs {
		files[k] = []byte(v)
	}
	cat, err := indicators.Parse(files, reg)
	if err != nil {
		t.Fatal(err)
	}
	var scs *indicators.Scorecards
	if scorecards != nil {
		sf := map[string][]byte{}
		for k, v := range scorecards {
			sf[k] = []byte(v)
		}
		if scs, err = indicators.ParseScorecards(sf, cat, reg); err != nil {
			t.Fatal(err)
		}
	}
	app, err := scorecard.Open(context.Background(), scorecard.Config{Catalog: cat, Scorecards: scs,
		Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	f := &planFixture{db: app.DB, sets: app.Datasets, eng: app.Engine}
	return f
}

func (f *planFixture) load(t *testing.T, dataset, csv string) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.sets.Load(ctx, dataset, strings.NewReader(csv), datasets.Upload{FileName: dataset + ".csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.eng.EvaluateDataset(ctx, dataset); err != nil {
		t.Fatal(err)
	}
}

func (f *planFixture) at(t *testing.T, indicator, area, period string) *engine.Evaluation {
	t.Helper()
	evs, err := f.eng.Series(context.Background(), indicator, area)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Period == period {
			return ev
		}
	}
	t.Fatalf("no evaluation of %s for %s in %s", indicator, area, period)
	return nil
}

const treatmentDef = `id: treatment
title: Young people in Tier 3 treatment
unit: count
decimals: 0
polarity: higher_is_better
source: {dataset: returns, value: value}
targets:
  - baseline: "2006-07"
    change_percent: 10
    tolerance: 2
    note: increase by 10% on the NDTMS 2006/07 baseline
`

// A relative target resolves to a number from the area's own baseline and says so; an uploaded
// targets dataset overrides it where it is more specific.
func TestRelativeTargetAndTargetsDataset(t *testing.T) {
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef}, nil)
	f.load(t, "returns", "indicator,area,period,value\ntreatment,831,2006-07,100\ntreatment,831,2007-08,108.5\ntreatment,Leicestershire,2007-08,50\n")

	ev := f.at(t, "treatment", "831", "2007-08")
	r := ev.RAG
	if r.Target == nil || math.Abs(*r.Target-110) > 1e-9 || r.Status != engine.Amber {
		t.Fatalf("Derby 2007-08: %+v (108.5 against 110 - 2 is amber)", r)
	}
	if r.Baseline == nil || r.Baseline.Period != "2006-07" || *r.Baseline.Value != 100 || r.Baseline.ChangePercent != 10 ||
		!strings.Contains(r.TargetSource, "+10% on the 2006-07 baseline of 100") {
		t.Errorf("origin not shown: %+v %+v", r.Baseline, r.TargetSource)
	}
	// Leicestershire has no 2006-07 figure: no target can be resolved, and the reason says why.
	if r := f.at(t, "treatment", "855", "2007-08").RAG; r.Status != engine.NoTarget || !strings.Contains(r.Reason, "no baseline") {
		t.Errorf("no baseline: %+v", r)
	}

	f.load(t, datasets.TargetsDataset, "indicator,area,period,target,tolerance,tolerance_type\ntreatment,Derby,2007-08,105,5,percent\n")
	r = f.at(t, "treatment", "831", "2007-08").RAG
	if *r.Target != 105 || *r.Tolerance != 5 || r.ToleranceType != "percent" || r.Status != engine.Green ||
		!strings.HasPrefix(r.TargetSource, "targets dataset, revision ") || !strings.HasSuffix(r.TargetSource, "row 2") {
		t.Errorf("uploaded target: %+v", r)
	}
	if r := f.at(t, "treatment", "831", "2006-07").RAG; math.Abs(*r.Target-110) > 1e-9 {
		t.Errorf("the uploaded target is for 2007-08 only; 2006-07 keeps the relative one: %+v", r)
	}
}

// A target changed after an evaluation does not re-colour the stored judgement unless
// re-evaluation is asked for; each judgement shows the target it used.
func TestChangedTargetDoesNotRecolourHistory(t *testing.T) {
	ctx := context.Background()
	def := strings.Replace(treatmentDef, "change_percent: 10", "change_percent: 5", 1)
	f := newPlanFixture(t, map[string]string{"treatment.yaml": def}, nil)
	f.load(t, "returns", "indicator,area,period,value\ntreatment,831,2006-07,100\ntreatment,831,2007-08,108.5\n")
	if r := f.at(t, "treatment", "831", "2007-08").RAG; *r.Target != 105 || r.Status != engine.Green {
		t.Fatalf("before: %+v", r)
	}
	// The definition changes (+10%); the same database is opened with the new catalogue.
	cat, err := indicators.Parse(map[string][]byte{"treatment.yaml": []byte(treatmentDef)}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	f.eng.Catalog = cat
	if _, err := f.eng.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	if r := f.at(t, "treatment", "831", "2007-08").RAG; *r.Target != 105 || r.Status != engine.Green {
		t.Errorf("a start-up refresh re-coloured history: %+v", r)
	}
	if _, err := f.eng.Refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	if r := f.at(t, "treatment", "831", "2007-08").RAG; math.Abs(*r.Target-110) > 1e-9 || r.Status != engine.Amber {
		t.Errorf("asked-for re-evaluation did not apply the new target: %+v", r)
	}
}

// The forecast projects the recent points linearly to the target's period.
func TestForecastToTarget(t *testing.T) {
	def := `id: gld
title: Good level of development
unit: percentage
decimals: 1
polarity: higher_is_better
source: {dataset: returns, value: value}
targets:
  - {value: 65, period: "2019/20", area: "855"}
  - {value: 75, period: "2019/20", area: "856"}
  - {value: 60, period: "2019/20", area: "857"}
`
	f := newPlanFixture(t, map[string]string{"gld.yaml": def}, nil)
	f.load(t, "returns", `indicator,area,period,value
gld,855,2014/15,40
gld,855,2015/16,45
gld,855,2016/17,50
gld,856,2014/15,40
gld,856,2015/16,45
gld,856,2016/17,50
gld,857,2015/16,45
gld,857,2016/17,50
`)
	// 5 points a year from 40 in 2014/15 reaches 65 in 2019/20.
	fc := f.at(t, "gld", "855", "2016/17").Forecast
	if fc == nil || fc.Status != engine.OnTrack || fc.TargetPeriod != "2019/20" || math.Abs(*fc.Projected-65) > 1e-6 ||
		strings.Join(fc.Periods, " ") != "2014/15 2015/16 2016/17" {
		t.Errorf("on track: %+v", fc)
	}
	if fc := f.at(t, "gld", "856", "2016/17").Forecast; fc == nil || fc.Status != engine.OffTrack || math.Abs(*fc.Projected-65) > 1e-6 {
		t.Errorf("off track: %+v", fc)
	}
	if fc := f.at(t, "gld", "857", "2016/17").Forecast; fc == nil || fc.Status != engine.NotForecast || !strings.Contains(fc.Reason, "too few points: 2") {
		t.Errorf("two points: %+v", fc)
	}
}

// Comments are kept apart from evaluations and returned with them.
func TestCommentary(t *testing.T) {
	ctx := context.Background()
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef}, nil)
	f.load(t, "returns", "indicator,area,period,value\ntreatment,831,2006-07,100\ntreatment,831,2007-08,90\n")
	c, err := f.eng.AddComment(ctx, "treatment", "Derby", "2007-08", engine.LocalPoster, "Head of service", "Recovery plan agreed with the provider.")
	if err != nil {
		t.Fatal(err)
	}
	if c.Area != "E06000015" || c.Period != "2007-08" || c.ID == 0 {
		t.Errorf("comment = %+v", c)
	}
	ev := f.at(t, "treatment", "831", "2007-08")
	if ev.RAG.Status != engine.Red || len(ev.Commentary) != 1 || ev.Commentary[0].Text != "Recovery plan agreed with the provider." {
		t.Errorf("red item with its corrective action: %s %+v", ev.RAG.Status, ev.Commentary)
	}
	if len(f.at(t, "treatment", "831", "2006-07").Commentary) != 0 {
		t.Error("a comment belongs to its own period only")
	}
	// Re-evaluation keeps comments.
	f.load(t, "returns", "indicator,area,period,value\ntreatment,831,2006-07,100\ntreatment,831,2007-08,91\n")
	if len(f.at(t, "treatment", "831", "2007-08").Commentary) != 1 {
		t.Error("re-evaluation lost the comment")
	}
	_, err = f.eng.AddComment(ctx, "treatment", "Derby", "2007-08 Q9", engine.LocalPoster, "", "  ")
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || e.Total != 3 {
		t.Errorf("bad comment: %v", err)
	}
}

// A scorecard groups its rows by priority and counts the RAG statuses of each.
func TestEvaluateScorecardSummaries(t *testing.T) {
	ctx := context.Background()
	other := strings.NewReplacer("id: treatment", "id: completions", "Young people in Tier 3 treatment", "Planned completions").Replace(treatmentDef)
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef, "completions.yaml": other}, map[string]string{
		"derby.yaml": `id: derby
title: Derby young people's treatment plan
area: "831"
priorities:
  - title: Treatment
    items:
      - {indicator: treatment, reference: "1", owner: DAAT}
      - {indicator: completions, reference: "2"}
`})
	f.load(t, "returns", "indicator,area,period,value\ntreatment,831,2006-07,100\ntreatment,831,2007-08,120\n")
	res, err := f.eng.EvaluateScorecard(ctx, "derby", "", "")
	if err != nil {
		t.Fatal(err)
	}
	p := res.Priorities[0]
	if res.Area.Code != "E06000015" || len(p.Rows) != 2 || p.Rows[0].Reference != "1" || p.Rows[0].Owner != "DAAT" ||
		p.Rows[0].Evaluation.Period != "2007-08" || p.Rows[1].Evaluation != nil {
		t.Fatalf("scorecard = %+v", res)
	}
	if p.Summary[engine.Green] != 1 || p.Summary[engine.NoData] != 1 || p.Summary[engine.Red] != 0 || res.Summary[engine.Green] != 1 {
		t.Errorf("summary = %v", p.Summary)
	}
	if _, err := f.eng.EvaluateScorecard(ctx, "nope", "", ""); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown scorecard: %v", err)
	}
}
