package charts

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"time"
)

// EChartsVersion is the Apache ECharts release embedded in the binary: the one go-echarts v2.6.7
// is written for (assets/SOURCES.md).
const EChartsVersion = "5.4.3"

// AssetsPath is the URL path prefix AssetsHandler serves under.
const AssetsPath = "/assets/"

// AssetsHost is the go-echarts assets host every chart of this package uses: the product's own
// path, never a CDN. The ECharts version is part of it, so the year-long cache of the script can
// never serve a stale copy after an upgrade.
const AssetsHost = AssetsPath + "echarts-" + EChartsVersion + "/"

// ScriptURL is where pages load ECharts from.
const ScriptURL = AssetsHost + echartsFile

const echartsFile = "echarts.min.js"

//go:embed assets/echarts.min.js
var echartsJS []byte

// chartsJS draws every chart of a page from its option's JSON data block (RenderHTML): the
// pages' own script, so that they need no inline JavaScript.
//
//go:embed assets/charts.js
var chartsJS []byte

// chartsJSSHA256 is the hex SHA-256 of charts.js, also its ETag; its first 12 digits are in its
// URL, so a changed script is never served from a browser's year-long cache.
var chartsJSSHA256 = func() string {
	sum := sha256.Sum256(chartsJS)
	return hex.EncodeToString(sum[:])
}()

// ChartsScriptURL is where pages load the script that draws their charts.
var ChartsScriptURL = AssetsPath + "charts-" + chartsJSSHA256[:12] + ".js"

// echartsSHA256 is the hex SHA-256 of the embedded echarts.min.js, also its ETag.
var echartsSHA256 = func() string {
	sum := sha256.Sum256(echartsJS)
	return hex.EncodeToString(sum[:])
}()

// ScriptTag is the <script> elements that load ECharts and the charts' script from the binary
// (deferred, in that order, so they run once the page is parsed); a page with charts puts it
// once in its <head>.
func ScriptTag() template.HTML {
	return template.HTML(`<script defer src="` + template.HTMLEscapeString(ScriptURL) + `"></script>` + "\n" +
		`<script defer src="` + template.HTMLEscapeString(ChartsScriptURL) + `"></script>`)
}

// IsAsset reports whether AssetsHandler serves the URL path p.
func IsAsset(p string) bool {
	return p == ScriptURL || p == AssetsPath+echartsFile || p == ChartsScriptURL
}

// AssetsHandler serves the embedded ECharts at ScriptURL (immutable, cached for a year) and at
// AssetsPath+"echarts.min.js" (unversioned, cached for a day), and the charts' script at
// ChartsScriptURL (immutable), answering GET and HEAD with the
// JavaScript content type, a strong ETag (its SHA-256) and range support. Mount it for every
// path under AssetsPath; anything else under it is 404.
func AssetsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cache string
		name, body, etag := echartsFile, echartsJS, `"`+echartsSHA256+`"`
		switch r.URL.Path {
		case ScriptURL:
			cache = "public, max-age=31536000, immutable"
		case AssetsPath + echartsFile:
			cache = "public, max-age=86400"
		case ChartsScriptURL:
			cache = "public, max-age=31536000, immutable"
			name, body, etag = "charts.js", chartsJS, `"`+chartsJSSHA256+`"`
		default:
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/javascript; charset=utf-8")
		h.Set("Cache-Control", cache)
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		// ServeContent answers If-None-Match (304) and Range requests from the ETag.
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	})
}
