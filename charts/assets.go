package charts

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// EChartsVersion is the Apache ECharts release the embedded bundle is built from: the one
// go-echarts v2.6.7 is written for (assets/SOURCES.md).
const EChartsVersion = "5.4.3"

// AssetsPath is the URL path prefix AssetsHandler serves under.
const AssetsPath = "/assets/"

// echartsJS is a custom build of ECharts with only the chart types, components and renderer the
// board pages use (scripts/build-echarts.sh, assets/build/entry.js): about half the size of the
// full echarts.min.js, a third of it gzipped.
//
//go:embed assets/echarts.min.js
var echartsJS []byte

// echartsSHA256 is the hex SHA-256 of the embedded bundle, also its ETag.
var echartsSHA256 = func() string {
	sum := sha256.Sum256(echartsJS)
	return hex.EncodeToString(sum[:])
}()

// AssetsHost is the go-echarts assets host every chart of this package uses: the product's own
// path, never a CDN. The ECharts version and the first 12 digits of the bundle's SHA-256 are part
// of it, so the year-long cache of the script can never serve a stale copy after an upgrade or a
// rebuild with other chart types.
var AssetsHost = AssetsPath + "echarts-" + EChartsVersion + "-" + echartsSHA256[:12] + "/"

// ScriptURL is where pages load ECharts from.
var ScriptURL = AssetsHost + echartsFile

const echartsFile = "echarts.min.js"

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

// ScriptTag is the <script> elements that load ECharts and the charts' script from the binary,
// deferred: they download while the page is parsed, do not hold up its first paint, and run in
// this order once it is parsed, before DOMContentLoaded. Only a page with charts puts it, once, in
// its <head>.
func ScriptTag() template.HTML {
	return template.HTML(`<script defer src="` + template.HTMLEscapeString(ScriptURL) + `"></script>` + "\n" +
		`<script defer src="` + template.HTMLEscapeString(ChartsScriptURL) + `"></script>`)
}

// IsAsset reports whether AssetsHandler serves the URL path p.
func IsAsset(p string) bool {
	return p == ScriptURL || p == AssetsPath+echartsFile || p == ChartsScriptURL
}

// asset is one embedded file with its gzip encoding, made once at start-up.
type asset struct {
	name        string
	body, gz    []byte
	etag, gzTag string
}

func newAsset(name string, body []byte, sum string) asset {
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write(body)
	w.Close()
	// Each encoding is its own representation with its own strong validator (RFC 9110 8.8.3).
	return asset{name: name, body: body, gz: b.Bytes(), etag: `"` + sum + `"`, gzTag: `"` + sum + `.gz"`}
}

var (
	echartsAsset = newAsset(echartsFile, echartsJS, echartsSHA256)
	chartsAsset  = newAsset("charts.js", chartsJS, chartsJSSHA256)
)

// acceptsGzip reports whether a request's Accept-Encoding allows gzip (and does not refuse it
// with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// AssetsHandler serves the embedded ECharts at ScriptURL (immutable, cached for a year) and at
// AssetsPath+"echarts.min.js" (unversioned, cached for a day), and the charts' script at
// ChartsScriptURL (immutable), answering GET and HEAD with the JavaScript content type, a strong
// ETag (its SHA-256; with ".gz" for the gzip encoding, sent to clients that accept it, with Vary:
// Accept-Encoding) and range support. Mount it for every path under AssetsPath; anything else
// under it is 404.
func AssetsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cache string
		a := &echartsAsset
		switch r.URL.Path {
		case ScriptURL:
			cache = "public, max-age=31536000, immutable"
		case AssetsPath + echartsFile:
			cache = "public, max-age=86400"
		case ChartsScriptURL:
			cache = "public, max-age=31536000, immutable"
			a = &chartsAsset
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
		h.Set("Vary", "Accept-Encoding")
		h.Set("X-Content-Type-Options", "nosniff")
		body, etag := a.body, a.etag
		if acceptsGzip(r) {
			// Ranges, if asked for, are of the gzip bytes: the representation sent.
			body, etag = a.gz, a.gzTag
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match (304) and Range requests from the ETag.
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
	})
}
