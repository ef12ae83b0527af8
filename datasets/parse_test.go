package datasets_test

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/reliability"
)

// fakeCatalog is a Catalog with a fixed set of indicators.
type fakeCatalog struct {
	known      map[string]bool
	proportion map[string]bool
}

func (c fakeCatalog) Known(id string) bool        { return c.known[id] }
func (c fakeCatalog) IsProportion(id string) bool { return c.proportion[id] }

// testCatalog knows NI50 and NI51 (proportions) and RATE1 (a rate).
var testCatalog = fakeCatalog{
	known:      map[string]bool{"NI50": true, "NI51": true, "RATE1": true},
	proportion: map[string]bool{"NI50": true, "NI51": true},
}

const badDir = "../testdata/bad"

// corpusChecks are checks beyond testdata/bad/expected.json for some rejected files.
var corpusChecks = map[string]func(t *testing.T, e *errs.Error){
	"unknown_header": func(t *testing.T, e *errs.Error) {
		for _, f := range datasets.Formats {
			want := f.Name + " (" + strings.Join(f.Required, ",") + ")"
			if !strings.Contains(e.Details[0].Reason, want) {
				t.Errorf("reason %q does not list format %q", e.Details[0].Reason, want)
			}
		}
	},
	"unterminated_quote": func(t *testing.T, e *errs.Error) {
		if r := e.Details[0].Reason; !strings.Contains(r, "quote left open") {
			t.Errorf("reason %q does not suggest an open quote", r)
		}
	},
	"many_bad_rows": func(t *testing.T, e *errs.Error) {
		if last := e.Details[len(e.Details)-1]; last.Row != 101 {
			t.Errorf("last listed problem is row %d, want 101 (the first 100 in file order)", last.Row)
		}
	},
}

func loadCorpus(t *testing.T) []reliability.Case {
	t.Helper()
	cases, err := reliability.LoadCorpus(badDir)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestParseBadCorpus parses every file of testdata/bad and checks the outcome its manifest
// gives: for a rejected file the exact number of problems and each listed problem (row,
// column, reason, value); for an accepted one the rows, format, encoding and what was read as
// missing. Files refused before parsing (bad dataset names, too large) are the service's
// business and are checked in package reliability.
func TestParseBadCorpus(t *testing.T) {
	reg := areas.Default()
	for _, tc := range loadCorpus(t) {
		if tc.Outcome == reliability.Refused {
			continue
		}
		t.Run(tc.Name(), func(t *testing.T) {
			data, err := tc.Data(badDir)
			if err != nil {
				t.Fatal(err)
			}
			opt := datasets.ParseOptions{Areas: reg, Dataset: tc.Dataset}
			if tc.Catalog {
				opt.Catalog = testCatalog
			}
			start := time.Now()
			tab, err := datasets.Parse(data, opt)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Parse took %v", d)
			}
			if tc.Outcome == reliability.Accepted {
				checkAccepted(t, tc, tab, err)
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted the file (%d rows)", tab.Rows())
			}
			if tab != nil {
				t.Errorf("Parse returned a table with its error")
			}
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("error %v (%T) is not an *errs.Error", err, err)
			}
			if string(e.Code) != tc.Code {
				t.Errorf("code = %s, want %s", e.Code, tc.Code)
			}
			if !strings.Contains(e.Message, "nothing was stored") {
				t.Errorf("message %q does not say that nothing was stored", e.Message)
			}
			if tc.Message != "" && !strings.Contains(e.Message, tc.Message) {
				t.Errorf("message %q does not contain %q", e.Message, tc.Message)
			}
			if e.Total != tc.Total {
				t.Errorf("Total = %d, want %d; details:\n%s", e.Total, tc.Total, detailList(e.Details))
			}
			if want := min(tc.Total, errs.MaxDetails); len(e.Details) != want {
				t.Errorf("len(Details) = %d, want %d", len(e.Details), want)
			}
			for _, w := range tc.Details {
				if !hasDetail(e.Details, w) {
					t.Errorf("missing problem row %d, column %q, reason ~%q, value %q; got:\n%s",
						w.Row, w.Column, w.Reason, w.Value, detailList(e.Details))
				}
			}
			for _, d := range e.Details {
				if len(d.Value) > datasets.MaxValueQuote+len("…") {
					t.Errorf("row %d quotes %d bytes of the cell", d.Row, len(d.Value))
				}
			}
			if check := corpusChecks[tc.Name()]; check != nil && len(e.Details) > 0 {
				check(t, e)
			}
		})
	}
}

func checkAccepted(t *testing.T, tc reliability.Case, tab *datasets.Table, err error) {
	t.Helper()
	if err != nil {
		if e, ok := errs.As(err); ok {
			t.Fatalf("Parse: %v\n%s", err, detailList(e.Details))
		}
		t.Fatalf("Parse: %v", err)
	}
	if tab.Rows() != tc.Rows || tab.Format.Name != tc.Format || tab.Encoding != tc.Encoding {
		t.Errorf("rows %d, format %s, encoding %s; want %d, %s, %s", tab.Rows(), tab.Format.Name, tab.Encoding, tc.Rows, tc.Format, tc.Encoding)
	}
	if tc.Columns != nil {
		var names []string
		for _, c := range tab.Columns {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, tc.Columns) {
			t.Errorf("columns %v, want %v", names, tc.Columns)
		}
	}
	for col, want := range tc.Missing {
		n := 0
		markers := map[string]int{}
		for i := range tab.Rows() {
			c := cell(t, tab, i, col)
			if !c.Valid {
				n++
				if c.Marker != "" {
					markers[c.Marker]++
				}
			}
			if c.Valid && c.Number == 0 && c.Marker != "" {
				t.Errorf("row %d: marker %q stored as zero", i, c.Marker)
			}
		}
		if want.Markers == nil {
			want.Markers = map[string]int{}
		}
		if n != want.Count || !maps.Equal(markers, want.Markers) {
			t.Errorf("column %s: %d missing with markers %v, want %d with %v", col, n, markers, want.Count, want.Markers)
		}
	}
	for _, w := range tc.Numbers {
		if c := cell(t, tab, w.Row, w.Column); !c.Valid || c.Number != w.Number {
			t.Errorf("row %d %s = %+v, want %v", w.Row, w.Column, c, w.Number)
		}
	}
	for _, w := range tc.Texts {
		if c := cell(t, tab, w.Row, w.Column); c.Text != w.Text {
			t.Errorf("row %d %s = %q, want %q", w.Row, w.Column, c.Text, w.Text)
		}
	}
	if tc.Lines != nil {
		var lines []int
		for i := range tab.Rows() {
			lines = append(lines, tab.Line(i))
		}
		if !slices.Equal(lines, tc.Lines) {
			t.Errorf("lines %v, want %v", lines, tc.Lines)
		}
	}
}

// TestBadCorpusComplete keeps the corpus and its manifest in step: every file is a case and
// every case has a file, so other tools can rely on each file's outcome; and the corpus covers
// at least 30 files.
func TestBadCorpusComplete(t *testing.T) {
	entries, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	var files, cases []string
	for _, e := range entries {
		if e.Name() != "expected.json" {
			files = append(files, e.Name())
		}
	}
	outcomes := map[string]int{}
	for _, c := range loadCorpus(t) {
		outcomes[c.Outcome]++
		if c.File != "" {
			cases = append(cases, c.File)
		}
	}
	slices.Sort(files)
	slices.Sort(cases)
	if !slices.Equal(files, cases) {
		t.Errorf("corpus files %v\ndo not match cases %v", files, cases)
	}
	if len(cases) < 30 {
		t.Errorf("only %d files", len(cases))
	}
	t.Logf("corpus: %d files and 2 generated: %v", len(files), outcomes)
}

func hasDetail(ds []errs.Detail, w reliability.Detail) bool {
	for _, d := range ds {
		if d.Row == w.Row && d.Column == w.Column && strings.Contains(d.Reason, w.Reason) &&
			(w.Value == "" || d.Value == w.Value) {
			return true
		}
	}
	return false
}

func detailList(ds []errs.Detail) string {
	var b strings.Builder
	for i, d := range ds {
		if i == 10 {
			fmt.Fprintf(&b, "  ... and %d more\n", len(ds)-i)
			break
		}
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

// mustParse parses data with the default areas and the test catalog.
func mustParse(t *testing.T, data string) *datasets.Table {
	t.Helper()
	tab, err := datasets.Parse([]byte(data), datasets.ParseOptions{Areas: areas.Default(), Catalog: testCatalog})
	if err != nil {
		if e, ok := errs.As(err); ok {
			t.Fatalf("Parse: %v\n%s", err, detailList(e.Details))
		}
		t.Fatalf("Parse: %v", err)
	}
	return tab
}

func cell(t *testing.T, tab *datasets.Table, row int, column string) datasets.Cell {
	t.Helper()
	c, ok := tab.Cell(row, column)
	if !ok {
		t.Fatalf("no column %q", column)
	}
	return c
}

func column(t *testing.T, tab *datasets.Table, name string) datasets.Column {
	t.Helper()
	for _, c := range tab.Columns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no column %q in %v", name, tab.Columns)
	return datasets.Column{}
}

func TestParseEncodings(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		encoding string
		note     string
	}{
		{"utf-8", "indicator,area,period,value,note\nNI50,836,2015-16,58.8,café £5\n", "utf-8", "café £5"},
		{"utf-8 with BOM", "\xEF\xBB\xBFindicator,area,period,value,note\nNI50,836,2015-16,58.8,café £5\n", "utf-8-bom", "café £5"},
		// Excel on Windows: £ is 0xA3, é 0xE9, – (en dash) 0x96, € 0x80.
		{"windows-1252", "indicator,area,period,value,note\nNI50,836,2015-16,58.8,\xA35 per caf\xE9 visit \x96 \x80\n", "windows-1252", "£5 per café visit – €"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab := mustParse(t, tc.data)
			if tab.Encoding != tc.encoding {
				t.Errorf("Encoding = %q, want %q", tab.Encoding, tc.encoding)
			}
			if tab.Format.Name != "simple_return" {
				t.Errorf("Format = %s, want simple_return", tab.Format.Name)
			}
			if tab.Columns[0].Name != "indicator" {
				t.Errorf("first column = %q, want indicator (no BOM)", tab.Columns[0].Name)
			}
			if got := cell(t, tab, 0, "note").Text; got != tc.note {
				t.Errorf("note = %q, want %q", got, tc.note)
			}
			if v := cell(t, tab, 0, "value"); !v.Valid || v.Number != 58.8 {
				t.Errorf("value = %+v, want 58.8", v)
			}
		})
	}
}

func TestParseCRLFAndBlankRows(t *testing.T) {
	data := "indicator,area,period,value,note\r\n" +
		"NI50,836,2015-16,58.8,plain\r\n" +
		"\r\n" +
		"NI50,837,2015-16,\"1,234\",\"two\r\nlines\"\r\n" +
		",,,,\r\n" + // Excel leaves rows of empty cells behind
		" , , , , \r\n"
	tab := mustParse(t, data)
	if tab.Rows() != 2 {
		t.Fatalf("Rows = %d, want 2", tab.Rows())
	}
	if got := cell(t, tab, 0, "note").Text; got != "plain" {
		t.Errorf("note = %q, want %q (no trailing CR)", got, "plain")
	}
	if got := cell(t, tab, 1, "note").Text; got != "two\nlines" {
		t.Errorf("note = %q, want %q", got, "two\nlines")
	}
	if v := cell(t, tab, 1, "value"); !v.Valid || v.Number != 1234 {
		t.Errorf("value = %+v, want 1234", v)
	}
	if tab.Line(0) != 2 || tab.Line(1) != 4 {
		t.Errorf("lines = %d, %d, want 2, 4", tab.Line(0), tab.Line(1))
	}
	if len(tab.Warnings) != 0 {
		t.Errorf("warnings = %v, want none", tab.Warnings)
	}
}

func TestParseMarkers(t *testing.T) {
	markers := []string{"c", "x", "z", "low", "k", "u", ":", "..", "-", "*", "C", "LOW", "."}
	// Periods differ (calendar years 2001...) so that no row duplicates another; the first three
	// numerators are suppressed too.
	var b strings.Builder
	b.WriteString("indicator,area,period,value,numerator,denominator\n")
	for i, m := range markers {
		num := "5"
		if i < 3 {
			num = "c"
		}
		fmt.Fprintf(&b, "NI50,836,%d,%s,%s,10\n", 2001+i, m, num)
	}
	tab := mustParse(t, b.String())
	if tab.Rows() != len(markers) {
		t.Fatalf("Rows = %d, want %d", tab.Rows(), len(markers))
	}
	val := column(t, tab, "value")
	if val.Type != datasets.Number {
		t.Errorf("value type = %s, want number", val.Type)
	}
	if val.Markers != len(markers) {
		t.Errorf("value Markers = %d, want %d", val.Markers, len(markers))
	}
	if n := column(t, tab, "numerator").Markers; n != 3 {
		t.Errorf("numerator Markers = %d, want 3", n)
	}
	if n := column(t, tab, "denominator").Markers; n != 0 {
		t.Errorf("denominator Markers = %d, want 0", n)
	}
	for i, m := range markers {
		c := cell(t, tab, i, "value")
		if c.Valid || c.Number != 0 {
			t.Errorf("row %d (%q): stored as number %v, want missing", i, m, c.Number)
		}
		if c.Marker != strings.ToLower(m) {
			t.Errorf("row %d: marker %q, want %q", i, c.Marker, strings.ToLower(m))
		}
	}
	if c := cell(t, tab, 3, "numerator"); !c.Valid || c.Number != 5 || c.Marker != "" {
		t.Errorf("numerator row 3 = %+v, want 5 without marker", c)
	}
}

func TestParseNumbers(t *testing.T) {
	tests := []struct {
		text string
		want float64
	}{
		{`"1,234"`, 1234},
		{"12.5%", 12.5},
		{`"1,234,567.5"`, 1234567.5},
		{" 42 ", 42},
		{"-3", -3},
		{"0", 0},
		{"0.25", 0.25},
		{`"-1,000"`, -1000},
		{"7 %", 7},
	}
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for i, tc := range tests {
		b.WriteString("RATE1,836," + strconv.Itoa(2001+i) + "," + tc.text + "\n")
	}
	tab := mustParse(t, b.String())
	for i, tc := range tests {
		c := cell(t, tab, i, "value")
		if !c.Valid || c.Number != tc.want || c.Marker != "" {
			t.Errorf("%s: got %+v, want %v", tc.text, c, tc.want)
		}
	}
	if m := column(t, tab, "value").Markers; m != 0 {
		t.Errorf("Markers = %d, want 0", m)
	}
}

func TestParseAreasAndLevels(t *testing.T) {
	data := "indicator,area,period,value\n" +
		"NI50,836,2015-16,58.8\n" +
		"NI50,SN:836,2015-16,83.8\n" +
		"NI51,sn: Poole,2015-16,83.8\n" +
		"NI50,South West,2015-16,86.5\n" +
		"NI50,England,2015-16,87.0\n" +
		"NI50,Bournemouth Christchurch & Poole,2019-20,70\n" +
		"NI50,Inner London,2015-16,70\n"
	tab := mustParse(t, data)
	want := []struct{ code, level, period string }{
		{"E06000029", datasets.LevelLA, "2015-16"},
		{"E06000029", datasets.LevelSNAverage, "2015-16"},
		{"E06000029", datasets.LevelSNAverage, "2015-16"},
		{"E12000009", datasets.LevelRegion, "2015-16"},
		{"E92000001", datasets.LevelEngland, "2015-16"},
		{"E06000058", datasets.LevelLA, "2019-20"},
		{"E13000001", datasets.LevelSubRegion, "2015-16"},
	}
	if tab.Rows() != len(want) {
		t.Fatalf("Rows = %d, want %d", tab.Rows(), len(want))
	}
	for i, w := range want {
		code, level := tab.Area(i)
		if code != w.code || level != w.level || tab.Period(i).String() != w.period {
			t.Errorf("row %d: %s %s %s, want %s %s %s", i, code, level, tab.Period(i), w.code, w.level, w.period)
		}
		if tab.Line(i) != i+2 {
			t.Errorf("row %d: line %d, want %d", i, tab.Line(i), i+2)
		}
	}
}

// An SN: row and the area's own row for the same indicator and period are different keys.
func TestParseSNRowIsNotDuplicate(t *testing.T) {
	tab := mustParse(t, "indicator,area,period,value\nNI50,836,2015-16,58.8\nNI50,SN:836,2015-16,83.8\n")
	if tab.Rows() != 2 {
		t.Errorf("Rows = %d, want 2", tab.Rows())
	}
}

func TestParseNilAreasUsesDefault(t *testing.T) {
	tab, err := datasets.Parse([]byte("indicator,area,period,value\nNI50,836,2015-16,58.8\n"), datasets.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := tab.Area(0); code != "E06000029" {
		t.Errorf("area = %q, want E06000029", code)
	}
}

func TestParseLAITYearsZero(t *testing.T) {
	data := "measure_short,years,la_number,area_name,value\n" +
		"RTA,2014-16,301,Barking and Dagenham,12.13\n" +
		"CINPermExclusion,0,301,Barking and Dagenham,-\n" +
		"RTA,2014-16,970,England,10\n" +
		"CINPermExclusion,0,302,Barnet,-\n"
	tab := mustParse(t, data)
	if tab.Format.Name != "lait_long" {
		t.Fatalf("format = %s", tab.Format.Name)
	}
	if tab.Rows() != 2 {
		t.Fatalf("Rows = %d, want 2", tab.Rows())
	}
	want := []string{"2 row(s) left out: years is 0, an artefact of LAIT's data set (not a period)"}
	if !slices.Equal(tab.Warnings, want) {
		t.Errorf("Warnings = %q, want %q", tab.Warnings, want)
	}
	if code, level := tab.Area(0); code != "E09000002" || level != datasets.LevelLA {
		t.Errorf("row 0 area %s %s", code, level)
	}
	if code, level := tab.Area(1); code != "E92000001" || level != datasets.LevelEngland {
		t.Errorf("row 1 area %s %s", code, level)
	}
	if p := tab.Period(0).String(); p != "2014-16" {
		t.Errorf("period = %s, want 2014-16", p)
	}
	if tab.Line(1) != 4 {
		t.Errorf("line = %d, want 4", tab.Line(1))
	}
	if c := column(t, tab, "la_number"); c.Type != datasets.Text {
		t.Errorf("la_number type = %s, want text", c.Type)
	}
	if v := cell(t, tab, 0, "value"); !v.Valid || v.Number != 12.13 {
		t.Errorf("value = %+v", v)
	}
}

func TestParseFingertips(t *testing.T) {
	head := "Indicator ID,Area Code,Area Name,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Count,Denominator\n"
	data := head +
		"90284,E10000008,Devon,2010/11,101.57,95.81,107.58,1162,114406\n" +
		"90284,E12000009,South West region (statistical),2010/11,110,-1,-1,,\n" +
		"90284,E07000001,A district,2010/11,90,80,100,10,100\n"
	tab := mustParse(t, data)
	if tab.Format.Name != "fingertips" {
		t.Fatalf("format = %s", tab.Format.Name)
	}
	wantArea := [][2]string{{"E10000008", datasets.LevelLA}, {"E12000009", datasets.LevelRegion}, {"", datasets.LevelOther}}
	for i, w := range wantArea {
		if code, level := tab.Area(i); code != w[0] || level != w[1] {
			t.Errorf("row %d: %q %q, want %q %q", i, code, level, w[0], w[1])
		}
	}
	if p := tab.Period(0); p.String() != "2010-11" {
		t.Errorf("period = %s, want financial year 2010-11", p)
	}
	if c := cell(t, tab, 1, "Lower CI 95.0 limit"); c.Valid || c.Marker != "-1" {
		t.Errorf("-1 confidence limit = %+v, want missing with marker -1", c)
	}
	if n := column(t, tab, "Upper CI 95.0 limit").Markers; n != 1 {
		t.Errorf("Upper CI markers = %d, want 1", n)
	}
	if c := column(t, tab, "Indicator ID"); c.Type != datasets.Text {
		t.Errorf("Indicator ID type = %s, want text", c.Type)
	}
	if c := cell(t, tab, 0, "Count"); !c.Valid || c.Number != 1162 {
		t.Errorf("Count = %+v", c)
	}
}

func TestParseEES(t *testing.T) {
	data := "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name,referral_count,rereferral_percent\n" +
		"201617,Financial year,National,E92000001,England,,,,,,632830,22.6\n" +
		"201617,Financial year,Regional,E92000001,England,E12000009,South West,,,,40000,c\n" +
		"201617,Financial year,Local authority,E92000001,England,E12000009,South West,836,,Poole,900,x\n" +
		"201617,Financial year,Local authority,E92000001,England,E12000001,North East,840,E06000047,County Durham,\"1,200\",20\n" +
		"201617,Financial year,Local authority district,E92000001,England,,,,,Somewhere,5,1\n"
	tab := mustParse(t, data)
	if tab.Format.Name != "ees_tidy" {
		t.Fatalf("format = %s", tab.Format.Name)
	}
	want := [][2]string{
		{"E92000001", datasets.LevelEngland}, {"E12000009", datasets.LevelRegion},
		{"E06000029", datasets.LevelLA}, {"E06000047", datasets.LevelLA}, {"", datasets.LevelOther},
	}
	for i, w := range want {
		if code, level := tab.Area(i); code != w[0] || level != w[1] {
			t.Errorf("row %d: %q %q, want %q %q", i, code, level, w[0], w[1])
		}
		if p := tab.Period(i).String(); p != "2016-17" {
			t.Errorf("row %d: period %s, want 2016-17", i, p)
		}
	}
	if c := column(t, tab, "old_la_code"); c.Type != datasets.Text {
		t.Errorf("old_la_code type = %s, want text", c.Type)
	}
	rp := column(t, tab, "rereferral_percent")
	if rp.Type != datasets.Number || rp.Markers != 2 {
		t.Errorf("rereferral_percent = %+v, want number with 2 markers", rp)
	}
	if c := cell(t, tab, 3, "referral_count"); !c.Valid || c.Number != 1200 {
		t.Errorf("referral_count = %+v, want 1200", c)
	}
	if c := column(t, tab, "la_name"); c.Type != datasets.Text {
		t.Errorf("la_name type = %s", c.Type)
	}
}

// The files shipped with the product must load.
func TestParseShippedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("large files")
	}
	files := map[string]string{
		"ees_b1_children_in_need_2013_to_2025.csv":                           "ees_tidy",
		"ees_c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv": "ees_tidy",
		"ees_cla_number_and_rate_per_10k_children.csv":                       "ees_tidy",
		"ees_d3_cpps_subsequent_plan_2013_to_2025.csv":                       "ees_tidy",
		"ees_la_conviction_health_outcome_cla.csv":                           "ees_tidy",
		"exclusions_la_region_national_200607_to_201617.csv":                 "dfe_legacy_la",
		"fingertips_90284_injury_admissions_0_14_england_region_utla.csv":    "fingertips",
		"lait_bds_long_childrens_services.csv":                               "lait_long",
	}
	reg := areas.Default()
	for name, format := range files {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("shipped", name))
			if err != nil {
				t.Fatal(err)
			}
			tab, err := datasets.Parse(data, datasets.ParseOptions{Areas: reg})
			if err != nil {
				t.Fatal(err)
			}
			if tab.Format.Name != format {
				t.Errorf("format = %s, want %s", tab.Format.Name, format)
			}
			lines := strings.Count(string(data), "\n")
			if tab.Rows() < lines/2 || tab.Rows() > lines {
				t.Errorf("Rows = %d for %d lines", tab.Rows(), lines)
			}
		})
	}
}

func TestParseErrorIsInvalidNotInternal(t *testing.T) {
	_, err := datasets.Parse(nil, datasets.ParseOptions{})
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Invalid {
		t.Fatalf("Parse(nil) = %v, want an Invalid *errs.Error", err)
	}
}
