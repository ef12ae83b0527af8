package engine

import (
	"slices"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

// A row worse than England and worsening is an exception whether the comparison is one-level
// (worse) or two-level (worst: outside the 99.8% limits); better, similar or best never are.
func TestExceptionRulesWorseAndWorsening(t *testing.T) {
	for _, tt := range []struct {
		judgement stats.Judgement
		want      bool
	}{
		{stats.Worse, true},
		{stats.Worst, true},
		{stats.Similar, false},
		{stats.Better, false},
		{stats.Best, false},
		{stats.NotCompared, false},
	} {
		ev := &Evaluation{
			Comparators: Compared{England: &Comparator{Judgement: tt.judgement, Method: "ci95_998"}},
			Direction:   Direction{Previous: &Change{Period: "2022-23", Judgement: Worsening}},
		}
		rules, reasons := exceptionRules(ev)
		if got := slices.Contains(rules, RuleWorseAndWorsening); got != tt.want {
			t.Errorf("%s and worsening: rule %v (%v, %v), want %v", tt.judgement, got, rules, reasons, tt.want)
		}
	}
}
