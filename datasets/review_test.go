package datasets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// A dry run of an area token's merge answers the revision the real merge then records (rows,
// merge, merged_from, rows uploaded, columns) and stores nothing; the real merge keeps the other
// area's rows and leaves the new column empty in them; rows for England, a region or another
// area are refused whole, every one named.
func TestReviewMergeDryRunAndNewColumn(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	a := datasets.Upload{FileName: "bcp.csv", By: "bcp", TokenID: "tokA", AllowedAreas: []string{bcp}}
	b := datasets.Upload{FileName: "leics.csv", By: "leics", TokenID: "tokB", AllowedAreas: []string{leics}}
	r1 := loadAs(t, svc, "local_returns", srHeader+"NI50,"+bcp+",2019-20,10\n", a)

	data := "indicator,area,period,value,review_note\nNI50," + leics + ",2019-20,20,new\n"
	dry := b
	dry.DryRun = true
	p, err := svc.Load(ctx, "local_returns", strings.NewReader(data), dry)
	if err != nil {
		t.Fatal(err)
	}
	revs, err := svc.Revisions(ctx, "local_returns")
	if err != nil || len(revs) != 1 {
		t.Fatalf("the dry run recorded revisions: %d %v", len(revs), err)
	}
	r2 := loadAs(t, svc, "local_returns", data, b)
	if p.Merge != r2.Merge || p.MergedFrom != r1.ID || r2.MergedFrom != r1.ID || p.Rows != r2.Rows || r2.Rows != 2 ||
		p.RowsUploaded != r2.RowsUploaded || len(p.Columns) != len(r2.Columns) || p.SHA256 != r2.SHA256 {
		t.Errorf("dry run %+v\nmerge %+v", p, r2)
	}
	got := rowsOf(t, svc, r2.ID, ` || ' ' || coalesce(review_note, '(none)')`)
	if strings.Join(got, "|") != "NI50 "+bcp+" 10.0 (none)|NI50 "+leics+" 20.0 new" {
		t.Errorf("merged rows %q", got)
	}

	_, err = svc.Load(ctx, "local_returns", strings.NewReader(srHeader+"NI50,"+leics+",2019-20,1\nNI50,England,2019-20,2\nNI50,E12000004,2019-20,3\nNI50,"+bcp+",2019-20,4\n"), b)
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Forbidden || e.Total != 3 || len(e.Details) != 3 || e.Details[0].Row != 3 || e.Details[1].Row != 4 || e.Details[2].Row != 5 {
		t.Errorf("rows for England, a region and BCP: %v", err)
	}
}
