package reliability_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// gate sends its data once opened.
type gate struct {
	open chan struct{}
	r    io.Reader
}

func (g *gate) Read(p []byte) (int, error) {
	<-g.open
	return g.r.Read(p)
}

// TestFinding3BusyUploadIs503WithRetryAfter: with every parse slot taken, an upload through the
// API is answered 503, code busy, with Retry-After, and stores nothing.
func TestFinding3BusyUploadIs503WithRetryAfter(t *testing.T) {
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	app.Datasets.MaxConcurrentParses = 1
	app.Datasets.BusyWait = 100 * time.Millisecond
	handler := (&api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth, Config: api.Config{AuthOff: true}}).Handler()

	g := &gate{open: make(chan struct{}), r: strings.NewReader("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17,1\n")}
	done := make(chan error)
	go func() {
		_, err := app.Datasets.Load(ctx, "slow", g, datasets.Upload{FileName: "slow.csv", By: "t"})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // the slow upload takes the only slot

	req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets/busy/revisions", strings.NewReader("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2016-17,1\n"))
	req.Header.Set("Content-Type", "text/csv")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Code != http.StatusServiceUnavailable || body.Code != string(errs.Busy) || !strings.Contains(body.Detail, "the service is busy; try again shortly") {
		t.Errorf("busy upload: %d %s", rec.Code, rec.Body)
	}
	if got := rec.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	if _, err := app.Datasets.Revisions(ctx, "busy"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("the busy upload recorded a revision: %v", err)
	}
	close(g.open)
	if err := <-done; err != nil {
		t.Fatalf("the slow upload: %v", err)
	}
}
