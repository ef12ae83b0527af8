package indicators_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

const countYAML = `id: %s
title: A count
unit: count
decimals: 0
polarity: higher_is_better
source:
  dataset: local_returns
  value: value
`

func def(tb testing.TB, id string) *indicators.Definition {
	tb.Helper()
	d, err := indicators.DecodeDefinition(id+".yaml", []byte(strings.Replace(countYAML, "%s", id, 1)), areas.Default())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// Put adds or replaces one definition, in id order, and its undo restores exactly the set
// before; readers holding an earlier All slice keep it unchanged; reads race with writes safely.
func TestCatalogPut(t *testing.T) {
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	before := cat.All()
	n := len(before)
	old, _ := cat.Get("rereferrals")
	undoAdd := cat.Put(def(t, "aaa-new"))
	if len(cat.All()) != n+1 || cat.All()[0].ID != "aaa-new" || !cat.Known("aaa-new") {
		t.Fatalf("after adding: %d definitions, first %s", len(cat.All()), cat.All()[0].ID)
	}
	if len(before) != n {
		t.Fatal("the earlier slice changed")
	}
	replacement := def(t, "rereferrals")
	undoReplace := cat.Put(replacement)
	if got, _ := cat.Get("rereferrals"); got != replacement || cat.IsProportion("rereferrals") {
		t.Fatal("not replaced")
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				if i%2 == 0 {
					undo := cat.Put(def(t, fmt.Sprintf("zz-race-%d", i)))
					undo()
				} else {
					_ = cat.Sources()
					_, _ = cat.Get("rereferrals")
					_ = cat.Find("", "count")
					_ = j
				}
			}
		}()
	}
	wg.Wait()
	undoReplace()
	if got, _ := cat.Get("rereferrals"); got != old {
		t.Fatal("the undo of a replacement did not bring the old definition back")
	}
	undoAdd()
	if cat.Known("aaa-new") || len(cat.All()) != n {
		t.Fatalf("the undo of an addition left %d definitions", len(cat.All()))
	}
}

// DecodeDefinition reports every problem of one body and returns the definition it decoded,
// so that the caller can check it against the data too.
func TestDecodeDefinitionReportsEveryProblem(t *testing.T) {
	body := strings.NewReplacer("%s", "Bad ID", "unit: count", "unit: furlongs", "decimals: 0", "decimals: 9").Replace(countYAML)
	d, err := indicators.DecodeDefinition("body", []byte(body), areas.Default())
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || e.Total != 3 || d == nil {
		t.Fatalf("got %v (%v), want 3 problems and the definition", err, d)
	}
	var fields []string
	for _, p := range e.Details {
		fields = append(fields, p.Field)
		if p.File != "body" {
			t.Errorf("problem %+v has file %q", p, p.File)
		}
	}
	if !slices.Equal(fields, []string{"id", "unit", "decimals"}) {
		t.Errorf("fields %v", fields)
	}
	if d, err := indicators.DecodeDefinition("body", []byte("id: x\nwat: 1\n"), areas.Default()); d != nil || err == nil || !strings.Contains(err.Error(), "wat") {
		t.Errorf("an unknown field: %v %v", d, err)
	}
}

func TestDecodeGroup(t *testing.T) {
	reg := areas.Default()
	g, err := indicators.DecodeGroup("g", []byte(`{"id": "pair", "title": "Pair", "areas": ["839", "Leeds", "E08000019"]}`), reg)
	if err != nil {
		t.Fatal(err)
	}
	// DfE codes and names become GSS codes, a former code its current one, in order.
	if want := []string{"E06000058", "E08000035", "E08000039"}; !slices.Equal(g.Areas, want) {
		t.Errorf("areas %v, want %v", g.Areas, want)
	}
	if !g.Has("E08000035") || g.Has("E08000019") {
		t.Error("Has disagrees with the members")
	}
	_, err = indicators.DecodeGroup("g", []byte(`{"id": "Pair!", "title": " ", "areas": ["839", "nowhere", "E92000001", "BCP"]}`), reg)
	e, ok := errs.As(err)
	if !ok || e.Total < 4 {
		t.Fatalf("got %v, want every problem", err)
	}
	for _, want := range []string{"id must be", "title is required", "unknown area", "is not a local authority"} {
		if !strings.Contains(strings.Join(reasons(e), "\n"), want) {
			t.Errorf("no %q in %v", want, reasons(e))
		}
	}
	if _, err := indicators.DecodeGroup("g", []byte(`{"id": "one", "title": "One", "areas": ["839"]}`), reg); err == nil {
		t.Error("a group of one area was accepted")
	}
}

func reasons(e *errs.Error) []string {
	var out []string
	for _, d := range e.Details {
		out = append(out, d.Reason)
	}
	return out
}

// A scorecard naming a missing indicator or a missing comparator group is refused with both.
func TestDecodeScorecard(t *testing.T) {
	reg := areas.Default()
	cat, err := indicators.Load("", reg)
	if err != nil {
		t.Fatal(err)
	}
	groups := indicators.NewGroups()
	body := "id: s\ntitle: S\narea: \"839\"\ncomparators:\n  group: core\npriorities:\n  - title: P\n    items:\n      - indicator: nope\n      - indicator: rereferrals\n"
	_, err = indicators.DecodeScorecard("s", []byte(body), cat, groups, reg)
	e, ok := errs.As(err)
	if !ok || e.Total != 2 || e.Details[0].Field != "priorities[0].items[0].indicator" || e.Details[1].Field != "comparators.group" {
		t.Fatalf("got %+v", err)
	}
	g, _ := indicators.DecodeGroup("g", []byte(`{"id": "core", "title": "Core", "areas": ["839", "Leeds"]}`), reg)
	groups.Put(g)
	sc, err := indicators.DecodeScorecard("s", []byte(strings.Replace(body, "indicator: nope", "indicator: cla-rate", 1)), cat, groups, reg)
	if err != nil || sc.GroupID() != "core" {
		t.Fatalf("%v %+v", err, sc)
	}
	scs := indicators.NewScorecards()
	undo := scs.Put(sc)
	if got, ok := scs.Get("s"); !ok || got != sc || len(scs.All()) != 1 {
		t.Fatal("Put did not add the scorecard")
	}
	undo()
	if _, ok := scs.Get("s"); ok || len(scs.All()) != 0 {
		t.Fatal("undo did not remove the scorecard")
	}
}
