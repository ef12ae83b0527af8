package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
)

// ColumnType is how a column is stored.
type ColumnType string

// Column types.
const (
	Text   ColumnType = "text"
	Number ColumnType = "number"
)

// Column describes one column of a dataset as uploaded.
type Column struct {
	Name string     `json:"name"`
	Type ColumnType `json:"type"`
	// Markers counts the cells that held a suppression marker (stored missing, marker kept in
	// the companion column MarkerColumn(Name)).
	Markers int `json:"markers,omitempty"`
}

// MarkerColumn is the name of the column that keeps the suppression markers of a numeric column.
func MarkerColumn(name string) string { return name + ":marker" }

// Catalog answers the questions a simple return's rows need about indicators. The indicators
// package implements it; nil skips the checks.
type Catalog interface {
	// Known reports whether id names a defined indicator.
	Known(id string) bool
	// IsProportion reports whether the indicator is a proportion, whose numerator may not exceed
	// its denominator.
	IsProportion(id string) bool
}

// DatasetReaders is what a Catalog may also answer: whether any indicator reads a dataset. A
// dataset that indicators read keeps its current revision's format (see ParseOptions).
type DatasetReaders interface {
	ReadsDataset(name string) bool
}

// Table is a parsed, validated upload, ready to store.
type Table struct {
	Format   *Format
	Encoding string
	Columns  []Column
	Warnings []string

	keys  []storedKey
	lines []int32
	cols  []column // by column index, as in Columns
}

// Rows is the number of data rows kept.
func (t *Table) Rows() int { return len(t.keys) }

// Default limits on a file's shape. Every real format is far inside them (the widest, a
// Fingertips export, has 27 columns and rows under 1 KiB); a file beyond them is refused while
// it streams in, before it costs more memory than one row.
const (
	// DefaultMaxColumns is the most columns a file may have.
	DefaultMaxColumns = 500
	// DefaultMaxCellBytes is the longest cell (in bytes of UTF-8 text, quotes not counted).
	DefaultMaxCellBytes = 32 << 10
	// DefaultMaxLineBytes is the longest row of the file, in bytes as written (a line, or
	// several when quoted cells hold line breaks).
	DefaultMaxLineBytes = 1 << 20
)

// ParseOptions tunes Parse.
type ParseOptions struct {
	// Areas resolves area codes and names; nil means areas.Default().
	Areas *areas.Registry
	// Catalog checks a simple return's indicators; nil skips those checks.
	Catalog Catalog
	// Dataset names the dataset the file is for; when RequiredFormat(Dataset) is not nil, a file
	// of any other format is refused on its header.
	Dataset string
	// CurrentFormat is the format of the dataset's current revision ("" for a new dataset): a
	// file of another format is refused on its header, since the indicators reading the
	// dataset are written for that format.
	CurrentFormat string
	// MaxColumns caps the columns of the header and of every row; 0 means DefaultMaxColumns.
	MaxColumns int
	// MaxCellBytes caps one cell; 0 means DefaultMaxCellBytes.
	MaxCellBytes int
	// MaxLineBytes caps one row of the file; 0 means DefaultMaxLineBytes.
	MaxLineBytes int
	// Now is the clock that says which periods have begun (values for a period that has not
	// begun are refused; targets may lie in the future); nil means time.Now.
	Now func() time.Time
}

func (o ParseOptions) withDefaults() ParseOptions {
	if o.Areas == nil {
		o.Areas = areas.Default()
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = DefaultMaxCellBytes
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Parse reads a whole CSV upload and validates every row. On any problem it returns an
// *errs.Error (code Invalid) listing every problem with its row (the file's line number, header
// = 1), column and reason, up to errs.MaxDetails, with the total count. Problems with the file
// as a whole (empty, not text, unknown header, too many columns) are listed as one detail, with
// row 0 (the whole file) or the line at fault, so that every rejection has at least one detail.
func Parse(data []byte, opt ParseOptions) (*Table, error) {
	return ParseReader(bytes.NewReader(data), opt)
}

// ParseReader is Parse reading the file from r as a stream: the file is never held whole, and
// the table costs about the file's size or less. An error reading r is returned wrapped.
func ParseReader(r io.Reader, opt ParseOptions) (*Table, error) {
	t, err := parse(r, opt)
	if e, ok := errs.As(err); ok {
		// A rejected cell is quoted back to the user and kept in the revision's audit record:
		// a 10 MB cell must not become a 10 MB error.
		for i := range e.Details {
			e.Details[i].Value = clip(e.Details[i].Value)
			e.Details[i].Line = clip(e.Details[i].Line)
		}
	} else if err != nil {
		return nil, fmt.Errorf("datasets: read: %w", err)
	}
	return t, err
}

// MaxValueQuote is the longest cell text (in bytes) quoted in a problem; longer text is cut
// at a character boundary and ends with "…".
const MaxValueQuote = 200

// recordLine is a record as one line of CSV, for a problem's context (errs.Detail.Line): its
// fields as read, quoted where CSV needs it, clipped like a quoted value.
func recordLine(rec []string) string {
	var b strings.Builder
	for i, f := range rec {
		if i > 0 {
			b.WriteByte(',')
		}
		if f == "" || !strings.ContainsAny(f, ",\"\r\n") && f[0] != ' ' && f[len(f)-1] != ' ' {
			b.WriteString(f)
		} else {
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(f, `"`, `""`))
			b.WriteByte('"')
		}
		if b.Len() > MaxValueQuote {
			break // clip cuts it there anyway
		}
	}
	return clip(b.String())
}

// lineIf is recordLine(rec) when the problem it is for will be kept (keep), else "": past
// errs.MaxDetails problems are only counted, and a file of many bad rows must not pay for lines
// nobody sees.
func lineIf(keep bool, rec []string) string {
	if !keep {
		return ""
	}
	return recordLine(rec)
}

// lineIf is t.recordLine(ri) when the problem it is for will be kept (see lineIf).
func (t *Table) lineIf(keep bool, ri int) string {
	if !keep {
		return ""
	}
	return t.recordLine(ri)
}

// recordLine is data row ri as one line of CSV, rebuilt from its stored cells, for the problems
// found once the whole file is read (the file's text is not kept): text as read (trimmed),
// numbers as read back, markers as written.
func (t *Table) recordLine(ri int) string {
	rec := make([]string, len(t.cols))
	for ci := range t.cols {
		if c := &t.cols[ci]; c.text {
			rec[ci] = c.textAt(ri)
		} else {
			rec[ci] = spell(c.kinds[ri], c.nums[ri])
		}
	}
	return recordLine(rec)
}

func clip(s string) string {
	if len(s) <= MaxValueQuote {
		return s
	}
	cut := MaxValueQuote
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// parse reads and validates the file. An error that is not an *errs.Error is r's.
func parse(r io.Reader, opt ParseOptions) (*Table, error) {
	opt = opt.withDefaults()
	dec := newTextDecoder(r)
	t, err := parseText(dec, opt)
	// The whole file is read whatever the parser found: the hash and size cover it all, and
	// an encoding problem found at the end means the text the parser read may be garbled.
	dec.drain()
	switch {
	case dec.readErr != nil:
		return nil, dec.readErr
	case !dec.nonSpace:
		return nil, fileProblem(0, "the file is empty")
	case dec.fatal != nil:
		return nil, dec.fatal
	case err != nil:
		return nil, err
	}
	t.Encoding = dec.encoding()
	return t, nil
}

// streamProblem describes an error encoding/csv returned: a CSV syntax error or a limit the
// row broke. ok is false for errors of the text beneath (encoding, reading), which parse
// reports itself.
func streamProblem(err error, header []string) (errs.Detail, bool) {
	var le *limitError
	if errors.As(err, &le) {
		col := fmt.Sprintf("column %d", le.column)
		if le.row > 1 && le.column <= len(header) && header != nil {
			col = header[le.column-1]
		}
		return errs.Detail{Row: le.row, Column: col, Reason: le.reason}, true
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return csvDetail(err), true
	}
	return errs.Detail{}, false
}

func parseText(dec *textDecoder, opt ParseOptions) (*Table, error) {
	cr := csv.NewReader(newLimiter(dec, opt.MaxColumns, opt.MaxCellBytes, opt.MaxLineBytes))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	var problems errs.List
	rec, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fileProblem(0, "the file is empty")
		}
		d, ok := streamProblem(err, nil)
		if !ok {
			return nil, err
		}
		problems.Add(d)
		return nil, problems.Err("the file was rejected: it is not valid CSV; nothing was stored")
	}
	header := slices.Clone(rec)
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if len(header) == 1 {
		for _, sep := range []string{";", "\t", "|"} {
			if strings.Count(header[0], sep) >= 2 {
				return nil, fileProblem(1, fmt.Sprintf("the columns are separated by %s, not commas; save the file as \"CSV (comma delimited)\"", sepName(sep)))
			}
		}
	}
	if err := checkHeader(header, opt.MaxCellBytes); err != nil {
		return nil, err
	}
	f, err := detectFormat(header)
	if want := RequiredFormat(opt.Dataset); want != nil && f != want {
		return nil, fileProblem(1, wrongFormat(opt.Dataset, want, f, header, true))
	}
	if want := formatNamed(opt.CurrentFormat); want != nil && f != want {
		return nil, fileProblem(1, wrongFormat(opt.Dataset, want, f, header, false))
	}
	if err != nil {
		return nil, fileProblem(1, err.Error())
	}

	t := &Table{Format: f, cols: make([]column, len(header))}
	index := make(map[string]int, len(header))
	lnames := make([]string, len(header))
	for i, h := range header {
		lnames[i] = strings.ToLower(h)
		index[lnames[i]] = i
	}
	numeric := setOf(f.Numeric)
	forcedText := setOf(f.Text)
	minusOneCI := make([]bool, len(header)) // Fingertips writes -1 for a missing confidence limit
	for ci, lname := range lnames {
		c := &t.cols[ci]
		c.text = forcedText[lname]
		c.mayTurn = !c.text && !numeric[lname]
		minusOneCI[ci] = f.Name == "fingertips" && strings.Contains(lname, " ci ")
	}
	// Values belong to periods that have begun; targets may be set for the future.
	y, m, d := opt.Now().UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	checkBegun := f != targetsFile && f.PeriodColumn != ""

	skipped := map[string]int{}
	keyProblemAt := map[[2]int]bool{} // (line, column index) of cells already reported
	collected := int64(0)
rows:
	for {
		if dec.decoded-collected >= collectEvery {
			// See collectEvery.
			runtime.GC()
			collected = dec.decoded
		}
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if d, ok := streamProblem(err, header); ok {
				problems.Add(d)
			}
			break // the CSV reader cannot resynchronise after a quoting error or a refused row
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // a blank line, or a row of empty cells as Excel leaves behind
		}
		if len(rec) != len(header) {
			problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header)), Line: lineIf(problems.Len() < errs.MaxDetails, rec)})
			continue
		}
		if isHeader(rec, header) {
			problems.Add(errs.Detail{Row: line, Reason: "the header is repeated on this line (were two files joined?)", Line: lineIf(problems.Len() < errs.MaxDetails, rec)})
			continue
		}
		for ci, v := range rec {
			if len(v) > opt.MaxCellBytes {
				problems.Add(errs.Detail{Row: line, Column: header[ci], Value: v, Reason: cellTooLong(len(v), opt.MaxCellBytes), Line: lineIf(problems.Len() < errs.MaxDetails, rec)})
				continue rows
			}
		}
		k, kp, skip := f.key(opt.Areas, row{index: index, record: rec})
		if skip != "" {
			skipped[skip]++
			continue
		}
		if checkBegun && !k.period.IsZero() && k.period.Start().After(today) {
			kp = append(kp, keyProblem{f.PeriodColumn, strings.TrimSpace(rec[index[strings.ToLower(f.PeriodColumn)]]), fmt.Sprintf(
				"the period %s has not begun yet (it starts %s); values can be loaded only for periods that have begun "+
					"(targets for later periods belong in the targets dataset)", k.period, k.period.Start().Format("2 January 2006"))})
		}
		for _, p := range kp {
			col := p.column // a column the format needed but the file lacks is named as the format spells it
			if i, ok := index[strings.ToLower(p.column)]; ok {
				col = header[i]
				keyProblemAt[[2]int{line, i}] = true
			}
			problems.Add(errs.Detail{Row: line, Column: col, Value: p.value, Reason: p.reason, Line: lineIf(problems.Len() < errs.MaxDetails, rec)})
		}
		t.keys = append(t.keys, storedKey{area: k.area, period: k.period, level: levelCode(k.level)})
		t.lines = append(t.lines, int32(line))
		for ci, raw := range rec {
			c := &t.cols[ci]
			v := strings.TrimSpace(raw)
			if !c.text {
				cl, reason := parseCell(v)
				if reason == "" {
					if minusOneCI[ci] && cl.ok && cl.num == -1 {
						cl = cell{marker: "-1"}
					}
					c.addNumber(cl, v)
					continue
				}
				// A number out of range is refused in any column that could hold numbers:
				// stored as text it would hide the overflow instead of reporting it.
				if numeric[lnames[ci]] || reason != notANumber {
					c.problems.add(errs.Detail{Row: line, Column: header[ci], Value: raw, Reason: reason, Line: lineIf(c.problems.total < errs.MaxDetails, rec)})
					c.addNumber(cell{bad: true}, v) // already reported: later checks must not report it again
					continue
				}
				c.toText()
			}
			c.addText(v)
			if formulaLike(v) && !keyProblemAt[[2]int{line, ci}] {
				c.problems.add(errs.Detail{Row: line, Column: header[ci], Value: v, Reason: "looks like a spreadsheet formula " +
					"(starts with " + v[:1] + "); formulas are refused because they would run when the data is opened " +
					"in a spreadsheet: remove the leading character or put a space before it", Line: lineIf(c.problems.total < errs.MaxDetails, rec)})
			}
		}
	}
	if len(t.keys) == 0 && problems.Len() == 0 {
		if len(skipped) > 0 {
			return nil, fileProblem(1, fmt.Sprintf("the file has no data rows once %d artefact row(s) are left out", sum(skipped)))
		}
		return nil, fileProblem(1, "the file has a header but no data rows")
	}

	// Settle each column's type; its problems follow the rows' problems, column by column.
	for ci, name := range header {
		c := &t.cols[ci]
		col := Column{Name: name, Type: Text}
		if !c.text && (numeric[lnames[ci]] || c.sawNumber) {
			col.Type = Number
			col.Markers = c.markers()
		} else {
			c.toText()
		}
		c.finish()
		c.problems.addTo(&problems)
		c.problems = colProblems{}
		t.Columns = append(t.Columns, col)
	}

	switch f {
	case simpleReturn:
		checkSimpleReturn(t, header, opt.Catalog, &problems)
	case targetsFile:
		checkTargets(t, header, opt.Catalog, &problems)
	}
	if opt.Catalog != nil {
		checkValues(t, header, opt.Catalog, opt.Dataset, &problems)
	}
	if err := problems.Err("the file was rejected: %d problem(s) found; nothing was stored", problems.Len()); err != nil {
		return nil, err
	}
	for reason, n := range skipped {
		t.Warnings = append(t.Warnings, fmt.Sprintf("%d row(s) left out: %s", n, reason))
	}
	slices.Sort(t.Warnings) // map order is random; revisions must be reproducible
	return t, nil
}

// collectEvery is how much text a parse reads between the garbage collections it forces. Every
// record read is garbage once its cells are in the table, and left to itself the collector lets
// garbage grow as large as everything live (the table) before it runs: a large upload's peak
// would be twice its table. A collection costs little here (the table is mostly pointer-free
// arrays), so a parse forces one every so often and its peak stays near its table.
const collectEvery = 16 << 20

// cellTooLong is the reason for a cell over the limit.
func cellTooLong(n, limit int) string {
	return fmt.Sprintf("the cell holds %s bytes; at most %s are accepted in one cell", groupDigits(n), formatSize(int64(limit)))
}

// checkSimpleReturn applies the rules a local return must meet beyond its format: known
// indicators, a value on every row, sane counts, and one row per indicator, area and period.
func checkSimpleReturn(t *Table, header []string, cat Catalog, problems *errs.List) {
	colIdx := map[string]int{}
	for i, h := range header {
		colIdx[strings.ToLower(h)] = i
	}
	num := func(name string, ri int) (cell, bool) {
		ci, ok := colIdx[name]
		if !ok || t.Columns[ci].Type != Number {
			return cell{}, false
		}
		return t.num(ci, ri), true
	}
	indCol := colIdx["indicator"]
	dups := t.duplicates(indCol, true)
	for ri := range t.keys {
		line := int(t.lines[ri])
		ind := t.text(indCol, ri)
		if cat != nil && ind != "" && !cat.Known(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["indicator"]], Value: ind, Reason: "unknown indicator", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if v, _ := num("value", ri); !v.ok && v.marker == "" && !v.bad {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["value"]], Reason: "value is empty (write a suppression marker such as c or x if the figure is withheld)",
				Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		n, hasN := num("numerator", ri)
		d, hasD := num("denominator", ri)
		if hasN && n.ok && n.num < 0 {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["numerator"]], Reason: "numerator is negative", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if hasD && d.ok && d.num <= 0 {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["denominator"]], Reason: "denominator must be greater than zero", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if hasN && hasD && n.ok && d.ok && d.num > 0 && n.num > d.num && cat != nil && cat.IsProportion(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["numerator"]],
				Reason: fmt.Sprintf("numerator %g is greater than denominator %g for a proportion", n.num, d.num), Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if first, dup := dups[ri]; dup {
			problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("duplicate of row %d (same indicator, area and period)", first), Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
	}
}

func checkHeader(header []string, maxCell int) error {
	var problems errs.List
	seen := map[string]int{}
	for i, h := range header {
		pos := fmt.Sprintf("column %d", i+1)
		switch {
		case h == "":
			problems.Add(errs.Detail{Row: 1, Column: pos, Reason: "the header has an empty column name"})
		case len(h) > maxCell:
			problems.Add(errs.Detail{Row: 1, Column: pos, Value: h, Reason: "the column name is too long: " + cellTooLong(len(h), maxCell)})
		case formulaLike(h):
			problems.Add(errs.Detail{Row: 1, Column: pos, Value: h, Reason: "the column name looks like a spreadsheet formula (starts with " + h[:1] +
				"); formulas are refused because they would run when the data is opened in a spreadsheet: rename the column"})
		case strings.ContainsAny(h, "<>"):
			problems.Add(errs.Detail{Row: 1, Column: pos, Value: h, Reason: "the column name contains < or >, which no column name needs " +
				"(it could be markup that runs in a browser): rename the column"})
		case strings.ContainsFunc(h, unicode.IsControl):
			problems.Add(errs.Detail{Row: 1, Column: pos, Value: h, Reason: "the column name contains a control character (such as a tab or a line break): rename the column"})
		case strings.HasPrefix(h, "_"):
			problems.Add(errs.Detail{Row: 1, Column: h, Reason: "column names starting with _ are reserved"})
		case strings.HasSuffix(strings.ToLower(h), ":marker"):
			problems.Add(errs.Detail{Row: 1, Column: h, Reason: "column names ending in :marker are reserved"})
		}
		if j, dup := seen[strings.ToLower(h)]; dup && h != "" {
			problems.Add(errs.Detail{Row: 1, Column: h, Reason: fmt.Sprintf("duplicate column name (also column %d)", j+1)})
		}
		seen[strings.ToLower(h)] = i
	}
	return problems.Err("the header was rejected; nothing was stored")
}

// csvDetail describes a CSV syntax error. Its row is the line where the bad record starts (for
// a quote left open, where the quote opened, not the end of the file); the position is in the
// reason because encoding/csv reports a byte offset within the line, not a field.
func csvDetail(err error) errs.Detail {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		row := pe.StartLine
		if row == 0 {
			row = pe.Line
		}
		reason := "malformed CSV: " + pe.Err.Error()
		if pe.Line != row {
			reason += fmt.Sprintf(" (the record starting on this line runs on to line %d: is a quote left open?)", pe.Line)
		} else {
			reason += fmt.Sprintf(" (at character %d of the line)", pe.Column)
		}
		return errs.Detail{Row: row, Reason: reason}
	}
	return errs.Detail{Reason: "malformed CSV: " + err.Error()}
}

// fileProblem is the error for a problem with the file as a whole or its header: an Invalid
// error with one detail (row 0 = the whole file).
func fileProblem(row int, reason string) error {
	var l errs.List
	l.Add(errs.Detail{Row: row, Reason: reason})
	return l.Err("the file was rejected; nothing was stored")
}

// isHeader reports whether a record repeats the header (names compared case-insensitively).
func isHeader(rec, header []string) bool {
	for i, h := range header {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), h) {
			return false
		}
	}
	return true
}

// cellReference matches a spreadsheet cell or range reference such as A1, $B$2 or A1:C3, which
// a spreadsheet evaluates after a sign ("+A1").
var cellReference = regexp.MustCompile(`^\$?[A-Za-z]{1,3}\$?[0-9]{1,7}(:\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?$`)

// formulaLike reports whether a text cell would be run as a formula by a spreadsheet (OWASP's
// CSV-injection rule). A leading = always is. A leading +, - or @ is when the rest reads as a
// formula: a function call, a cell or DDE reference, or an operator ("+cmd|' /C calc'!A0",
// "@SUM(A1)", "-2+3", "+A1"). Ordinary notes that begin with a sign ("-ve trend", "+44 20 7946 0000",
// "- none", "@ home visits") and numbers written in a text column are text.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=':
		return true
	case '+', '-', '@':
		if _, ok := parseNumber(s); ok {
			return false
		}
		return strings.ContainsAny(s[1:], "()!|=&;+^<>") || cellReference.MatchString(s[1:])
	}
	return false
}

func sepName(sep string) string {
	switch sep {
	case "\t":
		return "tabs"
	case ";":
		return "semicolons (;)"
	}
	return "\"" + sep + "\""
}

// blank reports whether every field of a record is empty or white space.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// checkTargets applies a targets file's rules: known indicators, a number in every target, a
// tolerance that is not negative, and one row per indicator, area and period.
func checkTargets(t *Table, header []string, cat Catalog, problems *errs.List) {
	colIdx := map[string]int{}
	for i, h := range header {
		colIdx[strings.ToLower(h)] = i
	}
	indCol, targetCol, tolCol := colIdx["indicator"], colIdx["target"], colIdx["tolerance"]
	dups := t.duplicates(indCol, false)
	for ri := range t.keys {
		line := int(t.lines[ri])
		ind := t.text(indCol, ri)
		if cat != nil && ind != "" && !cat.Known(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[indCol], Value: ind, Reason: "unknown indicator", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if c := t.num(targetCol, ri); !c.ok && !c.bad {
			problems.Add(errs.Detail{Row: line, Column: header[targetCol], Reason: "target is empty", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if c := t.num(tolCol, ri); c.ok && c.num < 0 {
			problems.Add(errs.Detail{Row: line, Column: header[tolCol], Reason: "tolerance must not be negative", Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
		if first, dup := dups[ri]; dup {
			problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("duplicate of row %d (same indicator, area and period)", first), Line: t.lineIf(problems.Len() < errs.MaxDetails, ri)})
		}
	}
}
