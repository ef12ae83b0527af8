package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsHandler serves the Prometheus metrics. With Config.MetricsToken it needs
// "Authorization: Bearer <token>" (compared in constant time) and answers 401 without it. The
// handler serves /metrics itself unless Config.MetricsElsewhere; then mount this one on a listener
// of its own (serve --metrics-addr).
func (s *Server) MetricsHandler() http.Handler {
	s.ensureMetrics()
	prom := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff") // on its own listener too
		prom.ServeHTTP(w, r)
	})
	if s.Config.MetricsToken == "" {
		return h
	}
	want := sha256.Sum256([]byte(s.Config.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(secret)))
		// Hashing first makes the comparison constant-time whatever the lengths.
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			writeProblem(w, newProblem(string(errs.Unauthorized), http.StatusUnauthorized,
				"/metrics needs the metrics token (Authorization: Bearer <token>)", r.URL.Path))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// KeepAuditLog deletes audit records older than Config.AuditRetention now and then every
// interval until ctx ends. Failures are logged and retried at the next interval.
func (s *Server) KeepAuditLog(ctx context.Context, interval time.Duration) {
	for {
		s.PruneAudit(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// PruneAudit deletes the audit records older than Config.AuditRetention once; it returns how many.
func (s *Server) PruneAudit(ctx context.Context) int64 {
	keep := s.Config.AuditRetention
	if s.Auth == nil || keep < 0 {
		return 0
	}
	if keep == 0 {
		keep = auth.DefaultAuditRetention
	}
	now := time.Now
	if s.Auth.Now != nil {
		now = s.Auth.Now
	}
	n, err := s.Auth.PruneAudit(ctx, now().Add(-keep))
	if s.Log != nil {
		switch {
		case err != nil && ctx.Err() == nil:
			s.Log.Error("pruning the audit log", "error", err)
		case n > 0:
			s.Log.LogAttrs(ctx, slog.LevelInfo, "audit log pruned", slog.Int64("deleted", n), slog.Int64("retention_ms", keep.Milliseconds()))
		}
	}
	return n
}
