package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/childrens-trust/scorecard/charts"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

// comparisonChart draws ev against its statistical neighbours (their evaluations for the same
// period) and benchmarks; n is how many of its bars have a value (0: nothing to draw).
func (s *Server) comparisonChart(ctx context.Context, def *indicators.Definition, ev *engine.Evaluation) (c *charts.Chart, n int, err error) {
	las, err := s.Engine.LocalAuthorityEvaluations(ctx, def.ID, ev.Period)
	if err != nil {
		return nil, 0, fmt.Errorf("comparison chart %s %s %s: %w", def.ID, ev.Area.Code, ev.Period, err)
	}
	_, neighbours := s.Engine.NeighbourEvaluations(ev, las)
	if ev.Value != nil {
		n++
	}
	for _, nb := range neighbours {
		if nb.Value != nil {
			n++
		}
	}
	for _, c := range []*engine.Comparator{ev.Comparators.StatisticalNeighbours, ev.Comparators.Region, ev.Comparators.England} {
		if c != nil && c.Value != nil {
			n++
		}
	}
	return charts.Comparison(def, ev, neighbours), n, nil
}

// spineChart draws a board's rows on the range of local authority values in England of each
// row's period (engine.Board read them).
func (s *Server) spineChart(b *engine.Board) *charts.Chart {
	var rows []charts.SpineRow
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			def, ok := s.Catalog.Get(r.Indicator)
			if !ok {
				continue
			}
			rows = append(rows, charts.SpineRow{Def: def, Label: boardRowLabel(r), Evaluation: r.Evaluation, LAValues: r.LAValues})
		}
	}
	c := charts.Spine(b.ID, b.Title, b.Area, rows)
	c.Source = b.Source
	if b.DataAsAt != nil {
		c.AsAt = display.Date(*b.DataAsAt)
	}
	return c
}

// boardRowLabel names a board row: the plan's own reference, if it has one, and the title.
func boardRowLabel(r engine.BoardRow) string { return rowLabel(r.ScorecardItemResult) }

// rowLabel names a scorecard row: the plan's own reference (never a source's code, such as a
// Fingertips indicator number) and the indicator's title.
func rowLabel(r engine.ScorecardItemResult) string {
	if r.PlanReference != "" {
		return r.PlanReference + " " + r.Title
	}
	return r.Title
}

// chartJSON is a chart for other front ends: the ECharts option the page draws, and what the page
// shows beside it.
type chartJSON struct {
	ID      string          `json:"id"`
	Title   string          `json:"title"`
	Summary string          `json:"summary"`
	Key     string          `json:"key"`
	Table   tableJSON       `json:"table"`
	Option  json.RawMessage `json:"option"`
	// ECharts is the version the option is written for, served at Script.
	ECharts string `json:"echarts"`
	Script  string `json:"script"`
}

type tableJSON struct {
	Caption string     `json:"caption"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

func toChartJSON(c *charts.Chart) (*chartJSON, error) {
	opt, err := c.Option()
	if err != nil {
		return nil, err
	}
	t := tableJSON{Caption: c.Table.Caption, Columns: c.Table.Columns, Rows: [][]string{}}
	for _, r := range c.Table.Rows {
		t.Rows = append(t.Rows, append([]string{r.Header}, r.Cells...))
	}
	return &chartJSON{ID: c.ID, Title: c.Title, Summary: c.Summary, Key: c.Key, Table: t, Option: opt,
		ECharts: charts.EChartsVersion, Script: charts.ScriptURL}, nil
}

// indicatorAndArea resolves :indicator and ?area=.
func (s *Server) indicatorAndArea(c echo.Context) (*indicators.Definition, string, error) {
	def, ok := s.Catalog.Get(c.Param("indicator"))
	if !ok {
		return nil, "", errs.Errorf(errs.NotFound, "no indicator %q", c.Param("indicator"))
	}
	area := strings.TrimSpace(c.QueryParam("area"))
	if area == "" {
		return nil, "", errs.Errorf(errs.Invalid, "give an area (area=GSS code, DfE code or name)")
	}
	a, err := s.Engine.Area(area)
	if err != nil {
		return nil, "", err
	}
	return def, a.Code, nil
}

// trendChartJSON is GET /api/v1/charts/trend/:indicator?area=: the trend chart's option and table.
func (s *Server) trendChartJSON(c echo.Context) error {
	def, area, err := s.indicatorAndArea(c)
	if err != nil {
		return err
	}
	series, err := s.Engine.Series(c.Request().Context(), def.ID, area)
	if err != nil {
		return err
	}
	if len(series) == 0 {
		return errs.Errorf(errs.NotFound, "no %s evaluations for area %s", def.ID, area)
	}
	out, err := toChartJSON(charts.Trend(def, series))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// comparisonChartJSON is GET /api/v1/charts/comparison/:indicator?area=&period=: the comparison
// with statistical neighbours and benchmarks (the latest period with a value by default).
func (s *Server) comparisonChartJSON(c echo.Context) error {
	def, area, err := s.indicatorAndArea(c)
	if err != nil {
		return err
	}
	series, err := s.Engine.Series(c.Request().Context(), def.ID, area)
	if err != nil {
		return err
	}
	ev, err := pickPeriod(series, c.QueryParam("period"))
	if err != nil {
		return err
	}
	if ev == nil {
		return errs.Errorf(errs.NotFound, "no %s evaluations for area %s", def.ID, area)
	}
	chart, _, err := s.comparisonChart(c.Request().Context(), def, ev)
	if err != nil {
		return err
	}
	out, err := toChartJSON(chart)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// formatSVG is the spine chart as an SVG image (format=svg), a download.
var formatSVG = format{Name: "svg", MediaType: "image/svg+xml", ContentType: "image/svg+xml; charset=utf-8", Ext: "svg"}

// spineFormat is the representation ?format= asks of the spine chart: JSON (the default) or SVG.
func spineFormat(c echo.Context) (format, error) {
	switch name := strings.TrimSpace(c.QueryParam("format")); name {
	case "", formatJSON.Name:
		return formatJSON, nil
	case formatSVG.Name:
		return formatSVG, nil
	default:
		return format{}, errs.Errorf(errs.Invalid, "format %q is not one of json, svg", name)
	}
}

// spineValidators is jsonValidators for the spine chart, whose ETag varies by its format.
func (s *Server) spineValidators(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := spineFormat(c)
		if err != nil {
			return err
		}
		if s.notModified(c, f) {
			return c.NoContent(http.StatusNotModified)
		}
		return next(c)
	}
}

// spineChartJSON is GET /api/v1/charts/spine/:scorecard?area=&period=&format=: the spine chart
// as its ECharts option and table (JSON), or with format=svg as the SVG image the scorecard page
// draws, with its title, key, source and data date, as a download (Content-Disposition
// attachment).
func (s *Server) spineChartJSON(c echo.Context) error {
	f, err := spineFormat(c)
	if err != nil {
		return err
	}
	b, err := s.Engine.Board(c.Request().Context(), c.Param("scorecard"), c.QueryParam("area"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	chart := s.spineChart(b)
	if f == formatSVG {
		svg, ok := chart.SVGFile()
		if !ok {
			return errs.Errorf(errs.Internal, "spine chart %s for %s: no SVG drawing", b.ID, b.Area.Code)
		}
		name := fileName("spine-"+b.ID+"-"+b.Area.Code) + "." + formatSVG.Ext
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		c.Response().Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		return c.Blob(http.StatusOK, formatSVG.ContentType, svg)
	}
	out, err := toChartJSON(chart)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// pickPeriod is the evaluation of period p in series, or the latest with a value when p is "".
func pickPeriod(series []*engine.Evaluation, p string) (*engine.Evaluation, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return latestWithValue(series), nil
	}
	for _, ev := range series {
		if strings.EqualFold(ev.Period, p) {
			return ev, nil
		}
	}
	return nil, errs.Errorf(errs.NotFound, "no evaluation in period %q", p)
}
