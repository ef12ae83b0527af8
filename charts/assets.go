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

// echartsSHA256 is the hex SHA-256 of the embedded echarts.min.js, also its ETag.
var echartsSHA256 = func() string {
	sum := sha256.Sum256(echartsJS)
	return hex.EncodeToString(sum[:])
}()

// ScriptTag is the <script> element that loads ECharts from the binary; a page with charts puts
// it once in its <head>.
func ScriptTag() template.HTML {
	return template.HTML(`<script src="` + template.HTMLEscapeString(ScriptURL) + `"></script>`)
}

// IsAsset reports whether AssetsHandler serves the URL path p.
func IsAsset(p string) bool { return p == ScriptURL || p == AssetsPath+echartsFile }

// AssetsHandler serves the embedded ECharts at ScriptURL (immutable, cached for a year) and at
// AssetsPath+"echarts.min.js" (unversioned, cached for a day), answering GET and HEAD with the
// JavaScript content type, a strong ETag (its SHA-256) and range support. Mount it for every
// path under AssetsPath; anything else under it is 404.
func AssetsHandler() http.Handler {
	etag := `"` + echartsSHA256 + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var cache string
		switch r.URL.Path {
		case ScriptURL:
			cache = "public, max-age=31536000, immutable"
		case AssetsPath + echartsFile:
			cache = "public, max-age=86400"
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
		http.ServeContent(w, r, echartsFile, time.Time{}, bytes.NewReader(echartsJS))
	})
}
