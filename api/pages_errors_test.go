package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A browser gets every error of the board pages as an HTML page with the site header, the plain
// message, the status, a link home and the pickers; API clients keep the JSON body.
func TestErrorPagesForBrowsers(t *testing.T) {
	f := pages(t)
	for _, tt := range []struct {
		name, path, accept string
		status             int
		want               []string
	}{
		{"unknown area", "/scorecards/poole-childrens-trust?area=nowhere", "", http.StatusNotFound,
			[]string{`<h1>We could not find that</h1>`, `No area &#34;nowhere&#34;`, `Error 404: Not Found`}},
		{"unknown indicator", "/areas/839/indicators/no-such-indicator", "", http.StatusNotFound,
			[]string{`No indicator &#34;no-such-indicator&#34;.`}},
		{"unknown area on the indicator page", "/areas/nowhere/indicators/repeat-cpp", "", http.StatusNotFound,
			[]string{`No area &#34;nowhere&#34;`}},
		{"unknown area on the area page", "/areas/nowhere", "", http.StatusNotFound,
			[]string{`<h1>We could not find that</h1>`, `No area &#34;nowhere&#34;`}},
		{"unknown area in the area picker", "/areas?area=nowhere", "", http.StatusNotFound,
			[]string{`<h1>We could not find that</h1>`, `No area &#34;nowhere&#34;`}},
		{"unknown area on the catalogue", "/indicators?area=nowhere", "", http.StatusNotFound,
			[]string{`<h1>We could not find that</h1>`, `No area &#34;nowhere&#34;`}},
		{"bad period", "/scorecards/poole-childrens-trust?period=not-a-period", "", http.StatusBadRequest,
			[]string{`<h1>There is a problem with the address</h1>`, `Error 400: Bad Request`}},
		{"unknown scorecard", "/scorecards/no-such-card", "", http.StatusNotFound,
			[]string{`No scorecard &#34;no-such-card&#34;.`}},
		{"unknown URL, from a browser", "/no/such/page", "text/html,application/xhtml+xml,*/*;q=0.8", http.StatusNotFound,
			[]string{`<h1>Page not found</h1>`, `There is no page at /no/such/page.`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			f.echo.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("Content-Type %q: %s", ct, rec.Body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP %q", csp)
			}
			html := rec.Body.String()
			for _, s := range append(tt.want, `<header class="site">`, `<a href="/">Go to the list of scorecards</a>`,
				`<select id="scorecard" name="scorecard">`, `<select id="area" name="area">`) {
				if !strings.Contains(html, s) {
					t.Errorf("missing %q in\n%s", s, html)
				}
			}
		})
	}
	// API clients keep the JSON body, even when they accept HTML; HEAD has no body.
	for _, tt := range []struct{ path, accept string }{
		{"/api/v1/charts/spine/no-such-card?area=839", "text/html"},
		{"/no/such/page", "application/json"},
		{"/no/such/page", ""},
	} {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		req.Header.Set("Accept", tt.accept)
		rec := httptest.NewRecorder()
		f.echo.ServeHTTP(rec, req)
		var body Problem
		if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code != "not_found" {
			t.Errorf("GET %s (Accept %q): %d %s", tt.path, tt.accept, rec.Code, rec.Body)
		}
	}
	req := httptest.NewRequest(http.MethodHead, "/scorecards/no-such-card", nil)
	rec := httptest.NewRecorder()
	f.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d %q", rec.Code, rec.Body)
	}
}
