package api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/definitions"
)

// postFile posts a definition upload form as the browser does (the CSRF field first), with the
// browser's cookies.
func (b *browser) postFile(path, csrfToken, fileName, content string) *httptest.ResponseRecorder {
	b.tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if csrfToken != "" {
		w.WriteField("_csrf", csrfToken)
	}
	fw, _ := w.CreateFormFile("file", fileName)
	fw.Write([]byte(content))
	w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	req.RemoteAddr = b.remote
	for name, value := range b.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	return rec
}

// The revisions page of an indicator: the history for anyone; for a signed-in admin the upload
// form (CSRF-protected), a refused file's problems as a table with nothing changed, a stored
// file as a new current revision, and a restore button. The indicator and scorecard pages link
// to it only for signed-in users.
func TestDefinitionRevisionsPage(t *testing.T) {
	f := newSecureFixture(t, api.Config{}, "ees_cin_referrals")
	code, anon, _ := f.page(t, asNone, http.MethodGet, "/indicators/rereferrals/revisions", nil)
	if code != http.StatusOK {
		t.Fatalf("anonymous revisions page: %d", code)
	}
	wantAll(t, "the anonymous revisions page", anon, "<h1>Revisions of rereferrals</h1>", "Revision 0", "Built in", "(current)",
		"Sign in to change it", "Re-referrals to children&#39;s social care within 12 months")
	wantNone(t, "the anonymous revisions page", anon, `<form class="upload"`, "Restore revision")
	for _, path := range []string{"/areas/E06000023/indicators/rereferrals", "/scorecards/poole-childrens-trust"} {
		_, board, _ := f.page(t, asNone, http.MethodGet, path, nil)
		wantNone(t, "the anonymous "+path, board, "/revisions\">")
	}

	b := newBrowser(t, f.handler)
	b.mustSignIn(f.secrets[asAdmin])
	page := b.do(http.MethodGet, "/indicators/rereferrals/revisions", nil)
	token := csrf(t, page.Body.String())
	wantAll(t, "the admin's revisions page", page.Body.String(),
		`<form class="upload" method="post" action="/indicators/rereferrals/revisions" enctype="multipart/form-data">`+"\n"+`<input type="hidden" name="_csrf" value="`+token+`">`)
	if cc := page.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("the revisions page's Cache-Control = %q", cc)
	}
	for _, path := range []string{"/areas/E06000023/indicators/rereferrals", "/scorecards/poole-childrens-trust"} {
		board := b.do(http.MethodGet, path, nil).Body.String()
		want := map[string]string{"/areas/E06000023/indicators/rereferrals": `<a href="/indicators/rereferrals/revisions">`,
			"/scorecards/poole-childrens-trust": `<a href="/scorecards/poole-childrens-trust/revisions">`}[path]
		wantAll(t, "the signed-in "+path, board, want)
	}

	// Without the CSRF token the form is refused and nothing is stored.
	if rec := b.postFile("/indicators/rereferrals/revisions", "", "rereferrals.yaml", rereferralsYAML); rec.Code != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: %d", rec.Code)
	}
	// A file with problems: every problem in the table, nothing stored.
	bad := strings.NewReplacer("unit: percentage", "unit: percent", "value: rereferral_percent", "value: no_such_column").Replace(rereferralsYAML)
	rec := b.postFile("/indicators/rereferrals/revisions", token, "rereferrals.yaml", bad)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad upload: %d %s", rec.Code, rec.Body)
	}
	wantAll(t, "the refused upload", rec.Body.String(), "2 problems were found, so nothing was stored and nothing changed.",
		`<caption>Problems in the definition</caption>`, "<code>unit</code>", "<code>percent</code>", "<code>source.value</code>",
		"Dataset ees_cin_referrals has no column &#34;no_such_column&#34;")
	revs, err := f.app.DefinitionRevisions(context.Background(), definitions.Indicator, "rereferrals")
	if err != nil || len(revs) != 1 {
		t.Fatalf("after a refused upload: %d revisions (%v)", len(revs), err)
	}
	// A good file is stored and current.
	rec = b.postFile("/indicators/rereferrals/revisions", token, "rereferrals.yaml", rereferralsYAML)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/indicators/rereferrals/revisions?stored=1" {
		t.Fatalf("good upload: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	page = b.do(http.MethodGet, rec.Header().Get("Location"), nil)
	wantAll(t, "the page after the upload", page.Body.String(), "Revision 1 was stored and is now current.", "Revision 1", "Stored",
		"Re-referrals within 12 months (revised)", `action="/indicators/rereferrals/revisions/0/restore"`, "Restore revision 0",
		`href="/api/v1/indicators/rereferrals/revisions/1/diff?format=text"`)
	if d, _ := f.app.Catalog.Get("rereferrals"); d.Title != "Re-referrals within 12 months (revised)" {
		t.Errorf("the catalogue's title is %q", d.Title)
	}
	// Restore the built-in revision from its button.
	rec = b.do(http.MethodPost, "/indicators/rereferrals/revisions/0/restore", url.Values{"_csrf": {token}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/indicators/rereferrals/revisions?stored=2" {
		t.Fatalf("restore: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	page = b.do(http.MethodGet, rec.Header().Get("Location"), nil)
	wantAll(t, "the page after the restore", page.Body.String(), "Restored from revision 0")
	if d, _ := f.app.Catalog.Get("rereferrals"); d.Title != "Re-referrals to children's social care within 12 months" {
		t.Errorf("after the restore the title is %q", d.Title)
	}

	// An uploader for one area sees the form with the rule, and is refused on the indicator.
	u := newBrowser(t, f.handler)
	u.mustSignIn(f.secrets[asUploaderOwn])
	page = u.do(http.MethodGet, "/indicators/rereferrals/revisions", nil)
	wantAll(t, "the uploader's page", page.Body.String(), "An indicator is evaluated for every area")
	if rec := u.postFile("/indicators/rereferrals/revisions", csrf(t, page.Body.String()), "r.yaml", rereferralsYAML); rec.Code != http.StatusForbidden {
		t.Errorf("uploader's indicator upload: %d", rec.Code)
	}
	// The scorecard page of revisions takes its own area's scorecard from the uploader.
	page = u.do(http.MethodGet, "/scorecards/poole-childrens-trust/revisions", nil)
	card := "id: poole-childrens-trust\ntitle: Poole (short)\narea: \"836\"\npriorities:\n  - title: One\n    items:\n      - indicator: rereferrals\n"
	rec = u.postFile("/scorecards/poole-childrens-trust/revisions", csrf(t, page.Body.String()), "poole.yaml", card)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("uploader's scorecard upload: %d %s", rec.Code, rec.Body)
	}
	if code, _, _ := f.page(t, asNone, http.MethodGet, "/indicators/no-such/revisions", nil); code != http.StatusNotFound {
		t.Errorf("revisions page of an unknown indicator: %d", code)
	}
}
