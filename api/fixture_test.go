package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/store"
)

// fixedNow is the clock of every fixture, so golden files are stable.
var fixedNow = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }

// fixture is a server over an in-memory database loaded with the shipped data.
type fixture struct {
	db      *store.DB
	engine  *engine.Engine
	sets    *datasets.Service
	handler http.Handler
}

// newFixture builds a fresh fixture: the real wiring, the real shipped files. With names, only
// those shipped datasets are loaded (write tests use small ones).
func newFixture(tb testing.TB, names ...string) *fixture {
	tb.Helper()
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{Now: fixedNow, Seed: len(names) == 0})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { app.Close() })
	for _, name := range names {
		if err := scorecard.LoadShippedDataset(ctx, app.Datasets, name); err != nil {
			tb.Fatal(err)
		}
	}
	if len(names) > 0 {
		if _, err := app.Engine.EvaluateAll(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth,
		Config: api.Config{AuthOff: true}} // these tests are about data, not access; auth_test.go tests access
	return &fixture{db: app.DB, engine: app.Engine, sets: app.Datasets, handler: srv.Handler()}
}

var (
	sharedOnce sync.Once
	shared     *fixture
)

// sharedFixture is one read-only fixture for tests that do not write.
func sharedFixture(tb testing.TB) *fixture {
	tb.Helper()
	sharedOnce.Do(func() { shared = newFixture(&onceTB{TB: tb}) })
	if shared == nil {
		tb.Fatal("shared fixture failed to build")
	}
	return shared
}

// onceTB keeps the shared fixture's database open for the whole test binary.
type onceTB struct{ testing.TB }

func (o *onceTB) Cleanup(func()) {}

// newRequest builds a test request with the body's content type and headers (none when nil).
func newRequest(method, path string, body *requestBody) *http.Request {
	if body == nil {
		return httptest.NewRequest(method, path, nil)
	}
	req := httptest.NewRequest(method, path, body.reader())
	req.Header.Set("Content-Type", body.contentType)
	for k, v := range body.headers {
		req.Header.Set(k, v)
	}
	return req
}

func (f *fixture) do(tb testing.TB, method, path string, body *requestBody) *httptest.ResponseRecorder {
	tb.Helper()
	req := newRequest(method, path, body)
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}
