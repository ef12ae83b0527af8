package display

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
)

// Count is n of a thing, with its noun in the singular or the plural and thousands separators:
// "1 row", "0 rows", "12,345 rows".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// Size is a file's size in bytes, in the largest unit that keeps it at least 1 (1 KB = 1,024
// bytes): "512 bytes", "1 byte", "2.5 KB", "256 MB", "1.2 GB". Below 10 of a unit it keeps one
// decimal place (dropped when it is 0); from 10 up it is whole.
func Size(n int64) string {
	if n < 1024 {
		return Count(int(n), "byte", "bytes")
	}
	v := float64(n)
	unit := "bytes"
	for _, u := range []string{"KB", "MB", "GB", "TB"} {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	s := Number(v, 1)
	if v >= 10 {
		s = Number(v, 0)
	}
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + " " + unit
}

// DateTime is a moment in words, in UTC to the minute: "23 November 2026, 09:05 UTC".
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 January 2006, 15:04") + " UTC"
}

// ShortHash is the start of a hex digest, enough to tell files apart in a list: its first 12
// characters ("3f2a9c01b7e4"); a shorter string is returned as it is.
func ShortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12]
}

// RevisionStatus is a dataset revision's status in words: "Accepted", "Rejected", "Restored
// from revision 3".
func RevisionStatus(status string, restoredFrom int64) string {
	switch status {
	case datasets.Accepted:
		return "Accepted"
	case datasets.Rejected:
		return "Rejected"
	case datasets.Restored:
		if restoredFrom > 0 {
			return "Restored from revision " + strconv.FormatInt(restoredFrom, 10)
		}
		return "Restored"
	}
	return status
}

// Capitalised is s with its first letter in capitals and nothing added: "local return" →
// "Local return".
func Capitalised(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// Cell is a value of an uploaded dataset as a table shows it: a number as it was stored, with
// thousands separators and every decimal it has ("1,234.5", "-0.25"), text (a suppression
// marker such as "c") as it is, and "(empty)" for nothing.
func Cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "(empty)"
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		dps := 0
		if i := strings.IndexByte(s, '.'); i >= 0 {
			dps = len(s) - i - 1
		}
		return Number(x, dps)
	case string:
		if x == "" {
			return "(empty)"
		}
		return x
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// Level is a dataset row's area level (datasets.LevelLA and the others) in words: "Local
// authority", "Region", "Statistical neighbours' average".
func Level(level string) string {
	switch level {
	case datasets.LevelEngland:
		return "England"
	case datasets.LevelRegion:
		return "Region"
	case datasets.LevelSubRegion:
		return "Sub-region"
	case datasets.LevelLA:
		return "Local authority"
	case datasets.LevelSNAverage:
		return "Statistical neighbours' average"
	case datasets.LevelOther:
		return "Other geography"
	}
	return level
}
