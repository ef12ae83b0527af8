// Package api is the HTTP face of the product: the JSON API under /api/v1 and the health check.
// It is the only package that imports echo; handlers translate between HTTP and the engine and
// datasets services, and every error leaves through one error handler in one JSON shape.
package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Changes is the write path the API drives: loads, restores and re-evaluations, each with the
// re-evaluation it causes, in one home shared with the command line (scorecard.App implements
// it). Load and Restore return a nil error once the revision is committed, whatever became of
// the re-evaluation (see engine.Reevaluation).
type Changes interface {
	Load(ctx context.Context, dataset string, r io.Reader, up datasets.Upload) (*datasets.Revision, engine.Reevaluation, error)
	Restore(ctx context.Context, dataset string, id int64, by string) (*datasets.Revision, engine.Reevaluation, error)
	Reevaluate(ctx context.Context, scope engine.Scope) ([]engine.RunResult, error)
	// Preview is a dry run of Load: nothing is stored; the file is staged for Confirm.
	Preview(ctx context.Context, dataset string, r io.Reader, up datasets.Upload) (*engine.UploadPreview, error)
	// Confirm loads a staged upload (as Load) if sha256 is its SHA-256 and up.TokenID staged it.
	Confirm(ctx context.Context, dataset, stageID, sha256 string, up datasets.Upload) (*datasets.Revision, engine.Reevaluation, error)
	// CancelStaged deletes a staged upload of tokenID's.
	CancelStaged(ctx context.Context, dataset, stageID, tokenID string) error
}

// Server holds what the handlers need.
type Server struct {
	Engine   *engine.Engine
	Datasets *datasets.Service
	// Changes makes every change to the data; without it the API is read-only and writes
	// answer 503.
	Changes Changes
	// Definitions changes definitions, scorecards and comparator groups; when nil, Changes is
	// used if it implements DefinitionEditor (scorecard.App does), else those writes answer 503.
	Definitions DefinitionEditor
	Catalog     *indicators.Catalog
	Areas       *areas.Registry
	Log         *slog.Logger
	// NoResponseCache renders every read afresh (benchmarks of the rendering itself).
	NoResponseCache bool
	// Auth authenticates API tokens and keeps the audit log. Without it every token is refused
	// (writes then need Config.AuthOff) and nothing is audited.
	Auth *auth.Service
	// Config is the security and operational configuration; the zero value is safe.
	Config Config
	// Backups makes the backups of POST /api/v1/admin/backup; without it that answers 404.
	Backups Backups

	uploads       uploadsInFlight
	auditsPending atomic.Int64 // audit records answered but not yet stored
	audits        auditQueue   // stores them in the order of the answers
	metrics       *metrics
	refusals      *refusalLimits
	lastPolicies  *policies
	resourceTags  resourceTags // the validators of the current data version (etags.go)
	draining      atomic.Bool
	duckdbVersion atomic.Pointer[string]
	running       inflight
}

// responseCacheBytes bounds the memory the response cache may hold.
const responseCacheBytes = 64 << 20

// Handler builds the HTTP handler with every route.
//
// Middleware, outermost first: request ID; observe (structured log line, Prometheus metrics,
// audit of every write, in-flight count for draining); panic recovery; CORS (when configured);
// per-request timeouts; authentication (Bearer token, or a browser's session cookie);
// authorisation by the route's policy; CSRF checks of forms and of requests carrying a session
// cookie (csrfProtect); the response cache, which passes by requests with a session cookie.
//
// Every route has a policy (see policy in auth.go). GET routes are reads by default (public, or
// a viewer token with Config.ReadAccess = ReadToken); every other method defaults to admin-only.
// Give a route another policy with allow(policyX, route).
func (s *Server) Handler() http.Handler {
	s.ensureMetrics()
	if s.refusals == nil {
		s.refusals = newRefusalLimits(s.Config.RefusalsPerMinute)
	}
	table := newPolicies()
	allow := table.set
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandlerWithPages(s.Log, s.errorPage)
	e.IPExtractor = s.ipExtractor()
	e.Use(requestID)
	e.Use(s.observe(table))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			if s.Log != nil {
				s.Log.Error("panic in handler", "path", c.Request().URL.Path, "error", err, "stack", string(stack))
			}
			return errs.Errorf(errs.Internal, "panic: %v", err)
		},
	}))
	if cors := s.cors(); cors != nil {
		e.Use(cors)
	}
	// A method the path does not have (405) and OPTIONS are answered by the router, before
	// authentication: they show only the path's methods.
	e.Use(routerAnswers(table))
	e.Use(s.timeouts)
	e.Use(s.authenticate)
	e.Use(s.authorize(table))
	// Forms are checked for cross-site request forgery after the body limit (authorize) and
	// before the handler; answers to a signed-in browser are private.
	e.Use(s.csrfProtect())
	e.Use(privateSessions)

	// Reads are served from a cache of rendered responses, keyed by the data version. It must
	// come after the middleware that decides who may read.
	if !s.NoResponseCache {
		cache := newResponseCache(func() string { return s.Engine.DB.Version().Tag() }, responseCacheBytes)
		e.Use(cache.Middleware)
	}
	// The web pages are gzip-compressed inside the cache, as the API is (compressPages).
	e.Use(compressPages())
	// A read of evaluations as at a time (as_of) is resolved after the cache: a cached answer
	// needs no resolving.
	e.Use(s.asOf)

	allow(policyPublic,
		get(e, "/healthz", s.health),
		get(e, "/readyz", s.ready))
	if !s.Config.MetricsElsewhere {
		allow(policyPublic, get(e, "/metrics", echo.WrapHandler(s.MetricsHandler())))
	}
	// The API's routes are gzip-compressed route by route rather than by group middleware:
	// echo gives a group with middleware a catch-all 404 route, which would answer a method a
	// path does not have with 404 instead of 405.
	v1 := withMiddleware{e.Group("/api/v1"), []echo.MiddlewareFunc{compress()}}
	get(v1, "/openapi.json", s.openAPI)
	get(v1, "/version", s.version)
	get(v1, "/evaluations", s.evaluations)
	get(v1, "/changes", s.changeFeed)
	get(v1, "/indicators", s.listIndicators)
	get(v1, "/indicators/:id", s.getIndicator)
	get(v1, "/indicators/:id/evaluations", s.indicatorSeries)
	get(v1, "/indicators/:id/areas", s.indicatorAreas)
	get(v1, "/indicators/:id/data.csv", s.indicatorData)
	get(v1, "/areas", s.listAreas)
	get(v1, "/areas/:area", s.getArea)
	get(v1, "/areas/:area/scorecard", s.areaScorecard)
	get(v1, "/scorecards", s.listScorecards)
	get(v1, "/scorecards/:id", s.getScorecard)
	get(v1, "/indicators/:id/areas/:area/commentary", s.listComments)
	allow(policyAreaWrite, v1.POST("/indicators/:id/areas/:area/commentary", s.addComment, s.commentLimit()))
	get(v1, "/datasets", s.listDatasets)
	get(v1, "/datasets/:name", s.getDataset)
	get(v1, "/datasets/:name/revisions", s.listRevisions)
	allow(policyUpload,
		v1.POST("/datasets/:name/revisions", s.upload),
		v1.POST("/datasets/:name/staged/:stage", s.confirmStaged),
		v1.DELETE("/datasets/:name/staged/:stage", s.cancelStaged))
	// A diff shows a revision's values: uploaders (an area-limited one sees its own areas' rows
	// only) and admins.
	allow(policyUpload, get(v1, "/datasets/:name/revisions/:id/diff", s.revisionDiff))
	allow(policyAdmin,
		v1.POST("/datasets/:name/revisions/:id/restore", s.restore),
		v1.POST("/admin/reevaluate", s.reevaluate),
		v1.POST("/admin/backup", s.adminBackup),
		get(v1, "/audit", s.listAudit),
		get(v1, "/admin/tokens", s.listTokens),
		v1.POST("/admin/tokens", s.createToken),
		v1.DELETE("/admin/tokens/:id", s.revokeToken))
	s.registerDefinitions(v1, allow)
	s.registerPages(e)
	s.registerSessions(e, allow)
	allow(policyAreaWrite, e.POST("/areas/:area/indicators/:id/commentary", s.addCommentFromPage, s.commentLimit()))
	s.registerDatasetPages(e, allow)
	s.registerDefinitionPages(e, allow)
	for _, r := range e.Routes() {
		if strings.HasPrefix(r.Path, "/assets/") {
			allow(policyPublic, r) // the charts' JavaScript: no data in it
		}
	}
	table.declareDefaults(e)
	s.lastPolicies = table
	return e
}

// router is what routes are added to: *echo.Echo, *echo.Group and withMiddleware.
type router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// withMiddleware adds routes to a group with middleware of their own, run before any the route
// is given: a group's middleware without the catch-all route echo adds with Group.Use.
type withMiddleware struct {
	g *echo.Group
	m []echo.MiddlewareFunc
}

func (w withMiddleware) with(m []echo.MiddlewareFunc) []echo.MiddlewareFunc {
	return append(append([]echo.MiddlewareFunc{}, w.m...), m...)
}

// GET adds a GET route.
func (w withMiddleware) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return w.g.GET(path, h, w.with(m)...)
}

// HEAD adds a HEAD route.
func (w withMiddleware) HEAD(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return w.g.HEAD(path, h, w.with(m)...)
}

// POST adds a POST route.
func (w withMiddleware) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return w.g.POST(path, h, w.with(m)...)
}

// PUT adds a PUT route.
func (w withMiddleware) PUT(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return w.g.PUT(path, h, w.with(m)...)
}

// DELETE adds a DELETE route.
func (w withMiddleware) DELETE(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return w.g.DELETE(path, h, w.with(m)...)
}

// routerAnswers gives the router's own answers without authentication, authorisation, CSRF
// checks or the response cache: 405 Method Not Allowed, with the Allow header listing the path's
// methods, for a method a path does not have; 204 with Allow for OPTIONS (CORS preflights are
// answered before it, by the CORS middleware); and 404 for a path no route has. Only a request
// for a method a route has (one in the policy table) goes on to the route's handler; echo's
// router tells the other two cases apart by putting the path's methods in the context
// (echo.ContextKeyHeaderAllow).
func routerAnswers(table *policies) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			method := c.Request().Method
			if table.known(method, c.Path()) {
				return next(c)
			}
			c.Set(keyRouterAnswer, true)
			allow, _ := c.Get(echo.ContextKeyHeaderAllow).(string)
			if allow == "" {
				// No route has the path: the router's 404, whatever the method or credentials.
				return c.Handler()(c)
			}
			if method == http.MethodOptions {
				c.Response().Header().Set(echo.HeaderAllow, allow)
				return c.NoContent(http.StatusNoContent)
			}
			c.Response().Header().Set(echo.HeaderAllow, allow)
			return echo.NewHTTPError(http.StatusMethodNotAllowed,
				fmt.Sprintf("%s is not allowed here: this path answers %s", auth.ValidText(method), allow))
		}
	}
}

// get adds a read route for GET and for HEAD, which is answered as GET without the body
// (RFC 9110 9.3.2). It returns the GET route; policies.set gives the HEAD route the same policy.
func get(r router, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	r.HEAD(path, headOf(h), m...)
	return r.GET(path, h, m...)
}

// headOf runs a GET handler for a HEAD request with the body thrown away (net/http's server
// drops it too; other ResponseWriters, such as test recorders, may not).
func headOf(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		w := res.Writer
		res.Writer = bodyless{w}
		defer func() { res.Writer = w }()
		return h(c)
	}
}

// bodyless is a ResponseWriter that keeps the status and headers and drops the body.
type bodyless struct{ http.ResponseWriter }

func (b bodyless) Write(p []byte) (int, error) { return len(p), nil }

// Unwrap gives http.ResponseController the underlying writer.
func (b bodyless) Unwrap() http.ResponseWriter { return b.ResponseWriter }
