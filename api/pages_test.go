package api

// The board pages. These tests are in package api (not api_test) so that they can mount
// registerPages on an echo instance themselves, whether or not Handler has been wired to it yet.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/charts"
	"github.com/labstack/echo/v4"
)

// pagesUpdate reports whether -update was given: the flag is defined by the package's external
// tests (api_test.go), which share this test binary, so it is looked up rather than redefined.
func pagesUpdate() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

type pagesFixture struct {
	server *Server
	echo   *echo.Echo
}

var (
	pagesOnce   sync.Once
	pagesShared *pagesFixture
	pagesErr    error
)

// pages builds, once, a server over an in-memory database with the example local return (Poole's
// row 1.14) and the Fingertips injuries export (published confidence intervals), evaluated on the
// fixtures' fixed clock, with registerPages mounted on a bare echo instance.
func pages(t *testing.T) *pagesFixture {
	t.Helper()
	pagesOnce.Do(func() { pagesShared, pagesErr = buildPagesFixture() })
	if pagesErr != nil {
		t.Fatal(pagesErr)
	}
	return pagesShared
}

func buildPagesFixture() (*pagesFixture, error) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	app, err := scorecard.Open(ctx, scorecard.Config{Now: now})
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"local_returns", "fingertips_injuries_0_14"} {
		if err := scorecard.LoadShippedDataset(ctx, app.Datasets, name); err != nil {
			return nil, err
		}
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		return nil, err
	}
	srv := &Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas}
	e := echo.New()
	e.HTTPErrorHandler = errorHandlerWithPages(nil, srv.errorPage)
	srv.registerPages(e)
	return &pagesFixture{server: srv, echo: e}, nil
}

func (f *pagesFixture) get(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	f.echo.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func pageGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if pagesUpdate() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./api -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./api -update if the change is intended)\ngot:\n%s", name, got)
	}
}

// withoutCellLabels drops the data-label attributes of table cells (each column's header again,
// for narrow screens) so that tests can read a table's cells.
func withoutCellLabels(html string) string { return cellLabelRE.ReplaceAllString(html, "") }

var cellLabelRE = regexp.MustCompile(` data-label="[^"]*"`)

// notesListRE is the indicator page's list of notes, or the sentence saying there are none.
var notesListRE = regexp.MustCompile(`(?s)<h2 id="notes">Notes</h2>\n(?:<ol class="notes">.*?</ol>|<p>There are no notes[^<]*</p>)`)

var externalSourceRE = regexp.MustCompile(`(?i)<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)`)

// checkLocalOnly fails if the page loads anything from another server, and if it loads other
// scripts than ECharts and the charts' script (withScripts) or any script at all (!withScripts:
// a page whose charts are drawn on the server, as the scorecard's spine chart).
func checkLocalOnly(t *testing.T, html string, withScripts bool) {
	t.Helper()
	var srcs [][]string
	for _, m := range externalSourceRE.FindAllStringSubmatch(html, -1) {
		if strings.HasPrefix(m[1], "data:") {
			continue // the empty favicon: no request
		}
		if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "//") {
			t.Errorf("the page loads %s", m[1])
		}
		srcs = append(srcs, m)
	}
	if !withScripts {
		if len(srcs) != 0 || strings.Contains(html, "<script") {
			t.Errorf("the page loads %v or has a script element, want none", srcs)
		}
	} else if len(srcs) != 2 || srcs[0][1] != charts.ScriptURL || srcs[1][1] != charts.ChartsScriptURL {
		t.Errorf("the page loads %v, want only %s and %s", srcs, charts.ScriptURL, charts.ChartsScriptURL)
	}
	// Any other URL is a link a reader may follow, never something the page fetches.
	for _, m := range regexp.MustCompile(`(?i)(\w+)=["']?https?://`).FindAllStringSubmatch(html, -1) {
		if strings.ToLower(m[1]) != "href" {
			t.Errorf("external URL in attribute %s", m[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?i)<(\w+)[^>]*href=["']?https?://`).FindAllStringSubmatch(html, -1) {
		if strings.ToLower(m[1]) != "a" {
			t.Errorf("external URL in a <%s>", m[1])
		}
	}
}

func TestIndicatorPagePooleRow114(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/areas/836/indicators/secondary-good-outstanding-schools")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	html := rec.Body.String()
	// The notes depend on which tests of the shared fixture ran before (TestExceptionReport adds
	// one); TestCommentaryFromThePage tests them.
	pageGolden(t, "charts_page_poole_1_14.html", notesListRE.ReplaceAll(rec.Body.Bytes(), []byte("<!-- notes -->")))
	checkLocalOnly(t, html, true)
	html = withoutCellLabels(html)
	for _, s := range []string{
		`<html lang="en">`,
		`<title>Secondary pupils in good or outstanding schools: Poole – Children's Trust scorecard</title>`,
		`<h1>Secondary pupils in good or outstanding schools</h1>`,
		`<p class="lede">Poole · per cent · Higher is better</p>`,
		// The latest value, and its RAG as text and colour.
		`<dt>Period</dt><dd>2016-17 Q4 (January to March 2017)</dd>`,
		`<dt>Value</dt><dd>85.3%</dd>`,
		`<dt>Target</dt><dd>88.0%, amber within 2.0 percentage points (2.7 percentage points below target)</dd>`,
		`<dt>Against target</dt><dd><strong class="rag rag-red" style="background:#b10e1e;color:#ffffff">Red: off target</strong></dd>`,
		`<dt>Since 2016-17 Q3 (October to December 2016)</dt><dd>Improving: &#43;4.4 percentage points</dd>`,
		// The trend chart with its target line, then its table.
		`<h2 id="trend">Trend</h2>`,
		`id="trend_secondary_good_outstanding_schools_E06000029"`,
		`{"name":"Target","type":"line"`,
		`"data":[{"name":"2015-16","value":88},{"name":"2016-17 Q1","value":88},{"name":"2016-17 Q2","value":88},{"name":"2016-17 Q3","value":88},{"name":"2016-17 Q4","value":88}]`,
		`{"name":"2016-17 Q4","value":85.3}`,
		`<tr><th scope="row">2016-17 Q4</th><td class="num">85.3</td><td class="num">88.0</td><td>Red</td>`,
		`<tr><th scope="row">2015-16</th><td class="num">58.8</td><td class="num">88.0</td><td>Red</td><td class="num">83.8</td><td class="num">86.5</td><td class="num">87.0</td></tr>`,
		// The comparison chart for the latest period, with Poole's ten 2021 statistical neighbours
		// (the example return has no figures for them), then its table.
		`<h2 id="comparison">Compared with benchmarks, 2016-17 Q4 (January to March 2017)</h2>`,
		`"data":["Poole (this area): 85.3%","West Sussex: no data","South Gloucestershire: no data","Worcestershire: no data","East Sussex: no data","Swindon: no data","Dorset: no data","Kent: no data","North Somerset: no data","Suffolk: no data","Essex: no data","Statistical neighbours' average: no data","South West: no data","England: no data"]`,
		`<td>statistical neighbour 1 of 10</td>`,
		// The y axis name is drawn from the axis line rightwards, not clipped at the chart's edge.
		`"name":"Per cent","nameTextStyle":{"align":"left","color":"#0b0c0c","fontSize":14}`,
		`<a href="/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=E06000029">`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
	// Each chart is followed by its table: figure, then table, per chart block.
	for _, id := range []string{"trend_secondary_good_outstanding_schools_E06000029", "comparison_secondary_good_outstanding_schools_E06000029_2016_17_Q4"} {
		block := html[strings.Index(html, `id="`+id+`_block"`):]
		fig, table := strings.Index(block, "</figure>"), strings.Index(block, `<table class="chart-data">`)
		if fig < 0 || table < fig {
			t.Errorf("%s: no table after the chart", id)
		}
	}
	// Headings in order, one h1.
	if strings.Count(html, "<h1") != 1 {
		t.Error("want exactly one h1")
	}
}

func TestIndicatorPageComparisonPeriod(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2015-16")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	html := withoutCellLabels(rec.Body.String())
	for _, s := range []string{
		// The requested period is the headline, and the comparison's period.
		`<h2 id="latest">2015-16 (financial year)</h2>`,
		`<h2 id="comparison">Compared with benchmarks, 2015-16 (financial year)</h2>`,
		`"Poole (this area): 58.8%","West Sussex: no data",`,
		`"Statistical neighbours' average: 83.8%","South West: 86.5%","England: 87.0%"]`,
		`<tr><th scope="row">England</th><td class="num">87.0</td><td></td><td></td><td>Worse. Compared by the plain difference, not a significance test: the indicator has no confidence-interval method.</td><td>published</td></tr>`,
		`<dt>Value</dt><dd>58.8%</dd>`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
}

func TestIndicatorPageWithConfidenceInterval(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/areas/839/indicators/injury-admissions-0-14")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	html := rec.Body.String()
	checkLocalOnly(t, html, true)
	html = withoutCellLabels(html)
	for _, s := range []string{
		`<p class="lede">Bournemouth, Christchurch and Poole · rate per 10,000 · Lower is better</p>`,
		// The error bars are a boxplot (plain data): BCP's, and each neighbour's.
		`"name":"95% confidence interval","silent":true,"tooltip":{"show":false},"type":"boxplot"`,
		`{"name":"Bournemouth, Christchurch and Poole","value":[80.8,87.9,87.9,87.9,95.8]}`,
		// The trend's confidence band: its lower limit and its width, stacked.
		`"name":"95% confidence interval, lower limit"`,
		`<th scope="col">Lower 95% limit</th><th scope="col">Upper 95% limit</th>`,
		`(95% confidence interval `,
		`<td>confidence interval published by the source</td>`,
		`<dt>Against target</dt><dd><strong class="rag rag-no_target" style="background:#f3f2f1;color:#0b0c0c">No target set</strong></dd>`,
		`<dt>Value</dt><dd>87.9 per 10,000 (95% confidence interval 80.8 to 95.8)</dd>`,
		`<dt>Compared with England</dt><dd>Worse (England: 72.7 per 10,000). Compared by the area&#39;s 95% confidence interval.</dd>`,
		`<dt>Rank</dt><dd>117th of 151 local authorities, quartile D (A is the best quarter)</dd>`,
		`<a href="https://fingertips.phe.org.uk/search/90284">`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
	if strings.Count(html, "<dt>Since 2022-23 (financial year)</dt>") != 1 {
		t.Error("annual data: the previous period and the year ago are the same, and should be listed once")
	}
	if strings.Contains(html, "function (params") {
		t.Error("a chart option has a JavaScript function")
	}
	if strings.Count(html, "<table") != 2 {
		t.Errorf("want two data tables, got %d", strings.Count(html, "<table"))
	}
}

func TestIndicatorPageErrors(t *testing.T) {
	f := pages(t)
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/areas/836/indicators/no-such-indicator", http.StatusNotFound, "not_found"},
		{"/areas/nowhere/indicators/secondary-good-outstanding-schools", http.StatusNotFound, "not_found"},
		{"/areas/836/indicators/secondary-good-outstanding-schools?period=2030-31", http.StatusNotFound, "not_found"},
		{"/assets/echarts.js", http.StatusNotFound, "not_found"},
		{"/assets/echarts-0.0.1/echarts.min.js", http.StatusNotFound, "not_found"},
	} {
		req := httptest.NewRequest(http.MethodGet, tt.path, nil)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		f.echo.ServeHTTP(rec, req)
		var body struct{ Code, Detail string }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tt.status || body.Code != tt.code {
			t.Errorf("GET %s: %d %s, want %d with error code %s", tt.path, rec.Code, rec.Body, tt.status, tt.code)
		}
	}
}

func TestIndicatorPageWithoutValues(t *testing.T) {
	f := pages(t)
	// Leeds has no Poole return rows: the page says so, with no charts.
	rec := f.get(t, http.MethodGet, "/areas/E08000035/indicators/secondary-good-outstanding-schools")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	html := rec.Body.String()
	if !strings.Contains(html, "There are no values of this indicator for Leeds.") || strings.Contains(html, "<figure") {
		t.Errorf("page without values:\n%s", html)
	}
}

func TestAssetsServeECharts(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, charts.ScriptURL)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", charts.ScriptURL, rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q", cc)
	}
	if n := rec.Body.Len(); n < 300*1024 || !bytes.Contains(rec.Body.Bytes(), []byte(`"`+charts.EChartsVersion+`"`)) {
		t.Errorf("body: %d bytes", n)
	}
	if rec := f.get(t, http.MethodHead, charts.ScriptURL); rec.Code != http.StatusOK {
		t.Errorf("HEAD: %d", rec.Code)
	}
	if rec := f.get(t, http.MethodGet, "/assets/echarts.min.js"); rec.Code != http.StatusOK || rec.Body.Len() < 300*1024 {
		t.Errorf("unversioned: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

// Once Handler calls registerPages, the pages are served with the API. Until then this is skipped.
func TestPagesAreWiredIntoHandler(t *testing.T) {
	f := pages(t)
	h := f.server.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, charts.ScriptURL, nil))
	if rec.Code == http.StatusNotFound {
		t.Skip("Server.Handler does not call registerPages yet")
	}
	if rec.Code != http.StatusOK {
		t.Errorf("GET %s through Handler: %d", charts.ScriptURL, rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/areas/836/indicators/secondary-good-outstanding-schools", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Red: off target") {
		t.Errorf("indicator page through Handler: %d", rec.Code)
	}
}
