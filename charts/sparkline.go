package charts

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

// Sparkline size in CSS pixels.
const (
	sparkWidth  = 120
	sparkHeight = 32
	sparkPad    = 4
)

// MaxSparkPoints is how many of the latest periods a sparkline draws.
const MaxSparkPoints = 12

type sparkView struct {
	ID      string
	Label   string
	Width   int
	Height  int
	Path    string
	Target  string // the target's y, when the target is in range and constant
	LastX   string
	LastY   string
	Colour  string
	TargetC string
}

var sparkTemplate = template.Must(template.New("spark").Parse(
	`<svg class="sparkline" id="{{.ID}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="{{.ID}}_t" focusable="false">` +
		`<title id="{{.ID}}_t">{{.Label}}</title>` +
		`{{if .Target}}<line x1="0" x2="{{.Width}}" y1="{{.Target}}" y2="{{.Target}}" stroke="{{.TargetC}}" stroke-width="1" stroke-dasharray="3 2"/>{{end}}` +
		`<path d="{{.Path}}" fill="none" stroke="{{.Colour}}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>` +
		`<circle cx="{{.LastX}}" cy="{{.LastY}}" r="3" fill="{{.Colour}}"/>` +
		`</svg>`))

// Sparkline draws the last MaxSparkPoints periods of an area's series as a small inline SVG line
// (no script, so it works offline and in print), with the target as a dashed line when one target
// applies throughout. The SVG has role img and a title that reads out every value, so the picture
// is never the only way to the figures. It returns "" when fewer than two periods have a value.
// id must be unique on the page.
func Sparkline(id string, def *indicators.Definition, series []*engine.Evaluation) template.HTML {
	if len(series) > MaxSparkPoints {
		series = series[len(series)-MaxSparkPoints:]
	}
	var n int
	lo, hi := math.Inf(1), math.Inf(-1)
	var target *float64
	constTarget := true
	for _, ev := range series {
		if ev.Value != nil {
			n++
			v := rounded(def, *ev.Value)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if t := ev.RAG.Target; t != nil {
			if target != nil && *target != *t {
				constTarget = false
			}
			target = t
		}
	}
	if n < 2 {
		return ""
	}
	if target != nil && constTarget {
		lo, hi = math.Min(lo, *target), math.Max(hi, *target)
	} else {
		target = nil
	}
	if hi == lo {
		hi, lo = hi+1, lo-1
	}
	x := func(i int) float64 {
		if len(series) == 1 {
			return sparkWidth / 2
		}
		return sparkPad + float64(i)*(sparkWidth-2*sparkPad)/float64(len(series)-1)
	}
	// Scale by 2^-k: k = 0 (no change) unless the arithmetic below would overflow, for values
	// near ±math.MaxFloat64.
	k := 0
	if !finite((hi - lo) * sparkHeight) {
		_, k = math.Frexp(math.Max(math.Abs(hi), math.Abs(lo)))
		k += 8
	}
	top, span := math.Ldexp(hi, -k), math.Ldexp(hi, -k)-math.Ldexp(lo, -k)
	y := func(v float64) float64 {
		if span == 0 {
			return sparkHeight / 2 // a constant too large for ±1 to widen the range
		}
		return sparkPad + (top-math.Ldexp(v, -k))*(sparkHeight-2*sparkPad)/span
	}
	var path strings.Builder
	var words []string
	pen := "M"
	var lastX, lastY float64
	for i, ev := range series {
		if ev.Value == nil {
			pen = "M" // a gap
			words = append(words, ev.Period+" "+valueText(def, ev))
			continue
		}
		v := rounded(def, *ev.Value)
		lastX, lastY = x(i), y(v)
		fmt.Fprintf(&path, "%s%.1f %.1f ", pen, lastX, lastY)
		pen = "L"
		words = append(words, ev.Period+" "+format(def, v))
	}
	label := fmt.Sprintf("%s, last %d periods: %s.", def.Title, len(series), strings.Join(words, ", "))
	if target != nil {
		label += " Target " + format(def, *target) + " (dashed line)."
	}
	v := sparkView{ID: id, Label: label, Width: sparkWidth, Height: sparkHeight, Path: strings.TrimSpace(path.String()),
		LastX: fmt.Sprintf("%.1f", lastX), LastY: fmt.Sprintf("%.1f", lastY), Colour: colourArea, TargetC: colourTarget}
	if target != nil {
		v.Target = fmt.Sprintf("%.1f", y(*target))
	}
	var b bytes.Buffer
	if err := sparkTemplate.Execute(&b, v); err != nil {
		panic(err) // unreachable: the template only reads strings
	}
	return template.HTML(b.String())
}

// SparkID is a DOM id for an indicator's sparkline on a page.
func SparkID(indicator, area string) string { return chartID("spark", indicator, area) }
