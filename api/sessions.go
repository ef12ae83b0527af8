package api

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/charts"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Browser sign-in.
//
// An analyst signs in once at /sign-in with an API token; the server starts a session
// (auth.Service.StartSessionFor) and keeps its secret in the SessionCookie. From then on
// authenticate accepts the cookie as it accepts "Authorization: Bearer": the request's
// principal is the session's token, with its role and areas, and pages and handlers see only
// that principal. A Bearer header wins when both are present. A single sign-on callback would
// start the session with another auth.SignIn and call setSessionCookie; nothing else changes.
//
// Every form is protected against cross-site request forgery by csrfProtect (echo's CSRF
// middleware, double-submit cookie): page templates embed the token with
// {{template "csrf" .}}, reading the CSRF field of the data they are given (fill it with
// csrfToken(c)).

// Cookie and form names of the browser session.
const (
	// SessionCookie holds a session's secret (HttpOnly, SameSite=Strict, Path=/, Secure over
	// TLS).
	SessionCookie = "scorecard_session"
	// CSRFCookie holds the CSRF token that forms echo back (HttpOnly, SameSite=Strict, Path=/).
	CSRFCookie = "scorecard_csrf"
	// CSRFField is the form field of the CSRF token; API clients using the session cookie send
	// it as the X-CSRF-Token header instead.
	CSRFField = "_csrf"
)

// Context keys of the session layer.
const (
	keySession  = "session"   // *auth.Session, when the request was authenticated by the cookie
	keyCSRF     = "csrf"      // the CSRF token for this request's forms
	keySignedIn = "signed_in" // *signedInUser, for the site header
)

// defaultAfterSignIn is where sign-in leads without a next path.
const defaultAfterSignIn = "/datasets"

// session returns the session that authenticated the request, nil when it was not a session
// (no cookie, a Bearer token, or authentication off).
func session(c echo.Context) *auth.Session {
	s, _ := c.Get(keySession).(*auth.Session)
	return s
}

// csrfToken is the CSRF token to embed in the request's forms (the CSRF field of a page's data,
// written by {{template "csrf" .}}). It is empty on requests csrfProtect did not run for
// (anonymous reads of pages without forms).
func csrfToken(c echo.Context) string {
	t, _ := c.Get(keyCSRF).(string)
	return t
}

// secureRequest reports whether the request reached the service over TLS: directly, or through
// one of Config.TrustedProxies that says so with X-Forwarded-Proto (from anyone else the header
// is ignored). Cookies are marked Secure then.
func (s *Server) secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get(echo.HeaderXForwardedProto)), "https") {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range s.Config.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// cookie is a session-layer cookie with the attributes every one of them has.
func (s *Server) cookie(c echo.Context, name, value string) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.secureRequest(c.Request())}
}

// setSessionCookie gives the browser the session's secret, until the session expires.
func (s *Server) setSessionCookie(c echo.Context, secret string, sess *auth.Session) {
	ck := s.cookie(c, SessionCookie, secret)
	ck.Expires = sess.ExpiresAt
	c.SetCookie(ck)
}

// clearCookie tells the browser to drop a cookie.
func (s *Server) clearCookie(c echo.Context, name string) {
	ck := s.cookie(c, name, "")
	ck.MaxAge = -1
	ck.Expires = time.Unix(0, 0)
	c.SetCookie(ck)
}

// hasSessionCookie reports whether the request carries a session cookie (valid or not).
func hasSessionCookie(r *http.Request) bool {
	ck, err := r.Cookie(SessionCookie)
	return err == nil && ck.Value != ""
}

// authenticateSession authenticates the request by its session cookie. ok is false when there is
// none or it is no longer valid (signed out, expired, revoked): the request goes on anonymous and
// the browser is told to drop the cookie. err is a failure of the check itself.
func (s *Server) authenticateSession(c echo.Context) (ok bool, err error) {
	ck, cerr := c.Cookie(SessionCookie)
	if cerr != nil || ck.Value == "" || s.Auth == nil {
		return false, nil
	}
	tok, sess, err := s.Auth.SessionToken(c.Request().Context(), ck.Value)
	if err != nil {
		if errs.CodeOf(err) == errs.Unauthorized {
			s.clearCookie(c, SessionCookie)
			return false, nil
		}
		return false, err
	}
	c.Set(keyPrincipal, tok)
	c.Set(keySession, sess)
	c.Set(keySignedIn, s.signedIn(c))
	return true, nil
}

// privateSessions marks every answer to a request carrying a session cookie "Cache-Control:
// private, no-store": it may show who is signed in and hold their CSRF token, so no shared cache
// (nor the browser's) may keep it. The response cache passes such requests by (see
// responseCache.Middleware). The charts' assets, the same for everyone, keep their long-lived
// caching.
func privateSessions(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if hasSessionCookie(c.Request()) && !strings.HasPrefix(c.Request().URL.Path, charts.AssetsPath) {
			res := c.Response()
			res.Before(func() { res.Header().Set(echo.HeaderCacheControl, "private, no-store") })
		}
		return next(c)
	}
}

// csrfProtect is echo's CSRF middleware (double-submit cookie: the token in CSRFCookie must come
// back in the CSRFField form field or the X-CSRF-Token header). It checks every unsafe request
// that carries a session cookie and every page form (any unsafe request outside /api/, sign-in
// included, against login CSRF); it is skipped for API requests without a session cookie, such as
// clients with "Authorization: Bearer", which a browser cannot send cross-site. It issues the
// token on reads by a signed-in browser and on the sign-in page.
//
// A multipart form (an upload) carries its token in its first part (multipartCSRF), so the
// upload is not read before its handler limits it.
//
// The Sec-Fetch-Site header is taken out of the check: echo would let a same-origin request
// through without a token, but here every form carries a real token and every unsafe request
// without one is refused, whatever the browser says about itself. A refusal is 403 (an HTML page
// for a browser, JSON for the API), limited like other refusals.
func (s *Server) csrfProtect() echo.MiddlewareFunc {
	build := func(secure bool, form string) echo.MiddlewareFunc {
		lookup := "header:" + echo.HeaderXCSRFToken
		if form != "" {
			lookup += "," + form
		}
		return middleware.CSRFWithConfig(middleware.CSRFConfig{
			TokenLookup:    lookup,
			ContextKey:     keyCSRF,
			CookieName:     CSRFCookie,
			CookiePath:     "/",
			CookieMaxAge:   int(auth.SessionLifetime / time.Second),
			CookieSecure:   secure,
			CookieHTTPOnly: true,
			CookieSameSite: http.SameSiteStrictMode,
			ErrorHandler: func(err error, c echo.Context) error {
				return s.refuse(c, errs.Errorf(errs.Forbidden,
					"the form could not be accepted because its security token is missing or out of date: go back, reload the page and try again"))
			},
		})
	}
	plain, secure := build(false, "form:"+CSRFField), build(true, "form:"+CSRFField)
	// Multipart forms (uploads) are never parsed whole here: their token is read from their
	// first part (multipartCSRF) and checked as the header.
	plainMultipart, secureMultipart := build(false, ""), build(true, "")
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		plainNext, secureNext := plain(next), secure(next)
		plainMultipartNext, secureMultipartNext := plainMultipart(next), secureMultipart(next)
		return func(c echo.Context) error {
			req := c.Request()
			cookie := hasSessionCookie(req)
			if isWrite(req.Method) {
				api := strings.HasPrefix(req.URL.Path, "/api/")
				if !cookie && (api || req.Header.Get(echo.HeaderAuthorization) != "") {
					return next(c)
				}
			} else if session(c) == nil && req.URL.Path != signInPath {
				return next(c)
			}
			req.Header.Del(echo.HeaderSecFetchSite)
			if isWrite(req.Method) && isMultipart(req) {
				if req.Header.Get(echo.HeaderXCSRFToken) == "" {
					if token := multipartCSRF(req); token != "" {
						req.Header.Set(echo.HeaderXCSRFToken, token)
					}
				}
				if s.secureRequest(req) {
					return secureMultipartNext(c)
				}
				return plainMultipartNext(c)
			}
			if s.secureRequest(req) {
				return secureNext(c)
			}
			return plainNext(c)
		}
	}
}

// isMultipart reports whether the request's body is multipart/form-data.
func isMultipart(req *http.Request) bool {
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	return err == nil && mt == echo.MIMEMultipartForm
}

// multipartCSRF reads the CSRF token of a multipart form from its first part, without reading
// the rest of the body (an upload's file, which its handler streams and limits): a multipart form
// must put {{template "csrf" .}} first, before its file input. The bytes read (at most 16 KiB)
// are put back in front of the body, so the handler reads the whole form. It returns "" when the
// first part is not the CSRF field.
func multipartCSRF(req *http.Request) string {
	_, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || params["boundary"] == "" || req.Body == nil {
		return ""
	}
	var seen bytes.Buffer
	mr := multipart.NewReader(io.TeeReader(io.LimitReader(req.Body, 16<<10), &seen), params["boundary"])
	token := ""
	if part, err := mr.NextPart(); err == nil && part.FormName() == CSRFField && part.FileName() == "" {
		b, _ := io.ReadAll(io.LimitReader(part, 256))
		token = strings.TrimSpace(string(b))
	}
	req.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(seen.Bytes()), req.Body), req.Body}
	return token
}

// safeNext is the same-site path to go to after signing in: next when it is a path on this
// site (one leading "/", not "//" or "/\", which browsers read as another host; no scheme, host
// or control characters; not the sign-in or sign-out page), else defaultAfterSignIn. It is what
// stops an open redirect.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return defaultAfterSignIn
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path == signInPath || u.Path == signOutPath {
		return defaultAfterSignIn
	}
	return next
}

// Routes of the sign-in pages.
const (
	signInPath  = "/sign-in"
	signOutPath = "/sign-out"
)

// registerSessions adds the sign-in and sign-out pages.
func (s *Server) registerSessions(e *echo.Echo, allow func(policy, ...*echo.Route)) {
	allow(policyPublic,
		get(e, signInPath, s.signInPage),
		e.POST(signInPath, s.signIn),
		e.POST(signOutPath, s.signOut))
}

// signInData is what the sign-in page shows.
type signInData struct {
	CSRF    string
	Next    string
	Error   string
	AuthOff bool
	// SignedIn names who is signed in already, if anyone.
	SignedIn string
}

// signInPage is GET /sign-in?next=: the form to sign in with an API token.
func (s *Server) signInPage(c echo.Context) error {
	return s.writeSignIn(c, http.StatusOK, "")
}

func (s *Server) writeSignIn(c echo.Context, status int, message string) error {
	d := signInData{CSRF: csrfToken(c), Error: message, AuthOff: s.Config.AuthOff}
	if next := c.FormValue("next"); safeNext(next) == next {
		d.Next = next
	}
	if tok := principal(c); tok != nil && session(c) != nil {
		d.SignedIn = tok.Name
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return writePageStatus(c, status, signInTemplate, "Sign in", false, false, d)
}

// signIn is POST /sign-in (form: token, next, _csrf): it starts a session for the token (ending
// the one the browser's cookie held, if any) and redirects (303) to next, a same-site path (safeNext). A token that does not authenticate gets
// the form again with a message, 401, and counts as a refusal (429 beyond the limit).
func (s *Server) signIn(c echo.Context) error {
	if s.Config.AuthOff {
		return s.writeSignIn(c, http.StatusConflict, "Authentication is off on this server, so there is nothing to sign in to: every request is served as an administrator.")
	}
	if s.Auth == nil {
		return errs.Errorf(errs.Busy, "sign-in is not available: the server has no token store")
	}
	secret := strings.TrimSpace(c.FormValue("token"))
	if secret == "" {
		return s.writeSignIn(c, http.StatusUnprocessableEntity, "Enter your API token.")
	}
	cookieSecret, sess, err := s.Auth.StartSessionFor(c.Request().Context(), auth.TokenSecret(secret))
	if err != nil {
		if errs.CodeOf(err) != errs.Unauthorized {
			return err
		}
		if rerr := s.refuse(c, err); errs.CodeOf(rerr) != errs.Unauthorized {
			return rerr // too many refusals
		}
		return s.writeSignIn(c, http.StatusUnauthorized,
			"That token was not accepted: it is unknown, mistyped or has been revoked. Check it and try again, or ask your administrator for a new one.")
	}
	// Signing in again replaces the browser's session: the one it had ends, so its secret (which
	// may have been seen or planted) authenticates nothing. The new session always has a new
	// secret, so a session id chosen by someone else is never adopted.
	if ck, err := c.Cookie(SessionCookie); err == nil && ck.Value != "" {
		if err := s.Auth.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, cookieSecret, sess)
	s.clearCookie(c, CSRFCookie) // a fresh CSRF token for the signed-in session
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// signOut is POST /sign-out (form: _csrf): it ends the session and goes to the list of
// scorecards (303). Signing out without a session is harmless.
func (s *Server) signOut(c echo.Context) error {
	if ck, err := c.Cookie(SessionCookie); err == nil && ck.Value != "" && s.Auth != nil {
		if err := s.Auth.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearCookie(c, SessionCookie)
	s.clearCookie(c, CSRFCookie)
	return c.Redirect(http.StatusSeeOther, "/")
}

// signedInUser is the site header's account line.
type signedInUser struct {
	Name  string
	Role  string
	Areas string
}

// signedIn describes the request's session principal for the site header; nil when the request
// was not authenticated by a session.
func (s *Server) signedIn(c echo.Context) *signedInUser {
	tok := principal(c)
	if tok == nil || session(c) == nil {
		return nil
	}
	u := &signedInUser{Name: tok.Name, Role: string(tok.Role)}
	switch {
	case tok.Role == auth.Viewer:
	case tok.AllAreas():
		u.Areas = "all areas"
	default:
		names := make([]string, 0, len(tok.Areas))
		for _, code := range tok.Areas {
			if a, ok := s.Areas.Lookup(code); ok {
				names = append(names, a.Name)
			} else {
				names = append(names, code)
			}
		}
		u.Areas = strings.Join(names, ", ")
	}
	return u
}

var signInTemplate = pageTemplate("sign_in")
