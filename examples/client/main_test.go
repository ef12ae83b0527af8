package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/xuri/excelize/v2"
)

// The client pulls a real scorecard from a server on the shipped data, sees it unchanged on a
// second poll, and saves it as an Excel workbook with a sheet per priority.
func TestClientPullsAScorecard(t *testing.T) {
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }, Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	srv := httptest.NewServer((&api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas}).Handler())
	t.Cleanup(srv.Close)

	file := filepath.Join(t.TempDir(), "poole.xlsx")
	var out bytes.Buffer
	if err := run(ctx, []string{"-base", srv.URL, "-scorecard", "poole-childrens-trust", "-save", file}, &out); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	text := out.String()
	for _, want := range []string{
		"Poole Children's Trust score card", "Poole (E06000029)",
		"1.14", "85.3", "red", // row 1.14: 85.3% against 88%
		"unchanged since the first read (304",
		"saved " + file,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	wb, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if n := len(wb.GetSheetList()); n != 6 {
		t.Errorf("%d sheets, want one per priority (6)", n)
	}

	var errOut bytes.Buffer
	err = run(ctx, []string{"-base", srv.URL, "-scorecard", "nope"}, &errOut)
	if err == nil || !strings.Contains(err.Error(), "404 not_found") {
		t.Errorf("unknown scorecard: %v", err)
	}
	_ = os.Remove(file)
}
