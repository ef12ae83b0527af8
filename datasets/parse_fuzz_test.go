package datasets_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// FuzzParse feeds the loader arbitrary bytes. Whatever comes in, Parse returns exactly one of a
// table or an *errs.Error of code Invalid; an error says nothing was stored and lists at least
// one problem (at most errs.MaxDetails, Total counting all), each on a line of the file (0 for
// the whole file) and quoting at most MaxValueQuote bytes; a table has rows in file order after
// the header, numbers that are finite, markers that are known, and areas and periods where the
// format requires them.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"../testdata/bad", "../testdata/returns"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		"indicator,area,period,value,numerator,denominator,note\nNI50,836,2015-16,58.8,588,1000,x\nNI50,SN:836,2015-16,c,,,\n",
		"measure_short,years,la_number,value\nm,2016,836,1.5\nm,0,836,2\n",
		"time_period,time_identifier,geographic_level,country_code,region_code,new_la_code,old_la_code,v\n201617,Academic year,National,E92000001,,,,1\n",
		"Indicator ID,Area Code,Time period,Value,Lower CI 95.0 limit\n1,E06000029,2010/11,5,-1\n",
		"year,level,la_name,v\n201617,National,,1\n201617,Local authority,NULL,.\n",
		"indicator,area,period,target,tolerance\nNI50,836,2016-17,60,2\n",
	} {
		f.Add([]byte(s))
	}
	reg := areas.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := datasets.Parse(data, datasets.ParseOptions{Areas: reg, Catalog: testCatalog})
		// A file whose first line ends with CR alone has CR line endings: at most every CR and
		// every LF ends a line.
		lines := 1 + bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'})
		// However the upload arrives, the outcome is the same.
		if got, want := outcome(datasets.ParseReader(iotest.OneByteReader(bytes.NewReader(data)), datasets.ParseOptions{Areas: reg, Catalog: testCatalog})), outcome(tab, err); got != want {
			t.Fatalf("read a byte at a time:\n%s\nwhole:\n%s", got, want)
		}
		if (tab == nil) == (err == nil) {
			t.Fatalf("Parse returned table %v and error %v", tab != nil, err)
		}
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid {
				t.Fatalf("error %v (%T, code %s) is not an Invalid *errs.Error", err, err, errs.CodeOf(err))
			}
			if !strings.Contains(e.Message, "nothing was stored") {
				t.Fatalf("message %q does not say nothing was stored", e.Message)
			}
			if len(e.Details) == 0 || len(e.Details) > errs.MaxDetails || e.Total < len(e.Details) {
				t.Fatalf("%d details, total %d", len(e.Details), e.Total)
			}
			for _, d := range e.Details {
				if d.Row < 0 || d.Row > lines || d.Reason == "" || len(d.Value) > datasets.MaxValueQuote+len("…") {
					t.Fatalf("problem %+v outside the file's %d lines, without a reason or quoting too much", d, lines)
				}
			}
			return
		}
		if tab.Rows() == 0 || len(tab.Columns) == 0 || tab.Format == nil {
			t.Fatalf("accepted a table of %d rows, %d columns", tab.Rows(), len(tab.Columns))
		}
		prev := 1
		for i := range tab.Rows() {
			if l := tab.Line(i); l <= prev || l > lines {
				t.Fatalf("row %d on line %d after line %d (file has %d lines)", i, l, prev, lines)
			} else {
				prev = l
			}
			code, level := tab.Area(i)
			if level != datasets.LevelOther && code == "" {
				t.Fatalf("row %d: level %q without an area", i, level)
			}
			if tab.Format.Name != "ees_tidy" && tab.Format.Name != "fingertips" && tab.Period(i).IsZero() {
				t.Fatalf("row %d of a %s file has no period", i, tab.Format.Name)
			}
			for _, c := range tab.Columns {
				cl, _ := tab.Cell(i, c.Name)
				if c.Type != datasets.Number {
					continue
				}
				if cl.Valid && (math.IsNaN(cl.Number) || math.IsInf(cl.Number, 0)) {
					t.Fatalf("row %d %s = %v", i, c.Name, cl.Number)
				}
				if cl.Marker != "" && (cl.Valid || (datasets.Markers[cl.Marker] == "" && cl.Marker != "-1")) {
					t.Fatalf("row %d %s: marker %q with valid=%v", i, c.Name, cl.Marker, cl.Valid)
				}
			}
		}
	})
}
