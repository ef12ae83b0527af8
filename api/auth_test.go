package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secureFixture is a server with authentication on, the given configuration, a captured JSON
// log, and one token per principal of the role table.
type secureFixture struct {
	*fixture
	app     *scorecard.App
	srv     *api.Server
	logs    *syncBuffer
	secrets map[string]string // principal -> secret ("" for none)
	tokens  map[string]*auth.Token
}

// Principals of the role tests. The uploaders are for Poole (836) and for Leicestershire (855).
const (
	asNone          = "none"
	asViewer        = "viewer"
	asUploaderOwn   = "uploader-own-area"
	asUploaderOther = "uploader-other-area"
	asAdmin         = "admin"
	asRevoked       = "revoked-admin"
)

func newSecureFixture(tb testing.TB, cfg api.Config, names ...string) *secureFixture {
	tb.Helper()
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{Now: fixedNow})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { app.Close() })
	for _, name := range names {
		if err := scorecard.LoadShippedDataset(ctx, app.Datasets, name); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		tb.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Log: log,
		Auth: app.Auth, Config: cfg}
	f := &secureFixture{fixture: &fixture{db: app.DB, engine: app.Engine, sets: app.Datasets, handler: srv.Handler()},
		app: app, srv: srv, logs: logs, secrets: map[string]string{asNone: ""}, tokens: map[string]*auth.Token{}}
	for _, p := range []struct {
		who   string
		role  auth.Role
		areas []string
	}{
		{asViewer, auth.Viewer, nil},
		{asUploaderOwn, auth.Uploader, []string{"836"}},
		{asUploaderOther, auth.Uploader, []string{"E06000016", "855"}},
		{asAdmin, auth.Admin, nil},
		{asRevoked, auth.Admin, nil},
	} {
		tok, secret, err := app.Auth.Create(ctx, p.who, p.role, p.areas)
		if err != nil {
			tb.Fatal(err)
		}
		f.secrets[p.who], f.tokens[p.who] = secret, tok
	}
	if _, err := app.Auth.Revoke(ctx, f.tokens[asRevoked].ID); err != nil {
		tb.Fatal(err)
	}
	return f
}

// call sends a request as a principal, with extra headers as name, value pairs.
func (f *secureFixture) call(tb testing.TB, who, method, path string, body *requestBody, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := newRequest(method, path, body)
	if secret := f.secrets[who]; secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func jsonBody(s string) *requestBody {
	return &requestBody{data: []byte(s), contentType: "application/json"}
}

// revisionCount counts a dataset's revisions, accepted and rejected (0 when it does not exist).
func (f *secureFixture) revisionCount(tb testing.TB, name string) int {
	tb.Helper()
	revs, err := f.sets.Revisions(context.Background(), name)
	if errs.CodeOf(err) == errs.NotFound {
		return 0
	}
	if err != nil {
		tb.Fatal(err)
	}
	return len(revs)
}

const pooleRow = "secondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"

// Every write route, for every kind of caller: who is let in, who is refused with which status,
// and that a refused write stores nothing.
func TestWriteRoutesByRole(t *testing.T) {
	type route struct {
		name   string
		method string
		path   string
		body   func() *requestBody
		want   map[string]int
		stored func(tb testing.TB, f *secureFixture) int // a count that a write increases
	}
	routes := []route{
		{
			name: "upload", method: http.MethodPost, path: "/api/v1/datasets/poole_returns/revisions",
			body: func() *requestBody { return csvBody("indicator,area,period,value\n" + pooleRow) },
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 201, asUploaderOther: 403, asAdmin: 201, asRevoked: 401},
			stored: func(tb testing.TB, f *secureFixture) int {
				return f.revisionCount(tb, "poole_returns")
			},
		},
		{
			name: "commentary", method: http.MethodPost, path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary",
			body: func() *requestBody {
				return jsonBody(`{"period":"2016-17 Q4","text":"Two schools re-inspected in June.","author":"Performance team"}`)
			},
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 201, asUploaderOther: 403, asAdmin: 201, asRevoked: 401},
			stored: func(tb testing.TB, f *secureFixture) int {
				cs, err := f.engine.Comments(context.Background(), "secondary-good-outstanding-schools", "836", "")
				if err != nil {
					tb.Fatal(err)
				}
				return len(cs)
			},
		},
		{
			name: "restore", method: http.MethodPost, path: "/api/v1/datasets/local_returns/revisions/1/restore",
			body: func() *requestBody { return jsonBody("") },
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 403, asUploaderOther: 403, asAdmin: 201, asRevoked: 401},
			stored: func(tb testing.TB, f *secureFixture) int {
				return f.revisionCount(tb, "local_returns")
			},
		},
		{
			name: "reevaluate", method: http.MethodPost, path: "/api/v1/admin/reevaluate?all=true",
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 403, asUploaderOther: 403, asAdmin: 200, asRevoked: 401},
		},
		{
			name: "create token", method: http.MethodPost, path: "/api/v1/admin/tokens",
			body: func() *requestBody { return jsonBody(`{"name":"power-bi","role":"viewer"}`) },
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 403, asUploaderOther: 403, asAdmin: 201, asRevoked: 401},
			stored: func(tb testing.TB, f *secureFixture) int {
				toks, err := f.app.Auth.List(context.Background())
				if err != nil {
					tb.Fatal(err)
				}
				return len(toks)
			},
		},
		{
			name: "revoke token", method: http.MethodDelete, path: "", // filled per fixture: the viewer's token
			want: map[string]int{asNone: 401, asViewer: 403, asUploaderOwn: 403, asUploaderOther: 403, asAdmin: 200, asRevoked: 401},
		},
	}
	// One fixture per route: refusals first (they must change nothing), then the callers that
	// are allowed, each checked against the state just before its own request.
	order := []string{asNone, asViewer, asUploaderOther, asRevoked, asUploaderOwn, asAdmin}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			f := newSecureFixture(t, api.Config{}, "local_returns")
			path := r.path
			if path == "" {
				path = "/api/v1/admin/tokens/" + f.tokens[asViewer].ID
			}
			for _, who := range order {
				t.Run(who, func(t *testing.T) {
					before := 0
					if r.stored != nil {
						before = r.stored(t, f)
					}
					var body *requestBody
					if r.body != nil {
						body = r.body()
					}
					rec := f.call(t, who, r.method, path, body)
					want := r.want[who]
					if rec.Code != want {
						t.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
					}
					if r.stored != nil {
						after := r.stored(t, f)
						if want >= 400 && after != before {
							t.Errorf("refused with %d but the store changed: %d -> %d", want, before, after)
						}
						if want < 300 && after <= before {
							t.Errorf("allowed with %d but nothing was stored: %d -> %d", want, before, after)
						}
					}
					if want >= 400 {
						e := decode[errorJSON](t, rec.Body.Bytes())
						wantCode := map[int]string{401: "unauthorized", 403: "forbidden"}[want]
						if e.Code != wantCode || e.Detail == "" {
							t.Errorf("error body %s, want code %s", rec.Body, wantCode)
						}
					}
					if want == 401 && rec.Header().Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
				})
			}
		})
	}
}

// An uploader for Poole (836) cannot load rows for any other area, nor England, a region or a
// published neighbour average: the whole file is refused, every offending row is listed, and
// nothing is stored, not even a rejected revision.
func TestCrossAreaUploadRefusedWithEveryRowAndNothingStored(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody(
		"indicator,area,period,value\n"+
			pooleRow+ // row 2: Poole, allowed
			"secondary-good-outstanding-schools,855,2016-17 Q4,80.1\n"+ // row 3: Leicestershire
			"secondary-good-outstanding-schools,England,2016-17 Q4,84\n"+ // row 4
			"secondary-good-outstanding-schools,South West,2016-17 Q4,85\n"+ // row 5
			"secondary-good-outstanding-schools,SN:836,2016-17 Q4,83\n"+ // row 6
			"secondary-good-outstanding-schools,E06000029,2016-17 Q3,87.9\n")) // row 7: Poole by GSS code, allowed
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := decode[api.Problem](t, rec.Body.Bytes())
	got := map[int]string{}
	for _, d := range body.Problems {
		if d.Column != "area" || d.Reason == "" {
			t.Errorf("detail %+v: want column area and a reason", d)
		}
		got[d.Row] = d.Value
	}
	want := map[int]string{3: "855", 4: "England", 5: "South West", 6: "SN:836"}
	if len(got) != len(want) || body.Code != "forbidden" {
		t.Errorf("offending rows %v, want %v: %s", got, want, rec.Body)
	}
	for row, v := range want {
		if got[row] != v {
			t.Errorf("row %d: value %q, want %q", row, got[row], v)
		}
	}
	if n := f.revisionCount(t, "poole_returns"); n != 0 {
		t.Errorf("%d revisions stored after a refused upload", n)
	}

	// A dataset that holds other areas' rows is no longer refused to an area-limited uploader
	// (this used to be a 403): its upload is a merge that replaces only its own area's rows and
	// carries every other row over (see TestAreaUploadersShareADataset).
	cur, err := f.sets.Get(context.Background(), "local_returns")
	if err != nil {
		t.Fatal(err)
	}
	var poole int
	if err := f.db.SQL.QueryRow(`SELECT count(*) FROM ` + cur.Table + ` WHERE _level = 'la' AND _area = 'E06000029'`).Scan(&poole); err != nil {
		t.Fatal(err)
	}
	rec = f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	merged := decode[struct{ Revision datasets.Revision }](t, rec.Body.Bytes()).Revision
	if rec.Code != http.StatusCreated || !merged.Merge || merged.MergedFrom != cur.Revision || merged.Rows != cur.Current.Rows-poole+1 || merged.RowsUploaded != 1 {
		t.Errorf("merging into a shared dataset (%d rows, %d Poole's): %d %s", cur.Current.Rows, poole, rec.Code, rec.Body)
	}

	// The same uploader may keep replacing a dataset of its own, and an uploader for every
	// area ("*") may load England rows.
	if rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != 201 {
		t.Fatalf("own dataset: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != 201 {
		t.Errorf("own dataset again: %d %s", rec.Code, rec.Body)
	}
	_, national, err := f.app.Auth.Create(context.Background(), "dfe-loader", auth.Uploader, []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	f.secrets["national"] = national
	if rec := f.call(t, "national", http.MethodPost, "/api/v1/datasets/national/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,England,2016-17 Q4,84\n")); rec.Code != 201 {
		t.Errorf("uploader for *: %d %s", rec.Code, rec.Body)
	}
}

// Secrets appear in one response only, the one that created the token: never in the token
// list, the audit log, a revision, a log line or an echoed request ID.
func TestTokensNeverAppearInLogsOrResponses(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/admin/tokens", jsonBody(`{"name":"jsna-site","role":"uploader","areas":["839"]}`))
	if rec.Code != 201 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	created := decode[struct {
		Token  auth.Token
		Secret string
	}](t, rec.Body.Bytes())
	if !regexp.MustCompile(`^sct_[A-Za-z0-9_-]{43}$`).MatchString(created.Secret) || created.Token.Areas[0] != "E06000058" {
		t.Fatalf("created %+v", created)
	}
	f.secrets["api-created"] = created.Secret
	secrets := []string{created.Secret}
	for _, s := range f.secrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	// Use every secret, in the places a careless client might put one.
	for who, s := range f.secrets {
		f.call(t, who, http.MethodGet, "/api/v1/areas/836/scorecard", nil, "X-Request-ID", s)
		f.call(t, who, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
			&requestBody{data: []byte("indicator,area,period,value\n" + pooleRow), contentType: "text/csv", headers: map[string]string{"X-Uploaded-By": s}})
	}
	f.call(t, asNone, http.MethodGet, "/api/v1/datasets", nil, "Authorization", "Bearer "+created.Secret+"x")
	f.call(t, asNone, http.MethodGet, "/api/v1/datasets", nil, "Authorization", created.Secret)
	f.call(t, asNone, http.MethodGet, "/api/v1/datasets/"+created.Secret+"/revisions", nil)

	var bodies []string
	for _, path := range []string{"/api/v1/admin/tokens", "/api/v1/audit?limit=1000", "/api/v1/datasets/poole_returns/revisions", "/metrics"} {
		rec := f.call(t, asAdmin, http.MethodGet, path, nil)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		bodies = append(bodies, path+": "+rec.Body.String())
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"token_id":"`+f.tokens[asAdmin].ID+`"`) {
		t.Errorf("the log does not name the admin token's id:\n%s", logs)
	}
	for _, s := range secrets {
		sum := sha256.Sum256([]byte(s))
		hash := hex.EncodeToString(sum[:])
		for _, b := range append(bodies, "log: "+logs) {
			if strings.Contains(b, s) || strings.Contains(b, s[4:20]) || strings.Contains(b, hash) {
				t.Errorf("a secret or its hash appears in %.60s...", b)
			}
		}
	}
	list := decode[struct{ Data []map[string]any }](t, []byte(strings.TrimPrefix(bodies[0], "/api/v1/admin/tokens: ")))
	for _, tok := range list.Data {
		for k := range tok {
			switch k {
			case "id", "name", "role", "areas", "created_at", "revoked_at":
			default:
				t.Errorf("token list shows field %q", k)
			}
		}
	}
	if len(list.Data) != 6 {
		t.Errorf("%d tokens listed, want 6", len(list.Data))
	}
}

// A revoked token is refused at once, on reads too.
func TestRevokedTokenRefused(t *testing.T) {
	f := newSecureFixture(t, api.Config{ReadAccess: api.ReadToken}, "local_returns")
	f.secrets["ci"] = ""
	tok, secret, err := f.app.Auth.Create(context.Background(), "ci", auth.Viewer, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.secrets["ci"] = secret
	if rec := f.call(t, "ci", http.MethodGet, "/api/v1/datasets", nil); rec.Code != 200 {
		t.Fatalf("before revocation: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodDelete, "/api/v1/admin/tokens/"+tok.ID, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"revoked_at"`) {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, "ci", http.MethodGet, "/api/v1/datasets", nil); rec.Code != 401 {
		t.Errorf("after revocation: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodDelete, "/api/v1/admin/tokens/tok_nosuch", nil); rec.Code != 404 {
		t.Errorf("revoke unknown: %d %s", rec.Code, rec.Body)
	}
}

// Reads follow the read-access setting; probes and metrics stay public.
func TestReadAccess(t *testing.T) {
	for access, want := range map[string]map[string]int{
		// A bad token is refused even where none is needed.
		api.ReadPublic: {asNone: 200, asViewer: 200, asRevoked: 401},
		api.ReadToken:  {asNone: 401, asViewer: 200, asUploaderOther: 200, asAdmin: 200, asRevoked: 401},
	} {
		t.Run(access, func(t *testing.T) {
			f := newSecureFixture(t, api.Config{ReadAccess: access}, "local_returns")
			for who, status := range want {
				if rec := f.call(t, who, http.MethodGet, "/api/v1/areas/836/scorecard", nil); rec.Code != status {
					t.Errorf("scorecard as %s: %d, want %d", who, rec.Code, status)
				}
			}
			for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
				if rec := f.call(t, asNone, http.MethodGet, p, nil); rec.Code != 200 {
					t.Errorf("%s: %d", p, rec.Code)
				}
			}
			// The audit log is an admin's.
			if rec := f.call(t, asNone, http.MethodGet, "/api/v1/audit", nil); rec.Code != 401 {
				t.Errorf("audit without a token: %d", rec.Code)
			}
			if rec := f.call(t, asViewer, http.MethodGet, "/api/v1/audit", nil); rec.Code != 403 {
				t.Errorf("audit as viewer: %d", rec.Code)
			}
		})
	}
}

type auditJSON struct {
	Data []auth.Record
	N    int
	Next int64 `json:"next_before"`
}

// Every write is audited, allowed or refused, and admins read the log newest first, filtered.
func TestAuditLogRecordsAllowedAndRefusedWrites(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	f.call(t, asNone, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	f.call(t, asViewer, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,855,2016-17 Q4,80.1\n"))
	ok := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow), "X-Request-ID", "upload-2026-11-23.1")
	if ok.Code != 201 {
		t.Fatalf("upload: %d %s", ok.Code, ok.Body)
	}
	f.call(t, asUploaderOther, http.MethodPost, "/api/v1/indicators/secondary-good-outstanding-schools/areas/Poole/commentary",
		jsonBody(`{"period":"2016-17 Q4","text":"x","author":"y"}`))
	f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions/99/restore", jsonBody(""))
	f.call(t, asViewer, http.MethodGet, "/api/v1/datasets", nil) // reads are not audited

	if rec := f.call(t, asUploaderOwn, http.MethodGet, "/api/v1/audit", nil); rec.Code != 403 {
		t.Errorf("audit as uploader: %d", rec.Code)
	}
	rec := f.call(t, asAdmin, http.MethodGet, "/api/v1/audit", nil)
	if rec.Code != 200 {
		t.Fatalf("audit: %d %s", rec.Code, rec.Body)
	}
	log := decode[auditJSON](t, rec.Body.Bytes())
	type row struct {
		token, route, result, code string
		status                     int
	}
	var got []row
	for _, r := range log.Data {
		got = append(got, row{r.TokenName, r.Route, r.Result, r.ErrorCode, r.Status})
	}
	up, rs, cm := "/api/v1/datasets/:name/revisions", "/api/v1/datasets/:name/revisions/:id/restore", "/api/v1/indicators/:id/areas/:area/commentary"
	want := []row{
		{asAdmin, rs, auth.ResultFailed, "not_found", 404},
		{asUploaderOther, cm, auth.ResultRefused, "forbidden", 403},
		{asUploaderOwn, up, auth.ResultOK, "", 201},
		{asUploaderOwn, up, auth.ResultRefused, "forbidden", 403},
		{asViewer, up, auth.ResultRefused, "forbidden", 403},
		{"", up, auth.ResultRefused, "unauthorized", 401},
	}
	if len(got) != len(want) {
		t.Fatalf("audit log:\n%+v\nwant\n%+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	accepted := log.Data[3-1]
	if accepted.Dataset != "poole_returns" || accepted.CreatedRevision == 0 || accepted.RequestID != "upload-2026-11-23.1" ||
		accepted.TokenID != f.tokens[asUploaderOwn].ID || accepted.Method != "POST" || accepted.At.IsZero() || accepted.ClientIP == "" {
		t.Errorf("accepted upload record = %+v", accepted)
	}
	if r := log.Data[1]; r.Area != "E06000029" || r.Indicator != "secondary-good-outstanding-schools" {
		t.Errorf("commentary record = %+v", r)
	}
	if r := log.Data[0]; r.Revision != 99 || r.Dataset != "poole_returns" {
		t.Errorf("restore record = %+v", r)
	}

	refused := decode[auditJSON](t, f.call(t, asAdmin, http.MethodGet, "/api/v1/audit?result=refused&limit=2", nil).Body.Bytes())
	if refused.N != 2 || refused.Data[0].Result != auth.ResultRefused || refused.Next == 0 {
		t.Errorf("refused page 1 = %+v", refused)
	}
	page2 := decode[auditJSON](t, f.call(t, asAdmin, http.MethodGet, "/api/v1/audit?result=refused&limit=2&before="+strconv.FormatInt(refused.Next, 10), nil).Body.Bytes())
	if page2.N != 2 || page2.Data[0].ID >= refused.Data[1].ID {
		t.Errorf("refused page 2 = %+v", page2)
	}
	byToken := decode[auditJSON](t, f.call(t, asAdmin, http.MethodGet, "/api/v1/audit?token="+f.tokens[asUploaderOwn].ID, nil).Body.Bytes())
	if byToken.N != 2 {
		t.Errorf("by token: %+v", byToken)
	}
	if rec := f.call(t, asAdmin, http.MethodGet, "/api/v1/audit?limit=abc&result=maybe", nil); rec.Code != 400 {
		t.Errorf("bad audit query: %d %s", rec.Code, rec.Body)
	}
}

// The metrics name routes by pattern, never by the path a client typed.
func TestMetricsExposeRoutes(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	f.call(t, asNone, http.MethodGet, "/api/v1/areas/836/scorecard", nil)
	f.call(t, asNone, http.MethodGet, "/api/v1/areas/855/scorecard", nil)
	f.call(t, asNone, http.MethodGet, "/no/such/page/12345", nil)
	f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	f.call(t, asViewer, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	rec := f.call(t, asNone, http.MethodGet, "/metrics", nil)
	if rec.Code != 200 {
		t.Fatalf("metrics: %d", rec.Code)
	}
	m := rec.Body.String()
	for _, want := range []string{
		`scorecard_http_requests_total{method="GET",route="/api/v1/areas/:area/scorecard",status="200"} 2`,
		`scorecard_http_request_duration_seconds_count{method="GET",route="/api/v1/areas/:area/scorecard",status="200"} 2`,
		`scorecard_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`scorecard_http_requests_total{method="POST",route="/api/v1/datasets/:name/revisions",status="201"} 1`,
		`scorecard_dataset_loads_total{result="accepted"} 1`,
		`scorecard_dataset_loads_total{result="refused"} 1`,
		`scorecard_evaluation_duration_seconds_count{trigger="upload"} 1`,
		`scorecard_auth_failures_total{status="403"} 1`,
		`scorecard_http_requests_in_flight`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, "12345") || strings.Contains(m, "/836/") {
		t.Error("metrics carry raw paths")
	}
}

func TestRequestIDs(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, tt := range []struct {
		name, in string
		kept     bool
	}{
		{"absent", "", false},
		{"valid", "lb-7f3a.2_x", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"too long", strings.Repeat("a", 65), false},
		{"spaces", "a b", false},
		{"log injection", "abc\n{\"level\":\"ERROR\"}", false},
		{"shaped like a token", "sct_abcdef", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tt.in == "" {
				rec = f.call(t, asNone, http.MethodGet, "/healthz", nil)
			} else {
				rec = f.call(t, asNone, http.MethodGet, "/healthz", nil, "X-Request-ID", tt.in)
			}
			got := rec.Header().Get("X-Request-ID")
			if tt.kept && got != tt.in {
				t.Errorf("got %q, want the incoming %q", got, tt.in)
			}
			if !tt.kept && !generated.MatchString(got) {
				t.Errorf("got %q, want a generated ID", got)
			}
		})
	}
	rec := f.call(t, asNone, http.MethodGet, "/api/v1/areas/836/scorecard", nil, "X-Request-ID", "trace-42")
	if !strings.Contains(f.logs.String(), `"request_id":"trace-42"`) || rec.Header().Get("X-Request-ID") != "trace-42" {
		t.Errorf("the request log does not carry the request id:\n%s", f.logs.String())
	}
}

func TestCORS(t *testing.T) {
	preflight := func(f *secureFixture, origin string) *httptest.ResponseRecorder {
		return f.call(t, asNone, http.MethodOptions, "/api/v1/datasets/x/revisions", nil,
			"Origin", origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
	}
	off := newSecureFixture(t, api.Config{})
	if rec := off.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil, "Origin", "https://jsna.example.org"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS answered while off")
	}
	f := newSecureFixture(t, api.Config{CORSOrigins: []string{"https://JSNA.example.org/", "http://localhost:3000"}})
	rec := f.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil, "Origin", "https://jsna.example.org")
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://jsna.example.org" ||
		!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "X-Request-ID") {
		t.Errorf("allowed origin: %d %v", rec.Code, rec.Header())
	}
	rec = preflight(f, "http://localhost:3000")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("allowed preflight: %d %v", rec.Code, rec.Header())
	}
	for _, bad := range []string{"https://evil.example.org", "https://jsna.example.org.evil.net", "http://jsna.example.org", "null"} {
		if rec := f.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil, "Origin", bad); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("origin %s allowed", bad)
		}
		if rec := preflight(f, bad); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s allowed", bad)
		}
	}
}

// A read that outlives its time limit is cancelled (DuckDB stops with the context) and answered
// 503 with code timeout.
func TestRequestTimeoutCancelsQueries(t *testing.T) {
	f := newSecureFixture(t, api.Config{RequestTimeout: 1}, "local_returns")
	rec := f.call(t, asNone, http.MethodGet, "/api/v1/areas/836/scorecard", nil)
	if e := decode[errorJSON](t, rec.Body.Bytes()); rec.Code != 503 || e.Code != "timeout" {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// X-Forwarded-For is believed only from a configured proxy.
func TestClientIP(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
	for _, tt := range []struct {
		name    string
		cfg     api.Config
		remote  string
		xff     string
		wantLog string
	}{
		{"direct by default", api.Config{}, "10.1.2.3:5555", "203.0.113.9", `"client_ip":"10.1.2.3"`},
		{"trusted proxy", api.Config{TrustedProxies: []*net.IPNet{proxies}}, "10.1.2.3:5555", "203.0.113.9", `"client_ip":"203.0.113.9"`},
		{"untrusted sender", api.Config{TrustedProxies: []*net.IPNet{proxies}}, "192.0.2.7:5555", "203.0.113.9", `"client_ip":"192.0.2.7"`},
		{"spoofed chain", api.Config{TrustedProxies: []*net.IPNet{proxies}}, "10.1.2.3:5555", "198.51.100.1, 203.0.113.9", `"client_ip":"203.0.113.9"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newSecureFixture(t, tt.cfg)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/indicators", nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("X-Forwarded-For", tt.xff)
			f.handler.ServeHTTP(httptest.NewRecorder(), req)
			if !strings.Contains(f.logs.String(), tt.wantLog) {
				t.Errorf("log lacks %s:\n%s", tt.wantLog, f.logs.String())
			}
		})
	}
}

// Every route has a policy, and every route that changes anything is one of the known writes.
func TestEveryRouteHasAPolicy(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	srv := &api.Server{Engine: f.engine, Datasets: f.sets, Catalog: f.app.Catalog, Areas: f.app.Areas, Auth: f.app.Auth}
	got := srv.RoutePolicies()
	want := map[string]string{
		"GET /healthz": "public", "GET /readyz": "public", "GET /metrics": "public",
		"POST /api/v1/datasets/:name/revisions":              "upload",
		"POST /api/v1/datasets/:name/staged/:stage":          "upload",
		"DELETE /api/v1/datasets/:name/staged/:stage":        "upload",
		"POST /datasets/:name/upload":                        "upload",
		"POST /datasets/:name/staged/:stage/confirm":         "upload",
		"POST /datasets/:name/staged/:stage/cancel":          "upload",
		"POST /datasets/:name/revisions/:id/restore":         "admin",
		"GET /datasets/:name/revisions/:id/diff":             "upload",
		"GET /datasets/:name/revisions/:id/restore":          "admin",
		"POST /api/v1/indicators/:id/areas/:area/commentary": "area_write",
		"POST /api/v1/datasets/:name/revisions/:id/restore":  "admin",
		"POST /api/v1/admin/reevaluate":                      "admin",
		"POST /api/v1/admin/backup":                          "admin",
		"GET /api/v1/audit":                                  "admin",
		"GET /api/v1/admin/tokens":                           "admin",
		"POST /api/v1/admin/tokens":                          "admin",
		"DELETE /api/v1/admin/tokens/:id":                    "admin",
		"GET /api/v1/areas/:area/scorecard":                  "read",
		"GET /api/v1/indicators/:id/areas/:area/commentary":  "read",
		"GET /api/v1/datasets/:name/revisions":               "read",
		"GET /sign-in":                                       "public",
		"POST /sign-in":                                      "public",
		"POST /sign-out":                                     "public",
		"POST /areas/:area/indicators/:id/commentary":        "area_write",
		// Definitions as revisioned data: the editor decides by the token's areas.
		"PUT /api/v1/indicators/:id":                         "definition_write",
		"PUT /api/v1/scorecards/:id":                         "definition_write",
		"PUT /api/v1/groups/:id":                             "definition_write",
		"POST /api/v1/indicators/:id/revisions/:rev/restore": "definition_write",
		"POST /api/v1/scorecards/:id/revisions/:rev/restore": "definition_write",
		"POST /api/v1/groups/:id/revisions/:rev/restore":     "definition_write",
		"POST /indicators/:id/revisions":                     "definition_write",
		"POST /scorecards/:id/revisions":                     "definition_write",
		"POST /indicators/:id/revisions/:rev/restore":        "definition_write",
		"POST /scorecards/:id/revisions/:rev/restore":        "definition_write",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: policy %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		method := strings.Fields(k)[0]
		if method != http.MethodGet && method != http.MethodHead && want[k] == "" {
			t.Errorf("write route %s (policy %s) is not in this test: decide who may call it", k, v)
		}
		if strings.HasPrefix(strings.Fields(k)[1], "/assets/") && v != "public" {
			t.Errorf("%s: %s", k, v)
		}
	}
}

// A draining server says so on /readyz (load balancers stop sending) while /healthz stays up.
func TestReadyzWhileDraining(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	if rec := f.call(t, asNone, http.MethodGet, "/readyz", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ready"`) {
		t.Fatalf("readyz: %d %s", rec.Code, rec.Body)
	}
	f.srv.Drain()
	if rec := f.call(t, asNone, http.MethodGet, "/readyz", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), "draining") {
		t.Errorf("readyz while draining: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asNone, http.MethodGet, "/healthz", nil); rec.Code != 200 {
		t.Errorf("healthz while draining: %d", rec.Code)
	}
}
