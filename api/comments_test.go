package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
)

const poolePath = "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary"

// commentJSON is a comment as the API serves it.
type commentJSON struct {
	ID       int64  `json:"id"`
	Author   string `json:"author"`
	Text     string `json:"text"`
	PostedBy *struct {
		TokenID   *string `json:"token_id"`
		TokenName string  `json:"token_name"`
	} `json:"posted_by"`
}

// detailJSON is an error body with its details' fields.
type detailJSON struct {
	Code     string `json:"code"`
	Problems []struct {
		Field  string `json:"field"`
		Value  string `json:"value"`
		Reason string `json:"reason"`
	} `json:"problems"`
}

// Finding 9: the body's author cannot replace the token's identity. Whatever the body claims, the
// comment records and serves the token that posted it (name and id) in posted_by, in JSON, CSV
// and on the exception page; author is only the display name beside it.
func TestFinding9CommentAuthorshipCannotBeForged(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	tok := f.tokens[asUploaderOwn]
	for _, tt := range []struct {
		name, body, header, wantAuthor string
	}{
		{"author claims to be the admin", `{"period":"2016-17 Q4","text":"Two schools re-inspected.","author":"admin"}`, "", "admin"},
		{"no author: the X-Uploaded-By header", `{"period":"2016-17 Q4","text":"Second note."}`, "Performance team", "Performance team"},
		{"no author and no header: the token's name", `{"period":"2016-17 Q4","text":"Third note."}`, "", tok.Name},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.header != "" {
				headers = []string{"X-Uploaded-By", tt.header}
			}
			rec := f.call(t, asUploaderOwn, http.MethodPost, poolePath, jsonBody(tt.body), headers...)
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			c := decode[commentJSON](t, rec.Body.Bytes())
			if c.Author != tt.wantAuthor || c.PostedBy == nil || c.PostedBy.TokenID == nil ||
				*c.PostedBy.TokenID != tok.ID || c.PostedBy.TokenName != "uploader-own-area" {
				t.Errorf("comment %s: want author %q posted by uploader-own-area [%s]", rec.Body, tt.wantAuthor, tok.ID)
			}
		})
	}

	list := decode[struct{ Data []commentJSON }](t, f.call(t, asViewer, http.MethodGet, poolePath, nil).Body.Bytes())
	if len(list.Data) != 3 {
		t.Fatalf("list: %+v", list)
	}
	for _, c := range list.Data {
		if c.PostedBy == nil || *c.PostedBy.TokenID != tok.ID || c.PostedBy.TokenName != tok.Name {
			t.Errorf("listed comment %d without its poster: %+v", c.ID, c.PostedBy)
		}
	}
	csv := f.call(t, asViewer, http.MethodGet, poolePath+"?format=csv", nil).Body.String()
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); !strings.HasSuffix(lines[0], ",posted_by_token_id,posted_by_token_name") ||
		!strings.HasSuffix(strings.TrimSpace(lines[1]), ","+tok.ID+",uploader-own-area") {
		t.Errorf("CSV without the poster:\n%s", csv)
	}
	page := f.call(t, asNone, http.MethodGet, "/scorecards/poole-childrens-trust/exceptions?area=836", nil).Body.String()
	if want := "admin (posted by uploader-own-area [" + tok.ID + "]), 23 November 2026, on 2016-17 Q4"; !strings.Contains(page, want) {
		t.Errorf("exception page does not show the poster %q", want)
	}
}

// Finding 9, with authentication off (loopback development): the poster is the fixed local
// identity, without a token id.
func TestFinding9CommentPosterWithAuthOff(t *testing.T) {
	f := newFixture(t, "local_returns")
	rec := f.do(t, http.MethodPost, poolePath, jsonBody(`{"period":"2016-17 Q4","text":"Local note.","author":"admin"}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if got := string(raw["posted_by"]); got != `{"token_name":"local (auth off)"}` || string(raw["author"]) != `"admin"` {
		t.Errorf("posted_by %s author %s", got, raw["author"])
	}
}

// Finding 13 and 16 through the API: a token-shaped secret in a comment's text or author, or in
// a token's name, is refused with 422 and a detail naming the field and saying why, and the
// secret is not echoed; over-long fields are refused with the limit in characters.
func TestFinding13And16CommentAndTokenNameRefused(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	secret := f.secrets[asViewer] // a real, live secret pasted by mistake
	enc := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, tt := range []struct {
		name, path, body, field, reason string
	}{
		{"secret in comment text", poolePath, `{"period":"2016-17 Q4","author":"me","text":` + enc("use "+secret) + `}`,
			"text", "it looks like an API token secret"},
		{"secret in comment author", poolePath, `{"period":"2016-17 Q4","author":` + enc(secret) + `,"text":"ok"}`,
			"author", "revoke that token"},
		{"100 KB author", poolePath, `{"period":"2016-17 Q4","author":"` + strings.Repeat("a", 100*1024) + `","text":"ok"}`,
			"author", "longer than 200 characters"},
		{"control character in text", poolePath, `{"period":"2016-17 Q4","author":"me","text":"a\u0007b"}`,
			"text", "control characters"},
		{"secret in token name", "/api/v1/admin/tokens", `{"name":` + enc("bi "+secret) + `,"role":"viewer"}`,
			"name", "it looks like an API token secret"},
		{"token name of 101 characters", "/api/v1/admin/tokens", `{"name":"` + strings.Repeat("é", 101) + `","role":"viewer"}`,
			"name", "longer than 100 characters (it has 101)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.call(t, asAdmin, http.MethodPost, tt.path, jsonBody(tt.body))
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %.300s", rec.Code, rec.Body)
			}
			e := decode[detailJSON](t, rec.Body.Bytes())
			if e.Code != "invalid" || len(e.Problems) != 1 || e.Problems[0].Field != tt.field ||
				!strings.Contains(e.Problems[0].Reason, tt.reason) {
				t.Errorf("error %.300s, want field %s: %q", rec.Body, tt.field, tt.reason)
			}
			if strings.Contains(rec.Body.String(), secret) {
				t.Error("the response repeats the secret")
			}
		})
	}
	// A token name of 100 two-byte characters is within the limit (characters, not bytes).
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/admin/tokens", jsonBody(`{"name":"`+strings.Repeat("é", 100)+`","role":"viewer"}`))
	if rec.Code != http.StatusCreated {
		t.Errorf("100-character name: %d %s", rec.Code, rec.Body)
	}
	list := decode[struct{ Data []commentJSON }](t, f.call(t, asViewer, http.MethodGet, poolePath, nil).Body.Bytes())
	if len(list.Data) != 0 {
		t.Errorf("refused comments were stored: %+v", list.Data)
	}
}

// Finding 16: comment posting is rate-limited per token, with a 429 that says the limit.
func TestFinding16CommentsAreRateLimitedPerToken(t *testing.T) {
	f := newSecureFixture(t, api.Config{CommentsPerMinute: 3})
	post := func(who string) *httptest.ResponseRecorder {
		return f.call(t, who, http.MethodPost, "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary",
			jsonBody(`{"period":"2016-17 Q4","text":"Two schools re-inspected in June.","author":"Performance team"}`))
	}
	for i := range 3 {
		if rec := post(asAdmin); rec.Code != http.StatusCreated {
			t.Fatalf("comment %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := post(asAdmin)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "20" || !strings.Contains(rec.Body.String(), "at most 3 a minute") {
		t.Fatalf("fourth comment: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	// Another token has its own budget.
	if rec := post(asUploaderOwn); rec.Code != http.StatusCreated {
		t.Errorf("another token's comment: %d %s", rec.Code, rec.Body)
	}
}
