package charts

import (
	"fmt"
	"math"
	"strings"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	echarts "github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// SpineRow is one indicator of a spine chart: the area's evaluation and every local authority's
// value in England for the same period.
type SpineRow struct {
	Def *indicators.Definition
	// Label names the row: the scorecard's reference and the indicator's title.
	Label string
	// Evaluation is the area's (nil when it has none).
	Evaluation *engine.Evaluation
	// LAValues are the values of every local authority in England with one, in that period.
	LAValues []float64
}

// spineStats is a row's England range, with positions on the chart's 0 (worst) to 100 (best)
// scale, England at 50.
type spineStats struct {
	england                    float64
	englandPublished           bool
	worst, q25, q75, best      float64 // values; q25 and q75 are the 25th and 75th percentiles
	pWorst, pLow, pHigh, pBest float64 // positions; pLow/pHigh are the percentiles' (in order)
	pArea                      float64
	hasArea, directional       bool
	judgement                  stats.Judgement
	judgementMethod            string
	n                          int
}

// spineScale computes a row's positions as Fingertips does: England at the centre, the scale set
// by whichever of the lowest and highest LA value is further from England, worse to the left
// (lower to the left for indicators without a polarity). ok is false when there are no LA values.
func spineScale(r SpineRow) (s spineStats, ok bool) {
	bounds := stats.QuartileBounds(r.LAValues)
	if math.IsNaN(bounds[0]) {
		return s, false
	}
	s.n = len(r.LAValues)
	ev := r.Evaluation
	if ev != nil && ev.Comparators.England != nil && ev.Comparators.England.Value != nil {
		s.england, s.englandPublished = *ev.Comparators.England.Value, true
	} else {
		s.england = bounds[2] // no England value: centre on the LA median, and say so
	}
	lo, hi := bounds[0], bounds[4]
	// Positions are computed on values scaled by 2^-k: k is 0 (no change, to the last bit) unless
	// the distances from England overflow, for values near ±math.MaxFloat64, when the scaled
	// values (exact, powers of two) keep every difference finite.
	k := 0
	if d := math.Max(math.Abs(lo-s.england), math.Abs(hi-s.england)); math.IsInf(d, 0) || math.IsNaN(d) {
		_, k = math.Frexp(math.Max(math.Max(math.Abs(lo), math.Abs(hi)), math.Abs(s.england)))
		k++
	}
	scaled := func(v float64) float64 { return math.Ldexp(v, -k) }
	centre := scaled(s.england)
	half := math.Max(math.Abs(scaled(lo)-centre), math.Abs(scaled(hi)-centre))
	sign := 1.0
	s.directional = r.Def.Polarity == stats.HigherIsBetter || r.Def.Polarity == stats.LowerIsBetter
	if r.Def.Polarity == stats.LowerIsBetter {
		sign = -1
	}
	pos := func(v float64) float64 {
		if half == 0 {
			return 50
		}
		return stats.RoundHalfUp(50+50*sign*(scaled(v)-centre)/half, 2)
	}
	s.worst, s.best, s.q25, s.q75 = lo, hi, bounds[1], bounds[3]
	if sign < 0 {
		s.worst, s.best = hi, lo
	}
	s.pWorst, s.pBest = pos(s.worst), pos(s.best)
	s.pLow, s.pHigh = math.Min(pos(s.q25), pos(s.q75)), math.Max(pos(s.q25), pos(s.q75))
	if ev != nil && ev.Value != nil {
		// An area value far outside the LA range could still be off any scale: no marker then.
		s.pArea = pos(*ev.Value)
		s.hasArea = finite(s.pArea)
	}
	if ev != nil && ev.Comparators.England != nil {
		s.judgement, s.judgementMethod = ev.Comparators.England.Judgement, ev.Comparators.England.Method
	}
	return s, true
}

// spineMarker is how the area's marker shows its judgement against England: shape and colour.
type spineMarker struct {
	symbol, colour, words string
}

func markerFor(judgement stats.Judgement) spineMarker {
	switch judgement {
	case stats.Better, stats.Best:
		return spineMarker{"circle", colourArea, "blue circle: better than England"}
	case stats.Worse, stats.Worst:
		return spineMarker{"diamond", colourNeighbours, "brown diamond: worse than England"}
	case stats.Similar:
		return spineMarker{"circle", "#ffffff", "white circle with a black ring: similar to England"}
	}
	return spineMarker{"rect", colourTarget, "grey square: not compared with England, or no judgement of better or worse"}
}

// Spine draws a Fingertips-style spine chart of a scorecard for an area: one row per indicator
// with LA values, a bar from the worst to the best local authority in England (light grey from
// the extremes to the 25th and 75th percentiles, dark grey between them), a black line for England
// at the centre, and the area's value as a marker whose shape and colour say how it compares with
// England. id names the chart (a scorecard id); rows without LA values are left out of the chart
// but listed in its table. The chart is drawn on the server (Chart.SVG, Chart.SVGFile), so a page
// that shows it needs no script; its EChart is the same chart as an ECharts option, for other
// front ends.
func Spine(id, title string, area engine.AreaRef, rows []SpineRow) *Chart {
	chartid := chartID("spine", id, area.Code)
	var categories []string
	var offset, outerLow, inner, outerHigh []opts.BarData
	var englandPoints []opts.ScatterData
	var areaPoints []any
	counts := map[stats.Judgement]int{}
	noValue := 0 // rows drawn without the area's value
	table := Table{
		Caption: fmt.Sprintf("%s: %s on the range of local authority values in England", title, area.Name),
		Columns: []string{"Indicator", "Period", area.Name, "England", "Worst LA", "25th percentile", "75th percentile", "Best LA",
			"Compared with England", "LAs with a value"},
	}
	markersUsed := map[string]spineMarker{}
	var order []string
	drawn := 0
	drawing := &spineDrawing{}
	for _, r := range rows {
		ev := r.Evaluation
		period := ""
		if ev != nil {
			period = ev.Period
		}
		s, ok := spineScale(r)
		if !ok {
			why := "local figures only, no national comparison"
			if ev == nil || ev.Value == nil {
				why = "no figure for this area"
			}
			table.Rows = append(table.Rows, Row{Header: r.Label, Cells: []string{period, valueText(r.Def, ev), "", "", "", "", "", why, "0"}})
			continue
		}
		drawn++
		cat := r.Label
		categories = append(categories, cat)
		bar := func(v float64, colour string) opts.BarData {
			return opts.BarData{Name: cat, Value: stats.RoundHalfUp(v, 2), ItemStyle: &opts.ItemStyle{Color: colour, BorderColor: colourTarget, BorderWidth: 1}}
		}
		offset = append(offset, opts.BarData{Name: cat, Value: s.pWorst, ItemStyle: &opts.ItemStyle{Color: "transparent"}})
		outerLow = append(outerLow, bar(s.pLow-s.pWorst, colourSpineOuter))
		inner = append(inner, bar(s.pHigh-s.pLow, colourSpineInner))
		outerHigh = append(outerHigh, bar(s.pBest-s.pHigh, colourSpineOuter))
		englandPoints = append(englandPoints, opts.ScatterData{Name: "England", Value: []any{50, cat}, Symbol: "rect", SymbolSize: 3})
		m := markerFor(s.judgement)
		if s.hasArea {
			areaPoints = append(areaPoints, map[string]any{"name": cat, "value": []any{s.pArea, cat}, "symbol": m.symbol,
				"itemStyle": map[string]any{"color": m.colour}})
			j := s.judgement
			if j == "" {
				j = stats.NotCompared
			}
			counts[j]++
			if _, seen := markersUsed[m.words]; !seen {
				order = append(order, m.words)
			}
			markersUsed[m.words] = m
		} else {
			noValue++
		}
		englandText := format(r.Def, s.england)
		if !s.englandPublished {
			englandText = "none (centred on the LA median " + englandText + ")"
		}
		judgement := judgementText(ev.Comparators.England)
		if !s.hasArea {
			judgement = "no value"
		}
		tip := r.Label + ": " + area.Name + " " + valueText(r.Def, ev) + ", England " + englandText + ". " + judgement
		if !strings.HasSuffix(tip, ".") {
			tip += "."
		}
		drawing.rows = append(drawing.rows, spineDrawnRow{label: r.Label, s: s, marker: m, tip: tip})
		table.Rows = append(table.Rows, Row{Header: r.Label,
			Cells: []string{period, valueText(r.Def, ev), englandText, format(r.Def, s.worst), format(r.Def, s.q25), format(r.Def, s.q75),
				format(r.Def, s.best), judgement, fmt.Sprint(s.n)},
			Numeric: []bool{false, s.hasArea, s.englandPublished, true, true, true, true, false, true}})
	}

	var summary strings.Builder
	fmt.Fprintf(&summary, "%s: %d of %d indicators drawn on the range of local authority values in England, worst on the left and best on the right, England at the centre.",
		area.Name, drawn, len(rows))
	var parts []string
	for _, k := range []stats.Judgement{stats.Best, stats.Better, stats.Similar, stats.Worse, stats.Worst, stats.Higher, stats.Lower, stats.NotCompared} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", strings.ToLower(display.Judgement(k)), counts[k]))
		}
	}
	if noValue > 0 {
		parts = append(parts, fmt.Sprintf("no figure %d", noValue))
	}
	if len(parts) > 0 {
		summary.WriteString(" Compared with England: " + strings.Join(parts, ", ") + ".")
	}
	var keyParts []string
	for _, sym := range order {
		keyParts = append(keyParts, markersUsed[sym].words)
	}
	key := "Key: each row runs from the worst local authority in England (left) to the best (right), " +
		"or from the lowest to the highest for indicators without a better direction; the dark grey middle is the 25th to 75th percentile; " +
		"the black line is England. " + area.Name + "'s value: " + strings.Join(keyParts, "; ") + "."

	h := 110 + 52*max(drawn, 1)
	bar := echarts.NewBar()
	init := initialization(chartid, title+": "+area.Name+", spine chart")
	init.Height = fmt.Sprintf("%dpx", h)
	bar.SetGlobalOptions(
		echarts.WithInitializationOpts(init),
		echarts.WithAnimation(false),
		echarts.WithColorsOpts(palette),
		echarts.WithTitleOpts(opts.Title{Title: "Spine chart: " + area.Name + " in England", Subtitle: "Each indicator on the range of local authority values, worst (left) to best (right)",
			Left: "0", TitleStyle: textStyle(16, true), SubtitleStyle: textStyle(14, false)}),
		echarts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		echarts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
		echarts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, Name: "Worst (left) to best (right) local authority; England at the centre", NameLocation: "middle", NameGap: 12,
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(false)}, SplitLine: &opts.SplitLine{Show: opts.Bool(false)},
			AxisLine: &opts.AxisLine{Show: opts.Bool(false)}}),
		echarts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Color: colourText, FontSize: 13},
			AxisLine:  &opts.AxisLine{Show: opts.Bool(false)}}),
		echarts.WithGridOpts(opts.Grid{Left: "8", Right: "24", Top: "70", Bottom: "40", ContainLabel: opts.Bool(true)}),
	)
	bar.SetXAxis(categories)
	bar.XYReversal()
	stack := opts.BarChart{Stack: "spine", BarWidth: "60%"}
	bar.AddSeries("Offset", offset, echarts.WithBarChartOpts(stack), echarts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent"}))
	bar.AddSeries("Worst to 25th percentile", outerLow, echarts.WithBarChartOpts(stack))
	bar.AddSeries("25th to 75th percentile", inner, echarts.WithBarChartOpts(stack))
	bar.AddSeries("75th percentile to best", outerHigh, echarts.WithBarChartOpts(stack))
	bar.Accept(patcher{patch: func(o map[string]any) {
		series := toAnySlice(asMaps(o["series"]))
		o["series"] = append(series,
			map[string]any{"name": "England", "type": "scatter", "data": scatterData(englandPoints), "symbol": "rect", "symbolSize": []int{3, 30},
				"itemStyle": map[string]any{"color": colourText}, "silent": true, "z": 3},
			map[string]any{"name": area.Name, "type": "scatter", "data": areaPoints, "symbolSize": 16,
				"itemStyle": map[string]any{"borderColor": colourText, "borderWidth": 1.5}, "z": 4},
		)
		// Long indicator names wrap instead of squeezing the chart.
		for _, a := range asMaps(o["yAxis"]) {
			if label, ok := a["axisLabel"].(map[string]any); ok {
				label["width"], label["overflow"], label["lineHeight"] = 300, "break", 16
			}
			o["yAxis"] = []map[string]any{a}
		}
	}})
	return &Chart{
		ID:      chartid,
		Title:   title + ": " + area.Name + ", spine chart",
		Summary: summary.String(),
		Key:     key,
		Table:   table,
		EChart:  bar,
		spine:   drawing,
	}
}

// scatterData is the England marks as option data.
func scatterData(points []opts.ScatterData) []any {
	out := make([]any, len(points))
	for i, p := range points {
		out[i] = map[string]any{"name": p.Name, "value": p.Value}
	}
	return out
}
