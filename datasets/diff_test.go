package datasets_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

const diffV1 = "indicator,area,period,value,note\n" +
	"NI50," + bcp + ",2019-20,10,a\n" +
	"NI50," + leics + ",2019-20,20,b\n" +
	"NI51," + bcp + ",2019-20,c,c\n"

// diffV2 changes Leicestershire's value, removes BCP's NI51 row, adds one and changes a note.
const diffV2 = "indicator,area,period,value,note\n" +
	"NI50," + bcp + ",2019-20,10,a2\n" +
	"NI50," + leics + ",2019-20,21,b\n" +
	"NI51," + leics + ",2019-20,5,\n"

func TestDiffRevisions(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	r1 := load(t, svc, "lr", diffV1, "v1.csv", "ann")
	r2 := load(t, svc, "lr", diffV2, "v2.csv", "ann")

	// Against itself: empty.
	d, err := svc.Diff(ctx, "lr", r2.ID, r2.ID, datasets.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Added+d.Removed+d.Changed != 0 || d.Unchanged != 3 || len(d.Changes) != 0 {
		t.Errorf("self diff %+v", d)
	}

	// Against the previous revision (the default).
	d, err = svc.Diff(ctx, "lr", r2.ID, 0, datasets.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Against != r1.ID || d.Added != 1 || d.Removed != 1 || d.Changed != 2 || d.Unchanged != 0 {
		t.Fatalf("diff %+v", d)
	}
	if want := []string{"indicator", "_area", "_level", "_period"}; !slices.Equal(d.KeyColumns, want) {
		t.Errorf("key columns %v, want %v", d.KeyColumns, want)
	}
	if want := []string{"area", "period", "value", "note"}; !slices.Equal(d.Columns, want) {
		t.Errorf("columns %v, want %v", d.Columns, want)
	}
	got := describe(d.Changes)
	want := []string{
		"changed NI50/" + bcp + " note: a -> a2",
		"changed NI50/" + leics + " value: 20 -> 21",
		"removed NI51/" + bcp + " value=c",
		"added NI51/" + leics + " value=5",
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Paging: the same changes, in the same order.
	var paged []string
	for off := 0; off < 4; off += 3 {
		p, err := svc.Diff(ctx, "lr", r2.ID, 0, datasets.DiffOptions{Limit: 3, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, describe(p.Changes)...)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged changes %q", paged)
	}

	// A restore of r1 is the exact inverse of r2's change.
	r3, err := svc.Restore(ctx, "lr", r1.ID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := svc.Diff(ctx, "lr", r3.ID, 0, datasets.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Against != r2.ID || inv.Added != d.Removed || inv.Removed != d.Added || inv.Changed != d.Changed {
		t.Errorf("restore diff %+v", inv)
	}
	if len(inv.Changes) != len(d.Changes) {
		t.Fatalf("restore diff has %d changes, want %d", len(inv.Changes), len(d.Changes))
	}
	for i, c := range d.Changes {
		r := inv.Changes[i]
		kind := map[string]string{datasets.Added: datasets.Removed, datasets.Removed: datasets.Added, datasets.Changed: datasets.Changed}[c.Kind]
		if r.Kind != kind || fmt.Sprint(r.Key) != fmt.Sprint(c.Key) || fmt.Sprint(r.Old) != fmt.Sprint(c.New) || fmt.Sprint(r.New) != fmt.Sprint(c.Old) ||
			!slices.Equal(r.ChangedColumns, c.ChangedColumns) {
			t.Errorf("change %d: %+v is not the inverse of %+v", i, r, c)
		}
	}

	// The first revision: every row added.
	d, err = svc.Diff(ctx, "lr", r1.ID, 0, datasets.DiffOptions{})
	if err != nil || d.Against != 0 || d.Added != 3 || d.Removed+d.Changed+d.Unchanged != 0 {
		t.Errorf("first revision diff %+v %v", d, err)
	}

	// Unknown and rejected revisions, and bad paging.
	if _, err := svc.Diff(ctx, "lr", 999, 0, datasets.DiffOptions{}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown revision: %v", err)
	}
	bad, _ := svc.Load(ctx, "lr", strings.NewReader("indicator,area,period,value\nNI50,nowhere,2019-20,1\n"), datasets.Upload{})
	if _, err := svc.Diff(ctx, "lr", bad.ID, 0, datasets.DiffOptions{}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("rejected revision: %v", err)
	}
	if _, err := svc.Diff(ctx, "lr", r2.ID, bad.ID, datasets.DiffOptions{}); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("against a rejected revision: %v", err)
	}
	if _, err := svc.Diff(ctx, "lr", r2.ID, 0, datasets.DiffOptions{Limit: 1001}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("limit 1001: %v", err)
	}

	// DiffEach gives every change, in the same order.
	var all []datasets.Change
	var head *datasets.Diff
	if err := svc.DiffEach(ctx, "lr", r2.ID, 0, nil, func(d *datasets.Diff) error { head = d; return nil },
		func(c datasets.Change) error { all = append(all, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if head == nil || head.Against != r1.ID || len(head.Columns) != 4 || len(all) == 0 {
		t.Errorf("DiffEach head %+v", head)
	}
	if !slices.Equal(describe(all), want) {
		t.Errorf("DiffEach %q", describe(all))
	}
}

// A format without a key is compared row by row: rows are only added or removed.
func TestDiffWithoutKey(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	h := "measure_short,years,la_number,value\n"
	load(t, svc, "lait", h+"M1,2015,201,1.5\nM1,2016,201,2\nM1,2016,201,2\n", "a.csv", "x")
	r2 := load(t, svc, "lait", h+"M1,2015,201,1.5\nM1,2016,201,3\nM1,2016,201,2\n", "b.csv", "x")
	d, err := svc.Diff(ctx, "lait", r2.ID, 0, datasets.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Added != 1 || d.Removed != 1 || d.Changed != 0 || d.Unchanged != 2 || len(d.Columns) != 0 || len(d.KeyColumns) != 4 {
		t.Errorf("diff %+v", d)
	}
	if got := describe(d.Changes); len(got) != 2 || got[0] != "removed  value=2" || got[1] != "added  value=3" {
		t.Errorf("changes %q", got)
	}
}

// describe writes a change as "kind indicator/area column: old -> new" (changed) or "kind
// indicator/area value=v".
func describe(cs []datasets.Change) []string {
	var out []string
	for _, c := range cs {
		key := ""
		if len(c.Key) > 1 {
			key = fmt.Sprintf("%v/%v", c.Key[0], c.Key[1])
		}
		switch c.Kind {
		case datasets.Changed:
			var parts []string
			for _, col := range c.ChangedColumns {
				parts = append(parts, fmt.Sprintf("%s: %v -> %v", col, c.Old[col], c.New[col]))
			}
			out = append(out, fmt.Sprintf("changed %s %s", key, strings.Join(parts, ", ")))
		case datasets.Added:
			out = append(out, fmt.Sprintf("added %s value=%v", key, c.New["value"]))
		default:
			out = append(out, fmt.Sprintf("removed %s value=%v", key, c.Old["value"]))
		}
	}
	return out
}

// BenchmarkDiff100k compares two revisions of 100,800 rows each, about 1% of them changed.
func BenchmarkDiff100k(b *testing.B) {
	db, err := store.Open("")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := &datasets.Service{DB: db, Areas: areas.Default(), MaxBytes: 64 << 20}
	ctx := context.Background()
	if err := svc.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var las []string
	for _, a := range svc.Areas.LocalAuthorities() {
		x, ok1 := svc.Areas.LookupAt(a.Code, time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC))
		y, ok2 := svc.Areas.LookupAt(a.Code, time.Date(2016, 12, 1, 0, 0, 0, 0, time.UTC))
		if ok1 && ok2 && x.Code == a.Code && y.Code == a.Code {
			las = append(las, a.Code)
		}
	}
	las = las[:min(len(las), 140)]
	file := func(changed bool) string {
		var sb strings.Builder
		sb.WriteString("indicator,area,period,value\n")
		n := 0
		for ind := range 10 {
			for _, la := range las {
				for m := range 72 {
					v := n % 1000
					if changed && n%100 == 0 {
						v++
					}
					fmt.Fprintf(&sb, "I%d,%s,%d-%02d,%d\n", ind, la, 2010+m/12, m%12+1, v)
					n++
				}
			}
		}
		return sb.String()
	}
	r1, err := svc.Load(ctx, "big", strings.NewReader(file(false)), datasets.Upload{})
	if err != nil {
		b.Fatal(err)
	}
	r2, err := svc.Load(ctx, "big", strings.NewReader(file(true)), datasets.Upload{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := svc.Diff(ctx, "big", r2.ID, r1.ID, datasets.DiffOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if d.Changed != (r2.Rows+99)/100 || d.Unchanged != r2.Rows-d.Changed || len(d.Changes) != datasets.DefaultDiffLimit {
			b.Fatalf("rows %d: diff %+v", r2.Rows, d)
		}
	}
	b.ReportMetric(float64(r2.Rows), "rows")
}
