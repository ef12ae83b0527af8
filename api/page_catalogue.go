package api

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

// maxSearchText is the longest search text or topic a catalogue read takes, in characters.
const maxSearchText = 200

// catalogueFilter reads the catalogue's filters, topic and q (Catalog.Find), from the query:
// each must be UTF-8 of at most maxSearchText characters (Invalid otherwise).
func catalogueFilter(c echo.Context) (topic, q string, err error) {
	topic, q = strings.TrimSpace(c.QueryParam("topic")), strings.TrimSpace(c.QueryParam("q"))
	for _, p := range []struct{ name, value string }{{"topic", topic}, {"q", q}} {
		if !utf8.ValidString(p.value) || utf8.RuneCountInString(p.value) > maxSearchText {
			return "", "", errs.Errorf(errs.Invalid, "%s must be text of at most %d characters", p.name, maxSearchText)
		}
	}
	return topic, q, nil
}

// indicatorFilter reads an area read's topic and q (catalogueFilter, matched as the catalogue
// matches them) as an engine.Filter, with the topic as the catalogue spells it, and whether the
// catalogue has the topic ("" is every topic, so known).
func (s *Server) indicatorFilter(c echo.Context) (f engine.Filter, known bool, err error) {
	topic, q, err := catalogueFilter(c)
	if err != nil {
		return engine.Filter{}, false, err
	}
	if topic == "" {
		return engine.Filter{Q: q}, true, nil
	}
	for _, t := range s.Catalog.Topics() {
		if strings.EqualFold(t, topic) {
			return engine.Filter{Topic: t, Q: q}, true, nil
		}
	}
	return engine.Filter{Topic: topic, Q: q}, false, nil
}

// unknownTopic is the API's answer to a topic the catalogue does not have: Invalid, naming it
// and listing the topics there are.
func (s *Server) unknownTopic(topic string) error {
	return errs.Errorf(errs.Invalid, "topic %q is not one of %s", topic, strings.Join(s.Catalog.Topics(), ", "))
}

// catalogueEntry is one indicator in the catalogue page's list.
type catalogueEntry struct {
	Title, Description, Measure, GoodDirection, URL string
}

// catalogueTopic is one topic's indicators on the catalogue page.
type catalogueTopic struct {
	Topic, Anchor string
	Entries       []catalogueEntry
}

// cataloguePageData is what the catalogue page shows.
type cataloguePageData struct {
	Q, Topic string
	Topics   []option
	Areas    []optionGroup
	Area     engine.AreaRef
	AreaURL  string
	// Found is how many indicators match, of Total; Sentence says so in words.
	Found, Total int
	Sentence     string
	Groups       []catalogueTopic
	JSONURL      string
}

// cataloguePage is GET /indicators?q=&topic=&area=: every indicator, topic by topic, each linked
// to its page for the chosen area (the first scorecard's area by default), narrowed by words in
// the title or description (q) and by topic. The filters are a plain GET form; an unknown topic
// lists nothing and says so. An unknown area is a 404 page.
func (s *Server) cataloguePage(c echo.Context) error {
	topic, q, err := catalogueFilter(c)
	if err != nil {
		return err
	}
	a, err := s.catalogueArea(strings.TrimSpace(c.QueryParam("area")))
	if err != nil {
		return err
	}
	found := s.Catalog.Find(topic, q)
	data := cataloguePageData{Q: q, Topic: topic, Area: engine.AreaRef{Code: a.Code, Name: a.Name, Level: string(a.Level)},
		AreaURL: "/areas/" + url.PathEscape(a.Code), Found: len(found), Total: len(s.Catalog.All()),
		Areas: s.cataloguePickerAreas(a.Code)}
	data.Topics = []option{{Value: "", Label: "Every topic", Selected: topic == ""}}
	known := false
	for _, t := range s.Catalog.Topics() {
		sel := strings.EqualFold(t, topic)
		known = known || sel
		data.Topics = append(data.Topics, option{Value: t, Label: t, Selected: sel})
	}
	if topic != "" && !known {
		data.Topics = append(data.Topics, option{Value: topic, Label: topic + " (no such topic)", Selected: true})
	}
	jq := url.Values{}
	if topic != "" {
		jq.Set("topic", topic)
	}
	if q != "" {
		jq.Set("q", q)
	}
	data.JSONURL = "/api/v1/indicators"
	if len(jq) > 0 {
		data.JSONURL += "?" + jq.Encode()
	}
	data.Sentence = catalogueSentence(len(found), data.Total, topic, known, q)
	index := map[string]int{}
	for _, d := range found {
		i, ok := index[d.Topic]
		if !ok {
			i = len(data.Groups)
			index[d.Topic] = i
			data.Groups = append(data.Groups, catalogueTopic{Topic: d.Topic, Anchor: "topic-" + itoa(i+1)})
		}
		data.Groups[i].Entries = append(data.Groups[i].Entries, catalogueEntry{Title: d.Title, Description: d.Description,
			Measure: display.UnitWords(d), GoodDirection: display.Polarity(d.Polarity),
			URL: "/areas/" + url.PathEscape(a.Code) + "/indicators/" + url.PathEscape(d.ID)})
	}
	// Topics in the catalogue's order, each topic's indicators by title.
	order := map[string]int{}
	for i, t := range s.Catalog.Topics() {
		order[t] = i
	}
	sortBy(data.Groups, func(g catalogueTopic) int { return order[g.Topic] })
	for i := range data.Groups {
		data.Groups[i].Anchor = "topic-" + itoa(i+1)
		sortBy(data.Groups[i].Entries, func(e catalogueEntry) string { return strings.ToLower(e.Title) })
	}
	return writePage(c, cataloguePageTemplate, "Indicators", false, false, data)
}

var cataloguePageTemplate = pageTemplate("indicators")

// catalogueSentence says what the catalogue lists: "All 31 indicators.", "3 of 31 indicators
// match “exclusion”.", "No indicator is in the topic “Pets”: choose one from the list."
func catalogueSentence(found, total int, topic string, knownTopic bool, q string) string {
	switch {
	case topic != "" && !knownTopic:
		return "No indicator is in the topic “" + topic + "”: choose a topic from the list."
	case found == 0 && q != "":
		return "No indicator matches “" + q + "”" + inTopic(topic) + ". Try fewer or shorter words."
	case topic == "" && q == "":
		return "All " + display.Count(total, "indicator", "indicators") + ", topic by topic."
	case q == "":
		return display.Count(found, "indicator", "indicators") + inTopic(topic) + "."
	}
	verb := " match “"
	if found == 1 {
		verb = " matches “"
	}
	return display.Count(found, "indicator", "indicators") + verb + q + "”" + inTopic(topic) + "."
}

func inTopic(topic string) string {
	if topic == "" {
		return ""
	}
	return " in " + topic
}

// catalogueArea is the area the catalogue links to: the one asked for (GSS code, DfE code or
// name; NotFound when unknown), else the area of the first scorecard that has one (the council
// that took over a former council's), else England.
func (s *Server) catalogueArea(asked string) (*areas.Area, error) {
	if asked != "" {
		return s.Engine.Area(asked)
	}
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			if sc.Area == indicators.AnyArea {
				continue
			}
			a, ok := s.Areas.Lookup(sc.Area)
			if !ok {
				continue
			}
			if !a.Live() && len(a.Successors) > 0 {
				if succ, ok := s.Areas.Lookup(a.Successors[0]); ok {
					a = succ
				}
			}
			return a, nil
		}
	}
	return s.Areas.England(), nil
}

// cataloguePickerAreas is the catalogue's area picker: England, the regions, then the local
// authorities (areaGroups).
func (s *Server) cataloguePickerAreas(selected string) []optionGroup {
	en := s.Areas.England()
	out := []optionGroup{{Label: "Country", Options: []option{{Value: en.Code, Label: en.Name, Selected: en.Code == selected}}}}
	regions := optionGroup{Label: "Regions"}
	for _, r := range s.Areas.Regions() {
		regions.Options = append(regions.Options, option{Value: r.Code, Label: r.Name, Selected: r.Code == selected})
	}
	sortBy(regions.Options, func(o option) string { return o.Label })
	return append(append(out, regions), s.areaGroups(selected)...)
}

// areaTopicView is one topic's table on the area page.
type areaTopicView struct {
	Topic, Anchor string
	Rows          []areaRowView
}

// areaRowView is one indicator's row on the area page: its standing, as the scorecard shows it.
type areaRowView struct {
	Title, URL, Measure, GoodDirection string
	standing
}

// areaTopicLink is one link of the area page's topic navigation.
type areaTopicLink struct {
	Label, URL string
	Current    bool
}

// areaPageData is what the area page shows.
type areaPageData struct {
	Overview *engine.AreaOverview
	// Heading is the page's h1 and title: the area and what the page lists.
	Heading string
	// TopicLinks are "All topics" then one link per topic of the catalogue; Filtered is whether
	// a topic or q narrows the page, and AllURL is the page with every topic.
	TopicLinks []areaTopicLink
	Filtered   bool
	AllURL     string
	Topics     []areaTopicView
	Areas      []optionGroup
	Sentence   string
	Catalogue  string
	Ended      string
	AsAt       asAtView
}

// areaPage is GET /areas/:area?topic=&q=: where an area (GSS code, DfE code or name) stands on
// every indicator, topic by topic: the latest value and period, how it compares with its
// statistical neighbours, its region and England (a colour, a symbol and a word, as on the
// scorecard), and its rank and quartile among local authorities, each row linked to the
// indicator's page. One engine read (engine.AreaOverview). A topic and words (q), matched as
// the catalogue matches them, narrow it to those indicators; a navigation links every topic's
// page. An unknown topic lists nothing and says so, with a 200 as on the catalogue page; an
// unknown area is a 404 page.
func (s *Server) areaPage(c echo.Context) error {
	f, known, err := s.indicatorFilter(c)
	if err != nil {
		return err
	}
	ov, err := s.Engine.AreaOverview(c.Request().Context(), c.Param("area"), f)
	if err != nil {
		return err
	}
	base := "/areas/" + url.PathEscape(ov.Area.Code)
	at := asAtOf(c, "this page")
	data := areaPageData{Overview: ov, Areas: s.cataloguePickerAreas(ov.Area.Code), Filtered: f != (engine.Filter{}),
		AllURL: at.link(base), Catalogue: "/indicators?area=" + url.QueryEscape(ov.Area.Code), AsAt: at}
	data.TopicLinks = []areaTopicLink{{Label: "All topics", URL: at.link(base), Current: f.Topic == ""}}
	for _, t := range s.Catalog.Topics() {
		data.TopicLinks = append(data.TopicLinks, areaTopicLink{Label: t, URL: at.link(base + "?topic=" + queryEscape(t)),
			Current: known && t == f.Topic})
	}
	total := 0
	for i, t := range ov.Topics {
		tv := areaTopicView{Topic: t.Topic, Anchor: "topic-" + itoa(i+1)}
		for _, r := range t.Rows {
			def, ok := s.Catalog.Get(r.Indicator)
			if !ok {
				return errs.Errorf(errs.Internal, "area page row %s: no such indicator", r.Indicator)
			}
			row := areaRowView{Title: r.Title, Measure: display.UnitWords(def),
				GoodDirection: display.Polarity(def.Polarity), standing: standingOf(def, r.Evaluation),
				URL: "/areas/" + url.PathEscape(ov.Area.Code) + "/indicators/" + url.PathEscape(def.ID)}
			if r.Evaluation != nil {
				row.URL += "?period=" + url.QueryEscape(r.Evaluation.Period)
			}
			row.URL = at.link(row.URL)
			tv.Rows = append(tv.Rows, row)
			total++
		}
		data.Topics = append(data.Topics, tv)
	}
	data.Sentence = areaSentence(ov, total, f, known)
	if a, ok := s.Areas.Lookup(ov.Area.Code); ok && !a.Live() {
		data.Ended = ov.Area.Name + " no longer exists: its rows show its last figures before it ended."
	}
	data.Heading = ov.Area.Name + ": " + areaHeading(f, known)
	return writePageWith(c, http.StatusOK, areaPageTemplate, data.Heading, false, true, at.PrintCSS(), data)
}

var areaPageTemplate = pageTemplate("area")

// areaHeading is what the area page lists, for its heading: "every indicator", "Children
// Looked After", "indicators matching “exclusion”", "Schools: indicators matching “ofsted”",
// "indicators in “Pets”" for a topic the catalogue does not have.
func areaHeading(f engine.Filter, known bool) string {
	switch {
	case f.Topic != "" && !known:
		return "indicators in “" + f.Topic + "”"
	case f.Topic != "" && f.Q != "":
		return f.Topic + ": indicators matching “" + f.Q + "”"
	case f.Topic != "":
		return f.Topic
	case f.Q != "":
		return "indicators matching “" + f.Q + "”"
	}
	return "every indicator"
}

// queryEscape is url.QueryEscape with spaces as %20: a "+" in an attribute is written as &#43;
// by html/template, which reads badly in the page's source.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// areaSentence says what the area page lists: "218 indicators have figures for Poole, of 236
// indicators in 12 topics." for every indicator; "69 indicators in Children Looked After: 64
// have figures for Poole." for a topic; with q, "3 indicators match “exclusion”: ..."; for a topic
// the catalogue does not have, the catalogue's sentence.
func areaSentence(ov *engine.AreaOverview, total int, f engine.Filter, known bool) string {
	figures := display.Count(ov.Evaluated, "has", "have") + " figures for " + ov.Area.Name + "."
	if ov.Evaluated == 0 {
		figures = "none has figures for " + ov.Area.Name + "."
	}
	switch {
	case f.Topic != "" && !known:
		return catalogueSentence(0, total, f.Topic, false, f.Q)
	case total == 0:
		return catalogueSentence(0, 0, f.Topic, true, f.Q)
	case f.Q != "":
		verb := " match “"
		if total == 1 {
			verb = " matches “"
		}
		return display.Count(total, "indicator", "indicators") + verb + f.Q + "”" + inTopic(f.Topic) + ": " + figures
	case f.Topic != "":
		return display.Count(total, "indicator", "indicators") + " in " + f.Topic + ": " + figures
	}
	return display.Count(ov.Evaluated, "indicator has", "indicators have") + " figures for " + ov.Area.Name +
		", of " + display.Count(total, "indicator", "indicators") + " in " + display.Count(len(ov.Topics), "topic", "topics") + "."
}

// areaPicker is GET /areas?area=&as_of=: the area page's picker, redirected (303) to that area's
// page (as at as_of, when given), or to the catalogue without an area. An unknown area is a 404 page.
func (s *Server) areaPicker(c echo.Context) error {
	asked := strings.TrimSpace(c.QueryParam("area"))
	if asked == "" {
		return c.Redirect(http.StatusSeeOther, "/indicators")
	}
	a, err := s.Engine.Area(asked)
	if err != nil {
		return err
	}
	target := "/areas/" + url.PathEscape(a.Code)
	if asOf := strings.TrimSpace(c.QueryParam("as_of")); asOf != "" {
		target += "?as_of=" + url.QueryEscape(asOf)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// listIndicators is GET /api/v1/indicators?topic=&q=: the indicator definitions in id order,
// narrowed by topic and by words in the title or description (Catalog.Find); an unknown topic
// gives an empty list.
func (s *Server) listIndicators(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		topic, q, err := catalogueFilter(c)
		if err != nil {
			return nil, err
		}
		defs := s.Catalog.Find(topic, q)
		return &reply{JSON: newList(defs), Table: func() *table { return indicatorTable(defs) }}, nil
	})
}

// sortBy sorts s stably by key.
func sortBy[T any, K cmp.Ordered](s []T, key func(T) K) {
	slices.SortStableFunc(s, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
}
