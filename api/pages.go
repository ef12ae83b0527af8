package api

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/childrens-trust/scorecard/charts"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	"github.com/labstack/echo/v4"
)

// registerPages adds the web pages for boards and the assets they load: ECharts from the binary
// under /assets/; the index (/), a scorecard per area (/scorecards/:id), its exception report, and
// one page per indicator and area; and, under /api/v1, the exception report as JSON and every
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
	} {
		get(e, path, h)
	}
	// The JSON of the board pages: gzip, and the same validators (ETag, Last-Modified, 304) as
	// the rest of the API.
	asAPI := []echo.MiddlewareFunc{compress(), s.jsonValidators}
	get(e, "/api/v1/scorecards/:id/exceptions", s.exceptionsJSON, asAPI...)
	get(e, "/api/v1/charts/trend/:indicator", s.trendChartJSON, asAPI...)
	get(e, "/api/v1/charts/comparison/:indicator", s.comparisonChartJSON, asAPI...)
	get(e, "/api/v1/charts/spine/:scorecard", s.spineChartJSON, asAPI...)
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
	Def        *indicators.Definition
	Area       engine.AreaRef
	Polarity   string
	UnitWords  string
	Latest     *engine.Evaluation
	Facts      []fact
	Trend      template.HTML
	Comparison template.HTML
	// ComparedPeriod is the period of the comparison chart (the latest with a value, or ?period=).
	ComparedPeriod string
	JSONURL        string
	TrendJSONURL   string
	CompareJSONURL string
}

// indicatorPage is GET /areas/:area/indicators/:id: one indicator for one area, with its latest
// value and RAG (text and colour), the trend chart and the comparison chart, each followed by its
// data table. ?period= chooses the comparison chart's period (the latest with a value by default).
func (s *Server) indicatorPage(c echo.Context) error {
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

	data := indicatorPageData{
		Def: def, Area: area, Polarity: polarityText(def.Polarity), UnitWords: charts.UnitWords(def),
		JSONURL:        "/api/v1/indicators/" + url.PathEscape(def.ID) + "/evaluations?area=" + url.QueryEscape(area.Code),
		TrendJSONURL:   "/api/v1/charts/trend/" + url.PathEscape(def.ID) + "?area=" + url.QueryEscape(area.Code),
		CompareJSONURL: "/api/v1/charts/comparison/" + url.PathEscape(def.ID) + "?area=" + url.QueryEscape(area.Code),
	}
	data.Latest = latestWithValue(series)
	compared := data.Latest
	if p := strings.TrimSpace(c.QueryParam("period")); p != "" {
		compared = nil
		for _, ev := range series {
			if strings.EqualFold(ev.Period, p) {
				compared = ev
			}
		}
		if compared == nil {
			return errs.Errorf(errs.NotFound, "no %s evaluation for %s in period %q", def.ID, area.Name, p)
		}
	}
	if data.Latest != nil {
		data.Facts = latestFacts(def, data.Latest)
	}
	if len(series) > 0 {
		if data.Trend, err = charts.Trend(def, series).HTML(); err != nil {
			return fmt.Errorf("indicator page %s %s: trend chart: %w", def.ID, area.Code, err)
		}
	}
	if compared != nil {
		data.ComparedPeriod = compared.Period
		data.CompareJSONURL += "&period=" + url.QueryEscape(compared.Period)
		chart, err := s.comparisonChart(c.Request().Context(), def, compared)
		if err != nil {
			return err
		}
		if data.Comparison, err = chart.HTML(); err != nil {
			return fmt.Errorf("indicator page %s %s: comparison chart: %w", def.ID, area.Code, err)
		}
	}
	return writePage(c, indicatorPageTemplate, def.Title+": "+area.Name, data.Trend != "" || data.Comparison != "", false, data)
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

func polarityText(p stats.Polarity) string {
	switch p {
	case stats.HigherIsBetter:
		return "Higher is better"
	case stats.LowerIsBetter:
		return "Lower is better"
	case stats.CloserIsBetter:
		return "Closer to the target is better"
	case stats.NoJudgement:
		return "No judgement of better or worse"
	}
	return string(p)
}

// words turns an engine label into words: "no_significant_change" → "no significant change".
func words(label string) string {
	label = strings.ReplaceAll(label, "_getting_", " and getting ")
	return strings.ReplaceAll(label, "_", " ")
}

// signed formats a change with its sign.
func signed(v float64, dps int) string {
	s := stats.FormatFixed(v, dps)
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.") != "" {
		s = "+" + s
	}
	return s
}

// latestFacts lists what a board reads first about the latest value.
func latestFacts(def *indicators.Definition, ev *engine.Evaluation) []fact {
	value := "No data"
	switch {
	case ev.Value != nil:
		value = charts.FormatValue(def, *ev.Value)
		if ev.CI != nil && ev.CI.Lower95 != nil && ev.CI.Upper95 != nil {
			value += fmt.Sprintf(" (95%% confidence interval %s to %s)",
				stats.FormatFixed(*ev.CI.Lower95, def.Decimals), stats.FormatFixed(*ev.CI.Upper95, def.Decimals))
		}
	case ev.Marker != "":
		value = "Suppressed (" + ev.Marker + ")"
	}
	facts := []fact{{Term: "Period", Detail: ev.Period}, {Term: "Value", Detail: value}}

	if t := ev.RAG.Target; t != nil {
		target := charts.FormatValue(def, *t)
		if tol := ev.RAG.Tolerance; tol != nil && *tol != 0 {
			target += ", amber within " + stats.FormatFixed(*tol, def.Decimals)
			if ev.RAG.ToleranceType == indicators.TolerancePercent {
				target += "% of the target"
			}
		}
		facts = append(facts, fact{Term: "Target", Detail: target})
	}
	rag := charts.RAG(ev.RAG.Status).Chip()
	if ev.RAG.Reason != "" && ev.RAG.Status != "no_target" {
		rag += template.HTML(" " + template.HTMLEscapeString(ev.RAG.Reason))
	}
	facts = append(facts, fact{Term: "Against target", HTML: rag})

	for i, d := range []*engine.Change{ev.Direction.Previous, ev.Direction.YearAgo} {
		if d == nil || (i == 1 && ev.Direction.Previous != nil && ev.Direction.Previous.Period == d.Period) {
			continue // annual data: the previous period is the year ago
		}
		text := words(d.Judgement)
		if d.Change != nil {
			text += ": " + signed(*d.Change, def.Decimals)
			if d.ChangePercent != nil {
				text += " (" + signed(*d.ChangePercent, 1) + "%)"
			}
		}
		facts = append(facts, fact{Term: "Since " + d.Period, Detail: text})
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
		text := words(cmp.c.Judgement) + " (" + name + ": " + charts.FormatValue(def, *cmp.c.Value) + ")"
		facts = append(facts, fact{Term: "Compared with " + name, Detail: text})
	}
	if ev.Rank != nil {
		rank := fmt.Sprintf("%d of %d local authorities", ev.Rank.Position, ev.Rank.Of)
		if ev.Quartile != "" {
			rank += ", quartile " + ev.Quartile + " (A is best)"
		}
		facts = append(facts, fact{Term: "Rank", Detail: rank})
	}
	if ev.RecentTrend != nil && ev.RecentTrend.Label != "" {
		trend := words(ev.RecentTrend.Label)
		if ev.RecentTrend.Reason != "" {
			trend += ": " + ev.RecentTrend.Reason
		}
		facts = append(facts, fact{Term: "Recent trend", Detail: trend})
	}
	return facts
}

var indicatorPageTemplate = pageTemplate("indicator", `
<h1>{{.Def.Title}}</h1>
<p class="lede">{{.Area.Name}} ({{.Area.Code}}){{with .Def.Reference}} · indicator {{.}}{{end}} · {{.UnitWords}} · {{.Polarity}}</p>
{{with .Def.Description}}<p>{{.}}</p>{{end}}

<section aria-labelledby="latest">
<h2 id="latest">Latest value</h2>
{{if .Latest}}<dl class="facts">
{{range .Facts}}<dt>{{.Term}}</dt><dd>{{if .HTML}}{{.HTML}}{{else}}{{.Detail}}{{end}}</dd>
{{end}}</dl>
{{else}}<p>There are no values of this indicator for {{.Area.Name}}.</p>
{{end}}</section>
{{if .Trend}}
<section aria-labelledby="trend">
<h2 id="trend">Trend</h2>
{{.Trend}}<p class="no-print"><a href="{{.TrendJSONURL}}">The trend chart as ECharts JSON</a></p>
</section>
{{end}}{{if .Comparison}}
<section aria-labelledby="comparison">
<h2 id="comparison">Compared with benchmarks, {{.ComparedPeriod}}</h2>
{{.Comparison}}<p class="no-print"><a href="{{.CompareJSONURL}}">The comparison chart as ECharts JSON</a></p>
</section>
{{end}}
<section aria-labelledby="about">
<h2 id="about">About this indicator</h2>
<dl class="facts">
<dt>Definition</dt><dd>{{if .Def.Description}}{{.Def.Description}}{{else}}{{.Def.Title}}{{end}}</dd>
<dt>Good performance</dt><dd>{{.Polarity}}</dd>
<dt>Unit</dt><dd>{{.UnitWords}}, {{.Def.Decimals}} decimal places</dd>
{{with .Def.Metadata.Source}}<dt>Source</dt><dd>{{.}}</dd>
{{end}}{{with .Def.Metadata.Owner}}<dt>Owner</dt><dd>{{.}}</dd>
{{end}}{{with .Def.Metadata.MonitoringBody}}<dt>Monitored by</dt><dd>{{.}}</dd>
{{end}}{{with .Def.Metadata.Notes}}<dt>Notes</dt><dd>{{.}}</dd>
{{end}}{{with .Def.Metadata.URL}}<dt>More information</dt><dd><a href="{{.}}">{{.}}</a></dd>
{{end}}<dt>The data</dt><dd><a href="{{.JSONURL}}">every period with its judgements, as JSON</a></dd>
</dl>
</section>
`)
