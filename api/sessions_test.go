package api_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/charts"
)

// browser is a client that keeps cookies, as a person's browser does, and sends forms.
type browser struct {
	tb      testing.TB
	h       http.Handler
	cookies map[string]string
	// remote is the connection's address; tls marks requests as arriving over TLS.
	remote string
	tls    bool
}

func newBrowser(tb testing.TB, h http.Handler) *browser {
	return &browser{tb: tb, h: h, cookies: map[string]string{}, remote: "192.0.2.10:4000"}
}

// do sends a request with the browser's cookies; form, when not nil, is sent as a URL-encoded
// form; headers are name, value pairs. Cookies the answer sets or clears are kept.
func (b *browser) do(method, path string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	b.tb.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = b.remote
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	if b.tls {
		req.TLS = &tls.ConnectionState{}
	}
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.cookies, ck.Name)
		} else {
			b.cookies[ck.Name] = ck.Value
		}
	}
	return rec
}

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf is the CSRF token of the first form in a page.
func csrf(tb testing.TB, page string) string {
	tb.Helper()
	m := csrfFieldRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no CSRF field in the page:\n%s", page)
	}
	return m[1]
}

// signIn signs the browser in with secret through the sign-in form and returns the answer.
func (b *browser) signIn(secret, next string) *httptest.ResponseRecorder {
	b.tb.Helper()
	page := b.do(http.MethodGet, "/sign-in", nil)
	if page.Code != http.StatusOK {
		b.tb.Fatalf("GET /sign-in: %d", page.Code)
	}
	form := url.Values{"token": {secret}, "_csrf": {csrf(b.tb, page.Body.String())}}
	if next != "" {
		form.Set("next", next)
	}
	return b.do(http.MethodPost, "/sign-in", form)
}

// mustSignIn signs in and fails the test unless a session cookie was set.
func (b *browser) mustSignIn(secret string) {
	b.tb.Helper()
	rec := b.signIn(secret, "")
	if rec.Code != http.StatusSeeOther || b.cookies[api.SessionCookie] == "" {
		b.tb.Fatalf("sign-in: %d %s", rec.Code, rec.Body)
	}
}

func cookieNamed(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

const poolePage = "/areas/836/indicators/secondary-good-outstanding-schools"

// The sign-in page, the session cookie's attributes (Secure over TLS or from a trusted proxy
// only), a refused token, and the redirect after sign-in, which never leaves the site.
func TestSignIn(t *testing.T) {
	_, proxy, _ := net.ParseCIDR("10.0.0.0/8")
	f := newSecureFixture(t, api.Config{TrustedProxies: []*net.IPNet{proxy}}, "local_returns")
	b := newBrowser(t, f.handler)
	page := b.do(http.MethodGet, "/sign-in", nil)
	body := page.Body.String()
	for _, want := range []string{`<label for="token">API token</label>`, `id="token" name="token" type="password" autocomplete="off"`,
		"scorecard token create", `<form class="entry" method="post" action="/sign-in">`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if cc := page.Header().Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("sign-in page Cache-Control %q", cc)
	}
	if ck := cookieNamed(page, api.CSRFCookie); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure {
		t.Errorf("CSRF cookie %+v", ck)
	}

	// A wrong token: the form again, 401, with the reason in words; no session.
	rec := b.signIn("sct_"+strings.Repeat("A", 43), "")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), "That token was not accepted") ||
		!strings.Contains(rec.Body.String(), `type="password"`) || b.cookies[api.SessionCookie] != "" {
		t.Errorf("wrong token: %d, cookies %v\n%s", rec.Code, b.cookies, rec.Body)
	}

	// The right one: 303 to next, with the session cookie.
	rec = b.signIn(f.secrets[asUploaderOwn], "/scorecards/poole?area=836")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/scorecards/poole?area=836" {
		t.Fatalf("sign-in: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	ck := cookieNamed(rec, api.SessionCookie)
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure ||
		!strings.HasPrefix(ck.Value, auth.SessionSecretPrefix) || !ck.Expires.Equal(fixedNow().Add(auth.SessionLifetime)) {
		t.Errorf("session cookie over plain HTTP: %+v", ck)
	}
	if strings.Contains(f.logs.String(), f.secrets[asUploaderOwn]) || strings.Contains(f.logs.String(), ck.Value) {
		t.Error("a secret reached the log")
	}

	// Secure over TLS, and behind a trusted proxy that says https; not when anyone else says so.
	for _, tt := range []struct {
		name   string
		remote string
		tls    bool
		proto  string
		secure bool
	}{
		{"TLS", "192.0.2.10:4000", true, "", true},
		{"trusted proxy, https", "10.1.2.3:4000", false, "https", true},
		{"trusted proxy, http", "10.1.2.3:4000", false, "http", false},
		{"untrusted client claiming https", "192.0.2.10:4000", false, "https", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t, f.handler)
			b.remote, b.tls = tt.remote, tt.tls
			page := b.do(http.MethodGet, "/sign-in", nil, "X-Forwarded-Proto", tt.proto)
			if ck := cookieNamed(page, api.CSRFCookie); ck == nil || ck.Secure != tt.secure {
				t.Errorf("CSRF cookie %+v", ck)
			}
			rec := b.do(http.MethodPost, "/sign-in", url.Values{"token": {f.secrets[asViewer]}, "_csrf": {csrf(t, page.Body.String())}},
				"X-Forwarded-Proto", tt.proto)
			if ck := cookieNamed(rec, api.SessionCookie); rec.Code != http.StatusSeeOther || ck == nil || ck.Secure != tt.secure {
				t.Errorf("%d, session cookie %+v", rec.Code, ck)
			}
		})
	}

	// No open redirect: only a path on this site.
	for next, want := range map[string]string{
		"//evil.example":          "/datasets",
		"https://evil.example":    "/datasets",
		"/\\evil.example":         "/datasets",
		"javascript:alert(1)":     "/datasets",
		"evil.example/x":          "/datasets",
		"/%0d%0aSet-Cookie:x=1":   "/%0d%0aSet-Cookie:x=1",
		"":                        "/datasets",
		"/sign-in?next=/x":        "/datasets",
		"/areas/836/indicators/x": "/areas/836/indicators/x",
	} {
		b := newBrowser(t, f.handler)
		rec := b.signIn(f.secrets[asViewer], next)
		if got := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || got != want {
			t.Errorf("next=%q: %d to %q, want %q", next, rec.Code, got, want)
		}
	}
}

// Every form needs its CSRF token: sign-in (against login CSRF), sign-out, the commentary form
// and API writes made with the session cookie; Bearer clients need none.
func TestCSRF(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	b := newBrowser(t, f.handler)

	// Sign-in without the token (or with another) is refused with an HTML page.
	b.do(http.MethodGet, "/sign-in", nil)
	for _, token := range []string{"", "not-the-token"} {
		form := url.Values{"token": {f.secrets[asAdmin]}}
		if token != "" {
			form.Set("_csrf", token)
		}
		rec := b.do(http.MethodPost, "/sign-in", form, "Sec-Fetch-Site", "same-origin")
		if rec.Code != http.StatusForbidden || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(rec.Body.String(), "security token is missing or out of date") || b.cookies[api.SessionCookie] != "" {
			t.Errorf("sign-in with CSRF token %q: %d %s", token, rec.Code, rec.Header().Get("Content-Type"))
		}
	}

	b.mustSignIn(f.secrets[asUploaderOwn])
	before := f.revisionCount(t, "poole_returns")
	upload := b.uploadWithCookies
	// The API answers a refused CSRF in JSON.
	if rec := upload(); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), `"code":"forbidden"`) {
		t.Errorf("upload with the session cookie and no CSRF token: %d %s", rec.Code, rec.Body)
	}
	if rec := upload("X-CSRF-Token", "wrong"); rec.Code != http.StatusForbidden {
		t.Errorf("upload with a wrong CSRF token: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before {
		t.Fatalf("refused uploads stored revisions: %d, want %d", got, before)
	}
	// With the token from a page it is the uploader's upload.
	token := csrf(t, b.do(http.MethodGet, poolePage, nil).Body.String())
	if rec := upload("X-CSRF-Token", token); rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), "uploader-own-area") {
		t.Errorf("upload with the session cookie and CSRF token: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before+1 {
		t.Errorf("revisions %d, want %d", got, before+1)
	}
	// An upload form (multipart): the token is read from the form's first part, and the file
	// after it is uploaded; a token after the file, or none, is refused and nothing is stored.
	multipartUpload := func(fields ...string) *httptest.ResponseRecorder {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "file" {
				fw, _ := w.CreateFormFile("file", "poole.csv")
				fw.Write([]byte(fields[i+1]))
			} else {
				w.WriteField(fields[i], fields[i+1])
			}
		}
		w.Close()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets/poole_returns/revisions", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		for name, value := range b.cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		return rec
	}
	csvFile := "indicator,area,period,value\n" + pooleRow
	if rec := multipartUpload("file", csvFile, "_csrf", token); rec.Code != http.StatusForbidden {
		t.Errorf("multipart upload with the token after the file: %d %s", rec.Code, rec.Body)
	}
	if rec := multipartUpload("_csrf", "wrong", "file", csvFile); rec.Code != http.StatusForbidden {
		t.Errorf("multipart upload with a wrong token: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before+1 {
		t.Fatalf("refused multipart uploads stored revisions: %d, want %d", got, before+1)
	}
	if rec := multipartUpload("_csrf", token, "file", csvFile); rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"poole.csv"`) {
		t.Errorf("multipart upload with the token first: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before+2 {
		t.Errorf("revisions %d, want %d", got, before+2)
	}

	// The cookie carries the token's role: an uploader may not read the audit log.
	if rec := b.do(http.MethodGet, "/api/v1/audit", nil, "Accept", "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("audit log as an uploader's session: %d", rec.Code)
	}

	// Sign-out needs the token too.
	if rec := b.do(http.MethodPost, "/sign-out", url.Values{}); rec.Code != http.StatusForbidden || b.cookies[api.SessionCookie] == "" {
		t.Errorf("sign-out without CSRF token: %d", rec.Code)
	}

	// A Bearer client needs no CSRF token, and is not affected by cookies it does not send.
	if rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
		csvBody("indicator,area,period,value\n"+pooleRow)); rec.Code != http.StatusCreated {
		t.Errorf("Bearer upload: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodGet, "/api/v1/audit", nil); rec.Code != http.StatusOK {
		t.Errorf("Bearer read: %d", rec.Code)
	}
}

// A session ends with sign-out, with its token's revocation and at its expiry: the old cookie
// no longer authenticates anything.
func TestSessionEnds(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	adminPage := func(b *browser) int {
		return b.do(http.MethodGet, "/api/v1/admin/tokens", nil, "Accept", "application/json").Code
	}

	t.Run("sign-out", func(t *testing.T) {
		b := newBrowser(t, f.handler)
		b.mustSignIn(f.secrets[asAdmin])
		if code := adminPage(b); code != http.StatusOK {
			t.Fatalf("admin read by session: %d", code)
		}
		old := b.cookies[api.SessionCookie]
		page := b.do(http.MethodGet, "/", nil).Body.String()
		if !strings.Contains(page, "Signed in as admin (admin, all areas)") || !strings.Contains(page, `<form method="post" action="/sign-out">`) {
			t.Errorf("site header when signed in:\n%s", page)
		}
		rec := b.do(http.MethodPost, "/sign-out", url.Values{"_csrf": {csrf(t, page)}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" || b.cookies[api.SessionCookie] != "" {
			t.Fatalf("sign-out: %d, cookies %v", rec.Code, b.cookies)
		}
		b.cookies[api.SessionCookie] = old // a copy of the cookie kept from before
		if code := adminPage(b); code != http.StatusUnauthorized {
			t.Errorf("admin read with the signed-out cookie: %d", code)
		}
		if page := b.do(http.MethodGet, "/", nil).Body.String(); strings.Contains(page, "Signed in as") || !strings.Contains(page, ">Sign in</a>") {
			t.Error("the signed-out cookie still shows as signed in")
		}
	})

	t.Run("revoked token", func(t *testing.T) {
		tok, secret, err := f.app.Auth.Create(context.Background(), "analyst", auth.Uploader, []string{"836"})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, f.handler)
		b.mustSignIn(secret)
		page := b.do(http.MethodGet, poolePage, nil).Body.String()
		if !strings.Contains(page, "Signed in as analyst (uploader, Poole)") {
			t.Fatalf("site header:\n%s", page)
		}
		if rec := f.call(t, asAdmin, http.MethodDelete, "/api/v1/admin/tokens/"+tok.ID, nil); rec.Code != http.StatusOK {
			t.Fatalf("revoke: %d", rec.Code)
		}
		form := url.Values{"_csrf": {csrf(t, page)}, "period": {"2016-17 Q4"}, "text": {"After revocation."}}
		if rec := b.do(http.MethodPost, poolePage+"/commentary", form); rec.Code != http.StatusUnauthorized {
			t.Errorf("commentary with the revoked token's session: %d", rec.Code)
		}
		if b.cookies[api.SessionCookie] != "" {
			t.Error("the browser was not told to drop the ended session's cookie")
		}
		cs, _ := f.engine.Comments(context.Background(), "secondary-good-outstanding-schools", "836", "")
		if len(cs) != 0 {
			t.Errorf("a comment was stored: %+v", cs)
		}
	})

	t.Run("expired", func(t *testing.T) {
		// A fixture of its own, whose clock is set before any request (audit records are
		// written after the answer, reading the clock).
		f := newSecureFixture(t, api.Config{})
		var elapsed atomic.Int64
		f.app.Auth.Now = func() time.Time { return fixedNow().Add(time.Duration(elapsed.Load())) }
		b := newBrowser(t, f.handler)
		b.mustSignIn(f.secrets[asAdmin])
		elapsed.Store(int64(auth.SessionLifetime - time.Second))
		if code := adminPage(b); code != http.StatusOK {
			t.Errorf("a second before expiry: %d", code)
		}
		elapsed.Store(int64(auth.SessionLifetime))
		if code := adminPage(b); code != http.StatusUnauthorized {
			t.Errorf("at expiry: %d", code)
		}
	})
}

// A signed-in page is never served from the shared cache or kept in it, and is private.
func TestSignedInPagesAreNotShared(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	anon := newBrowser(t, f.handler)
	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asUploaderOwn])

	// Anonymous first: cached; the signed-in browser does not get that copy.
	if rec := anon.do(http.MethodGet, poolePage, nil); rec.Code != 200 || rec.Header().Get("X-Cache") != "miss" {
		t.Fatalf("anonymous: %d %q", rec.Code, rec.Header().Get("X-Cache"))
	}
	if rec := anon.do(http.MethodGet, poolePage, nil); rec.Header().Get("X-Cache") != "hit" {
		t.Fatalf("anonymous again: %q", rec.Header().Get("X-Cache"))
	}
	rec := b.do(http.MethodGet, poolePage, nil)
	if rec.Header().Get("X-Cache") == "hit" || !strings.Contains(rec.Body.String(), "Signed in as uploader-own-area") ||
		rec.Header().Get("Cache-Control") != "private, no-store" {
		t.Errorf("signed in after anonymous: X-Cache %q, Cache-Control %q", rec.Header().Get("X-Cache"), rec.Header().Get("Cache-Control"))
	}
	// Signed in first, on another page: the anonymous browser does not get that copy.
	other := "/areas/836/indicators/secondary-good-outstanding-schools?period=2016-17+Q4"
	b.do(http.MethodGet, other, nil)
	b.do(http.MethodGet, other, nil)
	rec = anon.do(http.MethodGet, other, nil)
	if rec.Header().Get("X-Cache") != "miss" || strings.Contains(rec.Body.String(), "Signed in as") || strings.Contains(rec.Body.String(), "_csrf") {
		t.Errorf("anonymous after signed in: X-Cache %q", rec.Header().Get("X-Cache"))
	}
	// The charts' script keeps its long-lived caching.
	if rec := b.do(http.MethodGet, charts.ScriptURL, nil); rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Cache-Control"), "public") {
		t.Errorf("chart script with the cookie: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	// JSON read with the cookie: private too.
	if rec := b.do(http.MethodGet, "/api/v1/indicators", nil, "Accept", "application/json"); rec.Code != 200 ||
		rec.Header().Get("Cache-Control") != "private, no-store" || rec.Header().Get("X-Cache") == "hit" {
		t.Errorf("API read with the cookie: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
}

// The indicator page's form adds a note through the same engine.AddComment as the API, posted
// by the signed-in token; refused notes come back in words; a token without rights gets 403.
func TestCommentaryFromThePage(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	anon := newBrowser(t, f.handler)
	if page := anon.do(http.MethodGet, poolePage, nil).Body.String(); !strings.Contains(page, `>Sign in to add a note</a>`) ||
		strings.Contains(page, `name="text"`) {
		t.Error("anonymous page: no sign-in link, or a form")
	}

	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asUploaderOwn])
	page := b.do(http.MethodGet, poolePage, nil).Body.String()
	for _, want := range []string{
		`<form class="entry no-print" method="post" action="/areas/E06000029/indicators/secondary-good-outstanding-schools/commentary"`,
		`<label for="note-period">Period</label>`, `<option value="2016-17 Q4" selected>`,
		`<label for="note-text">Note</label>`, `name="author" type="text" value="uploader-own-area"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %q", want)
		}
	}
	token := csrf(t, page)
	action := "/areas/E06000029/indicators/secondary-good-outstanding-schools/commentary"

	// Refused: the page again, 422, with the problems in words (no JSON), the text kept.
	rec := b.do(http.MethodPost, action, url.Values{"_csrf": {token}, "period": {"2016-17 Q4"}, "text": {"  "}, "author": {"Performance team"}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), "The note was not saved") || !strings.Contains(rec.Body.String(), "<li>Note: The comment is empty") ||
		!strings.Contains(rec.Body.String(), `value="Performance team"`) {
		t.Errorf("empty note: %d %s\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	rec = b.do(http.MethodPost, action, url.Values{"_csrf": {token}, "period": {"2016-17 Q4"}, "text": {"sct_abc"}, "author": {"Performance team"}})
	if rec.Code != http.StatusUnprocessableEntity || strings.Contains(rec.Body.String(), "sct_abc") ||
		!strings.Contains(rec.Body.String(), "<li>Note: It looks like an API token secret") {
		t.Errorf("a secret in the note: %d, or shown again\n%s", rec.Code, rec.Body)
	}
	rec = b.do(http.MethodPost, action, url.Values{"_csrf": {token}, "period": {"2031-32"}, "text": {"Too early."}})
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "<li>Period: The period 2031-32 has not begun yet") ||
		!strings.Contains(rec.Body.String(), ">Too early.</textarea>") {
		t.Errorf("future period: %d\n%s", rec.Code, rec.Body)
	}
	// Without the CSRF token: refused, nothing stored.
	if rec := b.do(http.MethodPost, action, url.Values{"period": {"2016-17 Q4"}, "text": {"No token."}}); rec.Code != http.StatusForbidden {
		t.Errorf("without CSRF token: %d", rec.Code)
	}

	// Saved: back to the page, which lists it with its poster.
	rec = b.do(http.MethodPost, action, url.Values{"_csrf": {token}, "period": {"2016-17 Q4"}, "text": {"Two schools re-inspected in June.\nBoth now good."},
		"author": {"Performance team"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/areas/E06000029/indicators/secondary-good-outstanding-schools#notes" {
		t.Fatalf("note: %d to %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	cs, err := f.engine.Comments(context.Background(), "secondary-good-outstanding-schools", "836", "2016-17 Q4")
	if err != nil || len(cs) != 1 || cs[0].Author != "Performance team" || cs[0].PostedBy.TokenID != f.tokens[asUploaderOwn].ID ||
		cs[0].Text != "Two schools re-inspected in June.\nBoth now good." {
		t.Fatalf("stored comments %+v, %v", cs, err)
	}
	for _, p := range []*browser{b, anon} {
		page := p.do(http.MethodGet, "/areas/E06000029/indicators/secondary-good-outstanding-schools", nil).Body.String()
		if !strings.Contains(page, "<p class=\"note-text\">Two schools re-inspected in June.\nBoth now good.</p>") ||
			!strings.Contains(page, "Posted with uploader-own-area ["+f.tokens[asUploaderOwn].ID+"]") {
			t.Errorf("the note is not on the page")
		}
	}

	// A token for another area sees no form, and its post is refused with a 403 page.
	other := newBrowser(t, f.handler)
	other.mustSignIn(f.secrets[asUploaderOther])
	page = other.do(http.MethodGet, poolePage, nil).Body.String()
	if strings.Contains(page, `name="text"`) || !strings.Contains(page, "may not add notes for Poole") {
		t.Error("a token for other areas is offered the form")
	}
	rec = other.do(http.MethodPost, action, url.Values{"_csrf": {csrf(t, page)}, "period": {"2016-17 Q4"}, "text": {"Not mine."}})
	if rec.Code != http.StatusForbidden || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), "You cannot see this page") {
		t.Errorf("other area: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if cs, _ := f.engine.Comments(context.Background(), "secondary-good-outstanding-schools", "836", ""); len(cs) != 1 {
		t.Errorf("comments %d, want 1", len(cs))
	}
}
