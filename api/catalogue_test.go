package api_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// indicatorIDs reads GET /api/v1/indicators...: the ids listed, and n.
func indicatorIDs(t *testing.T, f *fixture, path string) []string {
	t.Helper()
	rec := f.do(t, http.MethodGet, path, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
	var body struct {
		Data []struct {
			ID    string `json:"id"`
			Topic string `json:"topic"`
		} `json:"data"`
		N int `json:"n"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, d := range body.Data {
		if d.Topic == "" {
			t.Errorf("%s: %s has no topic", path, d.ID)
		}
		ids = append(ids, d.ID)
	}
	if body.N != len(ids) {
		t.Errorf("%s: n %d, %d listed", path, body.N, len(ids))
	}
	return ids
}

// The API's indicator list narrows by topic and by every word of q, in any case; an unknown
// topic is an empty list, not an error.
func TestIndicatorListFilters(t *testing.T) {
	f := sharedFixture(t)
	all := indicatorIDs(t, f, "/api/v1/indicators")
	if len(all) != 236 {
		t.Errorf("all: %d indicators, want the 236 shipped (31 hand-written, 205 generated from LAIT)", len(all))
	}
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"a topic, in another case, and a word", "/api/v1/indicators?topic=all+pupil+absence+%26+exclusions&q=permanent",
			[]string{"lait-pripermex", "lait-secpermex", "lait-specpermex", "perm-exclusion-rate", "perm-exclusion-rate-2007-2017"}},
		{"every word, in the title or description", "/api/v1/indicators?q=PERMANENT+2006/07", []string{"perm-exclusion-rate-2007-2017"}},
		{"topic and words together", "/api/v1/indicators?topic=Children+Looked+After&q=sdq+long-run", []string{"cla-sdq-score-lait"}},
		{"an unknown topic lists nothing", "/api/v1/indicators?topic=Pets", []string{}},
		{"words that match nothing", "/api/v1/indicators?q=zebra", []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := indicatorIDs(t, f, tt.path)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s: %v, want %v", tt.path, got, tt.want)
			}
		})
	}
	if got := indicatorIDs(t, f, "/api/v1/indicators?topic=All+Pupil+Absence+%26+Exclusions"); len(got) != 36 {
		t.Errorf("the topic All Pupil Absence & Exclusions: %d indicators, want 36 (35 LAIT measures and the 2006/07-2016/17 series)", len(got))
	}
	rec := f.do(t, http.MethodGet, "/api/v1/indicators?format=csv&topic=Child+Protection", nil)
	records, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || rec.Code != 200 || len(records) != 32 || strings.Join(records[0][:4], ",") != "id,reference,title,topic" ||
		records[1][0] != "lait-10-icpc" || records[31][0] != "repeat-cpp" || records[31][3] != "Child Protection" {
		t.Errorf("CSV: %d %v, %d records", rec.Code, err, len(records))
	}
	if rec := f.do(t, http.MethodGet, "/api/v1/indicators?q="+strings.Repeat("x", 201), nil); rec.Code != http.StatusBadRequest {
		t.Errorf("a 201-character q: %d, want 400", rec.Code)
	}
}

// The catalogue page lists every indicator under its topic, linked for the first scorecard's
// area; the search box and the topic narrow it, and an unknown topic says so in a sentence.
func TestCataloguePage(t *testing.T) {
	f := sharedFixture(t)
	rec := f.do(t, http.MethodGet, "/indicators", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, body)
	}
	for _, want := range []string{
		"<h1>Indicators</h1>",
		`<label for="q">Words in the title or description</label>`,
		`<input id="q" name="q" type="search" value=""`,
		`<label for="topic">Topic</label>`,
		`<label for="area">Area for the links</label>`,
		`<option value="E06000015" selected>Derby</option>`, // derby-treatment, the first scorecard
		`<p role="status">All 236 indicators, topic by topic.</p>`,
		`<h2 id="topic-2">All Pupil Absence &amp; Exclusions</h2>`,
		`<h2 id="topic-5">Children Looked After</h2>`,
		`<a href="/areas/E06000015/indicators/perm-exclusion-rate">Permanent exclusion rate</a>`,
		`<a href="/areas/E06000015">Where Derby stands on every indicator</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the catalogue has no %s", want)
		}
	}
	if n := strings.Count(body, `<li><a href="/areas/E06000015/indicators/`); n != 236 {
		t.Errorf("%d indicators linked, want 236", n)
	}

	rec = f.do(t, http.MethodGet, "/indicators?q=Permanent+exclusion&topic=All+Pupil+Absence+%26+Exclusions&area=E06000058", nil)
	body = rec.Body.String()
	for _, want := range []string{
		`value="Permanent exclusion"`,
		`<option value="All Pupil Absence &amp; Exclusions" selected>`,
		`<option value="E06000058" selected>Bournemouth, Christchurch and Poole</option>`,
		`<p role="status">5 indicators match “Permanent exclusion” in All Pupil Absence &amp; Exclusions.</p>`,
		`<a href="/areas/E06000058/indicators/lait-secpermex">`,
		`<a href="/areas/E06000058/indicators/perm-exclusion-rate">Permanent exclusion rate</a>`,
		`<a href="/areas/E06000058/indicators/perm-exclusion-rate-2007-2017">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the narrowed catalogue has no %s", want)
		}
	}
	if strings.Contains(body, "suspension-rate") || strings.Contains(body, "<h2 id=\"topic-2\"") {
		t.Error("the narrowed catalogue lists more than the five permanent exclusion rates")
	}

	rec = f.do(t, http.MethodGet, "/indicators?topic=Pets", nil)
	body = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `<p role="status">No indicator is in the topic “Pets”: choose a topic from the list.</p>`) ||
		strings.Contains(body, "/indicators/perm-exclusion-rate") {
		t.Errorf("an unknown topic: %d, want 200 with a sentence and no list", rec.Code)
	}
	if rec := f.do(t, http.MethodGet, "/indicators?area=Atlantis", nil); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "<h1>We could not find that</h1>") {
		t.Errorf("an unknown area: %d, want a 404 page", rec.Code)
	}
}

// The area page shows every topic with every indicator, and a known row's value, rank and
// comparisons in the scorecard's words and colours.
func TestAreaPage(t *testing.T) {
	f := sharedFixture(t)
	for _, area := range []string{"E06000058", "839", "Bournemouth, Christchurch and Poole"} {
		rec := f.do(t, http.MethodGet, "/areas/"+strings.ReplaceAll(area, " ", "%20"), nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", area, rec.Code)
		}
		body := rec.Body.String()
		for _, want := range []string{
			"<h1>Bournemouth, Christchurch and Poole: every indicator</h1>",
			"<p>218 indicators have figures for Bournemouth, Christchurch and Poole, of 236 indicators in 12 topics.</p>",
			`<h2 id="topic-1">Adoption</h2>`, `<h2 id="topic-2">All Pupil Absence &amp; Exclusions</h2>`,
			`<h2 id="topic-3">Child Protection</h2>`, `<h2 id="topic-4">Children in Need</h2>`,
			`<h2 id="topic-5">Children Looked After</h2>`, `<h2 id="topic-6">Children&#39;s Services Workforce</h2>`,
			`<h2 id="topic-7">Early Years</h2>`, `<h2 id="topic-8">Foundation Stage</h2>`, `<h2 id="topic-9">Health and Wellbeing</h2>`,
			`<h2 id="topic-10">Schools</h2>`, `<h2 id="topic-11">Substance Misuse</h2>`, `<h2 id="topic-12">Youth Offending</h2>`,
			// The permanent exclusion rate: value, each comparator in a word and a colour, rank and quartile.
			`<a href="/areas/E06000058/indicators/perm-exclusion-rate?period=2023%2F24">Permanent exclusion rate</a>`,
			`<td class="c-period" data-label="Period"><div>2023/24 (academic year)</div></td>
<td class="num c-value" data-label="Value"><div><strong class="v">0.17%</strong></div></td>
<td class="cmpcell c-cmp" data-label="Statistical neighbours"><div><span class="v">0.12%</span> <span class="cmp cmp-worse" title="worse than the statistical neighbours&#39; average"><span aria-hidden="true">▼</span>&nbsp;Worse<span class="visually-hidden"> than the statistical neighbours&#39; average</span></span></div></td>
<td class="cmpcell c-cmp" data-label="South West"><div><span class="v">0.15%</span> <span class="cmp cmp-worse" title="worse than South West">`,
			`<td class="cmpcell c-cmp" data-label="England"><div><span class="v">0.13%</span> <span class="cmp cmp-worse" title="worse than England"><span aria-hidden="true">▼</span>&nbsp;Worse<span class="visually-hidden"> than England</span></span></div></td>
<td class="c-rank" data-label="Rank"><div>106th of 153, quartile C</div></td>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the area page has no %s", area, want)
			}
		}
		if n := strings.Count(body, `<th scope="row" data-label="Indicator">`); n != 236 {
			t.Errorf("%s: %d rows, want every one of the 236 indicators", area, n)
		}
	}
	rec := f.do(t, http.MethodGet, "/areas/Atlantis", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "We could not find that") {
		t.Errorf("an unknown area: %d, want the 404 page", rec.Code)
	}
	rec = f.do(t, http.MethodGet, "/areas?area=839", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/areas/E06000058" {
		t.Errorf("the area picker: %d to %q, want 303 to /areas/E06000058", rec.Code, rec.Header().Get("Location"))
	}
}

// indicatorTopics is every indicator's topic, from GET /api/v1/indicators.
func indicatorTopics(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	rec := f.do(t, http.MethodGet, "/api/v1/indicators", nil)
	var body struct {
		Data []struct {
			ID    string `json:"id"`
			Topic string `json:"topic"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("indicators: %d %v", rec.Code, err)
	}
	out := map[string]string{}
	for _, d := range body.Data {
		out[d.ID] = d.Topic
	}
	return out
}

// The area scorecard narrowed by topic (in any case) and words lists exactly the catalogue's
// indicators for them, in JSON and in CSV; an unknown topic is a 400 that lists the topics.
func TestAreaScorecardTopic(t *testing.T) {
	f := sharedFixture(t)
	topics := indicatorTopics(t, f)
	cla := indicatorIDs(t, f, "/api/v1/indicators?topic=Children+Looked+After")
	if len(cla) != 69 {
		t.Fatalf("the catalogue has %d indicators in Children Looked After, want 69", len(cla))
	}
	for _, tt := range []struct {
		name, query, topic string
		want               []string
	}{
		{"a topic", "topic=Children+Looked+After", "Children Looked After", cla},
		{"a topic in another case", "topic=children+looked+after", "Children Looked After", cla},
		{"a topic and words", "topic=All+Pupil+Absence+%26+Exclusions&q=permanent", "All Pupil Absence & Exclusions",
			[]string{"lait-pripermex", "lait-secpermex", "lait-specpermex", "perm-exclusion-rate", "perm-exclusion-rate-2007-2017"}},
		{"words alone", "q=PERMANENT+2006/07", "", []string{"perm-exclusion-rate-2007-2017"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := "/api/v1/areas/E06000058/scorecard?" + tt.query
			rec := f.do(t, http.MethodGet, path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			sc := decode[scorecardJSON](t, rec.Body.Bytes())
			got := []string{}
			for _, r := range sc.Rows {
				got = append(got, r.Indicator)
				if tt.topic != "" && topics[r.Indicator] != tt.topic {
					t.Errorf("%s: %s is in %q, want %q", path, r.Indicator, topics[r.Indicator], tt.topic)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("%s: %d rows %v, want the catalogue's %d %v", path, len(got), got, len(tt.want), tt.want)
			}
			if sc.Area.Code != "E06000058" {
				t.Errorf("%s: area %+v", path, sc.Area)
			}
		})
	}

	path := "/api/v1/areas/E06000058/scorecard?format=csv&topic=CHILDREN+LOOKED+AFTER"
	rec := f.do(t, http.MethodGet, path, nil)
	records, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || rec.Code != http.StatusOK || len(records) != 1+len(cla) {
		t.Fatalf("%s: %d %v, %d records, want a header and %d rows", path, rec.Code, err, len(records), len(cla))
	}
	if records[0][0] != "indicator" {
		t.Errorf("CSV header %v, want indicator first", records[0])
	}
	for i, r := range records[1:] {
		if r[0] != cla[i] || topics[r[0]] != "Children Looked After" {
			t.Errorf("CSV row %d: %s (topic %q), want %s in Children Looked After", i+1, r[0], topics[r[0]], cla[i])
		}
	}

	path = "/api/v1/areas/E06000058/scorecard?topic=Pets"
	rec = f.do(t, http.MethodGet, path, nil)
	checkProblem(t, rec, http.StatusBadRequest, "invalid", "/api/v1/areas/E06000058/scorecard", `topic "Pets" is not one of Adoption, All Pupil Absence & Exclusions, `+
		`Child Protection, Children in Need, Children Looked After, Children's Services Workforce, Early Years, Foundation Stage, `+
		`Health and Wellbeing, Schools, Substance Misuse, Youth Offending`)
	path = "/api/v1/areas/E06000058/scorecard?format=csv&topic=Pets"
	checkProblem(t, f.do(t, http.MethodGet, path, nil), http.StatusBadRequest, "invalid", "/api/v1/areas/E06000058/scorecard", `topic "Pets" is not one of Adoption, `)
}

// The area page narrowed to a topic shows the topic navigation with that topic current, a
// sentence counting its indicators, a link back to every topic, and only that topic's rows; an
// unknown topic lists nothing and says so, as the catalogue page does.
func TestAreaPageTopic(t *testing.T) {
	f := sharedFixture(t)
	topics := indicatorTopics(t, f)
	rec := f.do(t, http.MethodGet, "/areas/E06000058?topic=children+looked+after", nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, body)
	}
	for _, want := range []string{
		"<h1>Bournemouth, Christchurch and Poole: Children Looked After</h1>",
		"<title>Bournemouth, Christchurch and Poole: Children Looked After",
		`<nav aria-label="Topics" class="no-print topics"><ul class="links"><li><a href="/areas/E06000058">All topics</a></li>`,
		`<li><a href="/areas/E06000058?topic=Adoption">Adoption</a></li>`,
		`<li><a href="/areas/E06000058?topic=All%20Pupil%20Absence%20%26%20Exclusions">All Pupil Absence &amp; Exclusions</a></li>`,
		`<li><a href="/areas/E06000058?topic=Children%20Looked%20After" aria-current="page">Children Looked After</a></li>`,
		`<li><a href="/areas/E06000058?topic=Youth%20Offending">Youth Offending</a></li></ul></nav>`,
		`<p>69 indicators in Children Looked After: 68 have figures for Bournemouth, Christchurch and Poole.</p>`,
		`<li><a href="/areas/E06000058">Show every topic</a></li>`,
		`<h2 id="topic-1">Children Looked After</h2>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the Children Looked After page has no %s", want)
		}
	}
	if n := strings.Count(body, `aria-current="page"`); n != 1 {
		t.Errorf("%d links marked current, want 1", n)
	}
	if n := strings.Count(body, `<th scope="row" data-label="Indicator">`); n != 69 {
		t.Errorf("%d rows, want the 69 of Children Looked After", n)
	}
	if n := strings.Count(body, "<h2 id=\"topic-"); n != 1 {
		t.Errorf("%d topic tables, want 1", n)
	}
	for _, part := range strings.Split(body, `<th scope="row" data-label="Indicator"><a href="/areas/E06000058/indicators/`)[1:] {
		id, _, _ := strings.Cut(part, `"`)
		id, _, _ = strings.Cut(id, "?")
		if topics[id] != "Children Looked After" {
			t.Errorf("row %s is in %q, want Children Looked After", id, topics[id])
		}
	}

	rec = f.do(t, http.MethodGet, "/areas/E06000058", nil)
	if body := rec.Body.String(); !strings.Contains(body, `<li><a href="/areas/E06000058" aria-current="page">All topics</a></li>`) ||
		strings.Count(body, `aria-current="page"`) != 1 || strings.Contains(body, "Show every topic") {
		t.Errorf("the whole area page: All topics is not the one current link, or it offers to show every topic")
	}

	rec = f.do(t, http.MethodGet, "/areas/E06000058?topic=Pets", nil)
	body = rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `<p>No indicator is in the topic “Pets”: choose a topic from the list.</p>`) ||
		strings.Contains(body, `<th scope="row"`) || strings.Contains(body, `aria-current="page"`) ||
		!strings.Contains(body, `<li><a href="/areas/E06000058?topic=Adoption">Adoption</a></li>`) {
		t.Errorf("an unknown topic: %d, want 200 with the sentence, the topic links, no current link and no rows", rec.Code)
	}
	if !strings.Contains(body, "<h1>Bournemouth, Christchurch and Poole: indicators in “Pets”</h1>") {
		t.Error("an unknown topic: the heading does not name it")
	}

	rec = f.do(t, http.MethodGet, "/areas/E06000058?q=permanent+2006/07", nil)
	body = rec.Body.String()
	if !strings.Contains(body, `<p>1 indicator matches “permanent 2006/07”: none has figures for Bournemouth, Christchurch and Poole.</p>`) ||
		strings.Count(body, `<th scope="row" data-label="Indicator">`) != 1 {
		t.Errorf("words: %d, want one row and its sentence", rec.Code)
	}
}
