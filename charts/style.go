package charts

import (
	"html/template"
	"math"
	"strconv"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
)

// The palette. Every colour that draws data has a contrast of at least 3:1 against the white
// background (WCAG 2.2 SC 1.4.11), and no series is told apart by colour alone: each also has its
// own line type and marker (see seriesStyles), named in the chart's key. Red, amber and green are
// kept for RAG judgements only, so a board can trust that those colours always mean RAG.
const (
	colourArea       = "#1d70b8" // blue, 5.2:1
	colourEngland    = "#0b0c0c" // near-black, 19.6:1
	colourRegion     = "#912b88" // purple, 7.2:1
	colourNeighbours = "#a05a00" // brown, 5.3:1
	colourTarget     = "#505a5f" // dark grey, 7.1:1
	colourBenchmark  = "#505a5f" // comparator bars
	colourInterval   = "#0b0c0c" // confidence-interval whiskers: 3.8:1 on the area's blue bar
	colourBand       = "#a9cbea" // the trend chart's confidence band, under the lines (the table has the limits)
	colourNeighbour  = "#b1b4b6" // the statistical neighbours' bars, with a dark border (3:1 from the border)
	colourSpineOuter = "#dee0e2" // spine chart: worst and best quarters (bordered in dark grey)
	colourSpineInner = "#8a9096" // spine chart: the middle half, 3.2:1 on white
	colourText       = "#0b0c0c"
	colourBackground = "#ffffff"
)

// palette replaces go-echarts' default colours (some below 3:1) for anything not given its own.
var palette = []string{colourArea, colourNeighbours, colourRegion, colourEngland, colourTarget}

// lineStyle is how one series of the trend chart is drawn, besides its colour.
type lineStyle struct {
	colour string
	line   string // solid, dashed, dotted
	width  float32
	symbol string // ECharts symbol
	size   int
	words  string // the same, in words, for the chart's key
}

var (
	styleArea       = lineStyle{colourArea, "solid", 3, "circle", 9, "solid blue line with circles"}
	styleEngland    = lineStyle{colourEngland, "dashed", 2, "rect", 8, "dashed black line with squares"}
	styleRegion     = lineStyle{colourRegion, "dotted", 2, "triangle", 10, "dotted purple line with triangles"}
	styleNeighbours = lineStyle{colourNeighbours, "dashed", 2, "diamond", 10, "dashed brown line with diamonds"}
	styleTarget     = lineStyle{colourTarget, "solid", 2, "none", 0, "thin grey stepped line without markers"}
)

// RAGStyle is how a RAG status is shown: always as text, with a colour for those who can see it.
type RAGStyle struct {
	Status     string // engine status: green, amber, red, no_target, no_data, suppressed
	Label      string // the text shown, e.g. "Red: off target"
	Short      string // e.g. "Red"
	Background string
	Foreground string // contrast with Background at least 4.5:1 (text)
}

// The RAG palette. Red, amber and green differ in lightness as well as hue (dark, light and
// middle: red to green 2.6:1, green to amber 1.7:1), so they stay apart for readers with red-green
// colour blindness and on a greyscale print; each chip also says its word, and its text has at
// least 7:1 contrast with its background.
const (
	colourRed   = "#b10e1e" // white text 7.1:1
	colourAmber = "#ffbf47" // black text 11.9:1
	colourGreen = "#4daf4a" // black text 7.0:1
	colourNone  = "#f3f2f1" // no target, no data, suppressed: black text 17.6:1
)

// RAG returns the display of a RAG status: its words (display.RAGLabel) and colours. Unknown
// statuses are shown as "Not judged" in grey.
func RAG(status engine.RAGStatus) RAGStyle {
	long, short := display.RAGLabel(status)
	bg, fg := colourNone, colourText
	switch status {
	case engine.Green:
		bg = colourGreen
	case engine.Amber:
		bg = colourAmber
	case engine.Red:
		bg, fg = colourRed, "#ffffff"
	}
	return RAGStyle{string(status), long, short, bg, fg}
}

// Chip is the RAG status as an inline HTML element: text and colour together.
func (r RAGStyle) Chip() template.HTML {
	return template.HTML(`<strong class="rag rag-` + template.HTMLEscapeString(r.Status) + `" style="background:` +
		r.Background + `;color:` + r.Foreground + `">` + template.HTMLEscapeString(r.Label) + `</strong>`)
}

// ShortChip is Chip with the short word ("Red"), for tables.
func (r RAGStyle) ShortChip() template.HTML {
	return template.HTML(`<strong class="rag rag-` + template.HTMLEscapeString(r.Status) + `" style="background:` +
		r.Background + `;color:` + r.Foreground + `">` + template.HTMLEscapeString(r.Short) + `</strong>`)
}

// DirectionStyle is a direction of travel as an arrow and its words.
type DirectionStyle struct {
	Arrow string // up, down or level arrow: the sign of the change, whatever the polarity
	Words string // "Improving", "Worsening", "No change", "Increasing", "Decreasing", "No data"
	Class string // CSS class: dir-improving, dir-worsening, dir-neutral
}

// Direction shows a direction-of-travel judgement (engine.Change.Judgement) with the change's sign
// (nil when unknown): the arrow shows which way the value moved, the words whether that is better.
func Direction(judgement engine.Travel, change *float64) DirectionStyle {
	arrow := "→"
	if change != nil {
		switch {
		case *change > 0:
			arrow = "↑"
		case *change < 0:
			arrow = "↓"
		}
	}
	words := display.Direction(judgement)
	switch judgement {
	case engine.Improving:
		return DirectionStyle{arrow, words, "dir-improving"}
	case engine.Worsening:
		return DirectionStyle{arrow, words, "dir-worsening"}
	case engine.NoChange:
		return DirectionStyle{"→", words, "dir-neutral"}
	case engine.Increasing:
		return DirectionStyle{"↑", words, "dir-neutral"}
	case engine.Decreasing:
		return DirectionStyle{"↓", words, "dir-neutral"}
	}
	return DirectionStyle{"", words, "dir-neutral"}
}

// Stylesheet styles the HTML that RenderHTML and Table.HTML write, and RAG chips. Pages include
// it once in a <style> element.
const Stylesheet template.CSS = `
.chart-block{margin:0 0 2rem 0;max-width:60rem}
.chart-figure{margin:0}
.chart-figure figcaption{margin:0 0 .5rem 0}
.chart-figure .chart-title{display:block;font-weight:700;font-size:1.1875rem}
.chart-figure .container{display:block;margin:0}
.chart-key{font-size:1rem;margin:.5rem 0}
.chart-download{font:inherit;padding:.25rem .75rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;cursor:pointer}
.chart-download:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
table.chart-data{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
table.chart-data caption{text-align:left;font-weight:700;padding:0 0 .5rem 0}
table.chart-data th,table.chart-data td{border-bottom:1px solid #b1b4b6;padding:.375rem 1rem .375rem 0;text-align:left;vertical-align:top}
table.chart-data td.num{text-align:right}
.rag{display:inline-block;padding:.125rem .5rem;border:1px solid #0b0c0c;font-weight:700}
.chart-download{margin-top:.25rem}
svg.sparkline{display:block;overflow:visible}
table.chart-data tbody th{min-width:5.5rem}
` + spineStylesheet + `
@media print{.chart-download,noscript{display:none}.chart-block{break-inside:avoid}.chart-figure figcaption,.chart-figure .chart-title,.chart-key,table.chart-data{font-size:9pt}}
`

// relativeLuminance is WCAG 2.2's relative luminance of an sRGB colour "#rrggbb".
func relativeLuminance(hex string) float64 {
	if len(hex) != 7 || hex[0] != '#' {
		return math.NaN()
	}
	var c [3]float64
	for i := range 3 {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return math.NaN()
		}
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// contrast is WCAG 2.2's contrast ratio of two colours (1 to 21).
func contrast(a, b string) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
