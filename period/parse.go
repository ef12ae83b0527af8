package period

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseError reports text that is not a valid period.
type ParseError struct {
	// Input is the text as given; for ParseEES it is the time_period.
	Input string
	// Form is the form the input was read as, such as "financial quarter"
	// or "EES Academic year", or "" if no form was recognised.
	Form string
	// Reason says what is wrong, such as "quarter must be Q1 to Q4".
	Reason string
}

// Error returns a message such as
// `period "2016-18 Q5": quarter must be Q1 to Q4`.
func (e *ParseError) Error() string {
	return fmt.Sprintf("period %q: %s", e.Input, e.Reason)
}

func fail(form, format string, args ...any) (Period, *ParseError) {
	return Period{}, &ParseError{Form: form, Reason: fmt.Sprintf(format, args...)}
}

// Patterns match normalised (lower-case, single-spaced) text.
var (
	reYear      = regexp.MustCompile(`^(\d{4})$`)
	reRange     = regexp.MustCompile(`^(\d{4}) ?([-/]) ?(\d{2}|\d{4})$`)
	reFQ        = regexp.MustCompile(`^(\d{4}) ?- ?(\d{2}|\d{4}) ?q(\d+)$`)
	reQFY       = regexp.MustCompile(`^q(\d+) (\d{4}) ?- ?(\d{2}|\d{4})$`)
	reCQ        = regexp.MustCompile(`^(\d{4}) ?q(\d+)$`)
	reQYear     = regexp.MustCompile(`^q(\d+) (\d{4})$`)
	reMonthName = regexp.MustCompile(`^([a-z]+)\.? (\d{4})$`)
	rePooledFY  = regexp.MustCompile(`^(\d{4}) ?- ?(\d{2}|\d{4}) to (\d{4}) ?- ?(\d{2}|\d{4})$`)

	reFingertipsFY       = regexp.MustCompile(`^(\d{4})/(\d{2}|\d{4})$`)
	reFingertipsPooled   = regexp.MustCompile(`^(\d{4}) ?- ?(\d{2}|\d{4})$`)
	reFingertipsPooledFY = regexp.MustCompile(`^(\d{4})/(\d{2}|\d{4}) ?- ?(\d{2}|\d{4})/(\d{2}|\d{4})$`)
	reFingertipsFQ       = regexp.MustCompile(`^(\d{4})/(\d{2}|\d{4}) ?q(\d+)$`)

	reEESYear     = regexp.MustCompile(`^\d{4}$`)
	reEESTwoYears = regexp.MustCompile(`^(\d{4})(\d{2})$`)
)

// monthNames maps lower-case English month names and abbreviations to
// month numbers.
var monthNames = func() map[string]int {
	m := map[string]int{"sept": 9}
	for mon := time.January; mon <= time.December; mon++ {
		name := strings.ToLower(mon.String())
		m[name] = int(mon)
		m[name[:3]] = int(mon)
	}
	return m
}()

var dashes = strings.NewReplacer("\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-")

// normalise trims s, collapses white space to single spaces, turns dashes
// into hyphens and lower-cases letters.
func normalise(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(dashes.Replace(s)), " "))
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// endYear resolves the end of a year range written "2016-17" or
// "2016-2017". A two-digit end is read in start's century, except that the
// year after start is always recognised ("1999-00").
func endYear(start int, end string) int {
	n := atoi(end)
	switch {
	case len(end) == 4:
		return n
	case n == (start+1)%100:
		return start + 1
	}
	return start - start%100 + n
}

// build returns the period, or an error if it names a year outside the
// supported range.
func build(kind Kind, form string, year, n int) (Period, *ParseError) {
	p := newPeriod(kind, year, n)
	if p.IsZero() {
		return fail(form, "years must be between %d and %d", minYear, maxYear)
	}
	return p, nil
}

// Parse reads a period in any of the forms listed in the package
// documentation, such as "2016-17", "2016/17", "2016-17 Q1" or "Apr 2016".
// Errors are of type *ParseError.
func Parse(s string) (Period, error) {
	p, err := parse(normalise(s))
	if err != nil {
		err.Input = s
		return Period{}, err
	}
	return p, nil
}

// MustParse is like Parse but panics if s is not a valid period. It is for
// fixed labels in code and tests.
func MustParse(s string) Period {
	p, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

func parse(s string) (Period, *ParseError) {
	if m := reYear.FindStringSubmatch(s); m != nil {
		return build(Year, "year", atoi(m[1]), 0)
	}
	if m := reRange.FindStringSubmatch(s); m != nil {
		if m[2] == "/" {
			return academicYear(atoi(m[1]), m[3])
		}
		return dashRange(atoi(m[1]), m[3])
	}
	if m := reFQ.FindStringSubmatch(s); m != nil {
		return financialQuarter(atoi(m[1]), m[2], m[3])
	}
	if m := reQFY.FindStringSubmatch(s); m != nil {
		return financialQuarter(atoi(m[2]), m[3], m[1])
	}
	if m := reCQ.FindStringSubmatch(s); m != nil {
		return calendarQuarter(atoi(m[1]), m[2])
	}
	if m := reQYear.FindStringSubmatch(s); m != nil {
		return calendarQuarter(atoi(m[2]), m[1])
	}
	if m := reMonthName.FindStringSubmatch(s); m != nil {
		return namedMonth(m[1], atoi(m[2]))
	}
	if m := rePooledFY.FindStringSubmatch(s); m != nil {
		return pooledFinancialYears(atoi(m[1]), m[2], atoi(m[3]), m[4])
	}
	if m := reFingertipsPooledFY.FindStringSubmatch(s); m != nil {
		return slashPooledFinancialYears(m) // LAIT and Fingertips write 2013/14-15/16
	}
	return fail("", "not a recognised period (expected forms such as 2016, 2016-17, 2016/17, 2016-17 Q1, 2016 Q1, 2016-04, Apr 2016, 2014-16)")
}

// dashRange reads "start-end": a financial year, pooled calendar years or,
// failing those, a month.
func dashRange(start int, endText string) (Period, *ParseError) {
	end := endYear(start, endText)
	switch {
	case end == start+1:
		return build(FinancialYear, "financial year", start, 0)
	case end > start+1:
		return build(PooledYears, "pooled years", start, end-start+1)
	case len(endText) == 4:
		return fail("year range", "end year %d must be after %d", end, start)
	}
	if m := atoi(endText); m >= 1 && m <= 12 {
		return build(Month, "month", start, m)
	}
	return fail("", "after the dash expected the next year (as in 2016-17), a later year (as in 2014-16) or a month 01 to 12")
}

func academicYear(start int, endText string) (Period, *ParseError) {
	if endYear(start, endText) != start+1 {
		return fail("academic year", "an academic year must be two consecutive years, as in 2016/17")
	}
	return build(AcademicYear, "academic year", start, 0)
}

func financialQuarter(start int, endText, quarter string) (Period, *ParseError) {
	const form = "financial quarter"
	q := atoi(quarter)
	if q < 1 || q > 4 {
		return fail(form, "quarter must be Q1 to Q4")
	}
	if endYear(start, endText) != start+1 {
		return fail(form, "a financial quarter's year must be two consecutive years, as in 2016-17 Q1")
	}
	return build(FinancialQuarter, form, start, q)
}

func calendarQuarter(year int, quarter string) (Period, *ParseError) {
	const form = "calendar quarter"
	q := atoi(quarter)
	if q < 1 || q > 4 {
		return fail(form, "quarter must be Q1 to Q4")
	}
	return build(CalendarQuarter, form, year, q)
}

func namedMonth(name string, year int) (Period, *ParseError) {
	m, ok := monthNames[name]
	if !ok {
		return fail("month", "%q is not a month name", name)
	}
	return build(Month, "month", year, m)
}

// pooledFinancialYears reads "first-firstEnd to last-lastEnd".
func pooledFinancialYears(first int, firstEnd string, last int, lastEnd string) (Period, *ParseError) {
	const form = "pooled financial years"
	if endYear(first, firstEnd) != first+1 || endYear(last, lastEnd) != last+1 {
		return fail(form, "each side must be a financial year of two consecutive years, as in 2014-15 to 2016-17")
	}
	if last <= first {
		return fail(form, "the last financial year must be after the first")
	}
	return build(PooledFinancialYears, form, first, last-first+1)
}

// ParseEES reads a DfE explore-education-statistics time_period and
// time_identifier pair. Identifiers are matched ignoring case and spacing:
//
//	Calendar year, Reporting year   + 2016    Year (DfE labels a reporting year by its end year)
//	Academic year                   + 201617  AcademicYear 2016/17
//	Financial year, Tax year        + 201617  FinancialYear 2016-17
//	Financial year Q1 ... Q4        + 201617  FinancialQuarter 2016-17 Q1
//	Calendar year Q1 ... Q4         + 2016    CalendarQuarter 2016 Q1
//	January ... December            + 2016    Month
//
// A six-digit time_period must name consecutive years. Other identifiers,
// such as terms and weeks, are errors naming the identifier. Errors are of
// type *ParseError with Input set to timePeriod.
func ParseEES(timePeriod, timeIdentifier string) (Period, error) {
	p, err := parseEES(strings.TrimSpace(timePeriod), timeIdentifier)
	if err != nil {
		err.Input = timePeriod
		return Period{}, err
	}
	return p, nil
}

func parseEES(code, identifier string) (Period, *ParseError) {
	name := strings.Join(strings.Fields(identifier), " ")
	id := strings.ToLower(name)
	form := "EES " + name

	// year reads a four-digit code; twoYears a six-digit one such as 201617.
	year := func() (int, *ParseError) {
		if !reEESYear.MatchString(code) {
			_, err := fail(form, "%s time_period must be four digits, such as 2016", name)
			return 0, err
		}
		return atoi(code), nil
	}
	twoYears := func() (int, *ParseError) {
		m := reEESTwoYears.FindStringSubmatch(code)
		if m == nil {
			_, err := fail(form, "%s time_period must be six digits, such as 201617", name)
			return 0, err
		}
		start := atoi(m[1])
		if endYear(start, m[2]) != start+1 {
			_, err := fail(form, "%s time_period must name two consecutive years, such as 201617", name)
			return 0, err
		}
		return start, nil
	}

	kind, n, read := Kind(0), 0, year
	switch id {
	case "calendar year", "reporting year":
		kind = Year
	case "academic year":
		kind, read = AcademicYear, twoYears
	case "financial year", "tax year":
		kind, read = FinancialYear, twoYears
	case "financial year q1", "financial year q2", "financial year q3", "financial year q4":
		kind, n, read = FinancialQuarter, atoi(id[len(id)-1:]), twoYears
	case "calendar year q1", "calendar year q2", "calendar year q3", "calendar year q4":
		kind, n = CalendarQuarter, atoi(id[len(id)-1:])
	default:
		m, ok := monthNames[id]
		if !ok {
			return fail("", "time_identifier %q is not supported (expected Calendar year, Reporting year, Academic year, Financial year, Tax year, Financial year Q1 to Q4, Calendar year Q1 to Q4 or a month name)", name)
		}
		kind, n = Month, m
	}
	y, err := read()
	if err != nil {
		return Period{}, err
	}
	return build(kind, form, y, n)
}

// ParseFingertips reads an OHID Fingertips "Time period" string, in which a
// slash marks a financial year:
//
//	2012               Year
//	2010/11            FinancialYear 2010-11
//	2014 - 16, 2014-16 PooledYears (at least three years)
//	2014/15 - 16/17    PooledFinancialYears 2014-15 to 2016-17
//	2019/20 Q1         FinancialQuarter 2019-20 Q1
//	2019 Q1            CalendarQuarter
//	Apr 2019, April 2019
//	                   Month
//
// Errors are of type *ParseError.
func ParseFingertips(s string) (Period, error) {
	p, err := parseFingertips(normalise(s))
	if err != nil {
		err.Input = s
		return Period{}, err
	}
	return p, nil
}

func parseFingertips(s string) (Period, *ParseError) {
	if m := reYear.FindStringSubmatch(s); m != nil {
		return build(Year, "year", atoi(m[1]), 0)
	}
	if m := reFingertipsFY.FindStringSubmatch(s); m != nil {
		start := atoi(m[1])
		if endYear(start, m[2]) != start+1 {
			return fail("financial year", "a financial year must be two consecutive years, as in 2010/11")
		}
		return build(FinancialYear, "financial year", start, 0)
	}
	if m := reFingertipsPooled.FindStringSubmatch(s); m != nil {
		start := atoi(m[1])
		if end := endYear(start, m[2]); end <= start+1 {
			return fail("pooled years", "a pooled period must cover at least three years, as in 2014 - 16")
		}
		return dashRange(start, m[2])
	}
	if m := reFingertipsPooledFY.FindStringSubmatch(s); m != nil {
		return slashPooledFinancialYears(m)
	}
	if m := reFingertipsFQ.FindStringSubmatch(s); m != nil {
		return financialQuarter(atoi(m[1]), m[2], m[3])
	}
	if m := reCQ.FindStringSubmatch(s); m != nil {
		return calendarQuarter(atoi(m[1]), m[2])
	}
	if m := reMonthName.FindStringSubmatch(s); m != nil {
		return namedMonth(m[1], atoi(m[2]))
	}
	return fail("", "not a recognised Fingertips time period (expected forms such as 2012, 2010/11, 2014 - 16, 2014/15 - 16/17, 2019/20 Q1, 2019 Q1, Apr 2019)")
}

// slashPooledFinancialYears reads the Fingertips and LAIT form "2013/14-15/16" (matched by
// reFingertipsPooledFY) as pooled financial years 2013-14 to 2015-16.
func slashPooledFinancialYears(m []string) (Period, *ParseError) {
	first := atoi(m[1])
	last := atoi(m[3])
	if len(m[3]) == 2 { // "16/17": the first such year not before first
		last += first - first%100
		if last < first {
			last += 100
		}
	}
	return pooledFinancialYears(first, m[2], last, m[4])
}
