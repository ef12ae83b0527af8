package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cells written straight into DuckDB's vectors read back as written: strings on either
// side of the 12 bytes DuckDB holds inline, NULLs on either side of a 64-row word of the
// validity mask and of a 2,048-row chunk, doubles and integers, and cells of another Go type
// than their column's, which DuckDB converts. The direct writes are in use.
func TestWriteParquetDirectCells(t *testing.T) {
	db, err := Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	cols := []Column{{Name: "s", Kind: KindText}, {Name: "x", Kind: KindDouble}, {Name: "n", Kind: KindBigInt}}
	const total = 5000
	text := func(i int) any {
		if i%5 == 0 {
			return nil
		}
		return strings.Repeat("é", i%4) + strings.Repeat("a", i%17) // 0 to 22 bytes
	}
	direct := false
	i := 0
	next := func(row []any) (bool, error) {
		if i == 2100 { // in the second chunk: the first has shown whether the direct writes apply
			streams.Range(func(_, s any) bool {
				direct = direct || s.(*rowStream).rawOK
				return true
			})
		}
		if i == total {
			return false, nil
		}
		row[0] = text(i)
		if i%3 != 0 {
			row[1] = float64(i) / 7
		}
		if i%63 != 0 {
			row[2] = int64(i) - 2500
		}
		if i%1000 == 1 {
			row[1], row[2] = int64(i), int32(i) // converted by DuckDB
		}
		i++
		return true, nil
	}
	var buf bytes.Buffer
	if n, err := db.WriteParquet(ctx, cols, next, &buf); err != nil || n != total {
		t.Fatalf("%d rows, %v", n, err)
	}
	if !direct {
		t.Error("the cells were not written directly into the vectors")
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT s, x, n FROM read_parquet(?)`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	j := 0
	for ; rows.Next(); j++ {
		var s sql.NullString
		var x sql.NullFloat64
		var n sql.NullInt64
		if err := rows.Scan(&s, &x, &n); err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(nullable(s.String, s.Valid), nullable(x.Float64, x.Valid), nullable(n.Int64, n.Valid))
		want := fmt.Sprint(text(j), nullable(float64(j)/7, j%3 != 0), nullable(int64(j)-2500, j%63 != 0))
		if j%1000 == 1 {
			want = fmt.Sprint(text(j), float64(j), int64(j))
		}
		if got != want {
			t.Fatalf("row %d: %s, want %s", j, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if j != total {
		t.Fatalf("%d rows read back, want %d", j, total)
	}
}

// nullable is v, or nil when it is not valid.
func nullable[T any](v T, valid bool) any {
	if !valid {
		return nil
	}
	return v
}

// duckdb-go's DataChunk still holds its C handle where the direct writes look for it.
func TestChunkHandleFound(t *testing.T) {
	if !chunkHandleKnown {
		t.Fatal("duckdb.DataChunk has no field chunk of type mapping.DataChunk")
	}
}
