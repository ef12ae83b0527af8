package staging_test

import (
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/staging"
)

// A stage remembers that its upload asked for a merge; odd ids (traversal, very long, unicode,
// another case) are NotFound and claim nothing; a claimed stage cannot be taken twice.
func TestReviewStageMergeAndOddIDs(t *testing.T) {
	s := &staging.Store{Dir: t.TempDir()}
	defer s.Close()
	w, err := s.Create("targets", "t.csv", "tok_a")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("indicator,area,period,target,tolerance\n")
	w.Write(data)
	w.SetMerge(true)
	st, err := w.Keep(hashOf(data))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Merge {
		t.Error("the kept stage forgot the merge")
	}
	for _, id := range []string{"", "..", "../" + st.ID, st.ID + ".upload", strings.ToUpper(st.ID), strings.Repeat("a", 1000), "☃", st.ID + "\x00"} {
		if _, err := s.Take("targets", id, "tok_a"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Take(%.40q): %v", id, err)
		}
	}
	got, err := s.Take("targets", st.ID, "tok_a")
	if err != nil || !got.Merge || got.SHA256 != st.SHA256 {
		t.Fatalf("Take: %+v %v", got, err)
	}
	if _, err := s.Take("targets", st.ID, "tok_a"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a second Take: %v", err)
	}
	s.Release(got)
	if again, err := s.Take("targets", st.ID, "tok_a"); err != nil || !again.Merge {
		t.Errorf("Take after Release: %+v %v", again, err)
	}
}
