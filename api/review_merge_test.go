package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
)

// Merge uploads attacked: an area token's rows for England, a region or another area are refused
// whole with every offending row named; a file with a new column merges (the carried rows have
// it empty); a file of another format than the current revision is 409; an all-areas token's
// ?merge=true replaces only the areas its file holds; the revision list records every merge.
func TestReviewMergeUploads(t *testing.T) {
	f := reviewFixture(t)
	const path = "/api/v1/datasets/local_returns/revisions"
	const h = "indicator,area,period,value,numerator,denominator,note\n"
	n := f.revisionCount(t, "local_returns")
	rec := f.call(t, asLeics, http.MethodPost, path, csvBody(h+
		ofstedID+",855,2016-17 Q4,70,,,\n"+
		ofstedID+",England,2016-17 Q4,80,,,\n"+
		ofstedID+",E12000004,2016-17 Q4,81,,,\n"+
		ofstedID+",836,2016-17 Q4,82,,,\n"))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("an area token's rows for England, a region and Poole: %d %s", rec.Code, rec.Body)
	}
	e := decode[struct {
		Total    int `json:"total"`
		Problems []struct {
			Row int `json:"row"`
		} `json:"problems"`
	}](t, rec.Body.Bytes())
	var rows []int
	for _, d := range e.Problems {
		rows = append(rows, d.Row)
	}
	if e.Total != 3 || fmt.Sprint(rows) != "[3 4 5]" {
		t.Errorf("offending rows %v (total %d), want [3 4 5]", rows, e.Total)
	}
	if got := f.revisionCount(t, "local_returns"); got != n {
		t.Fatalf("a refused merge stored %d revisions", got-n)
	}

	// A new column: the file's rows have it, the carried rows have it empty. The token's areas
	// are replaced whole: Leicestershire's shipped 2009 row, not in the file, is removed.
	current := f.currentRevision(t, "local_returns")
	r1 := f.upload(t, asLeics, path, strings.TrimSuffix(h, "\n")+",review_extra\n"+ofstedID+",855,2016-17 Q4,70,,,,x\n", http.StatusCreated).Revision
	if !r1.Merge || r1.MergedFrom != current.ID || r1.Rows != current.Rows || r1.RowsUploaded != 1 {
		t.Errorf("a merge adding a column: %+v (from %d of %d rows)", r1, current.ID, current.Rows)
	}
	d := f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff", path, r1.ID))
	if d.Added != 1 || d.Removed != 1 || d.Changed != 0 || d.Changes[0].Key[1] != "E10000018" || d.Changes[1].New["review_extra"] != "x" {
		t.Errorf("the merge's diff: %+v", d)
	}
	for _, c := range d.Changes {
		if c.Old != nil && c.Old["review_extra"] != nil {
			t.Errorf("a carried row has the new column: %+v", c)
		}
	}

	// Another format than the current revision's, in a dataset no indicator reads (for one an
	// indicator reads, the readers' format check answers first: 422 with a rejected revision):
	// 409, nothing stored.
	const shared = "/api/v1/datasets/review_shared/revisions"
	f.upload(t, asAdmin, shared, h+ofstedID+",836,2016-17 Q4,70,,,\n", http.StatusCreated)
	m := f.revisionCount(t, "review_shared")
	if rec := f.call(t, asLeics, http.MethodPost, shared, csvBody(targetsHeader+ofstedID+",855,2016-17 Q4,60,1\n")); rec.Code != http.StatusConflict {
		t.Errorf("a targets file merged into a simple_return dataset: %d %s", rec.Code, rec.Body)
	}
	if got := f.revisionCount(t, "review_shared"); got != m {
		t.Errorf("a refused merge stored %d revisions", got-m)
	}

	// An all-areas token's ?merge=true replaces only Poole's rows (its file's area and level).
	before := f.currentRevision(t, "local_returns")
	r2 := f.upload(t, asAdmin, path+"?merge=true", h+ofstedID+",836,2016-17 Q4,99,,,\n", http.StatusCreated).Revision
	d = f.diff(t, asAdmin, fmt.Sprintf("%s/%d/diff", path, r2.ID))
	for _, c := range d.Changes {
		if c.Key[len(c.Key)-3] != "E06000029" {
			t.Errorf("an all-areas merge of Poole's rows changed %v", c.Key)
		}
	}
	if !r2.Merge || r2.MergedFrom != before.ID || d.Changed+d.Removed == 0 || d.Added != 0 {
		t.Errorf("an all-areas merge: %+v, diff %+v", r2, d)
	}
	// Without ?merge the admin's upload replaces the dataset.
	r3 := f.upload(t, asAdmin, path, h+ofstedID+",836,2016-17 Q4,98,,,\n", http.StatusCreated).Revision
	if r3.Merge || r3.Rows != 1 {
		t.Errorf("an admin's upload without merge: %+v", r3)
	}
	revs, err := f.sets.Revisions(t.Context(), "local_returns")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]datasets.Revision{}
	for _, r := range revs {
		seen[r.ID] = r
	}
	if r := seen[r1.ID]; !r.Merge || r.MergedFrom != current.ID || r.RowsUploaded != 1 {
		t.Errorf("the revision list's merge %+v", r)
	}
	if r := seen[r2.ID]; !r.Merge || r.MergedFrom != r1.ID {
		t.Errorf("the revision list's all-areas merge %+v", r)
	}
	rec = f.call(t, asAdmin, http.MethodGet, "/api/v1/datasets/local_returns/revisions", nil)
	if !strings.Contains(rec.Body.String(), `"merged_from":`) || !strings.Contains(rec.Body.String(), `"rows_uploaded":`) {
		t.Errorf("the revision list does not show merges: %s", rec.Body)
	}
}
