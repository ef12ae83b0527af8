package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
)

// Adversarial review of the analyst's workspace (issue 15): dry runs, staged confirms, diffs,
// merges and sessions, each attacked the way an outside client would.

const (
	asBCP    = "review-bcp"            // an uploader for E06000058 only
	asLeics  = "review-leicestershire" // an uploader for E10000018 only
	ofstedID = "secondary-good-outstanding-schools"
)

// reviewFixture is a secure fixture with the local returns loaded and two more area uploaders.
func reviewFixture(t *testing.T) *secureFixture {
	t.Helper()
	f := newSecureFixture(t, api.Config{}, "local_returns")
	for who, area := range map[string]string{asBCP: "E06000058", asLeics: "E10000018"} {
		tok, secret, err := f.app.Auth.Create(context.Background(), who, auth.Uploader, []string{area})
		if err != nil {
			t.Fatal(err)
		}
		f.secrets[who], f.tokens[who] = secret, tok
	}
	return f
}

// dryRun previews data as who and returns the preview (status 200 required).
func (f *secureFixture) dryRun(t *testing.T, who, dataset, data string, query ...string) previewAnswer {
	t.Helper()
	path := "/api/v1/datasets/" + dataset + "/revisions?dry_run=true"
	for _, q := range query {
		path += "&" + q
	}
	rec := f.call(t, who, http.MethodPost, path, csvBody(data))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s dry run of %s: %d %s", who, dataset, rec.Code, rec.Body)
	}
	return decode[previewAnswer](t, rec.Body.Bytes())
}

// A dry run of a merge by an area-limited token predicts exactly what the real merge then
// changes: the would-be revision (rows, merge, merged_from) and every judgement change.
func TestReviewAreaMergeDryRunPredictsTheUpload(t *testing.T) {
	f := reviewFixture(t)
	// Leicestershire adds its own rows to the shared local_returns: a merge, carrying over
	// Poole's, the comparators' and everyone else's rows.
	data := "indicator,area,period,value,numerator,denominator,note\n" +
		"ni50-emotional-health,855,2009,60.1,,,review\n" +
		ofstedID + ",855,2016-17 Q3,70,,,review\n"
	before := stored(t, f.engine)
	current := f.currentRevision(t, "local_returns")
	p := f.dryRun(t, asLeics, "local_returns", data)
	if !p.Revision.Merge || p.Revision.MergedFrom != current.ID || p.Revision.RowsUploaded != 2 {
		t.Errorf("would-be revision %+v, want a merge from %d of 2 rows", p.Revision, current.ID)
	}
	rec := f.call(t, asLeics, http.MethodPost, p.Stage.ConfirmURL, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	got := decode[mergeAnswer](t, rec.Body.Bytes()).Revision
	if got.Rows != p.Revision.Rows || got.RowsUploaded != p.Revision.RowsUploaded || got.MergedFrom != p.Revision.MergedFrom || got.SHA256 != p.Stage.SHA256 {
		t.Errorf("stored revision %+v, previewed %+v", got, p.Revision)
	}
	if want, real := previewList(p), diffOf(before, stored(t, f.engine)); !reflect.DeepEqual(want, real) {
		t.Errorf("the dry run reported\n%s\nthe merge made\n%s", strings.Join(want, "\n"), strings.Join(real, "\n"))
	}
	// The BCP uploader's targets merge beside Leicestershire's: previewed, then stored.
	f.upload(t, asLeics, "/api/v1/datasets/targets/revisions", targetsHeader+ofstedID+",855,2016-17 Q3,60,1\n", http.StatusCreated)
	before = stored(t, f.engine)
	p = f.dryRun(t, asBCP, datasets.TargetsDataset, targetsHeader+ofstedID+",839,2016-17 Q3,60,1\n")
	if !p.Revision.Merge || p.Revision.Rows != 2 || p.Revision.RowsUploaded != 1 {
		t.Errorf("BCP's would-be targets revision %+v", p.Revision)
	}
	if rec := f.call(t, asBCP, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusCreated {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	if want, real := previewList(p), diffOf(before, stored(t, f.engine)); !reflect.DeepEqual(want, real) {
		t.Errorf("the targets dry run reported\n%s\nthe merge made\n%s", strings.Join(want, "\n"), strings.Join(real, "\n"))
	}
}

func (f *secureFixture) currentRevision(t *testing.T, name string) datasets.Revision {
	t.Helper()
	revs, err := f.sets.Revisions(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range revs {
		if r.Current {
			return r
		}
	}
	t.Fatalf("%s has no current revision", name)
	return datasets.Revision{}
}

// Dry runs of odd files: duplicate keys (422, nothing staged), a header alone, and a dataset no
// indicator reads (its warning is in the preview as in the upload).
func TestReviewDryRunOddFiles(t *testing.T) {
	f := reviewFixture(t)
	const h = "indicator,area,period,value\n"
	rec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=true",
		csvBody(h+ofstedID+",836,2016-17 Q1,1\n"+ofstedID+",836,2016-17 Q1,2\n"))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"row":3`) {
		t.Errorf("duplicate keys: %d %s", rec.Code, rec.Body)
	}
	// A header alone: previewed as the real upload then answers it.
	empty := h
	prec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/review_empty/revisions?dry_run=true", csvBody(empty))
	urec := f.call(t, asAdmin, http.MethodPost, "/api/v1/datasets/review_empty/revisions", csvBody(empty))
	if (prec.Code == http.StatusOK) != (urec.Code == http.StatusCreated) {
		t.Errorf("a header alone: dry run %d %s, upload %d %s", prec.Code, prec.Body, urec.Code, urec.Body)
	}
	// Nobody reads poole_returns: the preview warns as the upload does.
	p := f.dryRun(t, asUploaderOwn, "review_unread", h+pooleRow)
	up := f.upload(t, asUploaderOwn, "/api/v1/datasets/review_unread/revisions", h+pooleRow, http.StatusCreated)
	if len(p.Revision.Warnings) == 0 || !reflect.DeepEqual(p.Revision.Warnings, up.Revision.Warnings) {
		t.Errorf("warnings: preview %q, upload %q", p.Revision.Warnings, up.Revision.Warnings)
	}
}

// Concurrent dry runs and loads of one dataset: every one answers (no 500), the previews stage
// their files, and the dataset ends with one revision per load.
func TestReviewConcurrentDryRunsAndLoads(t *testing.T) {
	f := reviewFixture(t)
	before := f.revisionCount(t, "local_returns")
	const h = "indicator,area,period,value,numerator,denominator,note\n"
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := fmt.Sprintf("%s%s,836,2016-17 Q1,%d,,,\n", h, ofstedID, 50+i)
			path := "/api/v1/datasets/local_returns/revisions"
			who := asAdmin
			if i%2 == 0 {
				path += "?dry_run=true"
				who = asUploaderOwn
			}
			codes[i] = f.call(t, who, http.MethodPost, path, csvBody(data)).Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		want := http.StatusCreated
		if i%2 == 0 {
			want = http.StatusOK
		}
		if c != want && c != http.StatusTooManyRequests {
			t.Errorf("request %d: %d, want %d", i, c, want)
		}
	}
	loads := 0
	for i := 1; i < len(codes); i += 2 {
		if codes[i] == http.StatusCreated {
			loads++
		}
	}
	if got := f.revisionCount(t, "local_returns"); got != before+loads {
		t.Errorf("%d revisions after %d loads, want %d", got, loads, before+loads)
	}
}

// Another token's merge lands between a preview and its confirmation: the confirmation
// re-checks the file and merges it into the NEW current revision (the other token's rows are
// kept), storing exactly the staged bytes. It is not a 409: a merge only replaces the
// uploader's own areas, which nobody else may change.
func TestReviewConfirmAfterAnotherMerge(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/targets/revisions"
	f.upload(t, asAdmin, path, targetsHeader+ofstedID+",836,2016-17 Q3,70,1\n", http.StatusCreated)
	data := targetsHeader + ofstedID + ",839,2016-17 Q3,60,1\n"
	p := f.dryRun(t, asBCP, datasets.TargetsDataset, data)
	if p.Revision.Rows != 2 {
		t.Errorf("preview rows %d, want 2", p.Revision.Rows)
	}
	other := f.upload(t, asLeics, path, targetsHeader+ofstedID+",855,2016-17 Q3,65,1\n", http.StatusCreated).Revision
	rec := f.call(t, asBCP, http.MethodPost, p.Stage.ConfirmURL, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirm after another merge: %d %s", rec.Code, rec.Body)
	}
	rev := decode[mergeAnswer](t, rec.Body.Bytes()).Revision
	sum := sha256.Sum256([]byte(data))
	if rev.MergedFrom != other.ID || rev.Rows != 3 || rev.RowsUploaded != 1 || rev.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("confirmed revision %+v, want a merge from %d with 3 rows and the staged SHA-256", rev, other.ID)
	}
	// The confirmation re-checks everything: a token whose areas no longer allow the file (here:
	// another token presenting the stage) cannot use it.
	p = f.dryRun(t, asBCP, datasets.TargetsDataset, data)
	if rec := f.call(t, asLeics, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another area's token confirming: %d %s", rec.Code, rec.Body)
	}
}

// Staged confirmations: a replay is 404 and stores one revision; another dataset's URL, odd
// stage ids and another token's cancel are 404; a SHA-256 in upper case or with spaces is the
// same hash; a staged file changed on disk is refused (409) and nothing is stored.
func TestReviewStagedConfirm(t *testing.T) {
	f := reviewFixture(t)
	data := "indicator,area,period,value,numerator,denominator,note\n" + ofstedID + ",836,2016-17 Q1,61,,,\n"
	p := f.dryRun(t, asUploaderOwn, "local_returns", data)
	n := f.revisionCount(t, "local_returns")
	for _, id := range []string{"..", "%2e%2e", "..%2f..%2fetc%2fpasswd", strings.Repeat("a", 1000), "%E2%98%83", url.PathEscape("é" + p.Stage.ID), strings.ToUpper(p.Stage.ID), p.Stage.ID + "%00"} {
		rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/local_returns/staged/"+id+"?sha256="+p.Stage.SHA256, nil)
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
			t.Errorf("stage id %.40q: %d %s", id, rec.Code, rec.Body)
		}
		if rec := f.call(t, asUploaderOwn, http.MethodDelete, "/api/v1/datasets/local_returns/staged/"+id, nil); rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
			t.Errorf("cancel stage id %.40q: %d %s", id, rec.Code, rec.Body)
		}
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, "/api/v1/datasets/targets/staged/"+p.Stage.ID+"?sha256="+p.Stage.SHA256, nil); rec.Code != http.StatusNotFound {
		t.Errorf("another dataset's URL: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asAdmin, http.MethodDelete, p.Stage.CancelURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("an admin cancelling another token's stage: %d %s", rec.Code, rec.Body)
	}
	sha := "%20" + strings.ToUpper(p.Stage.SHA256) + "%20"
	rec := f.call(t, asUploaderOwn, http.MethodPost, p.Stage.CancelURL+"?sha256="+sha, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirm with the SHA-256 in upper case with spaces: %d %s", rec.Code, rec.Body)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("a replayed confirm: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "local_returns"); got != n+1 {
		t.Errorf("%d revisions, want %d", got, n+1)
	}

	// Tampered on disk: the bytes are hashed again and refused.
	p = f.dryRun(t, asUploaderOwn, "local_returns", data)
	files, err := filepath.Glob(filepath.Join(os.TempDir(), "scorecard-staged-*", p.Stage.ID+".upload"))
	if err != nil || len(files) != 1 {
		t.Fatalf("staged file of %s: %v %v", p.Stage.ID, files, err)
	}
	evil := strings.Replace(data, ",61,", ",99,", 1)
	if err := os.WriteFile(files[0], []byte(evil), 0o600); err != nil {
		t.Fatal(err)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusConflict {
		t.Errorf("a tampered staged file: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "local_returns"); got != n+1 {
		t.Errorf("the tampered file stored a revision: %d, want %d", got, n+1)
	}
	if rec := f.call(t, asUploaderOwn, http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusNotFound {
		t.Errorf("a tampered stage is deleted: %d %s", rec.Code, rec.Body)
	}
}

// Diff parameters: a revision of another dataset is 404 (by id or as against, without its
// values), bad against/limit are 400, an offset beyond the end is an empty page with the counts.
func TestReviewDiffParameters(t *testing.T) {
	f := reviewFixture(t)
	const h = "indicator,area,period,value\n"
	a1 := f.upload(t, asAdmin, "/api/v1/datasets/review_a/revisions", h+ofstedID+",836,2016-17 Q4,11\n", http.StatusCreated).Revision
	a2 := f.upload(t, asAdmin, "/api/v1/datasets/review_a/revisions", h+ofstedID+",836,2016-17 Q4,12\n", http.StatusCreated).Revision
	b1 := f.upload(t, asAdmin, "/api/v1/datasets/review_b/revisions", h+ofstedID+",836,2016-17 Q4,4242\n", http.StatusCreated).Revision
	for _, path := range []string{
		fmt.Sprintf("/api/v1/datasets/review_a/revisions/%d/diff", b1.ID),
		fmt.Sprintf("/api/v1/datasets/review_a/revisions/%d/diff?against=%d", a2.ID, b1.ID),
		fmt.Sprintf("/api/v1/datasets/review_a/revisions/%d/diff?against=%d&format=csv", a2.ID, b1.ID),
	} {
		rec := f.call(t, asAdmin, http.MethodGet, path, nil)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "4242") {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	base := fmt.Sprintf("/api/v1/datasets/review_a/revisions/%d/diff", a2.ID)
	for _, q := range []string{"against=-1", "against=abc", "limit=0", "limit=10001", "limit=-1", "offset=-1", "offset=x"} {
		if rec := f.call(t, asAdmin, http.MethodGet, base+"?"+q, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
	d := f.diff(t, asAdmin, base+"?offset=1000000")
	if d.Against != a1.ID || d.Changed != 1 || len(d.Changes) != 0 {
		t.Errorf("offset beyond the end: %+v", d)
	}
	// against=0 is the default, the previous accepted revision.
	if d := f.diff(t, asAdmin, base+"?against=0"); d.Against != a1.ID {
		t.Errorf("against=0: %+v", d)
	}
}

// An area token never gets a diff cached for another token, by the response cache or by a
// conditional request: the ETag of a diff differs by the rows the token may see, and every
// answer (304 included) is private and varies by Authorization.
func TestReviewDiffCachingVariesByToken(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/targets/revisions"
	f.upload(t, asUploaderOwn, path, targetsHeader+ofstedID+",836,2016-17 Q4,90,1\n", http.StatusCreated)
	r2 := f.upload(t, asUploaderOther, path, targetsHeader+ofstedID+",855,2016-17 Q4,80,2\n", http.StatusCreated).Revision
	diffPath := fmt.Sprintf("%s/%d/diff?against=0", path, r2.ID)
	admin := f.call(t, asAdmin, http.MethodGet, diffPath, nil)
	own := f.call(t, asUploaderOwn, http.MethodGet, diffPath, nil)
	if admin.Code != 200 || own.Code != 200 || admin.Body.String() == own.Body.String() {
		t.Fatalf("admin %d %s\nPoole %d %s", admin.Code, admin.Body, own.Code, own.Body)
	}
	if strings.Contains(own.Body.String(), `"855"`) || strings.Contains(own.Body.String(), "E10000018") {
		t.Errorf("Poole's diff shows Leicestershire's rows: %s", own.Body)
	}
	etag := admin.Header().Get("ETag")
	if etag == "" || etag == own.Header().Get("ETag") {
		t.Errorf("the admin's and Poole's diffs have the ETag %q and %q", etag, own.Header().Get("ETag"))
	}
	rec := f.call(t, asUploaderOwn, http.MethodGet, diffPath, nil, "If-None-Match", etag)
	if rec.Code != http.StatusOK || rec.Body.String() != own.Body.String() {
		t.Errorf("Poole with the admin's ETag: %d %s", rec.Code, rec.Body)
	}
	rec = f.call(t, asAdmin, http.MethodGet, diffPath, nil, "If-None-Match", etag)
	if rec.Code != http.StatusNotModified {
		t.Errorf("the admin with its own ETag: %d", rec.Code)
	}
	if cc, v := rec.Header().Get("Cache-Control"), strings.Join(rec.Header().Values("Vary"), ","); !strings.Contains(cc, "private") || !strings.Contains(v, "Authorization") {
		t.Errorf("a 304 of a diff: Cache-Control %q, Vary %q", cc, v)
	}
}

// Cells of a diff's CSV that a spreadsheet would read as formulas are neutralised as in every
// other CSV (a leading apostrophe). Uploads refuse real formulas (=..., +A1, @SUM(...)), so the
// cells here are the ones the parser lets through: a leading + - @ before plain text.
func TestReviewDiffCSVInjection(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/review_csv/revisions"
	h := "indicator,area,period,value,note\n"
	f.upload(t, asAdmin, path, h+ofstedID+",836,2016-17 Q4,1,plain\n", http.StatusCreated)
	r2 := f.upload(t, asAdmin, path, h+ofstedID+",836,2016-17 Q4,2,+cmd\n"+ofstedID+",836,2016-17 Q3,3,@who\n"+
		ofstedID+",836,2016-17 Q2,4,-minus sign\n", http.StatusCreated).Revision
	rec := f.call(t, asAdmin, http.MethodGet, fmt.Sprintf("%s/%d/diff?format=csv", path, r2.ID), nil)
	if rec.Code != 200 {
		t.Fatalf("CSV diff: %d %s", rec.Code, rec.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range recs {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("a CSV cell a spreadsheet would read as a formula: %q in %q", cell, r)
			}
			if cell == "'+cmd" || cell == "'@who" || cell == "'-minus sign" {
				seen++
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d of the 3 neutralised cells found:\n%s", seen, rec.Body)
	}
}

// The revision list shows a rejected file's values to its uploader and admins only: its ETag
// differs by what the caller may see, so nobody else has the uploader's copy confirmed by a
// 304, and every answer (304 included) is private and varies by Authorization.
func TestReviewRevisionListCachingVariesByToken(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/review_rejected/revisions"
	f.upload(t, asUploaderOwn, path, "indicator,area,period,value\n"+ofstedID+",836,2016-17 Q4,secret-value-42\n", http.StatusUnprocessableEntity)
	own := f.call(t, asUploaderOwn, http.MethodGet, path, nil)
	other := f.call(t, asUploaderOther, http.MethodGet, path, nil)
	if !strings.Contains(own.Body.String(), "secret-value-42") || strings.Contains(other.Body.String(), "secret-value-42") {
		t.Fatalf("uploader %s\nother %s", own.Body, other.Body)
	}
	etag := own.Header().Get("ETag")
	if etag == "" || etag == other.Header().Get("ETag") {
		t.Errorf("the uploader's and another token's lists have the ETags %q and %q", etag, other.Header().Get("ETag"))
	}
	for _, who := range []string{asUploaderOther, asViewer, asNone} {
		rec := f.call(t, who, http.MethodGet, path, nil, "If-None-Match", etag)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "secret-value-42") {
			t.Errorf("%s with the uploader's ETag: %d %s", who, rec.Code, rec.Body)
		}
	}
	rec := f.call(t, asUploaderOwn, http.MethodGet, path, nil, "If-None-Match", etag)
	if rec.Code != http.StatusNotModified {
		t.Errorf("the uploader with its own ETag: %d", rec.Code)
	}
	if cc, v := rec.Header().Get("Cache-Control"), strings.Join(rec.Header().Values("Vary"), ","); !strings.Contains(cc, "private") || !strings.Contains(v, "Authorization") {
		t.Errorf("a 304 of the revision list: Cache-Control %q, Vary %q", cc, v)
	}
}

// A confirmation re-checks the token: one revoked after its preview cannot store it. Two
// confirmations of one stage at once store it once (one 201, one 404).
func TestReviewConfirmRechecksAndRaces(t *testing.T) {
	f := reviewFixture(t)
	ctx := context.Background()
	tok, secret, err := f.app.Auth.Create(ctx, "review-soon-revoked", auth.Uploader, []string{"836"})
	if err != nil {
		t.Fatal(err)
	}
	f.secrets["soon-revoked"] = secret
	data := "indicator,area,period,value,numerator,denominator,note\n" + ofstedID + ",836,2016-17 Q1,62,,,\n"
	p := f.dryRun(t, "soon-revoked", "local_returns", data)
	if _, err := f.app.Auth.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	n := f.revisionCount(t, "local_returns")
	if rec := f.call(t, "soon-revoked", http.MethodPost, p.Stage.ConfirmURL, nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("a revoked token's confirm: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "local_returns"); got != n {
		t.Fatalf("a revoked token's confirm stored %d revisions", got-n)
	}

	p = f.dryRun(t, asUploaderOwn, "local_returns", data)
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = f.call(t, asUploaderOwn, http.MethodPost, p.Stage.ConfirmURL, nil).Code
		}()
	}
	wg.Wait()
	if codes[0]+codes[1] != http.StatusCreated+http.StatusNotFound && codes[0]+codes[1] != http.StatusCreated+http.StatusTooManyRequests {
		t.Errorf("two confirmations at once: %v", codes)
	}
	if got := f.revisionCount(t, "local_returns"); got != n+1 {
		t.Errorf("two confirmations at once stored %d revisions, want 1", got-n)
	}
}

// An all-areas token's dry run with ?merge=true previews a merge, and its confirmation stores
// that merge (not a replacement of the whole dataset): the confirm URL carries no merge
// parameter, so the stage must remember it.
func TestReviewConfirmKeepsTheMerge(t *testing.T) {
	f := reviewFixture(t)
	current := f.currentRevision(t, "local_returns")
	data := "indicator,area,period,value,numerator,denominator,note\n" + ofstedID + ",836,2016-17 Q4,99,,,\n"
	before := stored(t, f.engine)
	p := f.dryRun(t, asAdmin, "local_returns", data, "merge=true")
	if !p.Revision.Merge || p.Revision.MergedFrom != current.ID || p.Revision.RowsUploaded != 1 || p.Revision.Rows <= 1 {
		t.Fatalf("the preview of a merge: %+v", p.Revision)
	}
	rec := f.call(t, asAdmin, http.MethodPost, p.Stage.ConfirmURL, nil)
	if rec.Code != http.StatusCreated {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body)
	}
	got := decode[mergeAnswer](t, rec.Body.Bytes()).Revision
	if !got.Merge || got.MergedFrom != current.ID || got.Rows != p.Revision.Rows {
		t.Errorf("the confirmed revision %+v, previewed %+v", got, p.Revision)
	}
	if want, real := previewList(p), diffOf(before, stored(t, f.engine)); !reflect.DeepEqual(want, real) {
		t.Errorf("the dry run reported\n%s\nthe confirmation made\n%s", strings.Join(want, "\n"), strings.Join(real, "\n"))
	}
}

// An area token sees only its own areas' rows of a diff whatever it asks: other parameters
// (area, areas, token, as) are ignored, the CSV holds no other area's row, and against= a
// revision of only another area's rows shows it nothing of them.
func TestReviewDiffAreaTokenSeesOnlyItsAreas(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/targets/revisions"
	r1 := f.upload(t, asLeics, path, targetsHeader+ofstedID+",855,2016-17 Q4,77.7,2\n", http.StatusCreated).Revision
	r2 := f.upload(t, asBCP, path, targetsHeader+ofstedID+",839,2016-17 Q4,66.6,1\n", http.StatusCreated).Revision
	for _, q := range []string{"", "?area=E10000018", "?areas=E10000018", "?as=admin", fmt.Sprintf("?against=%d", r1.ID), "?format=csv", fmt.Sprintf("?against=%d&format=csv&area=855", r1.ID)} {
		rec := f.call(t, asBCP, http.MethodGet, fmt.Sprintf("%s/%d/diff%s", path, r2.ID, q), nil)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
		if b := rec.Body.String(); strings.Contains(b, "77.7") || strings.Contains(b, "E10000018") {
			t.Errorf("BCP's diff %s shows Leicestershire's row: %s", q, b)
		}
	}
	// Leicestershire's first revision, seen by BCP: none of its rows.
	d := f.diff(t, asBCP, fmt.Sprintf("%s/%d/diff", path, r1.ID))
	if d.Added+d.Removed+d.Changed+d.Unchanged != 0 {
		t.Errorf("BCP's view of Leicestershire's revision: %+v", d)
	}
}

// A header alone is refused by the dry run as by the upload (422, "no data rows"), for an
// all-areas upload and for an area token's merge alike; only the upload records the rejected
// revision.
func TestReviewDryRunOfAHeaderAlone(t *testing.T) {
	f := reviewFixture(t)
	const h = "indicator,area,period,value,numerator,denominator,note\n"
	for _, who := range []string{asAdmin, asLeics} {
		n := f.revisionCount(t, "local_returns")
		prec := f.call(t, who, http.MethodPost, "/api/v1/datasets/local_returns/revisions?dry_run=true", csvBody(h))
		if got := f.revisionCount(t, "local_returns"); got != n {
			t.Errorf("%s: the dry run recorded %d revisions", who, got-n)
		}
		urec := f.call(t, who, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(h))
		for _, rec := range []string{prec.Body.String(), urec.Body.String()} {
			if !strings.Contains(rec, "no data rows") {
				t.Errorf("%s: %s", who, rec)
			}
		}
		if prec.Code != http.StatusUnprocessableEntity || urec.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: a header alone: dry run %d, upload %d", who, prec.Code, urec.Code)
		}
		if got := f.revisionCount(t, "local_returns"); got != n+1 {
			t.Errorf("%s: the refused upload recorded %d revisions, want 1", who, got-n)
		}
	}
}
