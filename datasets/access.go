package datasets

import (
	"strings"

	"github.com/childrens-trust/scorecard/period"
)

// Cell is one cell of a parsed Table as it will be stored.
type Cell struct {
	// Text is the trimmed text of a text column ("" = missing).
	Text string
	// Number is the value of a numeric column; meaningful only when Valid.
	Number float64
	// Valid reports whether a numeric cell holds a number.
	Valid bool
	// Marker is the suppression marker (lower case, such as "c" or "x") a numeric cell held
	// instead of a number; "" when it held a number or nothing.
	Marker string
}

// Line returns the file line (header = 1) of data row i, where i counts the kept rows from 0 in
// file order (0 <= i < Rows()).
func (t *Table) Line(i int) int { return int(t.lines[i]) }

// Area returns the normalised area of data row i: the current GSS code of the area it resolved
// to ("" for geographies the product does not model) and the level stored in _level (one of the
// Level constants).
func (t *Table) Area(i int) (code, level string) {
	k := t.key(i)
	if k.area != nil {
		code = k.area.Code
	}
	return code, k.level
}

// Period returns the normalised period of data row i (zero when the format has none).
func (t *Table) Period(i int) period.Period { return t.keys[i].period }

// Cell returns the named column's cell (case-insensitive) on data row i, and false when the table
// has no such column.
func (t *Table) Cell(i int, column string) (Cell, bool) {
	for ci, c := range t.Columns {
		if !strings.EqualFold(c.Name, column) {
			continue
		}
		if c.Type == Number {
			n := t.num(ci, i)
			return Cell{Number: n.num, Valid: n.ok, Marker: n.marker}, true
		}
		return Cell{Text: t.text(ci, i)}, true
	}
	return Cell{}, false
}
