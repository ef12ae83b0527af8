// Package period is the one reporting-period type used across the
// scorecard: calendar and financial years, academic years, quarters,
// months and multi-year pooled periods, as published by DfE, OHID
// Fingertips and local council returns.
//
// # Forms read by Parse
//
// Input is trimmed, runs of white space count as one space, en and em
// dashes count as "-", and letters are case-insensitive. Years must lie in
// 1900 to 2100 (for a range, both ends).
//
//	2016                  Year (1 Jan - 31 Dec 2016)
//	2016-17, 2016-2017    FinancialYear (1 Apr 2016 - 31 Mar 2017); 1999-00 is 1999-2000
//	2014-16, 2014-2016    PooledYears (calendar years 2014 to 2016): any end later than start+1
//	2016/17, 2016/2017    AcademicYear (1 Sep 2016 - 31 Aug 2017); the end must be start+1
//	2016-17 Q1, 2016-17Q1, Q1 2016-17
//	                      FinancialQuarter: Q1 Apr-Jun 2016, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar 2017
//	2016 Q1, 2016Q1, Q1 2016
//	                      CalendarQuarter: Q1 Jan-Mar 2016
//	2016-04, Apr 2016, April 2016
//	                      Month
//	2014-15 to 2016-17    PooledFinancialYears (1 Apr 2014 - 31 Mar 2017)
//
// "YYYY-NN" is read as a year range whenever it can be one: "2011-12" is
// the financial year, "2005-08" the calendar years 2005 to 2008, and
// "2016-04" (04 is not after 16) is April 2016. A two-digit end only
// crosses a century for a financial year ("1999-00"); write pooled
// periods that cross one with four digits ("1998-2001"). A slash always
// means an academic year, so "2016/04" is an error.
//
// ParseEES reads explore-education-statistics time_period and
// time_identifier pairs, and ParseFingertips reads OHID Fingertips "Time
// period" strings, where a slash means a financial year.
//
// Every period has a canonical label (String) that Parse reads back to the
// same value. Months are labelled "2016-04", except the months that label
// would confuse with a year range (those of 1900-1911, 2000-2011 and 2100
// whose month number is greater than the two-digit year), which are
// labelled "Dec 2011".
package period

import (
	"cmp"
	"fmt"
	"time"
)

// Kind is the kind of a period.
type Kind uint8

// The kinds of period.
const (
	// Year is a single year as published: a calendar year, or a DfE
	// "reporting year" (year to 31 March) labelled by its end year. Its
	// dates are always 1 January to 31 December. Label "2016".
	Year Kind = iota + 1
	// FinancialYear runs 1 April to 31 March. Label "2016-17".
	FinancialYear
	// AcademicYear runs 1 September to 31 August. Label "2016/17".
	AcademicYear
	// FinancialQuarter is a quarter of a financial year: Q1 April-June,
	// Q2 July-September, Q3 October-December, Q4 January-March.
	// Label "2016-17 Q1".
	FinancialQuarter
	// CalendarQuarter is a quarter of a calendar year: Q1 January-March.
	// Label "2016 Q1".
	CalendarQuarter
	// Month is a calendar month. Label "2016-04".
	Month
	// PooledYears is three or more consecutive calendar years pooled
	// together. Label "2014-16".
	PooledYears
	// PooledFinancialYears is two or more consecutive financial years
	// pooled together. Label "2014-15 to 2016-17".
	PooledFinancialYears
)

var kindNames = [...]string{
	Year:                 "year",
	FinancialYear:        "financial_year",
	AcademicYear:         "academic_year",
	FinancialQuarter:     "financial_quarter",
	CalendarQuarter:      "calendar_quarter",
	Month:                "month",
	PooledYears:          "pooled_years",
	PooledFinancialYears: "pooled_financial_years",
}

// String returns the snake_case name of the kind, such as "financial_year".
func (k Kind) String() string {
	if k >= Year && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// The supported range of years. Every year a period's label names lies in it.
const (
	minYear = 1900
	maxYear = 2100
)

// Period is a reporting period. It is a comparable value: == reports
// whether two periods are the same, and it can be used as a map key. The
// zero value means no period; see IsZero.
type Period struct {
	kind Kind
	// year is the first year named in the label: the calendar year, the
	// starting year of a financial or academic year (also for a financial
	// quarter), or the first year of a pool.
	year int16
	// n is the quarter (1-4), the month (1-12) or the number of years
	// pooled; 0 for single years.
	n uint8
}

// newPeriod returns the period, or the zero period if it falls outside the
// supported years.
func newPeriod(kind Kind, year, n int) Period {
	p := Period{kind: kind, year: int16(year), n: uint8(n)}
	if year < minYear || p.lastYear() > maxYear {
		return Period{}
	}
	return p
}

// lastYear is the last year named in the period's label.
func (p Period) lastYear() int {
	y := int(p.year)
	switch p.kind {
	case FinancialYear, AcademicYear, FinancialQuarter:
		return y + 1
	case PooledYears:
		return y + int(p.n) - 1
	case PooledFinancialYears:
		return y + int(p.n)
	}
	return y
}

// Kind returns the kind of period, or 0 for the zero period.
func (p Period) Kind() Kind { return p.kind }

// IsZero reports whether p is the zero value, meaning no period.
func (p Period) IsZero() bool { return p == Period{} }

// IsAnnual reports whether p is exactly one year long and not pooled: a
// Year, FinancialYear or AcademicYear.
func (p Period) IsAnnual() bool {
	return p.kind == Year || p.kind == FinancialYear || p.kind == AcademicYear
}

// Years returns the length of p in whole years for annual and pooled
// periods, and 0 for quarters, months and the zero period.
func (p Period) Years() int {
	switch {
	case p.IsAnnual():
		return 1
	case p.kind == PooledYears, p.kind == PooledFinancialYears:
		return int(p.n)
	}
	return 0
}

// months returns p's first month, counted as year*12 + (month-1), and its
// length in months.
func (p Period) months() (first, length int) {
	y, n := int(p.year), int(p.n)
	switch p.kind {
	case Year:
		return y * 12, 12
	case FinancialYear:
		return y*12 + 3, 12
	case AcademicYear:
		return y*12 + 8, 12
	case FinancialQuarter:
		return y*12 + 3 + 3*(n-1), 3
	case CalendarQuarter:
		return y*12 + 3*(n-1), 3
	case Month:
		return y*12 + n - 1, 1
	case PooledYears:
		return y * 12, 12 * n
	case PooledFinancialYears:
		return y*12 + 3, 12 * n
	}
	return 0, 0
}

// monthDate returns UTC midnight on the given day of a month counted as
// year*12 + (month-1); day 0 is the last day of the month before.
func monthDate(m, day int) time.Time {
	return time.Date(m/12, time.Month(m%12+1), day, 0, 0, 0, 0, time.UTC)
}

// Start returns UTC midnight on the first day of p, or the zero time for
// the zero period.
func (p Period) Start() time.Time {
	if p.IsZero() {
		return time.Time{}
	}
	first, _ := p.months()
	return monthDate(first, 1)
}

// End returns UTC midnight on the last day of p (the end is inclusive), or
// the zero time for the zero period.
func (p Period) End() time.Time {
	if p.IsZero() {
		return time.Time{}
	}
	first, length := p.months()
	return monthDate(first+length, 0)
}

// Previous returns the period of the same kind immediately before p: the
// year before, the quarter or month before (2016-17 Q1 follows 2015-16 Q4),
// or for a pooled period the previous rolling period, one year earlier
// (2014-16 follows 2013-15). It returns the zero period for the zero
// period or when the result would start before 1900.
func (p Period) Previous() Period {
	n := int(p.n)
	switch p.kind {
	case FinancialQuarter, CalendarQuarter:
		if n > 1 {
			return newPeriod(p.kind, int(p.year), n-1)
		}
		return newPeriod(p.kind, int(p.year)-1, 4)
	case Month:
		if n > 1 {
			return newPeriod(p.kind, int(p.year), n-1)
		}
		return newPeriod(p.kind, int(p.year)-1, 12)
	}
	return p.YearAgo()
}

// YearAgo returns the same period one year earlier: 2016-17 Q3 gives
// 2015-16 Q3 and 2016-04 gives 2015-04. For annual and pooled periods it
// equals Previous. It returns the zero period for the zero period or when
// the result would start before 1900.
func (p Period) YearAgo() Period {
	if p.IsZero() {
		return p
	}
	return newPeriod(p.kind, int(p.year)-1, int(p.n))
}

// Overlaps reports whether p and q share at least one day. The zero
// period overlaps nothing.
func (p Period) Overlaps(q Period) bool {
	if p.IsZero() || q.IsZero() {
		return false
	}
	pf, pl := p.months()
	qf, ql := q.months()
	return pf < qf+ql && qf < pf+pl
}

// Compare orders periods by end date, then by start date (so of two
// periods ending together, the longer one comes first), then by kind (so a
// financial quarter comes before the calendar quarter with the same
// dates). It returns -1, 0 or +1, and 0 exactly when a == b. The zero
// period sorts first. It suits slices.SortFunc.
func Compare(a, b Period) int {
	if a.IsZero() || b.IsZero() {
		return cmp.Compare(boolInt(!a.IsZero()), boolInt(!b.IsZero()))
	}
	af, al := a.months()
	bf, bl := b.months()
	if c := cmp.Compare(af+al, bf+bl); c != 0 {
		return c
	}
	if c := cmp.Compare(af, bf); c != 0 {
		return c
	}
	return cmp.Compare(a.kind, b.kind)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// String returns the canonical label of p, such as "2016-17" or
// "2016-17 Q1", which Parse reads back to p. The zero period gives "".
func (p Period) String() string {
	y, n := int(p.year), int(p.n)
	switch p.kind {
	case Year:
		return fmt.Sprint(y)
	case FinancialYear:
		return fyLabel(y)
	case AcademicYear:
		return fmt.Sprintf("%d/%02d", y, (y+1)%100)
	case FinancialQuarter:
		return fmt.Sprintf("%s Q%d", fyLabel(y), n)
	case CalendarQuarter:
		return fmt.Sprintf("%d Q%d", y, n)
	case Month:
		if n > y%100 { // "2011-12" would read as a financial year
			return fmt.Sprintf("%s %d", time.Month(n).String()[:3], y)
		}
		return fmt.Sprintf("%d-%02d", y, n)
	case PooledYears:
		end := y + n - 1
		if end/100 != y/100 {
			return fmt.Sprintf("%d-%d", y, end)
		}
		return fmt.Sprintf("%d-%02d", y, end%100)
	case PooledFinancialYears:
		return fyLabel(y) + " to " + fyLabel(y+n-1)
	}
	return ""
}

func fyLabel(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }

// MarshalText returns the canonical label, so JSON shows "2016-17". The
// zero period marshals as "".
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a label with Parse. Empty text gives the zero period.
func (p *Period) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*p = Period{}
		return nil
	}
	q, err := Parse(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}
