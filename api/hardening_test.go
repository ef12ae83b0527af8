package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
)

const targetsHeader = "indicator,area,period,target,tolerance\n"

// uploadAnswer is the JSON of a 201 to an upload or restore.
type uploadAnswer struct {
	Revision   datasets.Revision   `json:"revision"`
	Evaluation engine.Reevaluation `json:"evaluation"`
	Evaluated  []engine.RunResult  `json:"evaluated"`
}

// readyAnswer is /readyz's JSON.
type readyAnswer struct {
	Status   string `json:"status"`
	Warnings []struct {
		Indicator string `json:"indicator"`
		Dataset   string `json:"dataset"`
		Problem   string `json:"problem"`
	} `json:"warnings"`
}

// Finding 1: an area uploader's simple return posted to the targets dataset is a 422 naming the
// header targets needs, and nothing about targets is stored: no current revision, and every
// other upload and evaluation goes on as before.
func TestFinding1TargetsDatasetAcceptsOnlyTargetsFiles(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/targets/revisions",
		csvBody("indicator,area,period,value\n"+pooleRow))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("simple return into targets: %d %s, want 422", rec.Code, rec.Body)
	}
	for _, want := range []string{"indicator,area,period,target,tolerance", "simple_return"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("the refusal does not name %q: %s", want, rec.Body)
		}
	}
	if got := f.call(t, asAdmin, http.MethodGet, "/api/v1/datasets/targets", nil); got.Code != http.StatusNotFound {
		t.Errorf("targets has a current revision after a refused upload: %d %s", got.Code, got.Body)
	}
	// Every other write still works and evaluates.
	rec = f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(
		"indicator,area,period,value\nsecondary-good-outstanding-schools,836,2015-16,58.8\n"+pooleRow))
	if rec.Code != http.StatusCreated {
		t.Fatalf("admin upload after the refusal: %d %s", rec.Code, rec.Body)
	}
	ans := decode[uploadAnswer](t, rec.Body.Bytes())
	if ans.Evaluation.State != engine.Evaluated || len(ans.Evaluation.Results) == 0 || len(ans.Evaluated) != len(ans.Evaluation.Results) {
		t.Errorf("evaluation after the upload: %+v", ans.Evaluation)
	}
	// A real targets file is accepted.
	rec = f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/targets/revisions",
		csvBody(targetsHeader+"secondary-good-outstanding-schools,836,2016-17 Q4,90,1\n"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("targets file: %d %s", rec.Code, rec.Body)
	}
}

// Finding 1 used to be about the 403 an area uploader got for a targets dataset holding another
// token's rows. Targets are now shared: the second area's upload is a merge that keeps the first
// area's targets, and neither uploader can change the other's.
func TestFinding1TargetsAreSharedByAreaUploaders(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/targets/revisions",
		csvBody(targetsHeader+"secondary-good-outstanding-schools,836,2016-17 Q4,90,1\n"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("first targets: %d %s", rec.Code, rec.Body)
	}
	rec = f.call(t, asUploaderOther, http.MethodPost, "/api/v1/datasets/targets/revisions",
		csvBody(targetsHeader+"secondary-good-outstanding-schools,855,2016-17 Q4,80,1\n"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("other area's targets: %d %s", rec.Code, rec.Body)
	}
	rev := decode[struct{ Revision datasets.Revision }](t, rec.Body.Bytes()).Revision
	if !rev.Merge || rev.Rows != 2 || rev.RowsUploaded != 1 {
		t.Errorf("merged targets revision %+v", rev)
	}
	rec = f.call(t, asUploaderOther, http.MethodPost, "/api/v1/datasets/targets/revisions",
		csvBody(targetsHeader+"secondary-good-outstanding-schools,836,2016-17 Q4,10,1\n"))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "Poole") {
		t.Errorf("changing the other area's target: %d %s", rec.Code, rec.Body)
	}
}

// plantBrokenTargets makes the current revision of targets a simple return, as a database
// written before the format was enforced holds: it loads the file as another dataset and
// renames it.
func plantBrokenTargets(t *testing.T, app *scorecard.App) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := app.Load(ctx, "legacy_targets", strings.NewReader("indicator,area,period,value\n"+pooleRow), datasets.Upload{By: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"DELETE FROM datasets WHERE name = 'targets'",
		"UPDATE revisions SET dataset = 'targets' WHERE dataset = 'legacy_targets'",
		"UPDATE datasets SET name = 'targets' WHERE name = 'legacy_targets'",
	} {
		if _, err := app.DB.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// Finding 1: a targets revision the engine cannot read (a database from before the check) stops
// nothing: start-up, other uploads and the CLI work, every indicator evaluates and says it left
// the targets out, /readyz reports it as a warning, and a restore repairs it.
func TestFinding1BrokenTargetsRevisionStopsNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scorecard.duckdb")
	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: path, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	good, _, err := app.Load(ctx, "targets", strings.NewReader(targetsHeader+"secondary-good-outstanding-schools,836,2016-17 Q4,90,1\n"), datasets.Upload{By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	plantBrokenTargets(t, app)
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}

	// Start-up evaluates every indicator despite the broken revision.
	app, err = scorecard.Open(ctx, scorecard.Config{DBPath: path, Now: fixedNow})
	if err != nil {
		t.Fatalf("start-up with a broken targets revision: %v", err)
	}
	defer app.Close()
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth,
		Config: api.Config{AuthOff: true}}
	h := srv.Handler()
	call := func(method, path string, body *requestBody) (int, string) {
		req := newRequest(method, path, body)
		req.RemoteAddr = "127.0.0.1:1234"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	code, body := call(http.MethodGet, "/readyz", nil)
	if code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	var ready readyAnswer
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatal(err)
	}
	if ready.Status != "ready" || len(ready.Warnings) != len(app.Catalog.All()) {
		t.Fatalf("/readyz: want ready with a warning per indicator (%d), got %s", len(app.Catalog.All()), body)
	}
	if w := ready.Warnings[0]; !strings.Contains(w.Problem, "revision") || !strings.Contains(w.Problem, "targets") || !strings.Contains(w.Problem, "simple_return") {
		t.Errorf("the warning does not say which revision is wrong and how: %+v", w)
	}
	// Indicators were evaluated all the same.
	code, body = call(http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", nil)
	if code != http.StatusOK || !strings.Contains(body, `"value"`) {
		t.Fatalf("evaluations with broken targets: %d %.300s", code, body)
	}
	// Another dataset's upload answers 201 and evaluates, with the warning.
	code, body = call(http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(
		"indicator,area,period,value\nsecondary-good-outstanding-schools,836,2015-16,58.8\n"+pooleRow))
	if code != http.StatusCreated {
		t.Fatalf("upload with broken targets: %d %s", code, body)
	}
	ans := decode[uploadAnswer](t, []byte(body))
	if ans.Evaluation.State != engine.Evaluated || len(ans.Evaluation.Results) == 0 || ans.Evaluation.Results[0].Warning == "" {
		t.Errorf("upload's evaluation: %+v", ans.Evaluation)
	}
	// The broken revision cannot be restored again; the good one can, through the API.
	var broken int64
	if err := app.DB.SQL.QueryRowContext(ctx, "SELECT current_revision FROM datasets WHERE name = 'targets'").Scan(&broken); err != nil {
		t.Fatal(err)
	}
	if code, body = call(http.MethodPost, "/api/v1/datasets/targets/revisions/"+strconv.FormatInt(broken, 10)+"/restore", nil); code != http.StatusConflict {
		t.Errorf("restore of the broken revision: %d %s, want 409", code, body)
	}
	code, body = call(http.MethodPost, "/api/v1/datasets/targets/revisions/"+strconv.FormatInt(good.ID, 10)+"/restore", nil)
	if code != http.StatusCreated {
		t.Fatalf("restore of the good revision: %d %s", code, body)
	}
	code, body = call(http.MethodGet, "/readyz", nil)
	ready = readyAnswer{}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || code != http.StatusOK {
		t.Fatal(code, body, err)
	}
	for _, w := range ready.Warnings {
		if strings.Contains(w.Problem, "targets") {
			t.Errorf("warning left after the restore: %+v", w)
		}
	}
	var target sql.NullString
	if err := app.DB.SQL.QueryRowContext(ctx, "SELECT max(warning) FROM evaluation_runs").Scan(&target); err != nil || target.Valid {
		t.Errorf("runs still warn after the restore: %v %v", target, err)
	}
}

// Finding 8: the cell values quoted in a refused file's problems are shown only to the token
// that uploaded it and to admins; everyone else sees row, column and reason. The list is never
// served from the shared response cache across callers.
func TestFinding8RejectedValuesOnlyForUploaderAndAdmins(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	const personal = "Jane Smith 01/02/2010"
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,"+personal+"\n"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), personal) {
		t.Fatalf("the uploader's own refusal quotes the value: %d %s", rec.Code, rec.Body)
	}
	type page struct {
		Data []datasets.Revision `json:"data"`
	}
	// Alternate callers so a cached answer for one would be served to the next.
	for _, tc := range []struct {
		who  string
		sees bool
	}{{asNone, false}, {asAdmin, true}, {asViewer, false}, {asUploaderOwn, true}, {asUploaderOther, false}, {asNone, false}} {
		rec := f.call(t, tc.who, http.MethodGet, "/api/v1/datasets/poole_returns/revisions", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.who, rec.Code, rec.Body)
		}
		p := decode[page](t, rec.Body.Bytes())
		if len(p.Data) != 1 || len(p.Data[0].Errors) == 0 {
			t.Fatalf("%s: %s", tc.who, rec.Body)
		}
		d := p.Data[0].Errors[0]
		if d.Row != 2 || d.Column != "value" || d.Reason == "" {
			t.Errorf("%s: row, column and reason must stay: %+v", tc.who, d)
		}
		if got := strings.Contains(rec.Body.String(), personal); got != tc.sees {
			t.Errorf("%s sees the value: %v, want %v", tc.who, got, tc.sees)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
			t.Errorf("%s: Cache-Control %q, want private", tc.who, cc)
		}
	}
	// The CSV form of the list is redacted the same way.
	rec = f.call(t, asNone, http.MethodGet, "/api/v1/datasets/poole_returns/revisions", nil, "Accept", "text/csv")
	if strings.Contains(rec.Body.String(), personal) {
		t.Errorf("CSV list shows the value: %s", rec.Body)
	}
}

// Finding 19 (sibling): a page served from the response cache keeps its security headers.
func TestFinding19CachedPagesKeepTheirSecurityPolicy(t *testing.T) {
	f := sharedFixture(t)
	for _, path := range []string{"/areas/836/indicators/secondary-good-outstanding-schools", "/scorecards/poole-childrens-trust?area=836",
		"/scorecards/poole-childrens-trust/exceptions?area=836", "/"} {
		var policies, headers []string
		for range 2 {
			rec := f.do(t, http.MethodGet, path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			policies = append(policies, rec.Header().Get("X-Cache")+" "+rec.Header().Get("Content-Security-Policy")+" "+rec.Header().Get("Referrer-Policy"))
			headers = append(headers, rec.Header().Get("Content-Security-Policy")+" "+rec.Header().Get("Referrer-Policy"))
			if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'") || rec.Header().Get("Referrer-Policy") == "" {
				t.Errorf("%s (X-Cache %s): CSP %q, Referrer-Policy %q", path, rec.Header().Get("X-Cache"),
					rec.Header().Get("Content-Security-Policy"), rec.Header().Get("Referrer-Policy"))
			}
		}
		// The second answer (from the cache) carries the same policies as the first.
		if headers[0] != headers[1] {
			t.Errorf("%s: the policies differ between the two answers: %q", path, policies)
		}
	}
}

// Finding 1 (sibling, from the second review): a dataset that indicators read keeps its format.
// A LAIT file loaded into a simple-return dataset would give every indicator reading it the
// same number; it is refused naming the header the dataset needs, and changes nothing.
func TestFinding1DatasetsIndicatorsReadKeepTheirFormat(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	lait := "measure_short,years,la_number,value\nunrelated_measure,2009,855,12345\n"
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(lait))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "holds simple_return files") ||
		!strings.Contains(rec.Body.String(), "indicator,area,period,value") {
		t.Fatalf("LAIT file into local_returns: %d %s", rec.Code, rec.Body)
	}
	if got := f.call(t, asAdmin, http.MethodGet, "/api/v1/datasets/local_returns", nil); !strings.Contains(got.Body.String(), `"format":"simple_return"`) {
		t.Errorf("local_returns changed: %s", got.Body)
	}
	// A dataset no indicator reads takes any format.
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/scratch/revisions", csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != http.StatusCreated {
		t.Fatalf("scratch: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/scratch/revisions", csvBody(lait)); rec.Code != http.StatusCreated {
		t.Errorf("LAIT file into a dataset no indicator reads: %d %s", rec.Code, rec.Body)
	}
}

// Finding 3 (sibling, from the second review): a client trickling an upload cannot hold the
// upload slots. Its upload ends when the body stops arriving, and one token has one upload in
// progress at a time, so it cannot take both slots while others wait.
func TestFinding3TricklingUploadsCannotHoldTheSlots(t *testing.T) {
	f := newSecureFixture(t, api.Config{UploadIdleTimeout: 500 * time.Millisecond})
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	// A slow upload: headers and a few bytes, then nothing.
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/datasets/poole_returns/revisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nindicator,area", f.secrets[asUploaderOwn])
	time.Sleep(100 * time.Millisecond)
	// The same token's second upload is refused while the first is in progress ...
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "already has an upload in progress") {
		t.Errorf("second upload of the same token: %d %s", rec.Code, rec.Body)
	}
	// ... another token's goes through ...
	rec = f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/other_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	if rec.Code != http.StatusCreated {
		t.Errorf("another token's upload: %d %s", rec.Code, rec.Body)
	}
	// ... and the trickle is ended when its body stops arriving.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, _ := io.ReadAll(conn)
	if !strings.Contains(string(answer), " 503 ") || !strings.Contains(string(answer), "stopped arriving") {
		t.Errorf("stalled upload's answer: %q", answer)
	}
	if n := f.revisionCount(t, "poole_returns"); n != 0 {
		t.Errorf("%d revisions stored for the stalled upload", n)
	}
}

// Finding 4 (sibling, from the second review): while a large upload holds the single writer, a
// refused write is answered at once and its audit record is written when the writer is free,
// not dropped after a few seconds.
func TestFinding4AuditRecordsWaitForTheWriter(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	before := len(f.auditRecords(t))
	holding, release := make(chan struct{}), make(chan struct{})
	go f.db.Write(context.Background(), func(*sql.Conn) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	start := time.Now()
	resp, err := http.Post(ts.URL+"/api/v1/datasets/poole_returns/revisions", "text/csv", strings.NewReader("indicator,area,period,value\n"+pooleRow))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	time.AfterFunc(1500*time.Millisecond, func() { close(release) })
	if resp.StatusCode != http.StatusUnauthorized || took > time.Second {
		t.Errorf("refused write while the writer is busy: %d after %s, want 401 at once", resp.StatusCode, took)
	}
	for deadline := time.Now().Add(10 * time.Second); len(f.auditRecords(t)) == before; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the refused write was never audited")
		}
	}
}

// Finding 16 (sibling, from the second review): X-Uploaded-By is kept with the revision and shown
// to everyone, so one longer than a name is refused before anything is read or stored.
func TestFinding16UploadedByIsLimited(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	body := csvBody("indicator,area,period,value\n" + pooleRow)
	body.headers["X-Uploaded-By"] = strings.Repeat("a", 60000)
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", body)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "at most 200") {
		t.Fatalf("long X-Uploaded-By: %d %.300s", rec.Code, rec.Body)
	}
	if n := f.revisionCount(t, "poole_returns"); n != 0 {
		t.Errorf("%d revisions stored", n)
	}
}
