package period_test

import (
	"errors"
	"testing"

	"github.com/childrens-trust/scorecard/period"
)

// checkPeriod asserts what every parsed period promises: it is not zero, its label reads back
// to it, it starts before it ends, and its previous and year-ago periods come before it.
func checkPeriod(t *testing.T, input string, p period.Period) {
	t.Helper()
	if p.IsZero() {
		t.Fatalf("%q parsed to the zero period without an error", input)
	}
	label := p.String()
	if label == "" {
		t.Fatalf("%q parsed to a period with no label", input)
	}
	q, err := period.Parse(label)
	if err != nil {
		t.Fatalf("%q parsed to %s, whose label does not parse: %v", input, label, err)
	}
	if q != p || q.String() != label {
		t.Fatalf("%q parsed to %s (%v), its label re-parses to %s (%v)", input, label, p.Kind(), q, q.Kind())
	}
	if !p.Start().Before(p.End()) {
		t.Fatalf("%s: start %v is not before end %v", label, p.Start(), p.End())
	}
	if period.Compare(p, p) != 0 {
		t.Fatalf("%s does not compare equal to itself", label)
	}
	for name, earlier := range map[string]period.Period{"previous": p.Previous(), "year ago": p.YearAgo()} {
		if !earlier.IsZero() && period.Compare(earlier, p) >= 0 {
			t.Fatalf("%s: %s period %s does not come before it", label, name, earlier)
		}
	}
	b, _ := p.MarshalText()
	var r period.Period
	if err := r.UnmarshalText(b); err != nil || r != p {
		t.Fatalf("%s: text round trip gives %s (%v)", label, r, err)
	}
}

// checkError asserts that a refusal is a *period.ParseError naming the input and a reason.
func checkError(t *testing.T, input string, err error) {
	t.Helper()
	var pe *period.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error %v (%T) is not a *ParseError", input, err, err)
	}
	if pe.Input != input || pe.Reason == "" {
		t.Fatalf("%q: ParseError %+v does not name the input and a reason", input, pe)
	}
}

var parseSeeds = []string{"2016", "2016-17", "2016/17", "2016-17 Q1", "2016 Q1", "Q1 2016-17", "Q4 2016", "2016-04",
	"Apr 2016", "April 2016", "Sept 2016", "2014-16", "2014-2016", "2014-15 to 2016-17", "2013/14-15/16", "1999-00",
	"2016-18 Q5", "", " 2016 - 17 ", "2016\u201317", "2016-04-01", "01/04/2016", "42461", "9999", "1899", "2099-00",
	"2016-2017", "2016/2017", "Q0 2016", "2016-17 Q12", "dec 2100", "2016 q 1"}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := period.Parse(s)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("%q: error %v with period %s", s, err, p)
			}
			checkError(t, s, err)
			return
		}
		checkPeriod(t, s, p)
	})
}

func FuzzParseEES(f *testing.F) {
	for _, s := range [][2]string{{"201617", "Academic year"}, {"201617", "Financial year"}, {"2016", "Calendar year"},
		{"201617", "Financial year Q1"}, {"2016", "Q3"}, {"2016", "April"}, {"2016", "Spring term"}, {"2016", "Academic year"},
		{"200607", "Academic year"}, {"201617", "Reporting year"}, {"2016", "Reporting year"}, {"199900", "Financial year"},
		{"2016", "Month 4"}, {"", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, tp, id string) {
		p, err := period.ParseEES(tp, id)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("%q %q: error %v with period %s", tp, id, err, p)
			}
			checkError(t, tp, err)
			return
		}
		checkPeriod(t, tp+" / "+id, p)
	})
}

func FuzzParseFingertips(f *testing.F) {
	for _, s := range []string{"2010/11", "2010", "2008 - 10", "2008-10", "2010/11 - 12/13", "2010/11 Q1", "2010/11 Q5",
		"2016/17-18/19", "2010/2011", "", "2010/11 - 09/10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := period.ParseFingertips(s)
		if err != nil {
			if !p.IsZero() {
				t.Fatalf("%q: error %v with period %s", s, err, p)
			}
			checkError(t, s, err)
			return
		}
		checkPeriod(t, s, p)
	})
}
