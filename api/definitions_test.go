package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/engine"
)

// defsFixture is a server over the shipped children-in-need and local-return data, with
// authentication on and a clock that moves a second on every reading, so that a run record
// left untouched by a change keeps its old time.
type defsFixture struct {
	app     *scorecard.App
	handler http.Handler
	secrets map[string]string
}

func newDefsFixture(tb testing.TB, dbPath string) *defsFixture {
	tb.Helper()
	ctx := context.Background()
	var tick atomic.Int64
	now := func() time.Time {
		return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * time.Second)
	}
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: dbPath, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { app.Close() })
	f := &defsFixture{app: app, secrets: map[string]string{}}
	if dbPath == "" || len(must(app.Datasets.Datasets(ctx))) == 0 {
		for _, name := range []string{"ees_cin_referrals", "local_returns"} {
			if err := scorecard.LoadShippedDataset(ctx, app.Datasets, name); err != nil {
				tb.Fatal(err)
			}
		}
		if _, err := app.Engine.EvaluateAll(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	for _, p := range []struct {
		who   string
		role  auth.Role
		areas []string
	}{
		{asAdmin, auth.Admin, nil},
		{asUploaderOwn, auth.Uploader, []string{"836"}},
		{"uploader-all", auth.Uploader, []string{"*"}},
	} {
		_, secret, err := app.Auth.Create(ctx, p.who+time.Now().Format("150405.000000"), p.role, p.areas)
		if err != nil {
			tb.Fatal(err)
		}
		f.secrets[p.who] = secret
	}
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth}
	f.handler = srv.Handler()
	return f
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func (f *defsFixture) call(tb testing.TB, who, method, path, contentType, body string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if s := f.secrets[who]; s != "" {
		req.Header.Set("Authorization", "Bearer "+s)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// runRecord is one indicator's evaluation run as stored.
type runRecord struct {
	At          time.Time
	Hash        string
	Evaluations int64
}

func (f *defsFixture) runs(tb testing.TB) map[string]runRecord {
	tb.Helper()
	rows, err := f.app.DB.SQL.Query("SELECT indicator, evaluated_at, definition_sha256, evaluations FROM evaluation_runs")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]runRecord{}
	for rows.Next() {
		var id string
		var r runRecord
		if err := rows.Scan(&id, &r.At, &r.Hash, &r.Evaluations); err != nil {
			tb.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// rereferralsYAML is the shipped rereferrals definition with a target of 9.5% (1 point of
// tolerance) and a new title.
const rereferralsYAML = `id: rereferrals
reference: ReReferral
title: Re-referrals within 12 months (revised)
topic: Children in Need
description: Referrals in the year that were within 12 months of a previous referral, as a percentage of all referrals.
unit: percentage
decimals: 1
polarity: lower_is_better
source:
  dataset: ees_cin_referrals
  value: rereferral_percent
  numerator: rereferral_count
  denominator: referral_count
  multiplier: 100
ci_method: wilson
targets:
  - value: 9.5
    tolerance: 1
metadata:
  source: DfE "Children in need" table C1 (EES)
`

// evaluatedAt matches the one field a re-evaluation changes when nothing else did.
var evaluatedAt = regexp.MustCompile(`"evaluated_at":"[^"]*"`)

func (f *defsFixture) evaluationsJSON(tb testing.TB, query string) string {
	tb.Helper()
	rec := f.call(tb, asNone, http.MethodGet, "/api/v1/evaluations?limit=10000&"+query, "", "")
	if rec.Code != http.StatusOK {
		tb.Fatalf("evaluations: %d %s", rec.Code, rec.Body)
	}
	// The page's data_version names the evaluation runs, which a restore makes anew: the
	// evaluations themselves are compared.
	body := dataVersion.ReplaceAllString(rec.Body.String(), `"data_version":"ev-0"`)
	return evaluatedAt.ReplaceAllString(body, `"evaluated_at":"1970-01-01T00:00:00Z"`)
}

var dataVersion = regexp.MustCompile(`"data_version":"[^"]*"`)

// An indicator definition with problems is refused with every problem at once (its own and
// those against the data), and nothing changes: no revision, the same definition, the same
// evaluations and run records.
func TestPutIndicatorInvalidChangesNothing(t *testing.T) {
	f := newDefsFixture(t, "")
	before := f.runs(t)
	defBefore := f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals", "", "").Body.String()
	evsBefore := f.evaluationsJSON(t, "indicator=rereferrals")
	bad := strings.NewReplacer("unit: percentage", "unit: percent", "polarity: lower_is_better", "polarity: down",
		"value: rereferral_percent", "value: no_such_column", "- value: 9.5", "- value: 9.5\n    period: not-a-period").Replace(rereferralsYAML)
	rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/rereferrals", "application/yaml", bad)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("PUT invalid: %d %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"unit must be one of", "polarity must be", `no column \"no_such_column\"`, "not-a-period", "4 problem(s)"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the answer does not report %q: %s", want, rec.Body)
		}
	}
	// A body whose id is not the address's is refused too, with that problem listed.
	rec = f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/rereferrals", "application/yaml",
		strings.Replace(rereferralsYAML, "id: rereferrals", "id: other-id", 1))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "the id in the body must be the id in the address") {
		t.Errorf("PUT with another id: %d %s", rec.Code, rec.Body)
	}
	// YAML that does not decode (an unknown field).
	rec = f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/rereferrals", "application/yaml", rereferralsYAML+"colour: red\n")
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "colour") {
		t.Errorf("PUT with an unknown field: %d %s", rec.Code, rec.Body)
	}
	rec = f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/rereferrals", "text/csv", rereferralsYAML)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("PUT as CSV: %d %s", rec.Code, rec.Body)
	}
	if got := f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals", "", "").Body.String(); got != defBefore {
		t.Errorf("the definition changed:\n%s\nwas\n%s", got, defBefore)
	}
	if got := f.evaluationsJSON(t, "indicator=rereferrals"); got != evsBefore {
		t.Error("the evaluations changed")
	}
	if after := f.runs(t); !mapsEqual(after, before) {
		t.Errorf("run records changed: %v, were %v", after, before)
	}
	revs := decode[struct {
		Items []definitions.Revision `json:"data"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions", "", "").Body.Bytes())
	if len(revs.Items) != 1 || revs.Items[0].Revision != 0 || !revs.Items[0].Current || revs.Items[0].Status != definitions.Builtin {
		t.Errorf("revisions after refused PUTs: %+v, want only the built-in revision 0, current", revs.Items)
	}
}

func mapsEqual(a, b map[string]runRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !v.At.Equal(w.At) || v.Hash != w.Hash || v.Evaluations != w.Evaluations {
			return false
		}
	}
	return true
}

// A valid definition is stored as revision 1 and re-evaluates that indicator only: every other
// indicator's run record is untouched. Its judgements use the new target; restoring revision 0
// brings back the earlier evaluations exactly.
func TestPutIndicatorReevaluatesOnlyItAndRestoreBringsBackJudgements(t *testing.T) {
	f := newDefsFixture(t, "")
	before := f.runs(t)
	evsBefore := f.evaluationsJSON(t, "indicator=rereferrals")
	rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/indicators/rereferrals", "application/yaml", rereferralsYAML)
	if rec.Code != http.StatusCreated {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	res := decode[struct {
		Revision   definitions.Revision `json:"revision"`
		Evaluation engine.Reevaluation  `json:"evaluation"`
	}](t, rec.Body.Bytes())
	if res.Revision.Revision != 1 || res.Revision.Status != definitions.Accepted || res.Revision.SHA256 != definitions.SHA256([]byte(rereferralsYAML)) ||
		!strings.Contains(res.Revision.By, "admin") {
		t.Errorf("revision: %+v", res.Revision)
	}
	if res.Evaluation.State != engine.Evaluated || len(res.Evaluation.Results) != 1 || res.Evaluation.Results[0].Indicator != "rereferrals" {
		t.Errorf("re-evaluation: %+v, want rereferrals alone", res.Evaluation)
	}
	after := f.runs(t)
	for id, r := range before {
		switch {
		case id == "rereferrals":
			if !after[id].At.After(r.At) || after[id].Hash == r.Hash {
				t.Errorf("rereferrals was not re-evaluated: %+v, was %+v", after[id], r)
			}
		case !after[id].At.Equal(r.At) || after[id].Hash != r.Hash:
			t.Errorf("%s was re-evaluated: %+v, was %+v", id, after[id], r)
		}
	}
	// The new target colours the latest evaluations: 9.5 with 1 point of tolerance, lower is better.
	evs := decode[struct {
		Items []engine.Evaluation `json:"data"`
	}](t, []byte(f.evaluationsJSON(t, "indicator=rereferrals&level=la")))
	checked := 0
	for _, ev := range evs.Items {
		if ev.Value == nil {
			continue
		}
		want := engine.Red
		switch {
		case *ev.Value <= 9.5:
			want = engine.Green
		case *ev.Value <= 10.5:
			want = engine.Amber
		}
		if ev.RAG.Status != want || ev.RAG.Target == nil || *ev.RAG.Target != 9.5 {
			t.Fatalf("%s %s: value %v, rag %+v, want %s against 9.5", ev.Area.Code, ev.Period, *ev.Value, ev.RAG, want)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d evaluations with a value checked", checked)
	}
	if got := decode[map[string]any](t, f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals", "", "").Body.Bytes()); got["title"] != "Re-referrals within 12 months (revised)" {
		t.Errorf("the indicator's title is %v", got["title"])
	}

	// The diff shows the lines and the fields that changed.
	diff := decode[definitions.Diff](t, f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions/1/diff", "", "").Body.Bytes())
	if diff.From != 0 || diff.To != 1 {
		t.Errorf("diff compares %d with %d, want 0 with 1", diff.From, diff.To)
	}
	fields := map[string]definitions.FieldChange{}
	for _, fc := range diff.Fields {
		fields[fc.Path] = fc
	}
	if fc, ok := fields["targets[0].value"]; !ok || fc.From != nil || fc.To != 9.5 {
		t.Errorf("field targets[0].value: %+v (fields %+v)", fc, diff.Fields)
	}
	if fc := fields["title"]; fc.From != "Re-referrals to children's social care within 12 months" || fc.To != "Re-referrals within 12 months (revised)" {
		t.Errorf("field title: %+v", fc)
	}
	if len(fields) != 3 { // title, and targets[0]'s value and tolerance: nothing else
		t.Errorf("fields: %+v, want title, targets[0].value and targets[0].tolerance", diff.Fields)
	}
	var plus []string
	for _, l := range diff.Lines {
		if l.Op == "+" {
			plus = append(plus, l.Text)
		}
	}
	if !slices.Contains(plus, "  - value: 9.5") || !slices.Contains(plus, "title: Re-referrals within 12 months (revised)") || diff.Added != len(plus) {
		t.Errorf("added lines: %q", plus)
	}
	text := f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions/1/diff?format=text", "", "")
	if !strings.Contains(text.Body.String(), "\n+targets:\n") || !strings.Contains(text.Body.String(), "\n-title: Re-referrals to children's social care within 12 months\n") {
		t.Errorf("text diff: %s", text.Body)
	}

	// Restore the built-in revision: a new revision 2, restored from 0, and the judgements as before.
	rec = f.call(t, asAdmin, http.MethodPost, "/api/v1/indicators/rereferrals/revisions/0/restore", "", "")
	if rec.Code != http.StatusCreated {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body)
	}
	restored := decode[struct {
		Revision definitions.Revision `json:"revision"`
	}](t, rec.Body.Bytes())
	if restored.Revision.Revision != 2 || restored.Revision.Status != definitions.Restored || restored.Revision.RestoredFrom == nil || *restored.Revision.RestoredFrom != 0 {
		t.Errorf("restored revision: %+v", restored.Revision)
	}
	if got := f.evaluationsJSON(t, "indicator=rereferrals"); got != evsBefore {
		t.Errorf("after the restore the evaluations differ from the earlier ones")
	}
	revs := decode[struct {
		Items []definitions.Revision `json:"data"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions", "", "").Body.Bytes())
	var nums []int64
	for _, r := range revs.Items {
		nums = append(nums, r.Revision)
		if r.Current != (r.Revision == 2) {
			t.Errorf("revision %d current=%v", r.Revision, r.Current)
		}
	}
	if !slices.Equal(nums, []int64{2, 1, 0}) {
		t.Errorf("revisions %v, want [2 1 0]", nums)
	}
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/indicators/rereferrals/revisions/9/restore", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("restore of a revision that does not exist: %d %s", rec.Code, rec.Body)
	}
}

// A scorecard naming an indicator that does not exist is refused, every problem listed, and
// the scorecard stays as it was.
func TestPutScorecardNamingAMissingIndicatorIsRefused(t *testing.T) {
	f := newDefsFixture(t, "")
	before := f.call(t, asNone, http.MethodGet, "/api/v1/scorecards", "", "").Body.String()
	body := `{"id": "poole-childrens-trust", "title": "Poole", "area": "836",
		"priorities": [{"title": "One", "items": [{"indicator": "no-such-indicator"}, {"indicator": "rereferrals"}]},
		               {"title": "", "items": []}]}`
	rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/poole-childrens-trust", "application/json", body)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"no indicator with this id", "no-such-indicator", "priorities[1].title", "a priority needs at least one indicator", "3 problem(s)"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the answer does not report %q: %s", want, rec.Body)
		}
	}
	if got := f.call(t, asNone, http.MethodGet, "/api/v1/scorecards", "", "").Body.String(); got != before {
		t.Error("the scorecards changed")
	}
	// The same scorecard without the missing row is stored (JSON), and read back.
	good := `{"id": "poole-childrens-trust", "title": "Poole (two rows)", "area": "836",
		"priorities": [{"title": "One", "items": [{"indicator": "rereferrals"}, {"indicator": "secondary-good-outstanding-schools"}]}]}`
	rec = f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/poole-childrens-trust", "application/json", good)
	if rec.Code != http.StatusCreated {
		t.Fatalf("PUT good: %d %s", rec.Code, rec.Body)
	}
	if ev := decode[struct {
		Evaluation engine.Reevaluation `json:"evaluation"`
	}](t, rec.Body.Bytes()); len(ev.Evaluation.Results) != 0 {
		t.Errorf("a scorecard change re-evaluated %+v", ev.Evaluation.Results)
	}
	sc := decode[struct {
		Title      string `json:"title"`
		Priorities []struct {
			Rows []struct {
				Indicator string `json:"indicator"`
			} `json:"rows"`
		} `json:"priorities"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust", "", "").Body.Bytes())
	if sc.Title != "Poole (two rows)" || len(sc.Priorities) != 1 || len(sc.Priorities[0].Rows) != 2 || sc.Priorities[0].Rows[0].Indicator != "rereferrals" {
		t.Errorf("scorecard read back: %+v", sc)
	}
}

// Who may write: an indicator needs a token for every area; a scorecard needs its area among
// the token's (now and after the change); a group needs every member among them.
func TestDefinitionWritesByUploaderAreas(t *testing.T) {
	f := newDefsFixture(t, "")
	poole := `id: poole-childrens-trust
title: Poole (uploader's)
area: "836"
priorities:
  - title: One
    items:
      - indicator: rereferrals
`
	cases := []struct {
		name, who, method, path, body string
		want                          int
	}{
		{"an indicator, uploader for one area", asUploaderOwn, http.MethodPut, "/api/v1/indicators/rereferrals", rereferralsYAML, 403},
		{"an indicator, no token", asNone, http.MethodPut, "/api/v1/indicators/rereferrals", rereferralsYAML, 401},
		{"a scorecard for another area", asUploaderOwn, http.MethodPut, "/api/v1/scorecards/leicestershire-ewmh",
			strings.NewReplacer("poole-childrens-trust", "leicestershire-ewmh", `"836"`, `"855"`).Replace(poole), 403},
		{"a scorecard of another area moved to its own", asUploaderOwn, http.MethodPut, "/api/v1/scorecards/leicestershire-ewmh",
			strings.Replace(poole, "poole-childrens-trust", "leicestershire-ewmh", 1), 403},
		{"its own area's scorecard moved to another area", asUploaderOwn, http.MethodPut, "/api/v1/scorecards/poole-childrens-trust",
			strings.Replace(poole, `"836"`, `"855"`, 1), 403},
		{"a scorecard for any area", asUploaderOwn, http.MethodPut, "/api/v1/scorecards/any-card",
			strings.NewReplacer("poole-childrens-trust", "any-card", `"836"`, "any").Replace(poole), 403},
		{"a group with a member outside its areas", asUploaderOwn, http.MethodPut, "/api/v1/groups/pair",
			`{"id": "pair", "title": "Pair", "areas": ["836", "839"]}`, 403},
		{"its own area's scorecard", asUploaderOwn, http.MethodPut, "/api/v1/scorecards/poole-childrens-trust", poole, 201},
		{"an indicator, uploader for every area", "uploader-all", http.MethodPut, "/api/v1/indicators/rereferrals", rereferralsYAML, 201},
		{"a group, admin", asAdmin, http.MethodPut, "/api/v1/groups/pair", `{"id": "pair", "title": "Pair", "areas": ["836", "839"]}`, 201},
		{"restoring an indicator, uploader for one area", asUploaderOwn, http.MethodPost, "/api/v1/indicators/rereferrals/revisions/0/restore", "", 403},
		{"restoring its own area's scorecard", asUploaderOwn, http.MethodPost, "/api/v1/scorecards/poole-childrens-trust/revisions/0/restore", "", 201},
		{"restoring a group with a member outside its areas", asUploaderOwn, http.MethodPost, "/api/v1/groups/pair/revisions/1/restore", "", 403},
	}
	for _, c := range cases {
		rec := f.call(t, c.who, c.method, c.path, "application/yaml", c.body)
		if rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
	}
	revs, err := f.app.DefinitionRevisions(context.Background(), definitions.Scorecard, "leicestershire-ewmh")
	if err != nil || len(revs) != 1 {
		t.Errorf("leicestershire-ewmh has %d revisions (%v), want the built-in one only", len(revs), err)
	}
}

// Revisions survive a restart: the current revisions are loaded from the database, and the
// revised indicator is not evaluated again when nothing changed.
func TestDefinitionRevisionsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "defs.duckdb")
	f := newDefsFixture(t, path)
	group := `{"id": "core-cities", "title": "Core cities", "areas": ["E08000025", "E08000035", "E08000012", "E08000003", "E08000021", "E06000018", "E08000019", "E06000023"]}`
	card := `id: core-card
title: Core cities card
area: E08000025
comparators:
  group: core-cities
priorities:
  - title: One
    items:
      - indicator: rereferrals
`
	for _, w := range []struct{ path, ct, body string }{
		{"/api/v1/indicators/rereferrals", "application/yaml", rereferralsYAML},
		{"/api/v1/groups/core-cities", "application/json", group},
		{"/api/v1/scorecards/core-card", "application/yaml", card},
	} {
		if rec := f.call(t, asAdmin, http.MethodPut, w.path, w.ct, w.body); rec.Code != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", w.path, rec.Code, rec.Body)
		}
	}
	runs := f.runs(t)
	listBefore := f.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions", "", "").Body.String()
	if err := f.app.Close(); err != nil {
		t.Fatal(err)
	}
	g := newDefsFixture(t, path)
	d, ok := g.app.Catalog.Get("rereferrals")
	if !ok || d.Title != "Re-referrals within 12 months (revised)" || len(d.Targets) != 1 {
		t.Fatalf("after a restart rereferrals is %+v", d)
	}
	if grp, ok := g.app.Groups.Get("core-cities"); !ok || len(grp.Areas) != 8 {
		t.Fatalf("after a restart the group is %+v", grp)
	}
	if sc, ok := g.app.Scorecards.Get("core-card"); !ok || sc.GroupID() != "core-cities" {
		t.Fatalf("after a restart the scorecard is %+v", sc)
	}
	if got := g.call(t, asNone, http.MethodGet, "/api/v1/indicators/rereferrals/revisions", "", "").Body.String(); got != listBefore {
		t.Errorf("revisions after a restart:\n%s\nwere\n%s", got, listBefore)
	}
	if after := g.runs(t); !mapsEqual(after, runs) {
		t.Errorf("a restart re-evaluated: %v, were %v", after, runs)
	}
}

// A user-defined comparator group: its members' mean (the area itself left out), n, and the
// judgement by the area's 95% interval, each computed here from the evaluations' own values;
// the group filters /api/v1/evaluations to its members, and a scorecard naming it compares
// every row with it.
func TestGroupComparator(t *testing.T) {
	f := newDefsFixture(t, "")
	// Sheffield's former code E08000019 is stored as its current one, E08000039.
	members := []string{"E06000018", "E06000023", "E08000003", "E08000012", "E08000021", "E08000025", "E08000035", "E08000039"}
	body, _ := json.Marshal(map[string]any{"id": "core-cities", "title": "Core cities", "areas": []string{"330", "Leeds", "E08000012", "E08000003", "E08000021", "E06000018", "E08000019", "E06000023"}})
	if rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/groups/core-cities", "application/json", string(body)); rec.Code != http.StatusCreated {
		t.Fatalf("PUT group: %d %s", rec.Code, rec.Body)
	}
	grp := decode[struct {
		Areas []string `json:"areas"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/groups/core-cities", "", "").Body.Bytes())
	if !slices.Equal(grp.Areas, members) {
		t.Errorf("group members %v, want %v", grp.Areas, members)
	}
	bad := `{"id": "core-cities", "title": "", "areas": ["E08000025", "no such place", "E12000001", "E08000025"]}`
	rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/groups/core-cities", "application/json", bad)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("PUT bad group: %d %s", rec.Code, rec.Body)
	}
	for _, want := range []string{"title is required", "unknown area", "is not a local authority", "the same area as areas[0]"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("bad group: no %q in %s", want, rec.Body)
		}
	}
	got := decode[struct {
		Items []engine.Evaluation `json:"data"`
	}](t, f.call(t, asNone, http.MethodGet, "/api/v1/evaluations?indicator=rereferrals&group=core-cities&limit=10000", "", "").Body.Bytes())
	value := map[string]float64{} // period \x00 area -> value, read from the members' own rows
	for _, ev := range got.Items {
		if ev.Value != nil {
			value[ev.Period+"\x00"+ev.Area.Code] = *ev.Value
		}
	}
	if len(got.Items) == 0 {
		t.Fatal("no evaluations for the group")
	}
	compared := 0
	for _, ev := range got.Items {
		if !slices.Contains(members, ev.Area.Code) {
			t.Fatalf("%s is not a member of the group", ev.Area.Code)
		}
		c := ev.Comparators.Group
		if c == nil {
			t.Fatalf("%s %s has no group comparator", ev.Area.Code, ev.Period)
		}
		var others []float64
		for _, m := range members {
			if v, ok := value[ev.Period+"\x00"+m]; ok && m != ev.Area.Code {
				others = append(others, v)
			}
		}
		if c.N != len(others) || c.Of != len(members)-1 || c.Code != "core-cities" || c.Name != "Core cities" {
			t.Fatalf("%s %s: group comparator %+v, want n %d of %d", ev.Area.Code, ev.Period, c, len(others), len(members)-1)
		}
		if len(others) == 0 {
			if c.Value != nil || c.Source != engine.SourceNone {
				t.Fatalf("%s %s: a value without members: %+v", ev.Area.Code, ev.Period, c)
			}
			continue
		}
		sort.Float64s(others) // the order of a sum changes at most its last bits
		s := 0.0
		for _, v := range others {
			s += v
		}
		want := s / float64(len(others))
		if c.Value == nil || math.Abs(*c.Value-want) > 1e-9 || c.Source != engine.SourceGroupMean {
			t.Fatalf("%s %s: group value %v (%s), want %v", ev.Area.Code, ev.Period, c.Value, c.Source, want)
		}
		// rereferrals is a Wilson proportion, lower is better: similar when the group's value is
		// inside the area's 95% interval, better when the interval is wholly below it.
		if ev.CI == nil || ev.CI.Lower95 == nil || ev.Value == nil {
			continue
		}
		wantJ := "similar"
		switch {
		case *ev.CI.Upper95 < want:
			wantJ = "better"
		case *ev.CI.Lower95 > want:
			wantJ = "worse"
		}
		if string(c.Judgement) != wantJ || c.Method != "ci95" {
			t.Fatalf("%s %s: judgement %s (%s), want %s: value %v [%v, %v] against %v", ev.Area.Code, ev.Period, c.Judgement, c.Method, wantJ,
				*ev.Value, *ev.CI.Lower95, *ev.CI.Upper95, want)
		}
		compared++
	}
	if compared < 8 {
		t.Fatalf("only %d judgements checked", compared)
	}
	// A scorecard naming the group, and one read naming it.
	card := `{"id": "core-card", "title": "Core", "area": "E08000025", "comparators": {"group": "core-cities"},
		"priorities": [{"title": "One", "items": [{"indicator": "rereferrals"}]}]}`
	if rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/core-card", "application/json", card); rec.Code != http.StatusCreated {
		t.Fatalf("PUT card: %d %s", rec.Code, rec.Body)
	}
	missing := strings.Replace(card, `"group": "core-cities"`, `"group": "no-group"`, 1)
	if rec := f.call(t, asAdmin, http.MethodPut, "/api/v1/scorecards/core-card", "application/json", missing); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), "no comparator group with this id") {
		t.Errorf("PUT card naming a missing group: %d %s", rec.Code, rec.Body)
	}
	for _, path := range []string{"/api/v1/scorecards/core-card", "/api/v1/scorecards/derby-treatment?area=E08000025&group=core-cities"} {
		res := decode[engine.ScorecardResult](t, f.call(t, asNone, http.MethodGet, path, "", "").Body.Bytes())
		if res.Group == nil || res.Group.ID != "core-cities" || res.Group.Areas != 8 {
			t.Fatalf("%s: group %+v", path, res.Group)
		}
		for _, p := range res.Priorities {
			for _, r := range p.Rows {
				if r.Evaluation == nil {
					continue
				}
				gc := r.Evaluation.Comparators.Group
				if gc == nil || gc.Of != 7 {
					t.Fatalf("%s: %s has group comparator %+v", path, r.Indicator, gc)
				}
				if r.Indicator != "rereferrals" {
					continue
				}
				var others []float64
				for _, m := range members {
					if v, ok := value[r.Evaluation.Period+"\x00"+m]; ok && m != "E08000025" {
						others = append(others, v)
					}
				}
				sort.Float64s(others)
				s := 0.0
				for _, v := range others {
					s += v
				}
				if gc.N != len(others) || gc.Value == nil || math.Abs(*gc.Value-s/float64(len(others))) > 1e-9 {
					t.Errorf("%s: rereferrals %s group comparator %+v, want %v of %d", path, r.Evaluation.Period, gc, s/float64(len(others)), len(others))
				}
			}
		}
	}
	if rec := f.call(t, asNone, http.MethodGet, "/api/v1/evaluations?group=no-group", "", ""); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "no comparator group") {
		t.Errorf("an unknown group: %d %s", rec.Code, rec.Body)
	}
}

// The definition routes' answers validate against the OpenAPI document: writes, refusals,
// revisions, diffs, groups, and reads with a group comparator.
func TestDefinitionResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "ees_cin_referrals")
	v := newValidator(t)
	admin := f.bearer(asAdmin)
	yamlBody := func(s string) *requestBody { return &requestBody{data: []byte(s), contentType: "application/yaml"} }
	group := `{"id": "core-cities", "title": "Core cities", "areas": ["E08000025", "E08000035", "E08000012", "E08000003"]}`
	card := `{"id": "core-card", "title": "Core", "area": "E08000025", "comparators": {"group": "core-cities"},
		"priorities": [{"title": "One", "items": [{"indicator": "rereferrals"}]}]}`
	validate(t, v, f.handler, []call{
		{method: "PUT", path: "/api/v1/indicators/rereferrals", headers: admin, status: 201, body: yamlBody(rereferralsYAML)},
		{method: "PUT", path: "/api/v1/indicators/rereferrals", headers: admin, status: 422, body: yamlBody("id: rereferrals\nunit: nope\n")},
		{method: "PUT", path: "/api/v1/indicators/rereferrals", headers: f.bearer(asUploaderOwn), status: 403, body: yamlBody(rereferralsYAML)},
		{method: "PUT", path: "/api/v1/indicators/rereferrals", status: 401, body: yamlBody(rereferralsYAML)},
		{method: "PUT", path: "/api/v1/groups/core-cities", headers: admin, status: 201, body: jsonBody(group)},
		{method: "PUT", path: "/api/v1/scorecards/core-card", headers: admin, status: 201, body: jsonBody(card)},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions", headers: map[string]string{"Accept": "text/csv"}, status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions/1", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions/0", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions/7", status: 404},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions/1/diff", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/revisions/1/diff?format=text", status: 200},
		{method: "GET", path: "/api/v1/scorecards/core-card/revisions/1/diff", status: 200},
		{method: "GET", path: "/api/v1/groups", status: 200},
		{method: "GET", path: "/api/v1/groups/core-cities", status: 200},
		{method: "GET", path: "/api/v1/groups/core-cities/revisions", status: 200},
		{method: "GET", path: "/api/v1/groups/nope", status: 404},
		{method: "GET", path: "/api/v1/scorecards/core-card", status: 200},
		{method: "GET", path: "/api/v1/areas/E08000025/scorecard?group=core-cities", status: 200},
		{method: "GET", path: "/api/v1/evaluations?indicator=rereferrals&group=core-cities&limit=20", status: 200},
		{method: "POST", path: "/api/v1/indicators/rereferrals/revisions/0/restore", headers: admin, status: 201},
		{method: "POST", path: "/api/v1/groups/core-cities/revisions/5/restore", headers: admin, status: 404},
	})
}

// Reads run while definitions, scorecards and groups change (go test -race): every read
// answers 200, and afterwards the last revision of each is current.
func TestDefinitionChangesWhileReading(t *testing.T) {
	f := newDefsFixture(t, "")
	group := `{"id": "core-cities", "title": "Core cities", "areas": ["E08000025", "E08000035", "E08000012"]}`
	card := `{"id": "core-card", "title": "Core", "area": "E08000025", "comparators": {"group": "core-cities"},
		"priorities": [{"title": "One", "items": [{"indicator": "rereferrals"}]}]}`
	for _, w := range []struct{ path, body string }{{"/api/v1/groups/core-cities", group}, {"/api/v1/scorecards/core-card", card}} {
		if rec := f.call(t, asAdmin, http.MethodPut, w.path, "application/json", w.body); rec.Code != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", w.path, rec.Code, rec.Body)
		}
	}
	done := make(chan struct{})
	errc := make(chan string, 100)
	var readers sync.WaitGroup
	for range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				for _, path := range []string{"/api/v1/scorecards/core-card", "/api/v1/evaluations?indicator=rereferrals&group=core-cities&limit=50",
					"/api/v1/indicators/rereferrals", "/api/v1/scorecards", "/api/v1/groups/core-cities"} {
					if rec := f.call(t, asNone, http.MethodGet, path, "", ""); rec.Code != http.StatusOK {
						select {
						case errc <- fmt.Sprintf("%s: %d %.200s", path, rec.Code, rec.Body):
						default:
						}
					}
				}
			}
		}()
	}
	for i := range 4 {
		title := fmt.Sprintf("Core %d", i)
		for _, w := range []struct{ path, ct, body string }{
			{"/api/v1/indicators/rereferrals", "application/yaml", strings.Replace(rereferralsYAML, "(revised)", fmt.Sprintf("(revised %d)", i), 1)},
			{"/api/v1/scorecards/core-card", "application/json", strings.Replace(card, `"Core"`, `"`+title+`"`, 1)},
			{"/api/v1/groups/core-cities", "application/json", strings.Replace(group, `"Core cities"`, `"`+title+`"`, 1)},
		} {
			if rec := f.call(t, asAdmin, http.MethodPut, w.path, w.ct, w.body); rec.Code != http.StatusCreated {
				t.Errorf("PUT %s: %d %s", w.path, rec.Code, rec.Body)
			}
		}
	}
	close(done)
	readers.Wait()
	select {
	case e := <-errc:
		t.Error(e)
	default:
	}
	if d, _ := f.app.Catalog.Get("rereferrals"); d.Title != "Re-referrals within 12 months (revised 3)" {
		t.Errorf("title %q", d.Title)
	}
	if g, _ := f.app.Groups.Get("core-cities"); g.Title != "Core 3" {
		t.Errorf("group title %q", g.Title)
	}
	revs, _ := f.app.DefinitionRevisions(context.Background(), definitions.Scorecard, "core-card")
	if len(revs) != 5 || !revs[0].Current || revs[0].Revision != 5 {
		t.Errorf("scorecard revisions: %d, newest %+v", len(revs), revs[0])
	}
}
