package engine_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
)

// The label lists hold the wire values exactly, once each, and Valid accepts them and nothing
// else.
func TestRAGStatusesAndTravels(t *testing.T) {
	rs := engine.RAGStatuses()
	if want := []engine.RAGStatus{"green", "amber", "red", "no_target", "no_data", "suppressed"}; !slices.Equal(rs, want) {
		t.Errorf("RAGStatuses() = %q, want %q", rs, want)
	}
	for _, s := range rs {
		if !s.Valid() {
			t.Errorf("%q is not Valid", s)
		}
	}
	for _, s := range []engine.RAGStatus{"", "Green", "ok", "not_compared"} {
		if s.Valid() {
			t.Errorf("%q is Valid", s)
		}
	}
	ts := engine.Travels()
	if want := []engine.Travel{"improving", "worsening", "no_change", "increasing", "decreasing", "no_data"}; !slices.Equal(ts, want) {
		t.Errorf("Travels() = %q, want %q", ts, want)
	}
	for _, tr := range ts {
		if !tr.Valid() {
			t.Errorf("%q is not Valid", tr)
		}
	}
	for _, tr := range []engine.Travel{"", "Improving", "no_significant_change"} {
		if tr.Valid() {
			t.Errorf("%q is Valid", tr)
		}
	}
}

// labelsListed says which label of ev, if any, is not one of the lists (RAGStatuses,
// stats.Judgements, Travels, stats.TrendLabels).
func labelsListed(ev *engine.Evaluation) error {
	if !ev.RAG.Status.Valid() {
		return fmt.Errorf("RAG status %q", ev.RAG.Status)
	}
	for name, c := range map[string]*engine.Comparator{"england": ev.Comparators.England, "region": ev.Comparators.Region,
		"statistical_neighbours": ev.Comparators.StatisticalNeighbours} {
		if c != nil && !c.Judgement.Valid() {
			return fmt.Errorf("%s judgement %q", name, c.Judgement)
		}
	}
	for name, c := range map[string]*engine.Change{"previous": ev.Direction.Previous, "year_ago": ev.Direction.YearAgo} {
		if c != nil && !c.Judgement.Valid() {
			return fmt.Errorf("direction %s %q", name, c.Judgement)
		}
	}
	if t := ev.RecentTrend; t != nil && !t.Label.Valid() {
		return fmt.Errorf("recent trend %q", t.Label)
	}
	return nil
}

// labelsSeen counts every label value of ev into seen, keyed by kind and value.
func labelsSeen(ev *engine.Evaluation, seen map[string]int) {
	seen["rag "+string(ev.RAG.Status)]++
	for _, c := range []*engine.Comparator{ev.Comparators.England, ev.Comparators.Region, ev.Comparators.StatisticalNeighbours} {
		if c != nil {
			seen["judgement "+string(c.Judgement)]++
		}
	}
	for _, c := range []*engine.Change{ev.Direction.Previous, ev.Direction.YearAgo} {
		if c != nil {
			seen["travel "+string(c.Judgement)]++
		}
	}
	if ev.RecentTrend != nil {
		seen["trend "+string(ev.RecentTrend.Label)]++
	}
}
