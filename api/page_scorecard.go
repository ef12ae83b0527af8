package api

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"

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
var ragOrder = []string{engine.Red, engine.Amber, engine.Green, engine.NoTarget, engine.NoData, engine.Suppressed}

// summaryRow is one priority's RAG counts.
type summaryRow struct {
	Title  string
	Anchor string
	Counts []int
	Total  int
}

// periodValue is one of a row's last four periods.
type periodValue struct{ Period, Value string }

// scorecardRow is one indicator's line on the scorecard page.
type scorecardRow struct {
	Ref, Title, URL, Measure, GoodDirection            string
	Period, Value, Neighbours, Region, England, Target string
	Last                                               []periodValue
	RAG                                                template.HTML
	RAGWord                                            string
	Dir                                                charts.DirectionStyle
	DirDetail                                          string
	Spark                                              template.HTML
}

type priorityView struct {
	Title, Description, Anchor string
	Rows                       []scorecardRow
}

// scorecardPageData is what the scorecard page shows.
type scorecardPageData struct {
	SC             *engine.ScorecardResult
	PeriodText     string
	Areas          []option
	Periods        []option
	Statuses       []charts.RAGStyle
	Summary        []summaryRow
	Total          summaryRow
	Priorities     []priorityView
	Spine          template.HTML
	ExceptionsURL  string
	JSONURL        string
	SpineJSONURL   string
	ExceptionCount int
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

// scorecardPage is GET /scorecards/:id?area=&period=: a scorecard for an area as a board reads it.
// Each priority is a section with a table of its rows (reference, indicator linked to its page,
// measure, good direction, latest value, statistical neighbours, region, England, target, the last
// four periods, RAG as a word on its colour, the direction of travel as an arrow and a word, a
// sparkline), after a summary of RAG counts by priority and before the spine chart. The area and
// period pickers are a plain GET form.
func (s *Server) scorecardPage(c echo.Context) error {
	ctx := c.Request().Context()
	period := strings.TrimSpace(c.QueryParam("period"))
	sc, err := s.Engine.EvaluateScorecard(ctx, c.Param("id"), strings.TrimSpace(c.QueryParam("area")), period)
	if err != nil {
		return err
	}
	q := scorecardQuery(sc.Area.Code, period)
	data := scorecardPageData{SC: sc,
		ExceptionsURL: "/scorecards/" + url.PathEscape(sc.ID) + "/exceptions?" + q,
		JSONURL:       "/api/v1/scorecards/" + url.PathEscape(sc.ID) + "?" + q,
		SpineJSONURL:  "/api/v1/charts/spine/" + url.PathEscape(sc.ID) + "?" + q,
		Areas:         s.areaOptions(sc.Area.Code),
		PeriodText:    "the latest period of each indicator",
	}
	if period != "" {
		data.PeriodText = period + " (or each indicator's latest period before it)"
	}
	for _, st := range ragOrder {
		data.Statuses = append(data.Statuses, charts.RAG(st))
	}
	data.Total = summaryRow{Title: "All priorities"}
	for _, st := range ragOrder {
		data.Total.Counts = append(data.Total.Counts, sc.Summary[st])
		data.Total.Total += sc.Summary[st]
	}
	periods := map[string]string{} // label -> period end
	for i, p := range sc.Priorities {
		pv := priorityView{Title: p.Title, Description: p.Description, Anchor: "priority-" + itoa(i+1)}
		sr := summaryRow{Title: p.Title, Anchor: pv.Anchor}
		for _, st := range ragOrder {
			sr.Counts = append(sr.Counts, p.Summary[st])
			sr.Total += p.Summary[st]
		}
		data.Summary = append(data.Summary, sr)
		for _, r := range p.Rows {
			row, series, err := s.scorecardRow(ctx, sc.Area, r)
			if err != nil {
				return err
			}
			for _, ev := range series {
				periods[ev.Period] = ev.PeriodEnd
			}
			pv.Rows = append(pv.Rows, row)
		}
		data.Priorities = append(data.Priorities, pv)
	}
	data.Periods = periodOptions(periods, period)

	spine, err := s.spineChart(ctx, sc)
	if err != nil {
		return err
	}
	if data.Spine, err = spine.HTML(); err != nil {
		return err
	}
	if rep, err := s.Engine.Exceptions(ctx, sc.ID, sc.Area.Code, period); err == nil {
		data.ExceptionCount = len(rep.Exceptions)
	}
	return writePage(c, scorecardPageTemplate, sc.Title+": "+sc.Area.Name, true, true, data)
}

// scorecardRow builds one row of the scorecard page, with the area's series it read.
func (s *Server) scorecardRow(ctx context.Context, area engine.AreaRef, r engine.ScorecardItemResult) (scorecardRow, []*engine.Evaluation, error) {
	def, ok := s.Catalog.Get(r.Indicator)
	if !ok {
		return scorecardRow{}, nil, errs.Errorf(errs.Internal, "scorecard row %s: no such indicator", r.Indicator)
	}
	row := scorecardRow{Ref: r.Reference, Title: r.Title, Measure: charts.UnitWords(def), GoodDirection: goodDirection(def.Polarity),
		URL: "/areas/" + url.PathEscape(area.Code) + "/indicators/" + url.PathEscape(def.ID)}
	ev := r.Evaluation
	rag := charts.RAG(engine.NoData)
	if ev == nil {
		row.Value, row.Neighbours, row.Region, row.England, row.Target = "No data", "", "", "", ""
		row.RAG, row.RAGWord = rag.ShortChip(), rag.Short
		row.Dir = charts.Direction("", nil)
		return row, nil, nil
	}
	series, err := s.Engine.Series(ctx, def.ID, area.Code)
	if err != nil {
		return row, nil, err
	}
	row.URL += "?period=" + url.QueryEscape(ev.Period)
	row.Period = ev.Period
	row.Value = cellValue(def, ev.Value, ev)
	row.Neighbours = comparatorCell(def, ev.Comparators.StatisticalNeighbours)
	row.Region = comparatorCell(def, ev.Comparators.Region)
	row.England = comparatorCell(def, ev.Comparators.England)
	if ev.RAG.Target != nil {
		row.Target = stats.FormatFixed(*ev.RAG.Target, def.Decimals)
	} else {
		row.Target = "None"
	}
	rag = charts.RAG(ev.RAG.Status)
	row.RAG, row.RAGWord = rag.ShortChip(), rag.Short
	if d := ev.Direction.Previous; d != nil {
		row.Dir = charts.Direction(d.Judgement, d.Change)
		if d.Change != nil {
			row.DirDetail = "since " + d.Period + ": " + signed(*d.Change, def.Decimals)
		} else {
			row.DirDetail = "no value in " + d.Period
		}
	} else {
		row.Dir = charts.Direction("", nil)
	}
	at := len(series) - 1
	for i, s := range series {
		if s.Period == ev.Period {
			at = i
		}
	}
	for i := max(0, at-3); i <= at && i < len(series); i++ {
		row.Last = append(row.Last, periodValue{series[i].Period, cellValue(def, series[i].Value, series[i])})
	}
	row.Spark = charts.Sparkline(charts.SparkID(def.ID, area.Code), def, series[:at+1])
	return row, series, nil
}

// cellValue is a value as a scorecard cell shows it.
func cellValue(def *indicators.Definition, v *float64, ev *engine.Evaluation) string {
	if v != nil {
		return stats.FormatFixed(*v, def.Decimals)
	}
	if ev != nil && (ev.Status == engine.Suppressed || ev.Marker != "") {
		if ev.Marker != "" {
			return "Suppressed (" + ev.Marker + ")"
		}
		return "Suppressed"
	}
	return "No data"
}

func comparatorCell(def *indicators.Definition, c *engine.Comparator) string {
	if c == nil || c.Value == nil {
		return "No data"
	}
	return stats.FormatFixed(*c.Value, def.Decimals)
}

// goodDirection is the short form of the polarity for a scorecard column.
func goodDirection(p stats.Polarity) string {
	switch p {
	case stats.HigherIsBetter:
		return "Higher"
	case stats.LowerIsBetter:
		return "Lower"
	case stats.CloserIsBetter:
		return "Closer to target"
	}
	return "No judgement"
}

// periodOptions lists the periods for the picker, latest first, after "Latest".
func periodOptions(periods map[string]string, selected string) []option {
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
	out := []option{{Value: "", Label: "Latest for each indicator", Selected: selected == ""}}
	for _, l := range labels {
		out = append(out, option{Value: l, Label: l, Selected: strings.EqualFold(l, selected)})
	}
	if selected != "" && !containsFold(labels, selected) {
		out = append(out, option{Value: selected, Label: selected, Selected: true})
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

// areaOptions lists the local authorities by name, with the selected area (a former council
// such as Poole is added when selected).
func (s *Server) areaOptions(selected string) []option {
	las := s.Areas.LocalAuthorities()
	if a, ok := s.Areas.Lookup(selected); ok && !a.Live() {
		las = append(las, a)
	}
	sort.Slice(las, func(i, j int) bool { return las[i].Name < las[j].Name })
	out := make([]option, 0, len(las))
	for _, a := range las {
		label := a.Name
		if !a.Live() {
			label += " (until " + a.ValidTo.Format("2006") + ")"
		}
		out = append(out, option{Value: a.Code, Label: label, Selected: a.Code == selected})
	}
	return out
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

var scorecardPageTemplate = pageTemplate("scorecard", `
<h1>{{.SC.Title}}</h1>
<p class="lede">{{.SC.Area.Name}} ({{.SC.Area.Code}}) · {{.PeriodText}}</p>
{{with .SC.Description}}<p class="no-print">{{.}}</p>{{end}}
<form class="pickers" method="get" action="">
<div><label for="area">Area</label>
<select id="area" name="area">{{range .Areas}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div><label for="period">Period</label>
<select id="period" name="period">{{range .Periods}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div><button type="submit">Show scorecard</button></div>
</form>
<ul class="links">
<li><a href="{{.ExceptionsURL}}">Exception report ({{.ExceptionCount}} {{if eq .ExceptionCount 1}}row{{else}}rows{{end}} to discuss first)</a></li>
<li><a href="#spine">Spine chart: compared with England</a></li>
<li><a href="{{.JSONURL}}">This scorecard as JSON</a></li>
</ul>

<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<table class="summary">
<caption>Rows by RAG status against target, for each priority</caption>
<thead><tr><th scope="col">Priority</th>{{range .Statuses}}<th scope="col" class="num">{{.ShortChip}}</th>{{end}}<th scope="col" class="num">Rows</th></tr></thead>
<tbody>
{{range .Summary}}<tr><th scope="row"><a href="#{{.Anchor}}">{{.Title}}</a></th>{{range .Counts}}<td class="num">{{.}}</td>{{end}}<td class="num">{{.Total}}</td></tr>
{{end}}<tr><th scope="row">{{.Total.Title}}</th>{{range .Total.Counts}}<td class="num"><strong>{{.}}</strong></td>{{end}}<td class="num"><strong>{{.Total.Total}}</strong></td></tr>
</tbody>
</table>
</section>

{{range .Priorities}}
<section class="priority" aria-labelledby="{{.Anchor}}">
<h2 id="{{.Anchor}}">{{.Title}}</h2>
{{with .Description}}<p>{{.}}</p>{{end}}
<div class="table-wrap">
<table class="scorecard">
<caption>{{.Title}}: each indicator's latest value, comparators, target, RAG and direction of travel</caption>
<colgroup><col class="c-ref"><col class="c-ind"><col class="c-measure"><col class="c-good"><col class="c-period"><col class="c-num"><col class="c-num"><col class="c-num"><col class="c-num"><col class="c-num"><col class="c-last"><col class="c-rag"><col class="c-dir"><col class="c-trend"></colgroup>
<thead><tr>
<th scope="col">Ref</th><th scope="col">Indicator</th><th scope="col">Measure</th><th scope="col">Good direction</th>
<th scope="col">Period</th><th scope="col" class="num">Value</th><th scope="col" class="num">Statistical neighbours</th>
<th scope="col" class="num">Region</th><th scope="col" class="num">England</th><th scope="col" class="num">Target</th>
<th scope="col">Last four periods</th><th scope="col">RAG</th><th scope="col">Direction of travel</th><th scope="col">Trend</th>
</tr></thead>
<tbody>
{{range .Rows}}<tr>
<td>{{.Ref}}</td>
<th scope="row"><a href="{{.URL}}">{{.Title}}</a></th>
<td>{{.Measure}}</td>
<td>{{.GoodDirection}}</td>
<td class="nowrap">{{.Period}}</td>
<td class="num"><strong>{{.Value}}</strong></td>
<td class="num">{{.Neighbours}}</td>
<td class="num">{{.Region}}</td>
<td class="num">{{.England}}</td>
<td class="num">{{.Target}}</td>
<td>{{if .Last}}<ul class="periods">{{range .Last}}<li>{{.Period}}: {{.Value}}</li>{{end}}</ul>{{end}}</td>
<td>{{.RAG}}</td>
<td><span class="dir {{.Dir.Class}}">{{with .Dir.Arrow}}<span aria-hidden="true">{{.}}</span> {{end}}{{.Dir.Words}}</span>{{with .DirDetail}}<br><span class="muted">{{.}}</span>{{end}}</td>
<td>{{if .Spark}}{{.Spark}}{{else}}<span class="muted">Too few values</span>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</div>
</section>
{{end}}

<section aria-labelledby="spine">
<h2 id="spine">Compared with England: spine chart</h2>
{{.Spine}}
<p class="no-print"><a href="{{.SpineJSONURL}}">The spine chart as ECharts JSON</a></p>
</section>
`)

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
}

// exceptionsPage is GET /scorecards/:id/exceptions?area=&period=: the rows a board must discuss
// first (red against target, or worse than England and getting worse), each with its reasons and
// commentary.
func (s *Server) exceptionsPage(c echo.Context) error {
	ctx := c.Request().Context()
	period := strings.TrimSpace(c.QueryParam("period"))
	rep, err := s.Engine.Exceptions(ctx, c.Param("id"), strings.TrimSpace(c.QueryParam("area")), period)
	if err != nil {
		return err
	}
	q := scorecardQuery(rep.Area.Code, period)
	data := exceptionsPageData{Report: rep, Period: period, Areas: s.areaOptions(rep.Area.Code),
		BackURL:    "/scorecards/" + url.PathEscape(rep.Scorecard) + "?" + q,
		JSONURL:    "/api/v1/scorecards/" + url.PathEscape(rep.Scorecard) + "/exceptions?" + q,
		PeriodText: "the latest period of each indicator"}
	if period != "" {
		data.PeriodText = period + " (or each indicator's latest period before it)"
	}
	for _, ex := range rep.Exceptions {
		def, ok := s.Catalog.Get(ex.Row.Indicator)
		if !ok || ex.Row.Evaluation == nil {
			continue
		}
		ev := ex.Row.Evaluation
		v := exceptionView{Priority: ex.Priority, Label: rowLabel(ex.Row), Period: ev.Period, Reasons: ex.Reasons, Comments: ev.Commentary,
			URL:     "/areas/" + url.PathEscape(rep.Area.Code) + "/indicators/" + url.PathEscape(def.ID) + "?period=" + url.QueryEscape(ev.Period),
			Value:   valueOrNoData(def, ev.Value),
			England: "No data", Target: "None", RAG: charts.RAG(ev.RAG.Status).Chip()}
		if e := ev.Comparators.England; e != nil && e.Value != nil {
			v.England = charts.FormatValue(def, *e.Value) + " (" + words(e.Judgement) + ")"
		}
		if ev.RAG.Target != nil {
			v.Target = charts.FormatValue(def, *ev.RAG.Target)
		}
		if d := ev.Direction.Previous; d != nil {
			v.Dir = charts.Direction(d.Judgement, d.Change)
			if d.Change != nil {
				v.DirDetail = "since " + d.Period + ": " + signed(*d.Change, def.Decimals)
			}
		} else {
			v.Dir = charts.Direction("", nil)
		}
		data.Rows = append(data.Rows, v)
	}
	return writePage(c, exceptionsPageTemplate, "Exception report: "+rep.Title+": "+rep.Area.Name, false, false, data)
}

func valueOrNoData(def *indicators.Definition, v *float64) string {
	if v == nil {
		return "No data"
	}
	return charts.FormatValue(def, *v)
}

var exceptionsPageTemplate = pageTemplate("exceptions", `
<h1>Exception report</h1>
<p class="lede">{{.Report.Title}} · {{.Report.Area.Name}} ({{.Report.Area.Code}}) · {{.PeriodText}}</p>
<form class="pickers" method="get" action="">
<div><label for="area">Area</label>
<select id="area" name="area">{{range .Areas}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
{{if .Period}}<input type="hidden" name="period" value="{{.Period}}">{{end}}
<div><button type="submit">Show exceptions</button></div>
</form>
<ul class="links"><li><a href="{{.BackURL}}">Back to the scorecard</a></li><li><a href="{{.JSONURL}}">This report as JSON</a></li></ul>
<p>{{.Report.Rule}}</p>
<p><strong>{{len .Rows}} of {{.Report.Rows}} rows</strong> {{if eq (len .Rows) 1}}is an exception{{else}}are exceptions{{end}}.</p>
{{range .Rows}}
<section class="exception" aria-label="{{.Label}}">
<h2><a href="{{.URL}}">{{.Label}}</a></h2>
<p class="muted">{{.Priority}} · {{.Period}}</p>
<dl class="facts">
<dt>Value</dt><dd>{{.Value}}</dd>
<dt>Target</dt><dd>{{.Target}}</dd>
<dt>Against target</dt><dd>{{.RAG}}</dd>
<dt>England</dt><dd>{{.England}}</dd>
<dt>Direction of travel</dt><dd><span class="dir {{.Dir.Class}}">{{with .Dir.Arrow}}<span aria-hidden="true">{{.}}</span> {{end}}{{.Dir.Words}}</span>{{with .DirDetail}} ({{.}}){{end}}</dd>
<dt>Why it is here</dt><dd><ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul></dd>
<dt>Commentary</dt><dd>{{range .Comments}}<blockquote><p>{{.Text}}</p><p class="muted">{{.Author}} (posted by {{.PostedBy}}), {{.CreatedAt.Format "2 January 2006"}}, on {{.Period}}</p></blockquote>{{else}}No commentary yet.{{end}}</dd>
</dl>
</section>
{{else}}
<p>No row is red against its target, or worse than England and getting worse.</p>
{{end}}
`)

// exceptionsJSON is GET /api/v1/scorecards/:id/exceptions?area=&period=.
func (s *Server) exceptionsJSON(c echo.Context) error {
	rep, err := s.Engine.Exceptions(c.Request().Context(), c.Param("id"), c.QueryParam("area"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// scorecardSummaryView is a scorecard on the index page.
type scorecardSummaryView struct {
	ID, Title, Description, AreaName, URL string
}

type indexPageData struct {
	Scorecards []scorecardSummaryView
	Choices    []option
	Areas      []option
}

// indexPage is GET /: the scorecards, each linked for its own area, and a form to read any
// scorecard for any area.
func (s *Server) indexPage(c echo.Context) error {
	var data indexPageData
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			v := scorecardSummaryView{ID: sc.ID, Title: sc.Title, Description: sc.Description, URL: "/scorecards/" + url.PathEscape(sc.ID)}
			if sc.Area != indicators.AnyArea {
				if a, ok := s.Areas.Lookup(sc.Area); ok {
					v.AreaName = a.Name
					v.URL += "?area=" + url.QueryEscape(a.Code)
				}
			}
			data.Scorecards = append(data.Scorecards, v)
			data.Choices = append(data.Choices, option{Value: sc.ID, Label: sc.Title})
		}
	}
	data.Areas = s.areaOptions("")
	return writePage(c, indexPageTemplate, "Scorecards", false, false, data)
}

var indexPageTemplate = pageTemplate("index", `
<h1>Scorecards</h1>
<p class="lede">Each scorecard groups indicators by priority for an area, with its target, comparators, RAG status and direction of travel.</p>
<ul>
{{range .Scorecards}}<li><a href="{{.URL}}">{{.Title}}</a>{{with .AreaName}} ({{.}}){{end}}</li>
{{end}}</ul>
<h2 id="pick">Read a scorecard for another area</h2>
<form class="pickers" method="get" action="/scorecards" aria-labelledby="pick">
<div><label for="scorecard">Scorecard</label>
<select id="scorecard" name="scorecard">{{range .Choices}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></div>
<div><label for="area">Area</label>
<select id="area" name="area">{{range .Areas}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></div>
<div><button type="submit">Show scorecard</button></div>
</form>
`)

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
