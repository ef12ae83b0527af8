package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Caching: every read carries a weak ETag naming the state of the resource it shows (see
// etags.go: persisted facts, so it survives a restart and is untouched by writes to other
// resources) and the representation's format, and, where it is known, a Last-Modified of when
// that resource last changed. A client that sends the ETag back in If-None-Match, or the date in
// If-Modified-Since, gets 304 Not Modified without the data being read again. The ETag is weak
// because gzip may re-encode the bytes; the content is the same. If-None-Match is exact and
// takes precedence; If-Modified-Since counts in whole seconds, so a Last-Modified is only sent
// (and only honoured) once its second is over, and a later change is always in a later second.

// notModified sets the validators of a read in format f and reports whether the request's
// conditional headers show the client already has it. The caller then answers 304.
func (s *Server) notModified(c echo.Context, f format) bool {
	return s.notModifiedVariant(c, f, "")
}

// notModifiedVariant is notModified for a read whose content also depends on variant (such as
// the areas a token may see): variant is part of the ETag, so that a client never has another
// variant's copy confirmed by a 304. "" is no variant.
//
// It must be called before the content is read: the validators then name a state no newer
// than the content sent, so a 304 never confirms a copy older than the current state.
func (s *Server) notModifiedVariant(c echo.Context, f format, variant string) bool {
	v := s.validatorOf(c)
	tag := `W/"` + v.tag + "." + f.Name + `"`
	if variant != "" {
		tag = `W/"` + v.tag + "." + f.Name + "." + variant + `"`
	}
	h := c.Response().Header()
	h.Add(echo.HeaderVary, echo.HeaderAccept)
	h.Set("ETag", tag)
	h.Set("Cache-Control", "no-cache")
	lastMod := v.modified.Truncate(time.Second)
	if lastMod.Unix() > 0 && lastMod.Add(time.Second).After(time.Now()) {
		// Its second is not over: another change may share it. The response is not kept by the
		// response cache either, so that later copies carry the date.
		lastMod = time.Time{}
		c.Set(keyLastModifiedWithheld, true)
	}
	if lastMod.Unix() <= 0 {
		lastMod = time.Time{}
	}
	if !lastMod.IsZero() {
		h.Set(echo.HeaderLastModified, lastMod.UTC().Format(http.TimeFormat))
	}
	req := c.Request()
	if inm := req.Header.Get("If-None-Match"); inm != "" {
		// If-None-Match takes precedence over If-Modified-Since (RFC 9110 13.2.2).
		return etagMatches(inm, tag)
	}
	if ims := req.Header.Get(echo.HeaderIfModifiedSince); ims != "" && !lastMod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !lastMod.After(t) {
			return true
		}
	}
	return false
}

// etagMatches is the weak comparison of If-None-Match: any listed tag equal to ours once the W/
// prefixes are dropped, or "*".
func etagMatches(header, tag string) bool {
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// gzipMinLength is the smallest response worth compressing.
const gzipMinLength = 1024

// compress is the gzip middleware of the API: responses of at least gzipMinLength bytes are
// compressed for clients that accept gzip, except Excel workbooks (zip files) and Parquet
// files (zstd-compressed inside), which are compressed already.
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		MinLength: gzipMinLength,
		Skipper: func(c echo.Context) bool {
			// A backup is Parquet, compressed already; and echo's gzip writer (v4.16.5) returns
			// more than len(p) from the Write that crosses MinLength, which io.Copy rejects
			// ("invalid write result") when a body is streamed in pieces.
			if strings.HasSuffix(c.Request().URL.Path, "/admin/backup") {
				return true
			}
			for _, f := range []format{formatXLSX, formatParquet} {
				if c.QueryParam("format") == f.Name || strings.Contains(c.Request().Header.Get(echo.HeaderAccept), f.MediaType) {
					return true
				}
			}
			return false
		},
	})
}

// notPages are the path prefixes compressPages leaves alone: the API (compressed by its own
// group's compress), the embedded assets (charts.AssetsHandler sends their gzip encoding, made
// once at start-up, with its own ETag), and health and metrics (small, or compressed by the
// metrics handler itself).
var notPages = []string{"/api/", "/assets/", "/healthz", "/readyz", "/metrics"}

// compressPages is compress for the web pages (HTML): installed on the server after the
// response cache, so it runs inside it and a compressed page is kept as such, under a key for
// clients that accept gzip (cacheKey), with its Content-Encoding and Vary: Accept-Encoding. The
// pages carry no ETag, so there is no validator to tell the encodings apart.
func compressPages() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		MinLength: gzipMinLength,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			for _, prefix := range notPages {
				if strings.HasPrefix(p, prefix) {
					return true
				}
			}
			return false
		},
	})
}
