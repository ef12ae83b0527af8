package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
)

// fetch GETs url from a real HTTP server (so the response is streamed, as clients see it).
func fetch(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// storedCount counts the evaluations table directly, apart from the API.
func storedCount(t *testing.T, db *sql.DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM evaluations WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// readCSV reads a CSV body with encoding/csv's default settings, as pandas.read_csv or readr
// would: the header and every record.
func readCSV(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) == 0 {
		t.Fatal("no header row")
	}
	return records[0], records[1:]
}

func columnIndex(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no %s column in %v", name, header)
	}
	return i
}

// The documented whole-data URL, read by a CSV reader with default settings, gives every
// stored evaluation: as many rows as the evaluations table holds, counted in the database.
func TestWholeDataCSVHasEveryStoredEvaluation(t *testing.T) {
	f := sharedFixture(t)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	resp, body := fetch(t, srv.URL+"/api/v1/evaluations?format=csv")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="evaluations.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if resp.Header.Get("Link") != "" {
		t.Errorf("a whole-data download has a next page: %q", resp.Header.Get("Link"))
	}
	if !strings.HasPrefix(resp.Header.Get("X-Data-Version"), "ev-") {
		t.Errorf("X-Data-Version %q", resp.Header.Get("X-Data-Version"))
	}
	// Read as a default CSV reader would, a record at a time (the file is some 300,000 rows).
	r := csv.NewReader(bytes.NewReader(body))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	code, dfe := columnIndex(t, header, "area_code"), columnIndex(t, header, "dfe_code")
	seen := map[string]string{}
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", n+1, err)
		}
		seen[rec[code]] = rec[dfe]
		n++
	}
	want := storedCount(t, f.db.SQL, "TRUE")
	if n != want || want < 300000 {
		t.Fatalf("the whole-data CSV has %d rows; the database holds %d evaluations", n, want)
	}
	// The DfE LA number sits beside the GSS code.
	if dfe != code+1 {
		t.Errorf("dfe_code is column %d, area_code %d: want it beside", dfe, code)
	}
	for gss, want := range map[string]string{"E06000058": "839", "E10000018": "855", "E92000001": "", "E12000008": ""} {
		if got, ok := seen[gss]; !ok || got != want {
			t.Errorf("dfe_code of %s = %q (present %v), want %q", gss, got, ok, want)
		}
	}
	// The response cache keeps no whole-data download: it is as large as the data.
	for i := 0; i < 2; i++ {
		if again, _ := fetch(t, srv.URL+"/api/v1/evaluations?format=csv&indicator=cla-rate"); again.Header.Get("X-Cache") != "miss" {
			t.Errorf("download %d: X-Cache %q, want miss", i+1, again.Header.Get("X-Cache"))
		}
	}
	// A filter narrows the download, still whole.
	resp, body = fetch(t, srv.URL+"/api/v1/evaluations?format=csv&level=la&indicator=cla-rate")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("filtered: %d %s", resp.StatusCode, body)
	}
	if _, rows := readCSV(t, body); len(rows) != storedCount(t, f.db.SQL, "indicator = ? AND area_level = 'la'", "cla-rate") || len(rows) == 0 {
		t.Errorf("filtered download: %d rows", len(rows))
	}
	// limit still pages a download.
	resp, body = fetch(t, srv.URL+"/api/v1/evaluations?format=csv&limit=10")
	if _, rows := readCSV(t, body); len(rows) != 10 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("limit=10: %d rows, Link %q", len(rows), resp.Header.Get("Link"))
	}
}

// numberNoise is the tell-tale of a binary floating-point number written in full: a long run
// of 0s or 9s before a last digit (129.30000000000007, 0.30000000000000004, 12.299999999999999).
var numberNoise = regexp.MustCompile(`\.\d*(0{6,}|9{6,})\d+$`)

// One indicator's whole data is one URL: every area and period of it, and the numbers in the
// indicator's unit are written at its decimal places, with no float noise anywhere.
func TestIndicatorDataCSV(t *testing.T) {
	f := sharedFixture(t)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	const id = "cla-rate"
	resp, body := fetch(t, srv.URL+"/api/v1/indicators/"+id+"/data.csv")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="`+id+`-data.csv"` {
		t.Errorf("Content-Disposition %q", got)
	}
	header, rows := readCSV(t, body)
	if want := storedCount(t, f.db.SQL, "indicator = ?", id); len(rows) != want || want == 0 {
		t.Fatalf("%d rows, the database holds %d for %s", len(rows), want, id)
	}
	areasSeen, periodsSeen := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		areasSeen[r[columnIndex(t, header, "area_code")]] = true
		periodsSeen[r[columnIndex(t, header, "period")]] = true
	}
	if len(areasSeen) < 150 || len(periodsSeen) < 2 {
		t.Errorf("%d areas and %d periods: want every area and period", len(areasSeen), len(periodsSeen))
	}
	if rec := get(t, f.handler, "/api/v1/indicators/no-such-thing/data.csv", nil); rec.Code != http.StatusNotFound ||
		!strings.Contains(rec.Body.String(), "no-such-thing") {
		t.Errorf("unknown indicator: %d %s", rec.Code, rec.Body)
	}

	// Precision, over every evaluation of indicators of every unit and kind of source (the
	// whole download is counted by TestWholeDataCSVHasEveryStoredEvaluation).
	_, body = fetch(t, srv.URL+"/api/v1/evaluations?format=csv&"+sampleIndicators)
	header, rows = readCSV(t, body)
	decimals := map[string]int{}
	for _, d := range f.engine.Catalog.All() {
		decimals[d.ID] = d.Decimals
	}
	scaled := []string{"value", "lower_95", "upper_95", "target", "england_value", "previous_change", "year_ago_change"}
	other := []string{"numerator", "denominator", "tolerance", "previous_change_percent", "year_ago_change_percent"}
	ind := columnIndex(t, header, "indicator")
	checked := 0
	for _, r := range rows {
		for _, name := range append(scaled, other...) {
			cell := r[columnIndex(t, header, name)]
			if cell == "" {
				continue
			}
			checked++
			if numberNoise.MatchString(cell) {
				t.Fatalf("%s %s: %q has floating-point noise", r[ind], name, cell)
			}
			if slices.Contains(scaled, name) {
				places := 0
				if dot := strings.IndexByte(cell, '.'); dot >= 0 {
					places = len(cell) - dot - 1
				}
				if places != decimals[r[ind]] {
					t.Fatalf("%s %s: %q has %d decimal places, the indicator %d", r[ind], name, cell, places, decimals[r[ind]])
				}
			}
		}
	}
	if checked < 50000 {
		t.Errorf("only %d number cells checked", checked)
	}
}

// sampleIndicators is a query selecting indicators of every unit and kind of source: EES with
// Wilson limits, a Fingertips export with published limits, local returns, LAIT measures
// hand-written and generated (percentages, rates, scores, plain numbers, no polarity).
const sampleIndicators = "indicator=cla-rate&indicator=rereferrals&indicator=repeat-cpp&indicator=injury-admissions-0-14" +
	"&indicator=secondary-good-outstanding-schools&indicator=perm-exclusion-rate&indicator=cla-sdq-score-lait" +
	"&indicator=lait-infmort&indicator=lait-secpermex&indicator=lait-lac-ks2-avg-prog8-r&indicator=lait-work-force-nosw" +
	"&indicator=lait-cpp-rate&indicator=lait-social-work-leavers"

// evaluationPages walks every JSON page of path (limit given), checking total and data_version.
func evaluationPages(t *testing.T, h http.Handler, path string) []engine.Evaluation {
	t.Helper()
	var all []engine.Evaluation
	url, version := path, ""
	var total int64 = -1
	for pages := 0; url != ""; pages++ {
		rec := get(t, h, url, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", url, rec.Code, rec.Body)
		}
		var page struct {
			Data        []engine.Evaluation `json:"data"`
			Total       *int64              `json:"total"`
			DataVersion string              `json:"data_version"`
			Next        string              `json:"next"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		if page.Total == nil || page.DataVersion == "" {
			t.Fatalf("%s: total %v, data_version %q", url, page.Total, page.DataVersion)
		}
		if pages > 0 && (*page.Total != total || page.DataVersion != version) {
			t.Fatalf("page %d: total %d version %s, first page %d %s", pages, *page.Total, page.DataVersion, total, version)
		}
		total, version = *page.Total, page.DataVersion
		all = append(all, page.Data...)
		url = page.Next
	}
	if int64(len(all)) != total {
		t.Fatalf("the pages hold %d evaluations; total says %d", len(all), total)
	}
	return all
}

// sampleIDs is sampleIndicators' ids, comma-separated.
func sampleIDs() string {
	var ids []string
	for _, kv := range strings.Split(sampleIndicators, "&") {
		ids = append(ids, strings.TrimPrefix(kv, "indicator="))
	}
	return strings.Join(ids, ",")
}

// A Parquet download, read back by DuckDB, equals the JSON read page by page: the same rows in
// the same order, numbers in full precision, nulls where JSON has null (over indicators of every
// unit and kind of source; the whole download is counted by the CSV test).
func TestParquetDownloadEqualsJSONPages(t *testing.T) {
	f := sharedFixture(t)
	evs := evaluationPages(t, f.handler, "/api/v1/evaluations?limit=5000&"+sampleIndicators)
	if n := storedCount(t, f.db.SQL, "indicator IN (SELECT unnest(string_split(?, ',')))", sampleIDs()); len(evs) != n || n < 10000 {
		t.Fatalf("the JSON pages hold %d evaluations, the database %d", len(evs), n)
	}
	rec := get(t, f.handler, "/api/v1/evaluations?"+sampleIndicators, map[string]string{"Accept": "application/vnd.apache.parquet"})
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/vnd.apache.parquet" {
		t.Fatalf("parquet: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := rec.Header().Get("Content-Disposition"); got != `attachment; filename="evaluations.parquet"` {
		t.Errorf("Content-Disposition %q", got)
	}
	path := filepath.Join(t.TempDir(), "evaluations.parquet")
	if err := os.WriteFile(path, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.SQL.QueryContext(context.Background(), `SELECT indicator, area_code, dfe_code, period, period_end, value, numerator,
		quartile, rank, rag, previous_change, evaluated_at FROM read_parquet(?)`, path)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var ind, area, period, rag string
		var dfe, quartile sql.NullString
		var end, at time.Time
		var value, numerator, change sql.NullFloat64
		var rank sql.NullInt64
		if err := rows.Scan(&ind, &area, &dfe, &period, &end, &value, &numerator, &quartile, &rank, &rag, &change, &at); err != nil {
			t.Fatal(err)
		}
		if i >= len(evs) {
			t.Fatalf("the Parquet file has more rows than the JSON's %d", len(evs))
		}
		ev := evs[i]
		same := ind == ev.Indicator && area == ev.Area.Code && period == ev.Period && end.Format(time.DateOnly) == ev.PeriodEnd &&
			rag == string(ev.RAG.Status) && at.Equal(ev.EvaluatedAt) &&
			nullFloat(value) == fptr(ev.Value) && nullFloat(numerator) == fptr(ev.Numerator) &&
			(quartile.Valid == (ev.Quartile != "")) && quartile.String == ev.Quartile &&
			(rank.Valid == (ev.Rank != nil)) && (ev.Rank == nil || rank.Int64 == int64(ev.Rank.Position))
		if ev.Direction.Previous != nil {
			same = same && nullFloat(change) == fptr(ev.Direction.Previous.Change)
		}
		if !same {
			t.Fatalf("row %d differs: parquet %s %s %s %v %v %v, JSON %s %s %s %v %q %v", i, ind, area, period, nullFloat(value), quartile, rank,
				ev.Indicator, ev.Area.Code, ev.Period, fptr(ev.Value), ev.Quartile, ev.Rank)
		}
		if area == "E06000058" && dfe.String != "839" {
			t.Fatalf("row %d: dfe_code %v", i, dfe)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(evs) {
		t.Fatalf("the Parquet file has %d rows, the JSON %d", i, len(evs))
	}
}

func nullFloat(v sql.NullFloat64) any {
	if !v.Valid {
		return nil
	}
	return v.Float64
}

// A cursor made before the evaluations changed is refused with 409, which says to start again.
func TestStaleCursorIsAConflict(t *testing.T) {
	f := newFixture(t, "local_returns")
	first := f.do(t, http.MethodGet, "/api/v1/evaluations?limit=5", nil)
	var page struct {
		Next        string `json:"next"`
		DataVersion string `json:"data_version"`
	}
	if err := json.Unmarshal(first.Body.Bytes(), &page); err != nil || page.Next == "" {
		t.Fatalf("first page: %v %s", err, first.Body)
	}
	if rec := f.do(t, http.MethodGet, page.Next, nil); rec.Code != http.StatusOK {
		t.Fatalf("second page before any change: %d %s", rec.Code, rec.Body)
	}
	// The same version after the evaluations are read again from the same database: it is made
	// from the stored runs, not from the process.
	if v, err := f.engine.EvaluationsVersion(context.Background()); err != nil || v != page.DataVersion {
		t.Fatalf("version %q (%v), the page said %q", v, err, page.DataVersion)
	}
	// Re-evaluating later changes the evaluation runs, so the version.
	f.engine.Now = func() time.Time { return fixedNow().Add(time.Hour) }
	if _, err := f.engine.EvaluateAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := f.do(t, http.MethodGet, page.Next, nil)
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "start again from the first page") ||
		!strings.Contains(rec.Body.String(), page.DataVersion) {
		t.Fatalf("stale cursor: %d %s", rec.Code, rec.Body)
	}
	// So is a stale cursor of an indicator's series.
	series := f.do(t, http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836&limit=1", nil)
	var sp struct {
		Next string `json:"next"`
	}
	if err := json.Unmarshal(series.Body.Bytes(), &sp); err != nil || sp.Next == "" {
		t.Fatalf("series page: %v %s", err, series.Body)
	}
	f.engine.Now = func() time.Time { return fixedNow().Add(2 * time.Hour) }
	if _, err := f.engine.EvaluateAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rec := f.do(t, http.MethodGet, sp.Next, nil); rec.Code != http.StatusConflict {
		t.Fatalf("stale series cursor: %d %s", rec.Code, rec.Body)
	}
}

// Every download format names its file; Arrow declares the required columns non-nullable; a
// workbook's sheet is an Excel table.
func TestDownloadsNameTheirFileAndDeclareTheirShape(t *testing.T) {
	f := sharedFixture(t)
	const path = "/api/v1/indicators/cla-rate/areas"
	for _, tc := range []struct{ format, ext string }{{"csv", "csv"}, {"arrow", "arrows"}, {"parquet", "parquet"}, {"xlsx", "xlsx"}} {
		rec := get(t, f.handler, path+"?format="+tc.format, nil)
		cd := rec.Header().Get("Content-Disposition")
		if rec.Code != http.StatusOK || !strings.HasPrefix(cd, `attachment; filename="cla-rate-areas-`) || !strings.HasSuffix(cd, "."+tc.ext+`"`) {
			t.Errorf("%s: %d, Content-Disposition %q", tc.format, rec.Code, cd)
		}
	}
	if cd := get(t, f.handler, "/api/v1/areas?format=csv", nil).Header().Get("Content-Disposition"); cd != `attachment; filename="areas.csv"` {
		t.Errorf("areas: Content-Disposition %q", cd)
	}
	if cd := get(t, f.handler, path, nil).Header().Get("Content-Disposition"); cd != "" {
		t.Errorf("JSON has Content-Disposition %q", cd)
	}

	schema, _ := readArrow(t, get(t, f.handler, "/api/v1/evaluations?format=arrow&limit=50", nil).Body.Bytes())
	required := map[string]bool{"indicator": true, "area_code": true, "area_name": true, "area_level": true, "period": true,
		"period_kind": true, "period_end": true, "status": true, "rag": true, "evaluated_at": true}
	for _, fld := range schema.Fields() {
		if fld.Nullable == required[fld.Name] {
			t.Errorf("Arrow field %s: nullable %v", fld.Name, fld.Nullable)
		}
	}

	body := get(t, f.handler, "/api/v1/scorecards/poole-childrens-trust?format=xlsx", nil).Body.Bytes()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	tables, sheetsWithTable := 0, 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/tables/table") {
			tables++
		}
		if strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(data, []byte("<tableParts")) {
				sheetsWithTable++
			}
		}
	}
	if tables == 0 || tables != sheetsWithTable {
		t.Errorf("%d table parts, %d sheets with <tableParts>", tables, sheetsWithTable)
	}
}
