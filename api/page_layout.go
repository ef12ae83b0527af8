package api

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/childrens-trust/scorecard/charts"
	"github.com/labstack/echo/v4"
)

// pageCSS is every page's stylesheet: GOV.UK-like type and colours (text 19.6:1, links 5.2:1 on
// white), visible focus, and a print stylesheet for board papers: A4 landscape, without the site
// header, navigation, pickers or buttons.
const pageCSS template.CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;font-size:1.1875rem;line-height:1.4;color:#0b0c0c;background:#fff;margin:0}
.skip{position:absolute;left:-9999px;top:0;background:#ffdd00;color:#0b0c0c;padding:.5rem 1rem}
.skip:focus{left:0}
header.site{background:#0b0c0c;color:#fff;padding:.75rem 1.5rem;display:flex;flex-wrap:wrap;gap:.5rem 2rem;align-items:baseline}
header.site p{margin:0;font-weight:700}
header.site a{color:#fff}
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;gap:1.5rem}
main{padding:1rem 1.5rem 3rem;max-width:64rem}
main.wide{max-width:none}
main.wide .chart-block{max-width:none}
h1{font-size:2rem;margin:1rem 0 .25rem}
h2{font-size:1.5rem;margin:2.5rem 0 .75rem}
h3{font-size:1.1875rem;margin:1.5rem 0 .5rem}
.lede{margin:0 0 1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.375rem 1.5rem;margin:0}
dl.facts dt{font-weight:700}
dl.facts dd{margin:0}
a{color:#1d70b8}
a:visited{color:#4c2c92}
a:focus,button:focus,select:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
a:focus{background:#ffdd00;color:#0b0c0c}
form.pickers{display:flex;flex-wrap:wrap;gap:1rem 1.5rem;align-items:flex-end;margin:1rem 0;padding:1rem;background:#f3f2f1}
form.pickers label{display:block;font-weight:700;margin-bottom:.25rem}
form.pickers select{font:inherit;font-size:1rem;padding:.25rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;max-width:22rem}
form.pickers button,.button{font:inherit;font-size:1rem;padding:.375rem 1rem;border:2px solid #00703c;background:#00703c;color:#fff;cursor:pointer;font-weight:700}
ul.links{list-style:none;padding:0;margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}
table.scorecard,table.summary,table.plain{border-collapse:collapse;font-size:1rem;font-variant-numeric:tabular-nums;margin:.5rem 0 1rem}
table.scorecard caption,table.summary caption,table.plain caption{text-align:left;font-weight:700;padding:0 0 .5rem 0}
table.scorecard th,table.scorecard td,table.summary th,table.summary td,table.plain th,table.plain td{border-bottom:1px solid #b1b4b6;padding:.375rem .75rem .375rem 0;text-align:left;vertical-align:top}
table.scorecard thead th,table.summary thead th{border-bottom:2px solid #0b0c0c;vertical-align:bottom}
table.scorecard{width:100%;table-layout:fixed}
table.scorecard td:first-child{overflow-wrap:anywhere}
table.scorecard thead th{hyphens:auto}
table.scorecard .rag{font-size:.875rem;white-space:nowrap;padding:.125rem .25rem}
col.c-ref{width:7%}col.c-ind{width:16%}col.c-measure{width:6%}col.c-good{width:6%}col.c-period{width:6%}
col.c-num{width:5.25%}col.c-last{width:10%}col.c-rag{width:6.5%}col.c-dir{width:8.5%}col.c-trend{width:9.5%}
svg.sparkline{max-width:100%;height:auto}
table td.num,table th.num{text-align:right}
ul.periods{list-style:none;margin:0;padding:0;white-space:nowrap}
.dir{white-space:nowrap}
.muted{color:#505a5f}
.nowrap{white-space:nowrap}
.table-wrap{overflow-x:auto}
.exception{border-left:5px solid #0b0c0c;padding:.25rem 0 .25rem 1rem;margin:1.5rem 0}
.exception h3{margin-top:0}
blockquote{margin:.5rem 0;padding:.5rem 1rem;border-left:4px solid #b1b4b6;background:#f3f2f1}
@page{size:A4 landscape;margin:10mm}
@media print{
 header.site,.skip,nav,form.pickers,ul.links,.no-print{display:none!important}
 body{font-size:9pt}
 main,main.wide{max-width:none;padding:0}
 h1{font-size:16pt;margin-top:0}
 h2{font-size:12pt;margin:1rem 0 .25rem;break-after:avoid}
 table.scorecard,table.summary{font-size:8pt;width:100%}
 table.scorecard th,table.scorecard td{padding:2pt 4pt 2pt 0}
 table.scorecard tr{break-inside:avoid}
 a{color:#0b0c0c;text-decoration:none}
 .rag{print-color-adjust:exact;-webkit-print-color-adjust:exact}
 section.priority{break-inside:auto}
}
`

// layoutTemplate wraps every page: head (ECharts from the binary when the page has charts), the
// site header with navigation, and the page's "content" template in <main>.
var layoutTemplate = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – Children's Trust scorecard</title>
<link rel="icon" href="data:,">
{{if .Charts}}{{.Script}}
{{end}}<style>
{{.CSS}}
{{.ChartCSS}}
</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="site"><p>Children's Trust scorecard</p>
<nav aria-label="Site"><ul><li><a href="/">Scorecards</a></li><li><a href="/api/v1/scorecards">API</a></li></ul></nav>
</header>
<main id="main"{{if .Wide}} class="wide"{{end}}>
{{template "content" .Page}}
</main>
</body>
</html>
{{define "content"}}{{end}}`))

// layoutData is what the layout needs besides the page's own data.
type layoutData struct {
	Title    string
	Charts   bool
	Wide     bool
	Script   template.HTML
	CSS      template.CSS
	ChartCSS template.CSS
	Page     any
}

// pageTemplate makes a page template from the layout and the page's "content" definition.
func pageTemplate(name, content string) *template.Template {
	t := template.Must(layoutTemplate.Clone())
	return template.Must(t.New(name).Parse(`{{define "content"}}` + content + `{{end}}`)).Lookup("layout")
}

// writePage renders a page in the layout with the pages' security headers.
func writePage(c echo.Context, t *template.Template, title string, withCharts, wide bool, page any) error {
	return writePageStatus(c, http.StatusOK, t, title, withCharts, wide, page)
}

// writePageStatus is writePage with another status than 200 (an error page).
func writePageStatus(c echo.Context, status int, t *template.Template, title string, withCharts, wide bool, page any) error {
	var b bytes.Buffer
	data := layoutData{Title: title, Charts: withCharts, Wide: wide, Script: charts.ScriptTag(), CSS: pageCSS, ChartCSS: charts.Stylesheet, Page: page}
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("page %s: %w", c.Request().URL.Path, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(status, b.Bytes())
}
