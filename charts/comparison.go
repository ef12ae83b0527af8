package charts

import (
	"fmt"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// intervalName names the confidence-interval series.
const intervalName = "95% confidence interval"

// comparisonBar is one bar of the comparison chart.
type comparisonBar struct {
	name   string
	label  string // the category label: name, "(this area)" for the area, and the value
	value  *float64
	lo, hi *float64
	colour string
	border string
	kind   string // area, neighbour, benchmark
	rank   int    // a neighbour's DfE rank (1 = closest)
	comp   *engine.Comparator
	ev     *engine.Evaluation
}

// Comparison draws one period's value for an area beside each of its statistical neighbours
// (neighbours: their evaluations for the same period, closest first, as the DfE ranks them; nil or
// empty for none), then the neighbours' average, its region and England (the evaluation's
// comparators), as horizontal bars. The area and its neighbours are sorted best first by the
// indicator's polarity (highest first when it has none); the area's bar is blue and its label says
// "(this area)"; every label carries its value. Each bar with a 95% confidence interval has an
// error bar (an ECharts boxplot series whose box is the value, so the option stays plain data).
// Comparators the evaluation does not carry are left out; those without a value are listed as
// "no data". It returns nil when ev is nil; def must not be nil.
func Comparison(def *indicators.Definition, ev *engine.Evaluation, neighbours []*engine.Evaluation) *Chart {
	if ev == nil {
		return nil
	}
	u := unitOf(def)
	area := areaOf([]*engine.Evaluation{ev})
	id := chartID("comparison", def.ID, area.Code, ev.Period)

	lo, hi := interval(ev)
	peers := []comparisonBar{{name: area.Name, value: ev.Value, lo: lo, hi: hi, colour: colourArea, border: colourText, kind: "area", ev: ev}}
	for i, n := range neighbours {
		if n == nil {
			continue
		}
		nlo, nhi := interval(n)
		peers = append(peers, comparisonBar{name: nameOr(n.Area.Name, n.Area.Code), value: n.Value, lo: nlo, hi: nhi,
			colour: colourNeighbour, border: colourTarget, kind: "neighbour", rank: i + 1, ev: n})
	}
	higherFirst := def.Polarity != stats.LowerIsBetter
	sort.SliceStable(peers, func(i, j int) bool {
		a, b := peers[i].value, peers[j].value
		switch {
		case a == nil || b == nil:
			return a != nil && b == nil
		case higherFirst:
			return *a > *b
		default:
			return *a < *b
		}
	})
	bars := peers
	c := ev.Comparators
	if c.StatisticalNeighbours != nil {
		bars = append(bars, comparisonBar{name: neighboursName, value: c.StatisticalNeighbours.Value, colour: colourBenchmark, border: colourText, kind: "benchmark", comp: c.StatisticalNeighbours})
	}
	if c.Region != nil {
		bars = append(bars, comparisonBar{name: nameOr(c.Region.Name, "Region"), value: c.Region.Value, colour: colourBenchmark, border: colourText, kind: "benchmark", comp: c.Region})
	}
	if c.England != nil {
		bars = append(bars, comparisonBar{name: nameOr(c.England.Name, "England"), value: c.England.Value, colour: colourBenchmark, border: colourText, kind: "benchmark", comp: c.England})
	}

	categories := make([]string, len(bars))
	data := make([]opts.BarData, len(bars))
	errorBars := make([]any, len(bars))
	var anyInterval bool
	var benchParts []string
	for i := range bars {
		b := &bars[i]
		text := "no data"
		if b.value != nil {
			text = withUnit(def, *b.value)
		}
		b.label = b.name + ": " + text
		if b.kind == "area" {
			b.label = b.name + " (this area): " + text
		}
		categories[i] = b.label
		data[i] = opts.BarData{Name: b.name, Value: point(def, b.value), ItemStyle: &opts.ItemStyle{Color: b.colour, BorderColor: b.border, BorderWidth: 1}}
		errorBars[i] = missing
		if b.value != nil && b.lo != nil && b.hi != nil {
			anyInterval = true
			v := rounded(def, *b.value)
			errorBars[i] = map[string]any{"name": b.name, "value": []float64{rounded(def, *b.lo), v, v, v, rounded(def, *b.hi)}}
		}
		if b.kind == "benchmark" {
			benchParts = append(benchParts, b.name+" "+text)
		}
	}

	title := def.Title
	var summary strings.Builder
	fmt.Fprintf(&summary, "%s, %s: %s", area.Name, ev.Period, valueWithUnit(def, ev.Value))
	if lo != nil {
		fmt.Fprintf(&summary, " (95%% confidence interval %s to %s)", withUnit(def, *lo), withUnit(def, *hi))
	}
	summary.WriteString(".")
	if len(neighbours) > 0 && ev.Value != nil {
		with, pos := 0, 0
		for i, p := range peers {
			if p.value != nil {
				with++
			}
			if p.kind == "area" {
				pos = i + 1
			}
		}
		order := "highest"
		if def.Polarity == stats.LowerIsBetter {
			order = "lowest"
		}
		fmt.Fprintf(&summary, " %s is %s of %d among itself and its %d statistical neighbours with a value (%s first).",
			area.Name, ordinal(pos), with, len(peers)-1, order)
	}
	if len(benchParts) > 0 {
		summary.WriteString(" " + strings.Join(benchParts, "; ") + ".")
	}
	key := "Key: " + area.Name + " is the blue bar, labelled \"(this area)\""
	if len(peers) > 1 {
		key += "; its statistical neighbours are light grey bars, sorted from best to worst with the area among them"
	}
	key += "; the averages for comparison (statistical neighbours, region, England) are the dark grey bars at the bottom. Each bar is named with its value on the left."
	if anyInterval {
		key += " A black line with end caps across a bar is that value's 95% confidence interval."
	}

	height := 120 + 34*len(bars)
	barChart := echarts.NewBar()
	init := initialization(id, title+": "+area.Name+", "+ev.Period)
	init.Height = fmt.Sprintf("%dpx", max(height, 320))
	barChart.SetGlobalOptions(
		echarts.WithInitializationOpts(init),
		echarts.WithAnimation(false),
		echarts.WithColorsOpts(palette),
		echarts.WithTitleOpts(opts.Title{Title: title, Subtitle: area.Name + " compared with its statistical neighbours and benchmarks, " + ev.Period + " (" + u.words + ")",
			Left: "0", TitleStyle: textStyle(16, true), SubtitleStyle: textStyle(14, false)}),
		echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(anyInterval), Data: []string{intervalName}, Bottom: "0", Left: "0", TextStyle: textStyle(14, false)}),
		echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		echarts.WithXAxisOpts(opts.XAxis{Type: "value", Name: u.axis, NameLocation: "middle", NameGap: 30,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 13},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 14},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithGridOpts(opts.Grid{Left: "8", Right: "32", Top: "80", Bottom: "70", ContainLabel: opts.Bool(true)}),
	)
	barChart.SetXAxis(categories)
	barChart.XYReversal()
	barChart.AddSeries("Value", data, echarts.WithBarChartOpts(opts.BarChart{BarWidth: "60%"}))
	barChart.Accept(patcher{patch: func(o map[string]any) {
		if !anyInterval {
			return
		}
		series, _ := o["series"].([]any)
		if series == nil {
			series = toAnySlice(asMaps(o["series"]))
		}
		o["series"] = append(series, map[string]any{
			"name": intervalName, "type": "boxplot", "data": errorBars, "boxWidth": []string{"40%", "40%"},
			"itemStyle": map[string]any{"color": colourInterval, "borderColor": colourInterval, "borderWidth": 2},
			"tooltip":   map[string]any{"show": false}, "silent": true, "z": 3,
		})
	}})

	table := Table{
		Caption: fmt.Sprintf("%s, %s: %s compared with its statistical neighbours and benchmarks (%s)", title, ev.Period, area.Name, u.words),
		Columns: []string{"Area or benchmark", "Value", "Lower 95% limit", "Upper 95% limit", area.Name + " compared with it", "What it is"},
	}
	for _, b := range bars {
		r := Row{Header: b.name, Numeric: []bool{b.value != nil, b.lo != nil && b.value != nil, b.hi != nil && b.value != nil}}
		switch b.kind {
		case "area":
			r.Header += " (this area)"
			r.Cells = []string{valueText(def, b.ev), limitText(def, b.lo), limitText(def, b.hi), "", ciMethodText(b.ev)}
		case "neighbour":
			r.Cells = []string{valueText(def, b.ev), limitText(def, b.lo), limitText(def, b.hi), "", fmt.Sprintf("statistical neighbour %d of %d", b.rank, len(neighbours))}
		default:
			r.Cells = []string{comparatorText(def, b.comp), "", "", judgementText(b.comp), sourceText(b.comp)}
		}
		if b.kind != "benchmark" && b.value == nil {
			r.Cells[1], r.Cells[2] = "", ""
		}
		table.Rows = append(table.Rows, r)
	}

	return &Chart{
		ID:      id,
		Title:   title + ": " + area.Name + " compared with its statistical neighbours and benchmarks, " + ev.Period,
		Summary: summary.String(),
		Key:     key,
		Table:   table,
		EChart:  barChart,
	}
}

// valueWithUnit is a value with its unit, or "no data".
func valueWithUnit(def *indicators.Definition, v *float64) string {
	if v == nil {
		return "no data"
	}
	return withUnit(def, *v)
}

// ordinal is display.Ordinal: "1st", "2nd", "11th".
func ordinal(n int) string { return display.Ordinal(n) }

func toAnySlice(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
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
	if c == nil || c.Value == nil {
		return "Not compared: there is no figure to compare."
	}
	j := display.Judgement(c.Judgement)
	if why := display.ComparisonReason(c.Judgement, c.Method, c.Reason); why != "" {
		if strings.HasPrefix(why, "Not compared") {
			return why
		}
		j += ". " + why
	}
	return j
}

// sourceText says how a benchmark value was obtained.
func sourceText(c *engine.Comparator) string {
	if c == nil {
		return ""
	}
	return display.Source(c.Source, c.N, c.Of, c.Vintage)
}
