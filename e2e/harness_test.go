package e2e_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/chromedp/chromedp"
)

// needChromium returns the browser, or skips (fails with SCORECARD_REQUIRE_BROWSER=1); browser
// tests also skip in -short mode.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	exe := chromium()
	if exe == "" {
		if os.Getenv("SCORECARD_REQUIRE_BROWSER") == "1" {
			t.Fatal("SCORECARD_REQUIRE_BROWSER=1 but no Chromium found (install Debian's chromium, or set SCORECARD_CHROMIUM)")
		}
		t.Skip("no Chromium (set SCORECARD_REQUIRE_BROWSER=1 to make this a failure)")
	}
	return exe
}

// readAxe reads testdata/axe/axe.min.js and checks it against the recorded sum.
func readAxe(t *testing.T) string {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join("..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(axe); hex.EncodeToString(sum[:]) != axeSHA256 {
		t.Fatalf("testdata/axe/axe.min.js sha256 %x, want %s (scripts/fetch-assets.sh)", sum, axeSHA256)
	}
	return string(axe)
}

// shippedServer serves the product on the shipped data (the real wiring, a fixed clock), closed
// when the test ends.
func shippedServer(t *testing.T) *httptest.Server {
	t.Helper()
	start := time.Now()
	app, err := scorecard.Open(context.Background(), scorecard.Config{Seed: true,
		Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	srv := httptest.NewServer((&api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas}).Handler())
	t.Cleanup(srv.Close)
	t.Logf("server on the shipped data ready in %s", time.Since(start).Round(time.Millisecond))
	return srv
}

// browserFlags are the headless Chromium options every browser test uses: no network of its
// own (this machine's is closed), no first-run or background work, a fresh profile.
func browserFlags(t *testing.T, exe string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	}
}
