package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/store"
)

func write(t *testing.T, db *store.DB, from, to int) {
	t.Helper()
	err := db.Write(context.Background(), func(conn *sql.Conn) error {
		return store.Appender(conn, "t", func(appendRow func(...driver.Value) error) error {
			for i := from; i < to; i++ {
				if err := appendRow(int64(i)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(db *store.DB) (n, sum int64, err error) {
	err = db.SQL.QueryRow("SELECT count(*), coalesce(sum(i), 0) FROM t").Scan(&n, &sum)
	return n, sum, err
}

// After DuckDB invalidates the database (simulated: see SimulateFatal), the first statement
// that sees it fails with the fatal error, the store opens the file again by itself, and reads
// and writes work again through the same DB.SQL, with every committed row kept. Readers running
// throughout see either the fatal error or the complete table, never anything else.
func TestReopenAfterFatalError(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "x.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reopened := make(chan error, 1)
	db.OnReopen = func(err error) { reopened <- err }
	pool := db.SQL
	if err := db.Write(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "CREATE TABLE t (i BIGINT)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	write(t, db, 0, 1000)
	v0 := db.Version()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ok, fatal atomic.Int64
	errc := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, sum, err := count(db)
				switch {
				case store.IsFatal(err):
					fatal.Add(1)
				case err != nil:
					errc <- err
					return
				case n != 1000 || sum != 999*1000/2:
					errc <- errors.New("a reader saw a partial table")
					return
				default:
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	db.SimulateFatal()
	select {
	case err := <-reopened:
		if err != nil {
			t.Fatalf("automatic reopen: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the database was not reopened")
	}
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	t.Logf("reads: %d complete, %d failed with the fatal error", ok.Load(), fatal.Load())
	if fatal.Load() == 0 {
		t.Error("no reader saw the fatal error: the simulation did not take effect")
	}
	if db.SQL != pool || db.Reopens() != 1 {
		t.Errorf("DB.SQL changed (%v) or %d reopens", db.SQL != pool, db.Reopens())
	}
	if n, sum, err := count(db); err != nil || n != 1000 || sum != 999*1000/2 {
		t.Fatalf("after reopen: %d rows, sum %d, %v", n, sum, err)
	}
	write(t, db, 1000, 1500)
	if n, _, err := count(db); err != nil || n != 1500 {
		t.Fatalf("after a write on the reopened database: %d rows, %v", n, err)
	}
	if v := db.Version(); v.Tag() == v0.Tag() {
		t.Error("version did not change")
	}
	if err := db.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// Reopening by hand works too, and keeps everything.
	if err := db.Reopen(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _, err := count(db); err != nil || n != 1500 {
		t.Fatalf("after a second reopen: %d rows, %v", n, err)
	}
}

func TestReopenInMemoryIsRefused(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Reopen(context.Background()); !errors.Is(err, store.ErrInMemory) {
		t.Errorf("Reopen of an in-memory database: %v", err)
	}
	if err := db.SQL.Ping(); err != nil {
		t.Errorf("in-memory database unusable after the refused reopen: %v", err)
	}
}
