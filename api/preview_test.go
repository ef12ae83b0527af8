package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/reliability"
)

// previewAnswer is the dry run's JSON answer.
type previewAnswer struct {
	Revision datasets.Revision `json:"revision"`
	Stage    struct {
		ID         string    `json:"id"`
		SHA256     string    `json:"sha256"`
		Bytes      int64     `json:"bytes"`
		ExpiresAt  time.Time `json:"expires_at"`
		ConfirmURL string    `json:"confirm_url"`
		CancelURL  string    `json:"cancel_url"`
	} `json:"stage"`
	Changes      []engine.JudgementChange `json:"changes"`
	ChangesTotal int                      `json:"changes_total"`
	Summary      engine.ChangeSummary     `json:"summary"`
}

// changedReturn is the shipped local return with two of Poole's values changed, England's
// 2015-16 row dropped and a 2017-18 Q1 row added.
func changedReturn(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/returns/example_local_return.csv")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "secondary-good-outstanding-schools,England,2015-16,"):
			continue
		case strings.HasPrefix(line, "secondary-good-outstanding-schools,836,2016-17 Q1,"):
			line = strings.Replace(line, ",58.0,", ",91.0,", 1)
		case strings.HasPrefix(line, "secondary-good-outstanding-schools,836,2016-17 Q3,"):
			line = strings.Replace(line, ",80.9,", ",40.2,", 1)
		}
		out = append(out, line)
	}
	out = append(out, "secondary-good-outstanding-schools,836,2017-18 Q1,95.5,,,added")
	return strings.Join(out, "\n") + "\n"
}

// state is the test's own reading of what a preview compares.
type state struct {
	Value, Target                                          *float64
	Display, RAG, England, Region, SN, Quartile, Prev, Ago string
	Rank                                                   string
}

func stateOf(ev *engine.Evaluation) state {
	j := func(c *engine.Comparator) string {
		if c == nil {
			return ""
		}
		return string(c.Judgement)
	}
	d := func(c *engine.Change) string {
		if c == nil {
			return ""
		}
		return string(c.Judgement)
	}
	s := state{Value: ev.Value, Target: ev.RAG.Target, Display: ev.DisplayValue, RAG: string(ev.RAG.Status), England: j(ev.Comparators.England), Region: j(ev.Comparators.Region),
		SN: j(ev.Comparators.StatisticalNeighbours), Quartile: ev.Quartile, Prev: d(ev.Direction.Previous), Ago: d(ev.Direction.YearAgo)}
	if ev.Rank != nil {
		s.Rank = fmt.Sprintf("%d/%d", ev.Rank.Position, ev.Rank.Of)
	}
	return s
}

func stored(t *testing.T, e *engine.Engine) map[string]state {
	t.Helper()
	evs, err := e.Evaluations(context.Background(), engine.EvaluationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]state{}
	for _, ev := range evs {
		out[ev.Indicator+"|"+ev.Area.Code+"|"+ev.Period] = stateOf(ev)
	}
	return out
}

// target is a target as text ("" for none), to compare.
func target(v *float64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

func sameValue(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// diffOf is the test's own list of changes, "key kind fields".
func diffOf(before, after map[string]state) []string {
	var out []string
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			out = append(out, k+" added")
			continue
		}
		var f []string
		if !sameValue(a.Value, b.Value) || a.Display != b.Display {
			f = append(f, "value")
		}
		for _, c := range []struct {
			name string
			x, y string
		}{{"rag", b.RAG, a.RAG}, {"target", target(b.Target), target(a.Target)}, {"england", b.England, a.England}, {"region", b.Region, a.Region},
			{"statistical_neighbours", b.SN, a.SN}, {"rank", b.Rank, a.Rank}, {"quartile", b.Quartile, a.Quartile},
			{"direction_previous", b.Prev, a.Prev}, {"direction_year_ago", b.Ago, a.Ago}} {
			if c.x != c.y {
				f = append(f, c.name)
			}
		}
		if len(f) > 0 {
			out = append(out, k+" changed "+strings.Join(f, ","))
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k+" removed")
		}
	}
	sort.Strings(out)
	return out
}

func previewList(p previewAnswer) []string {
	var out []string
	for _, c := range p.Changes {
		k := c.Indicator + "|" + c.Area.Code + "|" + c.Period
		if c.Kind == engine.ChangeChanged {
			out = append(out, k+" changed "+strings.Join(c.Changed, ","))
		} else {
			out = append(out, k+" "+c.Kind)
		}
	}
	sort.Strings(out)
	return out
}

// A dry run changes no table and not the data version, and reports exactly the changes that
// confirming it then makes; the confirmation stores exactly the previewed bytes.
func TestDryRunChangesNothingAndPredictsTheUpload(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	p := predicts(t, f, "local_returns", changedReturn(t))
	if p.Revision.Rows != 9 {
		t.Errorf("would-be revision has %d rows, want 9", p.Revision.Rows)
	}
	if p.Summary.Text == "" || p.Summary.ValuesChanged == 0 || p.Summary.Added == 0 || p.Summary.Removed == 0 {
		t.Errorf("summary = %+v", p.Summary)
	}
}

// A targets upload is previewed against every indicator: a target Poole meets turns its row
// (red against the definition's 88%) green, and the preview says so before anything is stored.
func TestDryRunOfTargetsPredictsTheUpload(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	p := predicts(t, f, datasets.TargetsDataset,
		"indicator,area,period,target,tolerance\nsecondary-good-outstanding-schools,836,2016-17 Q3,80,1\n")
	var green bool
	for _, c := range p.Changes {
		if c.Area.Code == "E06000029" && c.Period == "2016-17 Q3" && c.Kind == engine.ChangeChanged && c.New.RAG == "green" && c.Old.RAG == "red" {
			green = true
		}
	}
	if !green || len(p.Changes) != 1 || p.Summary.TurnGreen != 1 || p.Summary.Text != "1 row would turn green" {
		t.Errorf("Poole's 2016-17 Q3 row (80.9 against a target of 80) should turn green, and nothing else change: %+v", p.Summary)
	}
	if p.Summary.Indicators != len(f.app.Catalog.All()) {
		t.Errorf("a targets preview evaluated %d indicators, want all %d", p.Summary.Indicators, len(f.app.Catalog.All()))
	}
}

// predicts previews data as an admin, checks that nothing changed (every table fingerprinted
// but the audit row of the request itself; the data version), confirms it, and checks that the
// stored evaluations changed exactly as the preview said and that the revision holds exactly
// the previewed bytes.
func predicts(t *testing.T, f *secureFixture, dataset, data string) previewAnswer {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(data))
	want := hex.EncodeToString(sum[:])
	path := "/api/v1/datasets/" + dataset + "/revisions?dry_run=true"
	if err := f.srv.AuditsWritten(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := reliability.TakeFingerprint(ctx, f.db.SQL, nil)
	if err != nil {
		t.Fatal(err)
	}
	version := f.db.Version()
	var lastAudit int64
	if err := f.db.SQL.QueryRow("SELECT coalesce(max(id), 0) FROM audit_log").Scan(&lastAudit); err != nil {
		t.Fatal(err)
	}
	evalsBefore := stored(t, f.engine)

	rec := f.call(t, asAdmin, http.MethodPost, path, csvBody(data))
	if rec.Code != http.StatusOK {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	var p previewAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.AuditsWritten(ctx); err != nil {
		t.Fatal(err)
	}
	// The API audits the dry-run request itself (one audit_log row); nothing else changes.
	after, err := reliability.TakeFingerprint(ctx, f.db.SQL, map[string]reliability.Skip{"audit_log": {Where: "id > ?", Arg: lastAudit}})
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Diff(after); len(d) > 0 {
		t.Fatalf("the dry run changed tables:\n%s", strings.Join(d, "\n"))
	}
	if v := f.db.Version(); v.Tag() != version.Tag() {
		t.Errorf("the dry run moved the data version from %s to %s", version.Tag(), v.Tag())
	}
	if p.Revision.Status != datasets.Preview || p.Revision.ID != 0 || p.Revision.Current || p.Revision.SHA256 != want {
		t.Errorf("would-be revision = %+v", p.Revision)
	}
	if p.Stage.SHA256 != want || p.Stage.Bytes != int64(len(data)) || len(p.Stage.ID) != 32 {
		t.Errorf("stage = %+v, want sha256 %s and %d bytes", p.Stage, want, len(data))
	}
	if !strings.HasSuffix(p.Stage.ConfirmURL, "?sha256="+want) || !strings.HasPrefix(p.Stage.ConfirmURL, "/api/v1/datasets/"+dataset+"/staged/"+p.Stage.ID) {
		t.Errorf("confirm_url = %s", p.Stage.ConfirmURL)
	}
	if d := p.Stage.ExpiresAt.Sub(fixedNow()); d != 30*time.Minute {
		t.Errorf("the stage expires %s after the preview, want 30m", d)
	}
	got := previewList(p)
	t.Logf("%s\n%s", p.Summary.Text, strings.Join(got, "\n"))
	if len(got) == 0 || p.ChangesTotal != len(got) || p.Summary.Changes != len(got) {
		t.Fatalf("preview lists %d changes (total %d, summary %d)", len(got), p.ChangesTotal, p.Summary.Changes)
	}
	rec = f.call(t, asAdmin, http.MethodPost, p.Stage.ConfirmURL, nil, "X-Uploaded-By", "analyst@example.org")
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	var up struct {
		Revision   datasets.Revision   `json:"revision"`
		Evaluation engine.Reevaluation `json:"evaluation"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil {
		t.Fatal(err)
	}
	if up.Revision.SHA256 != want || up.Revision.Status != datasets.Accepted || up.Revision.FileName == "" || up.Evaluation.State != engine.Evaluated {
		t.Errorf("confirmed revision = %+v, evaluation %s", up.Revision, up.Evaluation.State)
	}
	real := diffOf(evalsBefore, stored(t, f.engine))
	if !reflect.DeepEqual(got, real) {
		t.Errorf("the dry run reported\n%s\nthe upload made\n%s", strings.Join(got, "\n"), strings.Join(real, "\n"))
	}
	// Old and new states as the stored evaluations hold them.
	for _, c := range p.Changes {
		if c.Kind == engine.ChangeChanged && (c.Old == nil || c.New == nil) {
			t.Errorf("%s %s %s: changed without old and new", c.Indicator, c.Area.Code, c.Period)
		}
	}
	// A confirmed stage is gone.
	if rec := f.call(t, asAdmin, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("second confirm: %d %s", rec.Code, rec.Body)
	}
	return p
}

// Confirmation is refused with a wrong SHA-256 (409, nothing stored), by another token (404),
// once expired (404) and once cancelled (404).
func TestConfirmRefusals(t *testing.T) {
	ctx := context.Background()
	f := newSecureFixture(t, api.Config{}, "local_returns")
	data := changedReturn(t)
	preview := func(who string) previewAnswer {
		t.Helper()
		rec := f.call(t, who, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=true", csvBody(data))
		if rec.Code != http.StatusOK {
			t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
		}
		var p previewAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	revisions := func() int {
		var n int
		if err := f.db.SQL.QueryRow("SELECT count(*) FROM revisions").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p := preview(asAdmin)
	n := revisions()
	base := "/api/v1/datasets/local_returns/staged/" + p.Stage.ID
	if rec := f.call(t, asAdmin, http.MethodPost, base+"?sha256="+strings.Repeat("0", 64), nil); rec.Code != http.StatusConflict {
		t.Errorf("wrong sha256: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another token: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodDelete, base, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another token's cancel: %d %s", rec.Code, rec.Body)
	}
	if got := revisions(); got != n {
		t.Errorf("refused confirmations stored %d revisions", got-n)
	}
	// Cancelled: gone, and its file deleted.
	if rec := f.call(t, asAdmin, http.MethodDelete, base, nil); rec.Code != http.StatusNoContent {
		t.Errorf("cancel: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("confirm after cancel: %d %s", rec.Code, rec.Body)
	}
	// Expired.
	p = preview(asAdmin)
	f.app.Staged.Now = func() time.Time { return fixedNow().Add(31 * time.Minute) }
	if rec := f.call(t, asAdmin, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("confirm after expiry: %d %s", rec.Code, rec.Body)
	}
	f.app.Staged.Now = fixedNow
	if got := revisions(); got != n {
		t.Errorf("refused confirmations stored %d revisions", got-n)
	}
	// At most 5 staged uploads a token.
	for range 5 {
		preview(asAdmin)
	}
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=true", csvBody(data)); rec.Code != http.StatusConflict {
		t.Errorf("sixth staged upload: %d %s", rec.Code, rec.Body)
	}
	_ = ctx
}

// A dry run of a file with problems answers 422 with every problem, and records no rejected
// revision.
func TestDryRunWithProblemsRecordsNothing(t *testing.T) {
	ctx := context.Background()
	f := newSecureFixture(t, api.Config{}, "local_returns")
	if err := f.srv.AuditsWritten(ctx); err != nil {
		t.Fatal(err)
	}
	var lastAudit int64
	if err := f.db.SQL.QueryRow("SELECT coalesce(max(id), 0) FROM audit_log").Scan(&lastAudit); err != nil {
		t.Fatal(err)
	}
	before, err := reliability.TakeFingerprint(ctx, f.db.SQL, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=true",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,abc\nsecondary-good-outstanding-schools,836,2016-17 Q3,xyz\n"))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("dry run with problems: %d %s", rec.Code, rec.Body)
	}
	var e struct {
		Problems []struct {
			Row int `json:"row"`
		} `json:"problems"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Problems) != 2 {
		t.Errorf("problems = %+v, want both rows", e.Problems)
	}
	if err := f.srv.AuditsWritten(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := reliability.TakeFingerprint(ctx, f.db.SQL, map[string]reliability.Skip{"audit_log": {Where: "id > ?", Arg: lastAudit}})
	if err != nil {
		t.Fatal(err)
	}
	if d := before.Diff(after); len(d) > 0 {
		t.Errorf("the refused dry run changed tables:\n%s", strings.Join(d, "\n"))
	}
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=maybe", csvBody("x\n")); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("dry_run=maybe: %d", rec.Code)
	}
}

// The dry run, the confirmation and the cancellation answer as the OpenAPI document says.
func TestPreviewResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	v := newValidator(t)
	admin := f.bearer(asAdmin)
	data := changedReturn(t)
	dryRun := "/api/v1/datasets/local_returns/revisions?dry_run=true"
	validate(t, v, f.handler, []call{
		{method: "POST", path: dryRun, headers: admin, status: 200, body: csvBody(data)},
		{method: "POST", path: dryRun, headers: admin, status: 422,
			body: csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,abc\n")},
	})
	stage := func() previewAnswer {
		rec := f.call(t, asAdmin, http.MethodPost, dryRun, csvBody(data))
		var p previewAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("dry run: %d %v", rec.Code, err)
		}
		return p
	}
	a, b := stage(), stage()
	validate(t, v, f.handler, []call{
		{method: "POST", path: a.Stage.CancelURL + "?sha256=" + strings.Repeat("0", 64), headers: admin, status: 409, body: &requestBody{contentType: "application/json"}},
		{method: "POST", path: a.Stage.ConfirmURL, headers: f.bearer(asUploaderOwn), status: 404, body: &requestBody{contentType: "application/json"}},
		{method: "POST", path: a.Stage.ConfirmURL, headers: admin, status: 201,
			body: &requestBody{contentType: "application/json", headers: map[string]string{"X-Uploaded-By": "analyst@example.org"}}},
		{method: "DELETE", path: b.Stage.CancelURL, headers: admin, status: 204},
		{method: "DELETE", path: b.Stage.CancelURL, headers: admin, status: 404},
	})
}
