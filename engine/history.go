package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// Evaluation history (issue 18).
//
// Every evaluation run has a number (run), one more than the last, assigned under the store's
// single writer, so runs commit in the order of their numbers. A run records one row per
// indicator it evaluated in evaluation_run_log: when, on which dataset, definition and targets
// revisions, and what caused it. The evaluations table holds the current version of each
// indicator x area x period, with the run that made it (from_run). A run compares what it
// computed with the stored versions: a version whose document is byte for byte the same stays
// where it is (a re-run that changes nothing adds nothing); a version that differs, or is no
// longer produced, moves to evaluation_history with the run that replaced it (to_run), and the
// new version takes its place.
//
// So that an unchanged evaluation's document is the same from run to run, documents are stored
// without the two fields that every run changes: evaluated_at and the source's revision. A read
// takes them from the run that was current for the indicator (evaluation_runs now, or
// evaluation_run_log as at a time), so a current read answers what it answered before history.
const historySchema = `
ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS from_run BIGINT DEFAULT 0;
ALTER TABLE evaluation_runs ADD COLUMN IF NOT EXISTS content_digest BIGINT;
CREATE TABLE IF NOT EXISTS evaluation_history (
	indicator VARCHAR NOT NULL,
	area_code VARCHAR NOT NULL,
	area_level VARCHAR NOT NULL,
	period VARCHAR NOT NULL,
	period_kind VARCHAR NOT NULL,
	period_end DATE NOT NULL,
	value DOUBLE,
	rag VARCHAR NOT NULL,
	doc BLOB NOT NULL,
	from_run BIGINT NOT NULL,
	to_run BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluation_staging (
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
CREATE TABLE IF NOT EXISTS evaluation_run_log (
	run BIGINT NOT NULL,
	indicator VARCHAR NOT NULL,
	run_at TIMESTAMP NOT NULL,
	dataset VARCHAR NOT NULL,
	revision BIGINT NOT NULL,
	definition_sha256 VARCHAR NOT NULL,
	targets_revision BIGINT NOT NULL,
	evaluations BIGINT NOT NULL,
	error VARCHAR,
	cause VARCHAR NOT NULL,
	cause_dataset VARCHAR,
	cause_revision BIGINT,
	cause_by VARCHAR,
	cause_at TIMESTAMP,
	warning VARCHAR
);
`

// Causes of an evaluation run, as Cause.Kind says them.
const (
	CauseFirst        = "first_evaluation" // the indicator had not been evaluated before
	CauseUpload       = "upload"           // a new revision of the indicator's dataset
	CauseRestore      = "restore"          // a dataset revision restored (a new revision, a copy of an earlier one)
	CauseTargets      = "targets"          // a new revision of the uploaded targets
	CauseDefinition   = "definition"       // the indicator's definition changed
	CauseReevaluation = "reevaluation"     // evaluated again on the same inputs
)

// Cause is what made an evaluation run: which upload or definition change, by whom, when.
type Cause struct {
	Kind string `json:"kind"`
	// Dataset is the dataset uploaded (upload, restore, targets); "" otherwise.
	Dataset string `json:"dataset,omitempty"`
	// Revision is the dataset revision (upload, restore, targets) or the definition revision
	// (definition; 0 when the definition came from the shipped catalogue or --indicators).
	Revision int64 `json:"revision,omitempty"`
	// By and At say who made that revision and when.
	By string     `json:"by,omitempty"`
	At *time.Time `json:"at,omitempty"`
}

// DefinitionRevision is a definition's current revision, as Engine.DefinitionRevision reports.
type DefinitionRevision struct {
	Revision int64
	By       string
	At       time.Time
}

// asOfKey is the context key of an AsOf.
type asOfKey struct{}

// AsOf is a point in the evaluation history: the reads of a context carrying one (WithAsOf)
// answer what they answered at Time, from the evaluations current after Run.
type AsOf struct {
	// Time is the moment asked for.
	Time time.Time
	// Run is the last evaluation run committed at or before Time.
	Run int64
}

// WithAsOf returns a context whose evaluation reads (evaluations, scorecards, series, areas,
// exceptions, commentary) answer as at a. Resolve a time with Engine.ResolveAsOf.
func WithAsOf(ctx context.Context, a AsOf) context.Context {
	return context.WithValue(ctx, asOfKey{}, a)
}

// AsOfFrom is the AsOf that ctx carries, if any.
func AsOfFrom(ctx context.Context) (AsOf, bool) {
	a, ok := ctx.Value(asOfKey{}).(AsOf)
	return a, ok
}

// ResolveAsOf finds the last evaluation run committed at or before t. A time before the first
// run is a NotFound error: there was no scorecard then; so is a time before the history's start
// after PruneHistory.
func (e *Engine) ResolveAsOf(ctx context.Context, t time.Time) (AsOf, error) {
	var run sql.NullInt64
	var first sql.NullTime
	err := e.DB.SQL.QueryRowContext(ctx, `SELECT (SELECT max(run) FROM evaluation_run_log WHERE run_at <= ?),
		(SELECT min(run_at) FROM evaluation_run_log)`, t.UTC()).Scan(&run, &first)
	if err != nil {
		return AsOf{}, fmt.Errorf("engine: resolve as_of: %w", err)
	}
	// The start is checked first: after a prune the earliest run left is not the first there was.
	start, err := e.historyStart(ctx)
	if err != nil {
		return AsOf{}, err
	}
	if t.Before(start) {
		return AsOf{}, errs.Errorf(errs.NotFound, "the history before %s was pruned: as_of %s cannot be answered",
			start.UTC().Format(time.RFC3339), t.UTC().Format(time.RFC3339))
	}
	if !run.Valid {
		if !first.Valid {
			return AsOf{}, errs.Errorf(errs.NotFound, "nothing was evaluated as at %s: there is no evaluation history yet", t.UTC().Format(time.RFC3339))
		}
		return AsOf{}, errs.Errorf(errs.NotFound, "nothing was evaluated as at %s: the first evaluation was at %s",
			t.UTC().Format(time.RFC3339), first.Time.UTC().Format(time.RFC3339))
	}
	return AsOf{Time: t.UTC(), Run: run.Int64}, nil
}

// evaluationColumns are the evaluations table's columns that reads filter on, in order.
const evaluationColumns = "indicator, area_code, area_level, period, period_kind, period_end, value, rag, doc"

// evaluationsRelation is the relation reads select from in place of the evaluations table,
// aliased as evaluations: its columns and run_at and run_revision, the evaluated_at and source
// revision of the run that was current for the row's indicator. Under an AsOf it holds the
// versions current after that run. The arguments bind its placeholders, before any of the
// query's own.
func evaluationsRelation(ctx context.Context) (string, []any) {
	a, ok := AsOfFrom(ctx)
	if !ok {
		return `(SELECT ev.*, r.evaluated_at AS run_at, r.revision AS run_revision
			FROM evaluations ev JOIN evaluation_runs r ON r.indicator = ev.indicator) AS evaluations`, nil
	}
	return `(SELECT v.*, l.run_at, l.run_revision FROM (
			SELECT ` + evaluationColumns + ` FROM evaluations WHERE from_run <= ?
			UNION ALL
			SELECT ` + evaluationColumns + ` FROM evaluation_history WHERE from_run <= ? AND to_run > ?) v
		JOIN (SELECT indicator, run_at, revision AS run_revision FROM ` + runsAsOf + `) l ON l.indicator = v.indicator) AS evaluations`,
		[]any{a.Run, a.Run, a.Run, a.Run}
}

// runsAsOf is the relation of each indicator's last run record at or before run ? (bound), with
// evaluation_run_log's columns: evaluation_runs as it stood after that run.
const runsAsOf = `(SELECT l.* FROM evaluation_run_log l JOIN
	(SELECT indicator, max(run) AS run FROM evaluation_run_log WHERE run <= ? GROUP BY indicator) m
	ON m.indicator = l.indicator AND m.run = l.run) AS runs`

// patchRun puts back what a stored document leaves out: the run's time and the source revision.
func patchRun(ev *Evaluation, at time.Time, revision int64) {
	ev.EvaluatedAt = at.UTC()
	ev.Source.Revision = revision
}

// runInputs is what an indicator's last run read, from evaluation_runs.
type runInputs struct {
	dataset, definition string
	revision, targets   int64
	// digest and stored are the digest (digestRows) and number of the evaluations it stored.
	digest sql.NullInt64
	stored int64
}

// previousRuns reads the last run of each of ids.
func previousRuns(ctx context.Context, conn *sql.Conn, in string, ids []any) (map[string]runInputs, error) {
	rows, err := conn.QueryContext(ctx, `SELECT indicator, dataset, revision, definition_sha256, coalesce(targets_revision, 0),
		content_digest, evaluations FROM evaluation_runs WHERE indicator IN `+in, ids...)
	if err != nil {
		return nil, fmt.Errorf("read previous runs: %w", err)
	}
	defer rows.Close()
	out := map[string]runInputs{}
	for rows.Next() {
		var id string
		var r runInputs
		if err := rows.Scan(&id, &r.dataset, &r.revision, &r.definition, &r.targets, &r.digest, &r.stored); err != nil {
			return nil, fmt.Errorf("read previous runs: %w", err)
		}
		out[id] = r
	}
	return out, rows.Err()
}

// causeOf says why c was evaluated, given its previous run (had false when there was none).
func (e *Engine) causeOf(ctx context.Context, c *computed, prev runInputs, had bool, hash string, current snapshot, targetsRevision int64) Cause {
	revisionCause := func(kind string, ds *datasets.Dataset) Cause {
		cause := Cause{Kind: kind, Dataset: ds.Name, Revision: ds.Revision, By: ds.Current.CreatedBy}
		if kind == CauseUpload && ds.Current.RestoredFrom != 0 {
			cause.Kind = CauseRestore
		}
		if !ds.Current.CreatedAt.IsZero() {
			at := ds.Current.CreatedAt.UTC()
			cause.At = &at
		}
		return cause
	}
	switch {
	case !had:
		return Cause{Kind: CauseFirst}
	case prev.definition != hash:
		cause := Cause{Kind: CauseDefinition}
		if e.DefinitionRevision != nil {
			if r, ok := e.DefinitionRevision(ctx, c.def.ID); ok {
				cause.Revision, cause.By = r.Revision, r.By
				if !r.At.IsZero() {
					at := r.At.UTC()
					cause.At = &at
				}
			}
		}
		return cause
	case prev.dataset != c.def.Source.Dataset || prev.revision != c.res.Revision:
		if ds := current[c.def.Source.Dataset]; ds != nil {
			return revisionCause(CauseUpload, ds)
		}
	case prev.targets != targetsRevision:
		if ds := current[datasets.TargetsDataset]; ds != nil {
			return revisionCause(CauseTargets, ds)
		}
	}
	return Cause{Kind: CauseReevaluation}
}

// storeVersions writes work's evaluations as run: unchanged versions stay, changed and removed
// ones move to evaluation_history, new ones are added. An indicator whose evaluations are
// exactly the stored ones (the same digest) is not touched at all, so a run that changes
// nothing writes no evaluation.
func storeVersions(ctx context.Context, conn *sql.Conn, work []*computed, run int64, prev map[string]runInputs) error {
	var changed []*computed
	var ids []any
	for _, c := range work {
		if p, ok := prev[c.def.ID]; ok && p.digest.Valid && p.digest.Int64 == c.digest && p.stored == int64(len(c.rows)) {
			continue
		}
		changed = append(changed, c)
		ids = append(ids, c.def.ID)
	}
	if len(changed) == 0 {
		return nil
	}
	in := placeholders(len(ids))
	var existing int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM evaluations WHERE indicator IN "+in, ids...).Scan(&existing); err != nil {
		return fmt.Errorf("count stored evaluations: %w", err)
	}
	appendAll := func(table string, extra ...driver.Value) error {
		return store.AppenderContext(ctx, conn, table, func(appendRow func(...driver.Value) error) error {
			for _, c := range changed {
				for i := range c.rows {
					if err := appendRow(append(c.rows[i].values(), extra...)...); err != nil {
						return fmt.Errorf("store evaluation of %s: %w", c.def.ID, err)
					}
				}
			}
			return nil
		})
	}
	if existing == 0 {
		// Nothing to compare with (a first evaluation): every version is new.
		return appendAll("evaluations", run)
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM evaluation_staging"); err != nil {
		return fmt.Errorf("clear staging: %w", err)
	}
	if err := appendAll("evaluation_staging"); err != nil {
		return err
	}
	const same = `EXISTS (SELECT 1 FROM evaluation_staging n WHERE n.indicator = o.indicator AND n.area_code = o.area_code
		AND n.period = o.period AND n.doc = o.doc)`
	steps := []struct {
		what, q string
		args    []any
	}{
		{"keep replaced versions", "INSERT INTO evaluation_history SELECT o.indicator, o.area_code, o.area_level, o.period, o.period_kind, o.period_end, o.value, o.rag, o.doc, coalesce(o.from_run, 0), ? FROM evaluations o WHERE o.indicator IN " + in + " AND NOT " + same,
			append([]any{run}, ids...)},
		{"remove replaced versions", "DELETE FROM evaluations o WHERE o.indicator IN " + in + " AND NOT " + same, ids},
		{"add new versions", `INSERT INTO evaluations SELECT n.*, ? FROM evaluation_staging n WHERE NOT EXISTS
			(SELECT 1 FROM evaluations o WHERE o.indicator = n.indicator AND o.area_code = n.area_code AND o.period = n.period)`, []any{run}},
		{"clear staging", "DELETE FROM evaluation_staging", nil},
	}
	for _, s := range steps {
		if _, err := conn.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}

// digestRows is an order-free digest of an indicator's stored documents: the sum of their
// 64-bit FNV-1a hashes. Two runs with the same digest and count stored the same documents.
func digestRows(rows []storedRow) int64 {
	const offset, prime = 14695981039346656037, 1099511628211 // FNV-1a, 64 bits
	var sum uint64
	for i := range rows {
		h := uint64(offset)
		for _, b := range rows[i].doc {
			h = (h ^ uint64(b)) * prime
		}
		sum += h
	}
	return int64(sum)
}

// logRun records run in evaluation_run_log: one row per indicator of work, with its cause.
func (e *Engine) logRun(ctx context.Context, conn *sql.Conn, work []*computed, run int64, at time.Time, targetsRevision int64,
	prev map[string]runInputs, current snapshot) error {
	return store.AppenderContext(ctx, conn, "evaluation_run_log", func(appendRow func(...driver.Value) error) error {
		for _, c := range work {
			hash := e.definitionHashOf(c.def)
			p, had := prev[c.def.ID]
			cause := e.causeOf(ctx, c, p, had, hash, current, targetsRevision)
			var causeAt driver.Value
			if cause.At != nil {
				causeAt = *cause.At
			}
			var causeRev driver.Value
			if cause.Revision != 0 {
				causeRev = cause.Revision
			}
			if err := appendRow(run, c.def.ID, at, c.def.Source.Dataset, c.res.Revision, hash, targetsRevision,
				int64(c.res.Evaluations), nullString(c.res.Error), cause.Kind, nullString(cause.Dataset), causeRev,
				nullString(cause.By), causeAt, nullString(c.res.Warning)); err != nil {
				return fmt.Errorf("log run of %s: %w", c.def.ID, err)
			}
		}
		return nil
	})
}

// nextRun is the number of the run about to be stored: one more than the last.
func nextRun(ctx context.Context, conn *sql.Conn) (int64, error) {
	var run int64
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(run), 0) + 1 FROM evaluation_run_log").Scan(&run); err != nil {
		return 0, fmt.Errorf("number the run: %w", err)
	}
	return run, nil
}

// placeholders is n comma-separated question marks in parentheses.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// historyHorizonSchema records how far back the history reaches after pruning.
const historyHorizonSchema = `
CREATE TABLE IF NOT EXISTS evaluation_history_horizon (pruned_before TIMESTAMP NOT NULL);
`

// PruneResult says what PruneHistory removed.
type PruneResult struct {
	// Versions is the number of past evaluation versions removed, Runs the run records.
	Versions int64 `json:"versions"`
	Runs     int64 `json:"runs"`
	// Before is the time the history now starts at: as_of reads and changes before it are gone.
	Before time.Time `json:"before"`
}

// PruneHistory removes the evaluation history that ended before t: the versions replaced by a
// run committed before t, and the records of runs before t that no as_of read at or after t
// needs (an indicator's last run before t stays, as do the runs that a current evaluation or a
// kept version came from). Current evaluations are never removed. Afterwards an as_of earlier
// than the history's start is refused (the history there is incomplete). The start never moves
// back: pruning before an earlier time than a previous prune leaves it where it was, and
// PruneResult.Before says where it is.
func (e *Engine) PruneHistory(ctx context.Context, t time.Time) (PruneResult, error) {
	res := PruneResult{Before: t.UTC()}
	err := e.DB.Write(ctx, func(conn *sql.Conn) error {
		var prev sql.NullTime
		if err := conn.QueryRowContext(ctx, "SELECT max(pruned_before) FROM evaluation_history_horizon").Scan(&prev); err != nil {
			return fmt.Errorf("read the history's start: %w", err)
		}
		if prev.Valid && prev.Time.After(res.Before) {
			res.Before = prev.Time.UTC()
		}
		var cut sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT max(run) FROM evaluation_run_log WHERE run_at < ?", res.Before).Scan(&cut); err != nil {
			return fmt.Errorf("find the runs before %s: %w", res.Before.Format(time.RFC3339), err)
		}
		if cut.Valid {
			// An as_of at or after res.Before reads the versions current after a run >= cut:
			// a version replaced by cut or earlier is never one of them.
			r, err := conn.ExecContext(ctx, "DELETE FROM evaluation_history WHERE to_run <= ?", cut.Int64)
			if err != nil {
				return fmt.Errorf("prune versions: %w", err)
			}
			res.Versions, _ = r.RowsAffected()
			// Such a read takes each indicator's evaluated_at and source revision from its last
			// run at or before the one it reads, so an indicator's last run up to cut stays; so
			// do the runs that anything kept came from or was replaced by (the change feed's causes).
			r, err = conn.ExecContext(ctx, `DELETE FROM evaluation_run_log l WHERE l.run <= ?
				AND l.run < (SELECT max(m.run) FROM evaluation_run_log m WHERE m.indicator = l.indicator AND m.run <= ?)
				AND NOT EXISTS (SELECT 1 FROM evaluations ev WHERE ev.indicator = l.indicator AND ev.from_run = l.run)
				AND NOT EXISTS (SELECT 1 FROM evaluation_history h WHERE h.indicator = l.indicator AND (h.from_run = l.run OR h.to_run = l.run))`,
				cut.Int64, cut.Int64)
			if err != nil {
				return fmt.Errorf("prune run records: %w", err)
			}
			res.Runs, _ = r.RowsAffected()
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM evaluation_history_horizon"); err != nil {
			return fmt.Errorf("record the history's start: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "INSERT INTO evaluation_history_horizon VALUES (?)", res.Before); err != nil {
			return fmt.Errorf("record the history's start: %w", err)
		}
		return nil
	})
	if err != nil {
		return PruneResult{}, fmt.Errorf("engine: prune history: %w", err)
	}
	return res, nil
}

// historyStart is the time the history starts at after pruning (zero when never pruned).
func (e *Engine) historyStart(ctx context.Context) (time.Time, error) {
	var t sql.NullTime
	if err := e.DB.SQL.QueryRowContext(ctx, "SELECT max(pruned_before) FROM evaluation_history_horizon").Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("engine: read the history's start: %w", err)
	}
	return t.Time, nil
}

// prunedRun is the last run before the history's start (0 when never pruned): the changes
// of runs up to it are no longer all kept.
func (e *Engine) prunedRun(ctx context.Context) (int64, error) {
	var run sql.NullInt64
	if err := e.DB.SQL.QueryRowContext(ctx, `SELECT max(run) FROM evaluation_run_log
		WHERE run_at < (SELECT max(pruned_before) FROM evaluation_history_horizon)`).Scan(&run); err != nil {
		return 0, fmt.Errorf("engine: read the history's start: %w", err)
	}
	return run.Int64, nil
}

// HistoryStats counts what the evaluation history holds.
type HistoryStats struct {
	// Current is the number of current evaluations, Versions the past versions kept.
	Current  int64 `json:"current_evaluations"`
	Versions int64 `json:"past_versions"`
	// Runs is the number of evaluation runs recorded, RunRecords their rows (one per
	// indicator a run evaluated).
	Runs       int64 `json:"runs"`
	RunRecords int64 `json:"run_records"`
	// FirstRun and LastRun are the times of the earliest and latest runs recorded (nil when none).
	FirstRun *time.Time `json:"first_run,omitempty"`
	LastRun  *time.Time `json:"last_run,omitempty"`
	// Start is where the history starts after pruning: as_of reads before it are refused
	// (nil when it was never pruned).
	Start *time.Time `json:"history_start,omitempty"`
}

// HistoryStats reads the counts of the evaluation history.
func (e *Engine) HistoryStats(ctx context.Context) (HistoryStats, error) {
	var s HistoryStats
	var first, last, start sql.NullTime
	err := e.DB.SQL.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM evaluations), (SELECT count(*) FROM evaluation_history),
		(SELECT count(DISTINCT run) FROM evaluation_run_log), (SELECT count(*) FROM evaluation_run_log),
		(SELECT min(run_at) FROM evaluation_run_log), (SELECT max(run_at) FROM evaluation_run_log),
		(SELECT max(pruned_before) FROM evaluation_history_horizon)`).
		Scan(&s.Current, &s.Versions, &s.Runs, &s.RunRecords, &first, &last, &start)
	if err != nil {
		return HistoryStats{}, fmt.Errorf("engine: read history stats: %w", err)
	}
	for _, p := range []struct {
		from sql.NullTime
		to   **time.Time
	}{{first, &s.FirstRun}, {last, &s.LastRun}, {start, &s.Start}} {
		if p.from.Valid {
			t := p.from.Time.UTC()
			*p.to = &t
		}
	}
	return s, nil
}
