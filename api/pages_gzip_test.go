package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/charts"
)

// The pages are gzip-compressed for clients that accept it, through the response cache (a
// compressed copy and a plain one, each served to the clients it suits); the assets come with
// their own gzip encoding; the API is compressed once, not twice; metrics are left alone.
func TestPagesAndAssetsAreGzipped(t *testing.T) {
	f := pages(t)
	h := f.server.Handler()
	do := func(method, path, encoding string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	gunzip := func(t *testing.T, b []byte) []byte {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	const page = "/scorecards/poole-childrens-trust?area=E06000058"
	plain := do(http.MethodGet, page, "")
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Body.String(), "<!DOCTYPE html>") {
		t.Fatalf("GET %s without gzip: %d, Content-Encoding %q", page, plain.Code, plain.Header().Get("Content-Encoding"))
	}
	for _, want := range []string{"miss", "hit"} {
		rec := do(http.MethodGet, page, "gzip, deflate, br")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Fatalf("GET %s with gzip (%s): %d, Content-Encoding %q, Vary %q", page, want, rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		if got := rec.Header().Get("X-Cache"); got != want {
			t.Errorf("X-Cache = %q, want %s", got, want)
		}
		body := gunzip(t, rec.Body.Bytes())
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("gzip page decodes to %d bytes, the plain page is %d", len(body), plain.Body.Len())
		}
		if rec.Body.Len()*4 > len(body) {
			t.Errorf("gzip page is %d bytes of %d", rec.Body.Len(), len(body))
		}
	}
	// The cached gzip copy is not served to a client that did not ask for it.
	if rec := do(http.MethodGet, page, ""); rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) {
		t.Errorf("plain after gzip: Content-Encoding %q, %d bytes", rec.Header().Get("Content-Encoding"), rec.Body.Len())
	}
	if rec := do(http.MethodHead, page, "gzip"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD %s: %d, %d bytes", page, rec.Code, rec.Body.Len())
	}

	for _, p := range []string{charts.ScriptURL, charts.ChartsScriptURL} {
		rec := do(http.MethodGet, p, "gzip")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" || strings.Count(rec.Header().Get("Vary"), "Accept-Encoding") != 1 {
			t.Fatalf("GET %s with gzip: %d, Content-Encoding %q, Vary %q", p, rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
		}
		js := gunzip(t, rec.Body.Bytes())
		if ident := do(http.MethodGet, p, "identity"); !bytes.Equal(js, ident.Body.Bytes()) || ident.Header().Get("ETag") == rec.Header().Get("ETag") {
			t.Errorf("%s: gzip decodes to %d bytes, identity %d; ETags %s and %s", p, len(js), ident.Body.Len(), rec.Header().Get("ETag"), ident.Header().Get("ETag"))
		}
	}

	rec := do(http.MethodGet, "/api/v1/scorecards", "gzip")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET /api/v1/scorecards with gzip: %d, Content-Encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	if body := gunzip(t, rec.Body.Bytes()); !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		t.Errorf("API body compressed twice? %q", body[:min(len(body), 40)])
	}
}
