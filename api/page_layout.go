package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

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
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.5rem}
header.site .account{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;margin-left:auto;max-width:100%}
header.site .account p{font-weight:400;overflow-wrap:anywhere}
header.site .account button{font:inherit;font-size:1rem;padding:.125rem .75rem;border:2px solid #fff;background:#0b0c0c;color:#fff;cursor:pointer}
form.entry{margin:1rem 0;padding:1rem;background:#f3f2f1;max-width:40rem}
form.entry>div{margin:0 0 1rem}
form.entry label{display:block;font-weight:700;margin-bottom:.25rem}
form.entry input,form.entry select,form.entry textarea{font:inherit;font-size:1rem;padding:.25rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;box-sizing:border-box;width:100%;max-width:30rem}
form.entry textarea{max-width:100%}
form.entry input:focus,form.entry select:focus,form.entry textarea:focus,header.site .account button:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}
.error-summary{border:5px solid #d4351c;padding:.75rem 1rem;margin:1rem 0}
.error-summary h2,.error-summary h4{margin:0 0 .5rem;font-size:1.1875rem}
.error-summary ul{margin:0;padding-left:1.25rem}
[aria-invalid=true]{border-color:#d4351c!important}
ol.notes{list-style:none;padding:0;margin:0 0 1rem}
ol.notes li{border-left:4px solid #b1b4b6;padding:.25rem 0 .25rem 1rem;margin:0 0 1rem}
ol.notes .note-text{white-space:pre-line;margin:.25rem 0}
ol.notes .meta{font-size:.875rem;color:#505a5f;margin:0}
main{padding:1rem 1.5rem 3rem;max-width:64rem}
main.wide{max-width:none}
main.wide .chart-block{max-width:none}
h1{font-size:2rem;margin:1rem 0 .25rem}
h2{font-size:1.5rem;margin:2.5rem 0 .75rem}
h3{font-size:1.1875rem;margin:1.5rem 0 .5rem}
.lede{margin:0 0 1rem}
p,dd,li,td,th,caption{overflow-wrap:break-word}
form.pickers>div{max-width:100%}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.375rem 1.5rem;margin:0}
dl.facts dt{font-weight:700}
dl.facts dd{margin:0;overflow-wrap:anywhere}
dl.facts dd p{margin:0}
dl.facts dd p+p{margin-top:.375rem}
a{color:#1d70b8}
a:visited{color:#4c2c92}
a:focus,button:focus,select:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
a:focus{background:#ffdd00;color:#0b0c0c}
form.pickers{display:flex;flex-wrap:wrap;gap:1rem 1.5rem;align-items:flex-end;margin:1rem 0;padding:1rem;background:#f3f2f1}
form.pickers label{display:block;font-weight:700;margin-bottom:.25rem}
form.pickers select{font:inherit;font-size:1rem;padding:.25rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;max-width:min(22rem,100%)}
form.pickers button,.button{font:inherit;font-size:1rem;padding:.375rem 1rem;border:2px solid #00703c;background:#00703c;color:#fff;cursor:pointer;font-weight:700}
form.pickers input[type=search]{font:inherit;font-size:1rem;padding:.25rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;width:22rem;max-width:100%;box-sizing:border-box}
form.pickers input[type=search]:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
ul.catalogue{list-style:none;padding:0;margin:0 0 1rem}
ul.catalogue li{border-bottom:1px solid #b1b4b6;padding:.5rem 0}
ul.catalogue li>a{font-weight:700}
ul.catalogue .meta{display:block;font-size:.875rem;color:#505a5f}
ul.catalogue .desc{display:block;font-size:1rem;margin-top:.125rem}
table.scorecard.area{table-layout:fixed}
table.area col.k-ind{width:27%}table.area col.k-per{width:12%}table.area col.k-val{width:11%}table.area col.k-cmp{width:13%}table.area col.k-rank{width:11%}
ul.links{list-style:none;padding:0;margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}
nav.topics a{overflow-wrap:anywhere}nav.topics a[aria-current=page]{color:#0b0c0c;font-weight:700;text-decoration:none}nav.topics a[aria-current=page]:focus{text-decoration:none}
table.scorecard,table.summary,table.plain{border-collapse:collapse;font-size:1rem;font-variant-numeric:tabular-nums;margin:.5rem 0 1rem}
table.scorecard caption,table.summary caption,table.plain caption{text-align:left;font-weight:700;padding:0 0 .5rem 0}
table.scorecard th,table.scorecard td,table.summary th,table.summary td,table.plain th,table.plain td{border-bottom:1px solid #b1b4b6;padding:.375rem .75rem .375rem 0;text-align:left;vertical-align:top}
table.scorecard thead th,table.summary thead th{border-bottom:2px solid #0b0c0c;vertical-align:bottom}
table.scorecard{width:100%}
table.scorecard th,table.scorecard td{overflow-wrap:break-word;hyphens:manual}
table.scorecard tbody th{font-weight:400;min-width:12rem;max-width:22rem}
table.scorecard tbody th a{font-weight:700}
table.scorecard .ref{font-weight:700;white-space:nowrap}
table.scorecard .meta{display:block;font-size:.875rem;color:#505a5f}
table.scorecard .comment{display:block;font-size:.875rem;margin-top:.25rem;padding-left:.5rem;border-left:3px solid #b1b4b6}
table.scorecard .rag{font-size:.875rem;white-space:nowrap;padding:.125rem .25rem}
td.cmpcell .cmp{display:block;margin-top:.125rem}
.cmp{display:inline-block;font-size:.875rem;font-weight:700;padding:0 .25rem;border:1px solid #0b0c0c}
table.scorecard{font-size:.9375rem}
table.chart-data{font-size:.9375rem}
table.chart-data th,table.chart-data td{padding-right:.625rem;overflow-wrap:break-word}
table.chart-data tbody th{min-width:8rem}
table.scorecard ul.periods{white-space:normal;font-size:.875rem}
table.scorecard ul.periods li{white-space:nowrap}
table.scorecard svg.sparkline{width:90px;height:auto;margin-bottom:.25rem}
@media (max-width:80em){table.scorecard{font-size:.875rem}table.scorecard tbody th{min-width:8rem}table.scorecard th,table.scorecard td{padding-right:.4rem}main{padding:1rem 1rem 3rem}
 table.scorecard .dir,table.scorecard .ref{white-space:normal}table.scorecard svg.sparkline{width:72px}}
.cmp-better{background:#cce2d8;color:#005a30}
.cmp-similar{background:#fff7bf;color:#594d00}
.cmp-worse{background:#f4cdc6;color:#942514}
.cmp-higher{background:#d2e2f1;color:#144e81}
.cmp-lower{background:#e9d4ef;color:#6f0e6f}
.cmp-none{background:#fff;color:#505a5f;border-style:dashed}
.v-none{color:#505a5f;font-style:italic;font-weight:400}
.v-suppressed{font-weight:400;border-bottom:2px dotted #0b0c0c}
.v-na{font-weight:400;color:#505a5f;text-decoration:line-through;text-decoration-thickness:1px}
.v-notarget{color:#505a5f;font-style:italic}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;white-space:nowrap!important;border:0!important}
.no-chart{padding:.75rem 1rem;border:2px dashed #505a5f;max-width:48rem}
.notice{border-left:5px solid #1d70b8;background:#f3f2f1;padding:.5rem 1rem;margin:1rem 0}
.notice p{margin:.25rem 0}
.notice.asat{border-left-color:#f47738}
.print-only{display:none}
form.pickers .hint{font-weight:400;color:#505a5f}
form.pickers input[type=date]{font:inherit;font-size:1rem;padding:.2rem .25rem;border:2px solid #0b0c0c;background:#fff;color:#0b0c0c;max-width:100%;box-sizing:border-box}
form.pickers input[type=date]:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
form.pickers a.now{display:inline-block;padding:.375rem 0;font-weight:700}
.pickers-row{display:flex;flex-wrap:wrap;gap:0 1rem}
.pickers-row form.pickers{flex:1 1 24rem;margin-top:0}
ol.changes{list-style:none;padding:0;margin:.5rem 0 1rem;max-width:60rem}
ol.changes>li{border-top:1px solid #b1b4b6;padding:.5rem 0}
ol.changes p{margin:0}
ol.changes .change-title a{font-weight:700}
ol.changes .meta{font-size:.875rem;color:#505a5f}
ol.changes ul.fields{margin:.25rem 0;padding-left:1.25rem}
ol.changes ul.fields li{overflow-wrap:anywhere}
dl.key{display:grid;grid-template-columns:max-content 1fr;gap:.375rem 1rem;margin:0 0 1rem;font-size:1rem;align-items:baseline}
dl.key dd{margin:0}
@media (max-width:40em){
 main{padding:1rem}
 table.scorecard,table.scorecard tbody,table.scorecard th,table.scorecard td,table.summary,table.summary tbody,table.summary tr,table.summary th,table.summary td,
 table.chart-data,table.chart-data tbody,table.chart-data tr,table.chart-data th,table.chart-data td{display:block;width:auto;max-width:none;min-width:0}
 table.scorecard caption,table.summary caption,table.chart-data caption{display:block}
 table.scorecard thead,table.summary thead,table.chart-data thead{display:none}
 table.chart-data tr{border-top:2px solid #0b0c0c;margin:0 0 .75rem;padding:.25rem 0}
 table.chart-data tbody th{border:0;min-width:0}
 table.chart-data td{border:0;border-top:1px solid #dee0e2;padding:.25rem 0;display:grid;grid-template-columns:42% 1fr;gap:.5rem;text-align:left;font-size:.875rem}
 table.chart-data td.num{text-align:left}
 table.chart-data td::before{content:attr(data-label);font-weight:700}
 table.scorecard tr{display:flex;flex-direction:column;border:1px solid #b1b4b6;border-top:4px solid #0b0c0c;margin:0 0 1rem;padding:.5rem .75rem}
 table.scorecard tbody th{border:0;padding:0 0 .5rem;font-size:1.125rem;order:0}
 table.scorecard td,table.summary td{border:0;border-top:1px solid #dee0e2;padding:.375rem 0;display:grid;grid-template-columns:38% 1fr;gap:.5rem;text-align:left}
 table.scorecard td::before,table.summary td::before{content:attr(data-label);font-weight:700;font-size:.875rem}
 table.scorecard td.num,table.summary td.num{text-align:left}
 table.scorecard td.c-value{order:1}table.scorecard td.c-rag{order:2}table.scorecard td.c-dir{order:3}table.scorecard td.c-target{order:4}
 table.scorecard td.c-cmp{order:5}table.scorecard td.c-rank{order:6}table.scorecard td.c-recent{order:7}
 td.cmpcell .cmp{display:inline-block;margin:0 0 0 .25rem}
 table.summary tr{border-top:2px solid #0b0c0c;padding:.25rem 0;margin:0 0 .5rem;display:grid;grid-template-columns:1fr 1fr}
 table.summary th{grid-column:1 / -1;border:0}
 table.summary td{grid-template-columns:6rem 1fr}
 dl.facts,dl.key{grid-template-columns:minmax(0,1fr)}
 dl.facts dd,dl.key dd{overflow-wrap:anywhere;margin-bottom:.375rem}
 form.pickers select{max-width:100%}
}
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
@page{size:A4 landscape;margin:10mm 10mm 16mm}
@media print{
 header.site,.skip,nav,form.pickers,ul.links,.no-print,.screen-only{display:none!important}
 .print-only{display:block}
 ol.changes{font-size:7.5pt;max-width:none;columns:3;column-gap:12pt;margin:2pt 0 6pt}
 ol.changes>li{padding:2pt 0;break-inside:avoid}
 ol.changes ul.fields{list-style:none;padding:0;margin:0}
 ol.changes ul.fields li{display:inline}
 ol.changes ul.fields li+li::before{content:" · "}
 ol.changes .meta{font-size:6.5pt}
 body{font-size:9pt}
 main,main.wide{max-width:none;padding:0}
 h1{font-size:16pt;margin-top:0}
 h2{font-size:11pt;margin:6pt 0 2pt;break-after:avoid}
 h3{break-after:avoid}
 p{orphans:3;widows:3}
 section.priority>p{margin:0 0 3pt}
 table.scorecard,table.summary{font-size:7.5pt;width:100%;margin:2pt 0 6pt}
 table.summary{width:auto}
 table.scorecard caption,table.summary caption{padding-bottom:2pt;break-after:avoid}
 table.scorecard th,table.scorecard td,table.summary th,table.summary td{padding:1.5pt 4pt 1.5pt 0}
 table.scorecard tr{break-inside:avoid}
 table.scorecard tbody th{min-width:0;max-width:none;width:22%}
 table.scorecard .meta,table.scorecard .comment{font-size:6.5pt}
 .rag,table.scorecard .rag{font-size:7pt;padding:0 2pt;print-color-adjust:exact;-webkit-print-color-adjust:exact}
 .cmp{font-size:6.5pt;padding:0 1.5pt;print-color-adjust:exact;-webkit-print-color-adjust:exact}
 svg.sparkline{width:60pt;height:auto}
 a{color:#0b0c0c;text-decoration:none}
 section.priority{break-inside:auto}
 section.priority h2{break-after:avoid}
 .chart-block .container,.chart-block [id$="_block"] div{max-height:none}
 dl.key{font-size:6.5pt;gap:1pt 5pt;grid-template-columns:max-content 1fr max-content 1fr max-content 1fr}
 table.summary{font-size:7pt}
 table.summary th,table.summary td{padding:.5pt 4pt .5pt 0}
 section.key p{font-size:7pt;margin:2pt 0}
 .notice{padding:2pt 6pt;margin:4pt 0}
 .notice p{margin:0}
 .intro{margin:2pt 0 4pt;font-size:8pt}
 .lede{margin:0 0 2pt}
 table.scorecard caption{display:none}
 table.scorecard ul.periods{font-size:6.5pt}
 table.scorecard ul.periods li{display:inline;white-space:nowrap}
 table.scorecard ul.periods li+li::before{content:" · "}
 table.scorecard svg.sparkline{display:none}
 section.spine table.chart-data{display:none}
 section.spine .chart-figure figcaption{font-size:8pt}
 section.spine .chart-key{font-size:7pt;margin:2pt 0}
 section.spine .chart-figure{break-inside:avoid}
 .chart-figure [role=img] div{width:100%!important;height:auto!important;position:static!important}
 .chart-figure [role=img] canvas{width:100%!important;height:60mm!important;object-fit:contain;object-position:left top;position:static!important}
 section.spine .chart-figure [role=img] canvas{height:72mm!important}
 td.cmpcell .cmp{display:inline-block;margin-top:0}
 dl.key .key-rag{display:none}
 table.scorecard .meta{line-height:1.15}
 table.scorecard td,table.scorecard th{line-height:1.2}
 .chart-figure [role=img] canvas+canvas,.chart-figure [role=img] div+div{display:none!important}
 .chart-figure figcaption,.chart-figure .chart-title{font-size:8pt!important}
 .chart-key{font-size:7pt!important;margin:2pt 0!important}
 main:not(.wide) table.chart-data{display:none}
 main:not(.wide) .chart-block{margin:0 0 4pt}
 main:not(.wide){display:grid;grid-template-columns:1fr 1fr;column-gap:12pt}
 main:not(.wide)>*{grid-column:1 / -1}
 main:not(.wide)>section[aria-labelledby=trend],main:not(.wide)>section[aria-labelledby=comparison]{grid-column:auto}
 main:not(.wide) p.no-chart{font-size:8pt}
 table.scorecard thead th{font-size:6.5pt;line-height:1.15}
 table.scorecard td.c-recent{width:15%}
 table.scorecard td.c-dir{width:11%}
 table.scorecard td.c-rank{width:9%}
 table.scorecard td.c-cmp{width:8%}
 table.scorecard td.c-value{width:6%}
 table.scorecard td.c-target{width:7%}
 dl.facts{gap:1pt 8pt}
 table.chart-data{font-size:7pt;margin:2pt 0}
 table.chart-data th,table.chart-data td{padding:1pt 4pt 1pt 0}
}
`

// templateFiles holds the pages' templates, one file per page: templates/layout.html (the
// layout), templates/partials.html (the parts every page has, such as "csrf") and each page's
// "content" in templates/<page>.html. They are parsed once, when the package is initialised; a
// parse error panics then.
//
//go:embed templates/*.html
var templateFiles embed.FS

// templateText is the text of templates/<file>.
func templateText(file string) string {
	b, err := templateFiles.ReadFile("templates/" + file)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a build defect
	}
	return string(b)
}

// layoutTemplate wraps every page: head (ECharts from the binary when the page has charts), the
// site header with navigation, and the page's "content" template in <main> (templates/layout.html),
// with the shared parts of templates/partials.html.
var layoutTemplate = func() *template.Template {
	t := template.Must(template.New("layout").Parse(templateText("layout.html")))
	template.Must(t.New("partials").Parse(templateText("partials.html")))
	return t
}()

// layoutData is what the layout needs besides the page's own data.
type layoutData struct {
	Title    string
	Charts   bool
	Wide     bool
	Script   template.HTML
	CSS      template.CSS
	ChartCSS template.CSS
	PrintCSS template.CSS
	Page     any
	// User is who is signed in (a browser session), nil otherwise; CSRF is the token of the
	// sign-out form then.
	User *signedInUser
	CSRF string
	// SignIn is the sign-in link (back to this page) for a request not signed in; empty when
	// authentication is off.
	SignIn string
}

// pageTemplate makes a page template from the layout and the page's "content" definition,
// templates/<name>.html, with the layout's partials and any further partials files (templates/<file>).
func pageTemplate(name string, partials ...string) *template.Template {
	t := template.Must(layoutTemplate.Clone())
	for _, file := range partials {
		template.Must(t.New(strings.TrimSuffix(file, ".html")).Parse(templateText(file)))
	}
	return template.Must(t.New(name).Parse(`{{define "content"}}` + templateText(name+".html") + `{{end}}`)).Lookup("layout")
}

// writePage renders a page in the layout with the pages' security headers.
func writePage(c echo.Context, t *template.Template, title string, withCharts, wide bool, page any) error {
	return writePageStatus(c, http.StatusOK, t, title, withCharts, wide, page)
}

// writePageStatus is writePage with another status than 200 (an error page).
func writePageStatus(c echo.Context, status int, t *template.Template, title string, withCharts, wide bool, page any) error {
	return writePageWith(c, status, t, title, withCharts, wide, "", page)
}

// writePageWith is writePageStatus with the page's own print CSS (its printed footer).
func writePageWith(c echo.Context, status int, t *template.Template, title string, withCharts, wide bool, printCSS template.CSS, page any) error {
	var b bytes.Buffer
	data := layoutData{Title: title, Charts: withCharts, Wide: wide, Script: charts.ScriptTag(), CSS: pageCSS, ChartCSS: charts.Stylesheet,
		PrintCSS: printCSS, Page: page, CSRF: csrfToken(c)}
	data.User, _ = c.Get(keySignedIn).(*signedInUser)
	if data.User == nil && principal(c) != devAdmin && c.Request().URL.Path != signInPath {
		data.SignIn = signInPath + "?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	}
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("page %s: %w", c.Request().URL.Path, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	return c.HTMLBlob(status, b.Bytes())
}
