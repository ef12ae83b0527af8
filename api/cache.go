package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// responseCache keeps successful GET responses for the current version of the stored data.
// Every committed write of data or definitions changes the version (store.DB.Version), and an entry is only served for
// the version it was rendered at, so a cached response is never stale: after an upload, a
// restore or a comment the first request renders afresh. Reads between writes, which is
// nearly all of them, are served from memory without touching DuckDB.
//
// The key is the method, the full request URI and the headers a response varies by (Accept,
// for formats). Responses larger than maxEntry, or not 200, are not kept; when the cache would
// grow beyond maxBytes it is emptied (the working set of a scorecard deployment is small, so a
// full LRU is not worth its bookkeeping).
type responseCache struct {
	version  func() string
	maxEntry int
	maxBytes int

	mu      sync.RWMutex
	tag     string
	entries map[string]*cachedResponse
	size    int
	// rendering holds the requests rendering a response to keep, by version and key, so that
	// requests for the same response arriving meanwhile wait for it instead of rendering it
	// again (after an upload, a board opening one scorecard at once renders it once).
	rendering map[string]*render
}

// render is a response being rendered; done is closed when it is finished (kept or not).
type render struct {
	done    chan struct{}
	waiters int // requests waiting for it (tests read it)
}

type cachedResponse struct {
	header http.Header
	body   []byte
}

// newResponseCache caches up to maxBytes of responses for the version version() names.
func newResponseCache(version func() string, maxBytes int) *responseCache {
	return &responseCache{version: version, maxEntry: maxBytes / 16, maxBytes: maxBytes,
		entries: map[string]*cachedResponse{}, rendering: map[string]*render{}}
}

// cacheKey identifies a representation of a resource: its URI, the format asked for, and
// whether it may be gzip-compressed (the API's gzip middleware runs inside the cache, so a
// compressed body is kept as such, with its Content-Encoding).
func cacheKey(r *http.Request) string {
	gzip := "identity"
	if strings.Contains(r.Header.Get(echo.HeaderAcceptEncoding), "gzip") {
		gzip = "gzip"
	}
	return r.Method + " " + r.RequestURI + "\x00" + r.Header.Get(echo.HeaderAccept) + "\x00" + gzip
}

func (rc *responseCache) get(tag, key string) *cachedResponse {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	if rc.tag != tag {
		return nil
	}
	return rc.entries[key]
}

func (rc *responseCache) put(tag, key string, resp *cachedResponse) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.tag != tag {
		// The first entry of a new version drops every entry of the old one.
		rc.tag, rc.entries, rc.size = tag, map[string]*cachedResponse{}, 0
	}
	if rc.size+len(resp.body) > rc.maxBytes {
		rc.entries, rc.size = map[string]*cachedResponse{}, 0
	}
	if old, ok := rc.entries[key]; ok {
		rc.size -= len(old.body)
	}
	rc.entries[key] = resp
	rc.size += len(resp.body)
}

// claim makes the caller the renderer of (tag, key) and returns the function to call when it
// has finished; or, when another request is rendering it already, returns that render to wait
// for.
func (rc *responseCache) claim(tag, key string) (finished func(), wait *render) {
	id := tag + "\x00" + key
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r, ok := rc.rendering[id]; ok {
		r.waiters++
		return nil, r
	}
	r := &render{done: make(chan struct{})}
	rc.rendering[id] = r
	return func() {
		rc.mu.Lock()
		delete(rc.rendering, id)
		rc.mu.Unlock()
		close(r.done)
	}, nil
}

// uncached are path prefixes never cached: the embedded assets (served with their own long-lived
// caching headers), health and metrics (they report the live process), and the audit log, whose
// records are bookkeeping written without changing the data version (store.DB.WriteBookkeeping),
// and the sign-in page, which holds a CSRF token.
var uncached = []string{"/assets/", "/healthz", "/readyz", "/metrics", "/api/v1/audit", signInPath}

// Middleware serves GET and HEAD requests from the cache, and keeps what the handler renders.
// It must run after any middleware that decides who may read.
func (rc *responseCache) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			return next(c)
		}
		// Conditional requests go to the handler, which answers 304 without reading the data.
		if req.Header.Get("If-None-Match") != "" || req.Header.Get(echo.HeaderIfModifiedSince) != "" {
			return next(c)
		}
		// A signed-in browser's pages show who is signed in and hold a CSRF token: never
		// served from, nor kept in, the shared cache (privateSessions marks them private).
		if hasSessionCookie(req) {
			return next(c)
		}
		for _, prefix := range uncached {
			if strings.HasPrefix(req.URL.Path, prefix) {
				return next(c)
			}
		}
		tag := rc.version()
		key := cacheKey(req)
		if hit := rc.get(tag, key); hit != nil {
			return serveCached(c, hit)
		}
		finished, wait := rc.claim(tag, key)
		if wait != nil {
			select {
			case <-wait.done:
			case <-req.Context().Done():
				return req.Context().Err()
			}
			if hit := rc.get(tag, key); hit != nil {
				return serveCached(c, hit)
			}
			// The response was not kept (an error, or too large): render it here, without
			// making anyone wait.
		} else {
			var once sync.Once
			done := finished
			finished = func() { once.Do(done) }
			defer finished()
		}
		rec := &recordingWriter{ResponseWriter: c.Response().Writer, limit: rc.maxEntry}
		if finished != nil {
			// Once the response cannot be kept, requests waiting for it need not wait on.
			rec.dropped = finished
		}
		c.Response().Writer = rec
		c.Response().Header().Set("X-Cache", "miss")
		err := next(c)
		c.Response().Writer = rec.ResponseWriter
		// Keep the response only if it was a whole 200 rendered at the version it is filed under.
		// A private response (one that varies by who asks) is never shared.
		// Nor one rendered in the second of its resource's last change, which lacks its
		// Last-Modified (notModifiedVariant).
		private := strings.Contains(c.Response().Header().Get(echo.HeaderCacheControl), "private")
		withheld := c.Get(keyLastModifiedWithheld) != nil
		if err == nil && rec.status == http.StatusOK && !rec.overflow && !private && !withheld && req.Method == http.MethodGet && rc.version() == tag {
			header := http.Header{}
			for _, k := range representationHeaders {
				if v := c.Response().Header().Values(k); len(v) > 0 {
					header[k] = v
				}
			}
			rc.put(tag, key, &cachedResponse{header: header, body: rec.buf.Bytes()})
		}
		return err
	}
}

// serveCached writes a kept response.
func serveCached(c echo.Context, hit *cachedResponse) error {
	h := c.Response().Header()
	for k, v := range hit.header {
		h[k] = v
	}
	h.Set("X-Cache", "hit")
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(hit.body)))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodGet {
		_, err := c.Response().Write(hit.body)
		return err
	}
	return nil
}

// representationHeaders are the response headers that describe the cached representation
// itself, and so are kept with it. Everything else (CORS, request IDs, rate or auth headers) is
// set per request by the middleware around the cache.
var representationHeaders = []string{
	echo.HeaderContentType, echo.HeaderContentDisposition, echo.HeaderLastModified, "Etag",
	"Cache-Control", "Content-Language", "Link", echo.HeaderVary, echo.HeaderContentEncoding,
	// A page's security policy belongs to the page: a cached copy must carry it too.
	"Content-Security-Policy", "Referrer-Policy", "X-Frame-Options",
}

// recordingWriter passes a response through while keeping a copy of its body (up to limit).
type recordingWriter struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	limit    int
	overflow bool
	// dropped, when set, is called once the response is known not to be kept.
	dropped func()
}

// doNotKeep marks the response as not to be kept (a whole-data download) and stops copying it.
func (w *recordingWriter) doNotKeep() { w.drop() }

func (w *recordingWriter) drop() {
	if !w.overflow {
		w.overflow = true
		w.buf = bytes.Buffer{}
		if w.dropped != nil {
			w.dropped()
		}
	}
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.overflow {
		if w.buf.Len()+len(b) > w.limit {
			w.drop()
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streamed responses through the recorder.
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
