package api

import (
	"fmt"
	"hash/maphash"
	"strings"
	"time"
)

// kind is the type of a table column. Each kind has one Go type for its cells (nil is missing
// in every kind) and one mapping in each format, so CSV, Arrow and Excel cannot drift apart.
type kind uint8

const (
	kText      kind = iota // string
	kNumber                // float64
	kInteger               // int64
	kBoolean               // bool
	kDate                  // time.Time at midnight UTC
	kTimestamp             // time.Time, UTC
)

func (k kind) String() string {
	return [...]string{"text", "number", "integer", "boolean", "date", "timestamp"}[k]
}

// column is one column of a flat table.
type column struct {
	Name string
	Kind kind
	// Scaled marks a number in the indicator's unit: CSV and Excel write it at the row's decimal
	// places (table.Decimals). Other numbers (counts, percentages of change) are written in
	// full, without binary floating-point noise (see plainFloat).
	Scaled bool
	// Required marks a column that is never missing: Arrow declares it non-nullable, and check
	// refuses a row without it.
	Required bool
}

// sheet is a run of consecutive rows that Excel shows on a worksheet of its own.
type sheet struct {
	Name     string
	From, To int // rows [From, To)
}

// table is the one flat model of every tabular read: typed columns and rows. Each handler
// builds its table once and the CSV, Arrow and Excel renderers all read the same table.
type table struct {
	// Name is the file name stem of a download ("scorecard-E06000058").
	Name    string
	Columns []column
	Rows    [][]any
	// Decimals holds each row's display decimal places (the indicator's), for Scaled columns;
	// -1 or a missing entry means a general number format.
	Decimals []int
	// Sheets splits the rows into worksheets in Excel (one per scorecard priority); nil is one
	// sheet named after the table.
	Sheets []sheet
	// Stream, when set, produces the rows one at a time instead of Rows: a download of every
	// matching row is written as the rows come from the database, never held whole. It calls
	// emit once per row (decimals as for add) with a row of its own, which emit may keep; an
	// error from emit must end it and be returned.
	Stream func(emit func(decimals int, cells []any) error) error
}

// each calls fn with every row, in order: Rows, or the rows Stream produces (each checked
// against the columns as it comes, as check does for Rows).
func (t *table) each(fn func(i, decimals int, row []any) error) error {
	if t.Stream == nil {
		for i, row := range t.Rows {
			if err := fn(i, t.decimals(i), row); err != nil {
				return err
			}
		}
		return nil
	}
	i := 0
	return t.Stream(func(decimals int, row []any) error {
		if err := t.checkRow(i, row); err != nil {
			return err
		}
		err := fn(i, decimals, row)
		i++
		return err
	})
}

// materialise turns a streamed table into one that holds its rows (for Excel, which is
// assembled whole and is only served in pages).
func (t *table) materialise() error {
	if t.Stream == nil {
		return nil
	}
	stream := t.Stream
	t.Stream = nil
	return stream(func(decimals int, row []any) error {
		t.Rows = append(t.Rows, row)
		t.Decimals = append(t.Decimals, decimals)
		return nil
	})
}

// add appends a row; decimals is the row's display decimal places (-1 for none).
func (t *table) add(decimals int, cells ...any) {
	if len(cells) != len(t.Columns) {
		panic(fmt.Sprintf("table %s: row of %d cells for %d columns", t.Name, len(cells), len(t.Columns)))
	}
	t.Rows = append(t.Rows, cells)
	t.Decimals = append(t.Decimals, decimals)
}

// decimals returns row i's display decimal places, or -1.
func (t *table) decimals(i int) int {
	if i < len(t.Decimals) {
		return t.Decimals[i]
	}
	return -1
}

// check reports the first cell whose Go type does not match its column's kind, or a missing
// cell in a Required column. Renderers rely on the match; tests run it over every table the
// shipped data produces. A streamed table's rows are checked as they are written (each).
func (t *table) check() error {
	for i, row := range t.Rows {
		if err := t.checkRow(i, row); err != nil {
			return err
		}
	}
	return nil
}

// checkRow is check for row i.
func (t *table) checkRow(i int, row []any) error {
	if len(row) != len(t.Columns) {
		return fmt.Errorf("table %s row %d: %d cells for %d columns", t.Name, i, len(row), len(t.Columns))
	}
	for j, v := range row {
		if v == nil {
			if t.Columns[j].Required {
				return fmt.Errorf("table %s row %d column %s: missing, but the column is required", t.Name, i, t.Columns[j].Name)
			}
			continue
		}
		ok := false
		switch t.Columns[j].Kind {
		case kText:
			_, ok = v.(string)
		case kNumber:
			_, ok = v.(float64)
		case kInteger:
			_, ok = v.(int64)
		case kBoolean:
			_, ok = v.(bool)
		case kDate, kTimestamp:
			_, ok = v.(time.Time)
		}
		if !ok {
			return fmt.Errorf("table %s row %d column %s (%s): cell %T", t.Name, i, t.Columns[j].Name, t.Columns[j].Kind, v)
		}
	}
	return nil
}

// Cell constructors: each maps a Go zero or nil to a missing cell, so that "no value" is null
// in Arrow, empty in CSV and blank in Excel, never 0 or "".

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func numPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func integer(n int) any { return int64(n) }

// intOrNil is n, or missing when n is zero (a field that JSON omits when zero).
func intOrNil(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// isoDate parses an ISO date ("2016-03-31") into a date cell.
func isoDate(s string) any {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return t
}

func timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// joined is a list as one text cell, items separated by "; ".
func joined(items []string) any { return str(strings.Join(items, "; ")) }

// cellBoxes boxes the cells of a stream of rows, reusing a box of an equal value met before:
// consecutive evaluations share most of their words (indicator, period, sources, judgements,
// the areas of a period), and a reused box costs a hash and a comparison where a new one is
// an allocation for the garbage collector to follow. A box is never changed, so rows that
// share one may be kept. A nil *cellBoxes boxes every cell anew (str, isoDate, timestamp).
type cellBoxes struct {
	seed  maphash.Seed
	texts [cellBoxSlots]textBox // by the text's hash; a newer text takes its slot
	// The last date and timestamp (an evaluation's period end and evaluated time).
	lastDate  string
	dateBox   any
	lastStamp time.Time
	stampBox  any
}

// cellBoxSlots is how many texts cellBoxes remembers: a few times the distinct words of a
// period's rows (about 200 areas' codes and names, and the judgements and sources).
const cellBoxSlots = 4096

// textBox is a boxed text and the text.
type textBox struct {
	s   string
	box any
}

func newCellBoxes() *cellBoxes { return &cellBoxes{seed: maphash.MakeSeed()} }

// str is str(s), in a box met before when there is one.
func (b *cellBoxes) str(s string) any {
	if b == nil || s == "" {
		return str(s)
	}
	slot := &b.texts[maphash.String(b.seed, s)%cellBoxSlots]
	if slot.box != nil && slot.s == s {
		return slot.box
	}
	*slot = textBox{s: s, box: s}
	return slot.box
}

// date is isoDate(s), in the last date's box when s is the same.
func (b *cellBoxes) date(s string) any {
	if b == nil {
		return isoDate(s)
	}
	if b.dateBox == nil || s != b.lastDate {
		b.lastDate, b.dateBox = s, isoDate(s)
	}
	return b.dateBox
}

// stamp is timestamp(t), in the last timestamp's box when t is the same instant and location.
func (b *cellBoxes) stamp(t time.Time) any {
	if b == nil {
		return timestamp(t)
	}
	if b.stampBox == nil || t != b.lastStamp {
		b.lastStamp, b.stampBox = t, timestamp(t)
	}
	return b.stampBox
}
