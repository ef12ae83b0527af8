package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

// Marks change with an indicator's own evaluation run and comments, and with nothing else.
func TestMarksFollowEachIndicatorsRunAndComments(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	e.evaluate(t, "local_returns")
	marks := func() *engine.Marks {
		t.Helper()
		m, err := e.eng.Marks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	const schools, other = "secondary-good-outstanding-schools", "camhs-referrals"
	m0 := marks()
	if len(m0.Indicators) != len(e.eng.Catalog.All()) {
		t.Fatalf("%d indicator marks for %d indicators", len(m0.Indicators), len(e.eng.Catalog.All()))
	}
	s0 := m0.Indicators[schools]
	if s0.Run == "" || s0.Definition == "" || !s0.DefinitionCurrent || !s0.EvaluatedAt.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("mark of %s: %+v", schools, s0)
	}
	if again := marks(); again.Indicators[schools] != s0 || len(again.Comments) != 0 {
		t.Errorf("marks read twice differ: %+v and %+v", s0, again.Indicators[schools])
	}

	// A comment marks its indicator and area only.
	e.clock.Set(time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC))
	c, err := e.eng.AddComment(ctx, schools, "836", "2015-16", engine.LocalPoster, "team", "a note")
	if err != nil {
		t.Fatal(err)
	}
	m1 := marks()
	got := m1.Comments[engine.CommentKey{Indicator: schools, Area: "E06000029"}]
	if len(m1.Comments) != 1 || got.Count != 1 || got.LastID != c.ID || !got.Last.Equal(c.CreatedAt) {
		t.Fatalf("comment marks %+v, want one for %s in Poole (E06000029) with id %d", m1.Comments, schools, c.ID)
	}
	if m1.Indicators[schools] != s0 || m1.Indicators[other] != m0.Indicators[other] {
		t.Error("a comment changed a run mark")
	}

	// Re-evaluating one indicator's dataset changes its run mark and leaves the others.
	e.clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	if _, err := e.eng.EvaluateDataset(ctx, "local_returns"); err != nil {
		t.Fatal(err)
	}
	m2 := marks()
	if m2.Indicators[schools].Run == s0.Run || !m2.Indicators[schools].EvaluatedAt.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("re-evaluated %s: mark %+v (was %+v)", schools, m2.Indicators[schools], s0)
	}
	unchanged := 0
	for _, def := range e.eng.Catalog.All() {
		if def.Source.Dataset == "local_returns" {
			continue
		}
		unchanged++
		if m2.Indicators[def.ID] != m0.Indicators[def.ID] {
			t.Errorf("%s (reads %s) changed with a re-evaluation of local_returns", def.ID, def.Source.Dataset)
		}
	}
	if unchanged < 10 {
		t.Fatalf("only %d indicators read other datasets", unchanged)
	}
}
