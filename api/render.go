package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/store"
)

// ---- CSV ----

// plainNumber is a text cell that a spreadsheet reads as a number, never as a formula
// ("-3.2" as a display value): it is left alone by the formula guard.
var plainNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// neutralise guards a text cell against spreadsheet formula injection (OWASP's CSV injection
// advice): a cell starting with = + - @, a tab or a carriage return gets a leading apostrophe,
// so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it. Numeric
// columns are never text cells, so genuine negative numbers stay numbers; a text cell that is a
// plain number ("-3.2" as a display value) or the lone "-" of a suppression marker cannot be a
// formula and is left as published.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		// Only these can start a formula, so only these are matched against plainNumber.
		if s == "-" || plainNumber.MatchString(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// csvCell formats one cell: numbers without exponent (at decimals places when decimals >= 0,
// else plainFloat), dates ISO 8601, timestamps RFC 3339 in UTC, missing cells empty.
func csvCell(k kind, v any, decimals int) string {
	if v == nil {
		return ""
	}
	switch k {
	case kText:
		return neutralise(v.(string))
	case kNumber:
		return formatNumber(v.(float64), decimals)
	case kInteger:
		return strconv.FormatInt(v.(int64), 10)
	case kBoolean:
		return strconv.FormatBool(v.(bool))
	case kDate:
		return v.(time.Time).Format(time.DateOnly)
	case kTimestamp:
		return v.(time.Time).UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// formatNumber writes v at decimals places (an indicator's precision: 129.30000000000007 at 1
// is "129.3"), or, when decimals < 0, as plainFloat does; never "-0".
func formatNumber(v float64, decimals int) string {
	var out string
	if decimals >= 0 {
		out = strconv.FormatFloat(v, 'f', min(decimals, maxDecimals), 64)
	} else {
		out = strconv.FormatFloat(plainFloat(v), 'f', -1, 64)
	}
	if strings.HasPrefix(out, "-") && strings.Trim(out, "-0.") == "" {
		out = out[1:]
	}
	return out
}

// plainFloat is v without the noise of binary floating point: v rounded to 10 decimal places
// and to 12 significant digits (a float64 holds 15 for certain, and arithmetic on it, such as a
// percentage of a change, loses a few more), so 129.30000000000007 is 129.3, 0.1+0.2 is 0.3,
// 5.078125000000009 is 5.078125 and the -1.3e-14 left by subtracting two equal values is 0.
// Counts and percentages never need more.
func plainFloat(v float64) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 10, 64), 64)
	if err != nil {
		return v
	}
	if f, err = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 12, 64), 64); err != nil {
		return v
	}
	return f
}

// roundedNumber is v as CSV writes it, as a number (for Excel cells).
func roundedNumber(v float64, decimals int) float64 {
	if decimals < 0 {
		return plainFloat(v)
	}
	f, err := strconv.ParseFloat(formatNumber(v, decimals), 64)
	if err != nil {
		return v
	}
	return f
}

// cellDecimals is the decimal places a number cell is written at: the row's for a Scaled
// column, none (plainFloat) otherwise.
func cellDecimals(c column, rowDecimals int) int {
	if c.Scaled {
		return rowDecimals
	}
	return -1
}

// writeCSV writes the table as RFC 4180 CSV with a header row, a streamed table's rows as they
// come.
func writeCSV(w io.Writer, t *table) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	rec := make([]string, len(t.Columns))
	err := t.each(func(_, decimals int, row []any) error {
		for i, c := range t.Columns {
			rec[i] = csvCell(c.Kind, row[i], cellDecimals(c, decimals))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// ---- Arrow IPC stream ----

// arrowBatchRows is how many rows go in one record batch, so a large table streams out in
// pieces instead of being built whole in Arrow memory.
const arrowBatchRows = 4096

func arrowType(k kind) arrow.DataType {
	switch k {
	case kNumber:
		return arrow.PrimitiveTypes.Float64
	case kInteger:
		return arrow.PrimitiveTypes.Int64
	case kBoolean:
		return arrow.FixedWidthTypes.Boolean
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTimestamp:
		return arrow.FixedWidthTypes.Timestamp_us
	}
	return arrow.BinaryTypes.String
}

// arrowSchema is the table's Arrow schema: a column is nullable unless it is Required.
func arrowSchema(t *table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Kind), Nullable: !c.Required}
	}
	md := arrow.NewMetadata([]string{"table"}, []string{t.Name})
	return arrow.NewSchema(fields, &md)
}

// writeArrow writes the table as an Arrow IPC stream with typed columns: float64 numbers,
// int64 integers, booleans, date32 dates, UTC microsecond timestamps, UTF-8 strings, and
// nulls for missing values.
func writeArrow(w io.Writer, t *table) (err error) {
	mem := memory.NewGoAllocator()
	schema := arrowSchema(t)
	iw := ipc.NewWriter(w, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	defer func() {
		if cerr := iw.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("arrow: %w", cerr)
		}
	}()
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if err := iw.Write(rec); err != nil {
			return fmt.Errorf("arrow: %w", err)
		}
		return nil
	}
	n := 0
	err = t.each(func(_, _ int, row []any) error {
		for i, c := range t.Columns {
			appendArrow(b.Field(i), c.Kind, row[i])
		}
		n++
		if n%arrowBatchRows == 0 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 || n%arrowBatchRows != 0 {
		// The last, partial batch; an empty table is one empty batch, so readers see the schema.
		return flush()
	}
	return nil
}

// ---- Parquet ----

// storeKinds maps a column kind to the store's streamed column kind.
var storeKinds = map[kind]store.ColumnKind{kText: store.KindText, kNumber: store.KindDouble, kInteger: store.KindBigInt,
	kBoolean: store.KindBoolean, kDate: store.KindDate, kTimestamp: store.KindTimestamp}

// parquetBatchRows is how many rows writeParquet hands to DuckDB's side at a time.
const parquetBatchRows = 256

// writeParquet writes the table as Parquet, by DuckDB's own writer (store.DB.WriteParquet):
// the CSV's columns, with DOUBLE numbers in full precision, BIGINT integers, DATE dates, UTC
// TIMESTAMPs and NULL for missing values. A streamed table is read on its own goroutine and
// handed to DuckDB in batches of rows as DuckDB asks for them.
func writeParquet(ctx context.Context, db *store.DB, w io.Writer, t *table) error {
	cols := make([]store.Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = store.Column{Name: c.Name, Kind: storeKinds[c.Kind]}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The rows cross to DuckDB's side in batches, so the two goroutines meet once a batch
	// rather than once a row.
	batches := make(chan [][]any, 2)
	done := make(chan struct{})
	var readErr error
	go func() {
		defer close(done)
		defer close(batches) // after readErr is set, so a closed channel shows it
		var b [][]any
		send := func() error {
			select {
			case batches <- b:
				b = nil
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		readErr = t.each(func(_, _ int, row []any) error {
			if b == nil {
				b = make([][]any, 0, parquetBatchRows)
			}
			b = append(b, row) // each row is its own (table.Stream, table.Rows)
			if len(b) == parquetBatchRows {
				return send()
			}
			return nil
		})
		if readErr == nil && len(b) > 0 {
			readErr = send()
		}
	}()
	var cur [][]any
	next := func(dst []any) (bool, error) {
		if len(cur) == 0 {
			b, ok := <-batches
			if !ok {
				// The end of the rows, or a failure that must not pass for the end.
				return false, readErr
			}
			cur = b
		}
		copy(dst, cur[0])
		cur = cur[1:]
		return true, nil
	}
	_, err := db.WriteParquet(ctx, cols, next, w)
	cancel()
	<-done
	if err != nil {
		return err
	}
	return nil
}

func appendArrow(b array.Builder, k kind, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch k {
	case kNumber:
		b.(*array.Float64Builder).Append(v.(float64))
	case kInteger:
		b.(*array.Int64Builder).Append(v.(int64))
	case kBoolean:
		b.(*array.BooleanBuilder).Append(v.(bool))
	case kDate:
		b.(*array.Date32Builder).Append(arrow.Date32FromTime(v.(time.Time)))
	case kTimestamp:
		b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
	default:
		b.(*array.StringBuilder).Append(v.(string))
	}
}

// ---- Excel ----

// maxDecimals caps the number formats made for an indicator's decimal places.
const maxDecimals = 10

// ragFill colours a RAG cell in Excel; the cell always holds the word as well, so the colour is
// never the only signal.
var ragFill = map[engine.RAGStatus]string{engine.Green: "C6EFCE", engine.Amber: "FFEB9C", engine.Red: "FFC7CE"}

// xlsxStyles are the cell styles of a workbook, made once per workbook.
type xlsxStyles struct {
	f        *excelize.File
	header   int
	integer  int
	general  int
	date     int
	stamp    int
	decimals map[int]int
	rag      map[engine.RAGStatus]int
}

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	s := &xlsxStyles{f: f, decimals: map[int]int{}, rag: map[engine.RAGStatus]int{}}
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	dateFmt, stampFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
	s.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	s.integer = mk(&excelize.Style{NumFmt: 1}) // "0"
	s.general = mk(&excelize.Style{NumFmt: 0})
	s.date = mk(&excelize.Style{CustomNumFmt: &dateFmt})
	s.stamp = mk(&excelize.Style{CustomNumFmt: &stampFmt})
	for status, colour := range ragFill {
		s.rag[status] = mk(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}})
	}
	if err != nil {
		return nil, fmt.Errorf("xlsx: style: %w", err)
	}
	return s, nil
}

// numberFormat is the Excel format for d decimal places: "0", "0.0", "0.00"...
func numberFormat(d int) string {
	if d <= 0 {
		return "0"
	}
	return "0." + strings.Repeat("0", d)
}

// scaled is the style showing d decimal places (the general number style when d < 0).
func (s *xlsxStyles) scaled(d int) (int, error) {
	if d < 0 {
		return s.general, nil
	}
	d = min(d, maxDecimals)
	if id, ok := s.decimals[d]; ok {
		return id, nil
	}
	nf := numberFormat(d)
	id, err := s.f.NewStyle(&excelize.Style{CustomNumFmt: &nf})
	if err != nil {
		return 0, fmt.Errorf("xlsx: style: %w", err)
	}
	s.decimals[d] = id
	return id, nil
}

// writeXLSX writes the table as an Excel workbook: one worksheet per sheet of the table (or one
// for all rows), a bold header row frozen at the top, numbers as numbers (in the indicator's
// unit with its decimal places as the cell format), dates and timestamps as Excel dates, RAG as
// the word with a coloured fill.
//
// Each worksheet's rows are an Excel table (Insert > Table: filter buttons, structured
// references, Power Query's "Table" source) named after the table. Sheet names follow
// sheetNames' documented rule.
func writeXLSX(w io.Writer, t *table) error {
	if err := t.materialise(); err != nil {
		return err
	}
	if err := t.check(); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	sheets := t.Sheets
	if len(sheets) == 0 {
		sheets = []sheet{{Name: t.Name, From: 0, To: len(t.Rows)}}
	}
	names := sheetNames{}
	sheets = slices.Clone(sheets)
	for i := range sheets {
		sheets[i].Name = names.name(sheets[i].Name)
	}
	ragCol := -1
	for i, c := range t.Columns {
		if c.Name == "rag" {
			ragCol = i
		}
	}
	for n, sh := range sheets {
		if n == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("xlsx: panes: %w", err)
		}
		header := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			header[i] = excelize.Cell{StyleID: st.header, Value: c.Name}
		}
		if err := sw.SetRow("A1", header); err != nil {
			return fmt.Errorf("xlsx: header: %w", err)
		}
		for r := sh.From; r < sh.To; r++ {
			row := t.Rows[r]
			cells := make([]any, len(row))
			for i, c := range t.Columns {
				v := row[i]
				if v == nil {
					continue
				}
				cell := excelize.Cell{Value: v}
				switch c.Kind {
				case kNumber:
					d := cellDecimals(c, t.decimals(r))
					// The cell holds the number as CSV writes it (no floating-point noise), and
					// its format shows the indicator's decimal places.
					cell.Value = roundedNumber(v.(float64), d)
					if cell.StyleID, err = st.scaled(d); err != nil {
						return err
					}
				case kInteger:
					cell.StyleID = st.integer
				case kDate:
					cell.StyleID = st.date
				case kTimestamp:
					cell.StyleID = st.stamp
				case kText:
					if i == ragCol {
						cell.StyleID = st.rag[engine.RAGStatus(v.(string))]
					}
				}
				cells[i] = cell
			}
			axis, err := excelize.CoordinatesToCellName(1, r-sh.From+2)
			if err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
			if err := sw.SetRow(axis, cells); err != nil {
				return fmt.Errorf("xlsx: row %d: %w", r+1, err)
			}
		}
		// A table needs a row below its header, so an empty sheet's table holds one blank row.
		last, err := excelize.CoordinatesToCellName(len(t.Columns), max(sh.To-sh.From, 1)+1)
		if err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: excelTableName(t.Name, n, len(sheets)),
			StyleName: "TableStyleLight9"}); err != nil {
			return fmt.Errorf("xlsx: table on %q: %w", sh.Name, err)
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("xlsx: flush: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

// excelTableName is the name of sheet n's Excel table (of count): the table's name in letters,
// digits and underscores, starting with a letter, with the sheet's number when there are
// several ("evaluations", "scorecard_E06000058_2").
func excelTableName(name string, n, count int) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || !(out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z') {
		out = "t_" + out
	}
	// Excel refuses names that look like cell references (A1, R1C1); a suffix keeps it clear.
	if count > 1 {
		out += "_" + strconv.Itoa(n+1)
	} else if _, _, err := excelize.CellNameToCoordinates(out); err == nil {
		out += "_1"
	}
	return out[:min(len(out), 250)]
}
