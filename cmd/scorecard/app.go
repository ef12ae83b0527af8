package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// App is the wired product: one database, its datasets, the indicator catalogue and the engine.
type App struct {
	DB       *store.DB
	Areas    *areas.Registry
	Catalog  *indicators.Catalog
	Datasets *datasets.Service
	Engine   *engine.Engine
	Log      *slog.Logger
}

// Config says where the database and definitions are.
type Config struct {
	DBPath        string
	IndicatorsDir string
	Vintage       string
	// Seed loads the shipped data into a database that has no datasets yet.
	Seed bool
}

// OpenApp opens (and if needed creates, migrates and seeds) the database and wires the services.
func OpenApp(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	reg := areas.Default()
	cat, err := indicators.Load(cfg.IndicatorsDir, reg)
	if err != nil {
		return nil, err
	}
	scorecards, err := indicators.LoadScorecards(cfg.IndicatorsDir, cat, reg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(cfg.DBPath)
	if err != nil {
		return nil, err
	}
	app := &App{DB: db, Areas: reg, Catalog: cat, Log: log}
	app.Datasets = &datasets.Service{DB: db, Areas: reg, Catalog: cat}
	app.Engine = &engine.Engine{DB: db, Datasets: app.Datasets, Catalog: cat, Scorecards: scorecards, Areas: reg, Vintage: cfg.Vintage, Log: log}
	if err := app.init(ctx, cfg.Seed); err != nil {
		db.Close()
		return nil, err
	}
	return app, nil
}

func (a *App) init(ctx context.Context, seed bool) error {
	if err := a.Datasets.Migrate(ctx); err != nil {
		return err
	}
	if err := a.Engine.Migrate(ctx); err != nil {
		return err
	}
	existing, err := a.Datasets.Datasets(ctx)
	if err != nil {
		return err
	}
	if len(existing) == 0 && seed {
		start := time.Now()
		a.Log.Info("new database: loading the shipped data", "path", a.DB.Path)
		if err := scorecard.LoadShipped(ctx, a.Datasets); err != nil {
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
	return nil
}

// Close closes the database.
func (a *App) Close() error {
	if err := a.DB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}
