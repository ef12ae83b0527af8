package datasets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// BCP and Leicestershire, the two area uploaders of the merge tests.
const (
	bcp      = "E06000058"
	leics    = "E10000018"
	srHeader = "indicator,area,period,value\n"
)

// rowsOf reads a revision's rows as "indicator area value", sorted.
func rowsOf(t *testing.T, svc *datasets.Service, id int64, extra string) []string {
	t.Helper()
	rows, err := svc.DB.SQL.Query(fmt.Sprintf(`SELECT indicator || ' ' || _area || ' ' || coalesce(CAST(value AS VARCHAR), "value:marker", '-')%s FROM rev_%d ORDER BY ALL`, extra, id))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func loadAs(t *testing.T, svc *datasets.Service, name, data string, up datasets.Upload) *datasets.Revision {
	t.Helper()
	rev, err := svc.Load(context.Background(), name, strings.NewReader(data), up)
	if err != nil {
		t.Fatalf("Load by %s: %v", up.By, err)
	}
	return rev
}

// Two area uploaders share one dataset: each upload replaces only the uploader's own rows, as a
// new revision of the whole dataset recorded as a merge; neither can change the other's rows,
// and a diff shows an area-limited token only its own areas' rows.
func TestMergeUploadsByArea(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	a := datasets.Upload{FileName: "bcp.csv", By: "bcp", TokenID: "tokA", AllowedAreas: []string{bcp}}
	b := datasets.Upload{FileName: "leics.csv", By: "leics", TokenID: "tokB", AllowedAreas: []string{leics}}

	r1 := loadAs(t, svc, "local_returns", srHeader+"NI50,"+bcp+",2019-20,10\nNI51,"+bcp+",2019-20,11\n", a)
	if r1.Merge || r1.Rows != 2 || r1.RowsUploaded != 2 {
		t.Errorf("first upload: merge %v rows %d uploaded %d", r1.Merge, r1.Rows, r1.RowsUploaded)
	}
	r2 := loadAs(t, svc, "local_returns", srHeader+"NI50,"+leics+",2019-20,20\n", b)
	if !r2.Merge || r2.MergedFrom != r1.ID || r2.Rows != 3 || r2.RowsUploaded != 1 {
		t.Errorf("second upload: merge %v from %d rows %d uploaded %d, want a merge from %d of 3 rows, 1 uploaded", r2.Merge, r2.MergedFrom, r2.Rows, r2.RowsUploaded, r1.ID)
	}
	want := []string{"NI50 " + bcp + " 10.0", "NI50 " + leics + " 20.0", "NI51 " + bcp + " 11.0"}
	if got := rowsOf(t, svc, r2.ID, ""); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("merged rows %q, want %q", got, want)
	}
	// BCP's re-upload replaces BCP's rows only: its NI51 row is gone, Leicestershire's stays.
	r3 := loadAs(t, svc, "local_returns", srHeader+"NI50,"+bcp+",2019-20,12\n", a)
	want = []string{"NI50 " + bcp + " 12.0", "NI50 " + leics + " 20.0"}
	if got := rowsOf(t, svc, r3.ID, ""); strings.Join(got, "|") != strings.Join(want, "|") || r3.Rows != 2 || r3.MergedFrom != r2.ID {
		t.Errorf("re-upload: rows %q (%d, merged from %d), want %q", got, r3.Rows, r3.MergedFrom, want)
	}
	// Neither can change the other's rows: a file with a row for the other area is refused
	// whole, naming the row, and nothing is stored.
	_, err := svc.Load(ctx, "local_returns", strings.NewReader(srHeader+"NI50,"+bcp+",2019-20,13\nNI50,"+leics+",2019-20,0\n"), a)
	if e, ok := errs.As(err); !ok || e.Code != errs.Forbidden || e.Total != 1 || e.Details[0].Row != 3 || e.Details[0].Value != leics {
		t.Errorf("BCP changing Leicestershire's row: %v", err)
	}
	revs, _ := svc.Revisions(ctx, "local_returns")
	if len(revs) != 3 || !revs[0].Current || revs[0].ID != r3.ID {
		t.Errorf("after a refused upload: %d revisions, newest %d current %v", len(revs), revs[0].ID, revs[0].Current)
	}
	// The revision list records the merge.
	if revs[0].Merge != true || revs[0].MergedFrom != r2.ID || revs[0].RowsUploaded != 1 || revs[0].Rows != 2 {
		t.Errorf("stored revision %+v", revs[0])
	}

	// What each sees of the change: BCP its own change, Leicestershire nothing.
	d, err := svc.Diff(ctx, "local_returns", r3.ID, 0, datasets.DiffOptions{Areas: []string{bcp}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Against != r2.ID || d.Changed != 1 || d.Removed != 1 || d.Added != 0 || d.Unchanged != 0 || len(d.Changes) != 2 {
		t.Errorf("BCP's diff %+v", d)
	}
	d, err = svc.Diff(ctx, "local_returns", r3.ID, 0, datasets.DiffOptions{Areas: []string{leics}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Changed+d.Removed+d.Added != 0 || d.Unchanged != 1 || len(d.Changes) != 0 {
		t.Errorf("Leicestershire's diff %+v", d)
	}
	for _, c := range d.Changes {
		if c.Key[1] != leics {
			t.Errorf("Leicestershire sees %v", c.Key)
		}
	}
}

// Targets are shared the same way: the first area uploader no longer locks the others out.
func TestMergeTargetsByArea(t *testing.T) {
	svc := newService(t)
	th := "indicator,area,period,target,tolerance\n"
	loadAs(t, svc, "targets", th+"NI50,"+bcp+",2019-20,60,1\n", datasets.Upload{By: "bcp", AllowedAreas: []string{bcp}})
	r := loadAs(t, svc, "targets", th+"NI50,"+leics+",2019-20,70,2\n", datasets.Upload{By: "leics", AllowedAreas: []string{leics}})
	if !r.Merge || r.Rows != 2 {
		t.Errorf("targets merge: %+v", r)
	}
	rows, err := svc.DB.SQL.Query(fmt.Sprintf(`SELECT _area, target FROM rev_%d ORDER BY _area`, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var a string
		var v float64
		if err := rows.Scan(&a, &v); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s=%g", a, v))
	}
	if strings.Join(got, ",") != bcp+"=60,"+leics+"=70" {
		t.Errorf("targets %v", got)
	}
}

// A merge keeps the columns of the rows it carries over (a column the file lacks is added,
// empty in the file's rows), refuses a column whose type differs, and keeps the dataset's
// format. A token for every area replaces the dataset unless it asks for a merge, which then
// replaces the areas its file holds.
func TestMergeColumnsFormatsAndExplicitMerge(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	r1 := load(t, svc, "lr", "indicator,area,period,value,numerator,denominator,extra\nNI50,"+bcp+",2019-20,50,5,10,1\nNI50,"+leics+",2019-20,c,,,2\n", "all.csv", "admin")
	r2 := loadAs(t, svc, "lr", srHeader+"NI50,"+leics+",2019-20,40\n", datasets.Upload{By: "leics", AllowedAreas: []string{leics}})
	if len(r2.Columns) != 7 {
		t.Errorf("merged columns %+v", r2.Columns)
	}
	if got := rowsOf(t, svc, r2.ID, ` || ' ' || coalesce(CAST(numerator AS VARCHAR), '-')`); strings.Join(got, "|") != "NI50 "+bcp+" 50.0 5.0|NI50 "+leics+" 40.0 -" {
		t.Errorf("rows %q", got)
	}
	ds, err := svc.Get(ctx, "lr")
	if err != nil || ds.Revision != r2.ID {
		t.Fatalf("current %v %v", ds, err)
	}
	if c, ok := ds.Column("numerator"); !ok || c.Type != datasets.Number {
		t.Errorf("numerator column %+v %v", c, ok)
	}
	// A text column where the dataset holds numbers.
	_, err = svc.Load(ctx, "lr", strings.NewReader("indicator,area,period,value,extra\nNI50,"+leics+",2019-20,40,none\n"), datasets.Upload{AllowedAreas: []string{leics}})
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || len(e.Details) != 1 || e.Details[0].Column != "extra" {
		t.Errorf("type conflict: %v", err)
	}
	// Another format.
	_, err = svc.Load(ctx, "lr", strings.NewReader("indicator,area,period,target,tolerance\nNI50,"+leics+",2019-20,40,1\n"), datasets.Upload{AllowedAreas: []string{leics}})
	if errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "keeps the dataset's format") {
		t.Errorf("format conflict: %v", err)
	}
	// An explicit merge by a token for every area replaces the areas in its file.
	r3 := loadAs(t, svc, "lr", srHeader+"NI51,"+bcp+",2019-20,1\nNI50,England,2019-20,55\n", datasets.Upload{By: "admin", Merge: true})
	if got := rowsOf(t, svc, r3.ID, ""); strings.Join(got, "|") != "NI50 "+leics+" 40.0|NI50 E92000001 55.0|NI51 "+bcp+" 1.0" {
		t.Errorf("explicit merge rows %q", got)
	}
	// Without Merge it replaces the whole dataset.
	r4 := load(t, svc, "lr", srHeader+"NI51,"+bcp+",2019-20,2\n", "x.csv", "admin")
	if r4.Merge || r4.Rows != 1 {
		t.Errorf("replace: %+v", r4)
	}
	_ = r1
}
