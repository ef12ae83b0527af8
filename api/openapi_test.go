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

func (c call) String() string { return c.method + " " + c.path + fmt.Sprint(c.headers) }

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

// Writes validate too: an upload accepted and refused, a restore, a comment.
func TestWriteResponsesValidateAgainstOpenAPI(t *testing.T) {
	f := newFixture(t, "local_returns")
	v := newValidator(t)
	validate(t, v, f.handler, []call{
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", status: 201,
			body: csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n")},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions", status: 422,
			body: csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,abc\n")},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions/1/restore", status: 201,
			body: &requestBody{contentType: "application/json", headers: map[string]string{"X-Uploaded-By": "analyst@example.org"}}},
		{method: "POST", path: "/api/v1/datasets/local_returns/revisions/99/restore", status: 404,
			body: &requestBody{contentType: "application/json"}},
		{method: "POST", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", status: 201,
			body: &requestBody{contentType: "application/json",
				data: []byte(`{"period":"2016-17 Q4","text":"Two schools moved to good in March.","author":"Poole performance team"}`)}},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary", status: 200},
		{method: "GET", path: "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", status: 200},
		{method: "GET", path: "/api/v1/datasets/local_returns/revisions?limit=2", status: 200},
	})
}
