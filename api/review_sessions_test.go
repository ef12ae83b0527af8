package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
)

// uploadWithCookies posts a return to poole_returns with the browser's cookies and headers.
func (b *browser) uploadWithCookies(headers ...string) *httptest.ResponseRecorder {
	b.tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets/poole_returns/revisions",
		strings.NewReader("indicator,area,period,value\n"+pooleRow))
	req.Header.Set("Content-Type", "text/csv")
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

// A request with the session cookie cannot skip the CSRF check by adding an empty, garbage or
// revoked Authorization header; with a valid Bearer token beside the cookie the token is the
// principal, and the CSRF check still applies because a cookie is sent (the safe side: a
// client holding both sends the token it has from the page).
func TestReviewCookieCannotSkipCSRF(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asUploaderOwn])
	before := f.revisionCount(t, "poole_returns")
	for _, h := range []string{"", " ", "Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "garbage", "Bearer " + f.secrets[asRevoked], "Bearer sct_not-a-token"} {
		rec := b.uploadWithCookies("Authorization", h)
		if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized {
			t.Errorf("cookie with Authorization %q and no CSRF token: %d %s", h, rec.Code, rec.Body)
		}
	}
	if rec := b.uploadWithCookies("Authorization", "Bearer "+f.secrets[asViewer]); rec.Code != http.StatusForbidden {
		t.Errorf("cookie with a viewer's Bearer: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before {
		t.Fatalf("refused uploads stored %d revisions", got-before)
	}
	token := csrf(t, b.do(http.MethodGet, poolePage, nil).Body.String())
	rec := b.uploadWithCookies("Authorization", "Bearer "+f.secrets[asAdmin], "X-CSRF-Token", token)
	if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"created_by":"analyst`) && !strings.Contains(rec.Body.String(), "admin [") {
		t.Errorf("the Bearer token wins over the cookie: %d %s", rec.Code, rec.Body)
	}
}

// A CSRF token of one session is refused in another, and a form POST to /sign-out from another
// site (no token) ends nothing; the cookies are SameSite=Strict.
func TestReviewCSRFAcrossSessions(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	a, b := newBrowser(t, f.handler), newBrowser(t, f.handler)
	a.mustSignIn(f.secrets[asUploaderOwn])
	b.mustSignIn(f.secrets[asAdmin])
	tokenA := csrf(t, a.do(http.MethodGet, poolePage, nil).Body.String())
	csrf(t, b.do(http.MethodGet, poolePage, nil).Body.String())
	if rec := b.do(http.MethodPost, "/sign-out", url.Values{"_csrf": {tokenA}}); rec.Code != http.StatusForbidden {
		t.Errorf("sign-out with another session's CSRF token: %d", rec.Code)
	}
	if rec := b.uploadWithCookies("X-CSRF-Token", tokenA); rec.Code != http.StatusForbidden {
		t.Errorf("upload with another session's CSRF token: %d %s", rec.Code, rec.Body)
	}
	rec := b.do(http.MethodPost, "/sign-out", url.Values{}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site", "Referer", "https://evil.example/")
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site sign-out: %d", rec.Code)
	}
	if code := b.do(http.MethodGet, "/api/v1/admin/tokens", nil, "Accept", "application/json").Code; code != http.StatusOK {
		t.Errorf("the session ended after refused sign-outs: %d", code)
	}
	signIn := newBrowser(t, f.handler).signIn(f.secrets[asAdmin], "")
	for _, name := range []string{api.SessionCookie, api.CSRFCookie} {
		if ck := cookieNamed(signIn, name); ck != nil && (ck.SameSite != http.SameSiteStrictMode || !ck.HttpOnly) {
			t.Errorf("cookie %s: SameSite %v HttpOnly %v", name, ck.SameSite, ck.HttpOnly)
		}
	}
}

// Sign-in flooding with wrong tokens is limited (429 with Retry-After), from one address.
func TestReviewSignInFlooding(t *testing.T) {
	f := newSecureFixture(t, api.Config{RefusalsPerMinute: 5})
	b := newBrowser(t, f.handler)
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		rec := b.signIn("sct_wrong-"+strings.Repeat("x", i), "")
		switch rec.Code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			limited = rec.Header().Get("Retry-After") != ""
		default:
			t.Fatalf("sign-in %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if !limited {
		t.Error("20 wrong sign-ins were never limited")
	}
}

// Every sign-in starts a new session with a new secret (no fixation), and signing in again in
// the same browser ends the session it replaces.
func TestReviewSessionFixation(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	b := newBrowser(t, f.handler)
	// A cookie planted before sign-in (here a real session of another token) is replaced.
	planted := newBrowser(t, f.handler)
	planted.mustSignIn(f.secrets[asViewer])
	b.cookies[api.SessionCookie] = planted.cookies[api.SessionCookie]
	b.mustSignIn(f.secrets[asAdmin])
	first := b.cookies[api.SessionCookie]
	if first == planted.cookies[api.SessionCookie] {
		t.Fatal("sign-in kept the planted session id")
	}
	b.mustSignIn(f.secrets[asAdmin])
	second := b.cookies[api.SessionCookie]
	if second == first {
		t.Fatal("signing in again kept the session id")
	}
	old := newBrowser(t, f.handler)
	old.cookies[api.SessionCookie] = first
	if code := old.do(http.MethodGet, "/api/v1/admin/tokens", nil, "Accept", "application/json").Code; code != http.StatusUnauthorized {
		t.Errorf("the replaced session still authenticates: %d", code)
	}
}

// HEAD and OPTIONS are no way round a write's checks: they upload nothing and sign nobody out.
func TestReviewHeadAndOptionsAreNotWrites(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asUploaderOwn])
	before := f.revisionCount(t, "poole_returns")
	for _, m := range []string{http.MethodHead, http.MethodOptions} {
		for _, path := range []string{"/api/v1/datasets/poole_returns/revisions", "/sign-out", "/sign-in"} {
			req := httptest.NewRequest(m, path, strings.NewReader("indicator,area,period,value\n"+pooleRow))
			req.Header.Set("Content-Type", "text/csv")
			for name, value := range b.cookies {
				req.AddCookie(&http.Cookie{Name: name, Value: value})
			}
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			if rec.Code < 200 || rec.Code == http.StatusCreated || rec.Code == http.StatusSeeOther || rec.Code >= 500 {
				t.Errorf("%s %s: %d", m, path, rec.Code)
			}
		}
	}
	if got := f.revisionCount(t, "poole_returns"); got != before {
		t.Errorf("HEAD/OPTIONS stored %d revisions", got-before)
	}
	if code := b.do(http.MethodGet, "/api/v1/datasets/poole_returns/revisions/1/diff", nil, "Accept", "application/json").Code; code == http.StatusUnauthorized {
		t.Error("HEAD/OPTIONS ended the session")
	}
}

// Sessions are kept in DuckDB: after a restart a signed-in browser is still signed in, and once
// its token is revoked (after the restart) the cookie authenticates nothing.
func TestReviewSessionAfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scorecard.duckdb")
	open := func() (*scorecard.App, http.Handler) {
		app, err := scorecard.Open(ctx, scorecard.Config{DBPath: path, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth}
		return app, srv.Handler()
	}
	app, h := open()
	tok, secret, err := app.Auth.Create(ctx, "restart-admin", auth.Admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	b.mustSignIn(secret)
	app.Close()

	app, h = open()
	defer app.Close()
	b.h = h
	adminTokens := func() int {
		return b.do(http.MethodGet, "/api/v1/admin/tokens", nil, "Accept", "application/json").Code
	}
	if code := adminTokens(); code != http.StatusOK {
		t.Fatalf("the session after a restart: %d", code)
	}
	if _, err := app.Auth.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	cookie := b.cookies[api.SessionCookie]
	if code := adminTokens(); code != http.StatusUnauthorized {
		t.Errorf("a revoked token's session: %d", code)
	}
	b.cookies[api.SessionCookie] = cookie // a browser that ignores the cleared cookie
	if code := adminTokens(); code != http.StatusUnauthorized {
		t.Errorf("a revoked token's session, cookie kept: %d", code)
	}
}
