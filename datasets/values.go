package datasets

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
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
