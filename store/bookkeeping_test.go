package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/childrens-trust/scorecard/store"
)

// A bookkeeping write (an audit record) commits without changing the data version; a data write
// changes it.
func TestFinding4BookkeepingWritesKeepTheVersion(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "CREATE TABLE log (n INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := db.Version()
	for i := 0; i < 5; i++ {
		if err := db.WriteBookkeeping(ctx, func(conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, "INSERT INTO log VALUES (?)", i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if after := db.Version(); after != before {
		t.Errorf("bookkeeping writes changed the version: %+v -> %+v", before, after)
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, "SELECT count(*) FROM log").Scan(&n); err != nil || n != 5 {
		t.Errorf("bookkeeping rows: %d %v", n, err)
	}
	if err := db.Write(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "INSERT INTO log VALUES (99)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if db.Version().Tag() == before.Tag() {
		t.Error("a data write did not change the version")
	}
}
