package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// What TestBoardPagesReadable relies on in the pages (the contract with whoever writes them):
//
//   - charts: any element ECharts draws in (it carries the _echarts_instance_ attribute), or
//     .chart-block .item[id], or a chart the server drew as SVG (svg.chart-svg[id], the spine
//     chart); each shown one must be drawn (canvas pixels or SVG shapes) within 12 s of load and
//     of each resize. Scorecards with an England distribution need at least one (the spine),
//     indicator pages two (trend and comparison; one for a count without comparators).
//   - scorecard tables: table.scorecard (or table[data-scorecard]). Their benchmark columns are the
//     thead cells whose text names a comparator (neighbour, region, England, comparator,
//     benchmark) or that carry data-benchmark; every tbody cell in those columns, and every cell
//     carrying data-compare, must say in words how the area compares: data-compare on the cell or
//     an element in it ("better", "similar", "worse", "not-compared", "higher", "lower"; - and _
//     read as spaces), or one of those words in its visible text. An empty cell fails.
//   - error pages: text/html with a 4xx status, an h1, and an <a href="/">.
//   - tables' captions and row headers (th in the row) name a failing cell in the report.
//
// boardPage is one page TestBoardPagesReadable reads.
type boardPage struct {
	name, path string
	kind       string // index, scorecard, exceptions, indicator, catalogue, area, error, form
	minCharts  int    // the least charts drawn on the page (ECharts or server-drawn SVG)
	maxPDF     int    // the most A4 landscape pages it may print on; 0: no limit (the count is logged)
}

// boardPages are the pages a board member reads, and the errors they may meet.
var boardPages = []boardPage{
	{"index", "/", "index", 0, 0},
	{"card-poole-bcp", "/scorecards/poole-childrens-trust?area=E06000058", "scorecard", 1, 3},
	{"card-poole-poole", "/scorecards/poole-childrens-trust?area=E06000029", "scorecard", 1, 3},
	// Leicestershire's plan has local figures only: no England distribution, so no spine chart;
	// a sentence (p.no-chart) says why instead of an empty frame.
	// The scorecard as it stood at a date (issue 18): the banner, the "as at" picker, links that
	// keep as_of; and the changes since a date, listed with before and after (every row is new
	// since the day before the fixed clock's first evaluation).
	{"card-bcp-as-at", "/scorecards/poole-childrens-trust?area=E06000058&as_of=2026-11-23", "scorecard", 1, 3},
	{"card-bcp-changes-since", "/scorecards/poole-childrens-trust?area=E06000058&changes_since=2026-11-22", "scorecard", 1, 0},
	{"card-leicestershire", "/scorecards/leicestershire-ewmh?area=855", "scorecard", 0, 0},
	{"exceptions-poole-bcp", "/scorecards/poole-childrens-trust/exceptions?area=E06000058", "exceptions", 0, 0},
	// A percentage (Wilson intervals), a rate per 10,000 with published intervals, a count.
	{"indicator-percentage", "/areas/E06000058/indicators/repeat-cpp", "indicator", 2, 2},
	{"indicator-rate-ci", "/areas/E06000058/indicators/injury-admissions-0-14", "indicator", 2, 2},
	{"indicator-count", "/areas/855/indicators/fis-calls", "indicator", 1, 2},
	{"error-unknown-area", "/areas/Z99999999/indicators/perm-exclusion-rate", "error", 0, 0},
	{"error-unknown-indicator", "/areas/E06000058/indicators/no-such-indicator", "error", 0, 0},
	{"error-bad-period", "/scorecards/poole-childrens-trust?area=E06000058&period=not-a-period", "error", 0, 0},
	{"error-unknown-url", "/no-such-page", "error", 0, 0},
	// The sign-in form (its page checks only: status, no sideways scroll, axe-core).
	{"sign-in", "/sign-in", "form", 0, 0},
	// The indicator catalogue, and every indicator for one area topic by topic (its tables'
	// benchmark cells are checked as a scorecard's are).
	{"catalogue", "/indicators", "catalogue", 0, 0},
	{"area-bcp", "/areas/E06000058", "area", 0, 0},
	// One topic of it (issue 17): the topic navigation wraps at 390 px.
	{"area-bcp-topic", "/areas/E06000058?topic=Children%20Looked%20After", "area", 0, 0},
}

// boardWidths are the viewports: a board member's laptop, a tablet, a phone.
var boardWidths = []struct{ w, h int64 }{{1440, 900}, {1024, 768}, {390, 844}}

// Failure kinds, as the summary at the end counts them.
const (
	kLoad      = "page did not load"
	kStatus    = "HTTP status or content type"
	kCharts    = "charts not drawn"
	kSideways  = "sideways scroll"
	kCell      = "text outside its table cell"
	kWords     = "raw value word visible (None/null/NaN/undefined/no_target/no_data)"
	kCodes     = "machine code in a table, chart title or heading"
	kCompare   = "benchmark cell without a comparison in words"
	kError     = "error page lacks h1 or link to /"
	kAxe       = "axe-core WCAG 2.2 AA violation"
	kPDF       = "too many printed pages"
	kPDFFailed = "PDF not printed"
)

// failures collects every problem, so one run reports all of them.
type failures struct {
	mu     sync.Mutex
	counts map[string]map[string]int // kind -> page -> problems
}

func (f *failures) add(t *testing.T, pg, kind, format string, args ...any) {
	t.Helper()
	f.mu.Lock()
	if f.counts == nil {
		f.counts = map[string]map[string]int{}
	}
	if f.counts[kind] == nil {
		f.counts[kind] = map[string]int{}
	}
	f.counts[kind][pg]++
	f.mu.Unlock()
	t.Errorf("[%s] %s", kind, fmt.Sprintf(format, args...))
}

// detailCap is how many problems of one kind are spelled out for one page at one width; the rest
// are counted in one more error (and in the summary). SCORECARD_E2E_ALL=1 spells out every one.
const detailCap = 12

// each reports every problem in list, or the first detailCap and a count of the rest.
func (f *failures) each(t *testing.T, pg, kind, at string, list []string) {
	t.Helper()
	all := os.Getenv("SCORECARD_E2E_ALL") == "1"
	for i, s := range list {
		if i == detailCap && !all {
			f.mu.Lock()
			f.counts[kind][pg] += len(list) - detailCap
			f.mu.Unlock()
			t.Errorf("[%s] %s: %d more like these (SCORECARD_E2E_ALL=1 lists them)", kind, at, len(list)-detailCap)
			return
		}
		f.add(t, pg, kind, "%s: %s", at, s)
	}
}

func (f *failures) summary() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.counts) == 0 {
		return "no failures"
	}
	kinds := make([]string, 0, len(f.counts))
	for k := range f.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		total := 0
		var per []string
		for _, p := range boardPages {
			if n := f.counts[k][p.name]; n > 0 {
				total += n
				per = append(per, fmt.Sprintf("%s %d", p.name, n))
			}
		}
		fmt.Fprintf(&b, "\n  %-70s %4d  (%s)", k, total, strings.Join(per, ", "))
	}
	return b.String()
}

// visibleJS finds elements whose boxes are drawn (not display:none, not zero-sized).
const visibleJS = `const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };`

// chartsReadyJS lists the page's ECharts charts that are shown, with how much of each is drawn.
// Charts are found by the attribute ECharts sets on the element it draws in (and, as the existing
// test does, .chart-block .item[id]), so the page's own class names do not matter.
const chartsReadyJS = `(() => { ` + visibleJS + `
const els = new Set([...document.querySelectorAll('[_echarts_instance_], .chart-block .item[id]')].filter(visible));
const out = [];
els.forEach(el => {
  const inst = window.echarts ? echarts.getInstanceByDom(el) : null;
  let painted = 0;
  el.querySelectorAll('canvas').forEach(canvas => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < d.length; i += 16) { if (d[i+3] > 0 && (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240)) painted++; }
  });
  if (!painted) { const svg = el.querySelector('svg'); if (svg) painted = svg.querySelectorAll('path, rect, circle, line, text').length; }
  out.push({id: el.id, instance: !!inst, painted: painted, width: el.clientWidth});
});
// Charts the server drew as SVG: drawn once they are laid out with their shapes.
document.querySelectorAll('svg.chart-svg[id]').forEach(svg => {
  if (!visible(svg)) return;
  out.push({id: svg.id, instance: true, painted: svg.querySelectorAll('path, rect, circle, line, text').length, width: Math.round(svg.getBoundingClientRect().width)});
});
return {ready: document.readyState === 'complete' && document.fonts.status === 'loaded', charts: out};
})()`

type chartState struct {
	Ready  bool `json:"ready"`
	Charts []struct {
		ID       string  `json:"id"`
		Instance bool    `json:"instance"`
		Painted  int     `json:"painted"`
		Width    float64 `json:"width"`
	} `json:"charts"`
}

func (c chartState) signature() string {
	var b strings.Builder
	for _, ch := range c.Charts {
		fmt.Fprintf(&b, "%s:%v:%d:%v;", ch.ID, ch.Instance, ch.Painted, ch.Width)
	}
	return b.String()
}

// layoutJS measures what a reader sees: sideways scroll, cells that text runs out of, words
// that are raw values, machine codes, benchmark cells, the error page's heading and link.
const layoutJS = `(() => { ` + visibleJS + `
const short = s => (s || '').replace(/\s+/g, ' ').trim().slice(0, 70);
const de = document.documentElement;
const res = {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, wide: [], cells: [], words: [], codes: [], compare: [], innerScroll: [],
  h1: '', homeLink: false, benchTables: 0, benchCells: 0, rows: document.querySelectorAll('table.scorecard tbody tr').length};

// Where a cell is: its table's caption, its row's header, its column's header.
const where = c => {
  const table = c.closest('table');
  const cap = table && table.caption ? short(table.caption.innerText).slice(0, 40) : (table ? (table.className || 'table') : '');
  const tr = c.parentElement;
  const rowHead = tr ? tr.querySelector('th[scope=row], th') : null;
  let col = '';
  if (table && table.tHead) {
    const heads = colHeads(table);
    col = heads[colIndex(c)] || '';
  }
  const inHead = tr && tr.parentElement && tr.parentElement.tagName === 'THEAD';
  return '[' + cap + '] ' + (inHead ? 'header row' : 'row "' + short(rowHead ? rowHead.innerText : '').slice(0, 40) + '"') + ' column "' + short(col) + '"';
};
// The column a cell starts in, counting colspans.
const colIndex = c => { let i = 0; for (const s of c.parentElement.cells) { if (s === c) return i; i += s.colSpan || 1; } return i; };
// The header text of each column (the last header row wins; colspans spread).
const colHeads = table => {
  const heads = [];
  if (!table.tHead) return heads;
  for (const tr of table.tHead.rows) { let i = 0; for (const th of tr.cells) { for (let k = 0; k < (th.colSpan || 1); k++) heads[i + k] = short(th.innerText); i += th.colSpan || 1; } }
  return heads;
};

// What makes the page scroll sideways: the outermost elements reaching past the window's right edge.
if (de.scrollWidth > de.clientWidth + 1) {
  const edge = de.clientWidth + 1;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  // Inside an element that clips or scrolls sideways, nothing widens the page.
  const clipped = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right + window.scrollX;
    const pr = el.parentElement.getBoundingClientRect().right + window.scrollX;
    if (right > edge && (el.parentElement === document.body || pr <= edge) && !clipped(el)) found.push([right, (el.parentElement === document.body ? '' : name(el.parentElement) + ' > ') + name(el)]);
  }
  found.sort((a, b) => b[0] - a[0]);
  res.wide = found.slice(0, 4).map(([r, n]) => n + ' reaches ' + Math.round(r) + 'px');
}

// Table cells whose text runs outside them.
document.querySelectorAll('td, th').forEach(c => {
  if (!visible(c)) return;
  const r = c.getBoundingClientRect();
  let why = '';
  if (c.scrollWidth > c.clientWidth + 1) why = 'content ' + c.scrollWidth + 'px wide in a ' + c.clientWidth + 'px cell';
  else {
    for (const k of c.querySelectorAll('*')) {
      const b = k.getBoundingClientRect();
      if (b.width <= 1 && b.height <= 1) continue; // visually hidden text
      const cs = getComputedStyle(k);
      if (cs.position === 'fixed' || (cs.clip && cs.clip !== 'auto') || (cs.clipPath && cs.clipPath !== 'none')) continue;
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1) {
        why = '<' + k.tagName.toLowerCase() + '> "' + short(k.innerText || k.textContent).slice(0, 30) + '" at x ' + Math.round(b.left) + '..' + Math.round(b.right) +
          ', y ' + Math.round(b.top) + '..' + Math.round(b.bottom) + ' outside the cell x ' + Math.round(r.left) + '..' + Math.round(r.right) + ', y ' + Math.round(r.top) + '..' + Math.round(r.bottom);
        break;
      }
    }
  }
  if (why) res.cells.push(where(c) + ' "' + short(c.innerText).slice(0, 40) + '": ' + why);
});

// Tables that scroll sideways inside a wrapper (not a failure: reported for the record).
document.querySelectorAll('table').forEach(t => {
  if (!visible(t)) return;
  for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
    const ox = getComputedStyle(p).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && p.scrollWidth > p.clientWidth + 1) {
      res.innerScroll.push((t.caption ? short(t.caption.innerText).slice(0, 50) : t.className) + ': ' + p.scrollWidth + 'px in ' + p.clientWidth + 'px');
      break;
    }
  }
});

// Raw values a reader should never see, as whole words.
const text = document.body ? document.body.innerText : '';
const wordRe = /(^|[^A-Za-z0-9_])(None|null|NaN|undefined|no_target|no_data)(?![A-Za-z0-9_])/g;
let m;
while ((m = wordRe.exec(text)) !== null) {
  const at = m.index + m[1].length;
  res.words.push(m[2] + ' in "' + short(text.slice(Math.max(0, at - 35), at + m[2].length + 25)) + '"');
}

// Machine codes in tables and chart titles.
// The named ones, then any word a person would not write: one with an underscore
// (2yr_Ofsted_rating) or capitals inside it after lower case (TotFixedEx, ReReferral).
const codeRe = /TotPermEx|3&4yr_Ofsted_rating|PrevRegCPR|Emotional_LAC|(?<![\w.\/-])90284(?![\w.\/-])|(?<![\w&])[\w&]*[A-Za-z0-9]_[\w&]*[A-Za-z0-9](?![\w&])|(?<![\w&])(?!Mc)[A-Z][a-z]+[A-Z][A-Za-z]*(?![\w&])/g;
const scan = (where, s) => { let m; codeRe.lastIndex = 0; while ((m = codeRe.exec(s)) !== null) res.codes.push(m[0] + ' in ' + where + ': "' + short(s.slice(Math.max(0, m.index - 30), m.index + m[0].length + 20)) + '"'); };
document.querySelectorAll('table').forEach(t => { if (visible(t)) scan('table "' + (t.caption ? short(t.caption.innerText).slice(0, 40) : t.className) + '"', t.innerText); });
document.querySelectorAll('[_echarts_instance_], .chart-block .item[id]').forEach(el => {
  const inst = window.echarts ? echarts.getInstanceByDom(el) : null;
  if (!inst) return;
  const titles = [].concat(inst.getOption().title || []);
  titles.forEach(ti => scan('chart ' + el.id + ' title', [ti.text, ti.subtext].filter(Boolean).join(' / ')));
  // A chart's category labels are its rows' titles (the spine chart's indicators).
  ['xAxis', 'yAxis'].forEach(ax => [].concat(inst.getOption()[ax] || []).forEach(a => {
    if (a && a.type === 'category' && Array.isArray(a.data)) scan('chart ' + el.id + ' ' + ax + ' labels', a.data.map(d => (d && typeof d === 'object') ? d.value : d).join(' | '));
  }));
});
// A server-drawn chart's row labels, as the SVG's text.
document.querySelectorAll('svg.chart-svg[id]').forEach(svg => { if (visible(svg)) scan('chart ' + svg.id + ' labels', [...svg.querySelectorAll('text')].map(x => x.textContent).join(' | ')); });
document.querySelectorAll('.chart-block h2, .chart-block h3, .chart-block h4, figure figcaption, .chart-block caption').forEach(h => scan('chart heading', h.innerText));
// Headings are titles too (the exception report titles each row with its indicator).
document.querySelectorAll('h1, h2, h3, h4').forEach(h => { if (visible(h) && !h.closest('.chart-block, table')) scan(h.tagName.toLowerCase(), h.innerText); });

// Benchmark (comparator) cells in scorecard tables: the columns whose header names a comparator
// (statistical neighbours, region, England, comparator, benchmark) or that carry
// data-benchmark; and any cell that carries data-compare. Each must say in words how the area
// compares: data-compare on the cell (or an element in it) with one of the words, or the words
// in its text.
const compareWords = /\b(better|similar|worse|not compared|higher|lower)\b/i;
const benchHead = /neighbour|region|england|comparator|benchmark/i;
document.querySelectorAll('table.scorecard, table[data-scorecard]').forEach(t => {
  if (!visible(t)) return;
  const heads = [];
  if (t.tHead) for (const tr of t.tHead.rows) { let i = 0; for (const th of tr.cells) { const b = th.hasAttribute('data-benchmark') || benchHead.test(th.innerText); for (let k = 0; k < (th.colSpan || 1); k++) heads[i + k] = heads[i + k] || b; i += th.colSpan || 1; } }
  let any = false;
  for (const tb of t.tBodies) for (const tr of tb.rows) for (const c of tr.cells) {
    if (!(heads[colIndex(c)] || c.hasAttribute('data-compare'))) continue;
    any = true;
    res.benchCells++;
    const tagged = c.hasAttribute('data-compare') ? c : c.querySelector('[data-compare]');
    const attr = tagged ? tagged.getAttribute('data-compare') : '';
    if (compareWords.test((attr || '').replace(/[-_]/g, ' ')) || compareWords.test(c.innerText)) continue;
    res.compare.push(where(c) + ': "' + short(c.innerText).slice(0, 40) + '"' + (tagged ? ' data-compare="' + attr + '"' : ''));
  }
  if (any) res.benchTables++;
});

const h1 = document.querySelector('h1');
res.h1 = h1 ? short(h1.innerText) : '';
res.homeLink = [...document.querySelectorAll('a[href]')].some(a => a.getAttribute('href') === '/' || a.href === location.origin + '/');
return res;
})()`

type layout struct {
	ScrollWidth float64  `json:"scrollWidth"`
	ClientWidth float64  `json:"clientWidth"`
	Wide        []string `json:"wide"`
	Cells       []string `json:"cells"`
	Words       []string `json:"words"`
	Codes       []string `json:"codes"`
	Compare     []string `json:"compare"`
	InnerScroll []string `json:"innerScroll"`
	H1          string   `json:"h1"`
	HomeLink    bool     `json:"homeLink"`
	BenchTables int      `json:"benchTables"`
	BenchCells  int      `json:"benchCells"`
	Rows        int      `json:"rows"`
}

// pdfPages counts the pages of a PDF that Chromium printed: the /Count of its page tree, checked
// against the number of /Type /Page objects (Skia writes neither in object streams).
func pdfPages(pdf []byte) (int, error) {
	objs := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	count := 0
	for _, m := range regexp.MustCompile(`/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b`).FindAllSubmatch(pdf, -1) {
		for _, g := range m[1:] {
			if n, err := strconv.Atoi(string(g)); err == nil && n > count {
				count = n
			}
		}
	}
	switch {
	case count == 0 && objs == 0:
		return 0, fmt.Errorf("no pages found in %d bytes (compressed object streams?)", len(pdf))
	case count == 0:
		return objs, nil
	case objs != 0 && objs != count:
		return max(count, objs), fmt.Errorf("page tree /Count %d but %d /Type /Page objects", count, objs)
	}
	return count, nil
}

// TestBoardPagesReadable reads every board page, and the errors a reader may meet, at a laptop's,
// a tablet's and a phone's width and printed on A4 landscape, and reports everything that makes
// a page hard to read: sideways scroll, text running out of table cells, raw values (None, NaN,
// no_data), machine codes, benchmark cells that do not say how the area compares, error pages
// that are not pages, too many printed pages, and axe-core WCAG 2.2 AA violations. Every problem
// is its own error, and a summary by kind ends the run. It skips without Chromium unless
// SCORECARD_REQUIRE_BROWSER=1.
func TestBoardPagesReadable(t *testing.T) {
	exe := needChromium(t)
	axe := readAxe(t)
	ctx := context.Background()
	start := time.Now()
	srv := shippedServer(t)
	dir := artefactDir(t)

	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, browserFlags(t, exe)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	deadline, cancelDeadline := context.WithTimeout(bctx, 210*time.Second)
	defer cancelDeadline()

	fails := &failures{}
	// Two tabs at once: the machine has two cores, and a tab waits on the server half the time.
	sem := make(chan struct{}, 2)
	t.Run("pages", func(t *testing.T) {
		for _, pg := range boardPages {
			t.Run(pg.name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				began := time.Now()
				readPage(t, deadline, srv, pg, string(axe), dir, fails)
				t.Logf("%s read in %s", pg.path, time.Since(began).Round(time.Millisecond))
			})
		}
	})
	t.Logf("failures by kind (kind, total, per page):%s", fails.summary())
	t.Logf("artefacts in %s; all pages read in %s", dir, time.Since(start).Round(time.Millisecond))
}

// waitCharts waits until the page has loaded, its fonts are in, at least min charts are drawn and
// the drawing has stopped changing (ECharts animates), and reports whether it got there.
func waitCharts(ctx context.Context, min int, timeout time.Duration) (chartState, error) {
	end := time.Now().Add(timeout)
	var last chartState
	prev, same := "", 0
	for {
		st, err := chromedp.Run(ctx, chromedp.Evaluate[chartState](chartsReadyJS))
		if err != nil {
			return last, err
		}
		last = st
		ok := st.Ready && len(st.Charts) >= min
		for _, c := range st.Charts {
			if !c.Instance || c.Painted == 0 {
				ok = false
			}
		}
		if sig := st.signature(); ok && sig == prev {
			same++
			if same >= 2 {
				return st, nil
			}
		} else {
			prev, same = sig, 0
		}
		if time.Now().After(end) {
			return last, fmt.Errorf("after %s: ready %v, %d charts (want at least %d) %+v", timeout, st.Ready, len(st.Charts), min, st.Charts)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// readPage loads one page once, then reads it at each width and prints it.
func readPage(t *testing.T, deadline context.Context, srv *httptest.Server, pg boardPage, axe, dir string, f *failures) {
	tctx, cancel := chromedp.NewContext(deadline)
	defer cancel()
	fail := func(kind, format string, args ...any) { t.Helper(); f.add(t, pg.name, kind, format, args...) }

	w0 := boardWidths[0]
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(w0.w, w0.h)); err != nil {
		fail(kLoad, "%s: %v", pg.path, err)
		return
	}
	// The browser's navigation asks for text/html first, as a reader's does.
	resp, err := chromedp.Run(tctx, chromedp.NavigateResponse(srv.URL+pg.path))
	if err != nil {
		fail(kLoad, "%s: %v", pg.path, err)
		return
	}
	if err := chromedp.Do(tctx, chromedp.WaitReady("body")); err != nil {
		fail(kLoad, "%s: %v", pg.path, err)
		return
	}
	ctype := ""
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "content-type") {
			ctype = fmt.Sprint(v)
		}
	}
	if pg.kind == "error" {
		if resp.Status < 400 || resp.Status > 499 {
			fail(kStatus, "%s: status %d, want a 4xx", pg.path, resp.Status)
		}
		if !strings.HasPrefix(ctype, "text/html") {
			fail(kStatus, "%s: content type %q, want text/html for a browser (Accept: text/html)", pg.path, ctype)
		}
	} else if resp.Status != 200 || !strings.HasPrefix(ctype, "text/html") {
		fail(kStatus, "%s: status %d, content type %q, want 200 text/html", pg.path, resp.Status, ctype)
	}

	// axe-core, through the DevTools protocol (the page's CSP forbids injected scripts); it stays
	// in the page across viewport changes.
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[*runtime.RemoteObject](axe)); err != nil {
		fail(kLoad, "%s: inject axe-core: %v", pg.path, err)
		return
	}

	for i, vw := range boardWidths {
		at := fmt.Sprintf("%s at %dpx", pg.path, vw.w)
		if i > 0 {
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(vw.w, vw.h)); err != nil {
				fail(kLoad, "%s: %v", at, err)
				continue
			}
		}
		if _, err := waitCharts(tctx, pg.minCharts, 12*time.Second); err != nil {
			fail(kCharts, "%s: %v", at, err)
		}
		if pg.kind == "scorecard" && pg.minCharts == 0 {
			explained, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`!!document.querySelector('p.no-chart') && !document.querySelector('[_echarts_instance_], svg.chart-svg')`))
			if err != nil || !explained {
				fail(kCharts, "%s: a scorecard without a chart must say why in p.no-chart, not draw an empty frame (%v)", at, err)
			}
		}
		png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
		if err != nil {
			fail(kLoad, "%s: screenshot: %v", at, err)
		} else {
			shot := filepath.Join(dir, fmt.Sprintf("board-%s-%d.png", pg.name, vw.w))
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", shot)
		}

		var lay layout
		if lay, err = chromedp.Run(tctx, chromedp.Evaluate[layout](layoutJS)); err != nil {
			fail(kLoad, "%s: measuring the layout: %v", at, err)
			continue
		}
		if lay.ScrollWidth > lay.ClientWidth+1 {
			fail(kSideways, "%s: the page is %.0fpx wide in a %.0fpx window (widest: %s)", at, lay.ScrollWidth, lay.ClientWidth, strings.Join(lay.Wide, "; "))
		}
		f.each(t, pg.name, kCell, at, lay.Cells)
		for _, s := range lay.InnerScroll {
			t.Logf("%s: table scrolls sideways inside its wrapper: %s", at, s)
		}
		// Words and codes are the same at every width: report them once.
		if i == 0 {
			f.each(t, pg.name, kWords, pg.path, lay.Words)
			f.each(t, pg.name, kCodes, pg.path, lay.Codes)
		}
		if pg.kind == "scorecard" || pg.kind == "area" {
			if lay.BenchCells == 0 && i == 0 {
				fail(kCompare, "%s: no benchmark cells found (want columns headed statistical neighbours/region/England, or td[data-compare])", pg.path)
			}
			f.each(t, pg.name, kCompare, at, lay.Compare)
		}
		if pg.kind == "error" && i == 0 {
			if lay.H1 == "" {
				fail(kError, "%s: no h1", pg.path)
			}
			if !lay.HomeLink {
				fail(kError, "%s: no link to /", pg.path)
			}
		}

		res, err := chromedp.Run(tctx, chromedp.Evaluate[string](axeJS(), chromedp.EvalAwaitPromise))
		if err != nil {
			fail(kAxe, "%s: axe did not run: %v", at, err)
			continue
		}
		var report struct {
			Violations []violation `json:"violations"`
			Passes     int         `json:"passes"`
		}
		if err := json.Unmarshal([]byte(res), &report); err != nil {
			fail(kAxe, "%s: axe result: %v", at, err)
			continue
		}
		for _, v := range report.Violations {
			fail(kAxe, "%s: %s (%s): %s\n  %s", at, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
		if report.Passes < 5 {
			fail(kAxe, "%s: axe passed only %d rules: did it run?", at, report.Passes)
		}
	}

	// A4 landscape, as a board pack is printed: from a desktop browser, so the charts are laid
	// out for the desktop (and then redrawn for the paper by charts.js) first.
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(w0.w, w0.h)); err != nil {
		fail(kLoad, "%s: back to %dpx before printing: %v", pg.path, w0.w, err)
	}
	time.Sleep(100 * time.Millisecond) // the charts' resize handlers
	yes := true
	pdf, err := chromedp.Call(tctx, page.PrintToPDF, page.PrintToPDFParams{Landscape: &yes, PrintBackground: &yes,
		PaperWidth: 11.69, PaperHeight: 8.27})
	if err != nil {
		fail(kPDFFailed, "%s: %v", pg.path, err)
		return
	}
	name := filepath.Join(dir, "board-"+pg.name+".pdf")
	if err := os.WriteFile(name, pdf.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := pdfPages(pdf.Data)
	if err != nil {
		fail(kPDFFailed, "%s: counting pages of %s: %v", pg.path, name, err)
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF-")) {
		fail(kPDFFailed, "%s: %s is not a PDF", pg.path, name)
	}
	t.Logf("%s prints on %d A4 landscape pages (%s)", pg.path, n, name)
	if pg.maxPDF > 0 && n > pg.maxPDF {
		fail(kPDF, "%s prints on %d A4 landscape pages, want at most %d", pg.path, n, pg.maxPDF)
	}
}
