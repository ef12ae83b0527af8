package engine_test

import (
	"context"
	"testing"

	"github.com/childrens-trust/scorecard/errs"
)

// An area's overview lists every indicator once, under its topic, with the area's latest
// evaluation, from one read.
func TestAreaOverviewGroupsEveryIndicatorByTopic(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	ctx := context.Background()
	ov, err := e.eng.AreaOverview(ctx, "Poole")
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
	if _, err := e.eng.AreaOverview(ctx, "Atlantis"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown area: %v, want NotFound", err)
	}
}
