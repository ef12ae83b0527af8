package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// workspace is a server for the analyst's workspace test: the example local return loaded and
// evaluated, authentication on, and tokens made through auth.
type workspace struct {
	url     string
	app     *scorecard.App
	secrets map[string]string // uploader, admin
}

func workspaceServer(t *testing.T) *workspace {
	t.Helper()
	ctx := context.Background()
	// The real clock: the browser keeps the session cookie until the session's expiry, which
	// a fixed clock in the past would put before now.
	app, err := scorecard.Open(ctx, scorecard.Config{})
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
	w := &workspace{app: app, secrets: map[string]string{}}
	for _, p := range []struct {
		name  string
		role  auth.Role
		areas []string
	}{{"uploader", auth.Uploader, []string{auth.AllAreas}}, {"admin", auth.Admin, nil}} {
		_, secret, err := app.Auth.Create(ctx, "analyst-"+p.name, p.role, p.areas)
		if err != nil {
			t.Fatal(err)
		}
		w.secrets[p.name] = secret
	}
	srv := httptest.NewServer((&api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog,
		Areas: app.Areas, Auth: app.Auth}).Handler())
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// returns are the files the test uploads, made from the shipped example local return: the
// corrected one revises Poole's 2016-17 Q4 figure (85.3 becomes 88.4); the mistaken one also has
// a word for a number (line 8) and an unknown area (line 11).
func returns(t *testing.T) (mistaken, corrected string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "returns", "example_local_return.csv"))
	if err != nil {
		t.Fatal(err)
	}
	corrected = strings.Replace(string(b), "836,2016-17 Q4,85.3,", "836,2016-17 Q4,88.4,", 1)
	mistaken = strings.Replace(corrected, "836,2016-17 Q3,80.9,", "836,2016-17 Q3,eighty,", 1) +
		"secondary-good-outstanding-schools,Atlantis,2016-17 Q4,50,,,\n"
	if corrected == string(b) || !strings.Contains(mistaken, "eighty") {
		t.Fatal("the example local return has changed: update the test's edits")
	}
	return mistaken, corrected
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pageReport is what the test reads about a page in the browser.
type pageReport struct {
	ScrollWidth float64 `json:"scrollWidth"`
	ClientWidth float64 `json:"clientWidth"`
	H1          string  `json:"h1"`
	Text        string  `json:"text"`
	// Overflowing are the table cells and definitions whose content is wider than they are.
	Overflowing []string `json:"overflowing"`
}

const pageReportJS = `(() => ({scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
  h1: (document.querySelector('h1') || {innerText: ''}).innerText, text: document.body.innerText,
  overflowing: [...document.querySelectorAll('td, th, dd')].filter(c => c.scrollWidth > c.clientWidth + 1)
    .map(c => (c.dataset.label || c.tagName) + ': ' + c.innerText.slice(0, 60))}))()`

// TestWorkspace is the analyst's story in a browser, at a laptop's width and a phone's: an
// uploader signs in with a token, uploads a file with mistakes and reads its problems as a
// table, downloads them as CSV, uploads the corrected file and sees the preview of its effect,
// confirms, sees the new revision and its diff, and signs out; an admin signs in and restores
// the earlier revision after seeing the change it would make, and signs out. A POST without the
// CSRF token and a request with a revoked token's session are refused. Every page is
// screenshot into the artefacts directory and checked: no sideways scroll, no axe-core WCAG 2.2
// AA violation.
func TestWorkspace(t *testing.T) {
	exe := needChromium(t)
	axe := readAxe(t)
	dir := artefactDir(t)
	files := t.TempDir()
	mistaken := filepath.Join(files, "poole-return-draft.csv")
	corrected := filepath.Join(files, "poole-return.csv")
	mistakenReturn, correctedReturn := returns(t)
	for path, content := range map[string]string{mistaken: mistakenReturn, corrected: correctedReturn} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), browserFlags(t, exe)...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}

	for _, width := range []struct {
		name string
		w, h int64
	}{{"1440", 1440, 900}, {"390", 390, 844}} {
		t.Run(width.name, func(t *testing.T) {
			ws := workspaceServer(t)
			deadline, cancel := context.WithTimeout(bctx, 90*time.Second)
			defer cancel()
			tctx, cancelTab := chromedp.NewContext(deadline)
			defer cancelTab()
			if err := chromedp.Do(tctx, chromedp.EmulateViewport(width.w, width.h)); err != nil {
				t.Fatal(err)
			}
			step := 0
			// look screenshots the page, checks it and returns what it says.
			look := func(name string) pageReport {
				t.Helper()
				step++
				if err := chromedp.Do(tctx, chromedp.WaitReady("main")); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				shot := filepath.Join(dir, fmt.Sprintf("workspace-%s-%02d-%s.png", width.name, step, name))
				if err := os.WriteFile(shot, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot %s", shot)
				rep, err := chromedp.Run(tctx, chromedp.Evaluate[pageReport](pageReportJS))
				if err != nil {
					t.Fatal(err)
				}
				if rep.ScrollWidth > rep.ClientWidth+1 {
					t.Errorf("%s: sideways scroll at %s px (%v px of content)", name, width.name, rep.ScrollWidth)
				}
				for _, c := range rep.Overflowing {
					t.Errorf("%s: text outside its cell at %s px: %s", name, width.name, c)
				}
				if _, err := chromedp.Run(tctx, chromedp.Evaluate[*runtime.RemoteObject](axe)); err != nil {
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
					t.Fatalf("axe result: %v", err)
				}
				for _, v := range report.Violations {
					t.Errorf("%s: axe %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
				}
				if report.Passes < 10 {
					t.Errorf("%s: axe passed only %d rules: did it run?", name, report.Passes)
				}
				return rep
			}
			// submit clicks a form's button and returns the status of the page it leads to.
			submit := func(button string) int64 {
				t.Helper()
				resp, err := chromedp.RunResponse(tctx, chromedp.Click(button))
				if err != nil {
					t.Fatalf("submit %s: %v", button, err)
				}
				return resp.Status
			}
			wantText := func(rep pageReport, what string, want ...string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(rep.Text, w) {
						t.Errorf("%s: the page does not say %q", what, w)
					}
				}
			}
			// signIn signs in through the sign-in page with the token, as a person pastes it.
			signIn := func(who string) {
				t.Helper()
				if err := chromedp.Do(tctx, chromedp.Navigate(ws.url+"/sign-in?next=/datasets")); err != nil {
					t.Fatal(err)
				}
				look("sign-in-" + who)
				if err := chromedp.Do(tctx, chromedp.SendKeys(`#token`, ws.secrets[who])); err != nil {
					t.Fatal(err)
				}
				if status := submit(`form.entry button[type=submit]`); status != 200 {
					t.Fatalf("sign in as %s: the page after it has status %d", who, status)
				}
				rep, err := chromedp.Run(tctx, chromedp.Evaluate[pageReport](pageReportJS))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(rep.Text, "Signed in as analyst-"+who) || rep.H1 != "Datasets" {
					t.Fatalf("after signing in as %s: h1 %q, the header does not say who is signed in:\n%.300s", who, rep.H1, rep.Text)
				}
			}
			signOut := func() {
				t.Helper()
				if status := submit(`header.site form[action="/sign-out"] button`); status != 200 {
					t.Errorf("sign out: the page after it has status %d", status)
				}
				rep := look("signed-out")
				if strings.Contains(rep.Text, "Signed in as") {
					t.Error("still signed in after signing out")
				}
			}
			// post sends a form from the page as a script could, with the browser's cookies: the
			// status it gets.
			post := func(path, body string) int {
				t.Helper()
				status, err := chromedp.Run(tctx, chromedp.Evaluate[int](`(async () => (await fetch(`+jsString(path)+`, {method: 'POST',
  headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: `+jsString(body)+`, redirect: 'manual'})).status)()`, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatal(err)
				}
				return status
			}

			// The uploader signs in and opens the local return.
			signIn("uploader")
			rep := look("datasets")
			wantText(rep, "the datasets page", "local_returns", "Revision 1: Accepted")
			if _, err := chromedp.RunResponse(tctx, chromedp.Click(`a[href="/datasets/local_returns"]`)); err != nil {
				t.Fatal(err)
			}
			rep = look("dataset")
			wantText(rep, "the dataset page", "Upload a new revision", "Revisions", "The format it expects", "Download a template CSV")

			// A file with mistakes: its problems as a table.
			if err := chromedp.Do(tctx, chromedp.SetUploadFiles(`#file`, []string{mistaken})); err != nil {
				t.Fatal(err)
			}
			if status := submit(`form.upload button[type=submit]`); status != 422 {
				t.Errorf("upload of a file with mistakes = %d, want 422", status)
			}
			rep = look("problems")
			if rep.H1 != "Your file was not loaded" {
				t.Errorf("h1 = %q after a file with mistakes", rep.H1)
			}
			wantText(rep, "the problems page", "2 problems were found in the file, so nothing was stored.", "eighty", "Atlantis",
				"Not a number or a suppression marker.", "Unknown area")
			visible, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => { const t = document.querySelector('table.problems');
  if (!t) return false; const r = t.getBoundingClientRect(); return r.width > 0 && r.height > 0 && t.querySelectorAll('tbody tr').length === 2; })()`))
			if err != nil || !visible {
				t.Errorf("the problems table is not visible with 2 rows (%v)", err)
			}

			// The problems as CSV, downloaded as the page's link does it (with the session).
			csvText, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(async () => {
  const a = document.querySelector('a[href$="/problems.csv"]'); const r = await fetch(a.href);
  return r.status + ' ' + r.headers.get('Content-Disposition') + '\n' + await r.text(); })()`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(csvText, `200 attachment; filename="local_returns-revision-2-problems.csv"`) ||
				!strings.Contains(csvText, "row,column,value,reason,line\n8,value,eighty,not a number or a suppression marker,") ||
				!strings.Contains(csvText, "11,area,Atlantis,") {
				t.Errorf("problems.csv download:\n%s", csvText)
			}

			// A form posted without the CSRF token is refused, and stores nothing.
			if status := post("/datasets/local_returns/upload", "file=x"); status != 403 {
				t.Errorf("a POST without the CSRF token = %d, want 403", status)
			}

			// The corrected file: its preview, then confirmed.
			if err := chromedp.Do(tctx, chromedp.SetUploadFiles(`#file`, []string{corrected})); err != nil {
				t.Fatal(err)
			}
			if status := submit(`form.upload button[type=submit]`); status != 200 {
				t.Errorf("upload of the corrected file = %d, want 200 (its preview)", status)
			}
			rep = look("preview")
			if rep.H1 != "Check what your file would change" {
				t.Errorf("h1 = %q after the corrected file, want its preview", rep.H1)
			}
			wantText(rep, "the preview", "poole-return.csv", "9 rows", "Secondary pupils in good or outstanding schools", "Value: 85.3% → 88.4%",
				"Confirm and store the file", "Cancel")
			if err := chromedp.Do(tctx, chromedp.WaitVisible(`.notice[role=status] strong`)); err != nil {
				t.Errorf("the preview's summary is not visible: %v", err)
			}
			if status := submit(`form[action$="/confirm"] button[type=submit]`); status != 200 {
				t.Errorf("confirm led to a page with status %d, want 200 (after 303)", status)
			}
			rep = look("new-revision")
			if rep.H1 != "Revision 3 of local_returns" {
				t.Errorf("h1 = %q after confirming, want the new revision 3", rep.H1)
			}
			wantText(rep, "the new revision", "Accepted", "(current)", "poole-return.csv", "9 rows", "Stored: this is the dataset's current revision")

			// Its diff, from the revision's page.
			if _, err := chromedp.RunResponse(tctx, chromedp.Click(`a[href$="/revisions/3/diff"]`)); err != nil {
				t.Fatal(err)
			}
			rep = look("diff")
			if rep.H1 != "Changes in revision 3" {
				t.Errorf("h1 = %q on the diff page", rep.H1)
			}
			wantText(rep, "the diff", "compared with revision 1", "1 row changed, 0 rows added, 0 rows removed and 8 rows unchanged.",
				"Poole (E06000029)", "value: 85.3 → 88.4", "Download every change as CSV")
			diffCSV, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(async () => {
  const r = await fetch(document.querySelector('a[href*="/diff?format=csv"]').href); return r.status + '\n' + await r.text(); })()`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.HasPrefix(diffCSV, "200\n") || !strings.Contains(diffCSV, "changed,secondary-good-outstanding-schools,E06000029,la,2016-17 Q4,") {
				t.Errorf("the diff's CSV (%v):\n%s", err, diffCSV)
			}
			signOut()

			// The admin restores the earlier revision, after seeing the change it would make.
			signIn("admin")
			if _, err := chromedp.RunResponse(tctx, chromedp.Navigate(ws.url+"/datasets/local_returns")); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.RunResponse(tctx, chromedp.Click(`a[href="/datasets/local_returns/revisions/1/restore"]`)); err != nil {
				t.Fatal(err)
			}
			rep = look("restore")
			if rep.H1 != "Restore revision 1 of local_returns?" {
				t.Errorf("h1 = %q on the restore page", rep.H1)
			}
			wantText(rep, "the restore page", "The change it would make to the current revision", "value: 88.4 → 85.3")
			if status := submit(`form[action$="/revisions/1/restore"] button[type=submit]`); status != 200 {
				t.Errorf("restore led to a page with status %d, want 200 (after 303)", status)
			}
			rep = look("restored")
			if rep.H1 != "Revision 4 of local_returns" {
				t.Errorf("h1 = %q after the restore, want the new revision 4", rep.H1)
			}
			wantText(rep, "the restored revision", "Restored from revision 1", "(current)", "9 rows", "Stored: this is the dataset's current revision")
			signOut()

			// A revoked token's session is refused: the browser is signed out, and its upload
			// is not accepted.
			signIn("uploader")
			tok, err := ws.app.Auth.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tok {
				if k.Name == "analyst-uploader" {
					if _, err := ws.app.Auth.Revoke(context.Background(), k.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := chromedp.RunResponse(tctx, chromedp.Navigate(ws.url+"/datasets/local_returns")); err != nil {
				t.Fatal(err)
			}
			rep = look("revoked")
			if strings.Contains(rep.Text, "Signed in as") || !strings.Contains(rep.Text, "Sign in to upload") {
				t.Error("a revoked token's session still shows as signed in")
			}
			if status := post("/datasets/local_returns/upload", "file=x"); status != 401 {
				t.Errorf("a POST with a revoked token's session = %d, want 401", status)
			}
		})
	}
}
