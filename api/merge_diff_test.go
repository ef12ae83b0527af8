package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
)

type mergeAnswer struct {
	Revision datasets.Revision `json:"revision"`
	Warnings []string          `json:"warnings"`
}

func (f *secureFixture) upload(t *testing.T, who, path, body string, want int) mergeAnswer {
	t.Helper()
	rec := f.call(t, who, http.MethodPost, path, csvBody(body))
	if rec.Code != want {
		t.Fatalf("%s %s: %d %s", who, path, rec.Code, rec.Body)
	}
	if want != http.StatusCreated {
		return mergeAnswer{}
	}
	return decode[mergeAnswer](t, rec.Body.Bytes())
}

func (f *secureFixture) diff(t *testing.T, who, path string) datasets.Diff {
	t.Helper()
	rec := f.call(t, who, http.MethodGet, path, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s GET %s: %d %s", who, path, rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("diff Cache-Control %q, want private", cc)
	}
	return decode[datasets.Diff](t, rec.Body.Bytes())
}

// Two area uploaders (Poole, 836, and Leicestershire, 855) share the targets dataset: each
// upload replaces only the uploader's rows and is recorded as a merge; neither can change the
// other's rows, and the diff shows each only its own areas' values.
func TestAreaUploadersShareADataset(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	const path = "/api/v1/datasets/targets/revisions"
	const ind = "secondary-good-outstanding-schools"
	r1 := f.upload(t, asUploaderOwn, path, targetsHeader+ind+",836,2016-17 Q4,90,1\n"+ind+",836,2015-16 Q4,85,1\n", 201).Revision
	r2 := f.upload(t, asUploaderOther, path, targetsHeader+ind+",855,2016-17 Q4,80,2\n", 201).Revision
	if !r2.Merge || r2.MergedFrom != r1.ID || r2.Rows != 3 || r2.RowsUploaded != 1 {
		t.Errorf("Leicestershire's merge %+v", r2)
	}
	// Poole's re-upload replaces Poole's two rows with one.
	r3 := f.upload(t, asUploaderOwn, path, targetsHeader+ind+",836,2016-17 Q4,91,1\n", 201).Revision
	if !r3.Merge || r3.MergedFrom != r2.ID || r3.Rows != 2 {
		t.Errorf("Poole's re-upload %+v", r3)
	}
	// Neither can change the other's rows.
	f.upload(t, asUploaderOwn, path, targetsHeader+ind+",855,2016-17 Q4,1,1\n", http.StatusForbidden)
	f.upload(t, asUploaderOther, path, targetsHeader+ind+",836,2016-17 Q4,1,1\n", http.StatusForbidden)

	// The admin sees every change of r3; Poole only its own; Leicestershire none (its row is
	// unchanged, and Poole's values are not shown to it).
	diffPath := fmt.Sprintf("%s/%d/diff", path, r3.ID)
	all := f.diff(t, asAdmin, diffPath)
	if all.Against != r2.ID || all.Changed != 1 || all.Removed != 1 || all.Added != 0 || all.Unchanged != 1 {
		t.Errorf("admin's diff %+v", all)
	}
	own := f.diff(t, asUploaderOwn, diffPath)
	if own.Changed != 1 || own.Removed != 1 || own.Unchanged != 0 || len(own.Changes) != 2 {
		t.Errorf("Poole's diff %+v", own)
	}
	if c := own.Changes[1]; c.Kind != datasets.Changed || c.Old["target"] != 90.0 || c.New["target"] != 91.0 || !slices.Equal(c.ChangedColumns, []string{"target"}) {
		t.Errorf("Poole's change %+v", c)
	}
	other := f.diff(t, asUploaderOther, diffPath)
	if other.Changed+other.Removed+other.Added != 0 || other.Unchanged != 1 || len(other.Changes) != 0 {
		t.Errorf("Leicestershire's diff %+v", other)
	}
	if strings.Contains(fmt.Sprint(f.diff(t, asUploaderOther, fmt.Sprintf("%s/%d/diff?against=%d", path, r3.ID, r1.ID))), "90") {
		t.Error("Leicestershire sees Poole's targets")
	}
	// A viewer may not see a diff.
	if rec := f.call(t, asViewer, http.MethodGet, diffPath, nil); rec.Code != http.StatusForbidden {
		t.Errorf("viewer: %d", rec.Code)
	}
}

// A diff against itself is empty, a restore's diff is the exact inverse of the change it
// undoes, pages follow the key order, CSV holds every change, and a rejected revision is 409.
func TestRevisionDiffAPI(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	const path = "/api/v1/datasets/lr/revisions"
	const ind = "secondary-good-outstanding-schools"
	h := "indicator,area,period,value,note\n"
	r1 := f.upload(t, asAdmin, path, h+ind+",836,2016-17 Q4,88.4,\n"+ind+",855,2016-17 Q4,80,\n"+ind+",England,2016-17 Q4,84,\n", 201).Revision
	r2 := f.upload(t, asAdmin, path, h+ind+",836,2016-17 Q4,88.5,\n"+ind+",855,2016-17 Q4,c,\n"+ind+",E06000016,2016-17 Q4,1,new\n", 201).Revision

	self := f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff?against=%d", path, r2.ID, r2.ID))
	if self.Added+self.Removed+self.Changed != 0 || self.Unchanged != 3 || len(self.Changes) != 0 {
		t.Errorf("self diff %+v", self)
	}
	d := f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff", path, r2.ID))
	if d.Against != r1.ID || d.Added != 1 || d.Removed != 1 || d.Changed != 2 {
		t.Fatalf("diff %+v", d)
	}
	rec := f.call(t, asAdmin, http.MethodPost, fmt.Sprintf("%s/%d/restore", path, r1.ID), nil)
	if rec.Code != 201 {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body)
	}
	r3 := decode[mergeAnswer](t, rec.Body.Bytes()).Revision
	inv := f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff", path, r3.ID))
	if inv.Against != r2.ID || inv.Added != d.Removed || inv.Removed != d.Added || inv.Changed != d.Changed || len(inv.Changes) != len(d.Changes) {
		t.Fatalf("restore diff %+v", inv)
	}
	for i, c := range d.Changes {
		r := inv.Changes[i]
		kind := map[string]string{datasets.Added: datasets.Removed, datasets.Removed: datasets.Added, datasets.Changed: datasets.Changed}[c.Kind]
		if r.Kind != kind || fmt.Sprint(r.Key) != fmt.Sprint(c.Key) || fmt.Sprint(r.Old) != fmt.Sprint(c.New) || fmt.Sprint(r.New) != fmt.Sprint(c.Old) {
			t.Errorf("change %d: %+v is not the inverse of %+v", i, r, c)
		}
	}
	// Pages of one.
	var keys []string
	for off := range 5 {
		p := f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff?limit=1&offset=%d", path, r2.ID, off))
		if p.Limit != 1 || p.Offset != off || p.Changed != 2 {
			t.Errorf("page %d: %+v", off, p)
		}
		for _, c := range p.Changes {
			keys = append(keys, c.Kind+" "+fmt.Sprint(c.Key[1]))
		}
	}
	want := []string{"added E06000016", "changed E06000029", "changed E10000018", "removed E92000001"}
	if !slices.Equal(keys, want) {
		t.Errorf("paged keys %q, want %q", keys, want)
	}
	// CSV: every change, its key and its old and new values.
	rec = f.call(t, asAdmin, http.MethodGet, fmt.Sprintf("%s/%d/diff", path, r2.ID), nil, "Accept", "text/csv")
	wantCSV := "kind,indicator,_area,_level,_period,old_area,new_area,old_period,new_period,old_value,new_value,old_note,new_note\n" +
		"added," + ind + ",E06000016,la,2016-17 Q4,,E06000016,,2016-17 Q4,,1,,new\n" +
		"changed," + ind + ",E06000029,la,2016-17 Q4,836,836,2016-17 Q4,2016-17 Q4,88.4,88.5,,\n" +
		"changed," + ind + ",E10000018,la,2016-17 Q4,855,855,2016-17 Q4,2016-17 Q4,80,c,,\n" +
		"removed," + ind + ",E92000001,england,2016-17 Q4,England,,2016-17 Q4,,84,,,\n"
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || rec.Body.String() != wantCSV {
		t.Errorf("CSV %d %s:\n%s\nwant\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body, wantCSV)
	}
	if rec := f.call(t, asAdmin, http.MethodGet, fmt.Sprintf("%s/%d/diff?format=csv", path, r2.ID), nil); rec.Body.String() != wantCSV {
		t.Errorf("format=csv:\n%s", rec.Body)
	}
	// A rejected revision, an unknown one, a bad limit.
	f.call(t, asAdmin, http.MethodPost, path, csvBody(h+ind+",nowhere,2016-17 Q4,1,\n"))
	revs, err := f.sets.Revisions(t.Context(), "lr")
	if err != nil || revs[0].Status != datasets.Rejected {
		t.Fatalf("no rejected revision: %v", err)
	}
	for p, code := range map[string]int{
		fmt.Sprintf("%s/%d/diff", path, revs[0].ID):                   http.StatusConflict,
		fmt.Sprintf("%s/%d/diff?against=%d", path, r2.ID, revs[0].ID): http.StatusConflict,
		path + "/9999/diff": http.StatusNotFound,
		fmt.Sprintf("%s/%d/diff?limit=1001", path, r2.ID): http.StatusBadRequest,
		fmt.Sprintf("%s/%d/diff?against=x", path, r2.ID):  http.StatusBadRequest,
	} {
		if rec := f.call(t, asAdmin, http.MethodGet, p, nil); rec.Code != code {
			t.Errorf("%s: %d, want %d: %s", p, rec.Code, code, rec.Body)
		}
	}
}

// An upload that no indicator reads answers 201 with a warning naming what they do read.
func TestNoOpUploadWarning(t *testing.T) {
	f := newSecureFixture(t, api.Config{})
	got := f.upload(t, asUploaderOwn, "/api/v1/datasets/poole_returns/revisions", "indicator,area,period,value\n"+pooleRow, 201)
	if len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "no indicator reads the dataset poole_returns") || !strings.Contains(got.Warnings[0], "local_returns") {
		t.Errorf("warnings %q", got.Warnings)
	}
	if !slices.Equal(got.Revision.Warnings, got.Warnings) {
		t.Errorf("revision warnings %q", got.Revision.Warnings)
	}
}
