package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A repeated read is served from the cache with the same body; a write (here a comment)
// changes the data version, so the next read renders afresh and shows the change.
func TestResponseCacheServesUntilAWrite(t *testing.T) {
	f := newFixture(t, "local_returns")
	const path = "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836"
	first := f.do(t, http.MethodGet, path, nil)
	if first.Code != http.StatusOK || first.Header().Get("X-Cache") != "miss" {
		t.Fatalf("first read: %d, X-Cache %q", first.Code, first.Header().Get("X-Cache"))
	}
	second := f.do(t, http.MethodGet, path, nil)
	if second.Header().Get("X-Cache") != "hit" {
		t.Fatalf("second read: X-Cache %q, want hit", second.Header().Get("X-Cache"))
	}
	if second.Body.String() != first.Body.String() || second.Header().Get("Content-Type") != first.Header().Get("Content-Type") {
		t.Fatal("the cached response differs from the rendered one")
	}
	// Another URI is another entry.
	if other := f.do(t, http.MethodGet, path+"&x=1", nil); other.Header().Get("X-Cache") != "miss" {
		t.Fatalf("another URI: X-Cache %q, want miss", other.Header().Get("X-Cache"))
	}

	comment := f.do(t, http.MethodPost, "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary",
		&requestBody{contentType: "application/json", data: []byte(`{"period": "2016-17 Q4", "text": "Two schools left special measures", "author": "Poole performance team"}`)})
	if comment.Code != http.StatusCreated {
		t.Fatalf("comment: %d %s", comment.Code, comment.Body)
	}
	third := f.do(t, http.MethodGet, path, nil)
	if third.Header().Get("X-Cache") != "miss" {
		t.Fatalf("read after a write: X-Cache %q, want miss", third.Header().Get("X-Cache"))
	}
	if !strings.Contains(third.Body.String(), "Two schools left special measures") {
		t.Fatal("the read after the comment does not show it")
	}
	// Errors are never cached.
	for range 2 {
		if rec := f.do(t, http.MethodGet, "/api/v1/indicators/no-such-indicator", nil); rec.Code != http.StatusNotFound || rec.Header().Get("X-Cache") != "miss" {
			t.Fatalf("missing indicator: %d, X-Cache %q", rec.Code, rec.Header().Get("X-Cache"))
		}
	}
}
