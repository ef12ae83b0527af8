package api_test

import (
	"net/http"
	"net/http/httptest"
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
