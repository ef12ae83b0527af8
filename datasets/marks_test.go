package datasets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
)

// A dataset's mark changes with every revision it gets, a rejected one too, and with nothing
// done to another dataset.
func TestMarksChangeWithEachRevision(t *testing.T) {
	ctx := context.Background()
	svc := newService(t)
	marks := func() map[string]datasets.Mark {
		t.Helper()
		m, err := svc.Marks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := marks(); len(m) != 0 {
		t.Fatalf("marks of an empty database: %+v", m)
	}
	r1 := load(t, svc, "a", good1, "a1.csv", "test")
	load(t, svc, "b", good2, "b1.csv", "test")
	m1 := marks()
	if a := m1["a"]; a.Revisions != 1 || a.LastID != r1.ID || a.Current != r1.ID || a.LastSHA256 != good1SHA || !a.LastCreated.Equal(r1.CreatedAt) {
		t.Fatalf("mark of a: %+v, want revision %d of %s", a, r1.ID, good1SHA)
	}
	rev, err := svc.Load(ctx, "a", strings.NewReader("indicator,area,period,value\nNI50,839,2019-20,not a number\n"), datasets.Upload{FileName: "bad.csv", By: "test"})
	if err == nil || rev == nil || rev.Status != datasets.Rejected {
		t.Fatalf("a bad file: %v, %+v", err, rev)
	}
	m2 := marks()
	if a := m2["a"]; a.Revisions != 2 || a.LastID != rev.ID || a.Current != r1.ID {
		t.Errorf("after a rejected upload, mark of a: %+v, want 2 revisions, the last %d, current still %d", a, rev.ID, r1.ID)
	}
	if m2["b"] != m1["b"] {
		t.Errorf("b's mark changed with a's upload: %+v, was %+v", m2["b"], m1["b"])
	}
	restored, err := svc.Restore(ctx, "a", r1.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if a := marks()["a"]; a.Revisions != 3 || a.Current != restored.ID || a.LastID != restored.ID {
		t.Errorf("after a restore, mark of a: %+v, want current %d", a, restored.ID)
	}
}
