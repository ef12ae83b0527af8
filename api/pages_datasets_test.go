package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
)

// formFile is a multipart/form-data body with the file field "file", as the upload form sends.
func formFile(tb testing.TB, fileName, content string) *requestBody {
	tb.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("_csrf", ""); err != nil {
		tb.Fatal(err)
	}
	fw, err := w.CreateFormFile("file", fileName)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write([]byte(content))
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return &requestBody{data: b.Bytes(), contentType: w.FormDataContentType()}
}

// page asks for an analysts' page as a browser does.
func (f *secureFixture) page(tb testing.TB, who, method, path string, body *requestBody) (int, string, http.Header) {
	tb.Helper()
	rec := f.call(tb, who, method, path, body, "Accept", "text/html,application/xhtml+xml")
	return rec.Code, rec.Body.String(), rec.Header()
}

func wantAll(tb testing.TB, what, body string, want ...string) {
	tb.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			tb.Errorf("%s lacks %q", what, w)
		}
	}
}

func wantNone(tb testing.TB, what, body string, unwanted ...string) {
	tb.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			tb.Errorf("%s has %q", what, w)
		}
	}
}

const (
	// badPooleReturn has two mistakes: a value that is not a number (line 2) and an empty value
	// (line 3), on rows for Poole (836), the own-area uploader's area.
	badPooleReturn = "indicator,area,period,value,note\n" +
		"secondary-good-outstanding-schools,836,2016-17 Q4,lots,first draft\n" +
		"secondary-good-outstanding-schools,836,2016-17 Q3,,\n"
	goodPooleReturn = "indicator,area,period,value,note\n" +
		"secondary-good-outstanding-schools,836,2016-17 Q4,88.4,checked\n"
)

func TestDatasetsListPage(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	code, body, h := f.page(t, asNone, http.MethodGet, "/datasets", nil)
	if code != http.StatusOK {
		t.Fatalf("GET /datasets = %d\n%s", code, body)
	}
	if cc := h.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q, want private (the page varies by who asks)", cc)
	}
	wantAll(t, "the datasets page", body, "<h1>Datasets</h1>", `<a href="/datasets/local_returns">local_returns</a>`,
		"The product&#39;s simple return", `<a href="/datasets/local_returns/revisions/1">Revision 1</a>: Accepted, 23 November 2026, 09:00 UTC, by shipped-data`,
		"<code>testdata/returns/example_local_return.csv</code>", `<a href="/datasets">Datasets</a>`)
	readers := 0
	for _, d := range f.app.Catalog.All() {
		if d.Source.Dataset == "local_returns" {
			readers++
			wantAll(t, "the datasets page", body, template.HTMLEscapeString(d.Title)+`: <span class="muted">last evaluated 23 November 2026, 09:00 UTC, on revision 1`)
		}
	}
	if readers == 0 {
		t.Fatal("no shipped indicator reads local_returns: choose another dataset for this test")
	}
}

func TestDatasetPage(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	t.Run("history, indicators and expected format, for anyone", func(t *testing.T) {
		code, body, _ := f.page(t, asNone, http.MethodGet, "/datasets/local_returns", nil)
		if code != http.StatusOK {
			t.Fatalf("GET = %d\n%s", code, body)
		}
		wantAll(t, "the dataset page", body, "<h1>local_returns</h1>",
			`<caption>Revisions of local_returns, newest first</caption>`,
			`<td data-label="Revision"><a href="/datasets/local_returns/revisions/1">Revision 1</a></td>`,
			`<span class="status status-accepted">Accepted</span> <span class="current">(current)</span>`,
			`<time datetime="2026-11-23T09:00:00Z">23 November 2026, 09:00 UTC</time> by shipped-data`,
			"Files for local_returns must be simple_return files",
			`<caption>Columns of a simple_return file</caption>`,
			`<td data-label="Column"><code>indicator</code></td><td data-label="Required">Required</td><td data-label="Holds">Text</td>`,
			`<td data-label="Column"><code>numerator</code></td><td data-label="Required">Optional</td><td data-label="Holds">Numbers, a suppression marker`,
			`<td data-label="area">SN:836</td>`,
			`<a href="/datasets/local_returns/template.csv?format=simple_return" download>`,
			"Uploading needs an uploader&#39;s or an administrator&#39;s account.",
			`<a href="/sign-in?next=%2Fdatasets%2Flocal_returns">Sign in to upload</a>`)
		wantNone(t, "the dataset page for a visitor", body, `<form class="upload"`)
		revs, err := f.sets.Revisions(context.Background(), "local_returns")
		if err != nil {
			t.Fatal(err)
		}
		wantAll(t, "the dataset page", body, `<code title="`+revs[0].SHA256+`">`+revs[0].SHA256[:12]+`</code>`)
	})
	t.Run("the upload form for an uploader", func(t *testing.T) {
		_, body, _ := f.page(t, asUploaderOwn, http.MethodGet, "/datasets/local_returns", nil)
		wantAll(t, "the dataset page for an uploader", body,
			`<form class="upload" method="post" action="/datasets/local_returns/upload" enctype="multipart/form-data">`,
			`<label for="file">CSV file</label>`, `<input type="file" id="file" name="file"`,
			"You may load rows only for Poole (E06000029)")
		wantNone(t, "the dataset page for an uploader", body, "Sign in to upload")
	})
	t.Run("no form for a viewer, and why", func(t *testing.T) {
		_, body, _ := f.page(t, asViewer, http.MethodGet, "/datasets/local_returns", nil)
		wantAll(t, "the dataset page for a viewer", body, "viewer is a viewer.")
		wantNone(t, "the dataset page for a viewer", body, `<form class="upload"`)
	})
	t.Run("a dataset waiting for its first upload", func(t *testing.T) {
		code, body, _ := f.page(t, asAdmin, http.MethodGet, "/datasets/targets", nil)
		if code != http.StatusOK {
			t.Fatalf("GET /datasets/targets = %d", code)
		}
		wantAll(t, "the targets page", body, "Nothing has been loaded into this dataset yet.", "There are no revisions yet.",
			"Files for targets must be targets files", `<form class="upload"`, "You may load rows for any area.")
	})
}

func TestDatasetTemplateCSV(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	for _, tt := range []struct {
		path, dataset, format, file string
	}{
		{"/datasets/local_returns/template.csv", "local_returns", "simple_return", "local_returns-simple_return-template.csv"},
		{"/datasets/targets/template.csv", "targets", "targets", "targets-targets-template.csv"},
		{"/datasets/local_returns/template.csv?format=simple_return", "local_returns", "simple_return", "local_returns-simple_return-template.csv"},
	} {
		rec := f.call(t, asNone, http.MethodGet, tt.path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", tt.path, rec.Code, rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="`+tt.file+`"` {
			t.Errorf("%s: Content-Disposition = %q", tt.path, cd)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("%s: Content-Type = %q", tt.path, ct)
		}
		tab, err := datasets.Parse(rec.Body.Bytes(), datasets.ParseOptions{Catalog: f.app.Catalog, Dataset: tt.dataset, Now: fixedNow})
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", tt.path, err, rec.Body)
		}
		if tab.Format.Name != tt.format || tab.Rows() != 2 {
			t.Errorf("%s parses as %s with %d rows, want %s", tt.path, tab.Format.Name, tab.Rows(), tt.format)
		}
	}
	// A dataset whose indicators need one format offers no other.
	if rec := f.call(t, asNone, http.MethodGet, "/datasets/local_returns/template.csv?format=fingertips", nil, "Accept", "text/html"); rec.Code != http.StatusNotFound {
		t.Errorf("a template of another format = %d, want 404", rec.Code)
	}
}

// The upload form's whole story without a browser: a file with mistakes is refused with its
// problems as a table, shown in full to its uploader and admins and without values to others,
// downloadable as CSV; a corrected file is accepted and leads to its revision.
func TestUploadPageAndProblems(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	code, body, _ := f.page(t, asUploaderOwn, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "poole-q4.csv", badPooleReturn))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("upload of a bad file = %d, want 422\n%s", code, body)
	}
	id := f.revisionCount(t, "poole_returns")
	if id == 0 {
		t.Fatal("no rejected revision recorded")
	}
	revs, _ := f.sets.Revisions(context.Background(), "poole_returns")
	rejected := revs[0]
	if rejected.Status != datasets.Rejected || rejected.ErrorCount != 2 {
		t.Fatalf("revision = %+v, want rejected with 2 problems", rejected)
	}
	revURL := "/datasets/poole_returns/revisions/" + strconv.FormatInt(rejected.ID, 10)
	valueRow := `<tr><td data-label="Row">2</td><td data-label="Column">value</td><td data-label="Value"><code>lots</code></td>` +
		`<td data-label="Reason">Not a number or a suppression marker.</td><td data-label="Line"><code class="line">secondary-good-outstanding-schools,836,2016-17 Q4,lots,first draft</code></td></tr>`
	wantAll(t, "the refused upload's page", body, "<h1>Your file was not loaded</h1>", `role="alert"`,
		"2 problems were found in the file, so nothing was stored.", valueRow,
		`<td data-label="Row">3</td><td data-label="Column">value</td><td data-label="Value"><code></code></td><td data-label="Reason">Value is empty`,
		`<a href="`+revURL+`">revision `+strconv.FormatInt(rejected.ID, 10)+`</a>`,
		`<a href="`+revURL+`/problems.csv" download>Download the problems as CSV</a>`,
		`<form class="upload" method="post" action="/datasets/poole_returns/upload"`)

	t.Run("the rejected revision's page, by who asks", func(t *testing.T) {
		for _, who := range []string{asUploaderOwn, asAdmin} {
			code, body, _ := f.page(t, who, http.MethodGet, revURL, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: GET %s = %d", who, revURL, code)
			}
			wantAll(t, who+"'s revision page", body, "<h1>Revision "+strconv.FormatInt(rejected.ID, 10)+" of poole_returns</h1>",
				`<span class="status status-rejected">Rejected</span>`, "<code>poole-q4.csv</code>", "<code>"+rejected.SHA256+"</code>",
				"2 problems", valueRow, `<th scope="col">Line of the file</th>`)
		}
		for _, who := range []string{asNone, asViewer, asUploaderOther} {
			code, body, _ := f.page(t, who, http.MethodGet, revURL, nil)
			if code != http.StatusOK {
				t.Fatalf("%s: GET %s = %d", who, revURL, code)
			}
			wantAll(t, who+"'s revision page", body, `<td data-label="Row">2</td><td data-label="Column">value</td><td data-label="Reason">Not a number or a suppression marker.</td>`,
				"The values and the lines of the file are shown only to the person who uploaded it and to administrators.")
			wantNone(t, who+"'s revision page", body, "lots", "first draft", `<th scope="col">Value</th>`, `data-label="Line"`)
		}
	})

	t.Run("the problems as CSV", func(t *testing.T) {
		for _, tt := range []struct {
			who  string
			want [][]string
		}{
			{asUploaderOwn, [][]string{{"row", "column", "value", "reason", "line"},
				{"2", "value", "lots", "not a number or a suppression marker", "secondary-good-outstanding-schools,836,2016-17 Q4,lots,first draft"},
				{"3", "value", "", "value is empty (write a suppression marker such as c or x if the figure is withheld)", "secondary-good-outstanding-schools,836,2016-17 Q3,,"}}},
			{asViewer, [][]string{{"row", "column", "reason"}, {"2", "value", "not a number or a suppression marker"},
				{"3", "value", "value is empty (write a suppression marker such as c or x if the figure is withheld)"}}},
		} {
			rec := f.call(t, tt.who, http.MethodGet, revURL+"/problems.csv", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: problems.csv = %d %s", tt.who, rec.Code, rec.Body)
			}
			want := `attachment; filename="poole_returns-revision-` + strconv.FormatInt(rejected.ID, 10) + `-problems.csv"`
			if cd := rec.Header().Get("Content-Disposition"); cd != want {
				t.Errorf("Content-Disposition = %q, want %q", cd, want)
			}
			got, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%s: problems.csv = %q, want %q", tt.who, got, tt.want)
			}
			for i := range got {
				if strings.Join(got[i], "|") != strings.Join(tt.want[i], "|") {
					t.Errorf("%s: problems.csv row %d = %q, want %q", tt.who, i, got[i], tt.want[i])
				}
			}
		}
	})

	t.Run("a corrected file is previewed, then confirmed, and leads to its revision", func(t *testing.T) {
		before := f.revisionCount(t, "poole_returns")
		code, preview, _ := f.page(t, asUploaderOwn, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "poole-q4-fixed.csv", goodPooleReturn))
		if code != http.StatusOK {
			t.Fatalf("upload of a good file = %d, want 200 (the preview)\n%s", code, preview)
		}
		wantAll(t, "the preview", preview, "<h1>Check what your file would change</h1>", "<code>poole-q4-fixed.csv</code>", "<dd>1 row</dd>",
			"Confirm and store the file", `<button class="button secondary" type="submit">Cancel</button>`)
		if got := f.revisionCount(t, "poole_returns"); got != before {
			t.Fatalf("the preview stored a revision (%d -> %d)", before, got)
		}
		action, sha := confirmForm(t, preview)
		rec := f.call(t, asUploaderOwn, http.MethodPost, action, formBody(url.Values{"sha256": {sha}}), "Accept", "text/html")
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("confirm = %d, want 303\n%s", rec.Code, rec.Body)
		}
		loc := rec.Header().Get("Location")
		if !regexp.MustCompile(`^/datasets/poole_returns/revisions/\d+\?stored=evaluated$`).MatchString(loc) || strings.HasPrefix(loc, revURL+"?") {
			t.Fatalf("Location = %q, want the new revision's page", loc)
		}
		code, body, _ := f.page(t, asViewer, http.MethodGet, loc, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", loc, code)
		}
		wantAll(t, "the new revision's page", body, `<span class="status status-accepted">Accepted</span> <span class="current">(current)</span>`,
			"<code>poole-q4-fixed.csv</code>", "<dd>1 row</dd>", "<dd>simple_return</dd>", "by uploader-own-area [", "<code>"+sha+"</code>",
			"Stored: this is the dataset&#39;s current revision, and the indicators that read it have been evaluated again.")
		wantNone(t, "an accepted revision's page", body, `<h2 id="problems">`)
		if rec := f.call(t, asViewer, http.MethodGet, strings.TrimSuffix(loc, "?stored=evaluated")+"/problems.csv", nil); rec.Code != http.StatusNotFound {
			t.Errorf("problems.csv of an accepted revision = %d, want 404", rec.Code)
		}
		// The stage is gone once confirmed.
		if rec := f.call(t, asUploaderOwn, http.MethodPost, action, formBody(url.Values{"sha256": {sha}}), "Accept", "text/html"); rec.Code != http.StatusNotFound {
			t.Errorf("a second confirm = %d, want 404", rec.Code)
		}
	})

	t.Run("a cancelled preview stores nothing", func(t *testing.T) {
		before := f.revisionCount(t, "poole_returns")
		_, preview, _ := f.page(t, asUploaderOwn, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "again.csv", goodPooleReturn))
		action, sha := confirmForm(t, preview)
		cancel := strings.TrimSuffix(action, "/confirm") + "/cancel"
		rec := f.call(t, asUploaderOwn, http.MethodPost, cancel, formBody(url.Values{}), "Accept", "text/html")
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/datasets/poole_returns?cancelled=1" {
			t.Fatalf("cancel = %d %q", rec.Code, rec.Header().Get("Location"))
		}
		_, body, _ := f.page(t, asUploaderOwn, http.MethodGet, "/datasets/poole_returns?cancelled=1", nil)
		wantAll(t, "the dataset page after a cancel", body, "The upload was cancelled: the file was not stored")
		if rec := f.call(t, asUploaderOwn, http.MethodPost, action, formBody(url.Values{"sha256": {sha}}), "Accept", "text/html"); rec.Code != http.StatusNotFound {
			t.Errorf("confirm after cancel = %d, want 404", rec.Code)
		}
		if got := f.revisionCount(t, "poole_returns"); got != before {
			t.Errorf("revisions %d -> %d after a cancelled preview", before, got)
		}
	})

	t.Run("another token cannot confirm a preview", func(t *testing.T) {
		_, preview, _ := f.page(t, asUploaderOwn, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "mine.csv", goodPooleReturn))
		action, sha := confirmForm(t, preview)
		if rec := f.call(t, asAdmin, http.MethodPost, action, formBody(url.Values{"sha256": {sha}}), "Accept", "text/html"); rec.Code != http.StatusNotFound {
			t.Errorf("confirm by another token = %d, want 404", rec.Code)
		}
		if rec := f.call(t, asUploaderOwn, http.MethodPost, action, formBody(url.Values{"sha256": {strings.Repeat("0", 64)}}), "Accept", "text/html"); rec.Code != http.StatusConflict {
			t.Errorf("confirm with another SHA-256 = %d, want 409", rec.Code)
		}
	})

	t.Run("rows outside the uploader's areas are refused with the rows listed", func(t *testing.T) {
		before := f.revisionCount(t, "poole_returns")
		code, body, _ := f.page(t, asUploaderOwn, http.MethodPost, "/datasets/poole_returns/upload",
			formFile(t, "leics.csv", "indicator,area,period,value\nsecondary-good-outstanding-schools,855,2016-17 Q4,70\n"))
		if code != http.StatusForbidden {
			t.Fatalf("upload for another area = %d, want 403\n%s", code, body)
		}
		wantAll(t, "the refused upload's page", body, "<h1>Your file was not loaded</h1>", `<td data-label="Row">2</td><td data-label="Column">area</td>`)
		if after := f.revisionCount(t, "poole_returns"); after != before {
			t.Errorf("revisions %d -> %d: a refused upload stored something", before, after)
		}
	})

	t.Run("who may not upload is refused", func(t *testing.T) {
		for who, want := range map[string]int{asNone: http.StatusUnauthorized, asViewer: http.StatusForbidden, asRevoked: http.StatusUnauthorized} {
			before := f.revisionCount(t, "poole_returns")
			code, body, _ := f.page(t, who, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "x.csv", goodPooleReturn))
			if code != want || !strings.Contains(body, "<!DOCTYPE html>") {
				t.Errorf("%s: upload = %d, want %d as a page", who, code, want)
			}
			if after := f.revisionCount(t, "poole_returns"); after != before {
				t.Errorf("%s: revisions %d -> %d", who, before, after)
			}
		}
	})
}

var confirmRE = regexp.MustCompile(`<form method="post" action="([^"]+/confirm)">\s*<input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="sha256" value="([0-9a-f]{64})">`)

// confirmForm is the action and SHA-256 of a preview page's Confirm form.
func confirmForm(tb testing.TB, page string) (action, sha string) {
	tb.Helper()
	m := confirmRE.FindStringSubmatch(page)
	if m == nil {
		tb.Fatalf("no confirm form in the page:\n%s", page)
	}
	return m[1], m[2]
}

func formBody(v url.Values) *requestBody {
	return &requestBody{data: []byte(v.Encode()), contentType: "application/x-www-form-urlencoded"}
}

func TestDatasetPagesNotFound(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	for _, path := range []string{
		"/datasets/no_such_dataset", "/datasets/Not-A-Name", "/datasets/local_returns/revisions/999",
		"/datasets/local_returns/revisions/abc", "/datasets/local_returns/revisions/1/problems.csv",
		"/datasets/no_such_dataset/template.csv", "/datasets/local_returns?page=9",
	} {
		code, body, _ := f.page(t, asAdmin, http.MethodGet, path, nil)
		if code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
			continue
		}
		wantAll(t, "the 404 page of "+path, body, "<!DOCTYPE html>", "<h1>We could not find that</h1>", `<a href="/datasets">Go to the list of datasets</a>`)
	}
}

// A long list of problems is in pages of 25 on the revision's page, and whole in the CSV.
func TestRevisionProblemsInPages(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for i := 0; i < 30; i++ {
		y := 2000 + i/4
		b.WriteString(fmt.Sprintf("secondary-good-outstanding-schools,836,%d-%02d Q%d,bad%d\n", y, (y+1)%100, i%4+1, i))
	}
	code, body, _ := f.page(t, asAdmin, http.MethodPost, "/datasets/poole_returns/upload", formFile(t, "many.csv", b.String()))
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("upload = %d\n%s", code, body)
	}
	// The answer to the upload lists every problem kept.
	if n := strings.Count(body, `<td data-label="Reason">`); n != 30 {
		t.Errorf("the upload's answer lists %d problems, want every one of the 30", n)
	}
	revs, _ := f.sets.Revisions(context.Background(), "poole_returns")
	revURL := "/datasets/poole_returns/revisions/" + strconv.FormatInt(revs[0].ID, 10)
	total := len(revs[0].Errors)
	_, first, _ := f.page(t, asAdmin, http.MethodGet, revURL, nil)
	wantAll(t, "page 1", first, "Problems 1 to 25 of "+strconv.Itoa(total), `<a href="`+revURL+`?page=2" rel="next">Next page</a>`,
		"<code>bad0</code>", "<code>bad24</code>")
	wantNone(t, "page 1", first, "<code>bad25</code>", "Previous page")
	code, second, _ := f.page(t, asAdmin, http.MethodGet, revURL+"?page=2", nil)
	if code != http.StatusOK {
		t.Fatalf("page 2 = %d", code)
	}
	wantAll(t, "page 2", second, "Problems 26 to "+strconv.Itoa(min(50, total))+" of "+strconv.Itoa(total), "<code>bad25</code>",
		`<a href="`+revURL+`?page=1" rel="prev">Previous page</a>`)
	wantNone(t, "page 2", second, "<code>bad24</code>")
	rec := f.call(t, asAdmin, http.MethodGet, revURL+"/problems.csv", nil)
	rows, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || len(rows) != total+1 {
		t.Errorf("problems.csv has %d rows (%v), want a header and %d problems", len(rows), err, total)
	}
}

// A signed-in browser's upload, confirm and cancel forms each need the session's CSRF token: a
// form without it is refused (403) and changes nothing; with it the story goes through.
func TestUploadFormsNeedTheCSRFToken(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asUploaderOwn])
	page := b.do(http.MethodGet, "/datasets/poole_returns", nil)
	if page.Code != http.StatusNotFound {
		// poole_returns has no revision yet, and no indicator reads it: its page is not found.
		t.Fatalf("GET /datasets/poole_returns = %d", page.Code)
	}
	page = b.do(http.MethodGet, "/datasets/local_returns", nil)
	token := csrf(t, page.Body.String())
	wantAll(t, "the signed-in dataset page", page.Body.String(), `<form class="upload" method="post" action="/datasets/local_returns/upload" enctype="multipart/form-data">`+
		"\n"+`<input type="hidden" name="_csrf" value="`+token+`">`)

	// uploadAs posts the upload form as the browser does, the CSRF field first.
	uploadAs := func(csrfToken string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		if csrfToken != "" {
			w.WriteField("_csrf", csrfToken)
		}
		fw, _ := w.CreateFormFile("file", "poole.csv")
		fw.Write([]byte(goodPooleReturn))
		w.Close()
		req := httptest.NewRequest(http.MethodPost, "/datasets/poole_returns/upload", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Accept", "text/html")
		for name, value := range b.cookies {
			req.AddCookie(&http.Cookie{Name: name, Value: value})
		}
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		return rec
	}
	for _, bad := range []string{"", "not-the-token"} {
		if rec := uploadAs(bad); rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "security token is missing or out of date") {
			t.Errorf("upload with CSRF token %q = %d", bad, rec.Code)
		}
	}
	rec := uploadAs(token)
	if rec.Code != http.StatusOK {
		t.Fatalf("upload with the CSRF token = %d\n%s", rec.Code, rec.Body)
	}
	preview := rec.Body.String()
	action, sha := confirmForm(t, preview)
	if got := csrf(t, preview); got != token {
		t.Errorf("the preview's forms carry CSRF token %q, want the session's %q", got, token)
	}
	before := f.revisionCount(t, "poole_returns")
	if rec := b.do(http.MethodPost, action, url.Values{"sha256": {sha}}); rec.Code != http.StatusForbidden {
		t.Errorf("confirm without the CSRF token = %d, want 403", rec.Code)
	}
	if rec := b.do(http.MethodPost, strings.TrimSuffix(action, "/confirm")+"/cancel", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("cancel without the CSRF token = %d, want 403", rec.Code)
	}
	if got := f.revisionCount(t, "poole_returns"); got != before {
		t.Fatalf("refused forms stored revisions: %d -> %d", before, got)
	}
	rec = b.do(http.MethodPost, action, url.Values{"sha256": {sha}, "_csrf": {token}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/datasets/poole_returns/revisions/") {
		t.Fatalf("confirm with the CSRF token = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	revisionPage := b.do(http.MethodGet, rec.Header().Get("Location"), nil)
	wantAll(t, "the confirmed revision", revisionPage.Body.String(), "Accepted", "<code>"+sha+"</code>", "Signed in as uploader-own-area")
	if cc := revisionPage.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("a signed-in page's Cache-Control = %q", cc)
	}
}

// The compare page: counts and changed rows with old and new values, linked from the history,
// with the CSV of every change; the restore page: the change it would make, then the restore.
func TestDiffAndRestorePages(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	ctx := context.Background()
	b, err := scorecard.ShippedFile("testdata/returns/example_local_return.csv")
	if err != nil {
		t.Fatal(err)
	}
	revised := strings.Replace(string(b), "836,2016-17 Q4,85.3,", "836,2016-17 Q4,88.4,", 1)
	rev2, _, err := f.app.Load(ctx, "local_returns", strings.NewReader(revised), datasets.Upload{FileName: "revised.csv", By: "analyst"})
	if err != nil {
		t.Fatal(err)
	}
	diffURL := fmt.Sprintf("/datasets/local_returns/revisions/%d/diff", rev2.ID)

	_, history, _ := f.page(t, asUploaderOwn, http.MethodGet, "/datasets/local_returns", nil)
	wantAll(t, "the history for an uploader", history, `<a href="`+diffURL+`">Changes</a>`)
	wantNone(t, "the history for an uploader", history, "/restore")
	_, history, _ = f.page(t, asAdmin, http.MethodGet, "/datasets/local_returns", nil)
	wantAll(t, "the history for an admin", history, `<a href="/datasets/local_returns/revisions/1/restore">Restore</a>`)
	wantNone(t, "the history for an admin", history, fmt.Sprintf(`revisions/%d/restore`, rev2.ID))

	code, body, _ := f.page(t, asAdmin, http.MethodGet, diffURL, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", diffURL, code, body)
	}
	wantAll(t, "the diff page", body, fmt.Sprintf("<h1>Changes in revision %d</h1>", rev2.ID), `compared with <a href="/datasets/local_returns/revisions/1">revision 1</a>`,
		"1 row changed, 0 rows added, 0 rows removed and 8 rows unchanged.",
		`<td data-label="Change">Changed</td><td data-label="indicator">secondary-good-outstanding-schools</td><td data-label="Area">Poole (E06000029)</td>`,
		`<td data-label="Period">2016-17 Q4 (January to March 2017)</td>`, `<li>value: 85.3 <span aria-label="becomes">→</span> 88.4</li>`,
		fmt.Sprintf(`<a href="/api/v1/datasets/local_returns/revisions/%d/diff?format=csv&amp;against=1" download>`, rev2.ID),
		`<option value="1" selected>Revision 1`)
	wantNone(t, "the diff of the current revision", body, fmt.Sprintf("revisions/%d/restore", rev2.ID))
	if rec := f.call(t, asAdmin, http.MethodGet, fmt.Sprintf("/api/v1/datasets/local_returns/revisions/%d/diff?format=csv&against=1", rev2.ID), nil); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), "changed,secondary-good-outstanding-schools,E06000029,la,2016-17 Q4,836,836,2016-17 Q4,2016-17 Q4,85.3,88.4,") {
		t.Errorf("the diff's CSV link: %d\n%s", rec.Code, rec.Body)
	}
	for who, want := range map[string]int{asNone: http.StatusUnauthorized, asViewer: http.StatusForbidden} {
		if code, _, _ := f.page(t, who, http.MethodGet, diffURL, nil); code != want {
			t.Errorf("%s: diff page = %d, want %d", who, code, want)
		}
	}
	code, body, _ = f.page(t, asAdmin, http.MethodGet, "/datasets/local_returns/revisions/1/diff", nil)
	if code != http.StatusOK {
		t.Fatalf("the first revision's diff = %d", code)
	}
	wantAll(t, "the first revision's diff", body, "is the first of local_returns: every row is new.", "9 rows added",
		`<a href="/datasets/local_returns/revisions/1/restore">Restore revision 1</a>`)

	// Restore: the page shows the change against the current revision; confirming restores.
	for who, want := range map[string]int{asNone: http.StatusUnauthorized, asUploaderOwn: http.StatusForbidden} {
		if code, _, _ := f.page(t, who, http.MethodGet, "/datasets/local_returns/revisions/1/restore", nil); code != want {
			t.Errorf("%s: restore page = %d, want %d", who, code, want)
		}
	}
	code, body, _ = f.page(t, asAdmin, http.MethodGet, "/datasets/local_returns/revisions/1/restore", nil)
	if code != http.StatusOK {
		t.Fatalf("restore page = %d\n%s", code, body)
	}
	wantAll(t, "the restore page", body, "<h1>Restore revision 1 of local_returns?</h1>", "1 row changed, 0 rows added, 0 rows removed and 8 rows unchanged.",
		`<li>value: 88.4 <span aria-label="becomes">→</span> 85.3</li>`, `<form method="post" action="/datasets/local_returns/revisions/1/restore">`,
		`<button class="button" type="submit">Restore revision 1</button>`)
	rec := f.call(t, asAdmin, http.MethodPost, "/datasets/local_returns/revisions/1/restore", formBody(url.Values{}), "Accept", "text/html")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("restore = %d\n%s", rec.Code, rec.Body)
	}
	revs, _ := f.sets.Revisions(ctx, "local_returns")
	if revs[0].Status != datasets.Restored || revs[0].RestoredFrom != 1 || !revs[0].Current ||
		rec.Header().Get("Location") != fmt.Sprintf("/datasets/local_returns/revisions/%d?stored=evaluated", revs[0].ID) {
		t.Fatalf("after the restore: %+v, Location %q", revs[0], rec.Header().Get("Location"))
	}
	_, body, _ = f.page(t, asAdmin, http.MethodGet, rec.Header().Get("Location"), nil)
	wantAll(t, "the restored revision", body, "Restored from revision 1", `<a href="/datasets/local_returns/revisions/1">revision 1</a>`)
	_, body, _ = f.page(t, asAdmin, http.MethodGet, "/datasets/local_returns/revisions/1/restore", nil)
	wantNone(t, "the restore page of a revision whose rows are current again", body, "<h1>We could not find that</h1>")
}

// An upload that no indicator reads is stored with a warning, shown on its revision's page.
func TestNoOpWarningOnTheRevisionPage(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	rev, _, err := f.app.Load(context.Background(), "spare_figures", strings.NewReader(goodPooleReturn), datasets.Upload{FileName: "spare.csv", By: "analyst"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Warnings) == 0 {
		t.Fatal("no warning for a dataset no indicator reads")
	}
	_, body, _ := f.page(t, asViewer, http.MethodGet, fmt.Sprintf("/datasets/spare_figures/revisions/%d", rev.ID), nil)
	wantAll(t, "the revision page", body, `<h2 id="warnings">Warnings</h2>`, "no indicator reads the dataset spare_figures")
}

// The form's second button merges: the file replaces only its areas' rows.
func TestUploadFormMerge(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "local_returns")
	_, page, _ := f.page(t, asAdmin, http.MethodGet, "/datasets/local_returns", nil)
	wantAll(t, "an admin's upload form", page, `<button class="button secondary" type="submit" formaction="/datasets/local_returns/upload?merge=true">`)
	_, page, _ = f.page(t, asUploaderOwn, http.MethodGet, "/datasets/local_returns", nil)
	wantNone(t, "an area-limited uploader's upload form", page, "formaction=")
	wantAll(t, "an area-limited uploader's upload form", page, "the file replaces those areas&#39; rows and keeps the others")

	poole := "indicator,area,period,value,numerator,denominator,note\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4,,,revised\n"
	code, preview, _ := f.page(t, asAdmin, http.MethodPost, "/datasets/local_returns/upload?merge=true", formFile(t, "poole-only.csv", poole))
	if code != http.StatusOK {
		t.Fatalf("merge preview = %d\n%s", code, preview)
	}
	action, sha := confirmForm(t, preview)
	rec := f.call(t, asAdmin, http.MethodPost, action, formBody(url.Values{"sha256": {sha}}), "Accept", "text/html")
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("confirm = %d\n%s", rec.Code, rec.Body)
	}
	d, err := f.sets.Get(context.Background(), "local_returns")
	if err != nil {
		t.Fatal(err)
	}
	// Poole's five rows become one; the South West, England, SN and Leicestershire rows stay.
	if d.Current.Rows != 5 || d.Current.FileName != "poole-only.csv" {
		t.Errorf("after the merge: %d rows from %s, want 5 (Poole's one and the 4 of other areas)", d.Current.Rows, d.Current.FileName)
	}
}
