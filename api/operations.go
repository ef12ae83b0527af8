package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/childrens-trust/scorecard/backup"
	"github.com/childrens-trust/scorecard/buildinfo"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Backups makes consistent backups of the running database (scorecard.App implements it).
// Backup writes a complete backup, manifest last, into dir (new or empty) while the server goes
// on serving; writes wait for it.
type Backups interface {
	Backup(ctx context.Context, dir string) (*backup.Manifest, error)
}

// VersionInfo is the answer of GET /api/v1/version: the build, the database engine and the
// version of the data being served.
type VersionInfo struct {
	buildinfo.Info
	// DuckDB is the DuckDB library's version (SELECT version()).
	DuckDB string `json:"duckdb_version"`
	// DataVersion changes with every committed change to the data or the definitions (the
	// same tag /readyz gives and the ETags and paging build on).
	DataVersion string `json:"data_version"`
	// DataModified is when the data last changed: the latest revision or evaluation on disk at
	// start-up, then each committed write.
	DataModified time.Time `json:"data_modified"`
}

// duckDBVersion is the DuckDB library's version, asked once (it cannot change while running).
func (s *Server) duckDBVersion(ctx context.Context) (string, error) {
	if v := s.duckdbVersion.Load(); v != nil {
		return *v, nil
	}
	v, err := s.Engine.DB.DuckDBVersion(ctx)
	if err != nil {
		return "", err
	}
	s.duckdbVersion.Store(&v)
	return v, nil
}

// ensureMetrics creates the metrics registry once, with the build-info metric.
func (s *Server) ensureMetrics() {
	if s.metrics == nil {
		s.metrics = newMetrics()
		s.registerBuildInfo(s.metrics)
	}
}

// version serves GET /api/v1/version.
func (s *Server) version(c echo.Context) error {
	duck, err := s.duckDBVersion(c.Request().Context())
	if err != nil {
		return err
	}
	v := s.Engine.DB.Version()
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.JSON(http.StatusOK, VersionInfo{Info: buildinfo.Get(), DuckDB: duck, DataVersion: v.Tag(), DataModified: v.Modified})
}

// registerBuildInfo adds scorecard_build_info{version,commit,go_version,duckdb_version} 1 to the
// metrics, the usual Prometheus way of exporting a build's identity.
func (s *Server) registerBuildInfo(m *metrics) {
	duck := buildinfo.Unknown
	if s.Engine != nil && s.Engine.DB != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if v, err := s.duckDBVersion(ctx); err == nil {
			duck = v
		}
		cancel()
	}
	b := buildinfo.Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "scorecard_build_info",
		Help: "The running build: always 1, with the version, commit, Go version and DuckDB version as labels.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "go_version": b.GoVersion,
			"duckdb_version": duck},
	})
	g.Set(1)
	m.reg.MustRegister(g)
}

// adminBackup serves POST /api/v1/admin/backup: a consistent backup of the running database as
// an uncompressed tar archive (manifest.json, schema.sql, load.sql and a Parquet file per
// table), which scorecard backup --from-server unpacks and scorecard restore --from restores.
// The export holds the write lock, so every upload accepted before it is in it and none is
// half in it; reads go on meanwhile. The files are written to a private directory under
// Config.BackupTempDir (the system's temporary directory when empty) and removed afterwards.
func (s *Server) adminBackup(c echo.Context) error {
	if s.Backups == nil {
		return errs.Errorf(errs.NotFound, "this server makes no backups (it has no database of its own to export)")
	}
	tmp, err := os.MkdirTemp(s.Config.BackupTempDir, "scorecard-backup-")
	if err != nil {
		return fmt.Errorf("backup: temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "backup")
	start := time.Now()
	man, err := s.Backups.Backup(c.Request().Context(), dir)
	if err != nil {
		return err
	}
	c.Set(keyAuditTarget, "backup")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/x-tar")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="scorecard-backup-%s.tar"`, man.CreatedAt.Format("20060102T150405Z")))
	h.Set(echo.HeaderCacheControl, "no-store")
	c.Response().WriteHeader(http.StatusOK)
	if err := backup.WriteTar(c.Response(), dir, man); err != nil {
		// The status is sent: the client sees a truncated archive, which fails its checks.
		if s.Log != nil {
			s.Log.Error("backup archive failed while streaming", "error", err)
		}
		return nil
	}
	if s.Log != nil {
		s.Log.Info("backup streamed", "tables", len(man.Tables), "bytes", man.Bytes(), "duration_ms", time.Since(start).Milliseconds())
	}
	return nil
}
