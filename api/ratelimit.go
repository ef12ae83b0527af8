package api

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// Refused requests (401, 403 from authentication or authorisation) are limited per client IP
// with echo's rate limiter store (a token bucket per IP, golang.org/x/time/rate): a client may be
// refused DefaultRefusalsPerMinute times in a burst and then that often a minute; beyond that it
// is answered 429 with Retry-After, which is neither audited nor costs a database write. A
// second, server-wide budget bounds the refusals audited from all clients together, so a flood
// from many addresses cannot fill the audit log either.

// Defaults of the refusal limits.
const (
	// DefaultRefusalsPerMinute is Config.RefusalsPerMinute when 0.
	DefaultRefusalsPerMinute = 30
	// auditedRefusalsPerMinute bounds the refused requests audited from all clients together.
	auditedRefusalsPerMinute = 600
)

// refusalLimits are the per-client and server-wide budgets of refused requests.
type refusalLimits struct {
	perClient  *middleware.RateLimiterMemoryStore
	audited    *middleware.RateLimiterMemoryStore
	retryAfter int // seconds until a client has a refusal to spend again
}

// perMinute is a token bucket of n a minute with a burst of n, forgetting idle clients after
// ten minutes.
func perMinute(n int) *middleware.RateLimiterMemoryStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(n) / 60), Burst: n, ExpiresIn: 10 * time.Minute,
	})
}

func newRefusalLimits(n int) *refusalLimits {
	if n <= 0 {
		n = DefaultRefusalsPerMinute
	}
	return &refusalLimits{perClient: perMinute(n), audited: perMinute(auditedRefusalsPerMinute),
		retryAfter: int(math.Ceil(60 / float64(n)))}
}

// refuse returns err, a refusal (401 or 403), while the client's budget of refusals lasts;
// after that a RateLimited error (429) with Retry-After.
func (s *Server) refuse(c echo.Context, err error) error {
	if s.refusals == nil {
		return err
	}
	if ok, _ := s.refusals.perClient.Allow(c.RealIP()); ok {
		return err
	}
	h := c.Response().Header()
	h.Del(echo.HeaderWWWAuthenticate)
	h.Set(echo.HeaderRetryAfter, strconv.Itoa(s.refusals.retryAfter))
	return &errs.Error{Code: errs.RateLimited, Message: fmt.Sprintf(
		"too many refused requests from this address: retry after %d seconds, with a valid API token", s.refusals.retryAfter)}
}

// auditRefusal reports whether a refused write may still be audited (the server-wide budget).
func (s *Server) auditRefusal() bool {
	if s.refusals == nil {
		return true
	}
	ok, _ := s.refusals.audited.Allow("*")
	return ok
}

// DefaultCommentsPerMinute is Config.CommentsPerMinute when 0: far above what a person types,
// far below what a script pasting into the commentary could fill it with.
const DefaultCommentsPerMinute = 20

// commentLimit limits comment posting per token (per address without one) with echo's rate
// limiter: beyond the budget a 429 with Retry-After that says the limit.
func (s *Server) commentLimit() echo.MiddlewareFunc {
	n := s.Config.CommentsPerMinute
	if n <= 0 {
		n = DefaultCommentsPerMinute
	}
	retryAfter := int(math.Ceil(60 / float64(n)))
	tooMany := func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(retryAfter))
		return &errs.Error{Code: errs.RateLimited, Message: fmt.Sprintf(
			"too many comments: at most %d a minute may be posted with one token; retry after %d seconds", n, retryAfter)}
	}
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: perMinute(n),
		IdentifierExtractor: func(c echo.Context) (string, error) {
			if id := tokenID(c); id != "" {
				return "token " + id, nil
			}
			return "address " + c.RealIP(), nil
		},
		ErrorHandler: func(c echo.Context, err error) error { return tooMany(c) },
		DenyHandler:  func(c echo.Context, _ string, _ error) error { return tooMany(c) },
	})
}
