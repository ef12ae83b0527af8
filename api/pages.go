package api

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/childrens-trust/scorecard/charts"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

// registerPages adds the web pages for boards and the assets they load: ECharts from the binary
// under /assets/; the index (/), a scorecard per area (/scorecards/:id), its exception report,
// one page per indicator and area, the indicator catalogue (/indicators) and every indicator for
// an area (/areas/:area); and, under /api/v1, the exception report as JSON and every
// chart's ECharts option (/api/v1/charts/...).
func (s *Server) registerPages(e *echo.Echo) {
	handler := charts.AssetsHandler()
	assets := func(c echo.Context) error {
		if !charts.IsAsset(c.Request().URL.Path) {
			return errs.Errorf(errs.NotFound, "no asset %q", c.Request().URL.Path)
		}
		handler.ServeHTTP(c.Response(), c.Request())
		return nil
	}
	get(e, charts.AssetsPath+"*", assets)
	for path, h := range map[string]echo.HandlerFunc{
		"/":                           s.indexPage,
		"/scorecards":                 s.scorecardPicker,
		"/scorecards/:id":             s.scorecardPage,
		"/scorecards/:id/exceptions":  s.exceptionsPage,
		"/areas/:area/indicators/:id": s.indicatorPage,
		"/areas/:area":                s.areaPage,
		"/areas":                      s.areaPicker,
		"/indicators":                 s.cataloguePage,
	} {
		get(e, path, h)
	}
	// The JSON of the board pages: gzip, and the same validators (ETag, Last-Modified, 304) as
	// the rest of the API.
	asAPI := []echo.MiddlewareFunc{compress(), s.jsonValidators}
	get(e, "/api/v1/scorecards/:id/exceptions", s.exceptionsJSON, asAPI...)
	get(e, "/api/v1/scorecards/:id/board", s.boardJSON, asAPI...)
	get(e, "/api/v1/charts/trend/:indicator", s.trendChartJSON, asAPI...)
	get(e, "/api/v1/charts/comparison/:indicator", s.comparisonChartJSON, asAPI...)
	get(e, "/api/v1/charts/spine/:scorecard", s.spineChartJSON, compress(), s.spineValidators)
}

// jsonValidators sets a JSON read's ETag and Last-Modified and answers a conditional request
// for an unchanged resource with 304 before the handler reads anything.
func (s *Server) jsonValidators(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.notModified(c, formatJSON) {
			return c.NoContent(http.StatusNotModified)
		}
		return next(c)
	}
}

// pageSecurityPolicy lets a page load scripts, styles and images from this server only. No
// inline script runs: charts are drawn by the charts' script file (charts.ChartsScriptURL) from
// JSON data blocks. Styles stay inline (the pages' stylesheet and go-echarts' element sizes).
const pageSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// fact is one line of the "latest value" list.
type fact struct {
	Term   string
	Detail string
	HTML   template.HTML // instead of Detail, when set
}

// indicatorPageData is what the indicator page template shows.
type indicatorPageData struct {
	// RevisionsURL links a signed-in user to the definition's revisions page ("" otherwise).
	RevisionsURL string
	Def          *indicators.Definition
	Area         engine.AreaRef
	// Description and Methodology are the definition's texts, a paragraph or list item each.
	Description, Methodology []string
	// Updates says when the source last published and next publishes: "last 1 June 2025, next
	// 1 June 2026"; empty when the definition does not say.
	Updates    string
	Polarity   string
	UnitWords  string
	Decimals   string
	Latest     *engine.Evaluation
	Facts      []fact
	Trend      template.HTML
	Comparison template.HTML
	// Heading heads the facts: "Latest value" or the requested period in words.
	Heading string
	// NoTrend and NoComparison say why a chart is not drawn, and what would draw it.
	NoTrend, NoComparison string
	// ComparedPeriod is the period of the comparison chart (the headlined one), in words.
	ComparedPeriod string
	// Periods is the period picker: the area's periods of this indicator, grouped by kind.
	Periods        []optionGroup
	JSONURL        string
	TrendJSONURL   string
	CompareJSONURL string
	// Notes are the comments on the indicator for the area, every period, newest first;
	// NoteForm is the form to add one (or the reason there is none).
	Notes    []noteView
	NoteForm *noteForm
	AsAt     asAtView
}

// indicatorPage is GET /areas/:area/indicators/:id?period=: one indicator for one area. It
// headlines the requested period (the latest with a value by default) with its value and
// judgements in words, then the trend chart and the comparison chart of that period, each followed
// by its data table; a chart with nothing to draw is replaced by a sentence saying why.
func (s *Server) indicatorPage(c echo.Context) error {
	return s.renderIndicatorPage(c, http.StatusOK, strings.TrimSpace(c.QueryParam("period")), nil)
}

// renderIndicatorPage writes the indicator page for period p ("" for the latest with a value)
// with status; form, when not nil, is a note that was refused, shown again with its problems.
func (s *Server) renderIndicatorPage(c echo.Context, status int, p string, form *noteForm) error {
	id := c.Param("id")
	def, ok := s.Catalog.Get(id)
	if !ok {
		return errs.Errorf(errs.NotFound, "no indicator %q", id)
	}
	a, err := s.Engine.Area(c.Param("area"))
	if err != nil {
		return err
	}
	series, err := s.Engine.Series(c.Request().Context(), def.ID, a.Code)
	if err != nil {
		return err
	}
	area := engine.AreaRef{Code: a.Code, Name: a.Name, Level: string(a.Level)}
	if len(series) > 0 && series[0].Area.Name != "" {
		area = series[0].Area
	}
	at := asAtOf(c, "this page")

	data := indicatorPageData{
		Def: def, Area: area, Polarity: display.Polarity(def.Polarity), UnitWords: display.UnitWords(def),
		Description:    display.Paragraphs(def.Description),
		Methodology:    display.Paragraphs(def.Metadata.Methodology),
		Updates:        display.Updates(def.Metadata.LastUpdated, def.Metadata.NextUpdate),
		Decimals:       display.Decimals(def.Decimals),
		Heading:        "Latest value",
		JSONURL:        at.link("/api/v1/indicators/" + url.PathEscape(def.ID) + "/evaluations?area=" + url.QueryEscape(area.Code)),
		TrendJSONURL:   at.link("/api/v1/charts/trend/" + url.PathEscape(def.ID) + "?area=" + url.QueryEscape(area.Code)),
		CompareJSONURL: "/api/v1/charts/comparison/" + url.PathEscape(def.ID) + "?area=" + url.QueryEscape(area.Code),
		AsAt:           at,
	}
	data.Latest = latestWithValue(series)
	periods := map[string]string{}
	for _, ev := range series {
		periods[ev.Period] = ev.PeriodEnd
	}
	data.Periods = periodGroups(periods, p, "Latest with a value")
	if p != "" {
		var chosen *engine.Evaluation
		for _, ev := range series {
			if strings.EqualFold(ev.Period, p) {
				chosen = ev
			}
		}
		if chosen == nil {
			return errs.Errorf(errs.NotFound, "no %s figure for %s in period %q", def.Title, area.Name, p)
		}
		data.Latest = chosen
		data.Heading = display.Period(chosen.Period)
	}
	if data.Latest != nil {
		data.Facts = latestFacts(def, data.Latest)
	}
	values := 0
	for _, ev := range series {
		if ev.Value != nil {
			values++
		}
	}
	switch {
	case values >= 2:
		if data.Trend, err = charts.Trend(def, series).HTML(); err != nil {
			return fmt.Errorf("indicator page %s %s: trend chart: %w", def.ID, area.Code, err)
		}
	case values == 1:
		data.NoTrend = "There is only one figure for " + area.Name + ", so there is no trend to draw yet. The chart appears once a second period's figure is loaded."
	default:
		data.NoTrend = "There are no figures for " + area.Name + " to draw. The chart appears once figures are loaded for this area."
	}
	if compared := data.Latest; compared != nil {
		data.ComparedPeriod = display.Period(compared.Period)
		data.CompareJSONURL += "&period=" + url.QueryEscape(compared.Period)
		data.CompareJSONURL = at.link(data.CompareJSONURL)
		chart, n, err := s.comparisonChart(c.Request().Context(), def, compared)
		if err != nil {
			return err
		}
		if n == 0 {
			data.NoComparison = "Nothing to compare for " + display.Period(compared.Period) + ": neither " + area.Name +
				", its statistical neighbours, the region nor England has a figure. The chart appears once their figures are loaded."
		} else if data.Comparison, err = chart.HTML(); err != nil {
			return fmt.Errorf("indicator page %s %s: comparison chart: %w", def.ID, area.Code, err)
		}
	}
	foot := footer{Scorecard: def.Title, Area: area.Name, Printed: display.Date(s.now()), DataAsAt: "no figures", Sources: def.Metadata.Source, AsAt: at.Words}
	if ev := data.Latest; ev != nil && ev.Source.Dataset != "" && s.Datasets != nil {
		if revs, err := s.Datasets.Revisions(c.Request().Context(), ev.Source.Dataset); err == nil {
			for _, r := range revs {
				if r.ID == ev.Source.Revision {
					foot.DataAsAt = display.Date(r.CreatedAt)
				}
			}
		}
	}
	if data.Notes, data.NoteForm, err = s.notesSection(c, def, area, series, data.Latest, form); err != nil {
		return err
	}
	if data.AsAt.Words != "" && data.NoteForm != nil {
		// A note is posted now, to the current figures: not from a page of the past.
		data.NoteForm = &noteForm{Reason: "This page shows the indicator as at " + data.AsAt.Words +
			": notes are added on its current version."}
	}
	if signedIn(c) {
		data.RevisionsURL = definitionPageURL(definitions.Indicator, def.ID)
	}
	return writePageWith(c, status, indicatorPageTemplate, def.Title+": "+area.Name, data.Trend != "" || data.Comparison != "", false, foot.CSS(), data)
}

// latestWithValue is the most recent evaluation with a value, else the most recent one.
func latestWithValue(series []*engine.Evaluation) *engine.Evaluation {
	for i := len(series) - 1; i >= 0; i-- {
		if series[i].Value != nil {
			return series[i]
		}
	}
	if len(series) > 0 {
		return series[len(series)-1]
	}
	return nil
}

// latestFacts lists what a board reads first about a period's value, in words.
func latestFacts(def *indicators.Definition, ev *engine.Evaluation) []fact {
	value := valueCell(def, ev).Text
	if ev.Value != nil && ev.CI != nil && ev.CI.Lower95 != nil && ev.CI.Upper95 != nil {
		value += " (95% confidence interval " + display.Plain(def, *ev.CI.Lower95) + " to " + display.Plain(def, *ev.CI.Upper95) + ")"
	}
	facts := []fact{{Term: "Period", Detail: display.Period(ev.Period)}, {Term: "Value", Detail: value}}

	if t := ev.RAG.Target; t != nil {
		target := display.Value(def, *t)
		if tol := ev.RAG.Tolerance; tol != nil && *tol != 0 {
			if ev.RAG.ToleranceType == indicators.TolerancePercent {
				target += ", amber within " + display.Number(*tol, 1) + "% of the target"
			} else {
				target += ", amber within " + display.Number(*tol, def.Decimals) + display.UnitOf(def).Change
			}
		}
		if gap := display.Gap(def, ev.Value, t); gap != "" {
			target += " (" + gap + ")"
		}
		facts = append(facts, fact{Term: "Target", Detail: target})
	}
	rag := charts.RAG(ev.RAG.Status).Chip()
	if why := display.RAGReason(ev.RAG.Status, ev.RAG.Reason); why != "" && !strings.HasPrefix(why, "No target has been set") {
		rag += template.HTML(" " + template.HTMLEscapeString(why))
	}
	facts = append(facts, fact{Term: "Against target", HTML: rag})
	if f := ev.Forecast; f != nil && f.Status != engine.NotForecast {
		if text := display.Forecast(def, f.Status, f.TargetPeriod, f.Projected, f.Target, f.Reason); text != "" {
			facts = append(facts, fact{Term: "Forecast", Detail: text})
		}
	}

	for i, d := range []*engine.Change{ev.Direction.Previous, ev.Direction.YearAgo} {
		if d == nil || (i == 1 && ev.Direction.Previous != nil && ev.Direction.Previous.Period == d.Period) {
			continue // annual data: the previous period is the year ago
		}
		text := display.Direction(d.Judgement)
		if change := display.Change(def, d.Change, d.ChangePercent); change != "" {
			text += ": " + change
		}
		facts = append(facts, fact{Term: "Since " + display.Period(d.Period), Detail: text})
	}

	for _, cmp := range []struct {
		name string
		c    *engine.Comparator
	}{
		{"statistical neighbours' average", ev.Comparators.StatisticalNeighbours},
		{"", ev.Comparators.Region},
		{"", ev.Comparators.England},
	} {
		if cmp.c == nil || cmp.c.Value == nil {
			continue
		}
		name := cmp.name
		if name == "" {
			name = cmp.c.Name
		}
		text := display.Judgement(cmp.c.Judgement) + " (" + name + ": " + display.Value(def, *cmp.c.Value) + ")"
		if why := display.ComparisonReason(cmp.c.Judgement, cmp.c.Method, cmp.c.Reason); why != "" {
			text += ". " + why
		}
		facts = append(facts, fact{Term: "Compared with " + name, Detail: text})
	}
	if ev.Rank != nil {
		rank := display.Rank(ev.Rank.Position, ev.Rank.Of, ev.Quartile) + " local authorities"
		if ev.Quartile != "" {
			rank = display.Rank(ev.Rank.Position, ev.Rank.Of, "") + " local authorities, quartile " + ev.Quartile + " (A is the best quarter)"
		}
		facts = append(facts, fact{Term: "Rank", Detail: rank})
	}
	if ev.RecentTrend != nil && ev.RecentTrend.Label != "" {
		trend := display.Trend(ev.RecentTrend.Label)
		if why := display.TrendReason(ev.RecentTrend.Reason); why != "" {
			trend = why
		}
		facts = append(facts, fact{Term: "Recent trend", Detail: trend})
	}
	return facts
}

var indicatorPageTemplate = pageTemplate("indicator")
