package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// HeaderAsOf is the response header that echoes the moment an as_of read answers for.
const HeaderAsOf = "Scorecard-As-Of"

// asOfRoutes are the reads of evaluations that take as_of: the API's and the board pages'.
var asOfRoutes = map[string]bool{
	"/api/v1/evaluations":                           true,
	"/api/v1/indicators/:id/evaluations":            true,
	"/api/v1/indicators/:id/areas":                  true,
	"/api/v1/indicators/:id/data.csv":               true,
	"/api/v1/areas/:area/scorecard":                 true,
	"/api/v1/scorecards/:id":                        true,
	"/api/v1/indicators/:id/areas/:area/commentary": true,
	"/api/v1/scorecards/:id/exceptions":             true,
	"/api/v1/scorecards/:id/board":                  true,
	"/api/v1/charts/trend/:indicator":               true,
	"/api/v1/charts/comparison/:indicator":          true,
	"/api/v1/charts/spine/:scorecard":               true,
	"/scorecards/:id":                               true,
	"/scorecards/:id/exceptions":                    true,
	"/areas/:area":                                  true,
	"/areas/:area/indicators/:id":                   true,
}

// parseAsOf reads an as_of value: an RFC 3339 time, or a date, which means the end of that day
// in UTC (the scorecard as it stood when the day was over).
func parseAsOf(v string) (time.Time, error) {
	if t, ok := parseTimeOrDate(v); ok {
		return t, nil
	}
	return time.Time{}, errs.Errorf(errs.Invalid,
		"the as_of value %q is neither a date (2026-03-31) nor an RFC 3339 time (2026-03-31T18:00:00Z)", clipParam(v))
}

// parseTimeOrDate reads an RFC 3339 time, or a date meaning the end of that day (UTC). A time
// whose offset's "+" arrived as a space (an unencoded "+" in a query) is read as meant.
func parseTimeOrDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), true
	}
	if i := strings.LastIndexByte(v, ' '); i > 0 && strings.Contains(v, "T") {
		if t, err := time.Parse(time.RFC3339Nano, v[:i]+"+"+v[i+1:]); err == nil {
			return t.UTC(), true
		}
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Microsecond).UTC(), true
	}
	return time.Time{}, false
}

// asOf is the middleware that makes a read of asOfRoutes answer as at its as_of parameter: the
// request's context carries the engine.AsOf, and the response says the moment in HeaderAsOf. A
// time before the first evaluation is a 404; other routes ignore as_of, and so do the board
// pages when it is empty (their picker sent without a date).
func (s *Server) asOf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		v, ok := r.URL.Query()["as_of"]
		if !ok || !asOfRoutes[c.Path()] || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			return next(c)
		}
		if len(v) == 1 && strings.TrimSpace(v[0]) == "" && !strings.HasPrefix(c.Path(), "/api/") {
			return next(c) // a board page's "as at" picker sent with no date: the page as it is now
		}
		if len(v) != 1 || v[0] == "" {
			return errs.Errorf(errs.Invalid, "give as_of once, as a date (2026-03-31) or an RFC 3339 time")
		}
		t, err := parseAsOf(v[0])
		if err != nil {
			return err
		}
		a, err := s.Engine.ResolveAsOf(r.Context(), t)
		if err != nil {
			return err
		}
		c.SetRequest(r.WithContext(engine.WithAsOf(r.Context(), a)))
		c.Response().Header().Set(HeaderAsOf, a.Time.Format(time.RFC3339Nano))
		return next(c)
	}
}

// writeJSON answers v as JSON. As at a time (engine.WithAsOf), an object gets "as_of" as its
// first member; the rest of the body is what the read answered at that time, byte for byte.
func writeJSON(c echo.Context, code int, v any) error {
	a, ok := engine.AsOfFrom(c.Request().Context())
	if !ok {
		return c.JSON(code, v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > 1 && b[0] == '{' {
		stamp, _ := json.Marshal(a.Time.Format(time.RFC3339Nano))
		var out bytes.Buffer
		out.Grow(len(b) + len(stamp) + 12)
		out.WriteString(`{"as_of":`)
		out.Write(stamp)
		if b[1] != '}' {
			out.WriteByte(',')
		}
		out.Write(b[1:])
		b = out.Bytes()
	}
	return c.Blob(code, echo.MIMEApplicationJSON, append(b, '\n'))
}
