package datasets_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// rejection parses data and returns its Invalid error's details, failing the test if the file
// is accepted or refused otherwise.
func rejection(t *testing.T, data string, opt datasets.ParseOptions) *errs.Error {
	t.Helper()
	tab, err := datasets.Parse([]byte(data), opt)
	if err == nil {
		t.Fatalf("accepted (%d rows), want a rejection", tab.Rows())
	}
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("error %v, want an Invalid *errs.Error", err)
	}
	return e
}

// wantOnly checks that e lists exactly one problem with this row and column, whose reason
// contains reason.
func wantOnly(t *testing.T, e *errs.Error, row int, column, reason string) {
	t.Helper()
	if e.Total != 1 || len(e.Details) != 1 {
		t.Fatalf("%d problems, want 1: %s", e.Total, detailList(e.Details))
	}
	if d := e.Details[0]; d.Row != row || d.Column != column || !strings.Contains(d.Reason, reason) {
		t.Errorf("problem %s, want row %d, column %q, reason ~%q", d, row, column, reason)
	}
}

func header(n int) string {
	cols := make([]string, n)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i+1)
	}
	cols[0], cols[1], cols[2], cols[3] = "indicator", "area", "period", "value"
	return strings.Join(cols, ",")
}

// TestFinding2ColumnsLinesAndCellsAreLimitedWhileStreaming: a header or row with too many
// columns and a row too long are refused with their row, column and the limit, before the row
// is buffered whole.
func TestFinding2ColumnsLinesAndCellsAreLimitedWhileStreaming(t *testing.T) {
	row := func(n int) string { return "NI50,836,2015-16,1" + strings.Repeat(",x", n-4) }
	for _, tc := range []struct {
		name, data string
		opt        datasets.ParseOptions
		row        int
		column     string
		reason     string
	}{
		{"20,000-column header", header(20000) + "\n" + row(20000) + "\n", datasets.ParseOptions{},
			1, "column 501", "the header has 20,000 columns; at most 500 are accepted"},
		{"wide data row", header(8) + "\nNI50,836,2015-16,1,a,b,c,d\n" + row(600) + "\n", datasets.ParseOptions{},
			3, "column 501", "the row has 600 columns; at most 500 are accepted"},
		{"MaxColumns", header(12) + "\n" + row(12) + "\n", datasets.ParseOptions{MaxColumns: 10},
			1, "column 11", "the header has 12 columns; at most 10 are accepted"},
		{"quoted commas are not columns", header(5) + "\n" + `NI50,836,2015-16,1,"` + strings.Repeat(",", 20) + `"` + "\n" + row(30) + "\n", datasets.ParseOptions{MaxColumns: 10},
			3, "column 11", "the row has 30 columns; at most 10 are accepted"},
		{"long line", "indicator,area,period,value,note\nNI50,836,2015-16,1," + strings.Repeat("a ", 60) + "\n", datasets.ParseOptions{MaxLineBytes: 100},
			2, "note", "the line is longer than 100 bytes; at most 100 bytes are accepted in one row"},
		{"long row across quoted lines", "indicator,area,period,value,note\nNI50,836,2015-16,1,\"" + strings.Repeat("line\n", 30) + "\"\n", datasets.ParseOptions{MaxLineBytes: 100},
			2, "note", "the line is longer than 100 bytes"},
		{"long header", "indicator,area,period,value," + strings.Repeat("n", 200) + "\nNI50,836,2015-16,1,x\n", datasets.ParseOptions{MaxLineBytes: 100},
			1, "column 5", "the line is longer than 100 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantOnly(t, rejection(t, tc.data, tc.opt), tc.row, tc.column, tc.reason)
		})
	}
}

// TestFinding2MillionColumnsCostLittle: a header of a million columns is refused having
// allocated a few buffers, not the header (the finding: 19 GB resident).
func TestFinding2MillionColumnsCostLittle(t *testing.T) {
	data := []byte(header(1_000_000) + "\n")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := datasets.Parse(data, datasets.ParseOptions{})
	runtime.ReadMemStats(&after)
	e, ok := errs.As(err)
	if !ok || len(e.Details) != 1 || !strings.Contains(e.Details[0].Reason, "the header has 1,000,000 columns; at most 500 are accepted") {
		t.Fatalf("error %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("refusing a %d-byte header allocated %d bytes", len(data), alloc)
	}
}

// TestFinding2LimitsThroughTheService: the Service's limit fields reach the parser, and a refused
// file is recorded with its whole size and hash.
func TestFinding2LimitsThroughTheService(t *testing.T) {
	svc := newService(t)
	svc.MaxColumns = 6
	data := header(7) + "\n" + "NI50,836,2015-16,1,a,b,c\n" + strings.Repeat("NI50,836,2016-17,2,a,b,c\n", 5000)
	rev, err := svc.Load(context.Background(), "wide", strings.NewReader(data), datasets.Upload{FileName: "wide.csv", By: "t"})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || rev == nil {
		t.Fatalf("Load = %v, %v", rev, err)
	}
	sum := sha256.Sum256([]byte(data))
	if rev.Status != datasets.Rejected || rev.Bytes != int64(len(data)) || rev.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("revision %+v, want rejected with %d bytes", rev, len(data))
	}
	if len(rev.Errors) != 1 || rev.Errors[0].Reason != "the header has 7 columns; at most 6 are accepted" {
		t.Errorf("errors %+v", rev.Errors)
	}
}

// TestFinding3StreamingReadsAnyChunking: the streaming decoder gives the same outcome however
// the upload arrives (one byte at a time, in halves), for every corpus file and encoding: UTF-8
// characters and Windows-1252 bytes cut across reads, byte-order marks, classic Mac endings.
func TestFinding3StreamingReadsAnyChunking(t *testing.T) {
	for _, tc := range loadCorpus(t) {
		if tc.Generate != "" {
			continue
		}
		t.Run(tc.Name(), func(t *testing.T) {
			data, err := tc.Data(badDir)
			if err != nil {
				t.Fatal(err)
			}
			opt := datasets.ParseOptions{Catalog: testCatalog}
			want := outcome(datasets.Parse(data, opt))
			for name, r := range map[string]io.Reader{
				"one byte": iotest.OneByteReader(bytes.NewReader(data)),
				"halves":   iotest.HalfReader(bytes.NewReader(data)),
			} {
				if got := outcome(datasets.ParseReader(r, opt)); got != want {
					t.Errorf("%s at a time:\n%s\nwant\n%s", name, got, want)
				}
			}
		})
	}
}

// outcome describes a parse's result: every cell of an accepted table, or the problems.
func outcome(tab *datasets.Table, err error) string {
	var b strings.Builder
	if err != nil {
		e, _ := errs.As(err)
		fmt.Fprintf(&b, "error %v\n%s", err, detailList(e.Details))
		return b.String()
	}
	fmt.Fprintf(&b, "%s %s %v %v\n", tab.Format.Name, tab.Encoding, tab.Columns, tab.Warnings)
	for i := range tab.Rows() {
		code, level := tab.Area(i)
		fmt.Fprintf(&b, "%d %s %s %s", tab.Line(i), code, level, tab.Period(i))
		for _, c := range tab.Columns {
			cell, _ := tab.Cell(i, c.Name)
			fmt.Fprintf(&b, " %+v", cell)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestFinding3TableIsCompact: a parsed table costs about its file's size (it used to cost
// several times more: every record as strings, then a struct per cell). This file's rows are
// short and half numbers ("12.3" is 4 bytes of file, 9 of table), its worst case.
func TestFinding3TableIsCompact(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("indicator,area,period,value,numerator,denominator,note\n")
	las := areas.Default().LocalAuthorities()
	for i := 0; buf.Len() < 8<<20; i++ {
		fmt.Fprintf(&buf, "IND%02d,%s,%04d-%02d,%d.%d,%d,500,synthetic row\n", i%31, las[i%len(las)].Code, 2000+i/(31*len(las))/12, i/(31*len(las))%12+1, i%100, i%10, i%400)
	}
	data := buf.Bytes()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tab, err := datasets.ParseReader(bytes.NewReader(data), datasets.ParseOptions{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d rows, %d bytes of file: the table holds %d bytes (%.2f a byte of file)", tab.Rows(), len(data), held, float64(held)/float64(len(data)))
	if held > int64(len(data))*3/2 {
		t.Errorf("the table of a %d-byte file holds %d bytes", len(data), held)
	}
	runtime.KeepAlive(tab)
	runtime.KeepAlive(data)
	if c, _ := tab.Cell(tab.Rows()-1, "value"); !c.Valid {
		t.Errorf("last value %+v", c)
	}
}

// blockingReader sends its data once released.
type blockingReader struct {
	release chan struct{}
	r       io.Reader
}

func (b *blockingReader) Read(p []byte) (int, error) {
	<-b.release
	return b.r.Read(p)
}

// TestFinding3BusyUploadStoresNothing: with every parse slot taken, an upload waits BusyWait and
// is refused with errs.Busy, storing nothing; once a slot is free uploads go through.
func TestFinding3BusyUploadStoresNothing(t *testing.T) {
	svc := newService(t)
	svc.MaxConcurrentParses = 1
	svc.BusyWait = 100 * time.Millisecond
	ctx := context.Background()
	slow := &blockingReader{release: make(chan struct{}), r: strings.NewReader("indicator,area,period,value\nNI50,836,2015-16,58.8\n")}
	done := make(chan error)
	go func() {
		_, err := svc.Load(ctx, "slow", slow, datasets.Upload{FileName: "slow.csv", By: "t"})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // the slow upload takes the slot
	start := time.Now()
	_, err := svc.Load(ctx, "busy", strings.NewReader("indicator,area,period,value\nNI50,836,2015-16,58.8\n"), datasets.Upload{FileName: "busy.csv", By: "t"})
	waited := time.Since(start)
	if e, ok := errs.As(err); !ok || e.Code != errs.Busy || !strings.Contains(e.Message, "the service is busy; try again shortly") {
		t.Fatalf("Load with the slot taken = %v, want errs.Busy", err)
	}
	if waited < 100*time.Millisecond || waited > 2*time.Second {
		t.Errorf("refused after %v, want after BusyWait (100ms)", waited)
	}
	if _, err := svc.Revisions(ctx, "busy"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a busy refusal recorded a revision: %v", err)
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatalf("the slow upload: %v", err)
	}
	if _, err := svc.Load(ctx, "busy", strings.NewReader("indicator,area,period,value\nNI50,836,2015-16,58.8\n"), datasets.Upload{FileName: "busy.csv", By: "t"}); err != nil {
		t.Errorf("Load once the slot is free: %v", err)
	}
}

// TestFinding10NumbersOutOfRangeAreRefused: a numeric cell must be finite and within
// MaxMagnitude, in a declared numeric column or any other.
func TestFinding10NumbersOutOfRangeAreRefused(t *testing.T) {
	for _, tc := range []struct {
		value  string
		reason string // "" = accepted
	}{
		{"1.7976931348623157e308", "the number 1.7976931348623157e308 is out of range: no figure in this product is more than 1e+12 in magnitude"},
		{"-2e12", "is out of range"},
		{"1e400", "the number is too large to store"},
		{"1000000000000", ""},
		{"-999999999999.5", ""},
		{"1e-300", ""},
	} {
		t.Run(tc.value, func(t *testing.T) {
			data := "indicator,area,period,value\nNI50,836,2015-16," + tc.value + "\n"
			if tc.reason == "" {
				tab := mustParse(t, data)
				if c, _ := tab.Cell(0, "value"); !c.Valid {
					t.Errorf("value %+v", c)
				}
				return
			}
			wantOnly(t, rejection(t, data, datasets.ParseOptions{}), 2, "value", tc.reason)
		})
	}
	// In a column no format declares numeric, an overflow is refused too, not kept as text.
	data := "time_period,time_identifier,geographic_level,country_code,rate\n201617,Academic year,National,E92000001,1e300\n"
	wantOnly(t, rejection(t, data, datasets.ParseOptions{}), 2, "rate", "is out of range")
}

// TestFinding12PeriodsNotBegunAreRefusedForValues: a value row's period must have begun by the
// clock's today; targets may lie in the future.
func TestFinding12PeriodsNotBegunAreRefusedForValues(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	opt := datasets.ParseOptions{Now: now}
	for _, tc := range []struct {
		data   string
		column string
		reason string // "" = accepted
	}{
		{"indicator,area,period,value\nNI50,836,2030-31,1\n", "period", "the period 2030-31 has not begun yet (it starts 1 April 2030)"},
		{"indicator,area,period,value\nNI50,836,2099-00 Q1,1\n", "period", "the period 2099-00 Q1 has not begun yet (it starts 1 April 2099)"},
		{"indicator,area,period,value\nNI50,836,2026-27 Q4,1\n", "period", "has not begun yet (it starts 1 January 2027)"},
		{"indicator,area,period,value\nNI50,836,2026-12,1\n", "period", "has not begun yet (it starts 1 December 2026)"},
		{"indicator,area,period,value\nNI50,836,2026-27,1\n", "", ""},
		{"indicator,area,period,value\nNI50,836,2026-11,1\n", "", ""},
		{"measure_short,years,la_number,value\nCLA,2027,836,1\n", "years", "has not begun yet"},
		{"time_period,time_identifier,geographic_level,country_code,rate\n202728,Academic year,National,E92000001,1\n", "time_period", "has not begun yet (it starts 1 September 2027)"},
	} {
		t.Run(strings.SplitN(tc.data, "\n", 3)[1], func(t *testing.T) {
			if tc.reason == "" {
				if _, err := datasets.Parse([]byte(tc.data), opt); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantOnly(t, rejection(t, tc.data, opt), 2, tc.column, tc.reason)
		})
	}
	// Targets for later periods are accepted, through the service's clock.
	svc := newService(t)
	rev, err := svc.Load(context.Background(), datasets.TargetsDataset, strings.NewReader("indicator,area,period,target,tolerance\nNI50,836,2030-31,60,2\n"),
		datasets.Upload{FileName: "targets.csv", By: "t"})
	if err != nil || rev.Rows != 1 {
		t.Fatalf("future targets: %v, %v", rev, err)
	}
	// And the service's clock decides for values.
	_, err = svc.Load(context.Background(), "future", strings.NewReader("indicator,area,period,value\nNI50,836,2030-31,60\n"), datasets.Upload{FileName: "f.csv", By: "t"})
	if e, ok := errs.As(err); !ok || len(e.Details) != 1 || !strings.Contains(e.Details[0].Reason, "has not begun yet") {
		t.Errorf("future values through the service: %v", err)
	}
}

// TestFinding15FormulaAndMarkupHeadersAreRefused: header names that a spreadsheet would run or a
// browser could render are refused; ordinary published headers are kept, and a bare cell
// reference after a sign counts as a formula in a text cell.
func TestFinding15FormulaAndMarkupHeadersAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data, column, reason string
	}{
		{"formula", `indicator,area,period,value,"=HYPERLINK(""http://evil.example"",""x"")"` + "\nNI50,836,2015-16,1,a\n", "column 5", "the column name looks like a spreadsheet formula (starts with =)"},
		{"signed reference", "indicator,area,period,value,+A1\nNI50,836,2015-16,1,a\n", "column 5", "looks like a spreadsheet formula (starts with +)"},
		{"markup", "indicator,area,period,value,<script>alert(1)</script>\nNI50,836,2015-16,1,a\n", "column 5", "the column name contains < or >"},
		{"control character", "indicator,area,period,value,\"a\nb\"\nNI50,836,2015-16,1,a\n", "column 5", "the column name contains a control character"},
		{"cell reference in a note", "indicator,area,period,value,note\nNI50,836,2015-16,1,+A1\n", "note", "looks like a spreadsheet formula (starts with +)"},
		{"range in a note", "indicator,area,period,value,note\nNI50,836,2015-16,1,-$B$2:C3\n", "note", "looks like a spreadsheet formula (starts with -)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := 1
			if !strings.HasPrefix(tc.column, "column") {
				row = 2
			}
			wantOnly(t, rejection(t, tc.data, datasets.ParseOptions{}), row, tc.column, tc.reason)
		})
	}
	tab := mustParse(t, "indicator,area,period,value,Lower CI 95.0 limit (%),Compared to England value or percentiles,note\n"+
		"NI50,836,2015-16,1,2,Similar,+44 20 7946 0000\nNI51,836,2015-16,1,2,Better,@ home visits\n")
	if tab.Rows() != 2 {
		t.Errorf("%d rows", tab.Rows())
	}
}

// TestFinding15ShippedFilesStillLoad: every shipped file parses with the new header rules.
func TestFinding15ShippedFilesStillLoad(t *testing.T) {
	files, err := filepath.Glob("shipped/*.csv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := datasets.Parse(data, datasets.ParseOptions{Now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if tab.Rows() == 0 {
			t.Errorf("%s: no rows", f)
		}
	}
}

// TestFinding16CellsAreLimited: one cell may hold at most MaxCellBytes; the reason says the
// size and the limit. A cell far over it is refused while streaming, quoted or not.
func TestFinding16CellsAreLimited(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		opt        datasets.ParseOptions
		reason     string
	}{
		{"40,000-byte note", "indicator,area,period,value,note\nNI50,836,2015-16,1," + strings.Repeat("n", 40000) + "\n", datasets.ParseOptions{},
			"the cell holds 40,000 bytes; at most 32 KiB are accepted in one cell"},
		{"quoted, with quotes inside", "indicator,area,period,value,note\nNI50,836,2015-16,1,\"" + strings.Repeat(`""a`, 10000) + "\"\n", datasets.ParseOptions{MaxCellBytes: 19999},
			"the cell holds 20,000 bytes; at most 19999 bytes are accepted in one cell"},
		{"5 MB note over many lines", "indicator,area,period,value,note\nNI50,836,2015-16,1,\"" + strings.Repeat("a line of a long note\n", 5<<20/22) + "\"\n", datasets.ParseOptions{MaxLineBytes: 1 << 30},
			"the cell is longer than 32 KiB; at most 32 KiB are accepted in one cell"},
		{"MaxCellBytes", "indicator,area,period,value,note\nNI50,836,2015-16,1,eleven byte\n", datasets.ParseOptions{MaxCellBytes: 10},
			"the cell holds 11 bytes; at most 10 bytes are accepted in one cell"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := rejection(t, tc.data, tc.opt)
			wantOnly(t, e, 2, "note", tc.reason)
			if v := e.Details[0].Value; len(v) > datasets.MaxValueQuote+len("…") {
				t.Errorf("quoted %d bytes of the cell", len(v))
			}
		})
	}
}
