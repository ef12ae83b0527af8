package api

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
)

// indentJSON makes a JSON body readable and stable for a golden file.
func indentJSON(t *testing.T, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Indent(&b, body, "", "  "); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// The ECharts options of the three charts for other front ends, pinned on the shipped Fingertips
// injuries export and example return: BCP's trend with its confidence band, BCP against its ten
// 2025 statistical neighbours with error bars, and the Poole scorecard's spine chart for BCP.
func TestChartOptionJSONGolden(t *testing.T) {
	f := pages(t)
	for _, tt := range []struct {
		path, golden string
		want         []string
	}{
		{"/api/v1/charts/trend/injury-admissions-0-14?area=839", "charts_option_trend_injuries_839.json", []string{
			`"id": "trend_injury_admissions_0_14_E06000058"`,
			`"echarts": "5.4.3"`,
			`"script": "/assets/echarts-5.4.3-2767c8e4babe/echarts.min.js"`,
			`"name": "95% confidence interval, lower limit"`,
			`"stack": "ci95"`,
		}},
		{"/api/v1/charts/comparison/injury-admissions-0-14?area=E06000058&period=2023-24", "charts_option_comparison_injuries_839.json", []string{
			`"id": "comparison_injury_admissions_0_14_E06000058_2023_24"`,
			`"Bournemouth, Christchurch and Poole (this area): 87.9 per 10,000"`,
			`"type": "boxplot"`,
			`Bournemouth, Christchurch and Poole is 10th of 11 among itself and its 10 statistical neighbours with a value (lowest first).`,
		}},
		{"/api/v1/charts/spine/poole-childrens-trust?area=839", "charts_option_spine_poole_839.json", []string{
			`"id": "spine_poole_childrens_trust_E06000058"`,
			`"Hospital admissions caused by injuries in children aged 0 to 14, per 10,000"`,
			`"symbol": "diamond"`, // worse than England
			`"no figure for this area"`,
		}},
	} {
		rec := f.get(t, http.MethodGet, tt.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", tt.path, rec.Code, rec.Body)
		}
		body := indentJSON(t, rec.Body.Bytes())
		pageGolden(t, tt.golden, body)
		for _, s := range tt.want {
			if !bytes.Contains(body, []byte(s)) {
				t.Errorf("%s: missing %s", tt.path, s)
			}
		}
		var out struct {
			Option map[string]any `json:"option"`
			Table  struct {
				Rows [][]string `json:"rows"`
			} `json:"table"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Option["series"] == nil || len(out.Table.Rows) == 0 {
			t.Errorf("%s: option %v, %d table rows (%v)", tt.path, out.Option != nil, len(out.Table.Rows), err)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte("function")) {
			t.Errorf("%s: the option has a JavaScript function", tt.path)
		}
	}
}

func TestComparisonChartValues(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/api/v1/charts/comparison/injury-admissions-0-14?area=839&period=2023-24")
	var out struct {
		Table struct {
			Rows [][]string `json:"rows"`
		} `json:"table"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, r := range out.Table.Rows {
		rows[r[0]] = r
	}
	// Fingertips 90284, 2023-24, published values and limits.
	for name, want := range map[string]string{
		"Bournemouth, Christchurch and Poole (this area)": "87.9 80.8 95.8",
		"Bedford":     "78.0 69.4 88.0",
		"East Sussex": "108.9 102.1 116.3",
		"England":     "72.7  ",
		"South West":  "79.7  ",
	} {
		r, ok := rows[name]
		if !ok {
			t.Errorf("no row %s in %v", name, out.Table.Rows)
			continue
		}
		if got := strings.Join(r[1:4], " "); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if len(out.Table.Rows) != 14 { // the area, 10 neighbours, their average, region, England
		t.Errorf("%d rows", len(out.Table.Rows))
	}
}

func TestScorecardPage(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/scorecards/poole-childrens-trust")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	html := rec.Body.String()
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	for _, s := range []string{
		`<title>Poole Children&#39;s Trust score card: Poole – Children's Trust scorecard</title>`,
		`<h1>Poole Children&#39;s Trust score card</h1>`,
		// Poole is a former council: its card says so, stops at its end and links to BCP's.
		`<p class="lede">Poole · each indicator&#39;s last period before Poole was merged</p>`,
		`<strong>Poole was merged into Bournemouth, Christchurch and Poole on 1 April 2019. Its rows show its last figures before then.</strong>`,
		`<a href="/scorecards/poole-childrens-trust?area=E06000058">Read this scorecard for Bournemouth, Christchurch and Poole</a>`,
		// Pickers: a plain GET form; Poole among the former councils; periods grouped by kind, in words.
		`<form class="pickers" method="get" action="">`,
		`<label for="area">Area</label>`,
		`<optgroup label="Former councils"><option value="E06000029" selected>Poole (until 2019)</option></optgroup>`,
		`<option value="" selected>Latest for each indicator</option>`,
		`<optgroup label="Quarters of financial years"><option value="2016-17 Q4">2016-17 Q4 (January to March 2017)</option>`,
		// Summary strip: one row per priority, RAG words in the header, each count labelled for narrow screens.
		`<th scope="col" class="num"><strong class="rag rag-red" style="background:#b10e1e;color:#ffffff">Red</strong></th>`,
		`<tr><th scope="row"><a href="#priority-1">Priority 1: learning and achievement</a></th><td class="num" data-label="Red">1</td><td class="num" data-label="Amber">0</td><td class="num" data-label="Green">0</td><td class="num" data-label="No target">0</td><td class="num" data-label="No data">2</td><td class="num" data-label="Suppressed">0</td><td class="num" data-label="Rows">3</td></tr>`,
		// Row 1.14 as the board reads it: the plan's reference, value with its unit, each
		// comparator with how Poole compares, rank, target and the gap to it, RAG, direction.
		`<h2 id="priority-1">Priority 1: learning and achievement</h2>`,
		`<th scope="row" data-label="Indicator"><span class="ref">1.14</span> <a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4">Secondary pupils in good or outstanding schools</a>
<span class="meta">per cent · Higher is better · Owner: Poole Children&#39;s Trust</span>`,
		`<td class="num c-value" data-label="Value"><div><strong class="v">85.3%</strong><span class="meta" title="Poole">2016-17 Q4</span></div></td>`,
		`<td class="cmpcell c-cmp" data-label="England"><div><span class="v-none">No data</span> <span class="cmp cmp-none" title="not compared with England"><span aria-hidden="true">○</span>&nbsp;Not compared<span class="visually-hidden"> with England</span></span></div></td>`,
		`<td class="c-rank" data-label="Rank"><div><span class="v-none">Not ranked</span></div></td>`,
		`<td class="c-target" data-label="Target"><div><span class="v">88.0%</span><span class="meta">2.7 percentage points below target</span></div></td>`,
		`<td class="c-rag" data-label="RAG"><div><strong class="rag rag-red" style="background:#b10e1e;color:#ffffff">Red</strong></div></td>`,
		`<td class="c-dir" data-label="Direction of travel"><div><span class="dir dir-improving"><span aria-hidden="true">↑</span> Improving</span><span class="meta">since 2016-17 Q3: &#43;4.4 percentage points</span></div></td>`,
		`<ul class="periods"><li>2016-17 Q1: <span class="v">58.0%</span></li><li>2016-17 Q2: <span class="v">58.0%</span></li><li>2016-17 Q3: <span class="v">80.9%</span></li><li>2016-17 Q4: <span class="v">85.3%</span></li></ul>`,
		`<title id="spark_secondary_good_outstanding_schools_E06000029_t">Secondary pupils in good or outstanding schools, last 5 periods: 2015-16 58.8, 2016-17 Q1 58.0, 2016-17 Q2 58.0, 2016-17 Q3 80.9, 2016-17 Q4 85.3. Target 88.0 (dashed line).</title>`,
		// No row has an England distribution for Poole: no empty spine chart, a sentence instead.
		`<h2 id="spine">Compared with England: spine chart</h2>`,
		`<p class="no-chart">No row has figures for local authorities across England in its period, so there is no spine chart to draw.`,
		`<strong>Local figures only, no national comparison:</strong> 1.14 Secondary pupils in good or outstanding schools.`,
		`<a href="/scorecards/poole-childrens-trust/exceptions?area=E06000029">Exception report (1 row to discuss first)</a>`,
		// The key explains every mark.
		`<h2 id="key">How to read this scorecard</h2>`,
		`<dt><span class="v-suppressed">c: suppressed to protect confidentiality</span></dt>`,
		`<dt><span class="v-notarget">No target</span></dt>`,
		// Print: A4 landscape, a footer on every page with the page number.
		`@page{size:A4 landscape;margin:10mm 10mm 16mm}`,
		`@bottom-left{content:"Poole Children's Trust score card · Poole · Data as at 23 November 2026 · Printed 23 November 2026 · Sources: `,
		`@bottom-right{content:"Page " counter(page) " of " counter(pages)`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
	if strings.Count(html, "<h1") != 1 || strings.Count(html, `<section class="priority"`) != 6 {
		t.Errorf("want one h1 and six priority sections")
	}
	if strings.Contains(html, "<script") {
		t.Errorf("a page without charts loads scripts")
	}
	// No machine reference is shown as a reference or a chart label.
	for _, ref := range []string{"TotPermEx", "3&amp;4yr_Ofsted_rating", "PrevRegCPR", "Emotional_LAC", "90284"} {
		if strings.Contains(html, ref) {
			t.Errorf("the page shows the machine reference %s", ref)
		}
	}
}

func TestScorecardPagePeriodAndArea(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/scorecards/poole-childrens-trust?area=836&period=2015-16")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	html := rec.Body.String()
	for _, s := range []string{
		`<p class="lede">Poole · 2015-16 (financial year), or each indicator&#39;s latest period before it</p>`,
		`<option value="2015-16" selected>2015-16 (financial year)</option>`,
		`<td class="num c-value" data-label="Value"><div><strong class="v">58.8%</strong><span class="meta" title="Poole">2015-16</span></div></td>
<td class="cmpcell c-cmp" data-label="Statistical neighbours"><div><span class="v">83.8%</span> <span class="cmp cmp-worse" title="worse than the statistical neighbours&#39; average"><span aria-hidden="true">▼</span>&nbsp;Worse<span class="visually-hidden"> than the statistical neighbours&#39; average</span></span></div></td>
<td class="cmpcell c-cmp" data-label="South West"><div><span class="v">86.5%</span> <span class="cmp cmp-worse" title="worse than South West">`,
		`<td class="c-target" data-label="Target"><div><span class="v">88.0%</span><span class="meta">29.2 percentage points below target</span>`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("missing %q", s)
		}
	}
	// BCP: the injuries row is drawn on the spine chart, worse than England, as inline SVG: the
	// page loads no script (no ECharts) and nothing from another server.
	rec = f.get(t, http.MethodGet, "/scorecards/poole-childrens-trust?area=Bournemouth,%20Christchurch%20and%20Poole")
	html = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(html, `<p class="lede">Bournemouth, Christchurch and Poole · the latest period of each indicator</p>`) ||
		!strings.Contains(html, `1 of 10 indicators drawn on the range of local authority values in England`) ||
		!strings.Contains(html, `<td class="c-rank" data-label="Rank"><div>117th of 151, quartile D</div></td>`) {
		t.Errorf("BCP scorecard: %d", rec.Code)
	}
	checkLocalOnly(t, html, false)
}

func TestExceptionReport(t *testing.T) {
	f := pages(t)
	ctx := context.Background()
	if _, err := f.server.Engine.AddComment(ctx, "secondary-good-outstanding-schools", "836", "2016-17 Q4", engine.Poster{TokenID: "tok_0123456789ab", TokenName: "school-improvement"}, "Head of school improvement",
		"Two schools moved from requires improvement to good in Q4; the trust expects 88% by the summer inspections."); err != nil {
		t.Fatal(err)
	}
	rec := f.get(t, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust/exceptions")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var rep struct {
		Area       struct{ Code string } `json:"area"`
		Rows       int
		Exceptions []struct {
			Priority string
			Rules    []string
			Reasons  []string
			Row      struct {
				Indicator  string
				Reference  string
				Evaluation struct {
					Period     string
					Value      float64
					Commentary []struct{ Text, Author string }
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Area.Code != "E06000029" || rep.Rows != 10 || len(rep.Exceptions) != 1 {
		t.Fatalf("report: %s", rec.Body)
	}
	ex := rep.Exceptions[0]
	if ex.Row.Reference != "1.14" || ex.Row.Evaluation.Value != 85.3 || ex.Rules[0] != "red_against_target" ||
		!strings.HasPrefix(ex.Reasons[0], "Red against its target") || len(ex.Row.Evaluation.Commentary) != 1 {
		t.Errorf("exception: %+v", ex)
	}

	page := f.get(t, http.MethodGet, "/scorecards/poole-childrens-trust/exceptions?area=836")
	html := page.Body.String()
	for _, s := range []string{
		`<h1>Exception report</h1>`,
		`<p><strong>1 of 10 rows</strong> is an exception.</p>`,
		`<h2><a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4">1.14 Secondary pupils in good or outstanding schools</a></h2>`,
		`<dt>Value</dt><dd>85.3%</dd>`,
		`<dt>Target</dt><dd>88.0% (2.7 percentage points below target)</dd>`,
		`Two schools moved from requires improvement to good in Q4`,
		`Head of school improvement (posted by school-improvement [tok_0123456789ab]), 23 November 2026, on 2016-17 Q4`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("exceptions page: missing %q", s)
		}
	}

	// BCP at 2023-24: injuries are significantly worse than England but improving: no exception.
	rec = f.get(t, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust/exceptions?area=839")
	if !strings.Contains(rec.Body.String(), `"exceptions":[]`) {
		t.Errorf("BCP exceptions: %s", rec.Body)
	}
}

func TestIndexAndPicker(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/")
	html := rec.Body.String()
	for _, s := range []string{
		// Poole is a former council: the card opens for BCP, with a link to Poole's last figures.
		`<a href="/scorecards/poole-childrens-trust?area=E06000058">Poole Children&#39;s Trust score card</a> (Bournemouth, Christchurch and Poole)<br><span class="muted">Also: <a href="/scorecards/poole-childrens-trust?area=E06000029">Poole (former council, merged in April 2019): its last figures</a></span>`,
		`<a href="/scorecards/rotherham-semh?area=E08000018">`,
		`<form class="pickers" method="get" action="/scorecards" aria-labelledby="pick">`,
	} {
		if !strings.Contains(html, s) {
			t.Errorf("index: missing %q", s)
		}
	}
	rec = f.get(t, http.MethodGet, "/scorecards?scorecard=rotherham-semh&area=839")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/scorecards/rotherham-semh?area=839" {
		t.Errorf("picker: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/scorecards/no-such-card", http.StatusNotFound},
		{"/scorecards?scorecard=no-such-card", http.StatusNotFound},
		{"/scorecards/poole-childrens-trust?area=nowhere", http.StatusNotFound},
		{"/scorecards/poole-childrens-trust?period=not-a-period", http.StatusBadRequest},
		{"/api/v1/scorecards/no-such-card/exceptions", http.StatusNotFound},
		{"/api/v1/charts/trend/injury-admissions-0-14", http.StatusBadRequest},
		{"/api/v1/charts/trend/no-such-indicator?area=839", http.StatusNotFound},
		{"/api/v1/charts/comparison/injury-admissions-0-14?area=839&period=1999-00", http.StatusNotFound},
		{"/api/v1/charts/spine/no-such-card?area=839", http.StatusNotFound},
	} {
		if rec := f.get(t, http.MethodGet, tt.path); rec.Code != tt.code {
			t.Errorf("GET %s: %d, want %d: %s", tt.path, rec.Code, tt.code, rec.Body)
		}
	}
}

// The spine chart as the SVG file the scorecard page offers to download, pinned for the Poole
// card for BCP (the injuries row drawn, worse than England; the nine others have no England
// distribution and are not drawn): well-formed XML, with its title, key, source and data date
// written in it, served as an attachment; and the page draws the same chart inline with no
// script.
func TestSpineSVGGolden(t *testing.T) {
	f := pages(t)
	rec := f.get(t, http.MethodGet, "/api/v1/charts/spine/poole-childrens-trust?area=839&format=svg")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct, cd := rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"); ct != "image/svg+xml; charset=utf-8" ||
		cd != `attachment; filename="spine-poole-childrens-trust-E06000058.svg"` {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, cd)
	}
	if etag := rec.Header().Get("ETag"); !strings.HasSuffix(etag, `.svg"`) {
		t.Errorf("ETag %q: want one for the SVG", etag)
	}
	body := rec.Body.Bytes()
	pageGolden(t, "charts_spine_poole_839.svg", body)
	texts := xmlTexts(t, string(body))
	// The title, wrapped onto two lines within the image.
	if !strings.Contains(strings.Join(texts, " "), "Poole Children's Trust score card: Bournemouth, Christchurch and Poole, spine chart") {
		t.Errorf("SVG file: no title in %q", texts)
	}
	for _, want := range []string{
		"Worst (left) to best (right); England at the centre",
		"Hospital admissions caused by injuries in", "children aged 0 to 14, per 10,000",
		"Key: each row runs from the worst local authority in England (left) to the best (right), or from the lowest to the highest",
		"Bournemouth, Christchurch and Poole's value: brown diamond: worse than England.",
		"Data as at 23 November 2026",
	} {
		if !slices.Contains(texts, want) {
			t.Errorf("SVG file: no text %q in %q", want, texts)
		}
	}
	svg := string(body)
	if strings.Count(svg, `<g class="spine-row"`) != 1 || strings.Count(svg, `class="marker"`) != 1 || !strings.Contains(svg, `<path class="marker" d=`) ||
		strings.Contains(svg, "Secondary pupils") {
		t.Errorf("want one row, the injuries, with a brown diamond (worse):\n%s", svg)
	}
	if !strings.Contains(strings.Join(texts, " "), "Source: ") {
		t.Errorf("SVG file: no source in %q", texts)
	}
	if rec := f.get(t, http.MethodGet, "/api/v1/charts/spine/poole-childrens-trust?area=839&format=png"); rec.Code != http.StatusBadRequest {
		t.Errorf("format=png: %d %s", rec.Code, rec.Body)
	}

	rec = f.get(t, http.MethodGet, "/scorecards/poole-childrens-trust?area=839")
	html := rec.Body.String()
	for _, want := range []string{
		`<svg class="chart-svg spine-wide" id="spine_poole_childrens_trust_E06000058" viewBox="0 0 960 `,
		`<svg class="chart-svg spine-narrow" id="spine_poole_childrens_trust_E06000058_narrow" viewBox="0 0 400 `,
		`role="img" aria-labelledby="spine_poole_childrens_trust_E06000058_svgtitle" aria-describedby="spine_poole_childrens_trust_E06000058_svgdesc"`,
		`<p class="chart-key">Key: each row runs from the worst local authority in England (left) to the best (right)`,
		`<a href="/api/v1/charts/spine/poole-childrens-trust?area=E06000058&amp;format=svg" download>Download the spine chart (SVG image, with its key, source and data date)</a>`,
		`<a href="/api/v1/charts/spine/poole-childrens-trust?area=E06000058">The spine chart as ECharts JSON</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("scorecard page: missing %s", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "echarts") && strings.Contains(html, ".js") {
		t.Error("the scorecard page loads a script")
	}
	for _, m := range regexp.MustCompile(`(?s)<svg class="chart-svg.*?</svg>`).FindAllString(html, -1) {
		xmlTexts(t, m)
	}
}

// xmlTexts parses s as XML (failing the test unless it is well-formed) and returns its <text>
// elements' contents.
func xmlTexts(t *testing.T, s string) []string {
	t.Helper()
	var texts []string
	dec := xml.NewDecoder(strings.NewReader(s))
	in := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return texts
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			in = el.Name.Local == "text"
		case xml.CharData:
			if in {
				texts = append(texts, string(el))
			}
		case xml.EndElement:
			in = false
		}
	}
}
