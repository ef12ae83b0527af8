package datasets_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// valueCatalog is a real indicator catalog: an injuries rate read from a Fingertips export
// (Persons rows only), a percentage read from a simple return, and the same percentage with
// value_checks: warn on another dataset.
func valueCatalog(t *testing.T) *indicators.Catalog {
	t.Helper()
	pct := func(id, dataset, checks string) []byte {
		return []byte("id: " + id + "\ntitle: " + id + "\nunit: percentage\ndecimals: 1\npolarity: higher_is_better\n" +
			"source: {dataset: " + dataset + ", value: value, numerator: numerator, denominator: denominator, multiplier: 100}\n" +
			"ci_method: wilson\n" + checks)
	}
	cat, err := indicators.Parse(map[string][]byte{
		"inj.yaml": []byte(`id: inj
title: Injuries
unit: rate_per_10000
decimals: 1
polarity: lower_is_better
source:
  dataset: fingertips
  filters: {Sex: Persons, Category Type: ""}
  value: Value
  numerator: Count
  denominator: Denominator
  multiplier: 10000
  lower95: Lower CI 95.0 limit
  upper95: Upper CI 95.0 limit
ci_method: published
`),
		"pct.yaml":  pct("pct", "returns", ""),
		"warn.yaml": pct("pct-warn", "returns_warned", "value_checks: warn\n"),
	}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// fingertipsLines is the shipped 90284 export (a real Fingertips file), as lines.
func fingertipsLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("shipped/fingertips_90284_injury_admissions_0_14_england_region_utla.csv")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(data), "\ufeff"), "\n"), "\n")
}

// setField replaces field i of a CSV line without quoted commas before it.
func setField(line string, i int, v string) string {
	f := strings.Split(line, ",")
	f[i] = v
	return strings.Join(f, ",")
}

// Issue 16 rule 7: values that cannot be true are refused at upload with row, column, value and
// reason, in the rows an indicator reads (its filters): a value contradicting its numerator and
// denominator (the wrong multiplier that made a trend χ² of 4,879 where 48.8 is right), a
// negative count or denominator, a percentage outside 0-100. Rows no indicator reads, and values
// within their published rounding (Fingertips' 370 / 31901 × 10000 published 115.98383; DfE's
// counts rounded to 10), are accepted.
func TestImpossibleValuesAreRefusedWithRowColumnValueAndReason(t *testing.T) {
	cat := valueCatalog(t)
	lines := fingertipsLines(t)
	const value, count, denominator = 12, 17, 18
	// Line 29 (row 29 of the file): Hartlepool, Persons, 2010/11, 158.5680822 = 264 / 16649 × 10000.
	if !strings.Contains(lines[28], "Hartlepool") || !strings.Contains(lines[28], ",158.5680822,") {
		t.Fatalf("line 29 is not the row this test expects: %s", lines[28])
	}
	parse := func(ls []string, dataset string) (*datasets.Table, error) {
		return datasets.Parse([]byte(strings.Join(ls, "\n")+"\n"), datasets.ParseOptions{Catalog: cat, Dataset: dataset})
	}
	if _, err := parse(lines, "fingertips"); err != nil {
		t.Fatalf("the real export is refused: %v", err)
	}
	tests := []struct {
		name   string
		line   int // 1-based
		field  int
		to     string
		column string
		reason string
	}{
		{"value 100 times its counts (wrong multiplier)", 29, value, "15856.80822", "Value", "the value contradicts its numerator and denominator: 264 / 16649 × 10000 = 158.5680822"},
		{"negative count", 29, count, "-264", "Count", "a numerator (count) cannot be negative (indicator inj)"},
		{"negative denominator", 30, denominator, "-26196", "Denominator", "a denominator cannot be negative (indicator inj)"},
		{"negative rate", 30, value, "-172.5454268", "Value", "a count or rate cannot be negative (indicator inj)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := append([]string(nil), lines...)
			ls[tt.line-1] = setField(ls[tt.line-1], tt.field, tt.to)
			_, err := parse(ls, "fingertips")
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid {
				t.Fatalf("err = %v, want the upload refused", err)
			}
			found := false
			for _, d := range e.Details {
				if d.Row == tt.line && d.Column == tt.column && strings.Contains(d.Reason, tt.reason) && d.Value != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("no detail for row %d column %s %q; got %+v", tt.line, tt.column, tt.reason, e.Details)
			}
		})
	}
	// A Male row is read by no indicator here: its contradiction is not this catalog's business.
	ls := append([]string(nil), lines...)
	if !strings.Contains(ls[396], ",Male,") {
		t.Fatalf("line 397 is not a Male row: %s", ls[396])
	}
	ls[396] = setField(ls[396], value, "15433.931")
	if _, err := parse(ls, "fingertips"); err != nil {
		t.Errorf("a row no indicator reads was checked: %v", err)
	}

	ret := func(rows ...string) []string {
		return append([]string{"indicator,area,period,value,numerator,denominator"}, rows...)
	}
	for _, tt := range []struct {
		name, row, column, reason string
	}{
		{"percentage above 100", "pct,839,2019-20,101.5,,", "value", "a percentage must lie between 0 and 100 (indicator pct)"},
		{"percentage below 0", "pct,839,2019-20,-0.5,,", "value", "a percentage must lie between 0 and 100 (indicator pct)"},
		{"48.8 given as 4879", "pct,839,2019-20,4879,488,1000", "value", "a percentage must lie between 0 and 100"},
		{"value contradicts counts", "pct,839,2019-20,4.9,488,1000", "value", "the value contradicts its numerator and denominator: 488 / 1000 × 100 = 48.8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(ret(tt.row), "returns")
			e, ok := errs.As(err)
			if !ok || len(e.Details) == 0 || e.Details[0].Row != 2 || e.Details[0].Column != tt.column || !strings.Contains(e.Details[0].Reason, tt.reason) {
				t.Fatalf("err = %v (%+v), want row 2 column %s %q", err, e, tt.column, tt.reason)
			}
		})
	}
	for _, row := range []string{"pct,839,2019-20,48.8,488,1000", "pct,839,2019-20,27.2,1240,4540", "pct,839,2019-20,100,7,7", "pct,839,2019-20,0,0,12"} {
		if _, err := parse(ret(row), "returns"); err != nil {
			t.Errorf("%s refused: %v", row, err)
		}
	}
}

// With value_checks: warn the same values load, and the revision carries the warning, naming
// the indicator, the row, the column, the value and the reason.
func TestImpossibleValuesWarnWhenTheDefinitionSaysSo(t *testing.T) {
	cat := valueCatalog(t)
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := &datasets.Service{DB: db, Areas: areas.Default(), Catalog: cat, Now: func() time.Time { return fixedNow }}
	ctx := context.Background()
	if err := svc.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	file := "indicator,area,period,value,numerator,denominator\npct-warn,839,2019-20,4.9,488,1000\npct-warn,836,2015-16,58.8,588,1000\n"
	rev, err := svc.Load(ctx, "returns_warned", strings.NewReader(file), datasets.Upload{FileName: "r.csv", By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	want := "indicator pct-warn: 1 value(s) that cannot be true were loaded because its definition sets value_checks: warn: " +
		"row 2, value 4.9: the value contradicts its numerator and denominator: 488 / 1000 × 100 = 48.8"
	if len(rev.Warnings) != 1 || !strings.HasPrefix(rev.Warnings[0], want) || rev.Rows != 2 {
		t.Errorf("warnings %q (rows %d), want one starting %q", rev.Warnings, rev.Rows, want)
	}
	// Refused: no data is stored (the rejected upload is only recorded, with its errors).
	_, err = svc.Load(ctx, "returns", strings.NewReader(strings.ReplaceAll(file, "pct-warn", "pct")), datasets.Upload{FileName: "r.csv", By: "test"})
	wantCode(t, err, errs.Invalid)
	if tableExists(t, db, "rev_2") {
		t.Error("a refused upload stored its rows")
	}
	if d, err := svc.Get(ctx, "returns"); err == nil && d.Revision != 0 {
		t.Errorf("a refused upload became current: revision %d", d.Revision)
	}
}
