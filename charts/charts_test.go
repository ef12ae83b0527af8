package charts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// echartsSHA256Recorded is the checksum recorded in assets/SOURCES.md.
const echartsSHA256Recorded = "1156429a16a38cb8604dcc6518c19406d4226142d908f8edd2e3531443c54d19"

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
	return b.String()
}

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

var optionRE = regexp.MustCompile(`(?s)let option_\w+ = (\{.*?\})\s*goecharts_`)

// option decodes the ECharts option a rendered chart passes to setOption. Functions (the error
// bar's renderItem) are not JSON; they are replaced by null first.
func option(t *testing.T, html string) map[string]any {
	t.Helper()
	m := optionRE.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no option in\n%s", html)
	}
	// go-echarts inlines functions with newlines and tabs removed.
	strip := strings.NewReplacer("\n", "", "\t", "")
	js := strings.NewReplacer(strip.Replace(intervalJS), "null", strip.Replace(intervalTooltipJS), "null").Replace(m[1])
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
	Data []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"data"`
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

func values(s seriesJSON) []any {
	var out []any
	for _, d := range s.Data {
		out = append(out, d.Value)
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
	if opt["aria"] == nil || opt["animation"] != false {
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
	if !strings.Contains(html, `<th scope="row">2016-17 Q2</th><td>suppressed (c)</td></tr>`) {
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
	c := Comparison(def, injuries())
	html := renderChart(t, c)
	golden(t, "charts_comparison.html", []byte(html))

	opt := option(t, html)
	yAxis := opt["yAxis"].([]any)[0].(map[string]any)
	if got, _ := json.Marshal(yAxis["data"]); string(got) != `["Bournemouth, Christchurch and Poole: 92.6 per 10,000","Statistical neighbours' average: 88.0 per 10,000","South West: 94.0 per 10,000","England: 75.0 per 10,000"]` {
		t.Errorf("categories = %s", got)
	}
	series := seriesOf(t, opt)
	if got, _ := json.Marshal(values(series["Value"])); string(got) != `[92.6,88,94,75]` {
		t.Errorf("bars = %s", got)
	}
	ci, ok := series[intervalName]
	if !ok || ci.Type != "custom" {
		t.Fatalf("no error bar series: %v", series)
	}
	if got, _ := json.Marshal(values(ci)); string(got) != `[[0,86.1,99.5]]` {
		t.Errorf("interval = %s", got)
	}
	if !strings.Contains(html, `"renderItem":function (params, api) {`) || !strings.Contains(html, `"encode":{"x":[1,2],"y":0}`) {
		t.Errorf("the error bar is not drawn by its renderItem function:\n%s", html)
	}
	for _, s := range []string{
		`Bournemouth, Christchurch and Poole, 2021-22: Bournemouth, Christchurch and Poole 92.6 per 10,000 (95% confidence interval 86.1 per 10,000 to 99.5 per 10,000); Statistical neighbours&#39; average 88.0 per 10,000; South West 94.0 per 10,000; England 75.0 per 10,000.`,
		`<th scope="row">Bournemouth, Christchurch and Poole</th><td class="num">92.6</td><td class="num">86.1</td><td class="num">99.5</td><td></td><td>confidence interval published by the source</td>`,
		`<th scope="row">England</th><td class="num">75.0</td><td></td><td></td><td>worse (benchmark against the 95% confidence interval)</td><td>published</td>`,
		`<td>similar (benchmark against the 95% confidence interval)</td><td>mean of the statistical neighbours&#39; values, 9 of 10 neighbours with a value, neighbour vintage 2025-05</td>`,
		`The black line with end caps across Bournemouth, Christchurch and Poole&#39;s bar is its 95% confidence interval.`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
}

func TestComparisonWithoutInterval(t *testing.T) {
	def := definition(t, "secondary-good-outstanding-schools")
	q4 := pooleSeries()[4]
	html := renderChart(t, Comparison(def, q4))
	series := seriesOf(t, option(t, html))
	if _, ok := series[intervalName]; ok || len(series) != 1 {
		t.Errorf("series = %v, want the bars only", series)
	}
	if got, _ := json.Marshal(values(series["Value"])); string(got) != `[85.3,"-","-","-"]` {
		t.Errorf("bars = %s", got)
	}
	if !strings.Contains(html, `<th scope="row">England</th><td>no data</td><td></td><td></td><td>not compared</td><td>no value</td>`) {
		t.Errorf("missing comparator row:\n%s", html)
	}
	if Comparison(def, nil) != nil {
		t.Error("Comparison(nil) should be nil")
	}
}

var sourceRE = regexp.MustCompile(`(?i)<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)`)

// Nothing a chart renders loads from elsewhere: neither the fragment nor the whole page go-echarts
// itself writes, and the page's script is the embedded ECharts.
func TestNoExternalSources(t *testing.T) {
	trend := Trend(definition(t, "secondary-good-outstanding-schools"), pooleSeries())
	comparison := Comparison(definition(t, "injury-admissions-0-14"), injuries())
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
	if ScriptURL != "/assets/echarts-5.4.3/echarts.min.js" {
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

// Data in a chart's option cannot close its script element.
func TestChartDataCannotEndTheScript(t *testing.T) {
	def := *definition(t, "secondary-good-outstanding-schools")
	def.Title = `Evil </script><script>alert(1)</script><!--`
	html := renderChart(t, Trend(&def, pooleSeries()))
	if n := strings.Count(html, "</script>"); n != 1 {
		t.Errorf("%d </script> in the fragment, want 1:\n%s", n, html)
	}
	if strings.Contains(html, "<!--") || !strings.Contains(html, `alert(1)<\/script><\!--`) {
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
	if !bytes.Contains(echartsJS, []byte(`version="`+EChartsVersion+`"`)) {
		t.Errorf("embedded ECharts is not version %s", EChartsVersion)
	}
	srv := httptest.NewServer(AssetsHandler())
	defer srv.Close()

	get := func(method, path string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
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
	if len(body) < 500*1024 || !bytes.Equal(body, echartsJS) {
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
	for _, s := range []string{"green", "amber", "red", "no_target", "no_data", "suppressed", "", "other"} {
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
<tr><th scope="row">2016</th><td class="num">1.0</td></tr>
<tr><th scope="row">2017</th><td>no data</td></tr>
</tbody>
</table>`
	if got := string(tb.HTML()); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
