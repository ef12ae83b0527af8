package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/labstack/echo/v4"
)

// testClock is a clock the test moves on; the app's background re-evaluations read it too.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// historyPages is a server over a fresh database with a history: the example local return loaded
// and evaluated on 1 March 2026 at 10:00 UTC, then (with revised set) a revised return uploaded
// by alice on 3 June 2026 at 14:00 that raises Poole's 2016-17 Q4 figure for row 1.14 from
// 85.3% to 89.0%, past its 88% target (red to green). The pages are mounted with the as_of
// middleware and the HTML error pages.
func historyPages(t *testing.T, revised bool) *pagesFixture {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	app, err := scorecard.Open(ctx, scorecard.Config{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
	if revised {
		orig, err := scorecard.ShippedFile("testdata/returns/example_local_return.csv")
		if err != nil {
			t.Fatal(err)
		}
		rev := bytes.Replace(orig, []byte("836,2016-17 Q4,85.3,"), []byte("836,2016-17 Q4,89.0,"), 1)
		if bytes.Equal(rev, orig) {
			t.Fatal("the example return has no 2016-17 Q4 row for Poole to revise")
		}
		clock.set(time.Date(2026, 6, 3, 14, 0, 0, 0, time.UTC))
		if _, re, err := app.Load(ctx, "local_returns", bytes.NewReader(rev), datasets.Upload{FileName: "revised.csv", By: "alice"}); err != nil {
			t.Fatal(err)
		} else if re.State != "" && len(re.Results) == 0 {
			t.Fatalf("re-evaluation after the revised upload: %+v", re)
		}
	}
	srv := &Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas}
	e := echo.New()
	e.HTTPErrorHandler = errorHandlerWithPages(nil, srv.errorPage)
	e.Use(srv.asOf)
	srv.registerPages(e)
	return &pagesFixture{server: srv, echo: e}
}

// getHTML reads a page as a browser does (asking for HTML, so errors are the HTML error page).
func (f *pagesFixture) getHTML(t *testing.T, path string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "text/html")
	rec := httptest.NewRecorder()
	f.echo.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func wantAll(t *testing.T, page, html string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(html, s) {
			t.Errorf("%s: missing %q", page, s)
		}
	}
}

func TestAsOfScorecardPageBannerPickerAndLinks(t *testing.T) {
	f := historyPages(t, true)
	const page = "/scorecards/poole-childrens-trust?area=E06000029&period=2016-17+Q4&as_of=2026-03-31"
	code, html := f.getHTML(t, page)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, html)
	}
	wantAll(t, page, html,
		// The banner, with the date in words and the current version.
		`<div class="notice asat" role="status"><p class="screen-only"><strong>This is the scorecard as it stood on 31 March 2026.</strong> <a href="/scorecards/poole-childrens-trust?area=E06000029&amp;period=2016-17&#43;Q4">Show the current version</a></p><p class="print-only"><strong>As at 31 March 2026</strong></p></div>`,
		// The picker keeps the page's other parameters, shows the date, and links back to now.
		`<input type="hidden" name="area" value="E06000029">
<input type="hidden" name="period" value="2016-17 Q4">
<div><label for="as_of">As at <span class="hint">(a past date; empty for now)</span></label>
<input type="date" id="as_of" name="as_of" value="2026-03-31"></div>
<div><button type="submit">Show</button></div>
<div><a class="now" href="/scorecards/poole-childrens-trust?area=E06000029&amp;period=2016-17&#43;Q4">Now</a></div>`,
		// The area and period pickers keep as_of.
		`<input type="hidden" name="as_of" value="2026-03-31">
<div><button type="submit">Show scorecard</button></div>`,
		// The figure the board saw on 31 March: 85.3%, red.
		`<td class="num c-value" data-label="Value"><div><strong class="v">85.3%</strong><span class="meta" title="Poole">2016-17 Q4</span></div></td>`,
		`<td class="c-rag" data-label="RAG"><div><strong class="rag rag-red" style="background:#b10e1e;color:#ffffff">Red</strong></div></td>`,
		// Links within the page keep as_of: the indicator, the exceptions, the JSON.
		`<a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4&amp;as_of=2026-03-31">Secondary pupils in good or outstanding schools</a>`,
		`<a href="/scorecards/poole-childrens-trust/exceptions?area=E06000029&amp;period=2016-17&#43;Q4&amp;as_of=2026-03-31">Exception report (1 row to discuss first)</a>`,
		`<a href="/api/v1/scorecards/poole-childrens-trust?area=E06000029&amp;period=2016-17&#43;Q4&amp;as_of=2026-03-31">This scorecard as JSON</a>`,
		// Printed: "As at" at the top of every page.
		`@page{@top-right{content:"As at 31 March 2026";`,
	)
	// Now the same page shows the revised figure, green, and no banner.
	code, html = f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029&period=2016-17+Q4")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	wantAll(t, "now", html, `<strong class="v">89.0%</strong>`, `<input type="date" id="as_of" name="as_of" value=""></div>`)
	for _, s := range []string{`role="status"`, `as_of=`, `@top-right`, `class="now"`} {
		if strings.Contains(html, s) {
			t.Errorf("the current page has %q", s)
		}
	}
	// The picker sent without a date is the page as it is now, not an error.
	if code, html = f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029&as_of="); code != http.StatusOK || strings.Contains(html, `role="status"`) {
		t.Errorf("an empty as_of: status %d, banner %v", code, strings.Contains(html, `role="status"`))
	}
}

func TestAsOfOtherBoardPages(t *testing.T) {
	f := historyPages(t, true)
	for _, tt := range []struct {
		name, path string
		want       []string
	}{
		{"exceptions", "/scorecards/poole-childrens-trust/exceptions?area=E06000029&as_of=2026-03-31T18:30:00Z", []string{
			`<strong>This is the exception report as it stood on 31 March 2026, 18:30 UTC.</strong> <a href="/scorecards/poole-childrens-trust/exceptions?area=E06000029">Show the current version</a>`,
			`<a href="/scorecards/poole-childrens-trust?area=E06000029&amp;as_of=2026-03-31T18%3A30%3A00Z">Back to the scorecard</a>`,
			`<a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4&amp;as_of=2026-03-31T18%3A30%3A00Z">`,
			`<input type="hidden" name="as_of" value="2026-03-31T18:30:00Z">`,
			`@page{@top-right{content:"As at 31 March 2026, 18:30 UTC";`,
		}},
		{"area", "/areas/E06000029?topic=Schools&as_of=2026-03-31", []string{
			`<strong>This is this page as it stood on 31 March 2026.</strong>`,
			`<input type="hidden" name="topic" value="Schools">`,
			`<a href="/areas/E06000029?as_of=2026-03-31">All topics</a>`,
			`<a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4&amp;as_of=2026-03-31">`,
			`<input type="hidden" name="as_of" value="2026-03-31"><div><button type="submit">Show this area</button></div>`,
		}},
		{"indicator", "/areas/E06000029/indicators/secondary-good-outstanding-schools?as_of=2026-03-31", []string{
			`<strong>This is this page as it stood on 31 March 2026.</strong>`,
			`<dt>Value</dt><dd>85.3%</dd>`,
			`<a href="/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=E06000029&amp;as_of=2026-03-31">`,
			`@top-right{content:"As at 31 March 2026";`,
			`This page shows the indicator as at 31 March 2026: notes are added on its current version.`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, html := f.getHTML(t, tt.path)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, html)
			}
			wantAll(t, tt.path, html, tt.want...)
		})
	}
	// The area picker's redirect keeps as_of.
	req := httptest.NewRequest(http.MethodGet, "/areas?area=836&as_of=2026-03-31", nil)
	rec := httptest.NewRecorder()
	f.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/areas/E06000029?as_of=2026-03-31" {
		t.Errorf("area picker: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestAsOfErrorPages(t *testing.T) {
	f := historyPages(t, false)
	for _, tt := range []struct {
		name, path string
		status     int
		message    string
	}{
		{"not a date", "/scorecards/poole-childrens-trust?area=E06000029&as_of=last+March", http.StatusBadRequest,
			`<p class="lede"><strong>The as_of value &#34;last March&#34; is neither a date (2026-03-31) nor an RFC 3339 time (2026-03-31T18:00:00Z).</strong></p>`},
		{"before the first evaluation", "/scorecards/poole-childrens-trust?area=E06000029&as_of=2026-02-28", http.StatusNotFound,
			`<p class="lede"><strong>Nothing was evaluated as at 2026-02-28T23:59:59Z: the first evaluation was at 2026-03-01T10:00:00Z.</strong></p>`},
		{"changes since not a date", "/scorecards/poole-childrens-trust?area=E06000029&changes_since=yesterday", http.StatusBadRequest,
			`<p class="lede"><strong>The changes_since value &#34;yesterday&#34; is neither a date (2026-03-31) nor an RFC 3339 time (2026-03-31T18:00:00Z).</strong></p>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, html := f.getHTML(t, tt.path)
			if code != tt.status {
				t.Errorf("status %d, want %d", code, tt.status)
			}
			wantAll(t, tt.path, html, tt.message)
		})
	}
}

func TestChangesSinceListsARevisedUpload(t *testing.T) {
	f := historyPages(t, true)
	const page = "/scorecards/poole-childrens-trust?area=E06000029&changes_since=2026-03-31"
	code, html := f.getHTML(t, page)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, html)
	}
	wantAll(t, page, html,
		`<form class="pickers changes-since" method="get" action="#changes">
<input type="hidden" name="area" value="E06000029">
<div><label for="changes_since">Changes since`,
		`<input type="date" id="changes_since" name="changes_since" value="2026-03-31">`,
		`<h2 id="changes">Changes since 31 March 2026</h2>`,
		`<p>1 change to this scorecard&#39;s figures for Poole since the end of 31 March 2026, newest first.</p>`,
		`<li><p class="change-title"><a href="/areas/E06000029/indicators/secondary-good-outstanding-schools?period=2016-17&#43;Q4">Secondary pupils in good or outstanding schools</a> <span class="meta">2016-17 Q4 (January to March 2017) · Changed</span></p>`,
		`<li><strong>Value:</strong> 85.3% <span aria-hidden="true">→</span><span class="visually-hidden">changed to</span> 89.0%</li>`,
		`<li><strong>Against target:</strong> Red <span aria-hidden="true">→</span><span class="visually-hidden">changed to</span> Green</li>`,
		`<p class="meta">3 June 2026, 14:00 UTC · Upload of dataset local_returns, revision 2 by alice, 3 June 2026</p></li>`,
		`<a href="/api/v1/changes?area=E06000029&amp;scorecard=poole-childrens-trust&amp;since=2026-03-31T23%3A59%3A59.999999Z">These changes from the API (the change feed)</a>`,
		// The as-at picker keeps changes_since.
		`<input type="hidden" name="changes_since" value="2026-03-31">`,
	)
	if n := strings.Count(html, `<li><p class="change-title">`); n != 1 {
		t.Errorf("%d changes listed, want 1", n)
	}
	// As at 31 March, nothing had changed since the end of 1 March... up to 31 March.
	code, html = f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029&changes_since=2026-03-01&as_of=2026-03-31")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	wantAll(t, "as at", html, `<p>No figure or judgement of this scorecard for Poole has changed between the end of 1 March 2026 and 31 March 2026.</p>`)
}

func TestChangesSinceNoChanges(t *testing.T) {
	f := historyPages(t, false)
	code, html := f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029&changes_since=2026-03-31")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, html)
	}
	wantAll(t, "no changes", html, `<h2 id="changes">Changes since 31 March 2026</h2>`,
		`<p>No figure or judgement of this scorecard for Poole has changed since the end of 31 March 2026.</p>`)
	if strings.Contains(html, `<ol class="changes">`) {
		t.Error("an empty list of changes")
	}
	// Without a date, no section.
	if _, html = f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029"); strings.Contains(html, `id="changes"`) {
		t.Error("a changes section without changes_since")
	}
}

func TestChangesSinceCappedNewestFirst(t *testing.T) {
	f := historyPages(t, true)
	defer func(n int) { maxChangeRows = n }(maxChangeRows)
	maxChangeRows = 2
	// Since before the first evaluation: every first figure of Poole's rows, then the revision.
	code, html := f.getHTML(t, "/scorecards/poole-childrens-trust?area=E06000029&changes_since=2026-02-28")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, html)
	}
	if n := strings.Count(html, `<li><p class="change-title">`); n != 2 {
		t.Errorf("%d changes listed, want 2", n)
	}
	// The revision (3 June) comes first, then the newest of the first figures (1 March): Poole's
	// five figures of row 1.14 and the revision make six.
	revised := strings.Index(html, `<p class="meta">3 June 2026, 14:00 UTC · Upload of dataset local_returns, revision 2 by alice, 3 June 2026</p>`)
	first := strings.Index(html, `<span class="meta">2016-17 Q4 (January to March 2017) · New figure</span></p>
<ul class="fields"><li><strong>Value:</strong> Not evaluated <span aria-hidden="true">→</span><span class="visually-hidden">changed to</span> 85.3%</li><li><strong>Against target:</strong> Not evaluated <span aria-hidden="true">→</span><span class="visually-hidden">changed to</span> Red</li></ul>
<p class="meta">1 March 2026, 10:00 UTC · Upload of dataset local_returns, revision 1 by shipped-data, 1 March 2026</p>`)
	if revised < 0 || first < 0 || revised > first {
		t.Errorf("want the revision (at %d) before a first evaluation (at %d)", revised, first)
	}
	wantAll(t, "capped", html,
		`<p>6 changes to this scorecard&#39;s figures for Poole since the end of 28 February 2026, newest first.</p>`,
		`<p><strong>4 older changes are not listed here.</strong> The <a href="/api/v1/changes?area=E06000029&amp;scorecard=poole-childrens-trust&amp;since=2026-02-28T23%3A59%3A59.999999Z">change feed in the API</a> lists every one.</p>`)
}
