package engine_test

import (
	"context"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
)

// An area's overview lists every indicator once, under its topic, with the area's latest
// evaluation, from one read.
func TestAreaOverviewGroupsEveryIndicatorByTopic(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	ctx := context.Background()
	ov, err := e.eng.AreaOverview(ctx, "Poole", engine.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Area.Code != "E06000029" || ov.Area.Name != "Poole" {
		t.Errorf("area = %+v", ov.Area)
	}
	seen := map[string]int{}
	var topics []string
	for _, tr := range ov.Topics {
		topics = append(topics, tr.Topic)
		for _, r := range tr.Rows {
			seen[r.Indicator]++
			if def, _ := e.eng.Catalog.Get(r.Indicator); def.Topic != tr.Topic {
				t.Errorf("%s under %q, its topic is %q", r.Indicator, tr.Topic, def.Topic)
			}
		}
	}
	if want := e.eng.Catalog.Topics(); len(topics) != len(want) {
		t.Errorf("topics %q, want %q", topics, want)
	}
	for _, d := range e.eng.Catalog.All() {
		if seen[d.ID] != 1 {
			t.Errorf("%s appears %d times, want once", d.ID, seen[d.ID])
		}
	}
	gotPeriod := ""
	for _, tr := range ov.Topics {
		for _, r := range tr.Rows {
			if r.Indicator == "secondary-good-outstanding-schools" && r.Evaluation != nil {
				gotPeriod = r.Evaluation.Period
				if tr.Topic != "Schools" {
					t.Errorf("topic %q, want Schools", tr.Topic)
				}
			}
		}
	}
	evs, err := e.eng.Series(ctx, "secondary-good-outstanding-schools", "836")
	if err != nil || len(evs) == 0 {
		t.Fatalf("series %d, %v", len(evs), err)
	}
	if latest := evs[len(evs)-1].Period; gotPeriod != latest {
		t.Errorf("overview period %q, want the latest %q", gotPeriod, latest)
	}
	if ov.Evaluated != 1 {
		t.Errorf("%d indicators evaluated for Poole, want 1 (the local return's secondary schools row)", ov.Evaluated)
	}
	if _, err := e.eng.AreaOverview(ctx, "Atlantis", engine.Filter{}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown area: %v, want NotFound", err)
	}
}

// A Filter narrows the overview and the area scorecard by the catalogue's rule: a topic in any
// case keeps that topic's indicators alone; an unknown topic keeps none.
func TestAreaReadsFilterByTopic(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	ctx := context.Background()
	want := e.eng.Catalog.Find("Schools", "")
	if len(want) == 0 {
		t.Fatal("the test catalogue has no Schools indicator")
	}
	ov, err := e.eng.AreaOverview(ctx, "Poole", engine.Filter{Topic: "SCHOOLS"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ov.Topics) != 1 || ov.Topics[0].Topic != "Schools" || len(ov.Topics[0].Rows) != len(want) || ov.Evaluated != 1 {
		t.Fatalf("overview for SCHOOLS: %d topics, %+v, %d evaluated; want Schools alone with %d rows, 1 evaluated", len(ov.Topics), ov.Topics, ov.Evaluated, len(want))
	}
	sc, err := e.eng.AreaScorecard(ctx, "Poole", "", engine.Filter{Topic: "schools"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Rows) != len(want) {
		t.Errorf("scorecard for schools: %d rows, want %d", len(sc.Rows), len(want))
	}
	for i, r := range sc.Rows {
		if r.Indicator != want[i].ID {
			t.Errorf("scorecard row %d: %s, want %s", i, r.Indicator, want[i].ID)
		}
	}
	ov, err = e.eng.AreaOverview(ctx, "Poole", engine.Filter{Topic: "Pets"})
	if err != nil || len(ov.Topics) != 0 || ov.Evaluated != 0 {
		t.Errorf("overview for an unknown topic: %v, %d topics, want none", err, len(ov.Topics))
	}
}
