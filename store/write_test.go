package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/store"
)

// Finding 2: the write timeout really cancels DuckDB work. A statement inside a write is
// interrupted when the context ends, and the transaction is rolled back.
func TestFinding2WriteTimeoutInterruptsDuckDB(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = db.Write(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, "CREATE TABLE kept (x BIGINT)"); err != nil {
			return err
		}
		// Minutes of work if it were not interrupted.
		var n int64
		return conn.QueryRowContext(ctx, "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3").Scan(&n)
	})
	took := time.Since(start)
	if err == nil {
		t.Fatal("the write was not cancelled")
	}
	if took > 10*time.Second {
		t.Errorf("the cancelled write took %s", took)
	}
	var tables int
	if err := db.SQL.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'kept'").Scan(&tables); err != nil || tables != 0 {
		t.Errorf("the cancelled write's table was kept: %d %v", tables, err)
	}
}

// Finding 2 (sibling): waiting for the writer lock ends with the waiter's context, so a request
// that timed out never writes after its answer has gone.
func TestFinding2WaitForTheWriterEndsWithTheContext(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holding := make(chan struct{})
	release := make(chan struct{})
	go db.Write(context.Background(), func(*sql.Conn) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ran := false
	err = db.Write(ctx, func(*sql.Conn) error { ran = true; return nil })
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Fatalf("waiting writer: err %v, ran %v; want a deadline error and no write", err, ran)
	}
}

// Finding 2 (sibling): DuckDB's appender takes no context; a long append stops when the
// write's context ends.
func TestFinding2AppendStopsWithTheContext(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	rows := 0
	err = db.Write(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, "CREATE TABLE t (x BIGINT)"); err != nil {
			return err
		}
		return store.AppenderContext(ctx, conn, "t", func(appendRow func(...driver.Value) error) error {
			for i := range 1_000_000 {
				if i == 10_000 {
					cancel()
				}
				if err := appendRow(int64(i)); err != nil {
					return err
				}
				rows++
			}
			return nil
		})
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("append after cancel: %v", err)
	}
	if rows >= 20_000 {
		t.Errorf("%d rows appended after the context ended", rows-10_000)
	}
}
