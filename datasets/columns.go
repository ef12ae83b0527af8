package datasets

import (
	"slices"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
)

// A parsed table is held compactly, one form per column, so that a file of N bytes costs about
// N bytes or less: a numeric column is one float64 and one byte of kind per cell; a text column
// is a code per cell into its distinct values while they are few, else one byte arena with an
// offset per cell. A column's type is decided by all its values, but neither form is held
// twice: a column is kept as numbers while every value so far reads as one (with the rare text
// that the number does not spell exactly, such as "1,234" or "5.0", kept aside), and turned into
// text at the first value that does not.

// Kinds of numeric cell.
const (
	kindEmpty  uint8 = iota // nothing
	kindNumber              // a number
	kindBad                 // neither a number, a marker nor empty; already reported
	kindMarker              // kindMarker+i: the suppression marker markerNames[i]
)

// markerNames are the markers a numeric cell can hold, by code: the keys of Markers, and the
// -1 Fingertips writes for a missing confidence limit.
var markerNames, markerCodes = func() ([]string, map[string]uint8) {
	var names []string
	for m := range Markers {
		names = append(names, m)
	}
	slices.Sort(names)
	names = append(names, "-1")
	codes := map[string]uint8{}
	for i, m := range names {
		codes[m] = kindMarker + uint8(i)
	}
	return names, codes
}()

// maxDictionary is the most distinct values a text column keeps as a dictionary (coded in a
// uint16 a cell); past it, the column's values go to an arena.
const maxDictionary = 4096

// arena holds strings end to end.
type arena struct {
	data []byte
	ends []uint32
}

func (a *arena) add(s string) {
	a.data = append(a.data, s...)
	a.ends = append(a.ends, uint32(len(a.data)))
}

func (a *arena) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = a.ends[i-1]
	}
	return string(a.data[start:a.ends[i]])
}

// column is one column of a Table, as it is built and as it is read.
type column struct {
	text     bool // the values are text (else numbers)
	mayTurn  bool // numbers that may still turn text: keep the exceptions
	problems colProblems

	// numbers
	nums      []float64
	kinds     []uint8
	sawNumber bool
	exRows    []int32 // rows whose text the number does not spell exactly, ascending
	exText    arena   // their text

	// text: a dictionary while small, then an arena
	dict    map[string]uint16
	values  []string
	codes   []uint16
	big     bool
	arena   arena
	textLen int // rows held as text
}

// colProblems are a column's problems in row order: the first errs.MaxDetails and a count, so
// that they can be reported after the row problems, column by column.
type colProblems struct {
	details []errs.Detail
	total   int
}

func (p *colProblems) add(d errs.Detail) {
	p.total++
	if len(p.details) < errs.MaxDetails {
		p.details = append(p.details, d)
	}
}

func (p *colProblems) addTo(l *errs.List) {
	for _, d := range p.details {
		l.Add(d)
	}
	for i := len(p.details); i < p.total; i++ {
		l.Add(errs.Detail{}) // beyond MaxDetails: counted only
	}
}

// addNumber appends a numeric cell; text is the trimmed text it was read from.
func (c *column) addNumber(cl cell, text string) {
	kind := kindEmpty
	switch {
	case cl.bad:
		kind = kindBad
	case cl.marker != "":
		kind = markerCodes[cl.marker]
	case cl.ok:
		kind = kindNumber
		c.sawNumber = true
	}
	if c.mayTurn && spell(kind, cl.num) != text {
		c.exRows = append(c.exRows, int32(len(c.kinds)))
		c.exText.add(text)
	}
	c.nums = append(c.nums, cl.num)
	c.kinds = append(c.kinds, kind)
}

// spell writes a numeric cell as text: how the text it was read from is most often written.
func spell(kind uint8, v float64) string {
	switch {
	case kind == kindNumber:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case kind >= kindMarker:
		return markerNames[kind-kindMarker]
	}
	return ""
}

// toText turns the column's numbers into the text they were read from.
func (c *column) toText() {
	if c.text {
		return
	}
	c.text = true
	ex := 0
	for ri, kind := range c.kinds {
		if ex < len(c.exRows) && int(c.exRows[ex]) == ri {
			c.addText(c.exText.get(ex))
			ex++
			continue
		}
		c.addText(spell(kind, c.nums[ri]))
	}
	c.nums, c.kinds, c.exRows, c.exText = nil, nil, nil, arena{}
}

// addText appends a text cell. s may share memory with a CSV record: it is copied.
func (c *column) addText(s string) {
	c.textLen++
	if c.big {
		c.arena.add(s)
		return
	}
	if c.dict == nil {
		c.dict = map[string]uint16{}
	}
	code, ok := c.dict[s]
	if !ok {
		if len(c.values) == maxDictionary {
			c.big = true
			for _, code := range c.codes {
				c.arena.add(c.values[code])
			}
			c.arena.add(s)
			c.dict, c.values, c.codes = nil, nil, nil
			return
		}
		code = uint16(len(c.values))
		s = strings.Clone(s)
		c.dict[s] = code
		c.values = append(c.values, s)
	}
	c.codes = append(c.codes, code)
}

// finish frees what building the column needed and reading it does not.
func (c *column) finish() {
	c.dict, c.exRows, c.exText = nil, nil, arena{}
}

// textAt returns text row ri.
func (c *column) textAt(ri int) string {
	if c.big {
		return c.arena.get(ri)
	}
	return c.values[c.codes[ri]]
}

// numAt returns numeric row ri.
func (c *column) numAt(ri int) cell {
	kind := c.kinds[ri]
	switch {
	case kind == kindNumber:
		return cell{num: c.nums[ri], ok: true}
	case kind == kindBad:
		return cell{bad: true}
	case kind >= kindMarker:
		return cell{marker: markerNames[kind-kindMarker]}
	}
	return cell{}
}

// markers counts the column's marker cells.
func (c *column) markers() int {
	n := 0
	for _, k := range c.kinds {
		if k >= kindMarker {
			n++
		}
	}
	return n
}

// Stored area levels, by code.
var levelNames = []string{"", LevelEngland, LevelRegion, LevelSubRegion, LevelLA, LevelSNAverage, LevelOther}

func levelCode(level string) uint8 {
	for i, l := range levelNames {
		if l == level {
			return uint8(i)
		}
	}
	panic("datasets: unknown level " + level)
}

// storedKey is a rowKey as a Table keeps it (16 bytes a row).
type storedKey struct {
	area   *areas.Area
	period period.Period
	level  uint8
}

func (t *Table) key(ri int) rowKey {
	k := t.keys[ri]
	return rowKey{area: k.area, level: levelNames[k.level], period: k.period}
}

func (t *Table) text(ci, ri int) string { return t.cols[ci].textAt(ri) }
func (t *Table) num(ci, ri int) cell    { return t.cols[ci].numAt(ri) }

// duplicates finds rows with the same text in column ci (the indicator), period, area and, when
// withLevel, level as an earlier row, among rows with an area and a period. It returns, for each
// such row, the line of the first. It sorts compact keys instead of keeping a map of every key.
func (t *Table) duplicates(ci int, withLevel bool) map[int]int {
	type key struct {
		area   *areas.Area
		ind    uint32
		row    int32
		period period.Period
		level  uint8
	}
	c := &t.cols[ci]
	var codes map[string]uint32 // for an arena column
	keys := make([]key, 0, len(t.keys))
	for ri, k := range t.keys {
		if k.area == nil || k.period.IsZero() {
			continue
		}
		var ind uint32
		if c.big {
			if codes == nil {
				codes = map[string]uint32{}
			}
			s := c.textAt(ri)
			code, ok := codes[s]
			if !ok {
				code = uint32(len(codes))
				codes[s] = code
			}
			ind = code
		} else {
			ind = uint32(c.codes[ri])
		}
		kk := key{area: k.area, ind: ind, row: int32(ri), period: k.period}
		if withLevel {
			kk.level = k.level
		}
		keys = append(keys, kk)
	}
	cmp := func(a, b key) int {
		if a.ind != b.ind {
			return int(a.ind) - int(b.ind)
		}
		if a.level != b.level {
			return int(a.level) - int(b.level)
		}
		if c := strings.Compare(a.area.Code, b.area.Code); c != 0 {
			return c
		}
		if a.period != b.period {
			return period.Compare(a.period, b.period)
		}
		return int(a.row) - int(b.row)
	}
	slices.SortFunc(keys, cmp)
	same := func(a, b key) bool {
		return a.ind == b.ind && a.level == b.level && a.area.Code == b.area.Code && a.period == b.period
	}
	dups := map[int]int{}
	start := 0
	for i := 1; i < len(keys); i++ {
		if same(keys[i], keys[start]) {
			dups[int(keys[i].row)] = int(t.lines[keys[start].row])
		} else {
			start = i
		}
	}
	return dups
}
