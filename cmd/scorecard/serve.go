package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/childrens-trust/scorecard/staging"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
)

// serveConfig is serve's configuration. Every setting is a flag whose default comes from an
// environment variable (SCORECARD_...) when that is set: flags win over the environment, the
// environment over the built-in default.
type serveConfig struct {
	addr             string
	stagedDir        string
	stagedTTL        time.Duration
	authMode         string
	readAccess       string
	corsOrigins      string
	trustedProxies   string
	requestTimeout   time.Duration
	writeTimeout     time.Duration
	shutdownTimeout  time.Duration
	drainGrace       time.Duration
	backupTempDir    string
	maxUploadMB      int64
	auditRetention   int64
	metricsAddr      string
	metricsToken     string
	logFormat        string
	logLevel         string
	historyRetention string
}

// env returns the environment variable name's value, or def when it is unset or empty.
func env(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// envErrors collects environment variables that do not parse, reported before anything starts.
type envErrors []string

func (e *envErrors) duration(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		*e = append(*e, fmt.Sprintf("%s=%q is not a positive duration such as 30s or 10m", name, v))
		return def
	}
	return d
}

// grace reads a duration that may be zero.
func (e *envErrors) grace(name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		*e = append(*e, fmt.Sprintf("%s=%q is not a duration such as 5s (0 for none)", name, v))
		return def
	}
	return d
}

// DefaultDrainGrace is how long, on SIGTERM, /readyz answers 503 while requests are still
// served, before the listener closes: long enough for a load balancer's health check (every
// few seconds) to see it and stop sending.
const DefaultDrainGrace = 5 * time.Second

// days reads a whole number of days, zero allowed (for ever).
func (e *envErrors) days(name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		*e = append(*e, fmt.Sprintf("%s=%q is not a whole number of days (0 keeps for ever)", name, v))
		return def
	}
	return n
}

func (e *envErrors) int64(name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		*e = append(*e, fmt.Sprintf("%s=%q is not a positive whole number", name, v))
		return def
	}
	return n
}

func (m *Main) serveFlags(fs *flag.FlagSet, cfg *serveConfig, bad *envErrors) {
	fs.StringVar(&cfg.addr, "addr", env("SCORECARD_ADDR", "localhost:8080"), "address to listen on, host:port (env SCORECARD_ADDR)")
	fs.StringVar(&cfg.authMode, "auth", env("SCORECARD_AUTH", "on"),
		"on: writes need an API token (see scorecard token); off: no tokens, for local development on a loopback address only (env SCORECARD_AUTH)")
	fs.StringVar(&cfg.readAccess, "read-access", env("SCORECARD_READ_ACCESS", api.ReadPublic),
		"public: anyone may read; token: reads need a viewer token or better (env SCORECARD_READ_ACCESS)")
	fs.StringVar(&cfg.corsOrigins, "cors-origins", env("SCORECARD_CORS_ORIGINS", ""),
		"comma-separated origins (https://host[:port]) browsers may call the API from; empty: CORS off (env SCORECARD_CORS_ORIGINS)")
	fs.StringVar(&cfg.trustedProxies, "trusted-proxies", env("SCORECARD_TRUSTED_PROXIES", ""),
		"comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: the client IP is the connection's (env SCORECARD_TRUSTED_PROXIES)")
	fs.DurationVar(&cfg.requestTimeout, "request-timeout", bad.duration("SCORECARD_REQUEST_TIMEOUT", api.DefaultRequestTimeout),
		"time limit of a read; its queries are cancelled then (env SCORECARD_REQUEST_TIMEOUT)")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", bad.duration("SCORECARD_WRITE_TIMEOUT", api.DefaultWriteTimeout),
		"time limit of an upload, restore or re-evaluation (env SCORECARD_WRITE_TIMEOUT)")
	fs.DurationVar(&cfg.shutdownTimeout, "shutdown-timeout", bad.duration("SCORECARD_SHUTDOWN_TIMEOUT", 30*time.Second),
		"on SIGINT/SIGTERM, how long in-flight requests may finish before they are cancelled (env SCORECARD_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&cfg.drainGrace, "drain-grace", bad.grace("SCORECARD_DRAIN_GRACE", DefaultDrainGrace),
		"on SIGINT/SIGTERM, how long /readyz answers 503 while requests are still accepted, before the listener closes; 0: close at once (env SCORECARD_DRAIN_GRACE)")
	fs.StringVar(&cfg.backupTempDir, "backup-temp-dir", env("SCORECARD_BACKUP_TEMP_DIR", ""),
		"where POST /api/v1/admin/backup writes a backup before streaming it (needs room for one); empty: the system's temporary directory (env SCORECARD_BACKUP_TEMP_DIR)")
	fs.Int64Var(&cfg.maxUploadMB, "max-upload-mb", bad.int64("SCORECARD_MAX_UPLOAD_MB", 256),
		"largest CSV upload in MiB; larger ones are refused with 413 (env SCORECARD_MAX_UPLOAD_MB)")
	fs.Int64Var(&cfg.auditRetention, "audit-retention-days", bad.days("SCORECARD_AUDIT_RETENTION_DAYS", 90),
		"days audit records are kept; older ones are deleted at start-up and hourly; 0 keeps them for ever (env SCORECARD_AUDIT_RETENTION_DAYS)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", env("SCORECARD_METRICS_ADDR", ""),
		"serve /metrics on this host:port only, not on --addr; empty: /metrics is on --addr (env SCORECARD_METRICS_ADDR)")
	fs.StringVar(&cfg.metricsToken, "metrics-token", env("SCORECARD_METRICS_TOKEN", ""),
		"bearer token /metrics needs (Authorization: Bearer ...); empty: /metrics is public (env SCORECARD_METRICS_TOKEN)")
	fs.StringVar(&cfg.stagedDir, "staged-dir", env("SCORECARD_STAGED_DIR", ""),
		"private directory of previewed uploads waiting for confirmation (made 0700; cleared at start-up); empty: a new one under the system's temporary directory (env SCORECARD_STAGED_DIR)")
	fs.DurationVar(&cfg.stagedTTL, "staged-ttl", bad.duration("SCORECARD_STAGED_TTL", staging.DefaultTTL),
		"how long a previewed upload waits for its confirmation (env SCORECARD_STAGED_TTL)")
	fs.StringVar(&cfg.historyRetention, "history-retention", env("SCORECARD_HISTORY_RETENTION", ""),
		"how long the evaluation history is kept, in days (400d) or as a duration (8760h); older history is pruned at start-up and daily; empty or 0 keeps everything (env SCORECARD_HISTORY_RETENTION)")
	fs.StringVar(&cfg.logFormat, "log-format", env("SCORECARD_LOG_FORMAT", "text"), "text or json (env SCORECARD_LOG_FORMAT)")
	fs.StringVar(&cfg.logLevel, "log-level", env("SCORECARD_LOG_LEVEL", "info"), "debug, info, warn or error (env SCORECARD_LOG_LEVEL)")
}

// apiConfig validates the settings and turns them into the server's configuration.
func (cfg *serveConfig) apiConfig() (api.Config, []string) {
	var problems []string
	out := api.Config{RequestTimeout: cfg.requestTimeout, WriteTimeout: cfg.writeTimeout}
	switch strings.ToLower(cfg.authMode) {
	case "on", "true", "1":
	case "off", "false", "0":
		out.AuthOff = true
		if !loopback(cfg.addr) {
			problems = append(problems, fmt.Sprintf("--auth=off is for local development: listen on a loopback address (localhost:8080, 127.0.0.1:8080), not %q", cfg.addr))
		}
	default:
		problems = append(problems, fmt.Sprintf("--auth must be on or off, not %q", cfg.authMode))
	}
	switch cfg.readAccess {
	case api.ReadPublic, api.ReadToken:
		out.ReadAccess = cfg.readAccess
	default:
		problems = append(problems, fmt.Sprintf("--read-access must be public or token, not %q", cfg.readAccess))
	}
	for _, o := range splitList(cfg.corsOrigins) {
		if o != "*" && !(strings.HasPrefix(o, "https://") || strings.HasPrefix(o, "http://")) || strings.Count(o, "/") > 3 {
			problems = append(problems, fmt.Sprintf("--cors-origins: %q is not an origin such as https://jsna.example.org", o))
			continue
		}
		out.CORSOrigins = append(out.CORSOrigins, o)
	}
	for _, p := range splitList(cfg.trustedProxies) {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil {
				bits := 32
				if ip.To4() == nil {
					bits = 128
				}
				p = fmt.Sprintf("%s/%d", p, bits)
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--trusted-proxies: %q is not an IP address or CIDR range", p))
			continue
		}
		out.TrustedProxies = append(out.TrustedProxies, n)
	}
	if cfg.requestTimeout <= 0 || cfg.writeTimeout <= 0 || cfg.shutdownTimeout <= 0 {
		problems = append(problems, "timeouts must be positive")
	}
	if cfg.drainGrace < 0 {
		problems = append(problems, "--drain-grace must be 0 or more")
	}
	out.BackupTempDir = cfg.backupTempDir
	if cfg.maxUploadMB <= 0 {
		problems = append(problems, "--max-upload-mb must be positive")
	}
	switch {
	case cfg.auditRetention < 0:
		problems = append(problems, "--audit-retention-days must be 0 (keep for ever) or more")
	case cfg.auditRetention == 0:
		out.AuditRetention = -1
	default:
		out.AuditRetention = time.Duration(cfg.auditRetention) * 24 * time.Hour
	}
	if cfg.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(cfg.metricsAddr); err != nil {
			problems = append(problems, fmt.Sprintf("--metrics-addr %q is not host:port", cfg.metricsAddr))
		} else if cfg.metricsAddr == cfg.addr {
			problems = append(problems, "--metrics-addr must differ from --addr")
		}
		out.MetricsElsewhere = true
	}
	out.MetricsToken = cfg.metricsToken
	return out, problems
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loopback reports whether addr listens on the loopback interface only.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (cfg *serveConfig) logger(m *Main) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", cfg.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(m.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", cfg.logFormat)
}

// serve runs the HTTP server until ctx is cancelled (SIGINT/SIGTERM). Then it drains: /readyz
// turns 503 while requests are still served for --drain-grace, then the listener closes, in-flight requests get up to --shutdown-timeout to finish
// (after that their contexts are cancelled, which stops their DuckDB queries, and they are
// waited for), and only then is the database closed.
func (m *Main) serve(ctx context.Context, args []string) error {
	var c common
	var cfg serveConfig
	var bad envErrors
	fs := m.flags("serve", &c)
	m.serveFlags(fs, &cfg, &bad)
	if err := parse(fs, args); err != nil {
		return err
	}
	apiCfg, problems := cfg.apiConfig()
	retention, err := parseRetention(cfg.historyRetention)
	if err != nil {
		problems = append(problems, err.Error())
	}
	log, err := cfg.logger(m)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if problems = append([]string(bad), problems...); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(m.Stderr, "serve:", p)
		}
		return errUsage
	}

	app, err := scorecard.Open(ctx, scorecard.Config{DBPath: c.db, IndicatorsDir: c.indicators, Vintage: c.vintage, Seed: true, Log: log,
		StagedDir: cfg.stagedDir, StagedTTL: cfg.stagedTTL, HistoryRetention: retention})
	if err != nil {
		return err
	}
	defer func() {
		if err := app.Close(); err != nil {
			log.Error("closing the database", "error", err)
			return
		}
		log.Info("database closed")
	}()
	app.Datasets.MaxBytes = cfg.maxUploadMB << 20

	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Log: log,
		Auth: app.Auth, Config: apiCfg, Backups: app}
	var handler http.Handler = srv.Handler()
	// Old audit records go at start-up, then hourly while serving.
	srv.PruneAudit(ctx)
	pruneCtx, stopPruning := context.WithCancel(context.Background())
	pruned := make(chan struct{})
	go func() { defer close(pruned); srv.KeepAuditLog(pruneCtx, time.Hour) }()
	defer func() { stopPruning(); <-pruned }() // before the database is closed
	if m.wrapHandler != nil {
		handler = m.wrapHandler(handler)
	}
	// Requests' contexts derive from this one, so a shutdown that runs out of patience can
	// cancel them all (and with them their queries).
	reqCtx, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	httpSrv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	mode := "writes need an API token"
	if apiCfg.AuthOff {
		mode = "AUTH OFF: anyone who can reach this address may write"
		log.Warn("authentication is off (--auth=off): for local development only")
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "db", app.DB.Path, "auth", mode,
		"read_access", cfg.readAccess, "cors_origins", apiCfg.CORSOrigins, "trusted_proxies", cfg.trustedProxies,
		"history_retention", historyRetentionLabel(retention))
	errc := make(chan error, 2)
	if cfg.metricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s for metrics: %w", cfg.metricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		metricsSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: httpSrv.ErrorLog}
		defer metricsSrv.Close()
		go func() { errc <- metricsSrv.Serve(mln) }()
		log.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	if m.Ready != nil {
		m.Ready <- ln.Addr().String()
	}
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	// Draining: /readyz answers 503 at once, but the listener stays open for the grace period so
	// that a load balancer sees the 503 and stops sending, rather than refused connections.
	srv.Drain()
	if cfg.drainGrace > 0 {
		log.Info("shutting down: /readyz answers 503; still serving during the drain grace period", "grace_ms", cfg.drainGrace.Milliseconds())
		select {
		case <-time.After(cfg.drainGrace):
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve: %w", err)
			}
		}
	}
	log.Info("shutting down: listener closed, draining in-flight requests", "timeout_ms", cfg.shutdownTimeout.Milliseconds())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		log.Warn("requests still running after the shutdown timeout: cancelling them", "error", err)
		cancelRequests()
		httpSrv.Close()
		idleCtx, cancelIdle := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancelIdle()
		if err := srv.Idle(idleCtx); err != nil {
			return fmt.Errorf("shutdown: requests did not stop after cancellation: %w", err)
		}
	}
	// Audit records are written after their answers: wait for the last ones.
	auditCtx, cancelAudit := context.WithTimeout(context.Background(), time.Minute)
	defer cancelAudit()
	if err := srv.Idle(auditCtx); err != nil {
		log.Warn("audit records still being written at shutdown", "error", err)
	}
	log.Info("all requests finished")
	return nil
}
