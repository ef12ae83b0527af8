package charts

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// echartsSHA256Recorded is the checksum recorded in assets/SOURCES.md.
const echartsSHA256Recorded = "2767c8e4babe30dc17b1fab2843988813d91949ab25a54fe5ba87c440e6ffda6"

func ptr(v float64) *float64 { return &v }

func definition(t *testing.T, id string) *indicators.Definition {
	t.Helper()
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	def, ok := cat.Get(id)
	if !ok {
		t.Fatalf("no indicator %s", id)
	}
	return def
}

// pooleSeries is the Poole Children's Trust score card row 1.14 as the engine evaluates the
// example local return (testdata/golden/poole_1_14_series.json): the 2015-16 figure with the
// published comparators, then four quarters without comparators, all against a target of 88.
func pooleSeries() []*engine.Evaluation {
	poole := engine.AreaRef{Code: "E06000029", Name: "Poole", Level: "local_authority"}
	rag := func() engine.RAG {
		return engine.RAG{Status: "red", Rule: "higher_is_better/standard", Target: ptr(88), Tolerance: ptr(2), ToleranceType: "absolute"}
	}
	none := func(code, name string) *engine.Comparator {
		return &engine.Comparator{Code: code, Name: name, Source: "none", Judgement: "not_compared"}
	}
	var out []*engine.Evaluation
	for _, p := range []struct {
		period, display string
		value           float64
	}{{"2015-16", "58.8", 58.8}, {"2016-17 Q1", "58.0", 58}, {"2016-17 Q2", "58.0", 58}, {"2016-17 Q3", "80.9", 80.9}, {"2016-17 Q4", "85.3", 85.3}} {
		out = append(out, &engine.Evaluation{
			Indicator: "secondary-good-outstanding-schools", Area: poole, Period: p.period, Status: "ok",
			Value: ptr(p.value), DisplayValue: p.display, RAG: rag(),
			Comparators: engine.Compared{
				England:               none("E92000001", "England"),
				Region:                none("E12000009", "South West"),
				StatisticalNeighbours: none("", "Statistical neighbours"),
			},
		})
	}
	out[0].Comparators = engine.Compared{
		England:               &engine.Comparator{Code: "E92000001", Name: "England", Value: ptr(87), DisplayValue: "87.0", Source: "published", Judgement: "worse", Method: "difference"},
		Region:                &engine.Comparator{Code: "E12000009", Name: "South West", Value: ptr(86.5), DisplayValue: "86.5", Source: "published", Judgement: "worse", Method: "difference"},
		StatisticalNeighbours: &engine.Comparator{Name: "Statistical neighbours", Value: ptr(83.8), DisplayValue: "83.8", Source: "published", Judgement: "worse", Method: "difference"},
	}
	return out
}

// injuries is an evaluation with a published 95% confidence interval and aggregated comparators.
func injuries() *engine.Evaluation {
	return &engine.Evaluation{
		Indicator: "injury-admissions-0-14", Area: engine.AreaRef{Code: "E06000058", Name: "Bournemouth, Christchurch and Poole", Level: "local_authority"},
		Period: "2021-22", Status: "ok", Value: ptr(92.6473), DisplayValue: "92.6",
		CI:  &engine.CI{Method: "published", Lower95: ptr(86.1234), Upper95: ptr(99.4567), Published: true},
		RAG: engine.RAG{Status: "no_target"},
		Comparators: engine.Compared{
			England:               &engine.Comparator{Code: "E92000001", Name: "England", Value: ptr(75.0431), DisplayValue: "75.0", Source: "published", Judgement: "worse", Method: "ci95"},
			Region:                &engine.Comparator{Code: "E12000009", Name: "South West", Value: ptr(93.95), DisplayValue: "94.0", Source: "published", Judgement: "similar", Method: "ci95"},
			StatisticalNeighbours: &engine.Comparator{Name: "Statistical neighbours", Value: ptr(88.01), DisplayValue: "88.0", Source: "neighbour_mean", Judgement: "similar", Method: "ci95", Vintage: "2025-05", N: 9, Of: 10},
		},
	}
}

func renderChart(t *testing.T, c *Chart) string {
	t.Helper()
	if c == nil {
		t.Fatal("nil chart")
	}
	var b bytes.Buffer
	if err := RenderHTML(&b, c); err != nil {
		t.Fatal(err)
	}
	// The cells' data-label attributes (each column's header again, for narrow screens) are
	// pinned by TestTableHTML; the other tests read the cells without them.
	return cellLabels.ReplaceAllString(b.String(), "")
}

var cellLabels = regexp.MustCompile(` data-label="[^"]*"`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./charts -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./charts -update if the change is intended)\ngot:\n%s", name, got)
	}
}

var optionRE = regexp.MustCompile(`(?s)<script type="application/json" class="chart-option" data-chart="\w+"[^>]*>(\{.*?\})</script>`)

// option decodes the ECharts option a rendered chart passes to setOption: plain JSON, as every
// chart's option has no functions.
func option(t *testing.T, html string) map[string]any {
	t.Helper()
	m := optionRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no option in\n%s", html)
	}
	js := m[1]
	var opt map[string]any
	if err := json.Unmarshal([]byte(js), &opt); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, js)
	}
	return opt
}

type seriesJSON struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Symbol    string `json:"symbol"`
	LineStyle struct {
		Type  string `json:"type"`
		Color string `json:"color"`
	} `json:"lineStyle"`
	Data []any `json:"data"`
}

func seriesOf(t *testing.T, opt map[string]any) map[string]seriesJSON {
	t.Helper()
	raw, _ := json.Marshal(opt["series"])
	var list []seriesJSON
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]seriesJSON{}
	for _, s := range list {
		out[s.Name] = s
	}
	return out
}

// values are a series' data values: an item's "value", or the item itself ("-" for a gap).
func values(s seriesJSON) []any {
	var out []any
	for _, d := range s.Data {
		if m, ok := d.(map[string]any); ok {
			out = append(out, m["value"])
		} else {
			out = append(out, d)
		}
	}
	return out
}

func TestTrendPooleRow114(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools")
	c := Trend(def, pooleSeries())
	html := renderChart(t, c)
	golden(t, "charts_trend.html", []byte(html))

	opt := option(t, html)
	xAxis := opt["xAxis"].([]any)[0].(map[string]any)
	if got, _ := json.Marshal(xAxis["data"]); string(got) != `["2015-16","2016-17 Q1","2016-17 Q2","2016-17 Q3","2016-17 Q4"]` {
		t.Errorf("x axis = %s", got)
	}
	if xAxis["name"] != "Period" || opt["yAxis"].([]any)[0].(map[string]any)["name"] != "Per cent" {
		t.Errorf("axis names = %v, %v", xAxis["name"], opt["yAxis"])
	}
	series := seriesOf(t, opt)
	want := map[string]string{
		"Poole":                           `[58.8,58,58,80.9,85.3]`,
		"England":                         `[87,"-","-","-","-"]`,
		"South West":                      `[86.5,"-","-","-","-"]`,
		"Statistical neighbours' average": `[83.8,"-","-","-","-"]`,
		"Target":                          `[88,88,88,88,88]`,
	}
	for name, w := range want {
		s, ok := series[name]
		if !ok {
			t.Errorf("no %s line", name)
			continue
		}
		if got, _ := json.Marshal(values(s)); string(got) != w {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	if len(series) != len(want) {
		t.Errorf("series = %v", series)
	}
	// Distinguishable without colour: every line has its own line type and marker pair.
	seen := map[string]string{}
	for name, s := range series {
		k := s.LineStyle.Type + "/" + s.Symbol
		if other, dup := seen[k]; dup {
			t.Errorf("%s and %s are both drawn %s", name, other, k)
		}
		seen[k] = name
	}
	// The figure around the canvas (role img, labelled by the title, described by the summary) is
	// the accessible chart: ECharts' own aria-label on a div without a role is an axe violation.
	if opt["aria"] != nil || opt["animation"] != false {
		t.Errorf("aria = %v, animation = %v", opt["aria"], opt["animation"])
	}
	for _, s := range []string{
		`<span class="chart-title" id="trend_secondary_good_outstanding_schools_E06000029_title">Secondary pupils in good or outstanding schools: Poole, trend</span>`,
		`Latest value 85.3% in 2016-17 Q4, against a target of 88.0% (Red: off target).`,
		`Latest comparators: England 87.0% (2015-16), South West 86.5% (2015-16), statistical neighbours&#39; average 83.8% (2015-16).`,
		`<th scope="row">2016-17 Q4</th><td class="num">85.3</td><td class="num">88.0</td><td>Red</td><td>no data</td><td>no data</td><td>no data</td>`,
		`<th scope="row">2015-16</th><td class="num">58.8</td><td class="num">88.0</td><td>Red</td><td class="num">83.8</td><td class="num">86.5</td><td class="num">87.0</td>`,
		`Target: thin grey stepped line without markers`,
		`role="img" aria-labelledby="trend_secondary_good_outstanding_schools_E06000029_title"`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
}

func TestTrendRoundsToTheIndicatorsDecimals(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools") // 1 decimal place
	s := pooleSeries()[:2]
	s[0].Value, s[0].DisplayValue = ptr(58.75), "58.8"            // half up
	s[1].Value, s[1].DisplayValue = ptr(57.9999999999999), "58.0" // float noise
	s[0].Comparators.England.Value = ptr(86.95)
	html := renderChart(t, Trend(def, s))
	series := seriesOf(t, option(t, html))
	if got, _ := json.Marshal(values(series["Poole"])); string(got) != `[58.8,58]` {
		t.Errorf("Poole = %s", got)
	}
	if got, _ := json.Marshal(values(series["England"])); string(got) != `[87,"-"]` {
		t.Errorf("England = %s", got)
	}
}

func TestTrendWithoutTargetOrComparators(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools")
	s := pooleSeries()[1:]
	for _, ev := range s {
		ev.RAG = engine.RAG{Status: "no_target"}
	}
	s[1].Value, s[1].DisplayValue, s[1].Status, s[1].Marker = nil, "", "suppressed", "c"
	html := renderChart(t, Trend(def, s))
	series := seriesOf(t, option(t, html))
	if len(series) != 1 {
		t.Errorf("series = %v, want the area's only", series)
	}
	if got, _ := json.Marshal(values(series["Poole"])); string(got) != `[58,"-",80.9,85.3]` {
		t.Errorf("Poole = %s", got)
	}
	if !strings.Contains(html, `<th scope="row">2016-17 Q2</th><td>c: suppressed to protect confidentiality</td></tr>`) {
		t.Errorf("the suppressed period is not explained in the table:\n%s", html)
	}
	// No periods at all still renders.
	empty := renderChart(t, Trend(def, nil))
	if !strings.Contains(empty, "There are no values for No area.") {
		t.Errorf("empty trend:\n%s", empty)
	}
}

func TestComparisonWithConfidenceInterval(t *testing.T) {
	def := definition(t, "injury-admissions-0-14")
	c := Comparison(def, injuries(), nil)
	html := renderChart(t, c)
	golden(t, "charts_comparison.html", []byte(html))

	opt := option(t, html)
	yAxis := opt["yAxis"].([]any)[0].(map[string]any)
	if got, _ := json.Marshal(yAxis["data"]); string(got) != `["Bournemouth, Christchurch and Poole (this area): 92.6 per 10,000","Statistical neighbours' average: 88.0 per 10,000","South West: 94.0 per 10,000","England: 75.0 per 10,000"]` {
		t.Errorf("categories = %s", got)
	}
	series := seriesOf(t, opt)
	if got, _ := json.Marshal(values(series["Value"])); string(got) != `[92.6,88,94,75]` {
		t.Errorf("bars = %s", got)
	}
	ci, ok := series[intervalName]
	if !ok || ci.Type != "boxplot" {
		t.Fatalf("no error bar series: %v", series)
	}
	// The error bar is a boxplot whose box is the value: [lower, value, value, value, upper].
	if got, _ := json.Marshal(values(ci)); string(got) != `[[86.1,92.6,92.6,92.6,99.5],"-","-","-"]` {
		t.Errorf("interval = %s", got)
	}
	if raw, _ := c.Option(); strings.Contains(string(raw), "function") || !json.Valid(raw) {
		t.Errorf("the option should be plain JSON data:\n%s", raw)
	}
	for _, s := range []string{
		`Bournemouth, Christchurch and Poole, 2021-22: 92.6 per 10,000 (95% confidence interval 86.1 per 10,000 to 99.5 per 10,000). Statistical neighbours&#39; average 88.0 per 10,000; South West 94.0 per 10,000; England 75.0 per 10,000.`,
		`<th scope="row">Bournemouth, Christchurch and Poole (this area)</th><td class="num">92.6</td><td class="num">86.1</td><td class="num">99.5</td><td></td><td>confidence interval published by the source</td>`,
		`<th scope="row">England</th><td class="num">75.0</td><td></td><td></td><td>Worse. Compared by the area&#39;s 95% confidence interval.</td><td>published</td>`,
		`<td>Similar. Compared by the area&#39;s 95% confidence interval.</td><td>average of the statistical neighbours&#39; figures, 9 of 10 neighbours with a figure, neighbours as published in 2025-05</td>`,
		`A black line with end caps across a bar is that value&#39;s 95% confidence interval.`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
}

func TestComparisonWithoutInterval(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools")
	q4 := pooleSeries()[4]
	html := renderChart(t, Comparison(def, q4, nil))
	series := seriesOf(t, option(t, html))
	if _, ok := series[intervalName]; ok || len(series) != 1 {
		t.Errorf("series = %v, want the bars only", series)
	}
	if got, _ := json.Marshal(values(series["Value"])); string(got) != `[85.3,"-","-","-"]` {
		t.Errorf("bars = %s", got)
	}
	if !strings.Contains(html, `<th scope="row">England</th><td>no data</td><td></td><td></td><td>Not compared: there is no figure to compare.</td><td>no figure</td>`) {
		t.Errorf("missing comparator row:\n%s", html)
	}
	if Comparison(def, nil, nil) != nil {
		t.Error("Comparison(nil) should be nil")
	}
}

var sourceRE = regexp.MustCompile(`(?i)<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)`)

// Nothing a chart renders loads from elsewhere: neither the fragment nor the whole page go-echarts
// itself writes, and the page's script is the embedded ECharts.
func TestNoExternalSources(t *testing.T) {
	trend := Trend(definition(t, "secondary-good-outstanding-schools"), pooleSeries())
	comparison := Comparison(definition(t, "injury-admissions-0-14"), injuries(), nil)
	for _, c := range []*Chart{trend, comparison} {
		fragment := renderChart(t, c)
		var page bytes.Buffer
		if err := c.EChart.Render(&page); err != nil {
			t.Fatal(err)
		}
		for name, html := range map[string]string{"fragment": fragment, "page": page.String(), "script tag": string(ScriptTag())} {
			if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
				t.Errorf("%s %s contains an external URL", c.ID, name)
			}
			for _, m := range sourceRE.FindAllStringSubmatch(html, -1) {
				if !strings.HasPrefix(m[1], "/") || strings.HasPrefix(m[1], "//") {
					t.Errorf("%s %s loads %s", c.ID, name, m[1])
				}
			}
		}
		srcs := sourceRE.FindAllStringSubmatch(page.String(), -1)
		if len(srcs) != 1 || srcs[0][1] != ScriptURL {
			t.Errorf("%s page loads %v, want only %s", c.ID, srcs, ScriptURL)
		}
	}
	if ScriptURL != "/assets/echarts-5.4.3-"+echartsSHA256Recorded[:12]+"/echarts.min.js" {
		t.Errorf("ScriptURL = %s", ScriptURL)
	}
	// A go-echarts chart left with its defaults would load from GitHub Pages: the guard above
	// would catch it.
	var def bytes.Buffer
	if err := echarts.NewLine().Render(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def.String(), "https://") {
		t.Error("go-echarts' default assets host changed; the check above may no longer be meaningful")
	}
}

// Data in a chart's option cannot close its data block.
func TestChartDataCannotEndTheScript(t *testing.T) {
	def := *definition(t, "secondary-good-outstanding-schools")
	def.Title = `Evil </script><script>alert(1)</script><!--`
	html := renderChart(t, Trend(&def, pooleSeries()))
	if n := strings.Count(html, "</script>"); n != 1 {
		t.Errorf("%d </script> in the fragment, want 1:\n%s", n, html)
	}
	if strings.Contains(html, "<!--") || !strings.Contains(html, `alert(1)\u003c/script>\u003c!--`) {
		t.Errorf("title not neutralised:\n%s", html)
	}
	if !strings.Contains(html, "<caption>Evil &lt;/script&gt;") {
		t.Errorf("caption not escaped")
	}
}

func TestAssetsHandlerServesEmbeddedECharts(t *testing.T) {
	if got := sha256.Sum256(echartsJS); hex.EncodeToString(got[:]) != echartsSHA256Recorded {
		t.Fatalf("embedded echarts.min.js sha256 = %x, assets/SOURCES.md records %s", got, echartsSHA256Recorded)
	}
	if !bytes.Contains(echartsJS, []byte(`"`+EChartsVersion+`"`)) || !bytes.HasPrefix(echartsJS, []byte("/*! Apache ECharts "+EChartsVersion+", custom build")) {
		t.Errorf("embedded ECharts is not version %s", EChartsVersion)
	}
	// The custom build is what keeps pages light: well under the full build's 1,024,740 bytes.
	if len(echartsJS) > 600*1024 || len(echartsAsset.gz) > 200*1024 {
		t.Errorf("embedded ECharts is %d bytes, %d gzipped: more chart types than the pages use?", len(echartsJS), len(echartsAsset.gz))
	}
	srv := httptest.NewServer(AssetsHandler())
	defer srv.Close()

	get := func(method, path string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		// Without this, net/http would ask for gzip and decode it out of sight.
		req.Header.Set("Accept-Encoding", "identity")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}

	res, body := get(http.MethodGet, ScriptURL, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", ScriptURL, res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if len(body) < 300*1024 || !bytes.Equal(body, echartsJS) {
		t.Errorf("body is %d bytes, want the embedded %d", len(body), len(echartsJS))
	}
	etag := res.Header.Get("ETag")
	if etag != `"`+echartsSHA256Recorded+`"` {
		t.Errorf("ETag = %s", etag)
	}

	res, body = get(http.MethodGet, ScriptURL, map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("conditional GET: %d, %d bytes", res.StatusCode, len(body))
	}
	res, body = get(http.MethodHead, ScriptURL, nil)
	if res.StatusCode != http.StatusOK || len(body) != 0 || res.ContentLength != int64(len(echartsJS)) {
		t.Errorf("HEAD: %d, %d bytes, length %d", res.StatusCode, len(body), res.ContentLength)
	}
	res, body = get(http.MethodGet, AssetsPath+"echarts.min.js", nil)
	if res.StatusCode != http.StatusOK || len(body) != len(echartsJS) || res.Header.Get("Cache-Control") != "public, max-age=86400" {
		t.Errorf("unversioned: %d, %d bytes, %q", res.StatusCode, len(body), res.Header.Get("Cache-Control"))
	}
	for _, p := range []string{AssetsPath, AssetsPath + "echarts.js", AssetsHost + "../go.mod", AssetsPath + "echarts-5.4.2/echarts.min.js"} {
		if res, _ := get(http.MethodGet, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := get(http.MethodPost, ScriptURL, nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", res.StatusCode)
	}

	// Clients that accept gzip get the gzip encoding made at start-up, with its own ETag.
	for _, c := range []struct {
		path string
		want []byte
	}{{ScriptURL, echartsJS}, {ChartsScriptURL, chartsJS}} {
		res, body = get(http.MethodGet, c.path, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("GET %s with gzip: %d, Content-Encoding %q, Vary %q", c.path, res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, c.want) {
			t.Errorf("GET %s with gzip: %d bytes decode to %d, want the embedded %d (%v)", c.path, len(body), len(plain), len(c.want), err)
		}
		gzTag := res.Header.Get("ETag")
		if !strings.HasSuffix(gzTag, `.gz"`) || strings.HasPrefix(gzTag, "W/") {
			t.Errorf("gzip ETag = %s, want a strong tag of its own", gzTag)
		}
		if res, _ := get(http.MethodGet, c.path, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": gzTag}); res.StatusCode != http.StatusNotModified {
			t.Errorf("conditional GET %s with gzip: %d", c.path, res.StatusCode)
		}
		if res, _ := get(http.MethodGet, c.path, map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzip;q=0: Content-Encoding %q", res.Header.Get("Content-Encoding"))
		}
	}
	if len(echartsAsset.gz) > len(echartsJS)/2 {
		t.Errorf("gzip of ECharts is %d bytes of %d", len(echartsAsset.gz), len(echartsJS))
	}
}

// Every colour that draws data stands out from the background by 3:1 (SC 1.4.11), and RAG chips'
// text by 4.5:1 (SC 1.4.3).
func TestColoursHaveEnoughContrast(t *testing.T) {
	for _, s := range []lineStyle{styleArea, styleEngland, styleRegion, styleNeighbours, styleTarget} {
		if c := contrast(s.colour, colourBackground); c < 3 {
			t.Errorf("%s (%s): contrast %.2f < 3", s.colour, s.words, c)
		}
		if !strings.Contains(s.words, s.line) && s.line != "solid" {
			t.Errorf("%q does not name its line type %s", s.words, s.line)
		}
	}
	for _, c := range append([]string{colourBenchmark, colourInterval, colourText}, palette...) {
		if r := contrast(c, colourBackground); r < 3 {
			t.Errorf("%s: contrast %.2f < 3", c, r)
		}
	}
	if r := contrast(colourInterval, colourArea); r < 3 {
		t.Errorf("error bar on the area bar: contrast %.2f < 3", r)
	}
	for _, s := range []engine.RAGStatus{"green", "amber", "red", "no_target", "no_data", "suppressed", "", "other"} {
		r := RAG(s)
		if c := contrast(r.Foreground, r.Background); c < 4.5 {
			t.Errorf("RAG %s: text contrast %.2f < 4.5", s, c)
		}
		if r.Label == "" || !strings.Contains(string(r.Chip()), r.Label) {
			t.Errorf("RAG %s has no text", s)
		}
	}
	if c := contrast("#ffffff", "#0b0c0c"); c < 19 || c > 20 {
		t.Errorf("contrast(white, black) = %.2f", c)
	}
}

func TestTableHTML(t *testing.T) {
	tb := Table{Caption: "A & B", Columns: []string{"Period", "<Area>"}, Rows: []Row{{Header: "2016", Cells: []string{"1.0"}, Numeric: []bool{true}}, {Header: "2017", Cells: []string{"no data"}}}}
	want := `<table class="chart-data">
<caption>A &amp; B</caption>
<thead><tr><th scope="col">Period</th><th scope="col">&lt;Area&gt;</th></tr></thead>
<tbody>
<tr><th scope="row">2016</th><td class="num" data-label="&lt;Area&gt;">1.0</td></tr>
<tr><th scope="row">2017</th><td data-label="&lt;Area&gt;">no data</td></tr>
</tbody>
</table>`
	if got := string(tb.HTML()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// RAG colours stay apart without hue: each pair differs in lightness by at least 1.5:1, so readers
// with red-green colour blindness and greyscale prints tell them apart (and each chip has its word).
func TestRAGPaletteDiffersInLightness(t *testing.T) {
	cols := map[string]string{"red": RAG("red").Background, "amber": RAG("amber").Background, "green": RAG("green").Background}
	for _, pair := range [][2]string{{"red", "amber"}, {"red", "green"}, {"green", "amber"}} {
		if c := contrast(cols[pair[0]], cols[pair[1]]); c < 1.5 {
			t.Errorf("%s and %s: lightness contrast %.2f < 1.5", pair[0], pair[1], c)
		}
	}
	for _, s := range []engine.RAGStatus{"green", "amber", "red"} {
		if c := contrast(RAG(s).Foreground, RAG(s).Background); c < 7 {
			t.Errorf("%s chip text contrast %.2f < 7", s, c)
		}
	}
	if got := string(RAG("red").ShortChip()); got != `<strong class="rag rag-red" style="background:#b10e1e;color:#ffffff">Red</strong>` {
		t.Errorf("short chip = %s", got)
	}
}

func TestDirectionHasWordsAndArrow(t *testing.T) {
	for _, tt := range []struct {
		judgement    engine.Travel
		change       *float64
		arrow, words string
	}{
		{"improving", ptr(4.4), "↑", "Improving"},
		{"improving", ptr(-1.2), "↓", "Improving"}, // lower is better
		{"worsening", ptr(0.3), "↑", "Worsening"},
		{"no_change", ptr(0), "→", "No change"},
		{"increasing", ptr(8), "↑", "Increasing"},
		{"no_data", nil, "", "No earlier value"},
	} {
		d := Direction(tt.judgement, tt.change)
		if d.Arrow != tt.arrow || d.Words != tt.words {
			t.Errorf("Direction(%s) = %q %q, want %q %q", tt.judgement, d.Arrow, d.Words, tt.arrow, tt.words)
		}
	}
}

func TestSparklinePooleRow114(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools")
	got := string(Sparkline(SparkID(def.ID, "E06000029"), def, pooleSeries()))
	for _, s := range []string{
		`<svg class="sparkline" id="spark_secondary_good_outstanding_schools_E06000029" width="120" height="32" viewBox="0 0 120 32" role="img" aria-labelledby="spark_secondary_good_outstanding_schools_E06000029_t"`,
		`<title id="spark_secondary_good_outstanding_schools_E06000029_t">Secondary pupils in good or outstanding schools, last 5 periods: 2015-16 58.8, 2016-17 Q1 58.0, 2016-17 Q2 58.0, 2016-17 Q3 80.9, 2016-17 Q4 85.3. Target 88.0 (dashed line).</title>`,
		// Highest value (the target 88) at the top, lowest (58.0) at the bottom.
		`<line x1="0" x2="120" y1="4.0" y2="4.0"`,
		`<path d="M4.0 27.4 L32.0 28.0 L60.0 28.0 L88.0 9.7 L116.0 6.2"`,
	} {
		if !strings.Contains(got, s) {
			t.Errorf("missing %q in\n%s", s, got)
		}
	}
	if Sparkline("x", def, pooleSeries()[:1]) != "" {
		t.Error("one point should draw no sparkline")
	}
}

func TestSpineScaleFingertips(t *testing.T) {
	higher := &indicators.Definition{ID: "h", Title: "H", Polarity: "higher_is_better", Decimals: 1}
	lower := &indicators.Definition{ID: "l", Title: "L", Polarity: "lower_is_better", Decimals: 1}
	ev := func(v, eng float64) *engine.Evaluation {
		return &engine.Evaluation{Value: ptr(v), Comparators: engine.Compared{England: &engine.Comparator{Value: ptr(eng), Judgement: "better"}}}
	}
	// LA values 10..50, England 20: the further extreme (50) is 30 away, so 50 is at 100, 10 at
	// 50-50*10/30 = 33.33; the percentiles (20 and 40) at 50 and 83.33; the area (40) at 83.33.
	vals := []float64{10, 20, 30, 40, 50}
	s, ok := spineScale(SpineRow{Def: higher, Evaluation: ev(40, 20), LAValues: vals})
	if !ok || s.pWorst != 33.33 || s.pBest != 100 || s.pLow != 50 || s.pHigh != 83.33 || s.pArea != 83.33 || s.worst != 10 || s.best != 50 {
		t.Errorf("higher is better: %+v", s)
	}
	// Lower is better: mirrored, so the best (10) is on the right.
	s, _ = spineScale(SpineRow{Def: lower, Evaluation: ev(40, 20), LAValues: vals})
	if s.pWorst != 0 || s.pBest != 66.67 || s.pLow != 16.67 || s.pHigh != 50 || s.pArea != 16.67 || s.worst != 50 || s.best != 10 {
		t.Errorf("lower is better: %+v", s)
	}
	if _, ok := spineScale(SpineRow{Def: higher, Evaluation: ev(1, 1)}); ok {
		t.Error("no LA values should not be drawn")
	}
}

// A chart's source and as-at date, when the page sets them, are data attributes of its option
// block for the PNG download; without them the fragment has neither.
func TestChartSourceAndAsAtForThePNG(t *testing.T) {
	def := *definition(t, "secondary-good-outstanding-schools")
	c := Trend(&def, pooleSeries())
	if html := renderChart(t, c); strings.Contains(html, "data-source") || strings.Contains(html, "data-as-at") {
		t.Errorf("attributes without a source or date:\n%s", html)
	}
	c.Source, c.AsAt = `Ofsted "management" <information>`, "23 November 2026"
	html := renderChart(t, c)
	for _, want := range []string{`data-source="Ofsted &#34;management&#34; &lt;information&gt;"`, `data-as-at="23 November 2026"`} {
		if !strings.Contains(html, want) {
			t.Errorf("no %s in\n%s", want, html)
		}
	}
}

// svgText is every <text> of an SVG, in order, and its shapes by element name, from a parse
// that fails the test unless the SVG is well-formed XML.
func svgParse(t *testing.T, svg string) (texts []string, shapes map[string]int) {
	t.Helper()
	shapes = map[string]int{}
	dec := xml.NewDecoder(strings.NewReader(svg))
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			shapes[el.Name.Local]++
			inText = el.Name.Local == "text"
			for _, a := range el.Attr {
				if a.Name.Local == "class" && a.Value == "marker" {
					shapes["marker "+el.Name.Local]++
				}
			}
		case xml.CharData:
			if inText {
				texts = append(texts, string(el))
			}
		case xml.EndElement:
			inText = false
		}
	}
	return texts, shapes
}

// The spine chart drawn on the server: every row with an England distribution is drawn with its
// label (wrapped, every line within the label column) and the marker of its judgement; a row with
// local figures only is not drawn but listed in the table; the SVG is well-formed XML, has role
// img, a title and a description, and no script or event handler.
func TestSpineSVG(t *testing.T) {
	higher := &indicators.Definition{ID: "h", Title: "Hospital admissions caused by injuries in children aged 0 to 14, per 10,000",
		Polarity: "lower_is_better", Decimals: 1}
	better := &indicators.Definition{ID: "b", Title: "Good level of development", Polarity: "higher_is_better", Decimals: 1}
	similar := &indicators.Definition{ID: "s", Title: "Re-referrals", Polarity: "lower_is_better", Decimals: 1}
	plain := &indicators.Definition{ID: "p", Title: "Children in need", Decimals: 1}
	local := &indicators.Definition{ID: "l", Title: "Family information service calls", Decimals: 0}
	ev := func(v, eng float64, j stats.Judgement) *engine.Evaluation {
		return &engine.Evaluation{Period: "2023-24", Value: ptr(v), Comparators: engine.Compared{England: &engine.Comparator{Value: ptr(eng), Judgement: j}}}
	}
	vals := []float64{10, 20, 30, 40, 50, 60, 70}
	rows := []SpineRow{
		{Def: higher, Label: "1.1 " + higher.Title, Evaluation: ev(55, 40, "worse"), LAValues: vals},
		{Def: better, Label: better.Title, Evaluation: ev(60, 40, "better"), LAValues: vals},
		{Def: local, Label: local.Title, Evaluation: &engine.Evaluation{Period: "2023-24", Value: ptr(120)}},
		{Def: similar, Label: similar.Title, Evaluation: ev(41, 40, "similar"), LAValues: vals},
		{Def: plain, Label: plain.Title, Evaluation: ev(30, 40, ""), LAValues: vals},
	}
	c := Spine("card", "A card", engine.AreaRef{Code: "E06000058", Name: "Bournemouth, Christchurch and Poole"}, rows)
	svg := string(c.SVG())
	if svg == "" {
		t.Fatal("no SVG")
	}
	wide, narrow, ok := strings.Cut(svg, "\n")
	if !ok || !strings.HasPrefix(wide, `<svg class="chart-svg spine-wide" id="spine_card_E06000058" viewBox="0 0 960 `) ||
		!strings.HasPrefix(narrow, `<svg class="chart-svg spine-narrow" id="spine_card_E06000058_narrow" viewBox="0 0 400 `) {
		t.Fatalf("want a wide and a narrow drawing:\n%s", svg)
	}
	for _, d := range []struct {
		name, svg string
		perLine   int
	}{{"wide", wide, chars(spineWide.labelWidth, spineWide.font)}, {"narrow", narrow, chars(spineNarrow.width, spineNarrow.font)}} {
		texts, shapes := svgParse(t, d.svg)
		all := strings.Join(texts, " ")
		for _, want := range []string{"Worst (left) to best (right); England at the centre", "Worst", "Best", "England",
			"1.1 " + higher.Title, better.Title, similar.Title, plain.Title} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no text %q in %q", d.name, want, texts)
			}
		}
		if strings.Contains(all, local.Title) {
			t.Errorf("%s: the local-only row is drawn", d.name)
		}
		for _, line := range texts[4:] { // the labels, after the header and the scale's ends
			if utf8.RuneCountInString(line) > d.perLine {
				t.Errorf("%s: the line %q is longer than %d characters: it could reach the bar", d.name, line, d.perLine)
			}
		}
		// Four rows drawn, each with three bar pieces, an England line and a marker: a brown
		// diamond (worse), two circles (blue better, white similar), a grey square (no judgement).
		if shapes["g"] != 5 || shapes["marker path"] != 1 || shapes["marker circle"] != 2 || shapes["marker rect"] != 1 || shapes["rect"] != 4*3+1 {
			t.Errorf("%s: shapes %v", d.name, shapes)
		}
		for _, want := range []string{`role="img"`, `<title id="spine_card_E06000058`, `<desc id="spine_card_E06000058`,
			`fill="#a05a00" stroke="#0b0c0c"`, `fill="#1d70b8" stroke="#0b0c0c"`, `fill="#ffffff" stroke="#0b0c0c"`, `fill="#505a5f" stroke="#0b0c0c"`} {
			if !strings.Contains(d.svg, want) {
				t.Errorf("%s: missing %s", d.name, want)
			}
		}
		if strings.Contains(d.svg, "<script") || strings.Contains(d.svg, "javascript:") || regexp.MustCompile(`\son\w+=`).MatchString(d.svg) {
			t.Errorf("%s: a script or an event handler", d.name)
		}
	}
	// The long title wraps onto two lines beside the bar.
	texts, _ := svgParse(t, wide)
	if !slices.Contains(texts, "1.1 Hospital admissions caused by injuries") || !slices.Contains(texts, "in children aged 0 to 14, per 10,000") {
		t.Errorf("the long title is not wrapped onto two lines: %q", texts)
	}
	// The row without an England distribution is in the table, in words.
	var localRow *Row
	for i := range c.Table.Rows {
		if c.Table.Rows[i].Header == local.Title {
			localRow = &c.Table.Rows[i]
		}
	}
	if localRow == nil || localRow.Cells[7] != "local figures only, no national comparison" {
		t.Errorf("local-only row in the table: %+v", localRow)
	}
	if !strings.Contains(c.Summary, "4 of 5 indicators drawn") {
		t.Errorf("summary: %s", c.Summary)
	}
	// The page fragment: the SVG and the key, no canvas, no script, no download button.
	html := renderChart(t, c)
	if !strings.Contains(html, wide) || !strings.Contains(html, `<p class="chart-key">Key: each row runs`) ||
		strings.Contains(html, "<script") || strings.Contains(html, "chart-download") || strings.Contains(html, "<canvas") {
		t.Errorf("fragment:\n%s", html)
	}
	// The file to download stands alone: title, key, source and date written in it.
	c.Source, c.AsAt = "OHID Fingertips", "23 November 2026"
	file, ok := c.SVGFile()
	if !ok {
		t.Fatal("no SVG file")
	}
	texts, _ = svgParse(t, string(file))
	all := strings.Join(texts, " ")
	for _, want := range []string{"A card: Bournemouth, Christchurch and Poole, spine chart", "Key: each row runs from the worst",
		"Source: OHID Fingertips", "Data as at 23 November 2026", "brown diamond: worse than England"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG file: no %q in %q", want, texts)
		}
	}
	if !strings.HasPrefix(string(file), `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<svg xmlns="http://www.w3.org/2000/svg" width="992" `) {
		t.Errorf("SVG file head: %.200s", file)
	}
	if _, ok := Trend(better, nil).SVGFile(); ok {
		t.Error("an ECharts chart has no SVG file")
	}
}

func TestWrapText(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want []string
	}{
		{"", 10, []string{""}},
		{"Short", 10, []string{"Short"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		{"abcdefghijkl xy", 5, []string{"abcde", "fghij", "kl xy"}},
	} {
		if got := wrapText(tt.in, tt.max); !slices.Equal(got, tt.want) {
			t.Errorf("wrapText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
