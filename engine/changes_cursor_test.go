package engine_test

import (
	"context"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
)

// A client that polls with the cursor it was given sees each change once: after the page that
// listed the revision's change, polls that find nothing new keep finding nothing (the cursor
// of an empty page, which ends a run, must not list that run's changes again).
func TestChangesPollNeverRepeats(t *testing.T) {
	e, t1, _ := historyFixture(t)
	ctx := context.Background()
	page, err := e.eng.Changes(ctx, engine.ChangeFilter{Since: t1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Changes) != 1 || page.Changes[0].Period != "2016-17 Q4" {
		t.Fatalf("changes since t1: %+v, want Poole's 2016-17 Q4", page.Changes)
	}
	next := page.Next
	for poll := 1; poll <= 3; poll++ {
		p, err := e.eng.Changes(ctx, engine.ChangeFilter{After: next})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != 0 {
			t.Errorf("poll %d with %s listed %d changes again: %+v", poll, next, len(p.Changes), p.Changes[0])
		}
		next = p.Next
	}
}
