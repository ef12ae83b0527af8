package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// policy says who may call a route. Routes are given one in Handler with policies.set; a route
// without one gets the default: GET and HEAD are reads, anything else is admin-only, so a new
// write route is locked down until someone decides otherwise.
type policy struct {
	name string
	// public routes need no token, whatever the read access.
	public bool
	// read routes are public or need a viewer token, by Config.ReadAccess.
	read bool
	// role is the least role a token needs (when neither public nor read).
	role auth.Role
	// areaParam: the route's :area must be one of the token's areas.
	areaParam bool
	// ownBodyLimit: the handler limits its body itself (uploads), instead of MaxBodyBytes.
	ownBodyLimit bool
}

var (
	// policyPublic: probes, metrics, static assets.
	policyPublic = policy{name: "public", public: true}
	// policyRead: every GET of data; public or viewer by configuration.
	policyRead = policy{name: "read", read: true}
	// policyUpload: uploaders and admins; the datasets service refuses rows outside the token's
	// areas (auth.Token.AreaLimit).
	policyUpload = policy{name: "upload", role: auth.Uploader, ownBodyLimit: true}
	// policyAreaWrite: uploaders for the route's :area, and admins.
	policyAreaWrite = policy{name: "area_write", role: auth.Uploader, areaParam: true}
	// policyAdmin: restores, re-evaluation, tokens, the audit log.
	policyAdmin = policy{name: "admin", role: auth.Admin}
)

// policies maps "METHOD /route/pattern" to its policy. It is filled while routes are
// registered and only read afterwards.
type policies struct {
	routes map[string]policy
}

func newPolicies() *policies { return &policies{routes: map[string]policy{}} }

// set gives routes the policy p; a GET route's HEAD (see get) gets it too.
func (t *policies) set(p policy, routes ...*echo.Route) {
	for _, r := range routes {
		t.routes[r.Method+" "+r.Path] = p
		if r.Method == http.MethodGet {
			t.routes[http.MethodHead+" "+r.Path] = p
		}
	}
}

// declareDefaults records every registered route without a policy under its default, so that
// metrics know the route and tests can list every route's policy.
func (t *policies) declareDefaults(e *echo.Echo) {
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue // a group's catch-all, answering 404 (echo adds them for group middleware)
		}
		k := r.Method + " " + r.Path
		if _, ok := t.routes[k]; !ok {
			t.routes[k] = defaultPolicy(r.Method)
		}
	}
}

func defaultPolicy(method string) policy {
	switch method {
	case http.MethodGet, http.MethodHead:
		return policyRead
	case http.MethodOptions:
		return policyPublic // CORS preflights carry no credentials
	}
	return policyAdmin
}

func (t *policies) known(method, route string) bool {
	_, ok := t.routes[method+" "+route]
	return ok
}

func (t *policies) lookup(method, route string) policy {
	if p, ok := t.routes[method+" "+route]; ok {
		return p
	}
	return defaultPolicy(method)
}

// RoutePolicies lists every route with the name of its policy (public, read, upload,
// area_write, admin), for documentation and tests.
func (s *Server) RoutePolicies() map[string]string {
	if s.lastPolicies == nil {
		s.Handler()
	}
	out := map[string]string{}
	for k, p := range s.lastPolicies.routes {
		out[k] = p.name
	}
	return out
}

// devAdmin is the principal of every request when authentication is off.
var devAdmin = &auth.Token{Name: "auth-off", Role: auth.Admin}

// principal returns the request's token, nil when none was presented.
func principal(c echo.Context) *auth.Token {
	t, _ := c.Get(keyPrincipal).(*auth.Token)
	return t
}

// authenticate reads "Authorization: Bearer <secret>", or else the browser's session cookie
// (SessionCookie; the Bearer header wins when both are sent). A request with neither goes on
// unauthenticated (authorize decides whether that is enough); a malformed, unknown or revoked
// secret is refused at once with 401, so clients learn of a bad token even on public routes. A
// session that has ended (signed out, expired, its token revoked) only makes the request
// anonymous, so a browser sees the public pages and is asked to sign in for the rest.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.Config.AuthOff {
			c.Set(keyPrincipal, devAdmin)
			return next(c)
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if s.Config.MetricsToken != "" && c.Path() == "/metrics" {
			return next(c) // /metrics checks its own token
		}
		if h == "" {
			// A browser's session cookie; without a valid one the request goes on anonymous.
			if _, err := s.authenticateSession(c); err != nil {
				return err
			}
			return next(c)
		}
		scheme, secret, ok := strings.Cut(strings.TrimSpace(h), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="scorecard"`)
			return s.refuse(c, errs.Errorf(errs.Unauthorized, "send the API token as Authorization: Bearer <token>"))
		}
		if s.Auth == nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="scorecard"`)
			return s.refuse(c, auth.ErrInvalidToken)
		}
		tok, err := s.Auth.Authenticate(c.Request().Context(), strings.TrimSpace(secret))
		if err != nil {
			if code := errs.CodeOf(err); code != errs.Unauthorized && code != errs.Forbidden {
				return err // the database failed, not the token
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="scorecard", error="invalid_token"`)
			return s.refuse(c, err)
		}
		c.Set(keyPrincipal, tok)
		return next(c)
	}
}

// authorize applies the route's policy to the request's token, and the body limit.
func (s *Server) authorize(table *policies) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := table.lookup(c.Request().Method, c.Path())
			tok := principal(c)
			needToken := func() error {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="scorecard"`)
				return s.refuse(c, errs.Errorf(errs.Unauthorized, "this request needs an API token (Authorization: Bearer <token>)"))
			}
			switch {
			case p.public:
			case p.read:
				if s.Config.ReadAccess == ReadToken && tok == nil {
					return needToken()
				}
			default:
				if tok == nil {
					return needToken()
				}
				if !tok.Has(p.role) {
					return s.refuse(c, errs.Errorf(errs.Forbidden, "this request needs the %s role; token %q is a %s", p.role, tok.Name, tok.Role))
				}
				if p.areaParam {
					if err := s.checkAreaParam(c, tok); err != nil {
						return s.refuse(c, err)
					}
				}
			}
			if !p.ownBodyLimit && isWrite(c.Request().Method) {
				limit := s.Config.MaxBodyBytes
				if limit <= 0 {
					limit = DefaultMaxBodyBytes
				}
				req := c.Request()
				if req.ContentLength > limit {
					return errs.Errorf(errs.TooLarge, "the request body is larger than the %d KiB limit", limit>>10)
				}
				req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
			}
			return next(c)
		}
	}
}

// checkAreaParam refuses a write for an area outside the token's areas. An unknown area is left
// to the handler, which answers 404.
func (s *Server) checkAreaParam(c echo.Context, tok *auth.Token) error {
	a, ok := s.Areas.Lookup(c.Param("area"))
	if !ok || tok.AllowsArea(a.Code) {
		return nil
	}
	return errs.Errorf(errs.Forbidden, "token %q may write only for %s, not %s (%s)", tok.Name, strings.Join(tok.Areas, ", "), a.Name, a.Code)
}

// allowedAreas is the area limit to pass to datasets.Upload: nil when the request may load any
// area (an admin, an uploader for "*", authentication off).
func allowedAreas(c echo.Context) []string {
	tok := principal(c)
	if tok == nil {
		return []string{} // unreachable behind authorize; refuse everything rather than allow it
	}
	return tok.AreaLimit()
}

// actor names who made a write, for a revision's created_by: the token (name and id), with the
// client's X-Uploaded-By as a claim beside it. With authentication off, the header alone.
func (s *Server) actor(c echo.Context) string {
	claim := uploadedBy(c)
	if auth.LooksLikeSecret(claim) {
		claim = ""
	}
	tok := principal(c)
	if tok == nil || tok.ID == "" {
		if claim == "" {
			return "api"
		}
		return claim
	}
	who := fmt.Sprintf("%s [%s]", tok.Name, tok.ID)
	if claim != "" && claim != tok.Name {
		who = claim + " via " + who
	}
	return who
}

// noteRevision tells the audit log which revision a write created (rejected ones too).
func noteRevision(c echo.Context, rev *datasets.Revision) {
	if rev != nil && rev.ID != 0 {
		c.Set(keyCreatedRevision, rev.ID)
	}
}

// uploadedBy is the X-Uploaded-By header, with any byte that is not UTF-8 escaped (%XX) so it
// can be stored.
func uploadedBy(c echo.Context) string {
	return auth.ValidText(strings.TrimSpace(c.Request().Header.Get("X-Uploaded-By")))
}
