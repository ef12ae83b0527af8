package store

import (
	"encoding/binary"
	"reflect"
	"unicode/utf8"
	"unsafe"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// Direct vector writes. duckdb-go writes every string cell and every NULL with a call into C
// (duckdb_vector_assign_string_element, duckdb_validity_set_row_invalid), which is most of the
// cost of handing DuckDB a row of evaluations: about 30 strings and 17 NULLs a row. DuckDB's
// vectors are plain memory, so this file writes those cells there itself, as DuckDB's C API
// does:
//   - a NULL clears the row's bit in the column's validity mask (one uint64 per 64 rows);
//   - a string of at most 12 bytes of valid UTF-8 is a 16-byte duckdb_string_t that holds it
//     inline (its length as a uint32, then the bytes, zero-padded); a longer string, which
//     lives in the vector's string heap, or an invalid one (which DuckDB makes NULL) still
//     goes through duckdb_vector_assign_string_element;
//   - a DOUBLE or BIGINT is its 8 bytes at the row's offset.
// Every other cell goes through duckdb-go's typed setters (setCell).
//
// duckdb-go does not hand out a chunk's C handle, so it is read from the DataChunk's field
// "chunk", found by reflection: if a later duckdb-go lays DataChunk out differently, the field
// is not found and every cell takes duckdb-go's setters again. The first chunk of a stream
// also checks that DuckDB's columns are the stream's, in order (projection pushdown could map
// them otherwise), by writing a NULL to each column through duckdb-go and looking for it in
// the column's own mask.

// inlineLength is the longest string a duckdb_string_t holds inline.
const inlineLength = 12

// chunkHandleOffset is the offset of duckdb.DataChunk's C handle (a mapping.DataChunk), and
// chunkHandleKnown whether it was found.
var chunkHandleOffset, chunkHandleKnown = func() (uintptr, bool) {
	f, ok := reflect.TypeFor[duckdb.DataChunk]().FieldByName("chunk")
	if !ok || f.Type != reflect.TypeFor[mapping.DataChunk]() {
		return 0, false
	}
	return f.Offset, true
}()

// rawColumn is the memory of one column of a chunk that DuckDB gave to be filled.
type rawColumn struct {
	data unsafe.Pointer // the values, one per row
	mask unsafe.Pointer // the validity bits, all set (valid) when DuckDB hands the chunk over
}

// setNull marks row as NULL.
func (c rawColumn) setNull(row int) {
	w := (*uint64)(unsafe.Add(c.mask, row/64*8))
	*w &^= 1 << (row % 64)
}

// setValid marks row as not NULL.
func (c rawColumn) setValid(row int) {
	w := (*uint64)(unsafe.Add(c.mask, row/64*8))
	*w |= 1 << (row % 64)
}

// valid reports whether row is not NULL.
func (c rawColumn) valid(row int) bool {
	w := (*uint64)(unsafe.Add(c.mask, row/64*8))
	return *w&(1<<(row%64)) != 0
}

// setInline writes s, at most inlineLength bytes, as row's duckdb_string_t.
func (c rawColumn) setInline(row int, s string) {
	var b [16]byte
	binary.NativeEndian.PutUint32(b[:4], uint32(len(s)))
	copy(b[4:], s)
	*(*[16]byte)(unsafe.Add(c.data, row*16)) = b
}

// set8 writes the 8 bytes of a DOUBLE or BIGINT value as row's.
func set8[T float64 | int64](c rawColumn, row int, v T) {
	*(*T)(unsafe.Add(c.data, row*8)) = v
}

// rawColumns is the memory of the chunk's columns, in the stream's column order, or nil when
// it cannot be reached (cells then take duckdb-go's setters).
func (s *rowStream) rawColumns(chunk *duckdb.DataChunk) []rawColumn {
	if !chunkHandleKnown || (s.rawChecked && !s.rawOK) {
		return nil
	}
	h := *(*mapping.DataChunk)(unsafe.Add(unsafe.Pointer(chunk), chunkHandleOffset))
	if h.Ptr == nil || int(mapping.DataChunkGetColumnCount(h)) != len(s.cols) {
		return nil
	}
	if s.raw == nil {
		s.raw = make([]rawColumn, len(s.cols))
	}
	for i := range s.raw {
		v := mapping.DataChunkGetVector(h, mapping.IdxT(i))
		s.raw[i] = rawColumn{data: mapping.VectorGetData(v), mask: mapping.VectorGetValidity(v)}
		if s.raw[i].data == nil || s.raw[i].mask == nil {
			return nil
		}
		if !s.rawChecked {
			t := mapping.VectorGetColumnType(v)
			id := mapping.GetTypeId(t)
			mapping.DestroyLogicalType(&t)
			if id != duckTypes[s.cols[i].Kind] {
				s.rawChecked = true
				return nil
			}
		}
	}
	if !s.rawChecked {
		s.rawChecked = true
		s.rawOK = columnsInOrder(chunk, s.raw)
		if !s.rawOK {
			return nil
		}
	}
	return s.raw
}

// columnsInOrder reports whether raw[i] is the column duckdb-go writes as column i, by writing
// a NULL to row 0 of each column in turn through duckdb-go and finding it in raw[i] alone. Row
// 0 is valid in every column again afterwards.
func columnsInOrder(chunk *duckdb.DataChunk, raw []rawColumn) (ok bool) {
	defer func() {
		for _, c := range raw {
			c.setValid(0)
		}
	}()
	for _, c := range raw {
		if !c.valid(0) {
			return false
		}
	}
	for i := range raw {
		if err := chunk.SetValue(i, 0, nil); err != nil || raw[i].valid(0) {
			return false
		}
		for _, c := range raw[i+1:] {
			if !c.valid(0) {
				return false
			}
		}
	}
	return true
}

// setRawCell writes v, a cell of column col (of kind k), at row: into the column's memory when
// it can, otherwise through duckdb-go (setCell).
func setRawCell(chunk duckdb.DataChunk, c rawColumn, k ColumnKind, col, row int, v any) error {
	switch x := v.(type) {
	case nil:
		c.setNull(row)
		return nil
	case string:
		if k == KindText && len(x) <= inlineLength && utf8.ValidString(x) {
			c.setInline(row, x)
			c.setValid(row) // whatever an earlier chunk left in the mask
			return nil
		}
	case float64:
		if k == KindDouble {
			set8(c, row, x)
			c.setValid(row)
			return nil
		}
	case int64:
		if k == KindBigInt {
			set8(c, row, x)
			c.setValid(row)
			return nil
		}
	}
	return setCell(chunk, k, col, row, v)
}
