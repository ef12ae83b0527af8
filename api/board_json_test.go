package api_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// The board pages' JSON routes carry the API's validators and gzip: an unchanged resource is
// answered 304 to its ETag.
func TestChartJSONHasValidatorsAndGzip(t *testing.T) {
	f := sharedFixture(t)
	const path = "/api/v1/charts/trend/injury-admissions-0-14?area=E06000058"
	first := f.do(t, http.MethodGet, path, nil)
	etag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || etag == "" || first.Header().Get("Last-Modified") == "" {
		t.Fatalf("first: %d, ETag %q, Last-Modified %q", first.Code, etag, first.Header().Get("Last-Modified"))
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("conditional: %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
	}
	req = httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec = httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= first.Body.Len() {
		t.Fatalf("gzip: %d, Content-Encoding %q, %d bytes (plain %d)", rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.Len(), first.Body.Len())
	}
}

// The exception report's JSON is the board's: for each card it lists exactly the rows the board
// counts as exceptions, with the rules and reasons the board rows carry, and the board's data as at.
func TestExceptionsJSONIsTheBoards(t *testing.T) {
	f := sharedFixture(t)
	type row struct {
		Indicator string   `json:"indicator"`
		Rules     []string `json:"exception_rules"`
		Reasons   []string `json:"exception_reasons"`
	}
	type board struct {
		DataAsAt   *string `json:"data_as_at"`
		Exceptions int     `json:"exceptions"`
		Priorities []struct {
			Rows []row `json:"rows"`
		} `json:"priorities"`
	}
	type report struct {
		DataAsAt   *string `json:"data_as_at"`
		Rows       int     `json:"rows"`
		Exceptions []struct {
			Row     row      `json:"row"`
			Rules   []string `json:"rules"`
			Reasons []string `json:"reasons"`
		} `json:"exceptions"`
	}
	total := 0
	for _, q := range []string{"poole-childrens-trust?area=836", "poole-childrens-trust?area=E06000058", "leicestershire-ewmh?area=855"} {
		id, area, _ := strings.Cut(q, "?")
		b := decode[board](t, f.do(t, http.MethodGet, "/api/v1/scorecards/"+id+"/board?"+area, nil).Body.Bytes())
		rep := decode[report](t, f.do(t, http.MethodGet, "/api/v1/scorecards/"+id+"/exceptions?"+area, nil).Body.Bytes())
		var want []row
		rows := 0
		for _, p := range b.Priorities {
			for _, r := range p.Rows {
				rows++
				if len(r.Rules) > 0 {
					want = append(want, r)
				}
			}
		}
		if rep.Rows != rows || len(rep.Exceptions) != b.Exceptions || len(want) != b.Exceptions {
			t.Fatalf("%s: report %d rows, %d exceptions; board %d rows, %d exceptions (%d with rules)", q, rep.Rows, len(rep.Exceptions), rows, b.Exceptions, len(want))
		}
		if (rep.DataAsAt == nil) != (b.DataAsAt == nil) || (rep.DataAsAt != nil && *rep.DataAsAt != *b.DataAsAt) {
			t.Errorf("%s: data as at %v, board's %v", q, rep.DataAsAt, b.DataAsAt)
		}
		total += len(rep.Exceptions)
		for i, ex := range rep.Exceptions {
			if ex.Row.Indicator != want[i].Indicator || !slices.Equal(ex.Rules, want[i].Rules) || !slices.Equal(ex.Reasons, want[i].Reasons) {
				t.Errorf("%s exception %d: %s %v %v, board row %s %v %v", q, i, ex.Row.Indicator, ex.Rules, ex.Reasons, want[i].Indicator, want[i].Rules, want[i].Reasons)
			}
		}
	}
	if total == 0 {
		t.Fatal("no card has an exception: the comparison shows nothing")
	}
}
