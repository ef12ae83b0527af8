package datasets

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
)

// Markers are the government suppression and status symbols that stand for a missing value.
// They are stored as a missing number with the marker kept beside it, never as zero.
var Markers = map[string]string{
	"c":   "suppressed to protect confidentiality",
	"x":   "not available",
	"z":   "not applicable",
	"low": "rounds to zero but is not zero",
	"k":   "below 0.5, rounded to zero",
	"u":   "low reliability",
	":":   "not available",
	"..":  "not available",
	"-":   "missing",
	"*":   "suppressed",
	".":   "not available (DfE's pre-EES tables)",
}

var thousands = regexp.MustCompile(`^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$`)

// cell is one parsed numeric cell: a number, a marker, or empty.
type cell struct {
	num    float64
	ok     bool   // num is valid
	marker string // suppression marker, when the cell held one
	bad    bool   // neither a number, a marker nor empty; reported when parsed
}

// MaxMagnitude is the largest magnitude a numeric cell may have. No figure of any unit this
// product reports (counts of children, rates per 10,000 or 100,000, percentages, money in
// pounds) comes near it; beyond it a value is an overflow or corruption (Excel's 1.8e308, a
// serial number pasted into a value), which would make averages and charts infinite.
const MaxMagnitude = 1e12

// notANumber is the reason given for a cell that is neither a number, a marker nor empty.
const notANumber = "not a number or a suppression marker"

// parseNumber reads a numeric cell as published: thousands separators and a trailing % are
// understood, suppression markers become missing with the marker kept. The bool result is false
// when the text is neither a number, a marker nor empty, or a number out of range.
func parseNumber(s string) (cell, bool) {
	c, reason := parseCell(s)
	return c, reason == ""
}

// parseCell is parseNumber with the reason a cell is refused ("" when it is not).
func parseCell(s string) (cell, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return cell{}, ""
	}
	lower := strings.ToLower(s)
	if _, ok := Markers[lower]; ok {
		return cell{marker: lower}, ""
	}
	t := strings.TrimSpace(strings.TrimSuffix(s, "%"))
	if thousands.MatchString(t) {
		t = strings.ReplaceAll(t, ",", "")
	}
	// ParseFloat accepts "NaN", "Inf" and hex floats; published data never means those.
	if t == "" || strings.ContainsAny(t, "nNiIxXpP_") {
		return cell{}, notANumber
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return cell{}, fmt.Sprintf("the number is too large to store; no figure in this product is more than %g in magnitude", float64(MaxMagnitude))
		}
		return cell{}, notANumber
	}
	if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) > MaxMagnitude {
		return cell{}, fmt.Sprintf("the number %s is out of range: no figure in this product is more than %g in magnitude "+
			"(is it a spreadsheet overflow or a corrupted cell?)", s, float64(MaxMagnitude))
	}
	return cell{num: v, ok: true}, ""
}

// ValueRule is what one indicator reading a dataset says its rows must satisfy to be true: the
// checks an upload applies to the rows the indicator reads (issue 16, "values that cannot be
// true"). The indicators package makes them from the definitions (see ValueRules).
type ValueRule struct {
	// Indicator is the definition's id, named in every problem.
	Indicator string
	// Filters select the rows the indicator reads, as the definition's source.filters: column ->
	// value, "" selecting an empty cell.
	Filters map[string]string
	// ReturnIndicator selects a simple return's rows by its indicator column.
	ReturnIndicator string
	// Value, Numerator and Denominator name the columns ("" when the indicator has none).
	Value, Numerator, Denominator string
	// Multiplier turns numerator/denominator into the value's unit (0: no consistency check).
	Multiplier float64
	// Percentage: the value must lie in 0-100.
	Percentage bool
	// NonNegative: the value is a count or rate and must not be negative. Numerators and
	// denominators must never be.
	NonNegative bool
	// Proportion: the numerator must not exceed the denominator.
	Proportion bool
	// Warn loads the file and lists the problems as warnings on the revision (the definition's
	// value_checks: warn), instead of refusing it.
	Warn bool
}

// ValueRules is what a Catalog may also answer: the value rules of every indicator that reads a
// dataset. Parse applies them to the upload: a broken rule refuses the file with the row,
// column, value and reason (nothing is stored), or, for a rule with Warn, adds a warning.
type ValueRules interface {
	ValueRules(dataset string) []ValueRule
}

// maxValueWarnings is how many rows a warning of one indicator's value checks lists by name.
const maxValueWarnings = 10

// checkValues applies the catalog's value rules for the dataset to the parsed table: refusals go
// to problems, warnings to the table.
func checkValues(t *Table, header []string, cat Catalog, dataset string, problems *errs.List) {
	vr, ok := cat.(ValueRules)
	if !ok || dataset == "" {
		return
	}
	index := map[string]int{}
	for i, h := range header {
		index[strings.ToLower(h)] = i
	}
	for _, r := range vr.ValueRules(dataset) {
		var warned []string
		nWarned := 0
		report := func(d errs.Detail) {
			if !r.Warn {
				problems.Add(d)
				return
			}
			nWarned++
			if len(warned) < maxValueWarnings {
				warned = append(warned, fmt.Sprintf("row %d, %s %s: %s", d.Row, d.Column, d.Value, d.Reason))
			}
		}
		checkRule(t, header, index, r, report)
		if nWarned > 0 {
			more := ""
			if nWarned > len(warned) {
				more = fmt.Sprintf("; and %d more", nWarned-len(warned))
			}
			t.Warnings = append(t.Warnings, fmt.Sprintf("indicator %s: %d value(s) that cannot be true were loaded because its definition sets value_checks: warn: %s%s",
				r.Indicator, nWarned, strings.Join(warned, "; "), more))
		}
	}
}

// checkRule reports every row the rule's indicator reads that breaks it.
func checkRule(t *Table, header []string, index map[string]int, r ValueRule, report func(errs.Detail)) {
	numCol := func(name string) int {
		if name == "" {
			return -1
		}
		ci, ok := index[strings.ToLower(name)]
		if !ok || t.Columns[ci].Type != Number {
			return -1
		}
		return ci
	}
	vc, nc, dc := numCol(r.Value), numCol(r.Numerator), numCol(r.Denominator)
	type filter struct {
		ci   int
		want string
	}
	var filters []filter
	for k, v := range r.Filters {
		ci, ok := index[strings.ToLower(k)]
		if !ok {
			return // the definition does not match this file; the indicator check reports it
		}
		filters = append(filters, filter{ci, strings.TrimSpace(v)})
	}
	if ci, ok := index["indicator"]; ok && t.Format == simpleReturn && r.ReturnIndicator != "" {
		filters = append(filters, filter{ci, r.ReturnIndicator})
	}
	// A simple return's own checks already refuse negative and too-large counts.
	countsChecked := t.Format == simpleReturn
	at := func(ci, ri int) cell {
		if ci < 0 {
			return cell{}
		}
		return t.num(ci, ri)
	}
	for ri := range t.keys {
		match := true
		for _, f := range filters {
			var got string
			if t.Columns[f.ci].Type == Number {
				got = spell(kindOf(t.num(f.ci, ri)), t.num(f.ci, ri).num)
			} else {
				got = t.text(f.ci, ri)
			}
			if got != f.want {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		line := int(t.lines[ri])
		v, n, d := at(vc, ri), at(nc, ri), at(dc, ri)
		detail := func(ci int, c cell, reason string) {
			report(errs.Detail{Row: line, Column: header[ci], Value: strconv.FormatFloat(c.num, 'f', -1, 64),
				Reason: fmt.Sprintf("%s (indicator %s)", reason, r.Indicator)})
		}
		switch {
		case v.ok && r.Percentage && (v.num < 0 || v.num > 100):
			detail(vc, v, "a percentage must lie between 0 and 100")
		case v.ok && r.NonNegative && v.num < 0:
			detail(vc, v, "a count or rate cannot be negative")
		}
		if !countsChecked {
			if n.ok && n.num < 0 {
				detail(nc, n, "a numerator (count) cannot be negative")
			}
			if d.ok && d.num < 0 {
				detail(dc, d, "a denominator cannot be negative")
			}
			if n.ok && d.ok && r.Proportion && d.num > 0 && n.num > d.num {
				detail(nc, n, fmt.Sprintf("the numerator is greater than the denominator %s for a proportion", strconv.FormatFloat(d.num, 'f', -1, 64)))
			}
		}
		if v.ok && n.ok && d.ok && d.num > 0 && n.num >= 0 && r.Multiplier > 0 {
			want := n.num / d.num * r.Multiplier
			if !consistent(v.num, n.num, d.num, r.Multiplier) {
				detail(vc, v, fmt.Sprintf("the value contradicts its numerator and denominator: %s / %s × %s = %s, "+
					"more than the rounding of the published value away (is the multiplier or a column wrong?)",
					strconv.FormatFloat(n.num, 'f', -1, 64), strconv.FormatFloat(d.num, 'f', -1, 64),
					strconv.FormatFloat(r.Multiplier, 'f', -1, 64), strconv.FormatFloat(want, 'g', 10, 64)))
			}
		}
	}
}

// consistent reports whether a published value agrees with its numerator and denominator:
// n/d × m within the value's rounding (roundingOf), allowing also for counts published rounded
// (DfE rounds counts to the nearest 10 but computes percentages on the exact counts: 1240 / 4540
// × 100 = 27.3 is published 27.2). A whole count ending in zeros is taken to be rounded to that
// many places (at most 3: 1240 is ±5), and the value must lie within the range of ratios the
// rounded counts allow.
func consistent(v, n, d, m float64) bool {
	tol := roundingOf(v)
	en, ed := countRounding(n), countRounding(d)
	lo := (n - en) / (d + ed) * m
	hi := (n + en) / (d - ed) * m
	if d-ed <= 0 {
		hi = math.Inf(1)
	}
	if want := n / d * m; math.Abs(v-want) <= tol {
		return true
	}
	return v >= math.Max(0, lo)-tol && v <= hi+tol
}

// countRounding is half the unit a whole count appears to be rounded to: 5 for 1240, 50 for
// 1200, 0 for 1243 or a fractional figure.
func countRounding(x float64) float64 {
	if x != math.Trunc(x) || x == 0 {
		return 0
	}
	unit := 1.0
	for k := 0; k < 3 && math.Mod(x, unit*10) == 0; k++ {
		unit *= 10
	}
	if unit == 1 {
		return 0
	}
	return unit / 2
}

// kindOf is the stored kind of a numeric cell.
func kindOf(c cell) uint8 {
	switch {
	case c.bad:
		return kindBad
	case c.marker != "":
		return markerCodes[c.marker]
	case c.ok:
		return kindNumber
	}
	return kindEmpty
}

// roundingOf is how far a published value may lie from the exact figure because of its rounding:
// one unit in its last decimal place as written (24.6: 0.1; 25: 1), since publishers round
// half-up, truncate (DfE's 570 / 669800 × 100 = 0.0851 is published 0.08) or round a figure
// computed another way (Fingertips' 370 / 31901 × 10000 = 115.983825 is published 115.98383);
// and never less than a relative 1e-9, so that a value published to full precision is not
// refused for the last bit of floating-point arithmetic.
func roundingOf(v float64) float64 {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	dp := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		dp = len(s) - i - 1
	}
	return math.Max(math.Pow(10, -float64(dp)), 1e-9*math.Abs(v))
}
