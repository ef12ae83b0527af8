package datasets

import (
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

// parseNumber reads a numeric cell as published: thousands separators and a trailing % are
// understood, suppression markers become missing with the marker kept. The bool result is false
// when the text is neither a number, a marker nor empty.
func parseNumber(s string) (cell, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return cell{}, true
	}
	lower := strings.ToLower(s)
	if _, ok := Markers[lower]; ok {
		return cell{marker: lower}, true
	}
	t := strings.TrimSpace(strings.TrimSuffix(s, "%"))
	if thousands.MatchString(t) {
		t = strings.ReplaceAll(t, ",", "")
	}
	// ParseFloat accepts "NaN", "Inf" and hex floats; published data never means those.
	if t == "" || strings.ContainsAny(t, "nNiIxXpP_") {
		return cell{}, false
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return cell{}, false
	}
	return cell{num: v, ok: true}, true
}
