package engine

import "testing"

// The summary sentence has the right words for none, one and many.
func TestSummaryText(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    ChangeSummary
		want string
	}{
		{"nothing", ChangeSummary{}, "No judgement would change"},
		{"the brief's example", ChangeSummary{Changes: 16, TurnRed: 3, TurnGreen: 2, ValuesChanged: 14}, "3 rows would turn red, 2 green; 14 values change"},
		{"one of each", ChangeSummary{Changes: 1, TurnAmber: 1, ValuesChanged: 1}, "1 row would turn amber; 1 value changes"},
		{"colours after the first are bare", ChangeSummary{Changes: 3, TurnRed: 1, TurnAmber: 1, TurnGreen: 1}, "1 row would turn red, 1 amber, 1 green"},
		{"added and removed", ChangeSummary{Changes: 3, Added: 1, Removed: 2}, "1 row would be added; 2 rows would be removed"},
		{"only other judgements", ChangeSummary{Changes: 1}, "1 row's other judgements would change (comparators, rank, quartile or direction of travel)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := summaryText(tt.s); got != tt.want {
				t.Errorf("summaryText = %q, want %q", got, tt.want)
			}
		})
	}
}

// A value differs by its number or its display; nil and a number differ.
func TestDiffStates(t *testing.T) {
	one, two := 1.0, 2.0
	a := &JudgementState{Value: &one, DisplayValue: "1.0", RAG: "red", Rank: &Rank{Position: 1, Of: 10}}
	b := &JudgementState{Value: &two, DisplayValue: "2.0", RAG: "green", Rank: &Rank{Position: 1, Of: 10}}
	if got := diffStates(a, b); len(got) != 2 || got[0] != FieldValue || got[1] != FieldRAG {
		t.Errorf("diff = %v, want value, rag", got)
	}
	c := &JudgementState{DisplayValue: "c", RAG: "suppressed"}
	d := &JudgementState{DisplayValue: "x", RAG: "suppressed", Rank: &Rank{Position: 2, Of: 10}}
	if got := diffStates(c, d); len(got) != 2 || got[0] != FieldValue || got[1] != FieldRank {
		t.Errorf("diff = %v, want value (the marker), rank", got)
	}
	if got := diffStates(a, a); len(got) != 0 {
		t.Errorf("a state differs from itself: %v", got)
	}
}
