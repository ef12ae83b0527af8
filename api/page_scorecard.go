package api

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/display"
	periodpkg "github.com/childrens-trust/scorecard/period"

	"github.com/childrens-trust/scorecard/charts"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	"github.com/labstack/echo/v4"
)

// option is one <option> of a picker.
type option struct {
	Value, Label string
	Selected     bool
}

// ragOrder is the order of RAG statuses in summaries: what a board reads first, first.
var ragOrder = []engine.RAGStatus{engine.Red, engine.Amber, engine.Green, engine.NoTarget, engine.NoData, engine.Suppressed}

// summaryRow is one priority's RAG counts.
type summaryRow struct {
	Title  string
	Anchor string
	Counts []int
	Total  int
}

// periodValue is one of a row's last four periods.
type periodValue struct{ Period, Value, Class string }

// cell is a figure as a cell shows it: the text, and a class that tells a value from no data,
// a suppressed figure and one that does not apply (each looks different, and the key says how).
type cell struct {
	Text, Class string
}

// comparatorCell is a comparator's figure and how the area compares with it, in a colour, a
// symbol and a word.
type comparatorCell struct {
	Name   string // "England", "South West", "Statistical neighbours"
	Value  cell
	Word   string // "Better", "Similar", "Worse", "Higher", "Lower", "Not compared"
	Symbol string
	Class  string // cmp-better, cmp-similar, cmp-worse, cmp-higher, cmp-lower, cmp-none
	Says   string // for the title: "worse than England"
	Rest   string // Says after Word, for screen readers: " than England"
}

// standing is where an area stands on an indicator in one evaluation, as a row shows it: the
// period, the value, each comparator's figure with how the area compares with it (statistical
// neighbours, region, England), and the rank with its quartile. The scorecard's rows and the
// area page's rows both show it (standingOf).
type standing struct {
	Period, PeriodWords string
	Value               cell
	Comparators         []comparatorCell
	Rank                string
}

// standingOf is an evaluation's standing (ev nil: no data, and nothing compared).
func standingOf(def *indicators.Definition, ev *engine.Evaluation) standing {
	st := standing{Value: valueCell(def, ev), Comparators: []comparatorCell{
		comparator(def, "Statistical neighbours", nil), comparator(def, "", nil), comparator(def, "England", nil)}}
	if ev == nil {
		return st
	}
	st.Period, st.PeriodWords = display.PeriodShort(ev.Period), display.Period(ev.Period)
	st.Comparators = []comparatorCell{
		comparator(def, "Statistical neighbours", ev.Comparators.StatisticalNeighbours),
		comparator(def, "", ev.Comparators.Region),
		comparator(def, "England", ev.Comparators.England),
	}
	if ev.Rank != nil {
		st.Rank = display.Rank(ev.Rank.Position, ev.Rank.Of, ev.Quartile)
	}
	return st
}

// scorecardRow is one indicator's line on the scorecard page.
type scorecardRow struct {
	Ref, Title, URL, Measure, GoodDirection string
	standing
	Target               cell
	Gap, Forecast, Owner string
	Last                 []periodValue
	RAG                  template.HTML
	RAGWord              string
	Dir                  charts.DirectionStyle
	DirDetail            string
	Spark                template.HTML
	Comment              *engine.Comment
}

type priorityView struct {
	Title, Description, Anchor string
	Rows                       []scorecardRow
}

// scorecardPageData is what the scorecard page shows.
type scorecardPageData struct {
	// RevisionsURL links a signed-in user to the scorecard's revisions page ("" otherwise).
	RevisionsURL   string
	Board          *engine.Board
	PeriodText     string
	Areas          []optionGroup
	Periods        []optionGroup
	Statuses       []charts.RAGStyle
	StatusWords    []string
	Summary        []summaryRow
	Total          summaryRow
	Priorities     []priorityView
	Spine          template.HTML
	SpineNote      string
	LocalOnly      []string
	ExceptionsURL  string
	JSONURL        string
	SpineJSONURL   string
	SpineSVGURL    string // the spine chart as an SVG file, with its key, source and data date
	ExceptionCount int
	Ended          string // "Poole was merged into … on 1 April 2019 …"
	Successors     []link
	Footer         footer
	Key            []keyItem
	// AsAt is the "as at" picker, and the banner of a page shown as at a time.
	AsAt asAtView
	// ChangesSince is the "changes since" date asked for (the form's value); ChangesKeep are
	// the form's hidden inputs; Changes lists the changes then (nil when no date is given).
	ChangesSince string
	ChangesKeep  []hiddenInput
	Changes      *changesView
}

// link is a link a page shows.
type link struct{ Text, URL string }

// keyItem is one line of the scorecard's key.
type keyItem struct {
	Sample template.HTML
	Means  string
}

// footer is what every printed page carries at its foot.
type footer struct {
	Scorecard, Area, DataAsAt, Printed, Sources string
	// AsAt is the moment an as-at page shows, in words ("" for now): printed at the top right.
	AsAt string
}

// scorecardQuery is the page's own query string for links: area and period.
func scorecardQuery(area, period string) string {
	q := url.Values{}
	q.Set("area", area)
	if period != "" {
		q.Set("period", period)
	}
	return q.Encode()
}

// scorecardPage is GET /scorecards/:id?area=&period=: a scorecard for an area as a board reads it,
// from one engine read (engine.Board). Each priority is a section with a table of its rows
// (reference, indicator linked to its page, latest value, each comparator's value and how the
// area compares with it, rank and quartile, target and the gap to it, RAG as a word on its colour,
// the direction of travel as an arrow and a word, the last four periods, a sparkline), after a
// summary of RAG counts by priority and before the spine chart and the key. The area and period
// pickers are a plain GET form. Below 40em each row is a card.
func (s *Server) scorecardPage(c echo.Context) error {
	ctx := c.Request().Context()
	period := strings.TrimSpace(c.QueryParam("period"))
	b, err := s.Engine.Board(ctx, c.Param("id"), strings.TrimSpace(c.QueryParam("area")), period)
	if err != nil {
		return err
	}
	q := scorecardQuery(b.Area.Code, period)
	at := asAtOf(c, "the scorecard")
	data := scorecardPageData{Board: b, AsAt: at,
		ExceptionsURL:  at.link("/scorecards/" + url.PathEscape(b.ID) + "/exceptions?" + q),
		JSONURL:        at.link("/api/v1/scorecards/" + url.PathEscape(b.ID) + "?" + q),
		SpineJSONURL:   at.link("/api/v1/charts/spine/" + url.PathEscape(b.ID) + "?" + q),
		SpineSVGURL:    at.link("/api/v1/charts/spine/" + url.PathEscape(b.ID) + "?" + q + "&format=svg"),
		Areas:          s.areaGroups(b.Area.Code),
		PeriodText:     "the latest period of each indicator",
		ExceptionCount: b.Exceptions,
		Key:            scorecardKey(),
	}
	if period != "" {
		data.PeriodText = display.Period(period) + ", or each indicator's latest period before it"
	}
	if b.AreaEnded != "" {
		data.Ended, data.Successors = s.endedArea(b, period)
		for i := range data.Successors {
			data.Successors[i].URL = at.link(data.Successors[i].URL)
		}
		data.PeriodText = "each indicator's last period before " + b.Area.Name + " was merged"
		if period != "" {
			data.PeriodText = display.Period(period) + ", or each indicator's latest period before it"
		}
	}
	for _, st := range ragOrder {
		data.Statuses = append(data.Statuses, charts.RAG(st))
		data.StatusWords = append(data.StatusWords, charts.RAG(st).Short)
	}
	data.Total = summaryRow{Title: "All priorities"}
	for _, st := range ragOrder {
		data.Total.Counts = append(data.Total.Counts, b.Summary[st])
		data.Total.Total += b.Summary[st]
	}
	periods := map[string]string{} // label -> period end
	for i, p := range b.Priorities {
		pv := priorityView{Title: p.Title, Description: p.Description, Anchor: "priority-" + itoa(i+1)}
		sr := summaryRow{Title: p.Title, Anchor: pv.Anchor}
		for _, st := range ragOrder {
			sr.Counts = append(sr.Counts, p.Summary[st])
			sr.Total += p.Summary[st]
		}
		data.Summary = append(data.Summary, sr)
		for _, r := range p.Rows {
			row, err := s.scorecardRow(b.Area, r)
			if err != nil {
				return err
			}
			row.URL = at.link(row.URL)
			for _, ev := range r.History {
				periods[ev.Period] = ev.PeriodEnd
			}
			pv.Rows = append(pv.Rows, row)
		}
		data.Priorities = append(data.Priorities, pv)
	}
	data.Periods = periodGroups(periods, period, "Latest for each indicator")

	drawable := 0
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			if r.Spine != nil {
				drawable++
			}
		}
	}
	if drawable == 0 {
		data.SpineNote = "No row has figures for local authorities across England in its period, so there is no spine chart to draw. " +
			"It appears once national figures for these indicators are loaded."
	} else if data.Spine, err = s.spineChart(b).HTML(); err != nil {
		return err
	}
	data.LocalOnly = localOnly(b)
	data.Footer = boardFooter(b, s.now())
	data.Footer.AsAt = at.Words
	data.ChangesKeep = keepParams(c.Request().URL.Query(), "changes_since")
	if data.ChangesSince = strings.TrimSpace(c.QueryParam("changes_since")); data.ChangesSince != "" {
		since, err := parseChangesSince(data.ChangesSince)
		if err != nil {
			return err
		}
		data.ChangesSince = since.Format(time.DateOnly)
		if data.Changes, err = s.changesSince(ctx, b, since, at); err != nil {
			return err
		}
	}
	if signedIn(c) {
		data.RevisionsURL = definitionPageURL(definitions.Scorecard, b.ID)
	}
	// The spine chart is drawn on the server as SVG: the page loads no script at all.
	return writePageWith(c, http.StatusOK, scorecardPageTemplate, b.Title+": "+b.Area.Name, false, true, data.Footer.CSS(), data)
}

// now is the server's clock (the engine's, so tests are reproducible).
func (s *Server) now() time.Time {
	if s.Engine != nil && s.Engine.Now != nil {
		return s.Engine.Now()
	}
	return time.Now()
}

// endedArea says when a former council ended and links to its successors' scorecards.
func (s *Server) endedArea(b *engine.Board, period string) (string, []link) {
	end, err := time.Parse(time.DateOnly, b.AreaEnded)
	if err != nil {
		return "", nil
	}
	var names []string
	var links []link
	for _, a := range b.Successors {
		names = append(names, a.Name)
		links = append(links, link{Text: "Read this scorecard for " + a.Name,
			URL: "/scorecards/" + url.PathEscape(b.ID) + "?" + scorecardQuery(a.Code, period)})
	}
	text := b.Area.Name + " no longer exists: it ended on " + display.Date(end)
	if len(names) > 0 {
		text = b.Area.Name + " was merged into " + strings.Join(names, " and ") + " on " + display.Date(end.AddDate(0, 0, 1))
	}
	return text + ". Its rows show its last figures before then.", links
}

// boardFooter is the printed pages' footer.
func boardFooter(b *engine.Board, now time.Time) footer {
	f := footer{Scorecard: b.Title, Area: b.Area.Name, Printed: display.Date(now), DataAsAt: "no figures"}
	if b.DataAsAt != nil {
		f.DataAsAt = display.Date(*b.DataAsAt)
	}
	f.Sources = b.Source
	return f
}

// CSS is the footer as the printed pages' bottom margin boxes: the scorecard, area, data date,
// printed date and sources at the left, "Page N of M" at the right (Chromium draws @page margin
// boxes from version 131).
func (f footer) CSS() template.CSS {
	text := f.Scorecard + " · " + f.Area + " · Data as at " + f.DataAsAt + " · Printed " + f.Printed
	if f.Sources != "" {
		text += " · Sources: " + f.Sources
	}
	return template.CSS(fmt.Sprintf("@page{@bottom-left{content:%s;font-size:6.5pt;color:#505a5f;vertical-align:top;padding-top:2mm}"+
		"@bottom-right{content:\"Page \" counter(page) \" of \" counter(pages);font-size:7pt;vertical-align:top;padding-top:2mm;width:22mm}}",
		cssString(text))) + asAtView{Words: f.AsAt}.PrintCSS()
}

// cssString quotes s as a CSS string that cannot end the string or the <style> element.
func cssString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\%x ", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// localOnly names the rows the spine chart cannot draw: no local authority in England has a
// value for their period (or the area has none).
func localOnly(b *engine.Board) []string {
	var out []string
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			if r.Spine == nil && r.Evaluation != nil && r.Evaluation.Value != nil {
				out = append(out, boardRowLabel(r))
			}
		}
	}
	return out
}

// scorecardKey explains every colour, symbol and marker the scorecard uses.
func scorecardKey() []keyItem {
	var out []keyItem
	for _, j := range []struct {
		j     stats.Judgement
		means string
	}{
		{stats.Better, "Better than the comparator (significantly, where the figure has a confidence interval)"},
		{stats.Similar, "Similar to the comparator: no significant difference"},
		{stats.Worse, "Worse than the comparator"},
		{stats.Higher, "Higher than the comparator, where neither higher nor lower is better"},
		{stats.Lower, "Lower than the comparator, where neither higher nor lower is better"},
		{stats.NotCompared, "Not compared: no figure, or no confidence interval to test the difference"},
	} {
		out = append(out, keyItem{Sample: judgementChip(j.j), Means: j.means})
	}
	for _, f := range []struct{ class, text, means string }{
		{"v-none", "No data", "No figure has been published or uploaded for this period"},
		{"v-suppressed", "c: suppressed to protect confidentiality", "The figure exists but is not published (c, low, k fewer than 0.5, u low reliability)"},
		{"v-na", "z: not applicable", "The measure does not apply (z), is not available (x), or the area did not exist then (-)"},
		{"v-notarget", "No target", "No target is set, so there is no RAG judgement against target"},
	} {
		out = append(out, keyItem{Sample: template.HTML(`<span class="` + f.class + `">` + template.HTMLEscapeString(f.text) + `</span>`), Means: f.means})
	}
	return out
}

// judgementChip is a judgement as the comparator cells show it.
func judgementChip(j stats.Judgement) template.HTML {
	return template.HTML(`<span class="cmp cmp-` + judgementClass(j) + `"><span aria-hidden="true">` + display.JudgementSymbol(j) +
		`</span>&nbsp;` + template.HTMLEscapeString(display.Judgement(j)) + `</span>`)
}

func judgementClass(j stats.Judgement) string {
	switch j {
	case stats.Better, stats.Similar, stats.Worse, stats.Higher, stats.Lower:
		return string(j)
	case stats.Best: // coloured as better; the word says 99.8%
		return string(stats.Better)
	case stats.Worst:
		return string(stats.Worse)
	}
	return "none"
}

// valueCell is an evaluation's value as a cell shows it.
func valueCell(def *indicators.Definition, ev *engine.Evaluation) cell {
	switch {
	case ev == nil:
		return cell{"No data", "v-none"}
	case ev.Value != nil:
		return cell{display.Value(def, *ev.Value), "v"}
	case ev.Marker != "":
		class := "v-suppressed"
		switch strings.ToLower(ev.Marker) {
		case "z", "x", "-", ":", "..":
			class = "v-na"
		}
		return cell{display.MarkerCell(ev.Marker), class}
	case ev.Status == "suppressed":
		return cell{"Suppressed", "v-suppressed"}
	}
	return cell{"No data", "v-none"}
}

func pointCell(def *indicators.Definition, p engine.BoardPoint) cell {
	if p.Value != nil {
		return cell{compactValue(def, *p.Value), "v"}
	}
	return valueCell(def, &engine.Evaluation{Value: p.Value, Marker: p.Marker, Status: p.Status})
}

// compactValue is a value in a cell beside the row's own value, whose unit the row already
// shows: a percentage keeps its "%", a rate or count drops its words ("70.2", not "70.2 per
// 10,000").
func compactValue(def *indicators.Definition, v float64) string {
	if def.Unit == indicators.Percentage {
		return display.Value(def, v)
	}
	return display.Plain(def, v)
}

// comparator is a comparator's cell.
func comparator(def *indicators.Definition, name string, c *engine.Comparator) comparatorCell {
	out := comparatorCell{Name: name, Value: cell{"No data", "v-none"}}
	var j stats.Judgement
	if c != nil {
		if c.Value != nil {
			out.Value = cell{compactValue(def, *c.Value), "v"}
		}
		j = c.Judgement
		if name == "" {
			out.Name = c.Name
		}
	}
	if out.Name == "" {
		out.Name = "Region"
	}
	out.Word, out.Symbol, out.Class = display.Judgement(j), display.JudgementSymbol(j), "cmp-"+judgementClass(j)
	against := out.Name
	if name == "Statistical neighbours" {
		against = "the statistical neighbours' average"
	}
	out.Says = display.JudgementAgainst(j, against)
	out.Rest = out.Says[min(len(out.Word), len(out.Says)):]
	return out
}

// scorecardRow builds one row of the scorecard page from the board's row.
func (s *Server) scorecardRow(area engine.AreaRef, r engine.BoardRow) (scorecardRow, error) {
	def, ok := s.Catalog.Get(r.Indicator)
	if !ok {
		return scorecardRow{}, errs.Errorf(errs.Internal, "scorecard row %s: no such indicator", r.Indicator)
	}
	row := scorecardRow{Ref: r.PlanReference, Title: r.Title, Measure: display.UnitWords(def), GoodDirection: display.Polarity(def.Polarity),
		URL: "/areas/" + url.PathEscape(area.Code) + "/indicators/" + url.PathEscape(def.ID), Owner: r.Owner, Comment: r.Comment}
	ev := r.Evaluation
	row.standing = standingOf(def, ev)
	row.Target = cell{"No target", "v-notarget"}
	if ev == nil {
		rag := charts.RAG(engine.NoData)
		row.RAG, row.RAGWord = rag.ShortChip(), rag.Short
		row.Dir = charts.Direction("", nil)
		return row, nil
	}
	row.URL += "?period=" + url.QueryEscape(ev.Period)
	if ev.RAG.Target != nil {
		row.Target = cell{display.Value(def, *ev.RAG.Target), "v"}
		row.Gap = display.Gap(def, ev.Value, ev.RAG.Target)
	}
	if f := ev.Forecast; f != nil && f.Status != engine.NotForecast {
		row.Forecast = display.Forecast(def, f.Status, f.TargetPeriod, f.Projected, f.Target, f.Reason)
	}
	rag := charts.RAG(ev.RAG.Status)
	row.RAG, row.RAGWord = rag.ShortChip(), rag.Short
	if d := ev.Direction.Previous; d != nil {
		row.Dir = charts.Direction(d.Judgement, d.Change)
		if d.Change != nil {
			row.DirDetail = "since " + display.PeriodShort(d.Period) + ": " + display.Change(def, d.Change, d.ChangePercent)
		} else {
			row.DirDetail = "no figure for " + display.PeriodShort(d.Period)
		}
	} else {
		row.Dir = charts.Direction("", nil)
	}
	for _, p := range r.Last {
		c := pointCell(def, p)
		row.Last = append(row.Last, periodValue{display.PeriodShort(p.Period), c.Text, c.Class})
	}
	row.Spark = charts.Sparkline(charts.SparkID(def.ID, area.Code), def, r.History)
	return row, nil
}

// optionGroup is an <optgroup> of a picker ("" Label: options without a group).
type optionGroup struct {
	Label   string
	Options []option
}

// periodGroups lists the periods (label -> end date, for the order) for the picker by kind
// (financial years, quarters, ...), each latest first, after the option latest (value "").
func periodGroups(periods map[string]string, selected, latest string) []optionGroup {
	labels := make([]string, 0, len(periods))
	for p := range periods {
		labels = append(labels, p)
	}
	sort.Slice(labels, func(i, j int) bool {
		if periods[labels[i]] != periods[labels[j]] {
			return periods[labels[i]] > periods[labels[j]]
		}
		return labels[i] > labels[j]
	})
	out := []optionGroup{{Options: []option{{Value: "", Label: latest, Selected: selected == ""}}}}
	index := map[string]int{}
	for _, l := range labels {
		group := "Other periods"
		if p, err := periodpkg.Parse(l); err == nil {
			group = display.PeriodKind(p.Kind())
		}
		i, ok := index[group]
		if !ok {
			i = len(out)
			index[group] = i
			out = append(out, optionGroup{Label: group})
		}
		out[i].Options = append(out[i].Options, option{Value: l, Label: display.Period(l), Selected: strings.EqualFold(l, selected)})
	}
	if selected != "" && !containsFold(labels, selected) {
		out[0].Options = append(out[0].Options, option{Value: selected, Label: display.Period(selected), Selected: true})
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// areaOptions lists the current local authorities by name, with the selected area (a former
// council such as Poole is added, marked, when selected).
func (s *Server) areaOptions(selected string) []option {
	las := s.Areas.LocalAuthorities()
	if a, ok := s.Areas.Lookup(selected); ok && !a.Live() {
		las = append(las, a)
	}
	sort.Slice(las, func(i, j int) bool { return las[i].Name < las[j].Name })
	out := make([]option, 0, len(las))
	for _, a := range las {
		out = append(out, option{Value: a.Code, Label: areaLabel(a), Selected: a.Code == selected})
	}
	return out
}

// areaGroups is areaOptions in two groups: the current local authorities, then former councils
// (only the selected one).
func (s *Server) areaGroups(selected string) []optionGroup {
	current := optionGroup{Label: "Local authorities"}
	former := optionGroup{Label: "Former councils"}
	for _, o := range s.areaOptions(selected) {
		if a, ok := s.Areas.Lookup(o.Value); ok && !a.Live() {
			former.Options = append(former.Options, o)
			continue
		}
		current.Options = append(current.Options, o)
	}
	if len(former.Options) == 0 {
		return []optionGroup{current}
	}
	return []optionGroup{current, former}
}

// areaLabel names an area in a picker: a former council with the year it ended.
func areaLabel(a *areas.Area) string {
	if a.Live() {
		return a.Name
	}
	return a.Name + " (until " + a.ValidTo.Format("2006") + ")"
}

func itoa(n int) string { return strconv.Itoa(n) }

var scorecardPageTemplate = pageTemplate("scorecard")

// exceptionView is one exception on the exception page.
type exceptionView struct {
	Priority, Label, URL, Period, Value, England, Target string
	RAG                                                  template.HTML
	Dir                                                  charts.DirectionStyle
	DirDetail                                            string
	Reasons                                              []string
	Comments                                             []engine.Comment
}

type exceptionsPageData struct {
	Report     *engine.ExceptionReport
	PeriodText string
	Areas      []option
	Period     string
	BackURL    string
	JSONURL    string
	Rows       []exceptionView
	AsAt       asAtView
}

// exceptionsPage is GET /scorecards/:id/exceptions?area=&period=: the rows a board must discuss
// first (red against target, or worse than England and getting worse), each with its reasons and
// commentary, from the same read as the scorecard page (engine.Board).
func (s *Server) exceptionsPage(c echo.Context) error {
	ctx := c.Request().Context()
	period := strings.TrimSpace(c.QueryParam("period"))
	b, err := s.Engine.Board(ctx, c.Param("id"), strings.TrimSpace(c.QueryParam("area")), period)
	if err != nil {
		return err
	}
	rep := b.ExceptionReport()
	q := scorecardQuery(b.Area.Code, period)
	at := asAtOf(c, "the exception report")
	data := exceptionsPageData{Report: rep, Period: period, Areas: s.areaOptions(b.Area.Code), AsAt: at,
		BackURL:    at.link("/scorecards/" + url.PathEscape(b.ID) + "?" + q),
		JSONURL:    at.link("/api/v1/scorecards/" + url.PathEscape(b.ID) + "/exceptions?" + q),
		PeriodText: "the latest period of each indicator"}
	if period != "" {
		data.PeriodText = display.Period(period) + ", or each indicator's latest period before it"
	}
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			def, ok := s.Catalog.Get(r.Indicator)
			if !ok || r.Evaluation == nil || len(r.Rules) == 0 {
				continue
			}
			ev := r.Evaluation
			v := exceptionView{Priority: p.Title, Label: boardRowLabel(r), Period: display.Period(ev.Period), Reasons: r.Reasons, Comments: ev.Commentary,
				URL:     at.link("/areas/" + url.PathEscape(b.Area.Code) + "/indicators/" + url.PathEscape(def.ID) + "?period=" + url.QueryEscape(ev.Period)),
				Value:   valueCell(def, ev).Text,
				England: "No data", Target: "No target set", RAG: charts.RAG(ev.RAG.Status).Chip()}
			if e := ev.Comparators.England; e != nil && e.Value != nil {
				v.England = display.Value(def, *e.Value) + " (" + display.JudgementAgainst(e.Judgement, "England") + ")"
			}
			if ev.RAG.Target != nil {
				v.Target = display.Value(def, *ev.RAG.Target)
				if gap := display.Gap(def, ev.Value, ev.RAG.Target); gap != "" {
					v.Target += " (" + gap + ")"
				}
			}
			if d := ev.Direction.Previous; d != nil {
				v.Dir = charts.Direction(d.Judgement, d.Change)
				if d.Change != nil {
					v.DirDetail = "since " + display.Period(d.Period) + ": " + display.Change(def, d.Change, d.ChangePercent)
				}
			} else {
				v.Dir = charts.Direction("", nil)
			}
			data.Rows = append(data.Rows, v)
		}
	}
	return writePageWith(c, http.StatusOK, exceptionsPageTemplate, "Exception report: "+b.Title+": "+b.Area.Name, false, false, at.PrintCSS(), data)
}

var exceptionsPageTemplate = pageTemplate("exceptions")

// boardJSON is GET /api/v1/scorecards/:id/board?area=&period=: engine.Board, the one read the
// scorecard page is drawn from.
func (s *Server) boardJSON(c echo.Context) error {
	b, err := s.Engine.Board(c.Request().Context(), c.Param("id"), c.QueryParam("area"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, b)
}

// exceptionsJSON is GET /api/v1/scorecards/:id/exceptions?area=&period=: the exception page's
// report (engine.Board's ExceptionReport).
func (s *Server) exceptionsJSON(c echo.Context) error {
	rep, err := s.Engine.Exceptions(c.Request().Context(), c.Param("id"), c.QueryParam("area"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, rep)
}

// scorecardSummaryView is a scorecard on the index page.
type scorecardSummaryView struct {
	ID, Title, Description, AreaName, URL string
	// Former is set when the scorecard's own area no longer exists: the card then opens for the
	// area that took it over, and Former links to the old area's last figures.
	Former *link
}

type indexPageData struct {
	Scorecards []scorecardSummaryView
	Choices    []option
	Areas      []option
}

// indexPage is GET /: the scorecards, each linked for its own area (or, for a former council, the
// current council that took it over, with a link to the former one's last figures), and a form to
// read any scorecard for any current area.
func (s *Server) indexPage(c echo.Context) error {
	var data indexPageData
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			v := scorecardSummaryView{ID: sc.ID, Title: sc.Title, Description: sc.Description, URL: "/scorecards/" + url.PathEscape(sc.ID)}
			if sc.Area != indicators.AnyArea {
				if a, ok := s.Areas.Lookup(sc.Area); ok {
					v.AreaName = a.Name
					v.URL += "?area=" + url.QueryEscape(a.Code)
					if !a.Live() && len(a.Successors) > 0 {
						if succ, ok := s.Areas.Lookup(a.Successors[0]); ok {
							v.Former = &link{Text: a.Name + " (former council, merged in " + a.ValidTo.AddDate(0, 0, 1).Format("January 2006") + "): its last figures", URL: v.URL}
							v.AreaName = succ.Name
							v.URL = "/scorecards/" + url.PathEscape(sc.ID) + "?area=" + url.QueryEscape(succ.Code)
						}
					}
				}
			}
			data.Scorecards = append(data.Scorecards, v)
			data.Choices = append(data.Choices, option{Value: sc.ID, Label: sc.Title})
		}
	}
	data.Areas = s.areaOptions("")
	return writePage(c, indexPageTemplate, "Scorecards", false, false, data)
}

var indexPageTemplate = pageTemplate("index")

// scorecardPicker is GET /scorecards?scorecard=&area=&period=: the index page's form, redirected
// to the scorecard's page (303), or to the index without a scorecard.
func (s *Server) scorecardPicker(c echo.Context) error {
	id := strings.TrimSpace(c.QueryParam("scorecard"))
	if id == "" {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	if s.Engine.Scorecards == nil {
		return errs.Errorf(errs.NotFound, "no scorecard %q", id)
	}
	if _, ok := s.Engine.Scorecards.Get(id); !ok {
		return errs.Errorf(errs.NotFound, "no scorecard %q", id)
	}
	target := "/scorecards/" + url.PathEscape(id)
	if area := strings.TrimSpace(c.QueryParam("area")); area != "" {
		target += "?" + scorecardQuery(area, strings.TrimSpace(c.QueryParam("period")))
	}
	return c.Redirect(http.StatusSeeOther, target)
}
