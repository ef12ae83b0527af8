package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/backup"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/staging"
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
	// Staged holds previewed uploads waiting for confirmation (Preview, Confirm).
	Staged *staging.Store
	Log    *slog.Logger
	// Definitions keeps the revisions of definitions changed at run time (PutDefinition);
	// Scorecards and Groups are the current scorecards and comparator groups.
	Definitions *definitions.Service
	Scorecards  *indicators.Scorecards
	Groups      *indicators.Groups
	defs        definitionState

	// life ends when the App closes: it bounds the re-evaluations that outlive the request (or
	// command) that caused them, which bg counts so Close can wait for them.
	life    context.Context
	stop    context.CancelFunc
	bg      sync.WaitGroup
	evalSem chan struct{} // one evaluation run at a time, so a later run never loses to an earlier one
	retry   atomic.Bool   // a retry of a failed re-evaluation is scheduled
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
	// StagedDir is the private directory of previewed uploads waiting for confirmation
	// (staging.Store.Dir: a directory of its own in the system's temporary directory when "").
	StagedDir string
	// StagedTTL is how long a previewed upload waits for confirmation (staging.DefaultTTL
	// when 0).
	StagedTTL time.Duration
	// HistoryRetention, when positive, is how long the evaluation history is kept: the App
	// prunes what ended longer ago at start and then every HistoryPruneInterval until it
	// closes. Zero keeps everything.
	HistoryRetention time.Duration
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
	app := &App{DB: db, Areas: reg, Catalog: cat, Log: log, evalSem: make(chan struct{}, 1)}
	app.life, app.stop = context.WithCancel(context.Background())
	app.Datasets = &datasets.Service{DB: db, Areas: reg, Catalog: cat, Now: cfg.Now}
	app.Engine = &engine.Engine{DB: db, Datasets: app.Datasets, Catalog: cat, Scorecards: scorecards, Areas: reg,
		Vintage: cfg.Vintage, MinAggregateCoverage: cfg.MinAggregateCoverage, Now: cfg.Now, Log: log}
	if scorecards == nil {
		scorecards = indicators.NewScorecards()
		app.Engine.Scorecards = scorecards
	}
	app.Scorecards, app.Groups = scorecards, indicators.NewGroups()
	app.Engine.Groups = app.Groups
	app.Definitions = &definitions.Service{DB: db, Now: cfg.Now}
	app.Engine.ScorecardAsOf = app.scorecardAsOf
	// An evaluation run that a definition change caused names the revision (the history's cause).
	app.Engine.DefinitionRevision = func(ctx context.Context, id string) (engine.DefinitionRevision, bool) {
		r, ok, err := app.Definitions.CurrentOf(ctx, definitions.Indicator, id)
		if err != nil || !ok {
			return engine.DefinitionRevision{}, false
		}
		return engine.DefinitionRevision{Revision: r.Revision, By: r.By, At: r.Created}, true
	}
	app.Auth = &auth.Service{DB: db, Areas: reg, Now: cfg.Now}
	app.Staged = &staging.Store{Dir: cfg.StagedDir, TTL: cfg.StagedTTL, Now: cfg.Now}
	if err := app.init(ctx, cfg.Seed); err != nil {
		app.stop()
		db.Close()
		return nil, err
	}
	app.sweepStaged(time.Minute)
	if cfg.HistoryRetention > 0 {
		app.keepHistory(cfg.HistoryRetention, HistoryPruneInterval)
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
	if err := (&definitions.Service{DB: db}).Migrate(ctx); err != nil {
		return err
	}
	return (&auth.Service{DB: db}).Migrate(ctx)
}

func (a *App) init(ctx context.Context, seed bool) error {
	if err := Migrate(ctx, a.DB); err != nil {
		return err
	}
	revised, err := a.initDefinitions(ctx)
	if err != nil {
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
		a.Log.Info("shipped data loaded", "duration_ms", time.Since(start).Milliseconds())
	}
	// A dataset revision the engine cannot read fails only the indicators that read it (their
	// run records the problem, and /readyz reports it); it never stops start-up.
	if _, err := a.Reevaluate(ctx, engine.Stale); err != nil {
		return err
	}
	// A definition revised at run time whose re-evaluation did not finish before a stop.
	if len(revised) > 0 {
		if _, err := a.evaluateIndicators(ctx, revised, true); err != nil {
			return err
		}
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
		UNION ALL SELECT max(created_at) FROM commentary
		UNION ALL SELECT max(created_at) FROM definition_revisions)`).Scan(&last)
	if err != nil {
		return fmt.Errorf("read last modification time: %w", err)
	}
	if last.Valid {
		a.DB.SetModified(last.Time)
	}
	return nil
}

// Load stores a CSV as a new revision of a dataset and re-evaluates the indicators it affects.
// It is the one load path: the API, the command line and start-up's shipped data all use it.
//
// An error means nothing was committed (on a rejected upload the rejected revision is returned
// with it). Once the revision is committed, Load returns it with a nil error whatever happens to
// the re-evaluation: see Reevaluation for its states.
func (a *App) Load(ctx context.Context, dataset string, r io.Reader, up datasets.Upload) (*datasets.Revision, engine.Reevaluation, error) {
	name, err := checkFileName(up.FileName)
	if err != nil {
		return nil, engine.Reevaluation{}, err
	}
	up.FileName = name
	up.By = strings.ToValidUTF8(up.By, "\uFFFD") // a header may hold any bytes; DuckDB stores UTF-8
	rev, err := a.Datasets.Load(ctx, dataset, r, up)
	if err != nil {
		return rev, engine.Reevaluation{}, err
	}
	return rev, a.reevaluateAfterChange(ctx), nil
}

// Restore makes an earlier revision of a dataset current again (as a new revision) and
// re-evaluates the indicators it affects, with Load's guarantees.
func (a *App) Restore(ctx context.Context, dataset string, id int64, by string) (*datasets.Revision, engine.Reevaluation, error) {
	rev, err := a.Datasets.Restore(ctx, dataset, id, strings.ToValidUTF8(by, "\uFFFD"))
	if err != nil {
		return rev, engine.Reevaluation{}, err
	}
	return rev, a.reevaluateAfterChange(ctx), nil
}

// Reevaluate evaluates the indicators in scope on ctx, one run at a time: a run waits for the
// one in progress (or for ctx to end). Indicators that cannot be evaluated report it in their
// RunResult; the error is for a run that could not happen at all.
func (a *App) Reevaluate(ctx context.Context, scope engine.Scope) ([]engine.RunResult, error) {
	select {
	case a.evalSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the evaluation in progress: %w", ctx.Err())
	}
	defer func() { <-a.evalSem }()
	start := time.Now()
	var results []engine.RunResult
	var err error
	switch scope {
	case engine.All:
		results, err = a.Engine.EvaluateAll(ctx)
	case engine.Changed:
		results, err = a.Engine.Refresh(ctx, true)
	default:
		results, err = a.Engine.Refresh(ctx, false)
	}
	if err != nil {
		return nil, err
	}
	if len(results) > 0 {
		n := 0
		for _, r := range results {
			n += r.Evaluations
			if r.Error != "" {
				a.Log.Warn("indicator not evaluated", "indicator", r.Indicator, "error", r.Error)
			} else if r.Warning != "" {
				a.Log.Warn("indicator evaluated with a warning", "indicator", r.Indicator, "warning", r.Warning)
			}
		}
		a.Log.Info("evaluated", "indicators", len(results), "evaluations", n, "duration_ms", time.Since(start).Milliseconds())
	}
	return nonNil(results), nil
}

// EvaluationTimeout bounds a re-evaluation that runs after a change.
const EvaluationTimeout = 10 * time.Minute

// retryDelays are the waits before each retry of a failed re-evaluation.
var retryDelays = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute}

// reevaluateAfterChange re-evaluates the stale indicators after a committed change. The run
// belongs to the App, not to ctx: when ctx ends first the answer is Pending and the run goes
// on; when it fails it is retried in the background (and at the next start in any case).
func (a *App) reevaluateAfterChange(ctx context.Context) engine.Reevaluation {
	done := make(chan engine.Reevaluation, 1)
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		done <- a.backgroundRefresh()
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return engine.Reevaluation{State: engine.Pending, Results: []engine.RunResult{},
			Reason: "the change is committed; its re-evaluation was still running when the request's time ran out and goes on in the background " +
				"(reads show the earlier evaluations until it finishes)"}
	}
}

// backgroundRefresh runs a Stale re-evaluation on the App's own context.
func (a *App) backgroundRefresh() engine.Reevaluation {
	ctx, cancel := context.WithTimeout(a.life, EvaluationTimeout)
	defer cancel()
	results, err := a.Reevaluate(ctx, engine.Stale)
	if err == nil {
		return engine.Reevaluation{State: engine.Evaluated, Results: results}
	}
	reason := "the re-evaluation failed"
	if e, ok := errs.As(err); ok && e.Code != errs.Internal {
		reason += ": " + e.Message
	} else if ctx.Err() != nil {
		reason += ": it took longer than " + EvaluationTimeout.String() + " or the service is stopping"
	}
	reason += "; the change is committed, and the re-evaluation is retried in the background and at the next start"
	a.Log.Error("re-evaluation after a change failed", "error", err)
	a.scheduleRetry()
	return engine.Reevaluation{State: engine.Failed, Reason: reason, Results: []engine.RunResult{}}
}

// scheduleRetry retries a failed re-evaluation a few times, unless a retry is already scheduled
// or the App is closing.
func (a *App) scheduleRetry() {
	if a.life.Err() != nil || !a.retry.CompareAndSwap(false, true) {
		return
	}
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		defer a.retry.Store(false)
		for _, d := range retryDelays {
			select {
			case <-a.life.Done():
				return
			case <-time.After(d):
			}
			ctx, cancel := context.WithTimeout(a.life, EvaluationTimeout)
			_, err := a.Reevaluate(ctx, engine.Stale)
			cancel()
			if err == nil {
				return
			}
			a.Log.Error("retried re-evaluation failed", "error", err)
		}
	}()
}

func nonNil(r []engine.RunResult) []engine.RunResult {
	if r == nil {
		return []engine.RunResult{}
	}
	return r
}

// Backup writes a consistent backup of the database into dir (new or empty) while the App goes
// on serving reads: the export holds the write lock, so a change committed before it is in the
// backup and one that starts after it waits. See backup.Write.
func (a *App) Backup(ctx context.Context, dir string) (*backup.Manifest, error) {
	start := time.Now()
	man, err := backup.Write(ctx, a.DB, dir)
	if err != nil {
		return nil, err
	}
	a.Log.Info("backup written", "dir", dir, "tables", len(man.Tables), "bytes", man.Bytes(), "duration_ms", time.Since(start).Milliseconds())
	return man, nil
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
	// Background re-evaluations stop: a change they had not finished evaluating is stale and
	// is evaluated at the next start.
	a.stop()
	a.bg.Wait()
	a.Staged.Close() // staged uploads survive nothing
	cerr := a.Checkpoint(context.Background())
	if err := a.DB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if cerr != nil {
		return cerr
	}
	if a.DB.Path != "" {
		a.Log.Info("database checkpointed and closed", "path", a.DB.Path, "duration_ms", time.Since(start).Milliseconds())
	}
	return nil
}

// MaxFileNameLength is the longest upload file name kept with a revision, in characters.
const MaxFileNameLength = 255

// checkFileName returns an upload's file name as it is stored with the revision: bytes that are
// not UTF-8 are replaced (a name is a label, not data). A name that is too long, holds control
// characters or holds what looks like an API token secret is refused, since it is shown to
// everyone who lists the revisions.
func checkFileName(name string) (string, error) {
	name = strings.ToValidUTF8(name, "\uFFFD")
	var reason string
	switch {
	case utf8.RuneCountInString(name) > MaxFileNameLength:
		reason = fmt.Sprintf("the file name has %d characters; at most %d are kept", utf8.RuneCountInString(name), MaxFileNameLength)
	case strings.ContainsFunc(name, unicode.IsControl):
		reason = "the file name holds a control character"
	case auth.LooksLikeSecret(name):
		reason = "the file name looks like it holds an API token secret (" + auth.SecretPrefix + "...); rename the file, and revoke the token if the secret is real"
	default:
		return name, nil
	}
	return "", &errs.Error{Code: errs.Invalid, Message: "the upload was refused: " + reason + "; nothing was stored",
		Details: []errs.Detail{{Field: "file name", Reason: reason}}}
}
