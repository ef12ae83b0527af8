package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/api"
	"github.com/labstack/echo/v4"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// The OpenAPI document is validated with pb33f/libopenapi-validator: it implements OpenAPI 3.1
// (JSON Schema 2020-12 through santhosh-tekuri's jsonschema, so type arrays such as
// ["number", "null"] are understood), validates whole requests and responses including headers,
// and is actively maintained. kin-openapi's 3.1 support was only merged in 2026 and its
// openapi3filter still targets 3.0 schemas.

type openapiDoc struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

func loadOpenAPI(t *testing.T) ([]byte, openapiDoc) {
	t.Helper()
	raw, err := api.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc openapiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return raw, doc
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// Every /api/v1 route registered on the server is documented, and every documented route is
// registered. A route added later without documentation fails here, with its name.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	f := sharedFixture(t)
	e, ok := f.handler.(*echo.Echo)
	if !ok {
		t.Fatalf("the handler is a %T, not *echo.Echo: update this test to reach the router", f.handler)
	}
	_, doc := loadOpenAPI(t)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				documented[strings.ToUpper(method)+" "+path] = true
			}
		}
	}
	registered := map[string]bool{}
	var undocumented []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue // group catch-alls made by group middleware
		}
		key := r.Method + " " + echoParam.ReplaceAllString(r.Path, "{$1}")
		registered[key] = true
		if r.Method == http.MethodHead {
			// Every GET route also answers HEAD, as GET without the body (the document's
			// description says so): it is documented by its GET.
			key = http.MethodGet + strings.TrimPrefix(key, http.MethodHead)
		}
		if strings.HasPrefix(r.Path, "/api/v1") && !documented[key] {
			undocumented = append(undocumented, key)
		}
	}
	slices.Sort(undocumented)
	if len(undocumented) > 0 {
		t.Errorf("routes not in api/openapi.yaml (document them there):\n  %s", strings.Join(undocumented, "\n  "))
	}
	var missing []string
	for key := range documented {
		if !registered[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("documented in api/openapi.yaml but not served:\n  %s", strings.Join(missing, "\n  "))
	}
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	raw, _ := loadOpenAPI(t)
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("the document is not valid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	return v
}

type call struct {
	method, path string
	headers      map[string]string
	body         *requestBody
	status       int
}

func (c call) String() string {
	h := map[string]string{}
	for k, v := range c.headers {
		if k == "Authorization" {
			v, _, _ = strings.Cut(v, " ") // the scheme, not the secret
		}
		h[k] = v
	}
	return c.method + " " + c.path + " " + fmt.Sprint(h)
}

// exchange runs one request through the handler and returns the request and the response as
// net/http values, for the validator.
func exchange(t *testing.T, h http.Handler, c call) (*http.Request, *http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		body = c.body.reader()
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body != nil {
		req.Header.Set("Content-Type", c.body.contentType)
		for k, v := range c.body.headers {
			req.Header.Set(k, v)
		}
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	data, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(data))
	// The validator reads the request body again.
	if c.body != nil {
		req.Body = io.NopCloser(c.body.reader())
	}
	return req, res, data
}

func validate(t *testing.T, v validator.Validator, h http.Handler, calls []call) {
	t.Helper()
	for _, c := range calls {
		req, res, data := exchange(t, h, c)
		if c.status != 0 && res.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", c, res.StatusCode, c.status, data)
			continue
		}
		check := v.ValidateHttpRequestResponse
		if res.StatusCode >= 400 {
			// The request is wrong on purpose: only the answer is held to the contract.
			check = v.ValidateHttpResponse
		}
		if ok, errs := check(req, res); !ok {
			for _, e := range errs {
				detail := ""
				for _, se := range e.SchemaValidationErrors {
					detail += fmt.Sprintf("\n      at %s: %s", se.FieldPath, se.Reason)
				}
				t.Errorf("%s -> %d: %s: %s%s", c, res.StatusCode, e.Message, e.Reason, detail)
			}
		}
	}
}

// Real responses from a server on the shipped data validate against the document: every read
// in JSON and in the other formats' content types, errors, 304s.
func TestReadResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := sharedFixture(t)
	v := newValidator(t)
	csv := map[string]string{"Accept": "text/csv"}
	arrow := map[string]string{"Accept": "application/vnd.apache.arrow.stream"}
	calls := []call{
		{method: "GET", path: "/healthz", status: 200},
		{method: "GET", path: "/api/v1/openapi.json", status: 200},
		{method: "GET", path: "/api/v1/indicators", status: 200},
		{method: "GET", path: "/api/v1/indicators?format=csv", status: 200},
		{method: "GET", path: "/api/v1/indicators?topic=Children+Looked+After&q=sdq", status: 200},
		{method: "GET", path: "/api/v1/indicators?topic=No+such+topic", status: 200},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools", status: 200},
		{method: "GET", path: "/api/v1/indicators/injury-admissions-0-14/evaluations?area=839", status: 200},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/evaluations?area=839&period=2024&period=2025", status: 200},
		{method: "GET", path: "/api/v1/indicators/rereferrals/evaluations?area=839", headers: csv, status: 200},
		{method: "GET", path: "/api/v1/indicators/perm-exclusion-rate/areas", status: 200},
		{method: "GET", path: "/api/v1/indicators/perm-exclusion-rate/areas?group=comparators:839&limit=5", status: 200},
		{method: "GET", path: "/api/v1/indicators/perm-exclusion-rate/areas?period=2016/17&level=region", headers: arrow, status: 200},
		{method: "GET", path: "/api/v1/evaluations?indicator=injury-admissions-0-14&limit=50", status: 200},
		{method: "GET", path: "/api/v1/evaluations?indicator=rereferrals&indicator=cin-rate&area=839&area=836&period=2019", status: 200},
		{method: "GET", path: "/api/v1/evaluations?group=neighbours:839&level=la&limit=20", headers: arrow, status: 200},
		{method: "GET", path: "/api/v1/evaluations?limit=3&format=xlsx", status: 200},
		{method: "GET", path: "/api/v1/areas", status: 200},
		{method: "GET", path: "/api/v1/areas?level=region&limit=4", status: 200},
		{method: "GET", path: "/api/v1/areas/839", status: 200},
		{method: "GET", path: "/api/v1/areas/E92000001", status: 200},
		{method: "GET", path: "/api/v1/areas/E06000058/scorecard", status: 200},
		{method: "GET", path: "/api/v1/areas/855/scorecard?period=2009-10", status: 200},
		{method: "GET", path: "/api/v1/areas/855/scorecard", headers: csv, status: 200},
		{method: "GET", path: "/api/v1/areas/E06000058/scorecard?topic=children+looked+after", status: 200},
		{method: "GET", path: "/api/v1/areas/E06000058/scorecard?topic=Schools&q=secondary", headers: csv, status: 200},
		{method: "GET", path: "/api/v1/scorecards", status: 200},
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust", status: 200},
		{method: "GET", path: "/api/v1/scorecards/leicestershire-ewmh", status: 200},
		{method: "GET", path: "/api/v1/scorecards/rotherham-semh", status: 200},
		{method: "GET", path: "/api/v1/scorecards/derby-treatment?format=xlsx", status: 200},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", status: 200},
		{method: "GET", path: "/api/v1/datasets", status: 200},
		{method: "GET", path: "/api/v1/datasets?format=arrow", status: 200},
		{method: "GET", path: "/api/v1/datasets/local_returns", status: 200},
		{method: "GET", path: "/api/v1/datasets/lait/revisions", status: 200},
		// errors
		{method: "GET", path: "/api/v1/indicators/nope", status: 404},
		{method: "GET", path: "/api/v1/areas/E99999999/scorecard", status: 404},
		{method: "GET", path: "/api/v1/areas/839/scorecard?period=2016-17%20Q9", status: 400},
		{method: "GET", path: "/api/v1/areas/839/scorecard?topic=Pets", status: 400},
		{method: "GET", path: "/api/v1/indicators/rereferrals/evaluations", status: 400},
		{method: "GET", path: "/api/v1/evaluations?limit=0", status: 400},
		{method: "GET", path: "/api/v1/evaluations?cursor=nonsense", status: 400},
		{method: "GET", path: "/api/v1/evaluations?group=neighbours:Atlantis", status: 400},
		{method: "GET", path: "/api/v1/datasets/nope/revisions", status: 404},
		{method: "GET", path: "/api/v1/indicators", headers: map[string]string{"Accept": "application/xml"}, status: 406},
		{method: "GET", path: "/api/v1/areas/839", headers: csv, status: 406},
	}
	validate(t, v, f.handler, calls)

	// 304s, with the tags the first answers gave.
	for _, path := range []string{"/api/v1/areas/E06000058/scorecard", "/api/v1/evaluations?limit=10"} {
		_, res, _ := exchange(t, f.handler, call{method: "GET", path: path})
		validate(t, v, f.handler, []call{{method: "GET", path: path, headers: map[string]string{"If-None-Match": res.Header.Get("ETag")}, status: 304}})
	}
}

// bearer is the Authorization header of a principal of a secure fixture.
func (f *secureFixture) bearer(who string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + f.secrets[who]}
}

// Writes validate too, made with tokens as in production: an upload accepted and refused, a
// restore, a comment; and writes refused for want of a token (401) or of the role or area (403).
func TestWriteResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	v := newValidator(t)
	admin := f.bearer(asAdmin)
	upload := "indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"
	comment := &requestBody{contentType: "application/json",
		data: []byte(`{"period":"2016-17 Q4","text":"Two schools moved to good in March.","author":"Poole performance team"}`)}
	validate(t, v, f.handler, []call{
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", headers: admin, status: 201, body: csvBody(upload)},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", headers: admin, status: 422,
			body: csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,abc\n")},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions/1/restore", headers: admin, status: 201,
			body: &requestBody{contentType: "application/json", headers: map[string]string{"X-Uploaded-By": "analyst@example.org"}}},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions/99/restore", headers: admin, status: 404,
			body: &requestBody{contentType: "application/json"}},
		{method: "POST", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", headers: f.bearer(asUploaderOwn),
			status: 201, body: comment},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", status: 200},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", status: 200},
		{method: "GET", path: "/api/v1/datasets/local_returns/revisions?limit=2", status: 200},
		// refused: no token, a revoked one, the wrong role, another area's rows or route
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", status: 401, body: csvBody(upload)},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", headers: f.bearer(asRevoked), status: 401, body: csvBody(upload)},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", headers: f.bearer(asViewer), status: 403, body: csvBody(upload)},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", headers: f.bearer(asUploaderOther), status: 403, body: csvBody(upload)},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions/1/restore", headers: f.bearer(asUploaderOwn), status: 403,
			body: &requestBody{contentType: "application/json"}},
		{method: "POST", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", headers: f.bearer(asUploaderOther),
			status: 403, body: comment},
	})
}

// The admin routes, with an admin token and refused without one: tokens listed, created,
// refused and revoked; re-evaluation; the audit log of all of it.
func TestAdminResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	v := newValidator(t)
	admin := f.bearer(asAdmin)
	jsonBody := func(s string) *requestBody { return &requestBody{contentType: "application/json", data: []byte(s)} }

	// A token made here, to revoke.
	req, res, data := exchange(t, f.handler, call{method: "POST", path: "/api/v1/admin/tokens", headers: admin,
		body: jsonBody(`{"name":"Board analyst","role":"uploader","areas":["839"]}`)})
	if res.StatusCode != 201 {
		t.Fatalf("create token: %d %s", res.StatusCode, data)
	}
	if ok, errs := v.ValidateHttpRequestResponse(req, res); !ok {
		for _, e := range errs {
			t.Errorf("POST /api/v1/admin/tokens -> 201: %s: %s", e.Message, e.Reason)
		}
	}
	created := decode[struct {
		Token struct{ ID string } `json:"token"`
	}](t, data)

	validate(t, v, f.handler, []call{
		{method: "GET", path: "/api/v1/admin/tokens", headers: admin, status: 200},
		{method: "POST", path: "/api/v1/admin/tokens", headers: admin, status: 201, body: jsonBody(`{"name":"Board viewer","role":"viewer"}`)},
		{method: "POST", path: "/api/v1/admin/tokens", headers: admin, status: 422, body: jsonBody(`{"name":"","role":"uploader","areas":["Atlantis"]}`)},
		{method: "POST", path: "/api/v1/admin/tokens", headers: admin, status: 422, body: jsonBody(`{"name":"x","role":"owner"}`)},
		{method: "POST", path: "/api/v1/admin/tokens", headers: admin, status: 422,
			body: &requestBody{contentType: "text/plain", data: []byte("name=x")}},
		{method: "DELETE", path: "/api/v1/admin/tokens/" + created.Token.ID, headers: admin, status: 200},
		{method: "DELETE", path: "/api/v1/admin/tokens/" + f.tokens[asRevoked].ID, headers: admin, status: 200},
		{method: "DELETE", path: "/api/v1/admin/tokens/tok_000000000000", headers: admin, status: 404},
		{method: "POST", path: "/api/v1/admin/reevaluate", headers: admin, status: 200},
		{method: "POST", path: "/api/v1/admin/reevaluate?all=true", headers: admin, status: 200},
		{method: "POST", path: "/api/v1/admin/reevaluate?all=maybe", headers: admin, status: 422},
		// refused
		{method: "GET", path: "/api/v1/admin/tokens", status: 401},
		{method: "GET", path: "/api/v1/audit", headers: f.bearer(asRevoked), status: 401},
		{method: "POST", path: "/api/v1/admin/reevaluate", headers: map[string]string{"Authorization": "Basic YWRtaW46YWRtaW4="}, status: 401},
		{method: "GET", path: "/api/v1/indicators", headers: map[string]string{"Authorization": "Bearer sct_not-a-token"}, status: 401},
		{method: "GET", path: "/api/v1/charts/trend/rereferrals?area=839", headers: f.bearer(asRevoked), status: 401},
		{method: "GET", path: "/api/v1/audit", headers: f.bearer(asViewer), status: 403},
		{method: "GET", path: "/api/v1/admin/tokens", headers: f.bearer(asUploaderOwn), status: 403},
		{method: "POST", path: "/api/v1/admin/tokens", headers: f.bearer(asUploaderOther), status: 403, body: jsonBody(`{"name":"me","role":"admin"}`)},
		{method: "DELETE", path: "/api/v1/admin/tokens/" + f.tokens[asAdmin].ID, headers: f.bearer(asViewer), status: 403},
		{method: "POST", path: "/api/v1/admin/reevaluate", headers: f.bearer(asUploaderOwn), status: 403},
	})

	// The audit log now holds all of the above, allowed and refused.
	validate(t, v, f.handler, []call{
		{method: "GET", path: "/api/v1/audit", headers: admin, status: 200},
		{method: "GET", path: "/api/v1/audit?limit=3&result=refused&since=2026-01-01T00:00:00Z", headers: admin, status: 200},
		{method: "GET", path: "/api/v1/audit?method=delete&token=" + f.tokens[asAdmin].ID, headers: admin, status: 200},
		{method: "GET", path: "/api/v1/audit?limit=0", headers: admin, status: 400},
		{method: "GET", path: "/api/v1/audit?since=yesterday", headers: admin, status: 400},
		{method: "GET", path: "/api/v1/audit?result=maybe", headers: admin, status: 400},
	})
	_, _, data = exchange(t, f.handler, call{method: "GET", path: "/api/v1/audit?limit=3&result=refused", headers: admin})
	page := decode[struct {
		N          int   `json:"n"`
		NextBefore int64 `json:"next_before"`
	}](t, data)
	if page.N != 3 || page.NextBefore == 0 {
		t.Errorf("the audit log should hold more than 3 refusals, paged: %s", data)
	}
}

// The board's JSON: exception reports and charts, found and not.
func TestChartAndExceptionResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := sharedFixture(t)
	v := newValidator(t)
	validate(t, v, f.handler, []call{
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust/exceptions", status: 200},
		{method: "GET", path: "/api/v1/scorecards/rotherham-semh/exceptions?period=2023/24", status: 200},
		{method: "GET", path: "/api/v1/scorecards/derby-treatment/exceptions", status: 200},
		{method: "GET", path: "/api/v1/scorecards/leicestershire-ewmh/exceptions?area=855", status: 200},
		{method: "GET", path: "/api/v1/charts/trend/secondary-good-outstanding-schools?area=836", status: 200},
		{method: "GET", path: "/api/v1/charts/trend/rereferrals?area=E06000058", status: 200},
		{method: "GET", path: "/api/v1/charts/comparison/perm-exclusion-rate?area=839", status: 200},
		{method: "GET", path: "/api/v1/charts/comparison/rereferrals?area=839&period=2021", status: 200},
		{method: "GET", path: "/api/v1/charts/spine/poole-childrens-trust", status: 200},
		{method: "GET", path: "/api/v1/charts/spine/rotherham-semh?period=2023/24", status: 200},
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust/board", status: 200},
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust/board?area=839", status: 200},
		{method: "GET", path: "/api/v1/scorecards/leicestershire-ewmh/board?area=855", status: 200},
		{method: "GET", path: "/api/v1/scorecards/nope/board", status: 404},
		// errors
		{method: "GET", path: "/api/v1/scorecards/nope/exceptions", status: 404},
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust/exceptions?period=garbage", status: 400},
		{method: "GET", path: "/api/v1/charts/trend/nope?area=836", status: 404},
		{method: "GET", path: "/api/v1/charts/trend/perm-exclusion-rate", status: 400},
		{method: "GET", path: "/api/v1/charts/comparison/perm-exclusion-rate?area=839&period=1999", status: 404},
		{method: "GET", path: "/api/v1/charts/spine/nope", status: 404},
	})
}

// With read access by token, reads without one are 401; a read that outlives its time limit is
// 503 timeout.
func TestReadAccessAndTimeoutResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{ReadAccess: api.ReadToken, RequestTimeout: time.Nanosecond})
	v := newValidator(t)
	validate(t, v, f.handler, []call{
		{method: "GET", path: "/api/v1/evaluations?limit=5", status: 401},
		{method: "GET", path: "/api/v1/scorecards/poole-childrens-trust/exceptions", status: 401},
		{method: "GET", path: "/api/v1/charts/spine/poole-childrens-trust", status: 401},
		{method: "GET", path: "/api/v1/evaluations?limit=5", headers: f.bearer(asViewer), status: 503},
		{method: "GET", path: "/api/v1/charts/trend/rereferrals?area=839", headers: f.bearer(asViewer), status: 503},
	})
}

// The document's security says what the server's route policies do: routes that need a token
// list bearerAuth alone and answer 401 and 403; reads and public routes take a token optionally
// and answer 401 (read access by token, or a bad token).
func TestOpenAPISecurityMatchesRoutePolicies(t *testing.T) {
	f := sharedFixture(t)
	policies := (&api.Server{Engine: f.engine, Datasets: f.sets}).RoutePolicies()
	raw, _ := loadOpenAPI(t)
	type operation struct {
		Security  []map[string][]string      `json:"security"`
		Responses map[string]json.RawMessage `json:"responses"`
	}
	var doc struct {
		Security   []map[string][]string           `json:"security"`
		Paths      map[string]map[string]operation `json:"paths"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Fatal("components.securitySchemes has no bearerAuth")
	}
	optional := func(sec []map[string][]string) bool {
		var anonymous, bearer bool
		for _, r := range sec {
			_, b := r["bearerAuth"]
			anonymous = anonymous || len(r) == 0
			bearer = bearer || (b && len(r) == 1)
		}
		return anonymous && bearer
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`).ReplaceAllString(path, ":$1")
			policy, ok := policies[key]
			if !ok {
				continue // TestOpenAPIDocumentsEveryRoute reports it
			}
			sec := op.Security
			if sec == nil {
				sec = doc.Security
			}
			need := []string{"401"}
			switch policy {
			case "public", "read":
				if !optional(sec) {
					t.Errorf("%s (%s): security %v, want [{}, {bearerAuth: []}] (the default)", key, policy, sec)
				}
			default:
				// A Bearer token, or a browser's session cookie with its CSRF token.
				session := len(sec) == 2 && len(sec[1]) == 2 && sec[1]["sessionCookie"] != nil && sec[1]["csrfToken"] != nil
				if len(sec) == 0 || len(sec) > 2 || (len(sec) == 2 && !session) || len(sec[0]) != 1 || sec[0]["bearerAuth"] == nil {
					t.Errorf("%s (%s): security %v, want [{bearerAuth: []}, {sessionCookie: [], csrfToken: []}]", key, policy, sec)
				}
				need = append(need, "403")
			}
			for _, code := range need {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s (%s) does not document %s", key, policy, code)
				}
			}
		}
	}
}
