package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/store"
)

func TestWriteParquetRoundTrip(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	cols := []store.Column{{Name: "name", Kind: store.KindText}, {Name: "x", Kind: store.KindDouble},
		{Name: "n", Kind: store.KindBigInt}, {Name: "ok", Kind: store.KindBoolean},
		{Name: "d", Kind: store.KindDate}, {Name: "ts", Kind: store.KindTimestamp}}
	const total = 5000
	i := 0
	next := func(row []any) (bool, error) {
		if i == total {
			return false, nil
		}
		row[0] = "row, \"quoted\"\n" + string(rune('a'+i%26))
		row[1] = 129.3 + float64(i)/3
		if i%7 == 0 {
			row[1] = nil
		}
		row[2] = int64(i)
		row[3] = i%2 == 0
		row[4] = time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
		row[5] = time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
		i++
		return true, nil
	}
	var buf bytes.Buffer
	n, err := db.WriteParquet(ctx, cols, next, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Fatalf("rows = %d, want %d", n, total)
	}
	path := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var count, nulls int64
	var sum float64
	var last string
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*), count(*) - count(x), sum(x), max(name) FROM read_parquet(?)`, path).Scan(&count, &nulls, &sum, &last); err != nil {
		t.Fatal(err)
	}
	if count != total || nulls != (total+6)/7 {
		t.Fatalf("count %d nulls %d", count, nulls)
	}
	var x float64
	if err := db.SQL.QueryRowContext(ctx, `SELECT x FROM read_parquet(?) WHERE n = 1`, path).Scan(&x); err != nil {
		t.Fatal(err)
	}
	one := 1.0
	if want := 129.3 + one/3; x != want {
		t.Fatalf("x = %v, want full precision %v", x, want)
	}
	// A second call reuses the registered function.
	i = 0
	buf.Reset()
	if n, err := db.WriteParquet(ctx, cols, next, &buf); err != nil || n != total {
		t.Fatalf("second write: %d rows, %v", n, err)
	}
}

// Downloads at once each get their own rows.
func TestWriteParquetConcurrently(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cols := []store.Column{{Name: "n", Kind: store.KindBigInt}}
	errc := make(chan error, 4)
	for w := range 4 {
		go func() {
			want := int64(1000 * (w + 1))
			i := int64(0)
			var buf bytes.Buffer
			n, err := db.WriteParquet(context.Background(), cols, func(row []any) (bool, error) {
				if i == want {
					return false, nil
				}
				row[0] = i
				i++
				return true, nil
			}, &buf)
			if err == nil && n != want {
				err = fmt.Errorf("writer %d: %d rows, want %d", w, n, want)
			}
			errc <- err
		}()
	}
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// A failure of the rows is the copy's failure, not a short file.
func TestWriteParquetFailsWithItsRows(t *testing.T) {
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var buf bytes.Buffer
	i := 0
	_, err = db.WriteParquet(context.Background(), []store.Column{{Name: "n", Kind: store.KindBigInt}}, func(row []any) (bool, error) {
		if i == 5000 {
			return false, errors.New("the source broke")
		}
		row[0] = int64(i)
		i++
		return true, nil
	}, &buf)
	if err == nil || !strings.Contains(err.Error(), "the source broke") || buf.Len() != 0 {
		t.Fatalf("err %v, %d bytes written", err, buf.Len())
	}
}
