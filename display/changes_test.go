package display_test

import (
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

func TestJudgementChange(t *testing.T) {
	pct := def(indicators.Percentage, 1)
	old := &engine.JudgementState{Value: f(58.8), DisplayValue: "58.8", RAG: "red", England: "worse", Rank: &engine.Rank{Position: 117, Of: 151},
		Quartile: "D", DirectionPrevious: "worsening"}
	changed := &engine.JudgementState{Value: f(61.2), DisplayValue: "61.2", RAG: "green", England: "similar", Rank: &engine.Rank{Position: 80, Of: 151},
		Quartile: "C", DirectionPrevious: "improving"}
	for _, tt := range []struct {
		name string
		def  *indicators.Definition
		c    engine.JudgementChange
		want []display.ChangedField
	}{
		{"a revised figure changes every judgement", pct, engine.JudgementChange{Kind: engine.ChangeChanged, Old: old, New: changed,
			Changed: []string{engine.FieldValue, engine.FieldRAG, engine.FieldEngland, engine.FieldRank, engine.FieldQuartile, engine.FieldDirectionPrevious}},
			[]display.ChangedField{{"Value", "58.8%", "61.2%"}, {"Against target", "Red", "Green"}, {"Compared with England", "Worse", "Similar"},
				{"Rank", "117th of 151", "80th of 151"}, {"Quartile", "D", "C"}, {"Since the previous period", "Worsening", "Improving"}}},
		{"a new figure", pct, engine.JudgementChange{Kind: engine.ChangeAdded, New: changed, Changed: []string{engine.FieldValue}},
			[]display.ChangedField{{"Value", "Not evaluated", "61.2%"}}},
		{"a figure suppressed", pct, engine.JudgementChange{Kind: engine.ChangeChanged, Old: old,
			New: &engine.JudgementState{DisplayValue: "c", RAG: "suppressed"}, Changed: []string{engine.FieldValue, engine.FieldRAG, engine.FieldRank}},
			[]display.ChangedField{{"Value", "58.8%", "c: suppressed to protect confidentiality"}, {"Against target", "Red", "Suppressed"}, {"Rank", "117th of 151", "Not ranked"}}},
		{"a removed figure without a definition: its value and RAG", nil, engine.JudgementChange{Kind: engine.ChangeRemoved, Old: old,
			Changed: []string{engine.FieldValue, engine.FieldRAG, engine.FieldRegion}},
			[]display.ChangedField{{"Value", "58.8", "Not evaluated"}, {"Against target", "Red", "Not evaluated"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := display.JudgementChange(tt.def, tt.c)
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("field %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
	for kind, want := range map[string]string{engine.ChangeChanged: "Changed", engine.ChangeAdded: "New figure", engine.ChangeRemoved: "Removed"} {
		if got := display.ChangeKind(kind); got != want {
			t.Errorf("ChangeKind(%s) = %q, want %q", kind, got, want)
		}
	}
}

func TestCause(t *testing.T) {
	at := time.Date(2026, 6, 3, 14, 5, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		c    engine.Cause
		want string
	}{
		{"an upload, by whom and when", engine.Cause{Kind: engine.CauseUpload, Dataset: "lait", Revision: 12, By: "alice", At: &at},
			"Upload of dataset lait, revision 12 by alice, 3 June 2026"},
		{"an upload by nobody named", engine.Cause{Kind: engine.CauseUpload, Dataset: "lait", Revision: 12},
			"Upload of dataset lait, revision 12"},
		{"a restore", engine.Cause{Kind: engine.CauseRestore, Dataset: "lait", Revision: 13, By: "alice", At: &at},
			"Restore of an earlier revision of dataset lait, revision 13 by alice, 3 June 2026"},
		{"a definition revision", engine.Cause{Kind: engine.CauseDefinition, Revision: 2, By: "bob"},
			"Definition change, revision 2 by bob"},
		{"the shipped definition", engine.Cause{Kind: engine.CauseDefinition}, "Definition change in the shipped catalogue"},
		{"targets", engine.Cause{Kind: engine.CauseTargets, Dataset: "targets", Revision: 3, By: "carol", At: &at},
			"Targets upload, revision 3 by carol, 3 June 2026"},
		{"the first evaluation", engine.Cause{Kind: engine.CauseFirst}, "First evaluation"},
		{"a re-run", engine.Cause{Kind: engine.CauseReevaluation}, "Evaluated again on the same inputs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Cause(tt.c); got != tt.want {
				t.Errorf("Cause = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAsAt(t *testing.T) {
	endOfDay := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1).Add(-time.Microsecond)
	for _, tt := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"a date: the end of that day", endOfDay, "31 March 2026"},
		{"a time, to the minute in UTC", time.Date(2026, 3, 31, 18, 0, 30, 0, time.FixedZone("BST", 3600)), "31 March 2026, 17:00 UTC"},
		{"midnight is a time", time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), "1 April 2026, 00:00 UTC"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.AsAt(tt.t); got != tt.want {
				t.Errorf("AsAt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHistoryChange(t *testing.T) {
	pct := def(indicators.Percentage, 1)
	got := display.HistoryChange(pct, engine.HistoryChange{Kind: engine.ChangeChanged, Changed: []string{engine.FieldValue, engine.FieldRAG},
		Before: &engine.JudgementState{Value: f(85.3), RAG: "red"}, After: &engine.JudgementState{Value: f(89), RAG: "green"}})
	want := []display.ChangedField{{"Value", "85.3%", "89.0%"}, {"Against target", "Red", "Green"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("HistoryChange = %+v, want %+v", got, want)
	}
}
