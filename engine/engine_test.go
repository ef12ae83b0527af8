package engine_test

import (
	"context"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/store"
)

const (
	localReturn = "../testdata/returns/example_local_return.csv"
	laitTiny    = "../testdata/engine/lait_tiny.csv"
)

// clock is a settable Engine.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

type env struct {
	db    *store.DB
	svc   *datasets.Service
	eng   *engine.Engine
	clock *clock
}

// newEnv wires an in-memory database with the shipped catalogue, as cmd/scorecard does.
func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	app, err := scorecard.Open(ctx, scorecard.Config{Now: clk.Now,
		MinAggregateCoverage: -1}) // the tiny files here pin ranking arithmetic on a few LAs
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	db, svc, eng := app.DB, app.Datasets, app.Engine
	return &env{db: db, svc: svc, eng: eng, clock: clk}
}

func (e *env) load(t *testing.T, dataset, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := e.svc.Load(context.Background(), dataset, f, datasets.Upload{FileName: file, By: "test"}); err != nil {
		t.Fatalf("load %s into %s: %v", file, dataset, err)
	}
}

func (e *env) evaluate(t *testing.T, dataset string) []engine.RunResult {
	t.Helper()
	res, err := e.eng.EvaluateDataset(context.Background(), dataset)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Error != "" {
			t.Fatalf("indicator %s: %s", r.Indicator, r.Error)
		}
	}
	return res
}

// seriesByPeriod returns an indicator's stored evaluations for an area, by period label.
func (e *env) seriesByPeriod(t *testing.T, indicator, area string) map[string]*engine.Evaluation {
	t.Helper()
	evs, err := e.eng.Series(context.Background(), indicator, area)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*engine.Evaluation{}
	for _, ev := range evs {
		m[ev.Period] = ev
	}
	return m
}

func val(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func is(p *float64, want float64) bool { return p != nil && *p == want }

func near(p *float64, want, tol float64) bool { return p != nil && math.Abs(*p-want) <= tol }

// TestPooleRow114EndToEnd loads the example local return and checks Poole Children's Trust's
// score card row 1.14 (secondary pupils in good or outstanding schools) as stored.
func TestPooleRow114EndToEnd(t *testing.T) {
	e := newEnv(t)
	e.load(t, "local_returns", localReturn)
	res := e.evaluate(t, "local_returns")
	counts := map[string]int{}
	for _, r := range res {
		counts[r.Indicator] = r.Evaluations
		if r.Dataset != "local_returns" {
			t.Errorf("%s evaluated from %s", r.Indicator, r.Dataset)
		}
	}
	// 2015-16 has Poole, South West and England rows (the SN row is a comparator, not an area);
	// four quarters of Poole; one NI 50 row.
	if counts["secondary-good-outstanding-schools"] != 7 || counts["ni50-emotional-health"] != 1 {
		t.Errorf("evaluations per indicator %v, want secondary-good-outstanding-schools 7, ni50-emotional-health 1", counts)
	}

	s := e.seriesByPeriod(t, "secondary-good-outstanding-schools", "836")
	if len(s) != 5 {
		t.Fatalf("Poole has %d periods, want 5 (2015-16 and four quarters of 2016-17)", len(s))
	}

	q4 := s["2016-17 Q4"]
	if q4 == nil {
		t.Fatal("no 2016-17 Q4 evaluation")
	}
	if q4.Area.Code != "E06000029" || !is(q4.Value, 85.3) || q4.DisplayValue != "85.3" || q4.Status != "ok" {
		t.Errorf("Q4: area %s value %v display %q status %q, want E06000029 85.3", q4.Area.Code, val(q4.Value), q4.DisplayValue, q4.Status)
	}
	if p := q4.Direction.Previous; p == nil || p.Period != "2016-17 Q3" || p.Judgement != engine.Improving ||
		!is(p.Value, 80.9) || !near(p.Change, 4.4, 1e-9) || !near(p.ChangePercent, 4.4/80.9*100, 1e-9) {
		t.Errorf("Q4 against the previous quarter: %+v, want 2016-17 Q3 80.9, improving by 4.4", p)
	}
	if y := q4.Direction.YearAgo; y == nil || y.Period != "2015-16 Q4" || y.Judgement != "no_data" || y.Change != nil {
		t.Errorf("Q4 against a year earlier: %+v, want 2015-16 Q4 no_data (not in the return)", y)
	}
	// 85.3 is below the amber boundary 88 − 2 = 86.
	r := q4.RAG
	if r.Status != engine.Red || !is(r.Target, 88) || !is(r.Tolerance, 2) || r.ToleranceType != "absolute" ||
		r.Rule != "higher_is_better/standard" || !strings.Contains(r.TargetSource, "secondary-good-outstanding-schools.yaml") {
		t.Errorf("Q4 RAG %+v (target %v tolerance %v), want red against 88 with tolerance 2", r, val(r.Target), val(r.Tolerance))
	}
	// Poole is not in the 2025-05 statistical-neighbour model: its 2021-04 neighbours are used,
	// and none of them is in the return.
	if sn := q4.Comparators.StatisticalNeighbours; sn == nil || sn.Source != "none" || sn.Vintage != "2021-04" || sn.Of != 10 ||
		sn.N != 0 || sn.Value != nil || sn.Judgement != "not_compared" {
		t.Errorf("Q4 statistical neighbours: %+v, want none from vintage 2021-04 (0 of 10)", sn)
	}
	// Earlier quarters: 80.9 is red, 58.0 is red; no period is green or amber.
	for label, want := range map[string]float64{"2016-17 Q1": 58, "2016-17 Q2": 58, "2016-17 Q3": 80.9} {
		ev := s[label]
		if ev == nil || !is(ev.Value, want) || ev.RAG.Status != engine.Red {
			t.Errorf("%s: %+v, want %v red", label, ev, want)
		}
	}
	if d := s["2016-17 Q2"].Direction.Previous; d == nil || d.Judgement != engine.NoChange || !is(d.Change, 0) {
		t.Errorf("Q2 against Q1 (58.0 both): %+v, want no_change", d)
	}

	fy := s["2015-16"]
	if fy == nil || !is(fy.Value, 58.8) || fy.RAG.Status != engine.Red {
		t.Fatalf("2015-16: %+v, want 58.8 red", fy)
	}
	c := fy.Comparators
	for _, x := range []struct {
		name       string
		got        *engine.Comparator
		code       string
		value      float64
		source     string
		displayVal string
	}{
		{"england", c.England, areas.EnglandCode, 87.0, "published", "87.0"},
		{"region", c.Region, "E12000009", 86.5, "published", "86.5"},
		{"statistical_neighbours", c.StatisticalNeighbours, "", 83.8, "published", "83.8"},
	} {
		if x.got == nil {
			t.Errorf("2015-16 %s: no comparator", x.name)
			continue
		}
		if x.got.Code != x.code || !is(x.got.Value, x.value) || x.got.Source != x.source || x.got.DisplayValue != x.displayVal ||
			x.got.Judgement != "worse" || x.got.Method != "difference" {
			t.Errorf("2015-16 %s: %+v (value %v), want %s %v %s, worse by difference", x.name, x.got, val(x.got.Value), x.code, x.value, x.source)
		}
	}
	if fy.Rank == nil || fy.Rank.Position != 1 || fy.Rank.Of != 1 {
		t.Errorf("2015-16 rank %+v, want 1 of 1 (the only LA in the return)", fy.Rank)
	}

	// The England and South West rows are evaluated as areas too, never ranked.
	eng := e.seriesByPeriod(t, "secondary-good-outstanding-schools", areas.EnglandCode)["2015-16"]
	if eng == nil || !is(eng.Value, 87.0) || eng.Rank != nil || eng.Comparators.England != nil || eng.Quartile != "" {
		t.Errorf("England 2015-16: %+v", eng)
	}

	// Leicestershire's NI 50 in 2009: 57.8 against its own target 73.6 (tolerance 2) is red.
	ni50 := e.seriesByPeriod(t, "ni50-emotional-health", "855")["2009"]
	if ni50 == nil {
		t.Fatal("no NI 50 evaluation for Leicestershire 2009")
	}
	if ni50.Area.Code != "E10000018" || !is(ni50.Value, 57.8) || ni50.RAG.Status != engine.Red || !is(ni50.RAG.Target, 73.6) || !is(ni50.RAG.Tolerance, 2) {
		t.Errorf("NI 50 Leicestershire 2009: area %s value %v RAG %+v (target %v), want 57.8 red against 73.6",
			ni50.Area.Code, val(ni50.Value), ni50.RAG, val(ni50.RAG.Target))
	}
}

// runTimes reads evaluation_runs.evaluated_at per indicator.
func runTimes(t *testing.T, db *store.DB) map[string]time.Time {
	t.Helper()
	rows, err := db.SQL.Query("SELECT indicator, evaluated_at FROM evaluation_runs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		out[id] = at
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEvaluateDatasetTouchesOnlyItsIndicators pins that loading a dataset re-evaluates only the
// indicators that read it: the others keep their runs and evaluations.
func TestEvaluateDatasetTouchesOnlyItsIndicators(t *testing.T) {
	e := newEnv(t)
	t1 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	t2 := time.Date(2024, 6, 7, 8, 9, 10, 0, time.UTC)

	e.clock.Set(t1)
	e.load(t, "local_returns", localReturn)
	first := e.evaluate(t, "local_returns")
	var localIDs []string
	for _, r := range first {
		localIDs = append(localIDs, r.Indicator)
	}
	sort.Strings(localIDs)
	var want []string // every shipped definition reading local_returns, and no other
	for _, d := range e.eng.Catalog.All() {
		if d.Source.Dataset == "local_returns" {
			want = append(want, d.ID)
		}
	}
	if !slices.Equal(localIDs, want) || !slices.Contains(want, "secondary-good-outstanding-schools") {
		t.Fatalf("evaluated %v from local_returns, want %v", localIDs, want)
	}

	e.clock.Set(t2)
	e.load(t, "lait", laitTiny)
	second := e.evaluate(t, "lait")
	var laitIDs []string
	for _, d := range e.eng.Catalog.All() {
		if d.Source.Dataset == "lait" {
			laitIDs = append(laitIDs, d.ID)
		}
	}
	var got []string
	for _, r := range second {
		got = append(got, r.Indicator)
	}
	sort.Strings(got)
	if len(laitIDs) == 0 || !slices.Equal(got, laitIDs) {
		t.Fatalf("evaluated %v from lait, want exactly %v", got, laitIDs)
	}

	runs := runTimes(t, e.db)
	for _, id := range localIDs {
		if at, ok := runs[id]; !ok || !at.Equal(t1) {
			t.Errorf("%s: evaluated_at %v, want %v (untouched by the lait load)", id, at, t1)
		}
	}
	for _, id := range laitIDs {
		if at, ok := runs[id]; !ok || !at.Equal(t2) {
			t.Errorf("%s: evaluated_at %v, want %v", id, at, t2)
		}
	}
	// Every other indicator keeps its run from start-up: only the lait readers moved to t2.
	for id, at := range runs {
		if !slices.Contains(laitIDs, id) && !at.Equal(t1) {
			t.Errorf("%s: evaluated_at %v, want %v (it does not read lait)", id, at, t1)
		}
	}
	if len(runs) != len(e.eng.Catalog.All()) {
		t.Errorf("%d runs recorded, want one per indicator (%d)", len(runs), len(e.eng.Catalog.All()))
	}

	// The untouched indicator's evaluations are still there, from the first run.
	q4 := e.seriesByPeriod(t, "secondary-good-outstanding-schools", "836")["2016-17 Q4"]
	if q4 == nil || !q4.EvaluatedAt.Equal(t1) || !is(q4.Value, 85.3) {
		t.Errorf("Poole Q4 after the lait load: %+v, want 85.3 evaluated at %v", q4, t1)
	}

	// The tiny LAIT file is evaluated by the same rules: SDQ score (lower is better) ranks
	// 13.5 first and the two 14.2s joint second, with the next rank skipped.
	all, err := e.eng.AllAreas(context.Background(), "cla-sdq-score-lait", "2016")
	if err != nil {
		t.Fatal(err)
	}
	ranks := map[string]*engine.Evaluation{}
	for _, ev := range all {
		ranks[ev.Area.Code] = ev
		if !ev.EvaluatedAt.Equal(t2) {
			t.Errorf("%s evaluated at %v, want %v", ev.Area.Code, ev.EvaluatedAt, t2)
		}
	}
	reg := areas.Default()
	for dfe, want := range map[string]int{"886": 1, "881": 2, "845": 2, "938": 4} {
		ev := ranks[reg.MustLookup(dfe).Code]
		if ev == nil || ev.Rank == nil || ev.Rank.Position != want || ev.Rank.Of != 4 {
			t.Errorf("%s: %+v, want rank %d of 4", dfe, ev, want)
			continue
		}
		if ev.Comparators.England == nil || !is(ev.Comparators.England.Value, 14) || ev.Comparators.England.Source != "published" {
			t.Errorf("%s England comparator %+v, want published 14", dfe, ev.Comparators.England)
		}
	}
	devon := ranks[reg.MustLookup("878").Code]
	if devon == nil || devon.Status != "suppressed" || devon.Marker != "c" || devon.Rank != nil || devon.RAG.Status != engine.Suppressed {
		t.Errorf("Devon (c): %+v, want suppressed, unranked", devon)
	}
	kent := ranks[reg.MustLookup("886").Code]
	if d := kent.Direction.Previous; d == nil || d.Period != "2015" || d.Judgement != engine.Improving || !near(d.Change, -0.6, 1e-9) {
		t.Errorf("Kent SDQ 14.1 → 13.5: %+v, want improving by -0.6", d)
	}
	cin := e.seriesByPeriod(t, "cin-rate", "886")["2016"]
	if cin == nil || cin.Direction.Previous == nil || cin.Direction.Previous.Judgement != engine.Increasing ||
		!near(cin.Direction.Previous.Change, 10.5, 1e-9) || cin.Rank != nil || cin.RAG.Status != engine.NoTarget {
		t.Errorf("Kent CIN 300 → 310.5: %+v, want increasing by 10.5, unranked, no_target", cin)
	}
}
