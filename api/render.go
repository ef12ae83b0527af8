package api

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/xuri/excelize/v2"

	"github.com/childrens-trust/scorecard/engine"
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
	if s == "" || s == "-" || plainNumber.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// csvCell formats one cell: numbers in full precision without exponent, dates ISO 8601,
// timestamps RFC 3339 in UTC, missing cells empty.
func csvCell(k kind, v any) string {
	if v == nil {
		return ""
	}
	switch k {
	case kText:
		return neutralise(v.(string))
	case kNumber:
		return strconv.FormatFloat(v.(float64), 'f', -1, 64)
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

// writeCSV writes the table as RFC 4180 CSV with a header row.
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
	for _, row := range t.Rows {
		for i, c := range t.Columns {
			rec[i] = csvCell(c.Kind, row[i])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("csv: %w", err)
		}
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

// arrowSchema is the table's Arrow schema: every column nullable.
func arrowSchema(t *table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Kind), Nullable: true}
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
	for from := 0; from < len(t.Rows) || from == 0; from += arrowBatchRows {
		to := min(from+arrowBatchRows, len(t.Rows))
		for _, row := range t.Rows[from:to] {
			for i, c := range t.Columns {
				appendArrow(b.Field(i), c.Kind, row[i])
			}
		}
		rec := b.NewRecordBatch()
		err := iw.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("arrow: %w", err)
		}
		if to >= len(t.Rows) {
			break
		}
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
func writeXLSX(w io.Writer, t *table) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	sheets := t.Sheets
	if len(sheets) == 0 {
		sheets = []sheet{{Name: cleanSheetName(t.Name), From: 0, To: len(t.Rows)}}
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
					d := -1
					if c.Scaled {
						d = t.decimals(r)
					}
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
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("xlsx: flush: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}
