package charts

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// spineDrawing is what the server draws of a spine chart as SVG: its drawn rows in order.
type spineDrawing struct {
	rows []spineDrawnRow
}

// spineDrawnRow is one drawn row: its label, its positions and its marker.
type spineDrawnRow struct {
	label  string
	s      spineStats
	marker spineMarker
	// tip is the row in words, the row's tooltip: the area's value, England's and the judgement.
	tip string
}

// spineLayout is the geometry of one way of drawing the chart, in SVG user units (CSS pixels at
// the width the layout is made for).
type spineLayout struct {
	name       string  // the SVG's class: spine-wide or spine-narrow
	width      float64 // the viewBox width
	labelWidth float64 // beside: the label column; above: 0 (labels take the whole width)
	above      bool    // labels above each bar instead of beside it
	font       float64 // the labels' font size
	line       float64 // the labels' line height
}

var (
	// spineWide is for screens of 48em and wider, and print: labels beside the bars.
	spineWide = spineLayout{name: "spine-wide", width: 960, labelWidth: 400, font: 15, line: 19}
	// spineNarrow is for phones: labels above each bar, the bar the chart's full width.
	spineNarrow = spineLayout{name: "spine-narrow", width: 400, above: true, font: 16, line: 20}
)

// Marks of the chart, in user units.
const (
	spineBarHeight = 20
	spineMarkerR   = 8
	spineRowGap    = 14
	spineHeaderH   = 50 // the header line and the worst / England / best labels over the bars
	spineFontStack = `system-ui, -apple-system, "Segoe UI", Arial, sans-serif`
	// spineCharWidth is a generous average advance of a character, in ems, for wrapping labels
	// without measuring them: wide enough for DejaVu Sans, the widest of the fonts the stack
	// falls back to, so that a wrapped line never reaches the bar.
	spineCharWidth = 0.6
)

// num writes a coordinate with at most one decimal.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// esc escapes text for SVG (XML) content and attribute values.
func esc(s string) string { return template.HTMLEscapeString(s) }

// wrapText breaks s into lines of at most max characters at spaces; a word longer than a line
// is broken inside it, so no line is ever longer than max.
func wrapText(s string, max int) []string {
	if max < 1 {
		max = 1
	}
	var lines []string
	cur := ""
	for _, w := range strings.Fields(s) {
		for utf8.RuneCountInString(w) > max {
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			r := []rune(w)
			lines, w = append(lines, string(r[:max])), string(r[max:])
		}
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= max:
			cur += " " + w
		default:
			lines, cur = append(lines, cur), w
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// chars is how many characters of size font fit in width.
func chars(width, font float64) int { return int(width / (font * spineCharWidth)) }

// body draws the chart's header and rows from y = top, and returns the elements and the y under
// the last row.
func (d *spineDrawing) body(l spineLayout, top float64) (string, float64) {
	var b strings.Builder
	barX, barW := l.labelWidth+20, l.width-l.labelWidth-20-12
	if l.above {
		barX, barW = 12, l.width-24
	}
	at := func(p float64) float64 { return barX + barW*p/100 }
	small := l.font - 2
	// The header: what the scale means, then its ends and centre over the bars.
	header := "Worst (left) to best (right); England at the centre"
	hy := top + l.font
	for _, line := range wrapText(header, chars(l.width, l.font)) {
		fmt.Fprintf(&b, `<text x="0" y="%s" font-size="%s" font-weight="700" fill="%s">%s</text>`, num(hy), num(l.font), colourText, esc(line))
		hy += l.line
	}
	ly := hy + 6
	fmt.Fprintf(&b, `<g font-size="%s" fill="%s"><text x="%s" y="%s">Worst</text><text x="%s" y="%s" text-anchor="middle">England</text><text x="%s" y="%s" text-anchor="end">Best</text></g>`,
		num(small), colourText, num(barX), num(ly), num(at(50)), num(ly), num(barX+barW), num(ly))
	y := ly + 10
	perLine := chars(l.labelWidth, l.font)
	if l.above {
		perLine = chars(l.width, l.font)
	}
	for i, r := range d.rows {
		lines := wrapText(r.label, perLine)
		textH := float64(len(lines)) * l.line
		var barY, textY, rowH float64
		if l.above {
			textY = y + l.font
			barY = y + textH + 8
			rowH = textH + 8 + spineBarHeight + 2*spineMarkerR - spineBarHeight/2
		} else {
			rowH = math.Max(textH, spineBarHeight+2*spineMarkerR-4)
			barY = y + (rowH-spineBarHeight)/2
			// The lines' middle on the bar's: a baseline is about 0.35em under the middle of
			// a line of text.
			textY = barY + spineBarHeight/2 - float64(len(lines)-1)*l.line/2 + 0.35*l.font
		}
		fmt.Fprintf(&b, `<g class="spine-row" data-row="%d"><title>%s</title>`, i+1, esc(r.tip))
		for k, line := range lines {
			fmt.Fprintf(&b, `<text x="0" y="%s" font-size="%s" fill="%s">%s</text>`, num(textY+float64(k)*l.line), num(l.font), colourText, esc(line))
		}
		s := r.s
		rect := func(p0, p1 float64, fill string) {
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%d" fill="%s" stroke="%s" stroke-width="1"/>`,
				num(at(p0)), num(barY), num(math.Max(at(p1)-at(p0), 0)), spineBarHeight, fill, colourTarget)
		}
		rect(s.pWorst, s.pLow, colourSpineOuter)
		rect(s.pLow, s.pHigh, colourSpineInner)
		rect(s.pHigh, s.pBest, colourSpineOuter)
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="3"/>`,
			num(at(50)), num(at(50)), num(barY-6), num(barY+spineBarHeight+6), colourEngland)
		if s.hasArea {
			b.WriteString(markerSVG(r.marker, at(s.pArea), barY+spineBarHeight/2))
		}
		b.WriteString(`</g>`)
		y += rowH + spineRowGap
		if i < len(d.rows)-1 {
			fmt.Fprintf(&b, `<line x1="0" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(l.width), num(y-spineRowGap/2), num(y-spineRowGap/2), colourSpineOuter)
		}
	}
	return b.String(), y
}

// markerSVG is the area's marker at (x, y): its shape and colour by its judgement, ringed in
// black so that a white or light marker shows on the bar.
func markerSVG(m spineMarker, x, y float64) string {
	stroke := fmt.Sprintf(`fill="%s" stroke="%s" stroke-width="2"`, m.colour, colourText)
	switch m.symbol {
	case "circle":
		return fmt.Sprintf(`<circle class="marker" cx="%s" cy="%s" r="%d" %s/>`, num(x), num(y), spineMarkerR, stroke)
	case "diamond":
		r := float64(spineMarkerR) + 1.5
		return fmt.Sprintf(`<path class="marker" d="M%s %sL%s %sL%s %sL%s %sZ" %s/>`,
			num(x), num(y-r), num(x+r), num(y), num(x), num(y+r), num(x-r), num(y), stroke)
	}
	r := float64(spineMarkerR) - 1
	return fmt.Sprintf(`<rect class="marker" x="%s" y="%s" width="%s" height="%s" %s/>`, num(x-r), num(y-r), num(2*r), num(2*r), stroke)
}

// inline is the chart in one layout as an SVG element for a page: as wide as its container
// (viewBox, width 100%), with role img, its title and a description (the chart's summary).
func (d *spineDrawing) inline(c *Chart, l spineLayout) string {
	els, h := d.body(l, 0)
	id := c.ID
	if l.above {
		id += "_narrow"
	}
	return fmt.Sprintf(`<svg class="chart-svg %s" id="%s" viewBox="0 0 %s %s" width="100%%" preserveAspectRatio="xMinYMin meet" `+
		`role="img" aria-labelledby="%s_svgtitle" aria-describedby="%s_svgdesc" focusable="false">`+
		`<title id="%s_svgtitle">%s</title><desc id="%s_svgdesc">%s</desc>%s</svg>`,
		l.name, id, num(l.width), num(h), id, id, id, esc(c.Title), id, esc(c.Summary), els)
}

// SVG is a server-drawn chart (the spine chart) as inline SVG for a page: two drawings, one
// with the labels beside the bars for screens of 48em and wider and for print, one with the
// labels above each bar for phones; Stylesheet shows one of them. It is "" for a chart drawn by
// ECharts.
func (c *Chart) SVG() template.HTML {
	if c == nil || c.spine == nil {
		return ""
	}
	return template.HTML(c.spine.inline(c, spineWide) + "\n" + c.spine.inline(c, spineNarrow))
}

// SVGFile is a server-drawn chart as a standalone SVG file to download: the chart (labels
// beside the bars, 960 units wide) under its title and summary, with its key, source and the
// date its data is as at (Source and AsAt, when set) written under it, so that it stands alone
// in a report. ok is false for a chart drawn by ECharts.
func (c *Chart) SVGFile() (svg []byte, ok bool) {
	if c == nil || c.spine == nil {
		return nil, false
	}
	l := spineWide
	var b strings.Builder
	y := 0.0
	var head strings.Builder
	for _, line := range wrapText(c.Title, chars(l.width, 20)) {
		y += 26
		fmt.Fprintf(&head, `<text x="0" y="%s" font-size="20" font-weight="700" fill="%s">%s</text>`, num(y), colourText, esc(line))
	}
	y += 8
	for _, line := range wrapText(c.Summary, chars(l.width, 14)) {
		y += 18
		fmt.Fprintf(&head, `<text x="0" y="%s" font-size="14" fill="%s">%s</text>`, num(y), colourText, esc(line))
	}
	els, bottom := c.spine.body(l, y+16)
	y = bottom + 8
	var foot strings.Builder
	for _, text := range []string{c.Key, sourceLine(c.Source), asAtLine(c.AsAt)} {
		if text == "" {
			continue
		}
		for _, line := range wrapText(text, chars(l.width, 13)) {
			y += 17
			fmt.Fprintf(&foot, `<text x="0" y="%s" font-size="13" fill="%s">%s</text>`, num(y), colourText, esc(line))
		}
		y += 4
	}
	h := y + 12
	pad := 16.0
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="%s" role="img" aria-labelledby="title" aria-describedby="desc">`+"\n"+
		`<title id="title">%s</title>`+"\n"+`<desc id="desc">%s</desc>`+"\n"+
		`<rect width="100%%" height="100%%" fill="%s"/>`+"\n"+
		`<g transform="translate(%s %s)">`+"\n%s\n%s\n%s\n</g>\n</svg>\n",
		num(l.width+2*pad), num(h+2*pad), num(l.width+2*pad), num(h+2*pad), esc(spineFontStack),
		esc(c.Title), esc(c.Summary), colourBackground, num(pad), num(pad), head.String(), els, foot.String())
	return []byte(b.String()), true
}

func sourceLine(s string) string {
	if s == "" {
		return ""
	}
	return "Source: " + s
}

func asAtLine(s string) string {
	if s == "" {
		return ""
	}
	return "Data as at " + s
}

// spineStylesheet shows one of the spine chart's drawings: labels beside the bars from 48em and
// in print, above each bar on narrower screens. Each is capped in width (64rem, 30rem; 160mm on
// paper, so that a ten-row card and its key print on the third page) so that its text stays
// near the page's size: 15 to 16 CSS pixels on screen, about 7pt printed.
const spineStylesheet = `
svg.chart-svg{display:block;width:100%;height:auto;margin:.5rem 0}
svg.spine-wide{max-width:64rem}
svg.spine-narrow{display:none}
@media (max-width:48em){svg.spine-wide{display:none}svg.spine-narrow{display:block;max-width:30rem}}
@media print{svg.spine-wide{display:block!important;max-width:160mm}svg.spine-narrow{display:none!important}}
`
