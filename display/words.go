package display

import (
	"fmt"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/period"
)

// markers are the government statistical markers, in words.
var markers = map[string]string{
	"c":   "suppressed to protect confidentiality",
	"x":   "not available",
	"z":   "not applicable",
	"low": "too low to publish",
	"k":   "fewer than 0.5",
	"u":   "low reliability",
	":":   "not available",
	"..":  "not available",
	"-":   "no such area then",
	"*":   "suppressed",
}

// Marker is a suppression or status marker in words: "c" → "suppressed to protect
// confidentiality", "-" → "no such area then". An unknown marker is "not published (m)".
func Marker(m string) string {
	m = strings.TrimSpace(m)
	if w, ok := markers[strings.ToLower(m)]; ok {
		return w
	}
	if m == "" {
		return "not published"
	}
	return "not published (" + m + ")"
}

// MarkerCell is a marker as a table cell shows it: the marker and its words, "c: suppressed to
// protect confidentiality".
func MarkerCell(m string) string {
	m = strings.TrimSpace(m)
	if m == "" {
		return "Suppressed"
	}
	if _, ok := markers[strings.ToLower(m)]; !ok {
		return "Not published (" + m + ")"
	}
	return m + ": " + Marker(m)
}

// Period is a period label in words: "2023-24" → "2023-24 (financial year)", "2009-10" as a
// month → "October 2009", "2016-17 Q1" → "2016-17 Q1 (April to June 2016)", "2016/17" →
// "2016/17 (academic year)", "2014-16" → "2014-16 (3 years pooled)". A label that is not a
// period is returned as it is.
func Period(label string) string {
	p, err := period.Parse(label)
	if err != nil {
		return label
	}
	return PeriodOf(p)
}

// PeriodOf is Period for a parsed period.
func PeriodOf(p period.Period) string {
	s := p.String()
	switch p.Kind() {
	case period.Year:
		return s
	case period.FinancialYear:
		return s + " (financial year)"
	case period.AcademicYear:
		return s + " (academic year)"
	case period.FinancialQuarter, period.CalendarQuarter:
		return s + " (" + monthSpan(p) + ")"
	case period.Month:
		return p.Start().Format("January 2006")
	case period.PooledYears, period.PooledFinancialYears:
		return fmt.Sprintf("%s (%d years pooled)", s, p.Years())
	}
	return s
}

// monthSpan is a quarter's months: "April to June 2016", "January to March 2017".
func monthSpan(p period.Period) string {
	start, end := p.Start(), p.End()
	return start.Format("January") + " to " + end.Format("January 2006")
}

// PeriodShort is a period as a compact cell shows it: the label, except a month ("Oct 2009").
func PeriodShort(label string) string {
	p, err := period.Parse(label)
	if err != nil || p.Kind() != period.Month {
		return label
	}
	return p.Start().Format("Jan 2006")
}

// PeriodKind names a kind of period in the plural, for grouping a period picker: "Financial
// years", "Quarters of financial years".
func PeriodKind(k period.Kind) string {
	switch k {
	case period.Year:
		return "Years"
	case period.FinancialYear:
		return "Financial years (April to March)"
	case period.AcademicYear:
		return "Academic years (September to August)"
	case period.FinancialQuarter:
		return "Quarters of financial years"
	case period.CalendarQuarter:
		return "Quarters of calendar years"
	case period.Month:
		return "Months"
	case period.PooledYears, period.PooledFinancialYears:
		return "Pooled years"
	}
	return "Other periods"
}

// Date is a date in words: "23 November 2026".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 January 2006")
}

// Paragraphs splits a definition's text into its paragraphs and list items, one line each
// (blank lines and line breaks both separate them), trimmed, without empty ones.
func Paragraphs(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Updates says when a source last published and next publishes its figures, each a date
// (2026-06-01, written "1 June 2026") or words (TBC, Discontinued): "last 1 June 2025, next
// 1 June 2026"; "" when neither is known.
func Updates(last, next string) string {
	word := func(s string) string {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return Date(t)
		}
		return s
	}
	var parts []string
	if last != "" {
		parts = append(parts, "last "+word(last))
	}
	if next != "" {
		parts = append(parts, "next "+word(next))
	}
	return strings.Join(parts, ", ")
}
