package datasets_test

import (
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// Every row problem carries its line of the file (errs.Detail.Line), whether the parser found it
// while reading the row or once the whole file was read; WithoutValues hides it with the values.
func TestProblemsCarryTheirLine(t *testing.T) {
	const header = "indicator,area,period,value,numerator,denominator,note\n"
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		rows   string
		row    int
		column string
		line   string
	}{
		{"unknown area, found while reading", "NI50,Atlantis,2015-16,58.8,,,\n", 2, "area", "NI50,Atlantis,2015-16,58.8,,,"},
		{"not a number, quoted cells kept quoted", "NI50,836,2015-16,lots,,,\"Poole, \"\"revised\"\"\"\n", 2, "value",
			`NI50,836,2015-16,lots,,,"Poole, ""revised"""`},
		{"wrong number of fields", "NI50,836,2015-16\n", 2, "", "NI50,836,2015-16"},
		{"unknown indicator, found once the file is read", "NI50,836,2015-16,58.8,,,\nNI99,836,2015-16,58.8,,,\n", 3, "indicator",
			"NI99,836,2015-16,58.8,,,"},
		{"empty value, rebuilt from the stored cells", "NI50,836,2015-16,,,,late\n", 2, "value", "NI50,836,2015-16,,,,late"},
		{"duplicate row", "NI50,836,2015-16,58.8,,,\nNI50,836,2015-16,60,,,\n", 3, "", "NI50,836,2015-16,60,,,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := datasets.Parse([]byte(header+tt.rows), datasets.ParseOptions{Catalog: testCatalog, Now: now})
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("err = %v, want a list of problems", err)
			}
			var found *errs.Detail
			for i, d := range e.Details {
				if d.Row == tt.row && d.Column == tt.column {
					found = &e.Details[i]
				}
			}
			if found == nil {
				t.Fatalf("no problem at row %d column %q in %+v", tt.row, tt.column, e.Details)
			}
			if found.Line != tt.line {
				t.Errorf("line = %q, want %q", found.Line, tt.line)
			}
			rev := datasets.Revision{Errors: e.Details}.WithoutValues()
			for _, d := range rev.Errors {
				if d.Line != "" || d.Value != "" {
					t.Errorf("WithoutValues kept %+v", d)
				}
			}
		})
	}

	t.Run("every problem kept has its line, past the first hundred rows too", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(header)
		for i := 0; i < 150; i++ {
			b.WriteString("NI50,Atlantis,2015-16,x" + strings.Repeat("9", i%3) + ",,,\n")
		}
		_, err := datasets.Parse([]byte(b.String()), datasets.ParseOptions{Catalog: testCatalog, Now: now})
		e, _ := errs.As(err)
		if e == nil || len(e.Details) != errs.MaxDetails || e.Total <= errs.MaxDetails {
			t.Fatalf("err = %v", err)
		}
		for _, d := range e.Details {
			if !strings.HasPrefix(d.Line, "NI50,Atlantis,2015-16,x") {
				t.Errorf("row %d column %s: line %q", d.Row, d.Column, d.Line)
			}
		}
	})

	t.Run("a long line is clipped like a value", func(t *testing.T) {
		long := strings.Repeat("x", 5000)
		_, err := datasets.Parse([]byte(header+"NI50,Atlantis,2015-16,58.8,,,"+long+"\n"), datasets.ParseOptions{Catalog: testCatalog, Now: now})
		e, _ := errs.As(err)
		if e == nil || len(e.Details) == 0 {
			t.Fatalf("err = %v", err)
		}
		line := e.Details[0].Line
		if !strings.HasPrefix(line, "NI50,Atlantis,2015-16,58.8,,,xxx") || !strings.HasSuffix(line, "…") || len(line) > datasets.MaxValueQuote+len("…") {
			t.Errorf("line = %q (%d bytes), want the start of the row clipped to %d bytes", line[:min(len(line), 60)], len(line), datasets.MaxValueQuote)
		}
	})
}

// Each format's template (its Example as CSV) loads as that format with the shipped indicators
// and areas, and lists the required columns first.
func TestFormatTemplatesParseAsTheirFormat(t *testing.T) {
	cat, err := indicators.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	for _, f := range datasets.Formats {
		t.Run(f.Name, func(t *testing.T) {
			dataset := "example"
			if f == datasets.RequiredFormat(datasets.TargetsDataset) {
				dataset = datasets.TargetsDataset
			}
			tab, err := datasets.Parse(f.Template(), datasets.ParseOptions{Catalog: cat, Dataset: dataset, Now: now})
			if err != nil {
				t.Fatalf("template does not load: %v\n%s", err, f.Template())
			}
			if tab.Format != f || tab.Rows() != len(f.Example)-1 {
				t.Errorf("template read as %s with %d rows, want %s with %d", tab.Format.Name, tab.Rows(), f.Name, len(f.Example)-1)
			}
			cols := f.Columns()
			for i, name := range f.Required {
				if cols[i].Name != name || !cols[i].Required {
					t.Errorf("column %d = %+v, want required %s", i, cols[i], name)
				}
			}
			if datasets.FormatNamed(f.Name) != f {
				t.Errorf("FormatNamed(%q) is not the format", f.Name)
			}
		})
	}
}
