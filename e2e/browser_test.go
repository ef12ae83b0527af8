package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeSHA256 is the sum of testdata/axe/axe.min.js recorded in testdata/axe/SOURCES.md.
const axeSHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

// wcagTags are the axe-core rule tags of WCAG 2.2 level AA.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// chromium finds the browser: $SCORECARD_CHROMIUM, else Debian's chromium, else others on PATH.
func chromium() string {
	if p := os.Getenv("SCORECARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artefactDir is where screenshots go: $SCORECARD_ARTIFACTS, else the test's temporary directory.
func artefactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SCORECARD_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// drawn is what the page reports about one chart.
type drawn struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"` // echarts, svgchart (a chart the server drew) or svg (a sparkline)
	Instance bool    `json:"instance"`
	Width    float64 `json:"width"`
	Height   float64 `json:"height"`
	Painted  float64 `json:"painted"` // canvas: non-white pixels; svgchart: its shapes; svg: the line's length
	Series   int     `json:"series"`
}

// chartsJS lists every chart on the page and how much of it is drawn.
const chartsJS = `(() => {
const out = [];
document.querySelectorAll('.chart-block .item[id]').forEach(el => {
  const inst = window.echarts ? echarts.getInstanceByDom(el) : null;
  const canvas = el.querySelector('canvas');
  let painted = 0;
  if (canvas) {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240)) painted++; }
  }
  out.push({id: el.id, kind: 'echarts', instance: !!inst, width: canvas ? canvas.width : 0, height: canvas ? canvas.height : 0,
    painted: painted, series: inst ? inst.getOption().series.length : 0});
});
document.querySelectorAll('svg.chart-svg[id]').forEach(svg => {
  const r = svg.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return; // the drawing for another width
  out.push({id: svg.id, kind: 'svgchart', instance: true, width: r.width, height: r.height,
    painted: svg.querySelectorAll('path, rect, circle, line, text').length, series: svg.querySelectorAll('g.spine-row').length});
});
document.querySelectorAll('svg.sparkline').forEach(svg => {
  const p = svg.querySelector('path');
  const b = p ? p.getBBox() : {width: 0, height: 0};
  out.push({id: svg.id, kind: 'svg', instance: true, width: b.width, height: b.height, painted: p ? p.getTotalLength() : 0, series: 1});
});
return out;
})()`

// violation is an axe-core violation, reduced to what a failure message needs.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func axeJS() string {
	tags, _ := json.Marshal(wcagTags)
	return `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations']}).then(r => JSON.stringify({
  violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' | ' + (n.failureSummary || ''))})),
  passes: r.passes.length}))`
}

// events collects what the browser reports while a page loads.
type events struct {
	mu       sync.Mutex
	requests []string
	console  []string
}

func (e *events) add(list *[]string, s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	*list = append(*list, s)
}

func (e *events) snapshot() (requests, console []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.requests...), append([]string(nil), e.console...)
}

// TestBoardPagesInChromium loads the board pages from a server on the shipped data in headless
// Chromium. It skips when no Chromium is installed, unless SCORECARD_REQUIRE_BROWSER=1 (CI).
func TestBoardPagesInChromium(t *testing.T) {
	exe := needChromium(t)
	axe := readAxe(t)
	ctx := context.Background()
	srv := shippedServer(t)
	origin, _ := url.Parse(srv.URL)
	dir := artefactDir(t)

	opts := browserFlags(t, exe)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The browser lives as long as the context of its first run: no timeout on that one.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	deadline, cancelDeadline := context.WithTimeout(bctx, 50*time.Second)
	defer cancelDeadline()

	for _, pg := range []struct {
		name, path string
		// wantCharts are the charts' ids on the page (ECharts, or svg.chart-svg drawn by the
		// server); minSparks the least sparklines.
		wantCharts []string
		minSparks  int
		print      bool
	}{
		{"scorecard", "/scorecards/poole-childrens-trust?area=839", []string{"spine_poole_childrens_trust_E06000058"}, 7, true},
		{"indicator", "/areas/839/indicators/injury-admissions-0-14",
			[]string{"trend_injury_admissions_0_14_E06000058", "comparison_injury_admissions_0_14_E06000058_2023_24"}, 0, false},
		{"exceptions", "/scorecards/poole-childrens-trust/exceptions?area=839", nil, 0, false},
		{"index", "/", nil, 0, false},
	} {
		t.Run(pg.name, func(t *testing.T) {
			tctx, cancel := chromedp.NewContext(deadline)
			defer cancel()
			ev := &events{}
			var wg sync.WaitGroup
			requests := chromedp.Events(tctx, network.RequestWillBeSent)
			console := chromedp.Console(tctx)
			wg.Add(2)
			go func() {
				defer wg.Done()
				for r, err := range requests {
					if err != nil {
						return
					}
					ev.add(&ev.requests, r.Request.URL)
				}
			}()
			go func() {
				defer wg.Done()
				for m, err := range console {
					if err != nil {
						return
					}
					switch m.Type {
					case chromedp.ConsoleError, chromedp.ConsoleWarning, chromedp.ConsoleException:
						ev.add(&ev.console, m.String()+" "+m.URL)
					}
				}
			}()
			if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			err := chromedp.Do(tctx,
				chromedp.EmulateViewport(1366, 900),
				chromedp.Navigate(srv.URL+pg.path),
				chromedp.WaitReady("main"),
			)
			if err != nil {
				t.Fatalf("load %s: %v", pg.path, err)
			}
			// ECharts paints on the next animation frame: wait until every chart has pixels.
			got, err := chromedp.Run(tctx, chromedp.Poll[[]drawn](`(() => { const c = `+chartsJS+`; return c.length >= `+
				fmt.Sprint(len(pg.wantCharts)+pg.minSparks)+` && c.every(x => x.painted > 0) ? c : null; })()`,
				chromedp.WithPollingTimeout(15*time.Second)))
			if err != nil {
				t.Fatalf("charts on %s not drawn: %v", pg.path, err)
			}
			// Screenshots for the record (and for a person to look at).
			png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, pg.name+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s (%d bytes)", shot, len(png))

			// Each chart alone, at the page's size, to look at closely (and the page's top).
			for _, id := range append(append([]string(nil), pg.wantCharts...), "top") {
				shoot := chromedp.Screenshot("#" + id + "_block")
				if id == "top" {
					shoot = chromedp.CaptureScreenshot() // the viewport: what a reader sees first
				}
				img, err := chromedp.Run(tctx, shoot)
				if err != nil {
					t.Fatalf("screenshot of %s: %v", id, err)
				}
				shot := filepath.Join(dir, pg.name+"-"+id+".png")
				if err := os.WriteFile(shot, img, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s", shot)
			}

			// Every chart is drawn.
			ids := map[string]drawn{}
			sparks := 0
			for _, d := range got {
				ids[d.ID] = d
				if d.Kind == "svgchart" {
					// Three bar pieces, the England line and a marker a row, and the labels.
					if d.Width < 300 || d.Height < 80 || d.Painted < 8 || d.Series == 0 {
						t.Errorf("chart %s not drawn: %+v", d.ID, d)
					}
				} else if d.Kind == "svg" {
					sparks++
					if d.Width < 50 || d.Painted < 50 {
						t.Errorf("sparkline %s barely drawn: %+v", d.ID, d)
					}
				} else if !d.Instance || d.Width < 300 || d.Height < 200 || d.Painted < 2000 || d.Series == 0 {
					t.Errorf("chart %s not drawn: %+v", d.ID, d)
				}
			}
			for _, id := range pg.wantCharts {
				if _, ok := ids[id]; !ok {
					t.Errorf("no chart %s on the page (have %v)", id, got)
				}
			}
			if sparks < pg.minSparks {
				t.Errorf("%d sparklines, want at least %d", sparks, pg.minSparks)
			}

			// Nothing from another origin, nothing logged as an error.
			seen, logged := ev.snapshot()
			for _, r := range seen {
				u, err := url.Parse(r)
				if err != nil || (u.Scheme != "data" && u.Host != origin.Host) {
					t.Errorf("request to another origin: %s", r)
				}
			}
			if len(seen) == 0 {
				t.Error("no requests seen: is the network listener working?")
			}
			// The scorecard's spine chart is drawn on the server: the page loads no script.
			if pg.name == "scorecard" {
				for _, r := range seen {
					if strings.HasSuffix(strings.SplitN(r, "?", 2)[0], ".js") {
						t.Errorf("the scorecard page loads a script: %s", r)
					}
				}
			}
			for _, c := range logged {
				t.Errorf("%s", c)
			}

			// axe-core at WCAG 2.2 AA: injected through the DevTools protocol, so the page
			// requests nothing more.
			if _, err := chromedp.Run(tctx, chromedp.Evaluate[*runtime.RemoteObject](string(axe))); err != nil {
				t.Fatalf("inject axe-core: %v", err)
			}
			res, err := chromedp.Run(tctx, chromedp.Evaluate[string](axeJS(), chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("axe: %v", err)
			}
			var report struct {
				Violations []violation `json:"violations"`
				Passes     int         `json:"passes"`
			}
			if err := json.Unmarshal([]byte(res), &report); err != nil {
				t.Fatalf("axe result: %v\n%s", err, res)
			}
			for _, v := range report.Violations {
				t.Errorf("axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
			}
			if report.Passes < 10 {
				t.Errorf("axe passed only %d rules: did it run?", report.Passes)
			}
			t.Logf("axe-core: %d violations, %d rules passed (tags %s)", len(report.Violations), report.Passes, strings.Join(wcagTags, ", "))

			if pg.print {
				// The print stylesheet: A4 landscape is 1123 CSS pixels wide.
				if _, err := chromedp.Call(tctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(tctx, chromedp.EmulateViewport(1123, 794), chromedp.Sleep(300*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
				printed, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				shot := filepath.Join(dir, pg.name+"-print.png")
				if err := os.WriteFile(shot, printed, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s (print media, A4 landscape width)", shot)
				hidden, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('header.site')).display === 'none' && getComputedStyle(document.querySelector('form.pickers')).display === 'none'`))
				if err != nil {
					t.Fatal(err)
				}
				if !hidden {
					t.Error("print stylesheet: the site header and pickers are still shown")
				}
			}
			cancel()
			wg.Wait()
		})
	}
}
