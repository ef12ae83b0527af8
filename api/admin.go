package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// ready answers whether the server should receive traffic: the database answers and the server
// is not draining. Evaluations are current by construction: the server is built only after
// scorecard.Open has re-evaluated every stale indicator.
func (s *Server) ready(c echo.Context) error {
	if s.draining.Load() {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "draining"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Engine.DB.SQL.PingContext(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
	}
	// Indicators whose last run failed or left something out (a dataset revision the engine
	// cannot read, say) are warnings, not a failure: the rest of the service works, and the
	// warning says which revision to restore.
	problems, err := s.Engine.RunProblems(ctx)
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreadable"})
	}
	body := readyBody{Status: "ready", DataVersion: s.Engine.DB.Version().Tag(), Warnings: []readyWarning{}}
	for _, p := range problems {
		w := readyWarning{Indicator: p.Indicator, Dataset: p.Dataset, Revision: p.Revision, Problem: p.Warning}
		if p.Error != "" {
			w.Problem = "not evaluated: " + p.Error
		}
		body.Warnings = append(body.Warnings, w)
	}
	return c.JSON(http.StatusOK, body)
}

// readyBody is /readyz's answer when the server is ready.
type readyBody struct {
	Status      string         `json:"status"`
	DataVersion string         `json:"data_version"`
	Warnings    []readyWarning `json:"warnings"`
}

// readyWarning is an indicator whose last evaluation failed or left something out.
type readyWarning struct {
	Indicator string `json:"indicator"`
	Dataset   string `json:"dataset"`
	Revision  int64  `json:"revision,omitempty"`
	Problem   string `json:"problem"`
}

func (s *Server) observeEvaluation(trigger string, start time.Time, results []engine.RunResult) {
	if s.metrics == nil {
		return
	}
	s.metrics.evaluation.WithLabelValues(trigger).Observe(time.Since(start).Seconds())
	for _, r := range results {
		s.metrics.indicator.WithLabelValues(r.Indicator).Observe(r.Duration.Seconds())
		if r.Error != "" {
			s.metrics.evalErrors.WithLabelValues(r.Indicator).Inc()
		}
	}
}

// reevaluateResult is the answer to a re-evaluation.
type reevaluateResult struct {
	Evaluated []engine.RunResult `json:"evaluated"`
}

// reevaluate re-evaluates indicators whose definition or data changed since they were last
// evaluated (all=true: every indicator). This is how a changed target reaches stored
// evaluations: it is never done silently.
func (s *Server) reevaluate(c echo.Context) error {
	ch, err := s.changes()
	if err != nil {
		return err
	}
	var scope engine.Scope
	switch c.QueryParam("all") {
	case "true", "1":
		scope = engine.All
	case "", "false", "0":
		scope = engine.Changed
	default:
		return errs.Errorf(errs.Invalid, "all must be true or false")
	}
	start := time.Now()
	results, err := ch.Reevaluate(c.Request().Context(), scope)
	s.observeEvaluation("reevaluate", start, results)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, reevaluateResult{Evaluated: nonNil(results)})
}

// auditPage is a page of audit records, newest first; NextBefore is the cursor for the next
// page (pass it as before=), absent on the last page.
type auditPage struct {
	Data       []auth.Record `json:"data"`
	N          int           `json:"n"`
	NextBefore int64         `json:"next_before,omitempty"`
}

// listAudit serves the audit log: ?limit= (1..1000, default 100), before= (cursor), since=
// (RFC 3339), token=, dataset=, area=, method=, result= (ok, refused, failed), request_id=.
func (s *Server) listAudit(c echo.Context) error {
	f := auth.AuditFilter{TokenID: c.QueryParam("token"), Dataset: c.QueryParam("dataset"), Method: c.QueryParam("method"),
		Result: c.QueryParam("result"), RequestID: c.QueryParam("request_id")}
	var problems errs.List
	intParam := func(name string, into *int64) {
		if v := c.QueryParam(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				problems.Add(errs.Detail{Field: name, Value: v, Reason: "not a positive integer"})
			}
			*into = n
		}
	}
	var limit int64
	intParam("limit", &limit)
	intParam("before", &f.Before)
	f.Limit = int(limit)
	if v := c.QueryParam("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			problems.Add(errs.Detail{Field: "since", Value: v, Reason: "not an RFC 3339 time such as 2026-11-23T09:00:00Z"})
		}
		f.Since = t
	}
	if v := c.QueryParam("area"); v != "" {
		f.Area = v
		if a, ok := s.Areas.Lookup(v); ok {
			f.Area = a.Code
		}
	}
	if err := problems.Err("the audit query has bad parameters"); err != nil {
		return err
	}
	if s.Auth == nil {
		return errs.Errorf(errs.NotFound, "this server keeps no audit log")
	}
	// Read your writes: the records of writes already answered are stored first (bounded by
	// the request's own time limit).
	if err := s.AuditsWritten(c.Request().Context()); err != nil {
		return err
	}
	recs, err := s.Auth.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	page := auditPage{Data: recs, N: len(recs)}
	want := f.Limit
	if want == 0 {
		want = auth.DefaultAuditLimit
	}
	if len(recs) == want {
		page.NextBefore = recs[len(recs)-1].ID
	}
	return c.JSON(http.StatusOK, page)
}

// tokenRequest is the body of POST /api/v1/admin/tokens.
type tokenRequest struct {
	Name  string   `json:"name"`
	Role  string   `json:"role"`
	Areas []string `json:"areas"`
}

// createdToken is the only response that ever carries a token's secret.
type createdToken struct {
	Token  *auth.Token `json:"token"`
	Secret string      `json:"secret"`
	Note   string      `json:"note"`
}

func (s *Server) tokenService() (*auth.Service, error) {
	if s.Auth == nil {
		return nil, errs.Errorf(errs.NotFound, "this server has no token store")
	}
	return s.Auth, nil
}

// createToken makes a token; the secret is in this response and nowhere else, ever.
func (s *Server) createToken(c echo.Context) error {
	svc, err := s.tokenService()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return errs.Errorf(errs.Invalid, `send the token as JSON: {"name": "...", "role": "viewer|uploader|admin", "areas": ["839"]}`)
	}
	var req tokenRequest
	if err := c.Bind(&req); err != nil {
		return errs.Errorf(errs.Invalid, "the token request is not valid JSON")
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return err
	}
	tok, secret, err := svc.Create(c.Request().Context(), req.Name, role, req.Areas)
	if err != nil {
		return err
	}
	c.Set(keyAuditTarget, "token "+tok.ID)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, createdToken{Token: tok, Secret: secret,
		Note: "the secret is shown once and stored only as a hash; keep it in a secret store"})
}

func (s *Server) listTokens(c echo.Context) error {
	svc, err := s.tokenService()
	if err != nil {
		return err
	}
	toks, err := svc.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(toks))
}

func (s *Server) revokeToken(c echo.Context) error {
	svc, err := s.tokenService()
	if err != nil {
		return err
	}
	tok, err := svc.Revoke(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tok)
}
