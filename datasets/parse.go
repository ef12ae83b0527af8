package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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

// Table is a parsed, validated upload, ready to store.
type Table struct {
	Format   *Format
	Encoding string
	Columns  []Column
	Warnings []string

	keys  []rowKey
	lines []int
	text  [][]string // per text column: values ("" = missing)
	nums  [][]cell   // per numeric column
	slot  []int      // column index -> index into text or nums
}

// Rows is the number of data rows kept.
func (t *Table) Rows() int { return len(t.keys) }

// ParseOptions tunes Parse.
type ParseOptions struct {
	// Areas resolves area codes and names; nil means areas.Default().
	Areas *areas.Registry
	// Catalog checks a simple return's indicators; nil skips those checks.
	Catalog Catalog
	// Dataset names the dataset the file is for; when RequiredFormat(Dataset) is not nil, a file
	// of any other format is refused on its header.
	Dataset string
}

// Parse reads a whole CSV upload and validates every row. On any problem it returns an
// *errs.Error (code Invalid) listing every problem with its row (the file's line number, header
// = 1), column and reason, up to errs.MaxDetails, with the total count. Problems with the file
// as a whole (empty, not text, unknown header) are listed as one detail, with row 0 (the whole
// file) or the line at fault, so that every rejection has at least one detail.
func Parse(data []byte, opt ParseOptions) (*Table, error) {
	t, err := parse(data, opt)
	if e, ok := errs.As(err); ok {
		// A rejected cell is quoted back to the user and kept in the revision's audit record:
		// a 10 MB cell must not become a 10 MB error.
		for i := range e.Details {
			e.Details[i].Value = clip(e.Details[i].Value)
		}
	}
	return t, err
}

// MaxValueQuote is the longest cell text (in bytes) quoted in a problem; longer text is cut
// at a character boundary and ends with "…".
const MaxValueQuote = 200

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

func parse(data []byte, opt ParseOptions) (*Table, error) {
	if opt.Areas == nil {
		opt.Areas = areas.Default()
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileProblem(0, "the file is empty")
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if bytes.IndexByte(text, '\n') < 0 && bytes.IndexByte(text, '\r') >= 0 {
		// Classic Mac line endings (Excel for Mac's "CSV (Macintosh)"): lines end with CR alone,
		// which encoding/csv would read as one enormous line.
		text = bytes.ReplaceAll(text, []byte{'\r'}, []byte{'\n'})
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	var problems errs.List
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
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
	if err := checkHeader(header); err != nil {
		return nil, err
	}
	f, err := detectFormat(header)
	if want := RequiredFormat(opt.Dataset); want != nil && f != want {
		return nil, fileProblem(1, wrongFormat(opt.Dataset, want, f))
	}
	if err != nil {
		return nil, fileProblem(1, err.Error())
	}

	t := &Table{Format: f, Encoding: enc}
	index := make(map[string]int, len(header))
	for i, h := range header {
		index[strings.ToLower(h)] = i
	}
	numeric := setOf(f.Numeric)
	forcedText := setOf(f.Text)

	// Read all records first: a column's type is decided by all its values.
	var records [][]string
	var lines []int
	skipped := map[string]int{}
	keyProblemAt := map[[2]int]bool{} // (line, column index) of cells already reported
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems.Add(csvDetail(err))
			break // the CSV reader cannot resynchronise after a quoting error
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // a blank line, or a row of empty cells as Excel leaves behind
		}
		if len(rec) != len(header) {
			problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			continue
		}
		if isHeader(rec, header) {
			problems.Add(errs.Detail{Row: line, Reason: "the header is repeated on this line (were two files joined?)"})
			continue
		}
		k, kp, skip := f.key(opt.Areas, row{index: index, record: rec})
		if skip != "" {
			skipped[skip]++
			continue
		}
		for _, p := range kp {
			col := p.column // a column the format needed but the file lacks is named as the format spells it
			if i, ok := index[strings.ToLower(p.column)]; ok {
				col = header[i]
				keyProblemAt[[2]int{line, i}] = true
			}
			problems.Add(errs.Detail{Row: line, Column: col, Value: p.value, Reason: p.reason})
		}
		t.keys = append(t.keys, k)
		records = append(records, rec)
		lines = append(lines, line)
	}
	if len(records) == 0 && problems.Len() == 0 {
		if len(skipped) > 0 {
			return nil, fileProblem(1, fmt.Sprintf("the file has no data rows once %d artefact row(s) are left out", sum(skipped)))
		}
		return nil, fileProblem(1, "the file has a header but no data rows")
	}
	t.lines = lines

	// Type and parse each column.
	t.slot = make([]int, len(header))
	for ci, name := range header {
		lname := strings.ToLower(name)
		col := Column{Name: name, Type: Text}
		parsed := make([]cell, len(records))
		isNum := !forcedText[lname]
		sawNumber := false
		for ri, rec := range records {
			c, ok := parseNumber(rec[ci])
			if !ok {
				if numeric[lname] {
					problems.Add(errs.Detail{Row: lines[ri], Column: name, Value: rec[ci], Reason: "not a number or a suppression marker"})
				}
				isNum = false
				parsed[ri] = cell{bad: true} // already reported: later checks must not report it again
				continue
			}
			if f.Name == "fingertips" && c.ok && c.num == -1 && strings.Contains(lname, " ci ") {
				c = cell{marker: "-1"} // Fingertips writes -1 for a missing confidence limit
			}
			sawNumber = sawNumber || c.ok
			parsed[ri] = c
		}
		if numeric[lname] || (isNum && sawNumber) {
			col.Type = Number
			for _, c := range parsed {
				if c.marker != "" {
					col.Markers++
				}
			}
			t.slot[ci] = len(t.nums)
			t.nums = append(t.nums, parsed)
		} else {
			vals := make([]string, len(records))
			for ri, rec := range records {
				vals[ri] = strings.TrimSpace(rec[ci])
				if formulaLike(vals[ri]) && !keyProblemAt[[2]int{lines[ri], ci}] {
					problems.Add(errs.Detail{Row: lines[ri], Column: name, Value: vals[ri], Reason: "looks like a spreadsheet formula " +
						"(starts with " + vals[ri][:1] + "); formulas are refused because they would run when the data is opened " +
						"in a spreadsheet: remove the leading character or put a space before it"})
				}
			}
			t.slot[ci] = len(t.text)
			t.text = append(t.text, vals)
		}
		t.Columns = append(t.Columns, col)
	}

	switch f {
	case simpleReturn:
		checkSimpleReturn(t, header, opt.Catalog, &problems)
	case targetsFile:
		checkTargets(t, header, opt.Catalog, &problems)
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
		return t.nums[t.slot[ci]][ri], true
	}
	indicators := t.text[t.slot[colIdx["indicator"]]]
	seen := map[string]int{}
	for ri, k := range t.keys {
		line := t.lines[ri]
		ind := indicators[ri]
		if cat != nil && ind != "" && !cat.Known(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["indicator"]], Value: ind, Reason: "unknown indicator"})
		}
		if v, _ := num("value", ri); !v.ok && v.marker == "" && !v.bad {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["value"]], Reason: "value is empty (write a suppression marker such as c or x if the figure is withheld)"})
		}
		n, hasN := num("numerator", ri)
		d, hasD := num("denominator", ri)
		if hasN && n.ok && n.num < 0 {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["numerator"]], Reason: "numerator is negative"})
		}
		if hasD && d.ok && d.num <= 0 {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["denominator"]], Reason: "denominator must be greater than zero"})
		}
		if hasN && hasD && n.ok && d.ok && d.num > 0 && n.num > d.num && cat != nil && cat.IsProportion(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["numerator"]],
				Reason: fmt.Sprintf("numerator %g is greater than denominator %g for a proportion", n.num, d.num)})
		}
		if k.area != nil && !k.period.IsZero() {
			key := ind + "\x00" + k.level + "\x00" + k.area.Code + "\x00" + k.period.String()
			if first, dup := seen[key]; dup {
				problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("duplicate of row %d (same indicator, area and period)", first)})
			} else {
				seen[key] = line
			}
		}
	}
}

func checkHeader(header []string) error {
	var problems errs.List
	seen := map[string]int{}
	for i, h := range header {
		pos := fmt.Sprintf("column %d", i+1)
		switch {
		case h == "":
			problems.Add(errs.Detail{Row: 1, Column: pos, Reason: "the header has an empty column name"})
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

// formulaLike reports whether a text cell would be run as a formula by a spreadsheet (OWASP's
// CSV-injection rule). A leading = always is. A leading +, - or @ is when the rest reads as a
// formula: a function call, a cell or DDE reference, or an operator ("+cmd|' /C calc'!A0",
// "@SUM(A1)", "-2+3"). Ordinary notes that begin with a sign ("-ve trend", "+44 20 7946 0000",
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
		return strings.ContainsAny(s[1:], "()!|=&;+^<>")
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

func csvError(err error) error {
	if err == io.EOF {
		return fileProblem(0, "the file is empty")
	}
	var l errs.List
	l.Add(csvDetail(err))
	return l.Err("the file was rejected: it is not valid CSV; nothing was stored")
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
	indicators := t.text[t.slot[colIdx["indicator"]]]
	targets := t.nums[t.slot[colIdx["target"]]]
	tolerances := t.nums[t.slot[colIdx["tolerance"]]]
	seen := map[string]int{}
	for ri, k := range t.keys {
		line := t.lines[ri]
		ind := indicators[ri]
		if cat != nil && ind != "" && !cat.Known(ind) {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["indicator"]], Value: ind, Reason: "unknown indicator"})
		}
		if c := targets[ri]; !c.ok && !c.bad {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["target"]], Reason: "target is empty"})
		}
		if c := tolerances[ri]; c.ok && c.num < 0 {
			problems.Add(errs.Detail{Row: line, Column: header[colIdx["tolerance"]], Reason: "tolerance must not be negative"})
		}
		if k.area != nil && !k.period.IsZero() {
			key := ind + "\x00" + k.area.Code + "\x00" + k.period.String()
			if first, dup := seen[key]; dup {
				problems.Add(errs.Detail{Row: line, Reason: fmt.Sprintf("duplicate of row %d (same indicator, area and period)", first)})
			} else {
				seen[key] = line
			}
		}
	}
}
