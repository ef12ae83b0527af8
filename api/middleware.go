package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config is the server's security and operational configuration. The zero value is the safe
// default: every write needs a token, reads are public, no cross-origin access, the client IP is
// the connection's, and the default timeouts and body limit apply.
type Config struct {
	// AuthOff serves every request as an administrator without a token. For local development
	// only: the binary allows it on loopback addresses only.
	AuthOff bool
	// ReadAccess is ReadPublic ("" means public) or ReadToken (reads need a viewer token).
	ReadAccess string
	// CORSOrigins are the origins (scheme://host[:port]) browsers may call the API from; "*"
	// allows any. Empty turns CORS off.
	CORSOrigins []string
	// TrustedProxies are the proxies whose X-Forwarded-For header is believed; with none, the
	// client IP is the connection's remote address.
	TrustedProxies []*net.IPNet
	// RequestTimeout bounds a read (DefaultRequestTimeout when 0); its context is cancelled then,
	// which cancels running DuckDB queries.
	RequestTimeout time.Duration
	// WriteTimeout bounds an upload, restore or re-evaluation (DefaultWriteTimeout when 0).
	WriteTimeout time.Duration
	// MaxBodyBytes caps request bodies other than uploads (DefaultMaxBodyBytes when 0); uploads
	// are capped by the datasets service's limit.
	MaxBodyBytes int64
	// RefusalsPerMinute is how many refused requests (401, 403) one client IP may make, in a burst
	// and then each minute, before it is answered 429 (DefaultRefusalsPerMinute when 0).
	RefusalsPerMinute int
	// CommentsPerMinute is how many comments one token (or, with authentication off, one
	// address) may post in a burst and then each minute, before it is answered 429
	// (DefaultCommentsPerMinute when 0).
	CommentsPerMinute int
	// UploadIdleTimeout ends an upload whose body stops arriving for this long
	// (DefaultUploadIdleTimeout when 0; negative: never).
	UploadIdleTimeout time.Duration
	// AuditRetention is how long audit records are kept (auth.DefaultAuditRetention, 90 days,
	// when 0; negative keeps them for ever). KeepAuditLog prunes older ones.
	AuditRetention time.Duration
	// MetricsToken, when set, is the bearer token /metrics needs (compared in constant time).
	MetricsToken string
	// MetricsElsewhere leaves /metrics off the handler: MetricsHandler serves it on a listener
	// of its own.
	MetricsElsewhere bool
	// BackupTempDir is where POST /api/v1/admin/backup writes a backup before streaming it (in a
	// private directory it removes afterwards); the system's temporary directory when "". It
	// needs room for one backup (about the size of the database file).
	BackupTempDir string
}

// Read access settings.
const (
	ReadPublic = "public"
	ReadToken  = "token"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultWriteTimeout   = 10 * time.Minute
	// DefaultUploadIdleTimeout is Config.UploadIdleTimeout when 0.
	DefaultUploadIdleTimeout = 20 * time.Second
	DefaultMaxBodyBytes      = 1 << 20
)

// HeaderRequestID carries the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

// validRequestID is what an incoming request ID must look like to be kept; anything else is
// replaced, so logs never carry a client's arbitrary text.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

const (
	keyRequestID       = "request_id"
	keyPrincipal       = "principal"
	keyCreatedRevision = "created_revision"
	keyAuditTarget     = "audit_target"
	// keyRouterAnswer marks a request answered by the router (405, OPTIONS, 404: routerAnswers).
	keyRouterAnswer = "router_answer"
	// keyLastModifiedWithheld marks a read whose Last-Modified was withheld (notModifiedVariant).
	keyLastModifiedWithheld = "last_modified_withheld"
)

// requestID keeps a valid incoming X-Request-ID (one that is not shaped like a token secret)
// or makes a new one, and returns it in the response.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(HeaderRequestID)
		if !validRequestID.MatchString(id) || auth.LooksLikeSecret(id) {
			b := make([]byte, 16)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(keyRequestID, id)
		h := c.Response().Header()
		h.Set(HeaderRequestID, id)
		// Every response is what its Content-Type says, never sniffed into something else.
		h.Set(echo.HeaderXContentTypeOptions, "nosniff")
		return next(c)
	}
}

// RequestIDOf returns the request's ID.
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

// metrics are the Prometheus series the server exports at /metrics. Each Server has its own
// registry, so tests can build many.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	inflight     prometheus.Gauge
	evaluation   *prometheus.HistogramVec
	indicator    *prometheus.HistogramVec
	evalErrors   *prometheus.CounterVec
	loads        *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	auditSkipped prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scorecard_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scorecard_http_request_duration_seconds", Help: "HTTP request latency by method, route pattern and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"method", "route", "status"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "scorecard_http_requests_in_flight", Help: "HTTP requests being served.",
	})
	m.evaluation = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scorecard_evaluation_duration_seconds", Help: "Duration of an evaluation run by what triggered it (upload, restore, reevaluate).",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
	}, []string{"trigger"})
	m.indicator = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "scorecard_indicator_evaluation_duration_seconds", Help: "Duration of one indicator's evaluation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"indicator"})
	m.evalErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scorecard_indicator_evaluation_errors_total", Help: "Indicator evaluations that failed.",
	}, []string{"indicator"})
	m.loads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scorecard_dataset_loads_total", Help: "Dataset uploads by result (accepted, rejected, refused, too_large, aborted, rate_limited, error).",
	}, []string{"result"})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scorecard_auth_failures_total", Help: "Requests refused by authentication or authorisation (401, 403), or for too many refusals (429), by status.",
	}, []string{"status"})
	m.auditSkipped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "scorecard_audit_records_skipped_total", Help: "Refused writes not audited: answered 429, or beyond the server-wide budget of audited refusals.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.inflight, m.evaluation, m.indicator, m.evalErrors, m.loads, m.authFailures, m.auditSkipped,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// inflight counts requests in the handler chain, for Idle.
type inflight struct{ n atomic.Int64 }

// Drain marks the server as shutting down: /readyz answers 503 from now on, so a load balancer
// stops sending requests while the in-flight ones finish.
func (s *Server) Drain() { s.draining.Store(true) }

// Idle waits until no request is being handled and every audit record is written, or ctx ends.
// Call it after http.Server.Shutdown (and, if that gave up, after the requests' contexts were
// cancelled) and before closing the database.
func (s *Server) Idle(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for s.running.n.Load() > 0 || s.auditsPending.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// AuditsWritten waits until every audit record of a write already answered is stored, or ctx
// ends: the audit log then shows every write its reader could have seen answered.
func (s *Server) AuditsWritten(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for s.auditsPending.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// quietRoutes are logged at debug level: probes and scrapes would drown the log.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the outermost middleware after the request ID: it counts the request in flight,
// writes any error through the error handler (so the status is known), then logs the request,
// records its metrics and, for writes, audits it.
func (s *Server) observe(table *policies) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			s.running.n.Add(1)
			defer s.running.n.Add(-1)
			s.metrics.inflight.Inc()
			defer s.metrics.inflight.Dec()
			start := time.Now()
			// The connection's context, before timeouts derives (and on return cancels) its own:
			// it is cancelled when the client goes away.
			clientCtx := c.Request().Context()
			err := next(c)
			aborted := false
			if err != nil {
				err = timeoutError(c, err)
				err, aborted = clientClosed(clientCtx, err)
				c.Error(err)
			}
			elapsed := time.Since(start)
			req := c.Request()
			status := c.Response().Status
			if aborted {
				// Nothing reached the client; logs, metrics and the audit say why.
				status = StatusClientClosedRequest
			}
			route := c.Path()
			known := table.known(req.Method, route)
			if !known {
				route = "unmatched"
			}
			st := strconv.Itoa(status)
			method := methodLabel(req.Method)
			s.metrics.requests.WithLabelValues(method, route, st).Inc()
			s.metrics.duration.WithLabelValues(method, route, st).Observe(elapsed.Seconds())
			if status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests {
				s.metrics.authFailures.WithLabelValues(st).Inc()
			}
			tok := principal(c)
			if s.Log != nil {
				level := slog.LevelInfo
				switch {
				case quietRoutes[route]:
					level = slog.LevelDebug
				case aborted:
					level = slog.LevelWarn
				}
				attrs := []slog.Attr{
					slog.String("method", auth.ValidText(req.Method)), slog.String("route", route), slog.String("path", loggablePath(req.URL.Path)),
					slog.Int("status", status), slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.Int64("bytes", c.Response().Size),
					slog.String("request_id", requestIDOf(c)), slog.String("client_ip", c.RealIP()),
				}
				if tok != nil && tok.ID != "" {
					attrs = append(attrs, slog.String("token_id", tok.ID))
				}
				if err != nil && status < 500 {
					attrs = append(attrs, slog.String("error_code", errorCode(err, status)))
				}
				s.Log.LogAttrs(req.Context(), level, "request", attrs...)
			}
			pol := table.lookup(req.Method, c.Path())
			if pol.name == policyUpload.name {
				s.metrics.loads.WithLabelValues(loadResult(status)).Inc()
			}
			if isWrite(req.Method) && s.audited(status, err, c.Get(keyRouterAnswer) != nil) {
				// The record is made now (the context is reused after this returns) and written
				// in the background: it may wait for the single writer behind a large upload,
				// and neither the client's answer nor the record may be lost to that wait.
				if r, ok := s.auditRecord(c, route, status, err, tok); ok {
					s.audits.enqueue(s, r)
				}
			}
			return nil
		}
	}
}

// audited reports whether a write with this outcome is audited: every one, except those
// answered 429 for too many refusals, and refusals and requests the router answered (a method
// the path does not have, a path that does not exist: answered without a token) beyond the
// server-wide audit budget (counted in scorecard_audit_records_skipped_total), so a flood of
// refused or unroutable requests adds a bounded number of records.
func (s *Server) audited(status int, err error, byRouter bool) bool {
	if errs.CodeOf(err) == errs.RateLimited && status == http.StatusTooManyRequests {
		s.metrics.auditSkipped.Inc()
		return false
	}
	if (byRouter || auth.ResultOf(status) == auth.ResultRefused) && !s.auditRefusal() {
		s.metrics.auditSkipped.Inc()
		return false
	}
	return true
}

// methodLabel is the method as a metrics label: the standard methods by name and anything else
// as "other", so made-up methods cannot add series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// loggablePath keeps a secret a client put in a URL out of the log, and escapes bytes that are
// not UTF-8.
func loggablePath(p string) string {
	if auth.LooksLikeSecret(p) {
		return "[removed: looked like a token secret]"
	}
	return auth.ValidText(p)
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func loadResult(status int) string {
	switch {
	case status == http.StatusCreated:
		return "accepted"
	case status == http.StatusUnprocessableEntity:
		return "rejected"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "refused"
	case status == http.StatusRequestEntityTooLarge:
		return "too_large"
	case status == StatusClientClosedRequest:
		return "aborted"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	}
	return "error"
}

// errorCode is the code the error handler writes for err.
func errorCode(err error, status int) string {
	if e, ok := errs.As(err); ok {
		return string(e.Code)
	}
	return codeForStatus(status)
}

// timeoutError turns a request whose deadline passed into a Timeout error with a message, so
// the client learns why rather than reading "internal error".
func timeoutError(c echo.Context, err error) error {
	ctx := c.Request().Context()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && (errors.Is(err, context.DeadlineExceeded) || errs.CodeOf(err) == errs.Internal) {
		return &errs.Error{Code: errs.Timeout, Message: "the request took longer than its time limit and was cancelled; nothing was changed unless the response said so"}
	}
	return err
}

// clientClosed turns the error of a request whose client went away (its connection closed or
// its body ended early, while the request was being read) into a ClientClosed error, and reports
// whether it did: that is the client's doing, not a server failure.
func clientClosed(clientCtx context.Context, err error) (error, bool) {
	if errs.CodeOf(err) == errs.ClientClosed {
		return err, true
	}
	var he *echo.HTTPError
	if errors.Is(clientCtx.Err(), context.Canceled) && !errors.As(err, &he) &&
		(errors.Is(err, context.Canceled) || errs.CodeOf(err) == errs.Internal) {
		return &errs.Error{Code: errs.ClientClosed, Message: "the client closed the connection before the request was finished; nothing was changed unless the response said so"}, true
	}
	return err, false
}

// auditRecord is the audit record of a write (false when the server keeps no audit log).
func (s *Server) auditRecord(c echo.Context, route string, status int, err error, tok *auth.Token) (auth.Record, bool) {
	if s.Auth == nil {
		return auth.Record{}, false
	}
	req := c.Request()
	r := auth.Record{Method: req.Method, Route: route, Path: req.URL.Path, Status: status,
		RequestID: requestIDOf(c), ClientIP: c.RealIP()}
	if tok != nil {
		r.TokenID, r.TokenName, r.Role = tok.ID, tok.Name, string(tok.Role)
	}
	for i, name := range c.ParamNames() {
		v := c.ParamValues()[i]
		switch {
		case name == "name":
			r.Dataset = v
		case name == "area":
			r.Area = v
			if a, ok := s.Areas.Lookup(v); ok {
				r.Area = a.Code
			}
		case name == "id" && strings.Contains(route, "/revisions/:id"):
			r.Revision, _ = strconv.ParseInt(v, 10, 64)
		case name == "id" && strings.Contains(route, "/indicators/:id"):
			r.Indicator = v
		case name == "id" && strings.Contains(route, "/tokens/:id"):
			r.Target = "token " + v
		}
	}
	if id, ok := c.Get(keyCreatedRevision).(int64); ok {
		r.CreatedRevision = id
	}
	if t, ok := c.Get(keyAuditTarget).(string); ok {
		r.Target = t
	}
	if err != nil {
		r.ErrorCode = errorCode(err, status)
		if e, ok := errs.As(err); ok && e.Code != errs.Internal {
			r.Message = e.Message
		}
	}
	return r, true
}

// auditQueue writes audit records one at a time, in the order the requests were answered, so
// the log's order (by id) is the order of the answers.
type auditQueue struct {
	mu      sync.Mutex
	records []auth.Record
	writing bool // a goroutine is draining records
}

// enqueue adds r, counted in s.auditsPending until it is stored, and starts a writer if none is
// running.
func (q *auditQueue) enqueue(s *Server, r auth.Record) {
	s.auditsPending.Add(1)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.records = append(q.records, r)
	if !q.writing {
		q.writing = true
		go q.drain(s)
	}
}

func (q *auditQueue) drain(s *Server) {
	for {
		q.mu.Lock()
		if len(q.records) == 0 {
			q.writing = false
			q.records = nil
			q.mu.Unlock()
			return
		}
		r := q.records[0]
		q.records = q.records[1:]
		q.mu.Unlock()
		s.writeAudit(r)
		s.auditsPending.Add(-1)
	}
}

// writeAudit stores an audit record, waiting up to auditWait for the writer.
func (s *Server) writeAudit(r auth.Record) {
	ctx, cancel := context.WithTimeout(context.Background(), auditWait)
	defer cancel()
	if aerr := s.Auth.Record(ctx, r); aerr != nil && s.Log != nil {
		s.Log.Error("audit record not written", "request_id", r.RequestID, "route", r.Route, "error", aerr)
	}
}

// auditWait is how long an audit record may wait for the single writer: longer than the
// largest upload holds it (a 256 MiB file stores in about a minute), so no record is lost.
const auditWait = 5 * time.Minute

// timeouts gives each request a context deadline (reads and writes have their own limits) and
// a matching read deadline for its body. Cancelling the context cancels running DuckDB queries.
// A whole-data download (isDownload) has the write limit: it streams every row to a client that
// may be slow.
func (s *Server) timeouts(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := s.Config.RequestTimeout
		if d <= 0 {
			d = DefaultRequestTimeout
		}
		if isWrite(c.Request().Method) || isDownload(c.Request()) {
			d = s.Config.WriteTimeout
			if d <= 0 {
				d = DefaultWriteTimeout
			}
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), d)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		// A slow client must not hold a connection forever while sending a body; not every
		// ResponseWriter supports deadlines (test recorders do not), which is fine.
		_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(d))
		return next(c)
	}
}

// ipExtractor is the client-IP rule: the connection's address, or X-Forwarded-For only as far as
// it was added by the configured trusted proxies.
func (s *Server) ipExtractor() echo.IPExtractor {
	if len(s.Config.TrustedProxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range s.Config.TrustedProxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// cors allows the configured origins, exactly as written (no patterns). Nil when CORS is off.
func (s *Server) cors() echo.MiddlewareFunc {
	if len(s.Config.CORSOrigins) == 0 {
		return nil
	}
	allowed := map[string]bool{}
	for _, o := range s.Config.CORSOrigins {
		allowed[NormaliseOrigin(o)] = true
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOriginFunc: func(origin string) (bool, error) {
			return allowed["*"] || allowed[NormaliseOrigin(origin)], nil
		},
		AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, HeaderRequestID, "X-Uploaded-By", "X-File-Name", "If-None-Match", echo.HeaderIfModifiedSince},
		ExposeHeaders: []string{HeaderRequestID, "ETag", echo.HeaderLastModified, echo.HeaderLocation, echo.HeaderContentDisposition},
		MaxAge:        600,
	})
}

// NormaliseOrigin lower-cases an origin and drops a trailing slash, so configured and presented
// origins compare as browsers mean them.
func NormaliseOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}
