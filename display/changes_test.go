package display_test

import (
	"testing"

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
