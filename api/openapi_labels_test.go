package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/stats"
)

// labelStrings is a list of labels as the strings the OpenAPI document lists.
func labelStrings[S ~string](labels []S) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = string(l)
	}
	return out
}

// The OpenAPI document's enums of labels are exactly the engine's lists, in their order: RAG
// statuses, judgements against a benchmark, directions of travel and recent-trend labels, and
// the preview's judgement states (which add "" for a judgement not made).
func TestOpenAPILabelEnumsAreTheLists(t *testing.T) {
	raw, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Enum       []string          `json:"enum"`
		Required   []string          `json:"required"`
		Properties map[string]schema `json:"properties"`
	}
	var doc struct {
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc.Components.Schemas
	rag, judgements := labelStrings(engine.RAGStatuses()), labelStrings(stats.Judgements())
	travels, trends := labelStrings(engine.Travels()), labelStrings(stats.TrendLabels())
	orNone := func(l []string) []string { return append([]string{""}, l...) }
	for _, c := range []struct {
		schema, property string
		want             []string
	}{
		{"RAG", "status", rag},
		{"Comparator", "judgement", judgements},
		{"Change", "judgement", travels},
		{"Trend", "label", trends},
		{"JudgementState", "rag", rag},
		{"JudgementState", "england", orNone(judgements)},
		{"JudgementState", "region", orNone(judgements)},
		{"JudgementState", "statistical_neighbours", orNone(judgements)},
		{"JudgementState", "direction_previous", orNone(travels)},
		{"JudgementState", "direction_year_ago", orNone(travels)},
	} {
		s, ok := schemas[c.schema]
		if !ok {
			t.Errorf("no schema %s", c.schema)
			continue
		}
		if got := s.Properties[c.property].Enum; !slices.Equal(got, c.want) {
			t.Errorf("%s.%s enum = %q, want %q", c.schema, c.property, got, c.want)
		}
	}
	// A RAG summary has every status as a key.
	got := slices.Sorted(slices.Values(schemas["RAGSummary"].Required))
	if want := slices.Sorted(slices.Values(rag)); !slices.Equal(got, want) {
		t.Errorf("RAGSummary requires %q, want every RAG status %q", got, want)
	}
}
