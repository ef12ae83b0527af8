package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// App is the wired product: one database, its datasets, the indicator catalogue and the engine.
// The binary, the end-to-end tests and the conformance tests all build it with Open, so they
// run the same wiring.
type App struct {
	DB       *store.DB
	Areas    *areas.Registry
	Catalog  *indicators.Catalog
	Datasets *datasets.Service
	Engine   *engine.Engine
	// Auth holds the API tokens and the audit log.
	Auth *auth.Service
	Log  *slog.Logger
}

// Config says where the database and definitions are. Zero values give the defaults.
type Config struct {
	// DBPath is the DuckDB file; "" opens an in-memory database.
	DBPath string
	// IndicatorsDir holds YAML files that override or add to the built-in definitions.
	IndicatorsDir string
	// Catalog, when set, replaces the definitions (tests of particular indicators).
	Catalog *indicators.Catalog
	// Scorecards, when set, replaces the scorecard definitions.
	Scorecards *indicators.Scorecards
	// Vintage is the statistical-neighbour vintage (areas.DefaultVintage when "").
	Vintage string
	// Seed loads the shipped data into a database that has no datasets yet.
	Seed bool
	// MinAggregateCoverage is passed to the engine (see engine.Engine).
	MinAggregateCoverage float64
	// DuckDB holds the database engine's settings (memory limit, threads).
	DuckDB store.Options
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives progress lines (discarded when nil).
	Log *slog.Logger
}

// Open opens (and if needed creates, migrates and seeds) the database and wires the services.
// Indicators whose dataset changed since they were last evaluated are re-evaluated.
func Open(ctx context.Context, cfg Config) (*App, error) {
	reg := areas.Default()
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cat := cfg.Catalog
	if cat == nil {
		var err error
		if cat, err = indicators.Load(cfg.IndicatorsDir, reg); err != nil {
			return nil, err
		}
	}
	scorecards := cfg.Scorecards
	if scorecards == nil && cfg.Catalog == nil {
		var err error
		if scorecards, err = indicators.LoadScorecards(cfg.IndicatorsDir, cat, reg); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(cfg.DBPath, cfg.DuckDB)
	if err != nil {
		return nil, err
	}
	db.OnReopen = func(err error) {
		if err != nil {
			log.Error("database invalidated by a fatal error; reopening it failed", "path", db.Path, "error", err)
			return
		}
		log.Warn("database invalidated by a fatal error; reopened", "path", db.Path)
	}
	app := &App{DB: db, Areas: reg, Catalog: cat, Log: log}
	app.Datasets = &datasets.Service{DB: db, Areas: reg, Catalog: cat, Now: cfg.Now}
	app.Engine = &engine.Engine{DB: db, Datasets: app.Datasets, Catalog: cat, Scorecards: scorecards, Areas: reg,
		Vintage: cfg.Vintage, MinAggregateCoverage: cfg.MinAggregateCoverage, Now: cfg.Now, Log: log}
	app.Auth = &auth.Service{DB: db, Areas: reg, Now: cfg.Now}
	if err := app.init(ctx, cfg.Seed); err != nil {
		db.Close()
		return nil, err
	}
	return app, nil
}

// Migrate creates (or brings up to date) every service's tables and sequences in db: the
// schema a fresh database gets, with nothing loaded or evaluated. Open runs it first; "scorecard
// restore --from" runs it on the new file and then fills the tables from the backup's Parquet
// files, so a restored database has the binary's own schema, never one read from the backup.
func Migrate(ctx context.Context, db *store.DB) error {
	if err := (&datasets.Service{DB: db}).Migrate(ctx); err != nil {
		return err
	}
	if err := (&engine.Engine{DB: db}).Migrate(ctx); err != nil {
		return err
	}
	return (&auth.Service{DB: db}).Migrate(ctx)
}

func (a *App) init(ctx context.Context, seed bool) error {
	if err := Migrate(ctx, a.DB); err != nil {
		return err
	}
	existing, err := a.Datasets.Datasets(ctx)
	if err != nil {
		return err
	}

	if len(existing) == 0 && seed {
		start := time.Now()
		a.Log.Info("new database: loading the shipped data", "path", a.DB.Path)
		if err := LoadShipped(ctx, a.Datasets); err != nil {
			return err
		}
		a.Log.Info("shipped data loaded", "duration", time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	results, err := a.Engine.Refresh(ctx, false)
	if err != nil {
		return err
	}
	if len(results) > 0 {
		n := 0
		for _, r := range results {
			n += r.Evaluations
			if r.Error != "" {
				a.Log.Warn("indicator not evaluated", "indicator", r.Indicator, "error", r.Error)
			}
		}
		a.Log.Info("evaluated", "indicators", len(results), "evaluations", n, "duration", time.Since(start).Round(time.Millisecond))
	}
	return a.markLastModified(ctx)
}

// markLastModified tells the store when the data on disk last changed (the latest revision,
// evaluation or comment), so Last-Modified headers say when the data changed, not when the
// process started, and survive a restart.
func (a *App) markLastModified(ctx context.Context) error {
	var last sql.NullTime
	err := a.DB.SQL.QueryRowContext(ctx, `SELECT max(t) FROM (
		SELECT max(created_at) AS t FROM revisions
		UNION ALL SELECT max(evaluated_at) FROM evaluation_runs
		UNION ALL SELECT max(created_at) FROM commentary)`).Scan(&last)
	if err != nil {
		return fmt.Errorf("read last modification time: %w", err)
	}
	if last.Valid {
		a.DB.SetModified(last.Time)
	}
	return nil
}

// Load stores a CSV as a new revision of a dataset and re-evaluates the indicators that read
// it. On a rejected upload the revision (status rejected) is returned with the error.
func (a *App) Load(ctx context.Context, dataset string, r io.Reader, up datasets.Upload) (*datasets.Revision, []engine.RunResult, error) {
	rev, err := a.Datasets.Load(ctx, dataset, r, up)
	if err != nil {
		return rev, nil, err
	}
	results, err := a.Engine.EvaluateDataset(ctx, dataset)
	return rev, results, err
}

// Checkpoint writes everything committed into the database file (DuckDB's CHECKPOINT), so the
// file alone holds it and the next start replays no log.
func (a *App) Checkpoint(ctx context.Context) error {
	if err := a.DB.Checkpoint(ctx); err != nil {
		return fmt.Errorf("checkpoint database: %w", err)
	}
	return nil
}

// Close checkpoints and closes the database. Call it after in-flight requests have finished:
// it waits for a write in progress, not for reads.
func (a *App) Close() error {
	start := time.Now()
	cerr := a.Checkpoint(context.Background())
	if err := a.DB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if cerr != nil {
		return cerr
	}
	if a.DB.Path != "" {
		a.Log.Info("database checkpointed and closed", "path", a.DB.Path, "duration", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
