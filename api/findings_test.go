package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/charts"
	"github.com/labstack/echo/v4"
)

// auditRecords is the whole audit log, newest first.
func (f *secureFixture) auditRecords(tb testing.TB) []auth.Record {
	tb.Helper()
	if err := f.srv.AuditsWritten(context.Background()); err != nil {
		tb.Fatal(err)
	}
	recs, err := f.app.Auth.Audit(context.Background(), auth.AuditFilter{Limit: auth.MaxAuditLimit})
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// Refused anonymous writes neither change the data version (so the response cache and ETags
// survive them) nor add unbounded audit records: after a burst a client is answered 429.
func TestFinding4RefusedWritesKeepCachingAndAreRateLimited(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	read := func(h ...string) *httptest.ResponseRecorder {
		return f.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil, h...)
	}
	read()
	first := read()
	etag := first.Header().Get("ETag")
	if first.Header().Get("X-Cache") != "hit" || etag == "" {
		t.Fatalf("before: X-Cache %q, ETag %q", first.Header().Get("X-Cache"), etag)
	}
	version := f.db.Version().Tag()
	before := len(f.auditRecords(t))

	statuses := map[int]int{}
	var limited *httptest.ResponseRecorder
	for i := 0; i < 3*api.DefaultRefusalsPerMinute; i++ {
		rec := f.call(t, asNone, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
		statuses[rec.Code]++
		if rec.Code == http.StatusTooManyRequests {
			limited = rec
		}
	}
	if statuses[401] != api.DefaultRefusalsPerMinute || statuses[429] != 2*api.DefaultRefusalsPerMinute {
		t.Errorf("statuses %v, want %d 401 then 429", statuses, api.DefaultRefusalsPerMinute)
	}
	if limited != nil {
		if ra := limited.Header().Get("Retry-After"); ra != "2" {
			t.Errorf("Retry-After %q", ra)
		}
		if !strings.Contains(limited.Body.String(), `"code":"rate_limited"`) {
			t.Errorf("429 body %s", limited.Body)
		}
	}
	if got := f.db.Version().Tag(); got != version {
		t.Errorf("refused writes changed the data version: %s -> %s", version, got)
	}
	if after := read(); after.Header().Get("X-Cache") != "hit" || after.Header().Get("ETag") != etag {
		t.Errorf("after: X-Cache %q, ETag %q (was %q)", after.Header().Get("X-Cache"), after.Header().Get("ETag"), etag)
	}
	if rec := read("If-None-Match", etag); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match after the flood: %d", rec.Code)
	}
	if added := len(f.auditRecords(t)) - before; added != api.DefaultRefusalsPerMinute {
		t.Errorf("%d audit records added, want %d (the 429s are not audited)", added, api.DefaultRefusalsPerMinute)
	}
	// Another client is not limited by the first one's refusals.
	req := newRequest(http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	req.RemoteAddr = "198.51.100.7:4000"
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("another client: %d", rec.Code)
	}
	// A bad token on a read is a refusal too.
	bad := f.call(t, asNone, http.MethodGet, "/api/v1/indicators", nil, "Authorization", "Bearer sct_nonsense")
	if bad.Code != http.StatusTooManyRequests {
		t.Errorf("bad token after the burst: %d", bad.Code)
	}
	// An allowed write still changes the version.
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != 201 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	if f.db.Version().Tag() == version {
		t.Error("an upload did not change the data version")
	}
}

// Audit records older than the retention are pruned; the audit log is never served from the
// response cache (its writes do not change the data version).
func TestFinding4AuditRetention(t *testing.T) {
	f := newSecureFixture(t, api.Config{AuditRetention: 30 * 24 * time.Hour})
	ctx := context.Background()
	old := auth.Record{At: fixedNow().Add(-31 * 24 * time.Hour), Method: "POST", Route: "/x", Path: "/x", Status: 401}
	recent := auth.Record{At: fixedNow().Add(-29 * 24 * time.Hour), Method: "POST", Route: "/y", Path: "/y", Status: 401}
	for _, r := range []auth.Record{old, recent} {
		if err := f.app.Auth.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	list := func() string {
		rec := f.call(t, asAdmin, http.MethodGet, "/api/v1/audit", nil)
		if rec.Code != 200 {
			t.Fatalf("audit: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	if s := list(); !strings.Contains(s, `"route":"/x"`) {
		t.Fatalf("old record missing before pruning: %s", s)
	}
	f.app.Auth.Now = fixedNow
	if n := f.srv.PruneAudit(ctx); n != 1 {
		t.Errorf("pruned %d, want 1", n)
	}
	s := list()
	if strings.Contains(s, `"route":"/x"`) || !strings.Contains(s, `"route":"/y"`) {
		t.Errorf("after pruning: %s", s)
	}
	keep := &api.Server{Auth: f.app.Auth, Config: api.Config{AuditRetention: -1}}
	if n := keep.PruneAudit(ctx); n != 0 {
		t.Errorf("a negative retention pruned %d", n)
	}
}

// A write whose path or headers hold bytes that are not UTF-8 is answered and audited, and an
// upload with such an X-Uploaded-By or X-File-Name is stored with the bytes escaped.
func TestFinding6InvalidUTF8IsAuditedAndStored(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/%ff/revisions", csvBody("indicator,area,period,value\n"+pooleRow))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("dataset %%ff: %d %s", rec.Code, rec.Body)
	}
	rec = f.call(t, asAdmin, http.MethodPost, "/api/v1/indicators/%ff%00x/areas/836/commentary", jsonBody(`{"period":"2016-17 Q4","text":"x","author":"y"}`))
	if rec.Code != http.StatusNotFound {
		t.Errorf("indicator %%ff: %d %s", rec.Code, rec.Body)
	}
	rec = f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions", csvBody("indicator,area,period,value\n"+pooleRow),
		"X-Uploaded-By", "Ann\xffe", "X-File-Name", "q4\xfe.csv")
	if rec.Code != http.StatusCreated {
		t.Fatalf("upload with a non-UTF-8 X-Uploaded-By: %d %s", rec.Code, rec.Body)
	}
	if b := rec.Body.String(); !strings.Contains(b, `Ann%FFe via admin`) || !strings.Contains(b, `"file_name":"q4%FE.csv"`) {
		t.Errorf("revision: %s", b)
	}
	if logs := f.logs.String(); strings.Contains(logs, "audit record not written") {
		t.Errorf("an audit record was not written:\n%s", logs)
	}
	paths := map[string]bool{}
	for _, r := range f.auditRecords(t) {
		paths[r.Path] = true
	}
	for _, want := range []string{"/api/v1/datasets/%FF/revisions", "/api/v1/indicators/%FF%00x/areas/836/commentary", "/api/v1/datasets/poole_returns/revisions"} {
		if !paths[want] {
			t.Errorf("no audit record %q in %v", want, paths)
		}
	}
	// The audit filters take the same bytes and find the same records.
	if err := f.srv.AuditsWritten(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, err := f.app.Auth.Audit(context.Background(), auth.AuditFilter{Dataset: "poole_returns\xff"})
	if err != nil || len(recs) != 0 {
		t.Errorf("filter with invalid UTF-8: %v %v", recs, err)
	}
}

// Made-up methods share one label, and unknown routes one route: /metrics stays bounded.
func TestFinding7MadeUpMethodsShareOneLabel(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	for i := 0; i < 40; i++ {
		f.call(t, asAdmin, fmt.Sprintf("BREW%d", i), fmt.Sprintf("/api/v1/nothing/%d", i), nil)
		f.call(t, asAdmin, fmt.Sprintf("PURGE%d", i), "/api/v1/indicators", nil)
	}
	m := f.call(t, asNone, http.MethodGet, "/metrics", nil).Body.String()
	if strings.Contains(m, "BREW") || strings.Contains(m, "PURGE") || strings.Contains(m, "/nothing/") {
		t.Error("metrics carry made-up methods or raw paths")
	}
	if !strings.Contains(m, `scorecard_http_requests_total{method="other",route="unmatched",status="405"}`) &&
		!strings.Contains(m, `scorecard_http_requests_total{method="other",route="unmatched",status="404"}`) {
		t.Errorf("no method=\"other\" series:\n%s", grepLines(m, "scorecard_http_requests_total"))
	}
	if n := strings.Count(m, "scorecard_http_requests_total{"); n > 6 {
		t.Errorf("%d request series after 80 made-up requests:\n%s", n, grepLines(m, "scorecard_http_requests_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// A forged cursor is a 400 naming the cursor, whatever field it forges; a real one still works.
func TestFinding11ForgedCursorIs400(t *testing.T) {
	f := sharedFixture(t)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, cursor := range map[string]string{
		"bad date":                 enc(`{"ev":{"i":"x","e":"2016-13-45","p":"2016","a":"E06000058"}}`),
		"bad date, real indicator": enc(`{"ev":{"i":"secondary-good-outstanding-schools","e":"2016-13-45","p":"2016","a":"E06000058"}}`),
		"not a date":               enc(`{"ev":{"i":"x","e":"'; DROP TABLE x","p":"2016","a":"E06000058"}}`),
		"empty key":                enc(`{"ev":{"i":"","e":"2016-03-31","p":"2016","a":"E06000058"}}`),
		"both keys":                enc(`{"k":"a","ev":{"i":"x","e":"2016-03-31","p":"2016","a":"E06000058"}}`),
		"neither":                  enc(`{}`),
		"unknown field":            enc(`{"k":"a","x":1}`),
		"wrong type":               enc(`{"ev":{"i":1,"e":"2016-03-31","p":"2016","a":"E06000058"}}`),
		"control":                  enc(`{"ev":{"i":"x\u0000","e":"2016-03-31","p":"2016","a":"E06000058"}}`),
		"invalid utf-8":            enc("{\"ev\":{\"i\":\"x\xff\",\"e\":\"2016-03-31\",\"p\":\"2016\",\"a\":\"E06000058\"}}"),
		"long":                     enc(`{"ev":{"i":"` + strings.Repeat("x", 300) + `","e":"2016-03-31","p":"2016","a":"E06000058"}}`),
		"not base64":               "!!!",
		"list cursor here":         enc(`{"k":"000001"}`),
	} {
		rec := f.do(t, http.MethodGet, "/api/v1/evaluations?limit=2&cursor="+cursor, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"code":"invalid"`) {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	for _, path := range []string{"/api/v1/areas?limit=2&cursor=", "/api/v1/indicators/secondary-good-outstanding-schools/areas?limit=2&cursor="} {
		rec := f.do(t, http.MethodGet, path+enc(`{"k":"a\u0007"}`), nil)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s forged: %d %s", path, rec.Code, rec.Body)
		}
	}
	first := decode[struct {
		Next string `json:"next"`
	}](t, f.do(t, http.MethodGet, "/api/v1/evaluations?limit=2", nil).Body.Bytes())
	if first.Next == "" {
		t.Fatal("no next page")
	}
	if rec := f.do(t, http.MethodGet, first.Next, nil); rec.Code != http.StatusOK {
		t.Errorf("a real cursor: %d %s", rec.Code, rec.Body)
	}
}

// multipartUpload builds a multipart body with parts given as (disposition, content).
func multipartUpload(boundary string, parts ...[2]string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\nContent-Disposition: %s\r\nContent-Type: text/csv\r\n\r\n%s\r\n", boundary, p[0], p[1])
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// Each kind of unusable upload body has its own status and message.
func TestFinding14UploadBodiesGetTheirOwnErrors(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	csv := "indicator,area,period,value\n" + pooleRow
	file := [2]string{`form-data; name="file"; filename="q4.csv"`, csv}
	good := multipartUpload("XX", [2]string{`form-data; name="note"`, "Q4 return"}, file)
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		status            int
		message           string
	}{
		{"second file part", "multipart/form-data; boundary=XX", multipartUpload("XX", file, file), 422, "more than one part named"},
		{"no file part", "multipart/form-data; boundary=XX", multipartUpload("XX", [2]string{`form-data; name="other"`, csv}), 422, `no file field named \"file\"`},
		{"missing boundary", "multipart/form-data", good, 400, "no boundary"},
		{"unterminated", "multipart/form-data; boundary=XX", good[:len(good)-8], 400, "ends before its closing boundary"},
		{"no parts at all", "multipart/form-data; boundary=XX", []byte("garbage"), 400, "ends before its closing boundary"},
		{"NUL in file name", "multipart/form-data; boundary=XX", multipartUpload("XX", [2]string{"form-data; name=\"file\"; filename=\"q4\x00.csv\"", csv}), 422, "NUL in the file name"},
		{"control character in file name", "multipart/form-data; boundary=XX", multipartUpload("XX", [2]string{"form-data; name=\"file\"; filename=\"q4\x07.csv\"", csv}), 422, "control character"},
		{"unreadable content type", ";;;=", []byte(csv), 415, "cannot be read"},
		{"content type not offered", "application/json", []byte(csv), 415, "send the CSV as the body"},
		{"multipart with a field first", "multipart/form-data; boundary=XX", good, 201, ""},
	} {
		rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
			&requestBody{data: tc.body, contentType: tc.contentType})
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.message) {
			t.Errorf("%s: %d %s, want %d %q", tc.name, rec.Code, rec.Body, tc.status, tc.message)
		}
	}
	// The multipart writer's own output, as clients send it, still loads.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="return.csv"`)
	w, _ := mw.CreatePart(h)
	io.WriteString(w, csv)
	mw.Close()
	if rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
		&requestBody{data: b.Bytes(), contentType: mw.FormDataContentType()}); rec.Code != 201 || !strings.Contains(rec.Body.String(), `"file_name":"return.csv"`) {
		t.Errorf("multipart.Writer upload: %d %s", rec.Code, rec.Body)
	}
}

// A client that goes away in the middle of an upload is logged as a warning with status 499,
// counted as an aborted load and audited with 499, not as a server error.
func TestFinding18ClientAbortIsNotAServerError(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	ts := httptest.NewServer(f.handler)
	defer ts.Close()
	for i, contentType := range []string{"text/csv", "multipart/form-data; boundary=XX"} {
		conn, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		body := "indicator,area,period,value\n" + pooleRow
		if strings.HasPrefix(contentType, "multipart") {
			body = "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n" + body
		}
		fmt.Fprintf(conn, "POST /api/v1/datasets/poole_returns/revisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: 100000\r\n\r\n%s",
			f.secrets[asAdmin], contentType, body)
		time.Sleep(100 * time.Millisecond)
		conn.Close()
		// One upload per token at a time: wait for this one's answer before the next.
		for deadline := time.Now().Add(5 * time.Second); strings.Count(f.logs.String(), `"status":499`) <= i && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(f.logs.String(), `"status":499`) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logs := f.logs.String()
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"status":499`) && !strings.Contains(l, `"level":"WARN"`) {
			t.Errorf("abort logged as %s", l)
		}
	}
	if n := strings.Count(logs, `"status":499`); n != 2 {
		t.Errorf("%d request lines with status 499:\n%s", n, logs)
	}
	if strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("an abort was logged as an error:\n%s", logs)
	}
	m := f.call(t, asNone, http.MethodGet, "/metrics", nil).Body.String()
	if !strings.Contains(m, `scorecard_dataset_loads_total{result="aborted"} 2`) || strings.Contains(m, `result="error"`) {
		t.Errorf("loads:\n%s", grepLines(m, "scorecard_dataset_loads_total"))
	}
	// The audit record is written after the log line: wait for it too.
	aborted := 0
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		aborted = 0
		for _, r := range f.auditRecords(t) {
			if r.Status == api.StatusClientClosedRequest && r.ErrorCode == "client_closed" {
				aborted++
			}
		}
		if aborted >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if aborted != 2 {
		t.Errorf("%d audit records with status 499: %+v\n%s", aborted, f.auditRecords(t), logs)
	}
}

// Every GET route answers HEAD as GET without a body; every response says nosniff; pages run
// no inline script; /metrics can be put behind a token or off the main handler.
func TestFinding19HeadNosniffCSPAndMetrics(t *testing.T) {
	f := sharedFixture(t)
	get := f.do(t, http.MethodGet, "/api/v1/indicators", nil)
	head := f.do(t, http.MethodHead, "/api/v1/indicators", nil)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("ETag") != get.Header().Get("ETag") || head.Header().Get("Content-Type") != get.Header().Get("Content-Type") {
		t.Errorf("HEAD: %d, %d bytes, ETag %q (GET %q), type %q", head.Code, head.Body.Len(), head.Header().Get("ETag"), get.Header().Get("ETag"), head.Header().Get("Content-Type"))
	}
	for _, path := range []string{"/api/v1/areas/839", "/api/v1/scorecards/poole-childrens-trust?area=839", "/api/v1/charts/trend/injury-admissions-0-14?area=839", "/healthz", "/", charts.ScriptURL} {
		rec := f.do(t, http.MethodHead, path, nil)
		if rec.Code != 200 || rec.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d, %d bytes", path, rec.Code, rec.Body.Len())
		}
	}
	e := f.handler.(*echo.Echo)
	routes := map[string]bool{}
	for _, r := range e.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for k := range routes {
		if p, ok := strings.CutPrefix(k, "GET "); ok && !routes["HEAD "+p] {
			t.Errorf("GET %s has no HEAD", p)
		}
	}
	for _, path := range []string{"/api/v1/indicators", "/api/v1/nothing", "/healthz", "/scorecards/poole-childrens-trust"} {
		if rec := f.do(t, http.MethodGet, path, nil); rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", path, rec.Header().Get("X-Content-Type-Options"))
		}
	}

	page := f.do(t, http.MethodGet, "/areas/839/indicators/injury-admissions-0-14", nil)
	csp := page.Header().Get("Content-Security-Policy")
	if scriptSrc := regexp.MustCompile(`script-src [^;]*`).FindString(csp); scriptSrc != "script-src 'self'" {
		t.Errorf("CSP script-src: %q (%s)", scriptSrc, csp)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page.Body.String(), -1) {
		if !strings.Contains(tag, ` src="/assets/`) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("inline script %s", tag)
		}
	}
	js := f.do(t, http.MethodGet, charts.ChartsScriptURL, nil)
	if js.Code != 200 || !strings.HasPrefix(js.Header().Get("Content-Type"), "application/javascript") || !strings.Contains(js.Body.String(), "echarts.init") {
		t.Errorf("charts script: %d %q", js.Code, js.Header().Get("Content-Type"))
	}

	tokenFixture := newSecureFixture(t, api.Config{MetricsToken: "metrics-secret"})
	for who, want := range map[string]int{"": 401, "Bearer wrong": 401, "Bearer metrics-secret": 200} {
		var headers []string
		if who != "" {
			headers = []string{"Authorization", who}
		}
		if rec := tokenFixture.call(t, asNone, http.MethodGet, "/metrics", nil, headers...); rec.Code != want {
			t.Errorf("/metrics with %q: %d, want %d", who, rec.Code, want)
		}
	}
	elsewhere := newSecureFixture(t, api.Config{MetricsElsewhere: true})
	if rec := elsewhere.call(t, asNone, http.MethodGet, "/metrics", nil); rec.Code != http.StatusNotFound {
		t.Errorf("/metrics on the main handler with MetricsElsewhere: %d", rec.Code)
	}
	rec := httptest.NewRecorder()
	elsewhere.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "scorecard_http_requests_total") {
		t.Errorf("MetricsHandler: %d", rec.Code)
	}
}
