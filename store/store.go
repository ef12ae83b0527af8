// Package store opens the one DuckDB database file the product keeps everything in, and enforces
// the single-writer rule: writes are serialised by a mutex, reads run in parallel on the pool.
//
// Every other package that touches DuckDB receives a *DB from here; none opens its own.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// DB is a DuckDB database: one *sql.DB for the file, and a write lock.
//
// Reads use DB.SQL directly (any number in parallel). Writes go through Write, which holds the
// write lock for the whole transaction, so two writers never interleave and readers never see a
// half-written revision (DuckDB's MVCC gives them the last committed state).
type DB struct {
	// SQL is the connection pool; use it for reads only.
	SQL *sql.DB
	// Path is the database file ("" for in-memory).
	Path string

	// OnReopen, if set, is told the outcome of every automatic reopen after a fatal error
	// (nil on success), for the log.
	OnReopen func(error)

	writeMu   writeLock
	connector *connector
	// settings are the statements every new connection runs (kept for a reopen).
	settings []string
	reopens  atomic.Int64
	// epoch identifies this process's view of the database, so version tags from before a
	// restart (or from another database file) never match ones issued after it.
	epoch    int64
	seq      atomic.Uint64
	modified atomic.Int64 // unix nanoseconds of the last committed write

	// rowsGen is one more than the generation of the DuckDB instance the Parquet rows function
	// is registered on (0: none yet); rowsMu guards it.
	rowsMu  sync.Mutex
	rowsGen uint64
}

// Version identifies the committed state of the database as this process has seen it: it
// changes on every committed Write (data or definitions), not on WriteBookkeeping. HTTP caching (ETag, Last-Modified) and response caches key
// on it.
type Version struct {
	// Seq counts committed writes since the database was opened.
	Seq uint64
	// Modified is when the last write committed (or the time given to SetModified).
	Modified time.Time
	epoch    int64
}

// Tag is an opaque string that differs for every distinct Version (for ETags and cache keys).
func (v Version) Tag() string {
	return strconv.FormatInt(v.epoch, 36) + "-" + strconv.FormatUint(v.Seq, 36)
}

// Version returns the current committed-state version.
func (db *DB) Version() Version {
	return Version{Seq: db.seq.Load(), Modified: time.Unix(0, db.modified.Load()).UTC(), epoch: db.epoch}
}

// SetModified records that the stored data were last changed at t (used at start-up with the
// latest revision or evaluation time found on disk, since migrations also commit).
func (db *DB) SetModified(t time.Time) { db.modified.Store(t.UnixNano()) }

// markModified moves the modification time forward to t.
func (db *DB) markModified(t time.Time) {
	n := t.UnixNano()
	for {
		old := db.modified.Load()
		if n <= old || db.modified.CompareAndSwap(old, n) {
			return
		}
	}
}

func (db *DB) committed() {
	db.markModified(time.Now())
	db.seq.Add(1)
}

// Options are the DuckDB settings the product sets deliberately rather than inheriting
// DuckDB's defaults (all threads, 80% of the machine's memory).
type Options struct {
	// MemoryLimit caps DuckDB's buffer manager (DuckDB syntax, e.g. "2GB"); larger work spills
	// to temporary files. DefaultMemoryLimit when "".
	MemoryLimit string
	// Threads is DuckDB's worker threads; 0 means one per CPU the Go runtime may use.
	Threads int
}

// DefaultMemoryLimit leaves room, on a small server, for the Go heap, the response cache and
// the operating system: the 1M-row load stays within it (docs/PERFORMANCE.md).
const DefaultMemoryLimit = "2GB"

// Open opens (creating if needed) the DuckDB file at path; "" opens an in-memory database, used
// by tests. Per-connection settings are applied in the connector's init callback so that every
// pooled connection behaves the same. At most one Options may be given.
//
// A fatal DuckDB error (one that invalidates the database) seen on any statement makes the DB
// open the file again in the background (see Reopen), with the same settings; DB.SQL stays the
// same *sql.DB.
func Open(path string, options ...Options) (*DB, error) {
	var opts Options
	if len(options) > 0 {
		opts = options[0]
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.Threads <= 0 {
		opts.Threads = runtime.GOMAXPROCS(0)
	}
	if !memoryLimitPattern.MatchString(opts.MemoryLimit) {
		return nil, fmt.Errorf("open duckdb %q: memory limit %q is not a size such as 2GB or 512MB", path, opts.MemoryLimit)
	}
	settings := []string{
		"SET TimeZone = 'UTC'",
		// Both are validated above: a size pattern and an integer, so pasting them is safe
		// (SET takes no bound parameters).
		fmt.Sprintf("SET memory_limit = '%s'", opts.MemoryLimit),
		fmt.Sprintf("SET threads = %d", opts.Threads),
	}
	duck, err := newDuckConnector(path, settings)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %q: %w", path, err)
	}
	out := &DB{Path: path, epoch: time.Now().UnixNano(), settings: settings, writeMu: make(writeLock, 1)}
	out.connector = &connector{path: path, db: out, cur: duck, open: map[uint64]int{}}
	out.SQL = sql.OpenDB(out.connector)
	out.SQL.SetMaxIdleConns(maxIdle)
	if err := out.SQL.Ping(); err != nil {
		out.SQL.Close()
		return nil, fmt.Errorf("open duckdb %q: %w", path, err)
	}
	return out, nil
}

var memoryLimitPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// maxIdle is the number of idle connections the pool keeps (database/sql's default).
const maxIdle = 2

// Checkpoint writes the log into the database file (DuckDB's CHECKPOINT), holding the write
// lock so no write is in progress; a clean shutdown calls it before Close so the file alone
// holds everything.
func (db *DB) Checkpoint(ctx context.Context) error {
	if err := db.writeMu.lock(ctx); err != nil {
		return fmt.Errorf("checkpoint: wait for the write in progress: %w", err)
	}
	defer db.writeMu.unlock()
	if _, err := db.SQL.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// Exclusive runs fn on a dedicated connection, outside any transaction, while holding the write
// lock: no Write or WriteBookkeeping commits while fn runs, so everything fn reads (several
// statements, an EXPORT DATABASE) sees one state of the database. Reads by others go on. fn
// must not write; the version does not change.
func (db *DB) Exclusive(ctx context.Context, fn func(conn *sql.Conn) error) error {
	if err := db.writeMu.lock(ctx); err != nil {
		return fmt.Errorf("exclusive: wait for the write in progress: %w", err)
	}
	defer db.writeMu.unlock()
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("exclusive: get connection: %w", err)
	}
	defer conn.Close()
	return fn(conn)
}

// DuckDBVersion is the version of the DuckDB library the database runs on (SELECT version()),
// such as "v1.5.0".
func (db *DB) DuckDBVersion(ctx context.Context) (string, error) {
	var v string
	if err := db.SQL.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "", fmt.Errorf("duckdb version: %w", err)
	}
	return v, nil
}

// Close closes the pool and the database file.
func (db *DB) Close() error { return db.SQL.Close() }

// Write runs fn in one transaction on a dedicated connection while holding the write lock.
// If fn returns an error (or panics) the transaction is rolled back and nothing it did is kept.
// The connection is handed over so that fn can use DuckDB's appender on the same transaction
// (see Appender).
func (db *DB) Write(ctx context.Context, fn func(conn *sql.Conn) error) error {
	return db.write(ctx, fn, true)
}

// WriteBookkeeping is Write for rows that are not data or definitions (audit records, their
// pruning): the transaction is the same, but Version does not change, so response caches and
// ETags stay valid. Anything a cached read shows must be written with Write.
func (db *DB) WriteBookkeeping(ctx context.Context, fn func(conn *sql.Conn) error) error {
	return db.write(ctx, fn, false)
}

func (db *DB) write(ctx context.Context, fn func(conn *sql.Conn) error, changesVersion bool) (err error) {
	// Waiting for another writer ends with ctx too: a request that timed out must not go on
	// to write after its answer has gone.
	if err := db.writeMu.lock(ctx); err != nil {
		return fmt.Errorf("write: wait for the write in progress: %w", err)
	}
	defer db.writeMu.unlock()

	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("write: get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("write: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Use a fresh context: the caller's may be cancelled, and the rollback must happen.
			if _, rbErr := conn.ExecContext(context.Background(), "ROLLBACK"); rbErr != nil && err == nil {
				err = fmt.Errorf("write: rollback: %w", rbErr)
			}
		}
	}()
	if err := fn(conn); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("write: commit: %w", err)
	}
	committed = true
	if changesVersion {
		db.committed()
	}
	return nil
}

// writeLock is the single writer's lock. Unlike a sync.Mutex, waiting for it ends when the
// waiter's context does.
type writeLock chan struct{}

func (l writeLock) lock(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l writeLock) unlock() { <-l }

// Appender appends rows to table on conn (inside the caller's transaction) through DuckDB's
// appender, which is far faster than INSERT statements. fn receives an append function; rows are
// flushed when fn returns without error.
func Appender(conn *sql.Conn, table string, fn func(appendRow func(values ...driver.Value) error) error) error {
	return AppenderContext(context.Background(), conn, table, fn)
}

// appendCheckEvery is how many rows are appended between checks of the context.
const appendCheckEvery = 4096

// AppenderContext is Appender that stops when ctx ends: the appender itself takes no context,
// so the append function checks ctx every few thousand rows and fails with its error, and the
// caller's transaction is rolled back.
func AppenderContext(ctx context.Context, conn *sql.Conn, table string, fn func(appendRow func(values ...driver.Value) error) error) error {
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(DriverConn(dc), "", table)
		if err != nil {
			return fmt.Errorf("appender for %s: %w", table, err)
		}
		n := 0
		appendRow := func(values ...driver.Value) error {
			n++
			if n%appendCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("append to %s: %w", table, err)
				}
			}
			return a.AppendRow(values...)
		}
		if err := fn(appendRow); err != nil {
			a.Close()
			return err
		}
		if err := ctx.Err(); err != nil {
			a.Close()
			return fmt.Errorf("append to %s: %w", table, err)
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("appender for %s: flush: %w", table, err)
		}
		return nil
	})
}

// QuoteIdent quotes a SQL identifier for DuckDB, doubling any embedded quote. Every identifier
// that comes from data or definitions goes through it; values are always bound, never quoted.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteLiteral quotes a string as a SQL literal, doubling any embedded quote, for the few
// statements that take no bound parameters (EXPORT DATABASE, SET). Everywhere else
// values are bound.
func QuoteLiteral(s string) string {
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// Migrate runs a component's schema (CREATE ... IF NOT EXISTS statements) in one write; the
// component names the error.
func (db *DB) Migrate(ctx context.Context, component, schema string) error {
	return db.Write(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("%s: migrate: %w", component, err)
		}
		return nil
	})
}

// Timestamp is now (time.Now when now is nil) in UTC, truncated to the microsecond a DuckDB
// TIMESTAMP keeps, so that a value returned by a write equals the one read back.
func Timestamp(now func() time.Time) time.Time {
	t := time.Now()
	if now != nil {
		t = now()
	}
	return t.UTC().Truncate(time.Microsecond)
}
