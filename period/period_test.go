package period_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/period"
)

const day = "2006-01-02"

type want struct {
	kind       period.Kind
	label      string
	start, end string // YYYY-MM-DD, end inclusive
}

func check(t *testing.T, input string, p period.Period, err error, w want) {
	t.Helper()
	if err != nil {
		t.Fatalf("%q: unexpected error: %v", input, err)
	}
	if got := p.Kind(); got != w.kind {
		t.Errorf("%q: kind = %v, want %v", input, got, w.kind)
	}
	if got := p.String(); got != w.label {
		t.Errorf("%q: label = %q, want %q", input, got, w.label)
	}
	if got := p.Start().Format(day); got != w.start {
		t.Errorf("%q: start = %s, want %s", input, got, w.start)
	}
	if got := p.End().Format(day); got != w.end {
		t.Errorf("%q: end = %s, want %s", input, got, w.end)
	}
}

func TestParseReadsEveryDocumentedForm(t *testing.T) {
	tests := []struct {
		in string
		want
	}{
		{"2016", want{period.Year, "2016", "2016-01-01", "2016-12-31"}},
		{"  2016\t", want{period.Year, "2016", "2016-01-01", "2016-12-31"}},
		{"2016-17", want{period.FinancialYear, "2016-17", "2016-04-01", "2017-03-31"}},
		{"2016-2017", want{period.FinancialYear, "2016-17", "2016-04-01", "2017-03-31"}},
		{"2016–17", want{period.FinancialYear, "2016-17", "2016-04-01", "2017-03-31"}},
		{"1999-00", want{period.FinancialYear, "1999-00", "1999-04-01", "2000-03-31"}},
		{"2016/17", want{period.AcademicYear, "2016/17", "2016-09-01", "2017-08-31"}},
		{"2016/2017", want{period.AcademicYear, "2016/17", "2016-09-01", "2017-08-31"}},
		{"2016-17 Q1", want{period.FinancialQuarter, "2016-17 Q1", "2016-04-01", "2016-06-30"}},
		{"2016-17 Q2", want{period.FinancialQuarter, "2016-17 Q2", "2016-07-01", "2016-09-30"}},
		{"2016-17 q3", want{period.FinancialQuarter, "2016-17 Q3", "2016-10-01", "2016-12-31"}},
		{"2016-17Q4", want{period.FinancialQuarter, "2016-17 Q4", "2017-01-01", "2017-03-31"}},
		{"Q1 2016-17", want{period.FinancialQuarter, "2016-17 Q1", "2016-04-01", "2016-06-30"}},
		{"2016-2017 Q2", want{period.FinancialQuarter, "2016-17 Q2", "2016-07-01", "2016-09-30"}},
		{"2016 Q1", want{period.CalendarQuarter, "2016 Q1", "2016-01-01", "2016-03-31"}},
		{"Q4 2016", want{period.CalendarQuarter, "2016 Q4", "2016-10-01", "2016-12-31"}},
		{"2016q2", want{period.CalendarQuarter, "2016 Q2", "2016-04-01", "2016-06-30"}},
		{"2016-04", want{period.Month, "2016-04", "2016-04-01", "2016-04-30"}},
		{"2016-02", want{period.Month, "2016-02", "2016-02-01", "2016-02-29"}},
		{"2016-12", want{period.Month, "2016-12", "2016-12-01", "2016-12-31"}},
		{"Apr 2016", want{period.Month, "2016-04", "2016-04-01", "2016-04-30"}},
		{"APRIL 2016", want{period.Month, "2016-04", "2016-04-01", "2016-04-30"}},
		{"Sept 2016", want{period.Month, "2016-09", "2016-09-01", "2016-09-30"}},
		{"2014-16", want{period.PooledYears, "2014-16", "2014-01-01", "2016-12-31"}},
		{"2014-2016", want{period.PooledYears, "2014-16", "2014-01-01", "2016-12-31"}},
		{"1998-2001", want{period.PooledYears, "1998-2001", "1998-01-01", "2001-12-31"}},
		{"2014-15 to 2016-17", want{period.PooledFinancialYears, "2014-15 to 2016-17", "2014-04-01", "2017-03-31"}},
		{"2015-2016 TO 2016-17", want{period.PooledFinancialYears, "2015-16 to 2016-17", "2015-04-01", "2017-03-31"}},
		{"2013/14-15/16", want{period.PooledFinancialYears, "2013-14 to 2015-16", "2013-04-01", "2016-03-31"}}, // LAIT's form
		{"1900", want{period.Year, "1900", "1900-01-01", "1900-12-31"}},
		{"2100", want{period.Year, "2100", "2100-01-01", "2100-12-31"}},
	}
	for _, tt := range tests {
		p, err := period.Parse(tt.in)
		check(t, tt.in, p, err, tt.want)
	}
}

// "YYYY-NN" is a financial year or pooled period whenever it can be one;
// months that would collide are labelled "Mon YYYY" so labels stay unambiguous.
func TestParseResolvesYearRangeBeforeMonthAndLabelsCollidingMonthsByName(t *testing.T) {
	tests := []struct {
		in string
		want
	}{
		{"2011-12", want{period.FinancialYear, "2011-12", "2011-04-01", "2012-03-31"}},
		{"2005-08", want{period.PooledYears, "2005-08", "2005-01-01", "2008-12-31"}},
		{"2012-12", want{period.Month, "2012-12", "2012-12-01", "2012-12-31"}},
		{"1995-04", want{period.Month, "1995-04", "1995-04-01", "1995-04-30"}},
		{"Dec 2011", want{period.Month, "Dec 2011", "2011-12-01", "2011-12-31"}},
		{"August 2005", want{period.Month, "Aug 2005", "2005-08-01", "2005-08-31"}},
		{"Nov 2011", want{period.Month, "2011-11", "2011-11-01", "2011-11-30"}},
	}
	for _, tt := range tests {
		p, err := period.Parse(tt.in)
		check(t, tt.in, p, err, tt.want)
	}
}

func TestParseEESReadsDfETimeIdentifiers(t *testing.T) {
	tests := []struct {
		tp, id string
		want
	}{
		{"2016", "Calendar year", want{period.Year, "2016", "2016-01-01", "2016-12-31"}},
		{"2025", "Reporting year", want{period.Year, "2025", "2025-01-01", "2025-12-31"}},
		{"201617", "Academic year", want{period.AcademicYear, "2016/17", "2016-09-01", "2017-08-31"}},
		{"201617", "Financial year", want{period.FinancialYear, "2016-17", "2016-04-01", "2017-03-31"}},
		{"199900", "Financial year", want{period.FinancialYear, "1999-00", "1999-04-01", "2000-03-31"}},
		{"201617", " tax YEAR ", want{period.FinancialYear, "2016-17", "2016-04-01", "2017-03-31"}},
		{"201617", "Financial year Q1", want{period.FinancialQuarter, "2016-17 Q1", "2016-04-01", "2016-06-30"}},
		{"201617", "Financial year Q4", want{period.FinancialQuarter, "2016-17 Q4", "2017-01-01", "2017-03-31"}},
		{"2016", "Calendar year Q2", want{period.CalendarQuarter, "2016 Q2", "2016-04-01", "2016-06-30"}},
		{"2016", "January", want{period.Month, "2016-01", "2016-01-01", "2016-01-31"}},
		{" 2016 ", "december", want{period.Month, "2016-12", "2016-12-01", "2016-12-31"}},
	}
	for _, tt := range tests {
		p, err := period.ParseEES(tt.tp, tt.id)
		check(t, tt.tp+" "+tt.id, p, err, tt.want)
	}
}

func TestParseFingertipsReadsOHIDTimePeriods(t *testing.T) {
	tests := []struct {
		in string
		want
	}{
		{"2010/11", want{period.FinancialYear, "2010-11", "2010-04-01", "2011-03-31"}},
		{"2012", want{period.Year, "2012", "2012-01-01", "2012-12-31"}},
		{"2014 - 16", want{period.PooledYears, "2014-16", "2014-01-01", "2016-12-31"}},
		{"2014-16", want{period.PooledYears, "2014-16", "2014-01-01", "2016-12-31"}},
		{"2014/15 - 16/17", want{period.PooledFinancialYears, "2014-15 to 2016-17", "2014-04-01", "2017-03-31"}},
		{"1998/99 - 00/01", want{period.PooledFinancialYears, "1998-99 to 2000-01", "1998-04-01", "2001-03-31"}},
		{"2019/20 Q1", want{period.FinancialQuarter, "2019-20 Q1", "2019-04-01", "2019-06-30"}},
		{"2019 Q1", want{period.CalendarQuarter, "2019 Q1", "2019-01-01", "2019-03-31"}},
		{"Apr 2019", want{period.Month, "2019-04", "2019-04-01", "2019-04-30"}},
		{"April 2019", want{period.Month, "2019-04", "2019-04-01", "2019-04-30"}},
	}
	for _, tt := range tests {
		p, err := period.ParseFingertips(tt.in)
		check(t, tt.in, p, err, tt.want)
	}
}

func TestMalformedInputsGiveParseErrorNamingInputAndReason(t *testing.T) {
	tests := []struct {
		name   string
		parse  func() (period.Period, error)
		input  string // must appear in the message
		reason string // must appear in the message
	}{
		{"empty", func() (period.Period, error) { return period.Parse("") }, `""`, "not a recognised period"},
		{"blank", func() (period.Period, error) { return period.Parse("   ") }, `"   "`, "not a recognised period"},
		{"word", func() (period.Period, error) { return period.Parse("abc") }, `"abc"`, "expected forms such as 2016, 2016-17"},
		{"quarter 5", func() (period.Period, error) { return period.Parse("2016-18 Q5") }, `"2016-18 Q5"`, "quarter must be Q1 to Q4"},
		{"quarter 0", func() (period.Period, error) { return period.Parse("Q0 2016") }, `"Q0 2016"`, "quarter must be Q1 to Q4"},
		{"quarter of non-consecutive years", func() (period.Period, error) { return period.Parse("2016-18 Q1") }, `"2016-18 Q1"`, "consecutive years"},
		{"academic year of two years", func() (period.Period, error) { return period.Parse("2016/18") }, `"2016/18"`, "consecutive years"},
		{"slash month", func() (period.Period, error) { return period.Parse("2016/04") }, `"2016/04"`, "consecutive years"},
		{"month first", func() (period.Period, error) { return period.Parse("13/2016") }, `"13/2016"`, "not a recognised period"},
		{"month 13", func() (period.Period, error) { return period.Parse("2016-13") }, `"2016-13"`, "month 01 to 12"},
		{"month 00", func() (period.Period, error) { return period.Parse("2016-00") }, `"2016-00"`, "month 01 to 12"},
		{"end before start", func() (period.Period, error) { return period.Parse("2016-15") }, `"2016-15"`, "month 01 to 12"},
		{"four-digit end before start", func() (period.Period, error) { return period.Parse("2016-2015") }, `"2016-2015"`, "end year 2015 must be after 2016"},
		{"unknown month name", func() (period.Period, error) { return period.Parse("Foo 2016") }, `"Foo 2016"`, `"foo" is not a month name`},
		{"year too early", func() (period.Period, error) { return period.Parse("1800") }, `"1800"`, "between 1900 and 2100"},
		{"year too late", func() (period.Period, error) { return period.Parse("2101 Q1") }, `"2101 Q1"`, "between 1900 and 2100"},
		{"financial year ending after 2100", func() (period.Period, error) { return period.Parse("2100-01") }, `"2100-01"`, "between 1900 and 2100"},
		{"pooled financial years reversed", func() (period.Period, error) { return period.Parse("2016-17 to 2014-15") }, `"2016-17 to 2014-15"`, "must be after"},
		{"pooled financial years with a pooled side", func() (period.Period, error) { return period.Parse("2014-16 to 2016-17") }, `"2014-16 to 2016-17"`, "financial year"},
		{"five-digit year", func() (period.Period, error) { return period.Parse("20161") }, `"20161"`, "not a recognised period"},
		{"EES academic code of two years", func() (period.Period, error) { return period.ParseEES("201618", "Academic year") }, `"201618"`, "consecutive years"},
		{"EES financial year with 4 digits", func() (period.Period, error) { return period.ParseEES("2016", "Financial year") }, `"2016"`, "such as 201617"},
		{"EES calendar year with 6 digits", func() (period.Period, error) { return period.ParseEES("201617", "Calendar year") }, `"201617"`, "such as 2016"},
		{"EES unsupported term", func() (period.Period, error) { return period.ParseEES("201617", "Spring term") }, `"201617"`, `time_identifier "Spring term" is not supported`},
		{"EES unsupported week", func() (period.Period, error) { return period.ParseEES("2016", "Week 3") }, `"2016"`, `time_identifier "Week 3" is not supported`},
		{"EES quarter 5", func() (period.Period, error) { return period.ParseEES("201617", "Financial year Q5") }, `"201617"`, "is not supported"},
		{"Fingertips two-year pool", func() (period.Period, error) { return period.ParseFingertips("2014 - 15") }, `"2014 - 15"`, "at least three years"},
		{"Fingertips financial year of two years", func() (period.Period, error) { return period.ParseFingertips("2010/12") }, `"2010/12"`, "consecutive years"},
		{"Fingertips pooled with gap", func() (period.Period, error) { return period.ParseFingertips("2014/15 - 16/18") }, `"2014/15 - 16/18"`, "consecutive years"},
		{"Fingertips unknown", func() (period.Period, error) { return period.ParseFingertips("2010/11 (5 yr)") }, `"2010/11 (5 yr)"`, "not a recognised Fingertips time period"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.parse()
			if err == nil {
				t.Fatalf("got %v (%v), want error", p, p.Kind())
			}
			if !p.IsZero() {
				t.Errorf("failed parse returned non-zero period %v", p)
			}
			var pe *period.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not *period.ParseError", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "period "+tt.input+": ") {
				t.Errorf("message %q does not start with period %s:", msg, tt.input)
			}
			if !strings.Contains(msg, tt.reason) {
				t.Errorf("message %q does not contain %q", msg, tt.reason)
			}
		})
	}
}

func TestParseErrorFields(t *testing.T) {
	_, err := period.Parse("2016-18 Q5")
	var pe *period.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want *ParseError", err)
	}
	want := period.ParseError{Input: "2016-18 Q5", Form: "financial quarter", Reason: "quarter must be Q1 to Q4"}
	if *pe != want {
		t.Errorf("got %+v, want %+v", *pe, want)
	}
	if got := pe.Error(); got != `period "2016-18 Q5": quarter must be Q1 to Q4` {
		t.Errorf("Error() = %q", got)
	}
}

func TestMustParsePanicsOnMalformedInput(t *testing.T) {
	if got := period.MustParse("2016-17"); got.String() != "2016-17" {
		t.Errorf("MustParse(2016-17) = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse(abc) did not panic")
		}
	}()
	period.MustParse("abc")
}

// Walking back from the last supported period of each kind visits every
// period of that kind; each must round-trip through its label and sort
// strictly before the one it came from.
func TestEveryPeriodRoundTripsThroughItsLabel(t *testing.T) {
	tests := []struct {
		last  string
		count int
	}{
		{"2100", 201},
		{"2099-00", 200},
		{"2099/00", 200},
		{"2099-00 Q4", 800},
		{"2100 Q4", 804},
		{"Dec 2100", 201 * 12},
		{"2098-2100", 199}, // three-year pools
		{"2091-2100", 192}, // ten-year pools
		{"2098-99 to 2099-00", 199},
		{"2097-98 to 2099-00", 198},
	}
	for _, tt := range tests {
		n := 0
		next := period.Period{}
		for p := period.MustParse(tt.last); !p.IsZero(); p = p.Previous() {
			n++
			q, err := period.Parse(p.String())
			if err != nil || q != p {
				t.Fatalf("Parse(%q) = %v, %v; want %v", p.String(), q, err, p)
			}
			if !next.IsZero() && period.Compare(p, next) >= 0 {
				t.Fatalf("Compare(%v, %v) >= 0, want previous period to sort first", p, next)
			}
			if p.Kind() != period.MustParse(tt.last).Kind() {
				t.Fatalf("Previous changed kind: %v is %v", p, p.Kind())
			}
			next = p
		}
		if n != tt.count {
			t.Errorf("from %s: visited %d periods, want %d", tt.last, n, tt.count)
		}
	}
}

func TestPreviousAndYearAgo(t *testing.T) {
	tests := []struct{ p, prev, yearAgo string }{
		{"2016", "2015", "2015"},
		{"2016-17", "2015-16", "2015-16"},
		{"2000-01", "1999-00", "1999-00"},
		{"2016/17", "2015/16", "2015/16"},
		{"2016-17 Q1", "2015-16 Q4", "2015-16 Q1"},
		{"2016-17 Q3", "2016-17 Q2", "2015-16 Q3"},
		{"2016-17 Q4", "2016-17 Q3", "2015-16 Q4"},
		{"2016 Q1", "2015 Q4", "2015 Q1"},
		{"2016 Q3", "2016 Q2", "2015 Q3"},
		{"2016-01", "2015-12", "2015-01"},
		{"2016-04", "2016-03", "2015-04"},
		{"2012-01", "Dec 2011", "Jan 2011"},
		{"2014-16", "2013-15", "2013-15"},
		{"2000-2002", "1999-2001", "1999-2001"},
		{"2014-15 to 2016-17", "2013-14 to 2015-16", "2013-14 to 2015-16"},
	}
	for _, tt := range tests {
		p := period.MustParse(tt.p)
		if got := p.Previous(); got != period.MustParse(tt.prev) {
			t.Errorf("%s.Previous() = %v, want %s", tt.p, got, tt.prev)
		}
		if got := p.YearAgo(); got != period.MustParse(tt.yearAgo) {
			t.Errorf("%s.YearAgo() = %v, want %s", tt.p, got, tt.yearAgo)
		}
	}
}

func TestPreviousBeforeSupportedRangeIsZero(t *testing.T) {
	for _, s := range []string{"1900", "1900-01", "1900 Q1", "1900-01 Q1", "1900-02", "1900/01", "1900-01 to 1902-03", "Jan 1900"} {
		p := period.MustParse(s)
		if got := p.YearAgo(); !got.IsZero() {
			t.Errorf("%s.YearAgo() = %v, want zero", s, got)
		}
	}
	for _, s := range []string{"1900", "1900-01", "1900 Q1", "1900-01 Q1", "1900/01", "1900-1902", "Jan 1900", "1900-01 to 1902-03"} {
		p := period.MustParse(s)
		if got := p.Previous(); !got.IsZero() {
			t.Errorf("%s.Previous() = %v, want zero", s, got)
		}
	}
}

func TestCompareOrdersByEndThenStartThenKind(t *testing.T) {
	want := []string{
		"2015-16",            // ends 31 Mar 2016
		"2016-17 Q1",         // Apr-Jun 2016
		"2016 Q2",            // Apr-Jun 2016, same dates: financial quarter kind first
		"2016-06",            // Jun 2016
		"2015/16",            // ends 31 Aug 2016
		"2014-16",            // Jan 2014 - Dec 2016
		"2016",               // Jan-Dec 2016
		"2016-17 Q3",         // Oct-Dec 2016
		"2016 Q4",            // Oct-Dec 2016
		"2016-12",            // Dec 2016
		"2014-15 to 2016-17", // Apr 2014 - Mar 2017
		"2016-17",            // Apr 2016 - Mar 2017
		"2016-17 Q4",         // Jan-Mar 2017
		"2017 Q1",            // Jan-Mar 2017
		"2017-03",            // Mar 2017
	}
	var ps []period.Period
	for _, i := range []int{9, 3, 14, 0, 7, 12, 5, 1, 10, 8, 2, 13, 6, 11, 4} {
		ps = append(ps, period.MustParse(want[i]))
	}
	slices.SortFunc(ps, period.Compare)
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("sorted:\n got %q\nwant %q", got, want)
	}
}

func TestCompareIsConsistentWithEquality(t *testing.T) {
	labels := []string{"2016", "2016-17", "2016/17", "2016-17 Q1", "2016 Q2", "2016-04", "2014-16", "2014-15 to 2016-17", "2017 Q1", "2016-17 Q4"}
	for _, a := range labels {
		for _, b := range labels {
			pa, pb := period.MustParse(a), period.MustParse(b)
			c := period.Compare(pa, pb)
			if (c == 0) != (pa == pb) {
				t.Errorf("Compare(%s, %s) = %d but == is %v", a, b, c, pa == pb)
			}
			if c != -period.Compare(pb, pa) {
				t.Errorf("Compare(%s, %s) not antisymmetric", a, b)
			}
		}
	}
	if c := period.Compare(period.Period{}, period.MustParse("1900")); c != -1 {
		t.Errorf("Compare(zero, 1900) = %d, want -1", c)
	}
	if c := period.Compare(period.Period{}, period.Period{}); c != 0 {
		t.Errorf("Compare(zero, zero) = %d, want 0", c)
	}
}

func TestAnnualYearsAndOverlaps(t *testing.T) {
	tests := []struct {
		p      string
		annual bool
		years  int
	}{
		{"2016", true, 1}, {"2016-17", true, 1}, {"2016/17", true, 1},
		{"2016-17 Q1", false, 0}, {"2016 Q1", false, 0}, {"2016-04", false, 0},
		{"2014-16", false, 3}, {"2014-15 to 2016-17", false, 3}, {"2015-16 to 2016-17", false, 2},
	}
	for _, tt := range tests {
		p := period.MustParse(tt.p)
		if p.IsAnnual() != tt.annual || p.Years() != tt.years {
			t.Errorf("%s: IsAnnual %v Years %d, want %v %d", tt.p, p.IsAnnual(), p.Years(), tt.annual, tt.years)
		}
	}

	overlaps := []struct {
		a, b string
		want bool
	}{
		{"2016-17", "2016", true},
		{"2016-17", "2016-17 Q4", true},
		{"2016-17", "2017-04", false},
		{"2016-17", "2017-03", true},
		{"2016/17", "2016-17 Q1", false}, // Sep 2016 starts after Jun 2016
		{"2016/17", "2017 Q3", true},     // Jul-Sep 2017 includes Aug 2017
		{"2016 Q1", "2015-16 Q4", true},
		{"2014-16", "2017", false},
		{"2014-16", "2013-14", true},
	}
	for _, tt := range overlaps {
		a, b := period.MustParse(tt.a), period.MustParse(tt.b)
		if a.Overlaps(b) != tt.want || b.Overlaps(a) != tt.want {
			t.Errorf("%s overlaps %s = %v, want %v", tt.a, tt.b, a.Overlaps(b), tt.want)
		}
	}
	if period.MustParse("2016").Overlaps(period.Period{}) {
		t.Error("a period overlaps the zero period")
	}
}

func TestZeroValueIsNone(t *testing.T) {
	var p period.Period
	if !p.IsZero() {
		t.Error("zero Period is not IsZero")
	}
	if period.MustParse("2016").IsZero() {
		t.Error("parsed period is IsZero")
	}
	if p.String() != "" || p.Kind() != 0 || !p.Start().IsZero() || !p.End().IsZero() {
		t.Errorf("zero Period: %q kind %v start %v end %v", p.String(), p.Kind(), p.Start(), p.End())
	}
	if !p.Previous().IsZero() || !p.YearAgo().IsZero() || p.IsAnnual() || p.Years() != 0 {
		t.Error("zero Period has a previous period, a year ago, or years")
	}
}

func TestStartAndEndAreUTCMidnight(t *testing.T) {
	p := period.MustParse("2016-17 Q4")
	want := time.Date(2017, time.January, 1, 0, 0, 0, 0, time.UTC)
	if !p.Start().Equal(want) || p.Start().Location() != time.UTC {
		t.Errorf("Start = %v, want %v", p.Start(), want)
	}
	want = time.Date(2017, time.March, 31, 0, 0, 0, 0, time.UTC)
	if !p.End().Equal(want) || p.End().Location() != time.UTC {
		t.Errorf("End = %v, want %v", p.End(), want)
	}
}

func TestJSONUsesCanonicalLabel(t *testing.T) {
	type row struct {
		Period period.Period         `json:"period"`
		ByKey  map[period.Period]int `json:"by_key"`
		None   period.Period         `json:"none"`
	}
	in := row{
		Period: period.MustParse("2016-2017"),
		ByKey:  map[period.Period]int{period.MustParse("Q1 2016-17"): 1},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"period":"2016-17","by_key":{"2016-17 Q1":1},"none":""}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var out row
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Period != in.Period || out.ByKey[period.MustParse("2016-17 Q1")] != 1 || !out.None.IsZero() {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"period":"2016-15"}`), &out); err == nil || !strings.Contains(err.Error(), `"2016-15"`) {
		t.Errorf("unmarshal of bad period: err = %v", err)
	}
}

func TestKindString(t *testing.T) {
	want := map[period.Kind]string{
		period.Year: "year", period.FinancialYear: "financial_year", period.AcademicYear: "academic_year",
		period.FinancialQuarter: "financial_quarter", period.CalendarQuarter: "calendar_quarter", period.Month: "month",
		period.PooledYears: "pooled_years", period.PooledFinancialYears: "pooled_financial_years",
		0: "Kind(0)", 9: "Kind(9)",
	}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
}
