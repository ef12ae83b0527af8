package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/labstack/echo/v4"
)

// routesOf lists the handler's routes (the handler is echo's).
func routesOf(tb testing.TB, h http.Handler) []*echo.Route {
	tb.Helper()
	e, ok := h.(*echo.Echo)
	if !ok {
		tb.Fatalf("the handler is a %T, not *echo.Echo", h)
	}
	return e.Routes()
}

// concrete fills a route pattern's parameters with values that exist in the shipped data
// (revision 1 is the first shipped dataset's).
func concrete(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case p == "*":
			parts[i] = "no-such-asset.js"
		case p == ":area":
			parts[i] = "E06000058"
		case p == ":name":
			parts[i] = "lait"
		case p == ":indicator":
			parts[i] = "secondary-good-outstanding-schools"
		case p == ":scorecard":
			parts[i] = "poole-childrens-trust"
		case p == ":stage":
			parts[i] = "no-such-stage"
		case p == ":id" && i > 0 && parts[i-1] == "scorecards":
			parts[i] = "poole-childrens-trust"
		case p == ":id" && i > 0 && parts[i-1] == "revisions":
			parts[i] = "1"
		case p == ":id":
			parts[i] = "secondary-good-outstanding-schools"
		case strings.HasPrefix(p, ":"):
			parts[i] = "x"
		}
	}
	return strings.Join(parts, "/") + "?area=836"
}

// methodsByPath is every registered path's methods, as the Allow header lists them.
func methodsByPath(routes []*echo.Route) map[string][]string {
	out := map[string][]string{}
	for _, r := range routes {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out[r.Path] = append(out[r.Path], r.Method)
	}
	return out
}

func allowSet(header string) []string {
	var out []string
	for _, m := range strings.Split(header, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// HEAD answers every read route as GET does, without the body, and OPTIONS answers every route
// 204 with the path's methods in Allow.
func TestHeadAndOptionsAnswerOnEveryReadRoute(t *testing.T) {
	f := sharedFixture(t)
	routes := routesOf(t, f.handler)
	methods := methodsByPath(routes)
	reads, ok := 0, 0
	for _, r := range routes {
		if r.Method != http.MethodGet {
			continue
		}
		reads++
		path := concrete(r.Path)
		t.Run(r.Path, func(t *testing.T) {
			get := f.do(t, http.MethodGet, path, nil)
			head := f.do(t, http.MethodHead, path, nil)
			if head.Code != get.Code || head.Body.Len() != 0 {
				t.Errorf("HEAD %s: %d with %d bytes; GET: %d", path, head.Code, head.Body.Len(), get.Code)
			}
			if get.Code >= 400 {
				t.Logf("GET %s: %d (HEAD agrees)", path, get.Code)
				return // an error's HEAD answer carries no body and so no Content-Type
			}
			ok++
			for _, h := range []string{"Content-Type", "ETag", "Last-Modified", "Content-Disposition", "Allow"} {
				if head.Header().Get(h) != get.Header().Get(h) {
					t.Errorf("HEAD %s: %s %q, GET %q", path, h, head.Header().Get(h), get.Header().Get(h))
				}
			}
			opt := f.do(t, http.MethodOptions, path, nil)
			want := append([]string{http.MethodOptions}, methods[r.Path]...)
			slices.Sort(want)
			if opt.Code != http.StatusNoContent || !slices.Equal(allowSet(opt.Header().Get("Allow")), want) || opt.Body.Len() != 0 {
				t.Errorf("OPTIONS %s: %d, Allow %q (want %v), %d bytes", path, opt.Code, opt.Header().Get("Allow"), want, opt.Body.Len())
			}
		})
	}
	if reads < 30 || ok < reads*3/4 {
		t.Fatalf("%d read routes, %d answered GET without an error", reads, ok)
	}
}

// A method a path does not have is 405 with the path's methods in Allow, for the API and the
// pages, without a token even where reads need one and without leaking data; an unknown path
// stays 404 whatever the method; OPTIONS needs no token either.
func TestWrongMethodIs405WithAllowBeforeAuth(t *testing.T) {
	f := newSecureFixture(t, api.Config{ReadAccess: api.ReadToken})
	routes := routesOf(t, f.handler)
	methods := methodsByPath(routes)
	checked := 0
	for path, have := range methods {
		want := append([]string{http.MethodOptions}, have...)
		slices.Sort(want)
		for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodPost} {
			if slices.Contains(have, m) {
				continue
			}
			for _, who := range []string{asNone, asRevoked, asViewer} {
				rec := f.call(t, who, m, concrete(path), nil)
				if rec.Code != http.StatusMethodNotAllowed || !slices.Equal(allowSet(rec.Header().Get("Allow")), want) {
					t.Errorf("%s %s as %s: %d, Allow %q, want 405 and %v", m, path, who, rec.Code, rec.Header().Get("Allow"), want)
				}
				if !strings.Contains(rec.Body.String(), "is not allowed here") {
					t.Errorf("%s %s: body %.200s", m, path, rec.Body)
				}
				if strings.Contains(rec.Body.String(), `"data"`) || strings.Contains(rec.Body.String(), `"indicator"`) {
					t.Errorf("%s %s: the 405 shows data: %.200s", m, path, rec.Body)
				}
				checked++
			}
		}
		rec := f.call(t, asNone, http.MethodOptions, concrete(path), nil)
		if rec.Code != http.StatusNoContent || !slices.Equal(allowSet(rec.Header().Get("Allow")), want) {
			t.Errorf("OPTIONS %s without a token: %d, Allow %q, want 204 and %v", path, rec.Code, rec.Header().Get("Allow"), want)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d wrong-method requests", checked)
	}
	// The exact lists of three paths, and the reads that still need a token.
	for path, want := range map[string]string{
		"/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836": "OPTIONS, GET, HEAD",
		"/api/v1/datasets/local_returns/revisions":                                   "OPTIONS, GET, HEAD, POST",
		"/scorecards/poole-childrens-trust":                                          "OPTIONS, GET, HEAD",
	} {
		if rec := f.call(t, asNone, http.MethodPut, path, nil); rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != want {
			t.Errorf("PUT %s: %d, Allow %q, want %q", path, rec.Code, rec.Header().Get("Allow"), want)
		}
		if rec := f.call(t, asNone, http.MethodGet, path, nil); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusSeeOther {
			t.Errorf("GET %s without a token: %d, want it refused", path, rec.Code)
		}
	}
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		for _, path := range []string{"/api/v1/no-such-thing", "/no-such-page", "/api/v1/indicators/x/y/z"} {
			if rec := f.call(t, asNone, m, path, nil); rec.Code != http.StatusNotFound || rec.Header().Get("Allow") != "" {
				t.Errorf("%s %s: %d, Allow %q, want 404", m, path, rec.Code, rec.Header().Get("Allow"))
			}
		}
	}
}

// With CORS on, OPTIONS from an allowed origin that is not a preflight is answered with Allow
// and the CORS headers; a preflight is answered by CORS.
func TestOptionsWithCORS(t *testing.T) {
	f := newSecureFixture(t, api.Config{CORSOrigins: []string{"https://jsna.example.org"}})
	rec := f.call(t, asNone, http.MethodOptions, "/api/v1/indicators", nil, "Origin", "https://jsna.example.org")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Allow") != "OPTIONS, GET, HEAD" ||
		rec.Header().Get("Access-Control-Allow-Origin") != "https://jsna.example.org" {
		t.Errorf("OPTIONS with an Origin: %d %v", rec.Code, rec.Header())
	}
	rec = f.call(t, asNone, http.MethodOptions, "/api/v1/indicators", nil, "Origin", "https://jsna.example.org", "Access-Control-Request-Method", "GET")
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
}

// etagServer is a server over a database file, as the binary runs it.
type etagServer struct {
	app     *scorecard.App
	handler http.Handler
}

func openETagServer(tb testing.TB, path string, now func() time.Time) *etagServer {
	tb.Helper()
	app, err := scorecard.Open(context.Background(), scorecard.Config{DBPath: path, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth,
		Config: api.Config{AuthOff: true}}
	return &etagServer{app: app, handler: srv.Handler()}
}

func (s *etagServer) do(tb testing.TB, method, path string, body *requestBody, headers ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := newRequest(method, path, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec
}

// etags reads each path's ETag (each must answer 200 with one).
func (s *etagServer) etags(tb testing.TB, paths []string) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, p := range paths {
		rec := s.do(tb, http.MethodGet, p, nil)
		if rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" {
			tb.Fatalf("GET %s: %d, ETag %q: %.300s", p, rec.Code, rec.Header().Get("ETag"), rec.Body)
		}
		out[p] = rec.Header().Get("ETag")
	}
	return out
}

// ETags are per resource and survive a restart: an indicator's ETags survive an upload to
// another dataset, a comment on another indicator, a rejected upload and a restart of the server
// on the same database file; the touched resources' ETags change; and a 304 is never given for
// an ETag from before a change.
func TestETagsPerResourceSurviveOtherWritesAndRestarts(t *testing.T) {
	ctx := context.Background()
	var ticks atomic.Int64 // a clock that moves: every fact gets its own time
	now := func() time.Time {
		return time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(ticks.Add(1)) * time.Second)
	}
	dbPath := filepath.Join(t.TempDir(), "scorecard.duckdb")
	s := openETagServer(t, dbPath, now)
	for _, name := range []string{"local_returns", "leicestershire_returns"} {
		if err := scorecard.LoadShippedDataset(ctx, s.app.Datasets, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
	// Untouched: NI 58 (Leicestershire's return) and its dataset.
	untouched := []string{
		"/api/v1/indicators/ni58-cla-emotional-health",
		"/api/v1/indicators/ni58-cla-emotional-health/evaluations?area=855",
		"/api/v1/indicators/ni58-cla-emotional-health/evaluations?area=855&format=csv",
		"/api/v1/indicators/ni58-cla-emotional-health/areas",
		"/api/v1/charts/trend/ni58-cla-emotional-health?area=855",
		"/api/v1/indicators/ni58-cla-emotional-health/areas/855/commentary",
		"/api/v1/datasets/leicestershire_returns",
		"/api/v1/datasets/leicestershire_returns/revisions",
		"/api/v1/indicators",
		"/api/v1/areas/855",
		"/api/v1/openapi.json",
	}
	// Touched: the Poole schools indicator (local_returns), its commentary for Poole, its
	// dataset, and the lists that show them.
	const series = "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836"
	const comments = "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary"
	const dataset = "/api/v1/datasets/local_returns/revisions"
	const everything = "/api/v1/evaluations?limit=10000"
	const card = "/api/v1/areas/836/scorecard"
	touched := []string{series, comments, dataset, everything, card, "/api/v1/datasets"}

	before := s.etags(t, untouched)
	tags := s.etags(t, touched)
	// Last-Modified is the resource's own: NI 58's run, and its dataset's revision, are older than
	// the Poole indicator's and its dataset's (loaded first, on a clock that moves).
	lastMod := func(p string) time.Time {
		t.Helper()
		v := s.do(t, http.MethodGet, p, nil).Header().Get("Last-Modified")
		at, err := http.ParseTime(v)
		if err != nil {
			t.Fatalf("%s: Last-Modified %q: %v", p, v, err)
		}
		return at
	}
	const ni58 = "/api/v1/indicators/ni58-cla-emotional-health/evaluations?area=855"
	const leics = "/api/v1/datasets/leicestershire_returns/revisions"
	ni58Mod, leicsMod := lastMod(ni58), lastMod(leics)
	if !lastMod(dataset).Before(leicsMod) || leicsMod.Year() != 2026 {
		t.Errorf("Last-Modified of local_returns %v, of leicestershire_returns %v: want the first loaded earlier", lastMod(dataset), leicsMod)
	}
	seriesLastMod := s.do(t, http.MethodGet, series, nil).Header().Get("Last-Modified")
	if seriesLastMod == "" {
		t.Fatal("the series has no Last-Modified")
	}
	// changed checks that each path's ETag changed since old, and that the old one gets 200.
	changed := func(what string, old map[string]string, paths ...string) {
		t.Helper()
		for _, p := range paths {
			rec := s.do(t, http.MethodGet, p, nil, "If-None-Match", old[p])
			if rec.Code != http.StatusOK || rec.Header().Get("ETag") == old[p] {
				t.Errorf("after %s, %s: %d with ETag %q (was %q), want 200 and a new ETag", what, p, rec.Code, rec.Header().Get("ETag"), old[p])
			}
			old[p] = rec.Header().Get("ETag")
		}
	}
	same := func(what string, paths ...string) {
		t.Helper()
		for _, p := range paths {
			if rec := s.do(t, http.MethodGet, p, nil, "If-None-Match", before[p]); rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != before[p] {
				t.Errorf("after %s, %s: %d with ETag %q, want 304 and %q", what, p, rec.Code, rec.Header().Get("ETag"), before[p])
			}
		}
	}

	// 1. An accepted upload to local_returns.
	up := s.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17,88.4\n"))
	if up.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.Code, up.Body)
	}
	same("an upload to another dataset", untouched...)
	changed("an upload", tags, series, dataset, everything, card, "/api/v1/datasets")
	if rec := s.do(t, http.MethodGet, series, nil, "If-Modified-Since", seriesLastMod); rec.Code != http.StatusOK {
		t.Errorf("If-Modified-Since from before the upload: %d", rec.Code)
	}
	if rec := s.do(t, http.MethodGet, comments, nil, "If-None-Match", tags[comments]); rec.Code != http.StatusNotModified {
		t.Errorf("the commentary changed with an upload: %d", rec.Code)
	}

	// 2. A comment on the Poole indicator.
	com := s.do(t, http.MethodPost, "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary",
		jsonBody(`{"period":"2016-17","author":"Performance team","text":"Above the target for the first time."}`))
	if com.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", com.Code, com.Body)
	}
	same("a comment on another indicator", untouched...)
	changed("a comment", tags, series, comments, everything, card)
	if rec := s.do(t, http.MethodGet, dataset, nil, "If-None-Match", tags[dataset]); rec.Code != http.StatusNotModified {
		t.Errorf("the dataset changed with a comment: %d", rec.Code)
	}

	// 3. A rejected upload: only the dataset's revision list (and the datasets list) show it.
	bad := s.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17,not a number\n"))
	if bad.Code != http.StatusUnprocessableEntity {
		t.Fatalf("rejected upload: %d %s", bad.Code, bad.Body)
	}
	same("a rejected upload", untouched...)
	changed("a rejected upload", tags, dataset, "/api/v1/datasets")
	for _, p := range []string{series, comments, everything, card} {
		if rec := s.do(t, http.MethodGet, p, nil, "If-None-Match", tags[p]); rec.Code != http.StatusNotModified {
			t.Errorf("after a rejected upload, %s: %d, want 304", p, rec.Code)
		}
	}

	// 4. A restart on the same file: every ETag is as it was.
	if err := s.app.Close(); err != nil {
		t.Fatal(err)
	}
	s = openETagServer(t, dbPath, now)
	t.Cleanup(func() { s.app.Close() })
	same("a restart", untouched...)
	if got, got2 := lastMod(ni58), lastMod(leics); !got.Equal(ni58Mod) || !got2.Equal(leicsMod) {
		t.Errorf("after a restart, Last-Modified %v and %v, were %v and %v", got, got2, ni58Mod, leicsMod)
	}
	if rec := s.do(t, http.MethodGet, ni58, nil, "If-Modified-Since", ni58Mod.Format(http.TimeFormat)); rec.Code != http.StatusNotModified {
		t.Errorf("after a restart, If-Modified-Since of the untouched indicator: %d", rec.Code)
	}
	for _, p := range touched {
		if rec := s.do(t, http.MethodGet, p, nil, "If-None-Match", tags[p]); rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != tags[p] {
			t.Errorf("after a restart, %s: %d with ETag %q, want 304 and %q", p, rec.Code, rec.Header().Get("ETag"), tags[p])
		}
	}

	// 5. After the restart, an upload to Leicestershire's return changes NI 58 and its dataset,
	// and the old ETags are never confirmed.
	up = s.do(t, http.MethodPost, "/api/v1/datasets/leicestershire_returns/revisions",
		csvBody("indicator,area,period,value\nni58-cla-emotional-health,855,2010-11,15.2\n"))
	if up.Code != http.StatusCreated {
		t.Fatalf("upload after the restart: %d %s", up.Code, up.Body)
	}
	changed("an upload to its dataset", before,
		"/api/v1/indicators/ni58-cla-emotional-health/evaluations?area=855",
		"/api/v1/indicators/ni58-cla-emotional-health/evaluations?area=855&format=csv",
		"/api/v1/indicators/ni58-cla-emotional-health/areas",
		"/api/v1/charts/trend/ni58-cla-emotional-health?area=855",
		"/api/v1/datasets/leicestershire_returns",
		"/api/v1/datasets/leicestershire_returns/revisions")
	if rec := s.do(t, http.MethodGet, ni58, nil, "If-Modified-Since", ni58Mod.Format(http.TimeFormat)); rec.Code != http.StatusOK {
		t.Errorf("If-Modified-Since from before the upload to its dataset: %d", rec.Code)
	}
	for _, p := range []string{series, comments, "/api/v1/datasets/local_returns/revisions"} {
		if rec := s.do(t, http.MethodGet, p, nil, "If-None-Match", tags[p]); rec.Code != http.StatusNotModified {
			t.Errorf("after an upload to Leicestershire's return, %s: %d, want 304", p, rec.Code)
		}
	}
}

// Every read that carries an ETag has it from its resource's facts (etags.go's scopes), not
// from the data version, which every write and every restart changes.
func TestEveryValidatedRouteHasAScope(t *testing.T) {
	f := sharedFixture(t)
	resourceTag := regexp.MustCompile(`^W/"[0-9a-f]{32}\.[a-z]+(\.[^"]+)?"$`)
	tagged := 0
	for _, r := range routesOf(t, f.handler) {
		if r.Method != http.MethodGet {
			continue
		}
		path := concrete(r.Path)
		tag := f.do(t, http.MethodGet, path, nil).Header().Get("ETag")
		if tag == "" || strings.HasPrefix(r.Path, "/assets/") {
			continue // pages carry none; the assets have their own
		}
		tagged++
		if !resourceTag.MatchString(tag) {
			t.Errorf("GET %s: ETag %s is not a resource's: give the route a scope in etags.go", r.Path, tag)
		}
	}
	if tagged < 20 {
		t.Fatalf("only %d routes answered with an ETag", tagged)
	}
}

// A conditional read of an unchanged resource (304), with the validators cached since the last
// write; and the same read right after a write, when the facts are read again.
func BenchmarkConditionalRead(b *testing.B) {
	f := newFixture(b) // written to: not the shared fixture
	const path = "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836"
	tag := f.do(b, http.MethodGet, path, nil).Header().Get("ETag")
	conditional := func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("If-None-Match", tag)
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			b.Fatalf("%d", rec.Code)
		}
	}
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			conditional(b)
		}
	})
	b.Run("after-a-write", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			// A comment on another indicator changes the data version, not this read.
			if _, err := f.engine.AddComment(ctx, "perm-exclusion-rate", "836", "2015-16", engine.LocalPoster, "bench", "a note"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			conditional(b)
		}
	})
}

// Requests the router answers without a token (405, 404) are audited within the server-wide
// budget of audited refusals, so a flood of them adds a bounded number of records, and they
// change nothing.
func TestRouterAnswersAreAuditedWithinTheBudget(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	version := f.db.Version().Tag()
	before := len(f.auditRecords(t))
	const n = 700 // more than the 600 a minute audited
	start := time.Now()
	for i := 0; i < n; i++ {
		path := "/api/v1/indicators"
		if i%2 == 1 {
			path = "/api/v1/no-such-thing"
		}
		if rec := f.call(t, asNone, http.MethodPut, path, nil); rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
			t.Fatalf("PUT %s: %d", path, rec.Code)
		}
	}
	// The budget: 600 at once, then 10 a second.
	budget := 600 + int(10*time.Since(start).Seconds()) + 1
	added := len(f.auditRecords(t)) - before
	if added == 0 || added > budget || added >= n {
		t.Errorf("%d audit records for %d unroutable writes, want some but at most %d", added, n, budget)
	}
	if got := f.db.Version().Tag(); got != version {
		t.Errorf("unroutable writes changed the data version: %s -> %s", version, got)
	}
	recs := f.auditRecords(t)
	if recs[0].Status != http.StatusMethodNotAllowed && recs[0].Status != http.StatusNotFound {
		t.Errorf("the newest record: %+v", recs[0])
	}
}

// Right after a change a read carries no Last-Modified (a second change in the same second would
// share it) and is not kept by the response cache; once the second is over it carries a date
// after the earlier one, which If-Modified-Since then matches.
func TestLastModifiedAfterAChangeWaitsForItsSecond(t *testing.T) {
	f := newFixture(t, "local_returns")
	const path = "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836"
	first := f.do(t, http.MethodGet, path, nil)
	old, err := http.ParseTime(first.Header().Get("Last-Modified"))
	if err != nil {
		t.Fatalf("before the change: Last-Modified %q", first.Header().Get("Last-Modified"))
	}
	com := f.do(t, http.MethodPost, "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary",
		jsonBody(`{"period":"2016-17","author":"Performance team","text":"Checked with the schools team."}`))
	if com.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", com.Code, com.Body)
	}
	changedAt := time.Now()
	rec := f.do(t, http.MethodGet, path, nil)
	if time.Since(changedAt) < 900*time.Millisecond {
		if lm := rec.Header().Get("Last-Modified"); lm != "" {
			t.Errorf("right after the change: Last-Modified %q", lm)
		}
		if again := f.do(t, http.MethodGet, path, nil); again.Header().Get("X-Cache") == "hit" {
			t.Error("a read without its Last-Modified was kept by the response cache")
		}
	}
	if rec := get(t, f.handler, path, map[string]string{"If-Modified-Since": old.Format(http.TimeFormat)}); rec.Code != http.StatusOK {
		t.Errorf("If-Modified-Since from before the change: %d", rec.Code)
	}
	time.Sleep(time.Until(changedAt.Truncate(time.Second).Add(2 * time.Second)))
	later := f.do(t, http.MethodGet, path, nil)
	at, err := http.ParseTime(later.Header().Get("Last-Modified"))
	if err != nil || !at.After(old) {
		t.Fatalf("a second later: Last-Modified %q, want after %v", later.Header().Get("Last-Modified"), old)
	}
	if rec := get(t, f.handler, path, map[string]string{"If-Modified-Since": later.Header().Get("Last-Modified")}); rec.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since of the new date: %d", rec.Code)
	}
	if again := f.do(t, http.MethodGet, path, nil); again.Header().Get("X-Cache") != "hit" || again.Header().Get("Last-Modified") == "" {
		t.Errorf("once the second is over: X-Cache %q, Last-Modified %q", again.Header().Get("X-Cache"), again.Header().Get("Last-Modified"))
	}
}
