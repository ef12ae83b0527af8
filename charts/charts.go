// Package charts draws the board pages' charts with go-echarts (the only package that imports
// it): an indicator's trend for an area with its comparators and target, and the area against its
// statistical neighbours, region and England with the 95% confidence interval; and, drawn on the
// server as SVG with no script, a scorecard's spine chart (its ECharts option is kept for other
// front ends) and sparklines. Every chart comes
// with its figures as a data table (its text alternative), a one-sentence summary and a key that
// says how each series is drawn, and loads ECharts from this binary (AssetsHandler), never from
// the internet.
package charts

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
)

// Chart is one chart with everything a page shows beside it.
type Chart struct {
	// ID is the chart's DOM id and JavaScript name: letters, digits and underscores, derived from
	// the chart kind, indicator, area and period, so renders are reproducible.
	ID string
	// Title names the chart (the figure caption's heading).
	Title string
	// Summary says in one or two sentences what the chart shows, with its key figures.
	Summary string
	// Key says how each series is drawn besides its colour (line type, marker).
	Key string
	// Table holds every figure the chart draws.
	Table Table
	// Source names where the figures come from, and AsAt the date they are as at (both optional,
	// set by the page): the "Download chart as PNG" image prints them under the chart with its
	// key, so that it stands alone in a report (data-source and data-as-at of the data block).
	Source, AsAt string
	// EChart is the go-echarts chart (*charts.Line for Trend, *charts.Bar for Comparison) with its
	// assets host set to AssetsHost. RenderHTML writes it as a page fragment; its own Render writes
	// a whole HTML document.
	EChart render.Renderer
	// spine is the chart as the server draws it in SVG (the spine chart), nil for the others.
	spine *spineDrawing
}

// Height of every chart's canvas; its width follows the page (100%).
const chartHeight = "440px"

// initialization is the go-echarts set-up shared by every chart: the product's own assets host,
// a fixed id, a white background (for PNG downloads) and no theme script to load.
func initialization(id, title string) opts.Initialization {
	return opts.Initialization{
		Width:           "100%",
		Height:          chartHeight,
		ChartID:         id,
		PageTitle:       title,
		AssetsHost:      AssetsHost,
		Theme:           "white", // go-echarts' default: no theme script to load
		Renderer:        "canvas",
		BackgroundColor: colourBackground,
	}
}

// textStyle is the font of every chart's text: dark on white, 14px at least.
func textStyle(size int, bold bool) *opts.TextStyle {
	ts := &opts.TextStyle{Color: colourText, FontSize: size}
	if bold {
		ts.FontWeight = "bold"
	}
	return ts
}

// chartID makes a DOM id that is also a JavaScript identifier suffix.
func chartID(kind string, parts ...string) string {
	var b strings.Builder
	b.WriteString(kind)
	for _, p := range parts {
		b.WriteByte('_')
		for _, r := range p {
			switch {
			case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
				b.WriteRune(r)
			default:
				b.WriteByte('_')
			}
		}
	}
	return b.String()
}

// unit describes an indicator's unit for axis names and values in text (display.UnitOf).
type unit struct {
	axis   string // the value axis name
	suffix string // after a value in text: "%", " per 10,000"
	words  string // in a caption: "per cent", "rate per 10,000"
}

func unitOf(def *indicators.Definition) unit {
	u := display.UnitOf(def)
	return unit{u.Axis, u.Suffix, u.Words}
}

// rounded is v rounded to the indicator's decimals as the product displays it, for drawing.
func rounded(def *indicators.Definition, v float64) float64 {
	return stats.RoundHalfUp(v, def.Decimals)
}

// format is v as displayed (display.Plain): the indicator's decimals, rounded half up, trailing
// zeros kept, thousands separated.
func format(def *indicators.Definition, v float64) string { return display.Plain(def, v) }

// withUnit is v as displayed with its unit, for sentences: "85.3%", "412.0 per 10,000".
func withUnit(def *indicators.Definition, v float64) string { return display.Value(def, v) }

// FormatValue is display.Value: v with the indicator's unit, "85.3%", "92.6 per 10,000".
func FormatValue(def *indicators.Definition, v float64) string { return display.Value(def, v) }

// UnitWords is display.UnitWords: "per cent", "rate per 10,000".
func UnitWords(def *indicators.Definition) string { return display.UnitWords(def) }

// valueText is an evaluation's value for a table cell: its value, or why there is none.
func valueText(def *indicators.Definition, ev *engine.Evaluation) string {
	if ev == nil {
		return "no data"
	}
	if ev.Value != nil {
		return format(def, *ev.Value)
	}
	if ev.Marker != "" {
		return display.MarkerCell(ev.Marker)
	}
	if ev.Status == "suppressed" {
		return "suppressed"
	}
	return "no data"
}

// comparatorText is a comparator's value for a table cell.
func comparatorText(def *indicators.Definition, c *engine.Comparator) string {
	if c == nil || c.Value == nil {
		return "no data"
	}
	return format(def, *c.Value)
}

// missing is how go-echarts data marks an absent value: ECharts draws "-" as a gap.
const missing = "-"

// point is a value to draw: rounded to the indicator's decimals, or a gap (no value, or one that
// is not a finite number).
func point(def *indicators.Definition, v *float64) any {
	if v == nil || !finite(*v) {
		return missing
	}
	return rounded(def, *v)
}

// finite reports whether v is a number JSON can carry (not NaN or ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// RenderHTML writes c as an HTML fragment: a figure with the chart's title and summary, its
// canvas (ARIA role img, labelled by the title and described by the summary), the key, a
// "Download chart as PNG" button (shown once the script runs), the chart's option as a JSON data
// block (never run as script) and then its data table. The page must load ECharts and the
// charts' script (ScriptTag in its <head>), which draws every data block; it may style the
// fragment with Stylesheet. Nothing in the fragment is inline JavaScript, so the page's content
// security policy need not allow any.
//
// A chart the server draws (the spine chart) is written as inline SVG instead (Chart.SVG): the
// figure with its title and summary, the SVG, the key and the data table, with no canvas, no
// download button and no option block, so its page needs neither ECharts nor the charts' script.
func RenderHTML(w io.Writer, c *Chart) error {
	if c != nil && c.spine != nil {
		return svgFragmentTemplate.Execute(w, fragment{Chart: c, Element: c.SVG(), TableHTML: c.Table.HTML()})
	}
	if c == nil || c.EChart == nil {
		return fmt.Errorf("charts: nothing to render")
	}
	snippet := c.EChart.RenderSnippet()
	opt, err := c.Option()
	if err != nil {
		return err
	}
	return fragmentTemplate.Execute(w, fragment{Chart: c, Element: template.HTML(snippet.Element), Option: dataBlock(opt),
		Background: colourBackground, TableHTML: c.Table.HTML()})
}

// HTML is RenderHTML's fragment as a string for html/template pages.
func (c *Chart) HTML() (template.HTML, error) {
	var b bytes.Buffer
	if err := RenderHTML(&b, c); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

type fragment struct {
	*Chart
	Element    template.HTML
	Option     template.JS
	Background string
	TableHTML  template.HTML
}

var fragmentTemplate = template.Must(template.New("chart").Parse(`<div class="chart-block" id="{{.ID}}_block">
<figure class="chart-figure">
<figcaption><span class="chart-title" id="{{.ID}}_title">{{.Title}}</span> <span class="chart-summary" id="{{.ID}}_summary">{{.Summary}}</span></figcaption>
<div role="img" aria-labelledby="{{.ID}}_title" aria-describedby="{{.ID}}_summary">
{{.Element}}
</div>
<p class="chart-key">{{.Key}}</p>
<p><button type="button" class="chart-download" id="{{.ID}}_png" hidden>Download chart as PNG</button></p>
<noscript><p>The chart needs JavaScript; every figure it draws is in the table below.</p></noscript>
<script type="application/json" class="chart-option" data-chart="{{.ID}}" data-background="{{.Background}}"{{with .Source}} data-source="{{.}}"{{end}}{{with .AsAt}} data-as-at="{{.}}"{{end}}>{{.Option}}</script>
</figure>
{{.TableHTML}}
</div>
`))

var svgFragmentTemplate = template.Must(template.New("svgchart").Parse(`<div class="chart-block" id="{{.ID}}_block">
<figure class="chart-figure">
<figcaption><span class="chart-title" id="{{.ID}}_title">{{.Title}}</span> <span class="chart-summary" id="{{.ID}}_summary">{{.Summary}}</span></figcaption>
{{.Element}}
<p class="chart-key">{{.Key}}</p>
</figure>
{{.TableHTML}}
</div>
`))

// dataBlock makes an option's JSON safe inside a <script type="application/json"> element:
// every "<" (which only occurs inside JSON strings) is written \u003c, so nothing in the data
// (indicator titles, area names) can end the element or open a comment.
func dataBlock(opt []byte) template.JS {
	return template.JS(strings.ReplaceAll(string(opt), "<", `\u003c`))
}
