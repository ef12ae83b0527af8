package charts

import (
	"fmt"
	"strings"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// intervalName names the confidence-interval series.
const intervalName = "95% confidence interval"

// intervalJS draws the area's 95% confidence interval as an error bar across its (horizontal) bar:
// a line from the lower to the upper limit with a cap at each end. Each data item is
// [category index, lower, upper]. Single quotes only: the function travels inside JSON.
const intervalJS = `function (params, api) {
var y = api.value(0);
var lo = api.coord([api.value(1), y]);
var hi = api.coord([api.value(2), y]);
var h = api.size([0, 1])[1] * 0.18;
function seg(x1, y1, x2, y2) { return {type: 'line', shape: {x1: x1, y1: y1, x2: x2, y2: y2}, style: {stroke: '` + colourInterval + `', lineWidth: 2}}; }
return {type: 'group', children: [seg(lo[0], lo[1], hi[0], hi[1]), seg(lo[0], lo[1] - h, lo[0], lo[1] + h), seg(hi[0], hi[1] - h, hi[0], hi[1] + h)]};
}`

// intervalTooltipJS is the tooltip of the confidence-interval series.
const intervalTooltipJS = `function (p) { return p.seriesName + ': ' + p.value[1] + ' to ' + p.value[2]; }`

// Comparison draws one period's value for an area beside its statistical neighbours' average,
// its region and England (the evaluation's comparators), as horizontal bars with each value in
// its axis label, and the area's 95% confidence interval as an error bar when ev.CI has both
// limits. Comparators the evaluation does not carry are left out; those without a value are
// listed as "no data". It returns nil when ev is nil; def must not be nil.
func Comparison(def *indicators.Definition, ev *engine.Evaluation) *Chart {
	if ev == nil {
		return nil
	}
	u := unitOf(def)
	area := areaOf([]*engine.Evaluation{ev})
	id := chartID("comparison", def.ID, area.Code, ev.Period)

	type bar struct {
		name   string
		value  *float64
		colour string
		comp   *engine.Comparator
	}
	bars := []bar{{name: area.Name, value: ev.Value, colour: colourArea}}
	c := ev.Comparators
	if c.StatisticalNeighbours != nil {
		bars = append(bars, bar{neighboursName, c.StatisticalNeighbours.Value, colourBenchmark, c.StatisticalNeighbours})
	}
	if c.Region != nil {
		bars = append(bars, bar{nameOr(c.Region.Name, "Region"), c.Region.Value, colourBenchmark, c.Region})
	}
	if c.England != nil {
		bars = append(bars, bar{nameOr(c.England.Name, "England"), c.England.Value, colourBenchmark, c.England})
	}

	lo, hi := interval(ev)
	categories := make([]string, len(bars))
	data := make([]opts.BarData, len(bars))
	var parts []string
	for i, b := range bars {
		text := "no data"
		if b.value != nil {
			text = withUnit(def, *b.value)
		}
		categories[i] = b.name + ": " + text
		data[i] = opts.BarData{Name: b.name, Value: point(def, b.value), ItemStyle: &opts.ItemStyle{Color: b.colour}}
		part := b.name + " " + text
		if i == 0 && lo != nil {
			part += fmt.Sprintf(" (95%% confidence interval %s to %s)", withUnit(def, *lo), withUnit(def, *hi))
		}
		parts = append(parts, part)
	}
	title := def.Title
	summary := fmt.Sprintf("%s, %s: %s.", area.Name, ev.Period, strings.Join(parts, "; "))
	key := "Key: " + area.Name + " is the blue bar at the top; the benchmarks are grey bars below it, each named with its value on the left."
	if lo != nil {
		key += " The black line with end caps across " + area.Name + "'s bar is its 95% confidence interval."
	}

	barChart := echarts.NewBar()
	barChart.SetGlobalOptions(
		echarts.WithInitializationOpts(initialization(id, title+": "+area.Name+", "+ev.Period)),
		echarts.WithAnimation(false),
		echarts.WithColorsOpts(palette),
		echarts.WithTitleOpts(opts.Title{Title: title, Subtitle: area.Name + " compared with benchmarks, " + ev.Period + " (" + u.words + ")",
			Left: "0", TitleStyle: textStyle(16, true), SubtitleStyle: textStyle(14, false)}),
		echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(lo != nil), Data: []string{intervalName}, Bottom: "0", Left: "0", TextStyle: textStyle(14, false)}),
		echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		echarts.WithXAxisOpts(opts.XAxis{Type: "value", Name: u.axis, NameLocation: "middle", NameGap: 30,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 13},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 14},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithGridOpts(opts.Grid{Left: "8", Right: "32", Top: "80", Bottom: "70", ContainLabel: opts.Bool(true)}),
		echarts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true), Label: &opts.AriaLabel{Enabled: opts.Bool(true), Description: summary}}),
	)
	barChart.SetXAxis(categories)
	barChart.XYReversal()
	barChart.AddSeries("Value", data, echarts.WithBarChartOpts(opts.BarChart{BarWidth: "55%"}))
	if lo != nil {
		errorBar := echarts.NewCustom()
		errorBar.SetGlobalOptions(echarts.WithAnimation(false))
		errorBar.AddSeries(intervalName,
			[]opts.CustomData{{Name: area.Name, Value: []any{0, rounded(def, *lo), rounded(def, *hi)}}},
			echarts.WithCustomChartOpts(opts.CustomChart{RenderItem: opts.FuncOpts(intervalJS)}),
			echarts.WithEncodeOpts(opts.Encode{X: []int{1, 2}, Y: 0}),
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: colourInterval}),
			echarts.WithSeriesTooltipOpts(opts.SeriesTooltip{Formatter: opts.FuncOpts(intervalTooltipJS)}),
		)
		barChart.Overlap(errorBar)
	}
	barChart.AddJSFuncStrs(downloadJS(id))

	table := Table{
		Caption: fmt.Sprintf("%s, %s: %s compared with benchmarks (%s)", title, ev.Period, area.Name, u.words),
		Columns: []string{"Area or benchmark", "Value", "Lower 95% limit", "Upper 95% limit", area.Name + " compared with it", "How the value was obtained"},
	}
	for i, b := range bars {
		r := Row{Header: b.name, Numeric: []bool{b.value != nil, lo != nil && i == 0, hi != nil && i == 0}}
		if i == 0 {
			r.Cells = []string{valueText(def, ev), limitText(def, lo), limitText(def, hi), "", ciMethodText(ev)}
		} else {
			r.Cells = []string{comparatorText(def, b.comp), "", "", judgementText(b.comp), sourceText(b.comp)}
		}
		table.Rows = append(table.Rows, r)
	}

	return &Chart{
		ID:      id,
		Title:   title + ": " + area.Name + " compared with benchmarks, " + ev.Period,
		Summary: summary,
		Key:     key,
		Table:   table,
		EChart:  barChart,
	}
}

// interval is the evaluation's 95% confidence limits, when it has both and a value.
func interval(ev *engine.Evaluation) (lo, hi *float64) {
	if ev.Value == nil || ev.CI == nil || ev.CI.Lower95 == nil || ev.CI.Upper95 == nil {
		return nil, nil
	}
	return ev.CI.Lower95, ev.CI.Upper95
}

func nameOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

func limitText(def *indicators.Definition, v *float64) string {
	if v == nil {
		return "none"
	}
	return format(def, *v)
}

// ciMethodText says where the area's confidence interval comes from.
func ciMethodText(ev *engine.Evaluation) string {
	if ev.CI == nil || ev.CI.Lower95 == nil {
		return "no confidence interval"
	}
	if ev.CI.Published {
		return "confidence interval published by the source"
	}
	switch ev.CI.Method {
	case "wilson":
		return "Wilson score confidence interval"
	case "exact":
		return "exact Poisson confidence interval"
	case "byars":
		return "Byar's confidence interval"
	case "published":
		return "confidence interval published by the source"
	}
	return ev.CI.Method + " confidence interval"
}

// judgementText is the area's judgement against a benchmark and the rule that made it.
func judgementText(c *engine.Comparator) string {
	if c == nil {
		return "not compared"
	}
	j := strings.ReplaceAll(c.Judgement, "_", " ")
	if j == "" {
		j = "not compared"
	}
	switch c.Method {
	case "ci95":
		j += " (benchmark against the 95% confidence interval)"
	case "ci95_998":
		j += " (benchmark against the 95% and 99.8% confidence intervals)"
	case "difference":
		j += " (by the difference only: no confidence interval)"
	}
	if c.Reason != "" && (c.Judgement == "not_compared" || c.Judgement == "") {
		j += ": " + c.Reason
	}
	return j
}

// sourceText says how a benchmark value was obtained.
func sourceText(c *engine.Comparator) string {
	if c == nil {
		return ""
	}
	var s string
	switch c.Source {
	case engine.SourcePublished:
		s = "published"
	case engine.SourceAggregated:
		s = "aggregated from local authorities' numerators and denominators"
	case engine.SourceMeanOfAreas:
		s = "mean of the areas' values"
	case engine.SourceNeighbourMean:
		s = "mean of the statistical neighbours' values"
	case engine.SourceNone, "":
		s = "no value"
	default:
		s = c.Source
	}
	if c.Of > 0 {
		s += fmt.Sprintf(", %d of %d neighbours with a value", c.N, c.Of)
	}
	if c.Vintage != "" {
		s += ", neighbour vintage " + c.Vintage
	}
	return s
}
