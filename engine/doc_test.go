package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/engine"
)

func ptr(f float64) *float64 { return &f }

// TestDocRoundTripShipped encodes and decodes every evaluation of the shipped data and checks
// that each reads back exactly (compared as the API's JSON), and that what the engine stores
// reads back as what it computed. Every label of every evaluation is checked; the JSON
// comparisons cover every evaluation of the hand-written indicators and of one generated LAIT
// indicator in eight (some 60,000 evaluations: all 334,000 take minutes under the race detector,
// and the generated ones share one shape).
func TestDocRoundTripShipped(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 123456789, time.UTC) }
	app, err := scorecard.Open(ctx, scorecard.Config{Now: now, Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	computed, err := app.Engine.Compute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(computed) < 20000 {
		t.Fatalf("%d evaluations computed; the shipped data gives over 20,000", len(computed))
	}
	sampled := map[string]bool{}
	generated := 0
	for _, d := range app.Catalog.All() {
		if !strings.HasPrefix(d.File, "embedded:lait/") {
			sampled[d.ID] = true
		} else if generated++; generated%8 == 0 {
			sampled[d.ID] = true
		}
	}
	var jsonBytes, docBytes int
	want := map[engine.EvaluationKey][]byte{}
	seen := map[string]int{}
	for _, ev := range computed {
		if err := labelsListed(ev); err != nil {
			t.Fatalf("%v: %v is not a listed label", ev.Key(), err)
		}
		labelsSeen(ev, seen)
		if !sampled[ev.Indicator] {
			continue
		}
		doc := engine.EncodeDoc(ev)
		back, err := engine.DecodeDoc(doc)
		if err != nil {
			t.Fatalf("%v: %v", ev.Key(), err)
		}
		a, _ := json.Marshal(ev)
		b, _ := json.Marshal(back)
		if !bytes.Equal(a, b) {
			t.Fatalf("%v does not round-trip:\n%s\n%s", ev.Key(), a, b)
		}
		jsonBytes += len(a)
		docBytes += len(doc)
		want[ev.Key()] = a
	}
	t.Logf("%d evaluations, %d compared as JSON: JSON %d bytes, documents %d bytes (%.2f×)", len(computed), len(want), jsonBytes, docBytes, float64(jsonBytes)/float64(docBytes))
	// The shipped data gives every RAG status and direction of travel, and the main judgements and
	// trend labels.
	for _, s := range engine.RAGStatuses() {
		if seen["rag "+string(s)] == 0 {
			t.Errorf("no shipped evaluation is %s against target", s)
		}
	}
	for _, k := range []string{"judgement better", "judgement similar", "judgement worse", "judgement higher", "judgement lower",
		"judgement not_compared", "travel improving", "travel worsening", "travel no_change", "travel increasing",
		"travel decreasing", "travel no_data", "trend decreasing_getting_better", "trend increasing_getting_worse", "trend no_significant_change",
		"trend cannot_be_calculated"} {
		if seen[k] == 0 {
			t.Errorf("no shipped evaluation has %s", k)
		}
	}

	var n int
	if err := app.DB.SQL.QueryRowContext(ctx, "SELECT count(*) FROM evaluations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(computed) {
		t.Fatalf("%d stored, %d computed", n, len(computed))
	}
	var ids []string
	for id := range sampled {
		ids = append(ids, id)
	}
	stored, err := app.Engine.Evaluations(ctx, engine.EvaluationFilter{Indicators: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(want) {
		t.Fatalf("%d stored, %d computed for the sampled indicators", len(stored), len(want))
	}
	for _, ev := range stored {
		got, _ := json.Marshal(ev)
		if !bytes.Equal(got, want[ev.Key()]) {
			t.Fatalf("stored %v reads back as\n%s\nnot as computed\n%s", ev.Key(), got, want[ev.Key()])
		}
	}
}

// TestDocEveryField fills every field, so a field left out of the codec fails here even when
// the shipped data never sets it.
func TestDocEveryField(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 5, time.UTC)
	cmp := func(code string) *engine.Comparator {
		return &engine.Comparator{Code: code, Name: "n" + code, Value: ptr(1.5), DisplayValue: "1.5", Source: "published",
			Judgement: "better", Method: "ci95", Reason: "r", Vintage: "2024", N: 9, Of: 10}
	}
	ev := &engine.Evaluation{
		Indicator: "i", Area: engine.AreaRef{Code: "E06000058", Name: "BCP", Level: "la"},
		Period: "2023/24", PeriodKind: "academic_year", PeriodEnd: "2024-08-31",
		// Value is a negative zero, which the codec must keep.
		Value: ptr(math.Copysign(0, -1)), DisplayValue: "0.0", Numerator: ptr(3), Denominator: ptr(1e12), Status: "suppressed", Marker: "c",
		CI: &engine.CI{Method: "wilson", Lower95: ptr(1), Upper95: ptr(2), Lower998: ptr(0.5), Upper998: ptr(2.5), Published: true},
		RAG: engine.RAG{Status: "amber", Rule: "higher_is_better/standard", Target: ptr(10), Tolerance: ptr(5), ToleranceType: "percent",
			GreenBand: ptr(11), TargetSource: "definition", Baseline: &engine.TargetBaseline{Period: "2020/21", Value: ptr(8), ChangePercent: -12.5}, Reason: "why"},
		Comparators: engine.Compared{England: cmp("E92000001"), Region: cmp("E12000009"), StatisticalNeighbours: cmp("")},
		Rank:        &engine.Rank{Position: 3, Of: 151}, Quartile: "A", Quintile: &engine.Quintile{Position: 1, Label: "best"},
		Direction: engine.Direction{
			Previous: &engine.Change{Period: "2022/23", Value: ptr(1), Change: ptr(-1), ChangePercent: ptr(-50), Judgement: "worsening"},
			YearAgo:  &engine.Change{Period: "2022/23", Judgement: "no_data"}},
		RecentTrend: &engine.Trend{Label: "increasing", Slope: ptr(0.1), ChiSquare: ptr(4.2), Periods: []string{"a", "b", "ü"}, Reason: "x", Method: "m"},
		Forecast:    &engine.Forecast{Status: "on_track", TargetPeriod: "2025/26", Target: ptr(3), Projected: ptr(4), Periods: []string{"p"}, Method: "ls", Reason: "y"},
		Source:      engine.SourceRef{Dataset: "lait", Revision: 1 << 40, Row: 12345},
		EvaluatedAt: at,
	}
	back, err := engine.DecodeDoc(engine.EncodeDoc(ev))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(ev)
	b, _ := json.Marshal(back)
	if !bytes.Equal(a, b) {
		t.Fatalf("does not round-trip:\n%s\n%s", a, b)
	}
	if back.Value == nil || *back.Value != 0 || !math.Signbit(*back.Value) {
		t.Errorf("value %v, want a negative zero", back.Value)
	}
	if !back.EvaluatedAt.Equal(at) || back.EvaluatedAt.Nanosecond() != 5 {
		t.Errorf("evaluated_at %v, want %v", back.EvaluatedAt, at)
	}

	// An empty evaluation round-trips too (every pointer nil).
	empty, err := engine.DecodeDoc(engine.EncodeDoc(&engine.Evaluation{}))
	if err != nil {
		t.Fatal(err)
	}
	a, _ = json.Marshal(&engine.Evaluation{})
	b, _ = json.Marshal(empty)
	if !bytes.Equal(a, b) {
		t.Fatalf("empty evaluation does not round-trip:\n%s\n%s", a, b)
	}
}

// TestDocRejectsDamage checks that a truncated or altered document is an error, never a
// silently different evaluation.
func TestDocRejectsDamage(t *testing.T) {
	ev := &engine.Evaluation{Indicator: "i", Period: "2023", Value: ptr(1), RAG: engine.RAG{Status: "green"},
		RecentTrend: &engine.Trend{Label: "x", Periods: []string{"2019", "2020"}}}
	doc := engine.EncodeDoc(ev)
	for n := 0; n < len(doc); n++ {
		if _, err := engine.DecodeDoc(doc[:n]); err == nil {
			t.Errorf("document cut to %d of %d bytes decoded without error", n, len(doc))
		}
	}
	if _, err := engine.DecodeDoc(append(append([]byte(nil), doc...), 0)); err == nil {
		t.Error("a document with a trailing byte decoded without error")
	}
	bad := append([]byte(nil), doc...)
	bad[0] = 0x7f
	if _, err := engine.DecodeDoc(bad); err == nil {
		t.Error("a document of an unknown format decoded without error")
	}
	// A document written by an earlier version, as JSON, still reads.
	old, _ := json.Marshal(ev)
	back, err := engine.DecodeDoc(old)
	if err != nil || back.RecentTrend == nil || back.RecentTrend.Periods[1] != "2020" || *back.Value != 1 {
		t.Errorf("JSON document read as %+v, %v", back, err)
	}
}

var updateVocabulary = flag.Bool("update-vocabulary", false, "append new docVocabulary entries to testdata/engine/doc_vocabulary.txt")

// TestDocVocabularyIsAppendOnly holds the stored documents' vocabulary to its recorded form: a
// stored document names entries by position, so an entry changed, removed or moved would
// change what stored documents say. New entries may be appended (record them with
// -update-vocabulary).
func TestDocVocabularyIsAppendOnly(t *testing.T) {
	const path = "../testdata/engine/doc_vocabulary.txt"
	vocab := engine.DocVocabulary()
	seen := map[string]bool{}
	for _, s := range vocab {
		if s == "" || strings.Contains(s, "\n") || seen[s] {
			t.Fatalf("vocabulary entry %q is empty, has a line break or is repeated", s)
		}
		seen[s] = true
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []string
	if len(raw) > 0 {
		recorded = strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	}
	for i, s := range recorded {
		if i >= len(vocab) || vocab[i] != s {
			t.Fatalf("vocabulary entry %d was %q and is now changed or gone: stored documents refer to it; restore it and append new entries instead", i, s)
		}
	}
	if len(vocab) > len(recorded) {
		if !*updateVocabulary {
			t.Fatalf("%d new vocabulary entries are not recorded: run go test ./engine -run Vocabulary -update-vocabulary", len(vocab)-len(recorded))
		}
		if err := os.WriteFile(path, []byte(strings.Join(vocab, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
