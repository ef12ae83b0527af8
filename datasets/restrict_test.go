package datasets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// An upload limited to areas (an uploader's token) is refused whole when any row is for
// another area, England, a region, a neighbour average or an unmodelled geography; each such
// row is listed with the cell that named its area, and nothing is stored.
func TestUploadLimitedToAreas(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	ees := "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,new_la_code,la_name,referral_count,rereferral_percent\n" +
		"201617,Financial year,National,E92000001,England,,,,,,632830,22.6\n" +
		"201617,Financial year,Regional,E92000001,England,E12000009,South West,,,,40000,c\n" +
		"201617,Financial year,Local authority,E92000001,England,E12000009,South West,836,,Poole,900,x\n" +
		"201617,Financial year,Local authority,E92000001,England,E12000001,North East,840,E06000047,County Durham,\"1,200\",20\n" +
		"201617,Financial year,Local authority district,E92000001,England,,,,,Somewhere,5,1\n"
	_, err := svc.Load(ctx, "cin", strings.NewReader(ees), datasets.Upload{FileName: "c1.csv", By: "t", AllowedAreas: []string{"E06000029"}})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Forbidden {
		t.Fatalf("err = %v", err)
	}
	got := map[int]string{}
	for _, d := range e.Details {
		got[d.Row] = d.Column + "=" + d.Value
	}
	want := map[int]string{2: "country_code=E92000001", 3: "region_code=E12000009", 5: "new_la_code=E06000047", 6: "la_name=Somewhere"}
	if len(got) != len(want) || e.Total != 4 {
		t.Errorf("details %v, want %v", got, want)
	}
	for row, w := range want {
		if got[row] != w {
			t.Errorf("row %d: %q, want %q", row, got[row], w)
		}
	}
	if _, err := svc.Revisions(ctx, "cin"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("a refused upload stored a revision: %v", err)
	}

	// The empty limit allows nothing; nil allows everything.
	if _, err := svc.Load(ctx, "mine", strings.NewReader(good2), datasets.Upload{AllowedAreas: []string{}}); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("empty limit: %v", err)
	}
	load(t, svc, "mine", good2, "a.csv", "t")
	if _, err := svc.Load(ctx, "mine", strings.NewReader(good2), datasets.Upload{AllowedAreas: []string{"E06000058"}}); err != nil {
		t.Errorf("own rows into a dataset holding only own rows: %v", err)
	}
	// A dataset holding another area's rows is no longer refused: an area-limited upload is a
	// merge that replaces only the token's own rows (see TestMergeUploadsByArea). A file with a
	// row for another area is still refused whole, and records nothing.
	load(t, svc, "shared", good1, "b.csv", "t")
	rev, err := svc.Load(ctx, "shared", strings.NewReader(good2), datasets.Upload{AllowedAreas: []string{"E06000058"}})
	if err != nil || !rev.Merge || rev.Rows != 5 {
		t.Errorf("merging own rows into a shared dataset: %+v %v", rev, err)
	}
	_, err = svc.Load(ctx, "shared", strings.NewReader(good1), datasets.Upload{AllowedAreas: []string{"E06000058"}})
	if e, ok := errs.As(err); !ok || e.Code != errs.Forbidden || e.Total != 3 {
		t.Errorf("another area's rows into a shared dataset: %v", err)
	}
	if revs, _ := svc.Revisions(ctx, "shared"); len(revs) != 2 {
		t.Errorf("%d revisions of shared, want 2", len(revs))
	}
}
