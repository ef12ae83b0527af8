package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// DuckDB invalidates a database after some fatal errors (a failed write of its log, an internal
// error during commit): every later statement fails with "database has been invalidated" until
// the database is opened again. The product must not need a process restart for that, so the
// *sql.DB that callers hold (DB.SQL) never changes: its connector hands out connections to the
// current DuckDB instance, and DB.Reopen swaps the instance underneath. Connections to the old
// instance are marked stale and the pool discards them (driver.Validator, driver.SessionResetter)
// instead of reusing them.

// connector is the driver.Connector behind DB.SQL.
type connector struct {
	path string
	db   *DB

	mu  sync.RWMutex      // held for writing while the DuckDB instance is swapped
	cur *duckdb.Connector // the current instance; nil after a failed reopen or Close
	gen atomic.Uint64     // generation of cur; connections of older ones are stale

	openMu sync.Mutex
	open   map[uint64]int // open connections by generation

	reopening atomic.Bool
	// simulated, when set, makes every statement on connections of that generation fail as
	// an invalidated DuckDB database does (tests: DuckDB cannot be invalidated on demand).
	simulated atomic.Uint64
}

func newDuckConnector(path string, settings []string) (*duckdb.Connector, error) {
	return duckdb.NewConnector(path, func(execer driver.ExecerContext) error {
		for _, stmt := range settings {
			if _, err := execer.ExecContext(context.Background(), stmt, nil); err != nil {
				return fmt.Errorf("connection setting %q: %w", stmt, err)
			}
		}
		return nil
	})
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.cur == nil {
		return nil, errors.New("store: the database is closed (a reopen after a fatal error failed; see the log)")
	}
	dc, err := c.cur.Connect(ctx)
	if err != nil {
		return nil, err
	}
	gen := c.gen.Load()
	c.openMu.Lock()
	c.open[gen]++
	c.openMu.Unlock()
	return &conn{Conn: dc.(*duckdb.Conn), c: c, gen: gen}, nil
}

func (c *connector) Driver() driver.Driver { return duckdb.Driver{} }

// Close closes the current DuckDB instance (database/sql calls it from DB.Close).
func (c *connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return nil
	}
	err := c.cur.Close()
	c.cur = nil
	return err
}

func (c *connector) staleOpen() int {
	c.openMu.Lock()
	defer c.openMu.Unlock()
	n, cur := 0, c.gen.Load()
	for g, k := range c.open {
		if g != cur {
			n += k
		}
	}
	return n
}

// IsFatal reports whether err is DuckDB's report of a fatal error or of a database invalidated
// by one: only opening the database again (DB.Reopen) clears it.
func IsFatal(err error) bool {
	if err == nil {
		return false
	}
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeFatal {
		return true
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "database has been invalidated") || strings.Contains(msg, "fatal error")
}

// check passes err through; a fatal error on a current connection starts a reopen in the
// background, so the next request finds a working database.
func (c *connector) check(gen uint64, err error) error {
	if err == nil || gen != c.gen.Load() || !IsFatal(err) {
		return err
	}
	if c.reopening.CompareAndSwap(false, true) {
		go func() {
			defer c.reopening.Store(false)
			if rerr := c.db.Reopen(context.Background()); rerr != nil && c.db.OnReopen != nil {
				c.db.OnReopen(rerr)
			} else if c.db.OnReopen != nil {
				c.db.OnReopen(nil)
			}
		}()
	}
	return err
}

// errSimulated is what DuckDB says once a database is invalidated.
var errSimulated = &duckdb.Error{Type: duckdb.ErrorTypeFatal,
	Msg: "FATAL Error: Failed: database has been invalidated because of a previous fatal error. The database must be restarted prior to being used again. (simulated by a test)"}

// conn is a DuckDB connection tagged with the generation of the instance it belongs to.
type conn struct {
	*duckdb.Conn
	c      *connector
	gen    uint64
	closed atomic.Bool
}

func (cn *conn) stale() bool { return cn.gen != cn.c.gen.Load() }

func (cn *conn) fail() error {
	if cn.c.simulated.Load() == cn.gen+1 {
		return cn.c.check(cn.gen, errSimulated)
	}
	return nil
}

// IsValid tells database/sql not to return a stale connection to the pool.
func (cn *conn) IsValid() bool { return !cn.stale() }

// ResetSession tells database/sql to discard a stale pooled connection before reuse.
func (cn *conn) ResetSession(context.Context) error {
	if cn.stale() {
		return driver.ErrBadConn
	}
	return nil
}

func (cn *conn) Close() error {
	if !cn.closed.CompareAndSwap(false, true) {
		return nil
	}
	err := cn.Conn.Close()
	cn.c.openMu.Lock()
	if cn.c.open[cn.gen]--; cn.c.open[cn.gen] <= 0 {
		delete(cn.c.open, cn.gen)
	}
	cn.c.openMu.Unlock()
	return err
}

func (cn *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := cn.fail(); err != nil {
		return nil, err
	}
	r, err := cn.Conn.ExecContext(ctx, query, args)
	return r, cn.c.check(cn.gen, err)
}

func (cn *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := cn.fail(); err != nil {
		return nil, err
	}
	r, err := cn.Conn.QueryContext(ctx, query, args)
	return r, cn.c.check(cn.gen, err)
}

func (cn *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := cn.fail(); err != nil {
		return nil, err
	}
	s, err := cn.Conn.PrepareContext(ctx, query)
	return s, cn.c.check(cn.gen, err)
}

func (cn *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := cn.fail(); err != nil {
		return nil, err
	}
	tx, err := cn.Conn.BeginTx(ctx, opts)
	return tx, cn.c.check(cn.gen, err)
}

// DriverConn returns the DuckDB driver connection inside a connection handed to sql.Conn.Raw,
// for DuckDB's own APIs (appender, Arrow) that need *duckdb.Conn.
func DriverConn(dc any) driver.Conn {
	if cn, ok := dc.(*conn); ok {
		return cn.Conn
	}
	return dc.(driver.Conn)
}

// ErrInMemory is returned by Reopen for an in-memory database, which cannot be opened again
// without losing everything in it.
var ErrInMemory = errors.New("store: an in-memory database cannot be reopened")

// Reopen opens the database file again, as after a fatal error that invalidated it, without a
// process restart and without changing DB.SQL. It waits for writes to finish and holds new
// ones back; new reads wait while the instance is swapped. Connections to the old instance are
// discarded as they come back to the pool; Reopen waits (up to five seconds) for those in use
// to finish before the old instance is closed and the file opened again. Committed data are
// kept: they are in the file and its log.
func (db *DB) Reopen(ctx context.Context) error {
	if db.Path == "" {
		return ErrInMemory
	}
	if err := db.writeMu.lock(ctx); err != nil {
		return fmt.Errorf("reopen: wait for the write in progress: %w", err)
	}
	defer db.writeMu.unlock()
	c := db.connector
	c.mu.Lock()
	old := c.cur
	c.gen.Add(1)
	c.simulated.Store(0)
	// Close the idle connections now; in-use ones are closed as they are returned (IsValid).
	db.SQL.SetMaxIdleConns(-1)
	db.SQL.SetMaxIdleConns(maxIdle)
	deadline := time.Now().Add(5 * time.Second)
	for c.staleOpen() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if old != nil {
		old.Close()
	}
	cur, err := newDuckConnector(db.Path, db.settings)
	c.cur = cur // nil on failure: Connect reports that the database is closed
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("reopen duckdb %q: %w", db.Path, err)
	}
	if err := db.SQL.PingContext(ctx); err != nil {
		return fmt.Errorf("reopen duckdb %q: %w", db.Path, err)
	}
	db.reopens.Add(1)
	db.seq.Add(1)
	return nil
}

// Reopens counts the times the database was opened again after a fatal error.
func (db *DB) Reopens() int64 { return db.reopens.Load() }
