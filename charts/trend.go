package charts

import (
	"fmt"
	"strings"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Trend draws an indicator's values for one area over periods: a line for the area, lines for
// England, the region and the statistical neighbours' average (each evaluation's comparators)
// where they have values, and the target where one is set, with the periods on the x axis and
// values rounded to the indicator's decimals. series is the area's evaluations in period order
// (engine.Engine.Series); def must not be nil. Gaps in a line are periods without a value; the
// table says why (no data, suppressed).
func Trend(def *indicators.Definition, series []*engine.Evaluation) *Chart {
	u := unitOf(def)
	area := areaOf(series)
	id := chartID("trend", def.ID, area.Code)

	periods := make([]string, 0, len(series))
	var values, england, region, neighbours, targets []opts.LineData
	var has struct{ england, region, neighbours, target bool }
	regionName := "Region"
	englandName := "England"
	for _, ev := range series {
		periods = append(periods, ev.Period)
		values = append(values, opts.LineData{Name: ev.Period, Value: point(def, ev.Value)})
		c := ev.Comparators
		england = append(england, opts.LineData{Name: ev.Period, Value: point(def, comparatorValue(c.England))})
		region = append(region, opts.LineData{Name: ev.Period, Value: point(def, comparatorValue(c.Region))})
		neighbours = append(neighbours, opts.LineData{Name: ev.Period, Value: point(def, comparatorValue(c.StatisticalNeighbours))})
		targets = append(targets, opts.LineData{Name: ev.Period, Value: point(def, ev.RAG.Target)})
		has.england = has.england || comparatorValue(c.England) != nil
		has.region = has.region || comparatorValue(c.Region) != nil
		has.neighbours = has.neighbours || comparatorValue(c.StatisticalNeighbours) != nil
		has.target = has.target || ev.RAG.Target != nil
		if c.Region != nil && c.Region.Name != "" {
			regionName = c.Region.Name
		}
		if c.England != nil && c.England.Name != "" {
			englandName = c.England.Name
		}
	}

	title := def.Title
	subtitle := area.Name
	if len(periods) > 0 {
		subtitle += ", " + periods[0]
		if len(periods) > 1 {
			subtitle += " to " + periods[len(periods)-1]
		}
	}
	subtitle += " (" + u.words + ")"

	type drawn struct {
		name  string
		data  []opts.LineData
		style lineStyle
	}
	lines := []drawn{{area.Name, values, styleArea}}
	if has.neighbours {
		lines = append(lines, drawn{neighboursName, neighbours, styleNeighbours})
	}
	if has.region {
		lines = append(lines, drawn{regionName, region, styleRegion})
	}
	if has.england {
		lines = append(lines, drawn{englandName, england, styleEngland})
	}
	if has.target {
		lines = append(lines, drawn{"Target", targets, styleTarget})
	}

	var key []string
	for _, l := range lines {
		key = append(key, l.name+": "+l.style.words)
	}
	lower, width, hasBand := band(def, series)
	if hasBand {
		key = append(key, intervalName+" of "+area.Name+": pale blue band")
	}
	keyText := "Key: " + strings.Join(key, "; ") + ". A gap in a line is a period without a value."

	summary := trendSummary(def, area.Name, series, regionName, englandName)

	rotate := 0.0
	bottom := "70"
	if len(periods) > 8 {
		rotate, bottom = 30, "100"
	}
	legend := make([]string, 0, len(lines)+1)
	for _, l := range lines {
		legend = append(legend, l.name)
	}
	trigger := "axis"
	if hasBand {
		legend = append(legend, intervalName)
		// An axis tooltip would list the band's two stacked helper series as if they were values.
		trigger = "item"
	}
	line := echarts.NewLine()
	line.SetGlobalOptions(
		echarts.WithInitializationOpts(initialization(id, title+": "+area.Name)),
		echarts.WithAnimation(false),
		echarts.WithColorsOpts(palette),
		echarts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle, Left: "0",
			TitleStyle: textStyle(16, true), SubtitleStyle: textStyle(14, false)}),
		echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", Left: "0", ItemWidth: 40, TextStyle: textStyle(14, false), Data: legend}),
		echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		echarts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "Period", NameLocation: "middle", NameGap: 32 + int(rotate),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 13, Rotate: rotate},
			AxisLine:  &opts.AxisLine{LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithYAxisOpts(opts.YAxis{Type: "value", Name: u.axis,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 13},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: colourText}}}),
		echarts.WithGridOpts(opts.Grid{Left: "8", Right: "32", Top: "88", Bottom: bottom, ContainLabel: opts.Bool(true)}),
	)
	line.SetXAxis(periods)
	if hasBand {
		// The band is drawn first, under the lines: its lower limit as an invisible line, then the
		// interval's width stacked on it and filled.
		line.AddSeries(intervalLowerName, lower,
			echarts.WithLineChartOpts(opts.LineChart{Stack: "ci95", Symbol: "none", ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
			echarts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: colourBand}),
		)
		line.AddSeries(intervalName, width,
			echarts.WithLineChartOpts(opts.LineChart{Stack: "ci95", Symbol: "none", ShowSymbol: opts.Bool(false), ConnectNulls: opts.Bool(false)}),
			echarts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			echarts.WithAreaStyleOpts(opts.AreaStyle{Color: colourBand, Opacity: opts.Float(1)}),
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: colourBand}),
		)
	}
	for _, l := range lines {
		st := l.style
		lc := opts.LineChart{Symbol: st.symbol, SymbolSize: st.size, ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)}
		if l.style == styleTarget {
			lc.Step = "middle"
			if countValues(l.data) == 1 {
				// A single target point would be invisible without a marker.
				lc.Symbol, lc.SymbolSize = "emptyCircle", 8
			}
		}
		line.AddSeries(l.name, l.data,
			echarts.WithLineChartOpts(lc),
			echarts.WithLineStyleOpts(opts.LineStyle{Color: st.colour, Width: st.width, Type: st.line}),
			echarts.WithItemStyleOpts(opts.ItemStyle{Color: st.colour}),
		)
	}
	line.Accept(patcher{patch: func(o map[string]any) { axisNameInside(o, "yAxis") }})

	return &Chart{
		ID:      id,
		Title:   title + ": " + area.Name + ", trend",
		Summary: summary,
		Key:     keyText,
		Table:   trendTable(def, area.Name, series, hasBand, has.target, has.neighbours, has.region, has.england, regionName, englandName),
		EChart:  line,
	}
}

// intervalLowerName names the invisible lower edge of the trend chart's confidence band.
const intervalLowerName = "95% confidence interval, lower limit"

// band is the trend chart's confidence band: the lower limits, and the widths stacked on them,
// rounded to the indicator's decimals; ok is false when no period has both limits.
func band(def *indicators.Definition, series []*engine.Evaluation) (lower, width []opts.LineData, ok bool) {
	for _, ev := range series {
		lo, hi := interval(ev)
		if lo == nil {
			lower = append(lower, opts.LineData{Name: ev.Period, Value: missing})
			width = append(width, opts.LineData{Name: ev.Period, Value: missing})
			continue
		}
		l, h := rounded(def, *lo), rounded(def, *hi)
		if !finite(h - l) {
			// Limits near ±math.MaxFloat64: a band too wide to stack is left out for the period.
			lower = append(lower, opts.LineData{Name: ev.Period, Value: missing})
			width = append(width, opts.LineData{Name: ev.Period, Value: missing})
			continue
		}
		ok = true
		lower = append(lower, opts.LineData{Name: ev.Period, Value: l})
		width = append(width, opts.LineData{Name: ev.Period, Value: stats.RoundHalfUp(h-l, def.Decimals)})
	}
	return lower, width, ok
}

// neighboursName labels the statistical neighbours' average.
const neighboursName = "Statistical neighbours' average"

// areaOf is the area of a series (its first evaluation's).
func areaOf(series []*engine.Evaluation) engine.AreaRef {
	for _, ev := range series {
		if ev != nil && ev.Area.Code != "" {
			a := ev.Area
			if a.Name == "" {
				a.Name = a.Code
			}
			return a
		}
	}
	return engine.AreaRef{Code: "none", Name: "No area"}
}

func comparatorValue(c *engine.Comparator) *float64 {
	if c == nil {
		return nil
	}
	return c.Value
}

func countValues(data []opts.LineData) int {
	n := 0
	for _, d := range data {
		if d.Value != missing {
			n++
		}
	}
	return n
}

// trendSummary says what the trend chart shows, with its latest figures.
func trendSummary(def *indicators.Definition, area string, series []*engine.Evaluation, regionName, englandName string) string {
	if len(series) == 0 {
		return "There are no values for " + area + "."
	}
	var b strings.Builder
	n := len(series)
	if n == 1 {
		fmt.Fprintf(&b, "%s, %s (one period).", area, series[0].Period)
	} else {
		fmt.Fprintf(&b, "%s, %d periods from %s to %s.", area, n, series[0].Period, series[n-1].Period)
	}
	var latest *engine.Evaluation
	for _, ev := range series {
		if ev.Value != nil {
			latest = ev
		}
	}
	if latest == nil {
		b.WriteString(" No period has a value.")
		return b.String()
	}
	fmt.Fprintf(&b, " Latest value %s in %s", withUnit(def, *latest.Value), latest.Period)
	if latest.RAG.Target != nil {
		fmt.Fprintf(&b, ", against a target of %s (%s)", withUnit(def, *latest.RAG.Target), RAG(latest.RAG.Status).Label)
	}
	b.WriteString(".")
	var comps []string
	for _, w := range []struct {
		name string
		get  func(engine.Compared) *engine.Comparator
	}{
		{"England", func(c engine.Compared) *engine.Comparator { return c.England }},
		{regionName, func(c engine.Compared) *engine.Comparator { return c.Region }},
		{"statistical neighbours' average", func(c engine.Compared) *engine.Comparator { return c.StatisticalNeighbours }},
	} {
		for i := len(series) - 1; i >= 0; i-- {
			if v := comparatorValue(w.get(series[i].Comparators)); v != nil {
				name := w.name
				if name == "England" {
					name = englandName
				}
				comps = append(comps, fmt.Sprintf("%s %s (%s)", name, withUnit(def, *v), series[i].Period))
				break
			}
		}
	}
	if len(comps) > 0 {
		b.WriteString(" Latest comparators: " + strings.Join(comps, ", ") + ".")
	}
	return b.String()
}

// trendTable lists the trend chart's figures by period.
func trendTable(def *indicators.Definition, area string, series []*engine.Evaluation, ci, target, neighbours, region, england bool, regionName, englandName string) Table {
	u := unitOf(def)
	t := Table{
		Caption: fmt.Sprintf("%s: %s by period (%s)", def.Title, area, u.words),
		Columns: []string{"Period", area},
	}
	if ci {
		t.Columns = append(t.Columns, "Lower 95% limit", "Upper 95% limit")
	}
	if target {
		t.Columns = append(t.Columns, "Target", "RAG")
	}
	if neighbours {
		t.Columns = append(t.Columns, neighboursName)
	}
	if region {
		t.Columns = append(t.Columns, regionName)
	}
	if england {
		t.Columns = append(t.Columns, englandName)
	}
	for _, ev := range series {
		r := Row{Header: ev.Period}
		add := func(s string, numeric bool) {
			r.Cells = append(r.Cells, s)
			r.Numeric = append(r.Numeric, numeric)
		}
		add(valueText(def, ev), ev.Value != nil)
		if ci {
			lo, hi := interval(ev)
			add(limitText(def, lo), lo != nil)
			add(limitText(def, hi), hi != nil)
		}
		if target {
			if ev.RAG.Target != nil {
				add(format(def, *ev.RAG.Target), true)
			} else {
				add("none", false)
			}
			add(RAG(ev.RAG.Status).Short, false)
		}
		c := ev.Comparators
		if neighbours {
			add(comparatorText(def, c.StatisticalNeighbours), comparatorValue(c.StatisticalNeighbours) != nil)
		}
		if region {
			add(comparatorText(def, c.Region), comparatorValue(c.Region) != nil)
		}
		if england {
			add(comparatorText(def, c.England), comparatorValue(c.England) != nil)
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}
