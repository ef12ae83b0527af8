// Package engine evaluates indicator definitions against the datasets in DuckDB: it compiles
// each definition to SQL (identifiers quoted, values bound), reads every area and period,
// makes the judgements (confidence intervals, comparators, rank and quartile, RAG, direction of
// travel) and materialises the results in the evaluations table, so reads never recompute.
package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// Engine evaluates indicators and serves stored evaluations. It is safe for concurrent use:
// evaluations are written through the store's single writer and read in parallel.
type Engine struct {
	DB       *store.DB
	Datasets *datasets.Service
	Catalog  *indicators.Catalog
	// Scorecards are the scorecard definitions; nil means none.
	Scorecards *indicators.Scorecards
	// Groups are the user-defined comparator groups (nil means none); see groups.go.
	Groups *indicators.Groups
	Areas  *areas.Registry
	// Vintage is the statistical-neighbour vintage used for averages (areas.DefaultVintage).
	Vintage string
	// MinAggregateCoverage is the share of a group's current LAs that must have a value before
	// England or a region is aggregated from LA rows (DefaultMinAggregateCoverage when 0; a
	// negative value means any number will do).
	MinAggregateCoverage float64
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Log receives a line per evaluation run; nil discards.
	Log *slog.Logger

	// DefinitionRevision, when set, reports an indicator definition's current revision, so that
	// an evaluation run that a definition change caused names it (Cause); nil leaves it unnamed.
	DefinitionRevision func(ctx context.Context, indicator string) (DefinitionRevision, bool)

	// ScorecardAsOf, when set, is the scorecard id as it was defined at a time, for reads as at
	// that time (WithAsOf): nil with existed true when it existed but cannot be read back (the
	// current one is used), nil with existed false when it did not exist then.
	ScorecardAsOf func(ctx context.Context, id string, t time.Time) (sc *indicators.Scorecard, existed bool)

	// definitionHashes caches each definition's hash, by *indicators.Definition (definitionHashOf).
	definitionHashes sync.Map
}

const schema = `
CREATE TABLE IF NOT EXISTS evaluations (
	indicator VARCHAR NOT NULL,
	area_code VARCHAR NOT NULL,
	area_level VARCHAR NOT NULL,
	period VARCHAR NOT NULL,
	period_kind VARCHAR NOT NULL,
	period_end DATE NOT NULL,
	value DOUBLE,
	rag VARCHAR NOT NULL,
	doc BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluation_runs (
	indicator VARCHAR PRIMARY KEY,
	dataset VARCHAR NOT NULL,
	revision BIGINT NOT NULL,
	definition_sha256 VARCHAR NOT NULL,
	evaluated_at TIMESTAMP NOT NULL,
	evaluations BIGINT NOT NULL,
	error VARCHAR,
	targets_revision BIGINT NOT NULL DEFAULT 0
);
ALTER TABLE evaluation_runs ADD COLUMN IF NOT EXISTS targets_revision BIGINT DEFAULT 0;
ALTER TABLE evaluation_runs ADD COLUMN IF NOT EXISTS warning VARCHAR;
`

// Migrate creates the engine's tables if they do not exist.
func (e *Engine) Migrate(ctx context.Context) error {
	return e.DB.Migrate(ctx, "engine", schema+commentarySchema+historySchema+historyHorizonSchema)
}

// now is the clock in UTC, truncated to the microsecond that a DuckDB TIMESTAMP keeps, so that
// an evaluation's evaluated_at reads back as it was made.
func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (e *Engine) vintage() string {
	if e.Vintage != "" {
		return e.Vintage
	}
	return areas.DefaultVintage
}

// RunResult reports one indicator's evaluation run.
type RunResult struct {
	Indicator   string        `json:"indicator"`
	Dataset     string        `json:"dataset"`
	Revision    int64         `json:"revision"`
	Evaluations int           `json:"evaluations"`
	Duration    time.Duration `json:"duration_ns"`
	// Error says why the indicator could not be evaluated (it then has no stored evaluations).
	Error string `json:"error,omitempty"`
	// Warning says what the evaluation had to leave out, for example uploaded targets that could
	// not be read: the indicator was evaluated without them.
	Warning string `json:"warning,omitempty"`
}

// EvaluateAll evaluates every indicator and replaces all stored evaluations.
func (e *Engine) EvaluateAll(ctx context.Context) ([]RunResult, error) {
	return e.evaluate(ctx, func(*indicators.Definition, snapshot) bool { return true })
}

// EvaluateDataset re-evaluates only the indicators that read the named dataset (after a load
// or restore).
func (e *Engine) EvaluateDataset(ctx context.Context, dataset string) ([]RunResult, error) {
	return e.evaluate(ctx, func(d *indicators.Definition, _ snapshot) bool {
		return d.Source.Dataset == dataset || dataset == datasets.TargetsDataset
	})
}

// Refresh evaluates the indicators that have never been evaluated or whose dataset has a newer
// current revision than the one they were evaluated on (for example after a crash between a
// load and its evaluation). Indicators whose definition changed are re-evaluated only when
// definitionsToo is true, so a changed target never re-colours history unasked.
func (e *Engine) Refresh(ctx context.Context, definitionsToo bool) ([]RunResult, error) {
	stale, err := e.staleRule(ctx, e.DB.SQL, definitionsToo)
	if err != nil {
		return nil, err
	}
	return e.evaluate(ctx, stale)
}

// staleRule reads the evaluation runs through q and returns Refresh's selection: indicators
// never evaluated, or whose dataset or targets revision has changed since their run (or, with
// definitionsToo, whose definition has).
func (e *Engine) staleRule(ctx context.Context, q datasets.Queryer, definitionsToo bool) (func(*indicators.Definition, snapshot) bool, error) {
	type run struct {
		revision int64
		targets  int64
		hash     string
	}
	runs := map[string]run{}
	rows, err := q.QueryContext(ctx, "SELECT indicator, revision, coalesce(targets_revision, 0), definition_sha256 FROM evaluation_runs")
	if err != nil {
		return nil, fmt.Errorf("engine: read runs: %w", err)
	}
	for rows.Next() {
		var id string
		var r run
		if err := rows.Scan(&id, &r.revision, &r.targets, &r.hash); err != nil {
			rows.Close()
			return nil, fmt.Errorf("engine: read runs: %w", err)
		}
		runs[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: read runs: %w", err)
	}
	return func(d *indicators.Definition, current snapshot) bool {
		r, ok := runs[d.ID]
		switch {
		case !ok:
			return true
		case r.revision != current.revision(d.Source.Dataset), r.targets != current.revision(datasets.TargetsDataset):
			return true
		case definitionsToo && r.hash != e.definitionHashOf(d):
			return true
		}
		return false
	}, nil
}

// evaluate computes the selected indicators and stores the results, one write transaction for
// all of them so readers switch from the old results to the new at once.
//
// Indicators are computed in parallel (one worker per CPU): each worker reads its indicator's
// rows from DuckDB (reads run in parallel on the pool), makes the judgements and encodes the
// documents to store, so the write transaction only hands finished rows to the appender.
func (e *Engine) evaluate(ctx context.Context, selected func(*indicators.Definition, snapshot) bool) ([]RunResult, error) {
	at := e.now()
	r, err := e.plan(ctx, reader{q: e.DB.SQL}, selected, at, false)
	if err != nil || len(r.work) == 0 {
		return nil, err
	}
	work := r.work
	if err := e.store(ctx, work, at, r.targetsRevision, r.current); err != nil {
		return nil, err
	}
	results := make([]RunResult, len(work))
	for i, c := range work {
		results[i] = c.res
		if e.Log != nil {
			e.Log.Info("evaluated", "indicator", c.res.Indicator, "dataset", c.res.Dataset, "revision", c.res.Revision,
				"evaluations", c.res.Evaluations, "duration_ms", float64(c.res.Duration.Microseconds())/1000, "error", c.res.Error)
		}
	}
	return results, nil
}

// planned is one evaluation run's indicators, computed.
type planned struct {
	work            []*computed
	targetsRevision int64
	current         snapshot
}

// plan reads the datasets' current revisions and the uploaded targets through src, selects the
// indicators and computes them (not storing anything): the part of a run that a preview shares.
// With keep (a preview) the evaluations are kept as they are instead of encoded for storage.
func (e *Engine) plan(ctx context.Context, src reader, selected func(*indicators.Definition, snapshot) bool, at time.Time, keep bool) (planned, error) {
	// One snapshot of the datasets' current revisions for the whole run.
	all, err := e.Datasets.DatasetsOn(ctx, src.q)
	if err != nil {
		return planned{}, err
	}
	current := make(snapshot, len(all))
	for i := range all {
		current[all[i].Name] = &all[i]
	}
	// Uploaded targets that cannot be read must not stop any indicator from being evaluated:
	// each is evaluated without them and says so. The run still records the targets revision
	// it saw, so a restore of a good revision (a new revision) re-evaluates them.
	uploaded, targetsWarning, err := e.uploadedTargets(ctx, src, current[datasets.TargetsDataset])
	if err != nil {
		return planned{}, err
	}
	r := planned{targetsRevision: current.revision(datasets.TargetsDataset), current: current}
	for _, def := range e.Catalog.All() {
		if selected(def, current) {
			r.work = append(r.work, &computed{def: def, keep: keep, res: RunResult{Indicator: def.ID, Dataset: def.Source.Dataset, Warning: targetsWarning}})
		}
	}
	if len(r.work) == 0 {
		return r, nil
	}
	return r, e.computeAll(ctx, src, r.work, current, uploaded, at)
}

// snapshot is the datasets' current revisions, by name, as one evaluation run sees them.
type snapshot map[string]*datasets.Dataset

// revision is the named dataset's current revision, 0 when there is none.
func (s snapshot) revision(name string) int64 {
	if d, ok := s[name]; ok {
		return d.Revision
	}
	return 0
}

// computed is one indicator's evaluation run: its results encoded for storage.
type computed struct {
	def  *indicators.Definition
	rows []storedRow
	// digest is digestRows of rows.
	digest int64
	res    RunResult
	// evals, when keep is set (a preview), are the evaluations themselves, not encoded.
	keep  bool
	evals []*Evaluation
}

// computeAll evaluates every indicator in work on runtime.GOMAXPROCS workers. An indicator
// that cannot be evaluated records its error in its result; only a cancelled context fails
// the whole run.
func (e *Engine) computeAll(ctx context.Context, src reader, work []*computed, current snapshot, uploaded map[string][]targetEntry, at time.Time) error {
	jobs := make(chan *computed)
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(work))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				e.compute(ctx, src, c, current[c.def.Source.Dataset], uploaded[c.def.ID], at)
			}
		}()
	}
	for _, c := range work {
		if ctx.Err() != nil {
			break
		}
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	return ctx.Err()
}

// compute evaluates one indicator on ds, its dataset's current revision (nil when there is
// none), and encodes its rows.
func (e *Engine) compute(ctx context.Context, src reader, c *computed, ds *datasets.Dataset, uploaded []targetEntry, at time.Time) {
	start := time.Now()
	defer func() { c.res.Duration = time.Since(start) }()
	if ds == nil {
		c.res.Error = errs.Errorf(errs.NotFound, "no dataset named %q", c.def.Source.Dataset).Error()
		return
	}
	c.res.Revision = ds.Revision
	evals, err := e.evaluateIndicator(ctx, src, c.def, ds, uploaded, at)
	if err == nil && c.keep {
		c.evals = evals
		c.res.Evaluations = len(evals)
		return
	}
	if err == nil {
		c.rows, err = encodeRows(evals)
		c.digest = digestRows(c.rows)
	}
	if err != nil {
		c.rows = nil
		c.res.Error = err.Error()
		return
	}
	c.res.Evaluations = len(c.rows)
}

// store writes the evaluations and run records of the indicators in work as one evaluation
// run, in one transaction: the versions that changed replace the stored ones, which move to the
// history (history.go), and the run is logged with its cause.
func (e *Engine) store(ctx context.Context, work []*computed, at time.Time, targetsRevision int64, current snapshot) error {
	ids := make([]any, len(work))
	for i, c := range work {
		ids[i] = c.def.ID
	}
	in := placeholders(len(ids))
	err := e.DB.Write(ctx, func(conn *sql.Conn) error {
		run, err := nextRun(ctx, conn)
		if err != nil {
			return err
		}
		prev, err := previousRuns(ctx, conn, in, ids)
		if err != nil {
			return err
		}
		if err := storeVersions(ctx, conn, work, run, prev); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM evaluation_runs WHERE indicator IN "+in, ids...); err != nil {
			return fmt.Errorf("clear evaluation runs: %w", err)
		}
		err = store.AppenderContext(ctx, conn, "evaluation_runs", func(appendRow func(...driver.Value) error) error {
			for _, c := range work {
				if err := appendRow(c.def.ID, c.def.Source.Dataset, c.res.Revision, e.definitionHashOf(c.def), at,
					int64(c.res.Evaluations), nullString(c.res.Error), targetsRevision, nullString(c.res.Warning), c.digest); err != nil {
					return fmt.Errorf("record run of %s: %w", c.def.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return e.logRun(ctx, conn, work, run, at, targetsRevision, prev, current)
	})
	if err != nil {
		return fmt.Errorf("engine: store evaluations: %w", err)
	}
	return nil
}

// nullString is s, or NULL when s is empty.
func nullString(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

// definitionHashOf is d's hash, computed once per definition (a definition is never edited in
// place: a change is a new *Definition).
func (e *Engine) definitionHashOf(d *indicators.Definition) string {
	if h, ok := e.definitionHashes.Load(d); ok {
		return h.(string)
	}
	h, _ := e.definitionHashes.LoadOrStore(d, definitionHash(d))
	return h.(string)
}

// definitionHash is the SHA-256 of d's JSON.
func definitionHash(d *indicators.Definition) string {
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Check validates every definition against the current datasets: the columns exist with the
// right types, and the filters select at most one row per area and period. It returns one
// *errs.Error listing every problem.
func (e *Engine) Check(ctx context.Context) error {
	all, err := e.Datasets.Datasets(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*datasets.Dataset{}
	for i := range all {
		byName[all[i].Name] = &all[i]
	}
	if err := e.Catalog.CheckData(func(name string) ([]datasets.Column, bool) {
		d, ok := byName[name]
		if !ok {
			return nil, false
		}
		return d.Columns, true
	}); err != nil {
		return err
	}
	var problems errs.List
	for _, def := range e.Catalog.All() {
		if _, err := e.read(ctx, reader{q: e.DB.SQL}, def, byName[def.Source.Dataset]); err != nil {
			if ee, ok := errs.As(err); ok {
				for _, d := range ee.Details {
					problems.Add(d)
				}
				continue
			}
			return err
		}
	}
	return problems.Err("indicator definitions do not match the data: %d problem(s)", problems.Len())
}

// RunProblem is an indicator whose last evaluation run failed or left something out.
type RunProblem struct {
	Indicator string `json:"indicator"`
	Dataset   string `json:"dataset"`
	Revision  int64  `json:"revision"`
	// Error says why the indicator has no evaluations; Warning what its evaluations left out.
	Error   string `json:"error,omitempty"`
	Warning string `json:"warning,omitempty"`
}

// RunProblems lists the indicators whose last evaluation run recorded an error or a warning,
// by indicator: what /readyz reports as warnings, so that a broken dataset revision is visible
// without stopping the service.
func (e *Engine) RunProblems(ctx context.Context) ([]RunProblem, error) {
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT indicator, dataset, revision, coalesce(error, ''), coalesce(warning, '')
		FROM evaluation_runs WHERE error IS NOT NULL OR warning IS NOT NULL ORDER BY indicator`)
	if err != nil {
		return nil, fmt.Errorf("engine: read run problems: %w", err)
	}
	defer rows.Close()
	var out []RunProblem
	for rows.Next() {
		var p RunProblem
		if err := rows.Scan(&p.Indicator, &p.Dataset, &p.Revision, &p.Error, &p.Warning); err != nil {
			return nil, fmt.Errorf("engine: read run problems: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// EvaluationState says how far the re-evaluation that follows a committed change has got.
type EvaluationState string

// Evaluation states of a change.
const (
	// Evaluated: the indicators the change affects were evaluated on it (some may still report
	// their own error or warning in their RunResult).
	Evaluated EvaluationState = "evaluated"
	// Pending: the change is committed and its re-evaluation is still running in the
	// background (the request's time ran out first); reads show the earlier evaluations until
	// it finishes.
	Pending EvaluationState = "pending"
	// Failed: the re-evaluation could not run; Reason says why. The change stays committed and
	// the indicators are evaluated again at the next start or re-evaluation.
	Failed EvaluationState = "failed"
)

// Reevaluation is the re-evaluation a committed change caused.
type Reevaluation struct {
	State EvaluationState `json:"state"`
	// Reason says why the state is pending or failed.
	Reason string `json:"reason,omitempty"`
	// Results are the indicator runs, when the state is evaluated.
	Results []RunResult `json:"results"`
}

// Scope says which indicators a re-evaluation (scorecard.App.Reevaluate) evaluates.
type Scope int

// Scopes of a re-evaluation.
const (
	// Stale: the indicators never evaluated, or whose dataset or targets have a newer revision
	// than the one they were evaluated on (what start-up and every change run).
	Stale Scope = iota
	// Changed: Stale, and the indicators whose definition changed since.
	Changed
	// All: every indicator.
	All
)
