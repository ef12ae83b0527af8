package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
)

// checkProblem asserts rec is an RFC 9457 problem of the given status and code for path: the
// media type, every standard member, the type URI naming the code, and a detail containing want.
func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code, path, want string) api.Problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("%s: status %d, want %d: %s", path, rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != api.ProblemMediaType {
		t.Errorf("%s: Content-Type %q, want %s", path, ct, api.ProblemMediaType)
	}
	var members map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &members); err != nil {
		t.Fatalf("%s: %v: %s", path, err, rec.Body)
	}
	for _, m := range []string{"type", "title", "status", "detail", "instance", "code"} {
		if _, ok := members[m]; !ok {
			t.Errorf("%s: no %q member: %s", path, m, rec.Body)
		}
	}
	if _, ok := members["error"]; ok {
		t.Errorf("%s: the old error envelope is still there: %s", path, rec.Body)
	}
	p := decode[api.Problem](t, rec.Body.Bytes())
	if p.Status != status || p.Code != code || p.Type != api.ProblemTypeBase+code || p.Title == "" || p.Instance != path {
		t.Errorf("%s: problem %+v, want status %d, code %s, type %s%s, instance %s", path, p, status, code, api.ProblemTypeBase, code, path)
	}
	if !strings.Contains(p.Detail, want) {
		t.Errorf("%s: detail %q does not contain %q", path, p.Detail, want)
	}
	return p
}

// Every kind of error an API client meets is problem details: handler errors, routing errors,
// content negotiation, authentication, and the metrics listener; HEAD keeps the status with no
// body.
func TestErrorsAreProblemDetails(t *testing.T) {
	f := sharedFixture(t)
	for _, tt := range []struct {
		name, path, query, accept string
		status                    int
		code, detail              string
	}{
		{"unknown indicator", "/api/v1/indicators/nope", "", "", 404, "not_found", "nope"},
		{"unknown route", "/api/v1/nothing", "", "", 404, "not_found", "Not Found"},
		{"bad period", "/api/v1/areas/839/scorecard", "?period=2016-17%20Q9", "", 400, "invalid", ""},
		{"bad limit", "/api/v1/evaluations", "?limit=abc", "", 400, "invalid", "limit"},
		{"not acceptable", "/api/v1/areas/839", "", "text/csv", 406, "not_acceptable", "application/json"},
		{"browser asking the API", "/api/v1/indicators/nope", "", "text/html,application/xhtml+xml,*/*;q=0.8", 404, "not_found", "nope"},
		{"HTML only from the API", "/api/v1/indicators/nope", "", "text/html", 406, "not_acceptable", "application/json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path+tt.query, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			checkProblem(t, rec, tt.status, tt.code, tt.path, tt.detail)
		})
	}

	t.Run("HEAD", func(t *testing.T) {
		rec := f.do(t, http.MethodHead, "/api/v1/indicators/nope", nil)
		if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
			t.Errorf("HEAD: %d with %d bytes", rec.Code, rec.Body.Len())
		}
	})

	t.Run("a rejected upload lists its problems", func(t *testing.T) {
		w := newFixture(t, "local_returns")
		const path = "/api/v1/datasets/local_returns/revisions"
		rec := w.do(t, http.MethodPost, path, csvBody("indicator,area,period,value\n"+
			"secondary-good-outstanding-schools,836,2016-17 Q4,abc\n"+
			"secondary-good-outstanding-schools,Atlantis,2016-17 Q4,1\n"))
		p := checkProblem(t, rec, http.StatusUnprocessableEntity, "invalid", path, "")
		if p.Total != 2 || len(p.Problems) != 2 {
			t.Fatalf("total %d, problems %+v: want the two bad rows", p.Total, p.Problems)
		}
		got := map[string]string{}
		for _, d := range p.Problems {
			got[fmt.Sprintf("%d/%s", d.Row, d.Column)] = d.Reason
		}
		if !strings.Contains(got["2/value"], "not a number") || !strings.Contains(got["3/area"], "unknown area") {
			t.Errorf("problems %+v, want row 2 column value (not a number) and row 3 column area (unknown area)", p.Problems)
		}
	})

	t.Run("unauthorized keeps WWW-Authenticate", func(t *testing.T) {
		s := newSecureFixture(t, api.Config{MetricsToken: "metrics-secret"})
		const path = "/api/v1/datasets/local_returns/revisions"
		rec := s.call(t, asNone, http.MethodPost, path, csvBody("indicator,area,period,value\n"))
		checkProblem(t, rec, http.StatusUnauthorized, "unauthorized", path, "")
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		rec = s.call(t, asNone, http.MethodGet, "/metrics", nil)
		checkProblem(t, rec, http.StatusUnauthorized, "unauthorized", "/metrics", "metrics token")
	})
}

// Each code's title is fixed (the same for every occurrence), and every code has its own.
func TestProblemTitlesAreFixedPerCode(t *testing.T) {
	f := sharedFixture(t)
	a := decode[api.Problem](t, f.do(t, http.MethodGet, "/api/v1/indicators/nope", nil).Body.Bytes())
	b := decode[api.Problem](t, f.do(t, http.MethodGet, "/api/v1/areas/nowhere", nil).Body.Bytes())
	if a.Code != "not_found" || a.Title != b.Title || a.Detail == b.Detail {
		t.Errorf("two not_found problems: titles %q and %q, details %q and %q", a.Title, b.Title, a.Detail, b.Detail)
	}
	c := decode[api.Problem](t, f.do(t, http.MethodGet, "/api/v1/evaluations?limit=abc", nil).Body.Bytes())
	if c.Code != "invalid" || c.Title == a.Title {
		t.Errorf("invalid and not_found share the title %q", c.Title)
	}
}
