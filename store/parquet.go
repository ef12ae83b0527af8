package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Parquet files are written by DuckDB itself, from rows that Go produces as DuckDB asks for them:
// a table function (rowsFunction) hands DuckDB the rows of a registered stream, and
// COPY (SELECT * FROM scorecard_rows('<key>')) TO '<temp file>' (FORMAT parquet) writes them.
// DuckDB pulls one vector (2,048 rows) at a time, which the function fills column by column
// of each row (rowStream.FillChunk), and writes a row group at a time, so neither side holds
// the whole table; the file is then copied to the caller's writer and deleted.

// ColumnKind is the type of a column of streamed rows, and the Go type of its cells (nil is
// NULL in every kind).
type ColumnKind uint8

// The column kinds and their Go cell types.
const (
	KindText      ColumnKind = iota // string, VARCHAR
	KindDouble                      // float64, DOUBLE
	KindBigInt                      // int64, BIGINT
	KindBoolean                     // bool, BOOLEAN
	KindDate                        // time.Time at midnight UTC, DATE
	KindTimestamp                   // time.Time, TIMESTAMP (UTC)
)

var duckTypes = map[ColumnKind]duckdb.Type{
	KindText: duckdb.TYPE_VARCHAR, KindDouble: duckdb.TYPE_DOUBLE, KindBigInt: duckdb.TYPE_BIGINT,
	KindBoolean: duckdb.TYPE_BOOLEAN, KindDate: duckdb.TYPE_DATE, KindTimestamp: duckdb.TYPE_TIMESTAMP,
}

// Column is one column of streamed rows.
type Column struct {
	Name string
	Kind ColumnKind
}

// NextRow fills row (one cell per column, in order) with the next row and reports whether it
// did; false with a nil error is the end of the rows.
type NextRow func(row []any) (bool, error)

// rowsFunction is the name of the table function that reads a registered stream.
const rowsFunction = "scorecard_rows"

// rowStream is one WriteParquet call's rows, registered under a random key while DuckDB reads
// them.
type rowStream struct {
	ctx  context.Context
	cols []Column
	next NextRow
	row  []any
	rows int64
	// capacity is the number of rows in a DuckDB vector, the most a chunk takes.
	capacity int
	// raw is the memory of the chunk being filled (parquet_vectors.go); rawChecked is set once
	// the first chunk has shown whether it can be written directly, rawOK if it can.
	raw               []rawColumn
	rawChecked, rawOK bool
	// done is set once next has reported the end of the rows.
	done bool
}

// streams holds the streams being written, by key.
var streams sync.Map // string -> *rowStream

// WriteParquet writes the rows next produces as a Parquet file (zstd-compressed) to w, with
// cols as its columns: DuckDB's own Parquet writer does the encoding. The rows are pulled as
// DuckDB needs them, so memory stays constant whatever their number; the file is staged in the
// system's temporary directory and removed before WriteParquet returns. It returns the number
// of rows written. It reads nothing from the database and writes nothing to it, so it does not
// take the write lock. ctx ends the copy (the next call to next is not made).
func (db *DB) WriteParquet(ctx context.Context, cols []Column, next NextRow, w io.Writer) (int64, error) {
	if len(cols) == 0 {
		return 0, errors.New("parquet: no columns")
	}
	for _, c := range cols {
		if _, ok := duckTypes[c.Kind]; !ok {
			return 0, fmt.Errorf("parquet: column %s: unknown kind %d", c.Name, c.Kind)
		}
	}
	if err := db.registerRows(ctx); err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "scorecard-parquet-")
	if err != nil {
		return 0, fmt.Errorf("parquet: temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rows.parquet")

	var b [16]byte
	_, _ = rand.Read(b[:])
	key := hex.EncodeToString(b[:])
	s := &rowStream{ctx: ctx, cols: cols, next: next, row: make([]any, len(cols)),
		capacity: duckdb.GetDataChunkCapacity()}
	streams.Store(key, s)
	defer streams.Delete(key)

	// COPY takes no bound parameters; the key is hex and the path is made here, so both are
	// quoted literals, never anyone's input.
	q := fmt.Sprintf("COPY (SELECT * FROM %s(%s)) TO %s (FORMAT parquet, COMPRESSION zstd)",
		rowsFunction, QuoteLiteral(key), QuoteLiteral(path))
	if _, err := db.SQL.ExecContext(ctx, q); err != nil {
		return 0, fmt.Errorf("parquet: copy: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("parquet: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return s.rows, fmt.Errorf("parquet: send: %w", err)
	}
	return s.rows, nil
}

// registerRows registers the rows table function on the current DuckDB instance, once per
// instance (a reopen starts a new one, whose catalog does not have it).
func (db *DB) registerRows(ctx context.Context) error {
	db.rowsMu.Lock()
	defer db.rowsMu.Unlock()
	c := db.connector
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.cur == nil {
		return errors.New("parquet: the database is closed")
	}
	gen := c.gen.Load()
	if db.rowsGen == gen+1 {
		return nil
	}
	// duckdb-go registers functions on one of its own connections (not this package's
	// wrapper); the function goes into the instance's system catalog, seen by every connection.
	raw := sql.OpenDB(keepOpen{c.cur})
	defer raw.Close()
	raw.SetMaxIdleConns(0)
	conn, err := raw.Conn(ctx)
	if err != nil {
		return fmt.Errorf("parquet: connection: %w", err)
	}
	defer conn.Close()
	varchar, err := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	fn := duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{varchar}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			key, _ := args[0].(string)
			s, ok := streams.Load(key)
			if !ok {
				return nil, fmt.Errorf("%s: no stream %q", rowsFunction, key)
			}
			return s.(*rowStream), nil
		},
	}
	if err := duckdb.RegisterTableUDF(conn, rowsFunction, fn); err != nil {
		return fmt.Errorf("parquet: register %s: %w", rowsFunction, err)
	}
	db.rowsGen = gen + 1
	return nil
}

// ColumnInfos is the stream's columns as DuckDB types (duckdb.ChunkTableSource).
func (s *rowStream) ColumnInfos() []duckdb.ColumnInfo {
	out := make([]duckdb.ColumnInfo, len(s.cols))
	for i, c := range s.cols {
		t, _ := duckdb.NewTypeInfo(duckTypes[c.Kind]) // every kind was checked by WriteParquet
		out[i] = duckdb.ColumnInfo{Name: c.Name, T: t}
	}
	return out
}

// Cardinality is unknown: the rows are streamed (duckdb.ChunkTableSource).
func (s *rowStream) Cardinality() *duckdb.CardinalityInfo { return nil }

// Init does nothing: the stream is ready when registered (duckdb.ChunkTableSource).
func (s *rowStream) Init() {}

// FillChunk copies the next rows, up to a vector's worth, into DuckDB's chunk
// (duckdb.ChunkTableSource); a chunk of no rows is the end. NULLs, short strings, doubles and
// integers are written straight into the chunk's memory (parquet_vectors.go); other cells
// with duckdb-go's typed setter of their column's kind, and a cell of another Go type than its
// kind's through duckdb-go's own conversion (and its error).
func (s *rowStream) FillChunk(chunk duckdb.DataChunk) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	raw := s.rawColumns(&chunk)
	n := 0
	for ; n < s.capacity && !s.done; n++ {
		clear(s.row)
		ok, err := s.next(s.row)
		if err != nil {
			return err
		}
		if !ok {
			s.done = true // next is not asked again for the chunk of no rows that follows
			break
		}
		for i, v := range s.row {
			if raw != nil {
				err = setRawCell(chunk, raw[i], s.cols[i].Kind, i, n, v)
			} else {
				err = setCell(chunk, s.cols[i].Kind, i, n, v)
			}
			if err != nil {
				return fmt.Errorf("column %s: %w", s.cols[i].Name, err)
			}
		}
	}
	s.rows += int64(n)
	if err := chunk.SetSize(n); err != nil {
		return fmt.Errorf("chunk of %d rows: %w", n, err)
	}
	return nil
}

// setCell writes v, a cell of a column of kind k, at row of the chunk's column col.
func setCell(chunk duckdb.DataChunk, k ColumnKind, col, row int, v any) error {
	if v == nil {
		return duckdb.SetChunkValue[any](chunk, col, row, nil)
	}
	switch k {
	case KindText:
		if x, ok := v.(string); ok {
			return duckdb.SetChunkValue(chunk, col, row, x)
		}
	case KindDouble:
		if x, ok := v.(float64); ok {
			return duckdb.SetChunkValue(chunk, col, row, x)
		}
	case KindBigInt:
		if x, ok := v.(int64); ok {
			return duckdb.SetChunkValue(chunk, col, row, x)
		}
	case KindBoolean:
		if x, ok := v.(bool); ok {
			return duckdb.SetChunkValue(chunk, col, row, x)
		}
	case KindDate, KindTimestamp:
		if x, ok := v.(time.Time); ok {
			return duckdb.SetChunkValue(chunk, col, row, x)
		}
	}
	return chunk.SetValue(col, row, v)
}

// keepOpen is a DuckDB connector whose database a *sql.DB's Close leaves open (sql.DB.Close
// closes a connector that has a Close method).
type keepOpen struct{ c *duckdb.Connector }

func (k keepOpen) Connect(ctx context.Context) (driver.Conn, error) { return k.c.Connect(ctx) }
func (k keepOpen) Driver() driver.Driver                            { return duckdb.Driver{} }
