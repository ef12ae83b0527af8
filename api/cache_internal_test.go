package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// gatedServer is an echo server behind a response cache whose handler blocks until released
// and counts its calls.
func gatedServer(status int) (*echo.Echo, *responseCache, *atomic.Int32, chan struct{}) {
	rc := newResponseCache(func() string { return "v1" }, 1<<20)
	release := make(chan struct{})
	var calls atomic.Int32
	e := echo.New()
	e.Use(rc.Middleware)
	e.GET("/x", func(c echo.Context) error {
		calls.Add(1)
		<-release
		return c.String(status, "rendered")
	})
	return e, rc, &calls, release
}

// waitForWaiters blocks until n requests wait for the render of GET /x.
func waitForWaiters(t *testing.T, rc *responseCache, n int) {
	t.Helper()
	id := "v1\x00GET /x\x00\x00identity"
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		r := rc.rendering[id]
		got := 0
		if r != nil {
			got = r.waiters
		}
		rc.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d requests never waited for the render", n)
}

// Concurrent requests for a response nobody has rendered yet render it once: the others wait
// and are served what it rendered.
func TestResponseCacheRendersOnceForConcurrentMisses(t *testing.T) {
	e, rc, calls, release := gatedServer(http.StatusOK)
	const n = 16
	recs := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i] = httptest.NewRecorder()
			e.ServeHTTP(recs[i], httptest.NewRequest(http.MethodGet, "/x", nil))
		}()
	}
	waitForWaiters(t, rc, n-1)
	close(release)
	wg.Wait()
	if got := calls.Load(); got != 1 {
		t.Fatalf("the handler rendered %d times, want 1", got)
	}
	cache := map[string]int{}
	for _, rec := range recs {
		if rec.Code != http.StatusOK || rec.Body.String() != "rendered" {
			t.Fatalf("response %d %q", rec.Code, rec.Body)
		}
		cache[rec.Header().Get("X-Cache")]++
	}
	if cache["miss"] != 1 || cache["hit"] != n-1 {
		t.Fatalf("X-Cache: %v, want 1 miss and %d hits", cache, n-1)
	}
	if len(rc.rendering) != 0 {
		t.Fatalf("%d renders left registered", len(rc.rendering))
	}
}

// A response that is not kept (here a 404) is rendered by each waiting request itself, and a
// waiting request whose client goes away stops waiting.
func TestResponseCacheWaitersRenderWhatIsNotKept(t *testing.T) {
	e, rc, calls, release := gatedServer(http.StatusNotFound)
	const n = 4
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
			codes[i] = rec.Code
		}()
	}
	waitForWaiters(t, rc, n-1)

	// One more waiter, whose request is cancelled while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil).WithContext(ctx))
	}()
	waitForWaiters(t, rc, n)
	cancel()
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled request kept waiting")
	}

	close(release)
	wg.Wait()
	if got := calls.Load(); got != n {
		t.Fatalf("the handler ran %d times, want %d (once per request: a 404 is not kept)", got, n)
	}
	for _, code := range codes {
		if code != http.StatusNotFound {
			t.Fatalf("status %d, want 404", code)
		}
	}
}
