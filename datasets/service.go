package datasets

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/store"
)

// Revision statuses.
const (
	Accepted = "accepted" // the upload was stored and became current
	Rejected = "rejected" // the upload failed validation; only this record was stored
	Restored = "restored" // a copy of an earlier revision, made current by a restore
	// Preview is a dry run's would-be revision (Upload.DryRun): nothing of it was stored, and
	// its ID is 0 (no revision id is allocated, so the ids of real revisions have no gaps).
	Preview = "preview"
)

// Revision is one upload (or restore) of a dataset. Every upload makes one, accepted or not,
// so the history of a dataset is complete.
type Revision struct {
	ID        int64     `json:"id"`
	Dataset   string    `json:"dataset"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// TokenID is the API token that made the revision ("" from the command line or with
	// authentication off). Only that token and admins see the values quoted in Errors.
	TokenID      string `json:"token_id,omitempty"`
	FileName     string `json:"file_name"`
	SHA256       string `json:"sha256"`
	Bytes        int64  `json:"bytes"`
	Rows         int    `json:"rows"`
	Status       string `json:"status"`
	Format       string `json:"format,omitempty"`
	Encoding     string `json:"encoding,omitempty"`
	RestoredFrom int64  `json:"restored_from,omitempty"`
	// Merge reports a merge upload: the revision holds the file's rows and the rows of revision
	// MergedFrom (the dataset's current revision when it was made) for every other area, carried
	// over unchanged. Rows counts them all; RowsUploaded counts the file's.
	Merge        bool          `json:"merge,omitempty"`
	MergedFrom   int64         `json:"merged_from,omitempty"`
	RowsUploaded int           `json:"rows_uploaded,omitempty"`
	Current      bool          `json:"current"`
	Warnings     []string      `json:"warnings,omitempty"`
	ErrorCount   int           `json:"error_count,omitempty"`
	Errors       []errs.Detail `json:"errors,omitempty"`
	Columns      []Column      `json:"columns,omitempty"`
}

// Dataset is a named dataset and its current revision.
type Dataset struct {
	Name     string   `json:"name"`
	Current  Revision `json:"current_revision"`
	Table    string   `json:"-"` // the DuckDB table holding the current revision's rows
	Columns  []Column `json:"columns"`
	Revision int64    `json:"-"`
}

// Column returns the named column (case-insensitive) and whether it exists.
func (d *Dataset) Column(name string) (Column, bool) {
	for _, c := range d.Columns {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

// Upload describes who sent a file.
type Upload struct {
	FileName string
	By       string
	// TokenID is the API token making the upload, kept with the revision ("" when none).
	TokenID string
	// AllowedAreas, when not nil, limits the upload to local authorities with these GSS codes
	// (an uploader's token): a row for any other area, England, a region, a statistical-neighbour
	// average or an unmodelled geography refuses the whole upload (errs.Forbidden, every
	// offending row listed; nothing is stored, not even a rejected revision). An area-limited
	// upload is always a merge: it replaces only these areas' rows.
	AllowedAreas []string
	// Within, when set, is called inside the load's write transaction once the revision is
	// recorded, its rows stored and made current (rev is the stored record): what it reads on
	// conn sees the dataset as the upload leaves it. An error from it rolls the whole load back
	// and is returned.
	Within func(ctx context.Context, conn *sql.Conn, rev *Revision) error
	// DryRun runs the whole load (parse, checks, revision, rows, current pointer and Within)
	// and then rolls it back: nothing is stored, no revision id is allocated (the revision has
	// ID 0 inside the transaction), and a file with problems records no rejected revision (the
	// problems are still returned, with a nil Revision). The returned revision has status
	// Preview, ID 0 and Current false.
	DryRun bool
	// Merge asks for a merge: the new revision holds the file's rows and the current revision's
	// rows for every area the upload does not replace, carried over unchanged. The areas replaced
	// are AllowedAreas when it is set (Merge is then implied), else the areas (with their level)
	// the file holds rows for. Without Merge an upload replaces the whole dataset.
	Merge bool
	// RecordRejected makes a dry run of a file with problems record its rejected revision, as
	// a load does (and return it with the problems): the upload form's preview, whose attempt
	// belongs in the dataset's history.
	RecordRejected bool
}

// errDryRun ends a dry run's write so that its transaction rolls back.
var errDryRun = errors.New("datasets: dry run: rolled back")

// Service stores datasets and their revisions in DuckDB.
//
// Each accepted revision's rows live in their own table, rev_<id>, with the columns as uploaded
// plus the normalised _row, _area, _level, _period, _period_kind and _period_end; a dataset's
// current revision is a pointer in the datasets table. An upload or restore creates the table,
// its revision record and moves the pointer in one transaction, so readers see either the old
// revision or the new one, never half of one, and a crash loses nothing that was committed.
type Service struct {
	DB      *store.DB
	Areas   *areas.Registry
	Catalog Catalog
	// MaxBytes caps an upload's size; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxColumns, MaxCellBytes and MaxLineBytes cap an upload's shape (columns, one cell, one
	// row of the file); 0 means DefaultMaxColumns, DefaultMaxCellBytes and DefaultMaxLineBytes.
	// They are checked while the file streams in.
	MaxColumns   int
	MaxCellBytes int
	MaxLineBytes int
	// MaxConcurrentParses caps the uploads read, validated and stored at once, each holding
	// its parsed table (about its file's size) in memory; 0 means DefaultMaxConcurrentParses.
	// An upload that finds them all busy waits up to BusyWait (0 means DefaultBusyWait) and is
	// then refused with errs.Busy, storing nothing. The limit is per Service.
	MaxConcurrentParses int
	BusyWait            time.Duration
	// Now is the clock; tests replace it.
	Now func() time.Time

	semOnce sync.Once
	sem     chan struct{}
}

// releaseAfterBytes is the upload size from which the memory the parse no longer needs is
// returned to the operating system before the table is stored (a forced collection, a few
// milliseconds a megabyte: not worth it for small files).
const releaseAfterBytes = 16 << 20

// DefaultMaxBytes is the largest upload accepted by default (256 MiB).
const DefaultMaxBytes = 256 << 20

// Defaults of the limit on uploads parsed at once.
const (
	// DefaultMaxConcurrentParses is how many uploads are parsed at once by default.
	DefaultMaxConcurrentParses = 2
	// DefaultBusyWait is how long an upload waits by default for a turn before it is refused
	// as busy.
	DefaultBusyWait = 2 * time.Second
)

// acquire takes one of the service's parse slots, waiting up to BusyWait. The release function
// gives it back.
func (s *Service) acquire(ctx context.Context) (release func(), err error) {
	s.semOnce.Do(func() {
		n := s.MaxConcurrentParses
		if n <= 0 {
			n = DefaultMaxConcurrentParses
		}
		s.sem = make(chan struct{}, n)
	})
	release = func() { <-s.sem }
	select {
	case s.sem <- struct{}{}:
		return release, nil
	default:
	}
	wait := s.BusyWait
	if wait <= 0 {
		wait = DefaultBusyWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case s.sem <- struct{}{}:
		return release, nil
	case <-timer.C:
		return nil, errs.Errorf(errs.Busy, "the service is busy; try again shortly (%d uploads are being processed); nothing was stored", cap(s.sem))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ValidateName checks a dataset name: lower-case letters, digits and underscores, starting with a
// letter, at most 63 characters.
func ValidateName(name string) error {
	if !validName.MatchString(name) {
		return errs.Errorf(errs.Invalid, "dataset name %q is not valid: use lower-case letters, digits and _, starting with a letter (at most 63 characters)", name)
	}
	return nil
}

const schema = `
CREATE SEQUENCE IF NOT EXISTS revision_ids START 1;
CREATE TABLE IF NOT EXISTS revisions (
	id BIGINT PRIMARY KEY,
	dataset VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	created_by VARCHAR NOT NULL,
	file_name VARCHAR NOT NULL,
	sha256 VARCHAR NOT NULL,
	bytes BIGINT NOT NULL,
	rows BIGINT NOT NULL,
	status VARCHAR NOT NULL,
	format VARCHAR,
	encoding VARCHAR,
	restored_from BIGINT,
	warnings JSON,
	error_count BIGINT NOT NULL DEFAULT 0,
	errors JSON,
	columns JSON
);
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS created_by_token VARCHAR;
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS merge BOOLEAN;
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS merged_from BIGINT;
ALTER TABLE revisions ADD COLUMN IF NOT EXISTS rows_uploaded BIGINT;
CREATE TABLE IF NOT EXISTS datasets (
	name VARCHAR PRIMARY KEY,
	current_revision BIGINT NOT NULL
);
`

// Migrate creates the service's tables if they do not exist.
func (s *Service) Migrate(ctx context.Context) error {
	return s.DB.Migrate(ctx, "datasets", schema)
}

// now is the clock in UTC, truncated to the microsecond that a DuckDB TIMESTAMP keeps, so that a
// revision returned by Load or Restore equals the one Revisions reads back.
func (s *Service) now() time.Time {
	return store.Timestamp(s.Now)
}

// Load reads a CSV upload into the named dataset as a new revision. The load is all or nothing:
// when the file has problems, an *errs.Error lists them all, a rejected revision is recorded for
// the audit trail, and the dataset's data and current revision do not change. A merge (see
// Upload.Merge) stores the file's rows and the current revision's rows for the other areas as
// one new revision, in the same single transaction. An accepted upload that no indicator will
// read carries a warning saying what they read (see SourceLister).
func (s *Service) Load(ctx context.Context, name string, r io.Reader, up Upload) (*Revision, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	release, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	limit := s.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	// The file streams through the hash and the size limit into the parser: it is never held
	// whole.
	// A dataset that indicators read keeps its format: a file of another kind would feed them
	// numbers that mean something else, with nothing to say so.
	var current string
	if r, ok := s.Catalog.(DatasetReaders); ok && r.ReadsDataset(name) {
		if current, err = currentFormat(ctx, s.DB.SQL, name); err != nil {
			return nil, err
		}
	}
	src := &countingReader{r: r, h: sha256.New(), limit: limit}
	t, perr := parse(src, ParseOptions{Areas: s.Areas, Catalog: s.Catalog, Dataset: name, CurrentFormat: current, MaxColumns: s.MaxColumns,
		MaxCellBytes: s.MaxCellBytes, MaxLineBytes: s.MaxLineBytes, Now: s.Now})
	if perr != nil {
		if errors.Is(perr, errTooLarge) {
			return nil, errs.Errorf(errs.TooLarge, "the file is larger than the %s limit; nothing was stored", formatSize(limit))
		}
		if _, ok := errs.As(perr); !ok {
			return nil, fmt.Errorf("datasets: read upload: %w", perr)
		}
		if e, _ := errs.As(perr); e != nil {
			for i := range e.Details {
				e.Details[i].Value = clip(e.Details[i].Value)
				e.Details[i].Line = clip(e.Details[i].Line)
			}
		}
	}
	rev := Revision{
		Dataset:   name,
		CreatedAt: s.now(),
		CreatedBy: up.By,
		TokenID:   up.TokenID,
		FileName:  up.FileName,
		SHA256:    hex.EncodeToString(src.h.Sum(nil)),
		Bytes:     src.n,
	}
	if perr != nil {
		e, _ := errs.As(perr)
		rev.Status = Rejected
		rev.ErrorCount = max(e.Total, 1)
		rev.Errors = e.Details
		if len(rev.Errors) == 0 {
			rev.Errors = []errs.Detail{{Reason: e.Message}}
		}
		if up.DryRun && !up.RecordRejected {
			return nil, perr
		}
		if err := s.DB.Write(ctx, func(conn *sql.Conn) error { return insertRevision(ctx, conn, &rev) }); err != nil {
			return nil, errors.Join(perr, err)
		}
		return &rev, perr
	}
	if src.n >= releaseAfterBytes {
		// The parse's garbage (every CSV record read) would otherwise stay resident beside
		// the table while DuckDB allocates its own memory to store it.
		debug.FreeOSMemory()
	}
	if up.AllowedAreas != nil {
		if err := checkAreas(t, up.AllowedAreas, s.Areas); err != nil {
			return nil, err
		}
	}
	rev.Status = Accepted
	rev.Rows = t.Rows()
	rev.Format = t.Format.Name
	rev.Encoding = t.Encoding
	rev.Warnings = t.Warnings
	rev.Columns = t.Columns
	rev.RowsUploaded = rev.Rows
	merge := up.Merge || up.AllowedAreas != nil
	err = s.DB.Write(ctx, func(conn *sql.Conn) error {
		var plan *mergePlan
		if merge {
			// Planned inside the write, so no other upload can change the current revision
			// between reading it and this one replacing it.
			var err error
			if plan, err = planMerge(ctx, conn, name, t, up.AllowedAreas); err != nil {
				return err
			}
		}
		if plan != nil {
			rev.Merge, rev.MergedFrom = true, plan.from.ID
			rev.Rows = rev.RowsUploaded + plan.carried
			rev.Columns = append(slices.Clip(t.Columns), plan.extra...)
		}
		if !up.DryRun { // a dry run's revision is 0: a nextval would survive the rollback
			if err := nextRevisionID(ctx, conn, &rev); err != nil {
				return err
			}
		}
		if err := createRevisionTable(ctx, conn, rev.ID, t); err != nil {
			return err
		}
		// Before a merge adds other rows: the warning is about the rows uploaded.
		noop, err := readerWarnings(ctx, conn, s.Catalog, name, rev.ID, t)
		if err != nil {
			return err
		}
		rev.Warnings = append(slices.Clip(t.Warnings), noop...)
		if plan != nil {
			if err := plan.apply(ctx, conn, rev.ID); err != nil {
				return err
			}
		}
		if err := insertRevisionAs(ctx, conn, &rev); err != nil {
			return err
		}
		if err := setCurrent(ctx, conn, name, rev.ID); err != nil {
			return err
		}
		if up.Within != nil {
			if err := up.Within(ctx, conn, &rev); err != nil {
				return err
			}
		}
		if up.DryRun {
			return errDryRun
		}
		return nil
	})
	if up.DryRun && errors.Is(err, errDryRun) {
		rev.Status = Preview
		return &rev, nil
	}
	if err != nil {
		return nil, fmt.Errorf("datasets: store %s: %w", name, err)
	}
	rev.Current = true
	return &rev, nil
}

// currentFormat is the format of the dataset's current revision, "" when it has none.
func currentFormat(ctx context.Context, q rowQueryer, name string) (string, error) {
	var format sql.NullString
	err := q.QueryRowContext(ctx, `SELECT r.format FROM datasets d JOIN revisions r ON r.id = d.current_revision WHERE d.name = ?`, name).Scan(&format)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("datasets: read the format of %s: %w", name, err)
	}
	return format.String, nil
}

// Restore makes an earlier accepted revision current again by copying it into a new revision
// (status "restored"), so the restore itself is part of the history.
func (s *Service) Restore(ctx context.Context, name string, id int64, by string) (*Revision, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	var rev Revision
	err := s.DB.Write(ctx, func(conn *sql.Conn) error {
		old, err := getRevision(ctx, conn, name, id)
		if err != nil {
			return err
		}
		if old.Status == Rejected {
			return errs.Errorf(errs.Conflict, "revision %d of %s was rejected and holds no data to restore", id, name)
		}
		if want := RequiredFormat(name); want != nil && old.Format != want.Name {
			// A revision stored before the dataset's format was enforced: restoring it would
			// make a file the engine cannot read current again.
			return errs.Errorf(errs.Conflict, "revision %d of %s is a %s file; %s accepts only %s files (%s): restore a revision in that format",
				id, name, old.Format, name, want.Name, want.Header())
		}
		rev = *old
		rev.ID = 0
		rev.CreatedAt = s.now()
		rev.CreatedBy = by
		rev.TokenID = ""
		rev.Status = Restored
		rev.RestoredFrom = id
		rev.Merge, rev.MergedFrom, rev.RowsUploaded = false, 0, 0 // a copy, not a merge
		if err := insertRevision(ctx, conn, &rev); err != nil {
			return err
		}
		q := fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM %s", store.QuoteIdent(revTable(rev.ID)), store.QuoteIdent(revTable(id)))
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy revision %d: %w", id, err)
		}
		return setCurrent(ctx, conn, name, rev.ID)
	})
	if err != nil {
		return nil, err
	}
	rev.Current = true
	return &rev, nil
}

// Revisions lists a dataset's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, name string) ([]Revision, error) {
	revs, err := queryRevisions(ctx, s.DB.SQL, "WHERE r.dataset = ? ORDER BY r.id DESC", name)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "no dataset named %q", name)
	}
	return revs, nil
}

// Datasets lists every dataset with an accepted revision, by name.
func (s *Service) Datasets(ctx context.Context) ([]Dataset, error) {
	return s.DatasetsOn(ctx, s.DB.SQL)
}

// Queryer is what a read runs on: the pool (*sql.DB), or a connection inside a write
// transaction (*sql.Conn), which sees that transaction's changes.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// DatasetsOn is Datasets read through q: inside a write (Upload.Within), the datasets as the
// transaction leaves them.
func (s *Service) DatasetsOn(ctx context.Context, q Queryer) ([]Dataset, error) {
	revs, err := queryRevisions(ctx, q, "WHERE d.current_revision = r.id ORDER BY r.dataset")
	if err != nil {
		return nil, err
	}
	out := make([]Dataset, len(revs))
	for i, r := range revs {
		out[i] = Dataset{Name: r.Dataset, Current: r, Table: revTable(r.ID), Columns: r.Columns, Revision: r.ID}
	}
	return out, nil
}

// Get returns the named dataset's current revision, or a NotFound error.
func (s *Service) Get(ctx context.Context, name string) (*Dataset, error) {
	revs, err := queryRevisions(ctx, s.DB.SQL, "WHERE d.current_revision = r.id AND r.dataset = ?", name)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "no dataset named %q", name)
	}
	r := revs[0]
	return &Dataset{Name: r.Dataset, Current: r, Table: revTable(r.ID), Columns: r.Columns, Revision: r.ID}, nil
}

// formatSize writes a byte count as the largest whole unit that divides it ("256 MiB", "100 KiB")
// or in bytes.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func revTable(id int64) string { return fmt.Sprintf("rev_%d", id) }

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryRevisions(ctx context.Context, q queryer, where string, args ...any) ([]Revision, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT r.id, r.dataset, r.created_at, r.created_by, r.file_name, r.sha256, r.bytes, r.rows, r.status,
		       coalesce(r.format, ''), coalesce(r.encoding, ''), coalesce(r.restored_from, 0),
		       coalesce(CAST(r.warnings AS VARCHAR), ''), r.error_count, coalesce(CAST(r.errors AS VARCHAR), ''),
		       coalesce(CAST(r.columns AS VARCHAR), ''), d.current_revision IS NOT NULL AND d.current_revision = r.id,
		       coalesce(r.created_by_token, ''), coalesce(r.merge, false), coalesce(r.merged_from, 0), coalesce(r.rows_uploaded, 0)
		FROM revisions r LEFT JOIN datasets d ON d.name = r.dataset `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("datasets: list revisions: %w", err)
	}
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var warnings, errorsJSON, columns string
		if err := rows.Scan(&r.ID, &r.Dataset, &r.CreatedAt, &r.CreatedBy, &r.FileName, &r.SHA256, &r.Bytes, &r.Rows,
			&r.Status, &r.Format, &r.Encoding, &r.RestoredFrom, &warnings, &r.ErrorCount, &errorsJSON, &columns, &r.Current, &r.TokenID,
			&r.Merge, &r.MergedFrom, &r.RowsUploaded); err != nil {
			return nil, fmt.Errorf("datasets: scan revision: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		for _, j := range []struct {
			text string
			into any
		}{{warnings, &r.Warnings}, {errorsJSON, &r.Errors}, {columns, &r.Columns}} {
			if j.text != "" && j.text != "null" {
				if err := json.Unmarshal([]byte(j.text), j.into); err != nil {
					return nil, fmt.Errorf("datasets: revision %d: decode stored JSON: %w", r.ID, err)
				}
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func getRevision(ctx context.Context, conn *sql.Conn, name string, id int64) (*Revision, error) {
	revs, err := queryRevisions(ctx, conn, "WHERE r.dataset = ? AND r.id = ?", name, id)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "dataset %q has no revision %d", name, id)
	}
	return &revs[0], nil
}

// nextRevisionID gives r the next revision id.
func nextRevisionID(ctx context.Context, conn *sql.Conn, r *Revision) error {
	if err := conn.QueryRowContext(ctx, "SELECT nextval('revision_ids')").Scan(&r.ID); err != nil {
		return fmt.Errorf("next revision id: %w", err)
	}
	return nil
}

// insertRevision records r, with the next revision id unless it has one.
func insertRevision(ctx context.Context, conn *sql.Conn, r *Revision) error {
	if r.ID == 0 {
		if err := nextRevisionID(ctx, conn, r); err != nil {
			return err
		}
	}
	return insertRevisionAs(ctx, conn, r)
}

// insertRevisionAs records r with the id it has (0 for a dry run's revision).
func insertRevisionAs(ctx context.Context, conn *sql.Conn, r *Revision) error {
	enc := func(v any) (any, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}
	warnings, _ := enc(r.Warnings)
	errorsJSON, _ := enc(r.Errors)
	columns, _ := enc(r.Columns)
	var tokenOrNull any
	if r.TokenID != "" {
		tokenOrNull = r.TokenID
	}
	var restored, mergedFrom any
	if r.RestoredFrom != 0 {
		restored = r.RestoredFrom
	}
	if r.MergedFrom != 0 {
		mergedFrom = r.MergedFrom
	}
	_, err := conn.ExecContext(ctx, `INSERT INTO revisions
		(id, dataset, created_at, created_by, file_name, sha256, bytes, rows, status, format, encoding, restored_from, warnings, error_count, errors, columns, created_by_token,
		 merge, merged_from, rows_uploaded)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Dataset, r.CreatedAt, r.CreatedBy, r.FileName, r.SHA256, r.Bytes, r.Rows, r.Status, r.Format, r.Encoding,
		restored, warnings, r.ErrorCount, errorsJSON, columns, tokenOrNull, r.Merge, mergedFrom, r.RowsUploaded)
	if err != nil {
		return fmt.Errorf("insert revision: %w", err)
	}
	return nil
}

func setCurrent(ctx context.Context, conn *sql.Conn, name string, id int64) error {
	_, err := conn.ExecContext(ctx, `INSERT INTO datasets (name, current_revision) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET current_revision = excluded.current_revision`, name, id)
	if err != nil {
		return fmt.Errorf("set current revision of %s: %w", name, err)
	}
	return nil
}

// collectRows is how many rows are appended between the garbage collections a large load
// forces.
const collectRows = 1 << 14

// createRevisionTable creates rev_<id> and appends the table's rows with DuckDB's appender.
func createRevisionTable(ctx context.Context, conn *sql.Conn, id int64, t *Table) error {
	name := revTable(id)
	cols := []string{`"_row" INTEGER`, `"_area" VARCHAR`, `"_level" VARCHAR`, `"_period" VARCHAR`, `"_period_kind" VARCHAR`, `"_period_end" DATE`}
	for _, c := range t.Columns {
		if c.Type == Number {
			cols = append(cols, store.QuoteIdent(c.Name)+" DOUBLE", store.QuoteIdent(MarkerColumn(c.Name))+" VARCHAR")
		} else {
			cols = append(cols, store.QuoteIdent(c.Name)+" VARCHAR")
		}
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", store.QuoteIdent(name), strings.Join(cols, ", "))); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	// Values repeat down a table (areas, periods, a text column's few distinct values): each
	// is turned into a driver.Value once, not once a row, so that appending a large table makes
	// little garbage.
	areaValues := map[*areas.Area]driver.Value{}
	type periodValues struct{ label, kind, end driver.Value }
	periods := map[period.Period]periodValues{}
	levels := make([]driver.Value, len(levelNames))
	for i, l := range levelNames {
		levels[i] = l
	}
	texts := make([][]driver.Value, len(t.Columns)) // by column: its dictionary's values
	for ci, c := range t.Columns {
		if col := &t.cols[ci]; c.Type == Text && !col.big {
			texts[ci] = make([]driver.Value, len(col.values))
			for i, v := range col.values {
				if v != "" {
					texts[ci][i] = v
				}
			}
		}
	}
	markers := make([]driver.Value, len(markerNames))
	for i, m := range markerNames {
		markers[i] = m
	}
	return store.AppenderContext(ctx, conn, name, func(appendRow func(...driver.Value) error) error {
		vals := make([]driver.Value, 0, len(cols))
		for ri, k := range t.keys {
			vals = vals[:0]
			vals = append(vals, t.lines[ri])
			if k.area != nil {
				v, ok := areaValues[k.area]
				if !ok {
					v = k.area.Code
					areaValues[k.area] = v
				}
				vals = append(vals, v)
			} else {
				vals = append(vals, nil)
			}
			vals = append(vals, levels[k.level])
			if k.period.IsZero() {
				vals = append(vals, nil, nil, nil)
			} else {
				p, ok := periods[k.period]
				if !ok {
					p = periodValues{k.period.String(), k.period.Kind().String(), k.period.End()}
					periods[k.period] = p
				}
				vals = append(vals, p.label, p.kind, p.end)
			}
			for ci, c := range t.Columns {
				col := &t.cols[ci]
				switch {
				case c.Type == Number:
					switch kind := col.kinds[ri]; {
					case kind == kindNumber:
						vals = append(vals, col.nums[ri], nil)
					case kind >= kindMarker:
						vals = append(vals, nil, markers[kind-kindMarker])
					default:
						vals = append(vals, nil, nil)
					}
				case texts[ci] != nil:
					vals = append(vals, texts[ci][col.codes[ri]])
				default:
					if v := col.textAt(ri); v != "" {
						vals = append(vals, v)
					} else {
						vals = append(vals, nil)
					}
				}
			}
			if err := appendRow(vals...); err != nil {
				return fmt.Errorf("append row %d: %w", t.lines[ri], err)
			}
			if ri > 0 && ri%collectRows == 0 {
				runtime.GC() // as a parse does (see collectEvery): the appended values are garbage
			}
		}
		return nil
	})
}

// WithoutValues is the revision as someone other than its uploader sees it: every problem's row,
// column and reason, but not the cell values quoted nor the file's lines, which may hold personal
// data from a file that was refused.
func (r Revision) WithoutValues() Revision {
	if len(r.Errors) == 0 {
		return r
	}
	errs := make([]errs.Detail, len(r.Errors))
	for i, d := range r.Errors {
		d.Value = ""
		d.Line = ""
		errs[i] = d
	}
	r.Errors = errs
	return r
}
