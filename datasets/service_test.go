package datasets_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// fixedNow is the test clock: not UTC, and with nanoseconds DuckDB cannot keep.
var fixedNow = time.Date(2025, 3, 14, 10, 26, 53, 123456789, time.FixedZone("BST", 3600))

// wantCreated is fixedNow as a revision records it: UTC, to the microsecond.
var wantCreated = time.Date(2025, 3, 14, 9, 26, 53, 123456000, time.UTC)

const good1 = "indicator,area,period,value,numerator,denominator,note\n" +
	"NI50,836,2015-16,58.8,588,1000,Poole\n" +
	"NI50,SN:836,2015-16,83.8,,,statistical neighbours\n" +
	"NI50,England,2015-16,c,,,suppressed\n"

// good1SHA is `sha256sum` of good1, computed outside Go.
const good1SHA = "008ff918f9491c3230e8c2d953c704ddf8f565c635aa6b15d44dc353aef86b90"

const good2 = "indicator,area,period,value\n" +
	"NI50,839,2019-20,61.5\n" +
	"NI51,839,2019-20,\"1,234\"\n"

func newService(t *testing.T) *datasets.Service {
	t.Helper()
	db, err := store.Open("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := &datasets.Service{DB: db, Areas: areas.Default(), Catalog: testCatalog, Now: func() time.Time { return fixedNow }}
	if err := svc.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return svc
}

func load(t *testing.T, svc *datasets.Service, name, data, file, by string) *datasets.Revision {
	t.Helper()
	rev, err := svc.Load(context.Background(), name, strings.NewReader(data), datasets.Upload{FileName: file, By: by})
	if err != nil {
		t.Fatalf("Load %s: %v", file, err)
	}
	return rev
}

func wantCode(t *testing.T, err error, code errs.Code) *errs.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error %v (code %s), want code %s", err, errs.CodeOf(err), code)
	}
	return e
}

// snapshot is what a reader sees of a stored table: its row count, a checksum over every row
// computed by DuckDB, and the rows themselves.
type snapshot struct {
	count int
	sum   string
	rows  []string
}

func snap(t *testing.T, db *store.DB, table string) snapshot {
	t.Helper()
	var s snapshot
	q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(CAST(t AS VARCHAR), '|' ORDER BY t._row)), '') FROM %s AS t`,
		store.QuoteIdent(table))
	if err := db.SQL.QueryRow(q).Scan(&s.count, &s.sum); err != nil {
		t.Fatalf("checksum %s: %v", table, err)
	}
	rows, err := db.SQL.Query(fmt.Sprintf("SELECT * FROM %s ORDER BY _row", store.QuoteIdent(table)))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if tm, ok := v.(time.Time); ok {
				v = tm.Format(time.DateOnly)
			}
			fmt.Fprintf(&b, "%s=%v;", cols[i], v)
		}
		s.rows = append(s.rows, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s snapshot) equal(o snapshot) bool {
	return s.count == o.count && s.sum == o.sum && strings.Join(s.rows, "\n") == strings.Join(o.rows, "\n")
}

func tableExists(t *testing.T, db *store.DB, table string) bool {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = ?`, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func countRevisions(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM revisions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestServiceLoad(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	rev := load(t, svc, "local_return", good1, "poole_q1.csv", "ann@example.org")

	sum := sha256.Sum256([]byte(good1))
	if hex.EncodeToString(sum[:]) != good1SHA {
		t.Fatalf("test constant good1SHA is stale")
	}
	want := datasets.Revision{
		ID: 1, Dataset: "local_return", CreatedAt: wantCreated, CreatedBy: "ann@example.org",
		FileName: "poole_q1.csv", SHA256: good1SHA, Bytes: int64(len(good1)), Rows: 3,
		Status: datasets.Accepted, Format: "simple_return", Encoding: "utf-8", Current: true,
	}
	checkRevision(t, *rev, want)
	if rev.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", rev.CreatedAt.Location())
	}
	if len(rev.Columns) != 7 || rev.Columns[3].Name != "value" || rev.Columns[3].Type != datasets.Number || rev.Columns[3].Markers != 1 {
		t.Errorf("Columns = %+v", rev.Columns)
	}

	revs, err := svc.Revisions(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 1 {
		t.Fatalf("%d revisions, want 1", len(revs))
	}
	checkRevision(t, revs[0], want)
	if !revs[0].CreatedAt.Equal(rev.CreatedAt) {
		t.Errorf("stored CreatedAt %v != returned %v", revs[0].CreatedAt, rev.CreatedAt)
	}
	if fmt.Sprint(revs[0].Columns) != fmt.Sprint(rev.Columns) {
		t.Errorf("stored columns %v != returned %v", revs[0].Columns, rev.Columns)
	}

	d, err := svc.Get(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if d.Table != "rev_1" || d.Revision != 1 || d.Current.ID != 1 || !d.Current.Current {
		t.Errorf("Get = table %s, revision %d, current %+v", d.Table, d.Revision, d.Current)
	}
	if c, ok := d.Column("VALUE"); !ok || c.Type != datasets.Number {
		t.Errorf("Column(VALUE) = %+v, %v", c, ok)
	}

	// The stored rows: normalised keys, numbers as DOUBLE, markers beside them, text as given.
	rows, err := svc.DB.SQL.Query(`SELECT _row, _area, _level, _period, _period_kind, CAST(_period_end AS VARCHAR),
		"value", "value:marker", "numerator", "denominator", "note", "indicator", "area"
		FROM ` + d.Table + ` ORDER BY _row`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			line                                     int
			area, level, per, kind, end, ind, areaIn string
			value, num, den                          sql.NullFloat64
			marker, note                             sql.NullString
		)
		if err := rows.Scan(&line, &area, &level, &per, &kind, &end, &value, &marker, &num, &den, &note, &ind, &areaIn); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %s %s %v %v %v %v %v %s %s", line, area, level, per, kind, end,
			nullF(value), nullS(marker), nullF(num), nullF(den), nullS(note), ind, areaIn))
	}
	wantRows := []string{
		"2 E06000029 la 2015-16 financial_year 2016-03-31 58.8 NULL 588 1000 Poole NI50 836",
		"3 E06000029 sn_average 2015-16 financial_year 2016-03-31 83.8 NULL NULL NULL statistical neighbours NI50 SN:836",
		"4 E92000001 england 2015-16 financial_year 2016-03-31 NULL c NULL NULL suppressed NI50 England",
	}
	if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("stored rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
	}

	ds, err := svc.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Name != "local_return" || ds[0].Table != "rev_1" {
		t.Errorf("Datasets = %+v", ds)
	}
}

func nullF(v sql.NullFloat64) any {
	if !v.Valid {
		return "NULL"
	}
	return v.Float64
}

func nullS(v sql.NullString) string {
	if !v.Valid {
		return "NULL"
	}
	return v.String
}

func checkRevision(t *testing.T, got, want datasets.Revision) {
	t.Helper()
	type key struct {
		ID                                                int64
		Dataset, CreatedBy, FileName, SHA256, Status, Fmt string
		Enc                                               string
		Bytes                                             int64
		Rows                                              int
		RestoredFrom                                      int64
		Current                                           bool
		ErrorCount                                        int
	}
	k := func(r datasets.Revision) key {
		return key{r.ID, r.Dataset, r.CreatedBy, r.FileName, r.SHA256, r.Status, r.Format, r.Encoding, r.Bytes, r.Rows,
			r.RestoredFrom, r.Current, r.ErrorCount}
	}
	if k(got) != k(want) {
		t.Errorf("revision\n got %+v\nwant %+v", k(got), k(want))
	}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
}

func TestServiceRejectedUpload(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	load(t, svc, "local_return", good1, "good.csv", "ann")
	before := snap(t, svc.DB, "rev_1")
	if before.count != 3 || before.sum == "" {
		t.Fatalf("snapshot before = %d rows, sum %q", before.count, before.sum)
	}

	bad, err := os.ReadFile(filepath.Join(badDir, "unknown_area.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := svc.Load(ctx, "local_return", bytes.NewReader(bad), datasets.Upload{FileName: "bad.csv", By: "bob"})
	e := wantCode(t, err, errs.Invalid)
	if e.Total != 2 || len(e.Details) != 2 || e.Details[0].Row != 4 || e.Details[0].Column != "area" {
		t.Errorf("error details = %v (total %d)", e.Details, e.Total)
	}
	badSum := sha256.Sum256(bad)
	if rev == nil {
		t.Fatal("no rejected revision returned")
	}
	checkRevision(t, *rev, datasets.Revision{ID: 2, Dataset: "local_return", CreatedAt: wantCreated, CreatedBy: "bob",
		FileName: "bad.csv", SHA256: hex.EncodeToString(badSum[:]), Bytes: int64(len(bad)), Status: datasets.Rejected, ErrorCount: 2})

	revs, err := svc.Revisions(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[0].ID != 2 || revs[1].ID != 1 {
		t.Fatalf("revisions = %+v, want 2 then 1", revs)
	}
	r := revs[0]
	if r.Status != datasets.Rejected || r.Current || r.ErrorCount != 2 || r.Rows != 0 || len(r.Errors) != 2 {
		t.Errorf("rejected revision = %+v", r)
	}
	if len(r.Errors) == 2 && (r.Errors[1] != errs.Detail{Row: 5, Column: "area", Value: "E06999999", Reason: "unknown area (give a GSS code, DfE code or exact name)",
		Line: "NI50,E06999999,2015-16,58.8,,,"}) {
		t.Errorf("stored error = %+v", r.Errors[1])
	}
	if !revs[1].Current || revs[1].Status != datasets.Accepted {
		t.Errorf("revision 1 = %+v, want accepted and current", revs[1])
	}

	d, err := svc.Get(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if d.Revision != 1 || d.Table != "rev_1" {
		t.Errorf("current = %d (%s), want 1", d.Revision, d.Table)
	}
	if after := snap(t, svc.DB, d.Table); !after.equal(before) {
		t.Errorf("table changed: before %+v\nafter %+v", before, after)
	}
	if tableExists(t, svc.DB, "rev_2") {
		t.Errorf("a table was created for the rejected revision")
	}
	if !tableExists(t, svc.DB, "rev_1") {
		t.Errorf("rev_1 missing")
	}
}

// A file-level problem (no details of its own in the past) is still recorded with its reason.
func TestServiceRejectedEmptyFileNewDataset(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	_, err := svc.Load(ctx, "fresh", strings.NewReader(""), datasets.Upload{FileName: "empty.csv", By: "ann"})
	wantCode(t, err, errs.Invalid)
	revs, err := svc.Revisions(ctx, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 1 || revs[0].Status != datasets.Rejected || revs[0].Current || revs[0].ErrorCount != 1 ||
		len(revs[0].Errors) != 1 || revs[0].Errors[0].Reason != "the file is empty" {
		t.Errorf("revisions = %+v", revs)
	}
	if revs[0].SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("sha256 of the empty file = %s", revs[0].SHA256)
	}
	_, err = svc.Get(ctx, "fresh")
	wantCode(t, err, errs.NotFound)
	ds, err := svc.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Errorf("Datasets = %+v, want none (no accepted revision)", ds)
	}
}

func TestServiceSecondLoadAndRestore(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	load(t, svc, "local_return", good1, "q1.csv", "ann")
	rev1 := snap(t, svc.DB, "rev_1")
	rev2 := load(t, svc, "local_return", good2, "q2.csv", "ann")
	if rev2.ID != 2 || !rev2.Current || rev2.Rows != 2 {
		t.Fatalf("second load = %+v", rev2)
	}
	d, err := svc.Get(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if d.Revision != 2 || len(d.Columns) != 4 {
		t.Errorf("after second load: revision %d, columns %v", d.Revision, d.Columns)
	}
	if s := snap(t, svc.DB, d.Table); s.count != 2 {
		t.Errorf("current table has %d rows, want 2", s.count)
	}
	// A rejected revision to try restoring later.
	_, err = svc.Load(ctx, "local_return", strings.NewReader("indicator,area,period,value\nNI50,Atlantis,2015-16,1\n"), datasets.Upload{FileName: "bad.csv", By: "ann"})
	wantCode(t, err, errs.Invalid)

	restored, err := svc.Restore(ctx, "local_return", 1, "carol")
	if err != nil {
		t.Fatal(err)
	}
	checkRevision(t, *restored, datasets.Revision{ID: 4, Dataset: "local_return", CreatedAt: wantCreated, CreatedBy: "carol",
		FileName: "q1.csv", SHA256: good1SHA, Bytes: int64(len(good1)), Rows: 3, Status: datasets.Restored,
		Format: "simple_return", Encoding: "utf-8", RestoredFrom: 1, Current: true})

	d, err = svc.Get(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	if d.Revision != 4 || d.Table != "rev_4" || d.Current.Status != datasets.Restored || d.Current.RestoredFrom != 1 {
		t.Errorf("after restore: %+v", d)
	}
	if len(d.Columns) != 7 {
		t.Errorf("restored columns = %v, want revision 1's 7", d.Columns)
	}
	if got := snap(t, svc.DB, d.Table); !got.equal(rev1) {
		t.Errorf("restored data differs from revision 1:\n%v\n%v", got.rows, rev1.rows)
	}

	revs, err := svc.Revisions(ctx, "local_return")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	current := 0
	for _, r := range revs {
		ids = append(ids, fmt.Sprintf("%d:%s", r.ID, r.Status))
		if r.Current {
			current++
		}
	}
	if strings.Join(ids, " ") != "4:restored 3:rejected 2:accepted 1:accepted" || current != 1 || !revs[0].Current {
		t.Errorf("history = %v (current %d)", ids, current)
	}
	for _, tbl := range []string{"rev_1", "rev_2"} {
		if !tableExists(t, svc.DB, tbl) {
			t.Errorf("%s was deleted", tbl)
		}
	}

	// Restoring a rejected revision, an unknown one or another dataset's changes nothing.
	load(t, svc, "other", good2, "other.csv", "ann") // revision 5
	n := countRevisions(t, svc.DB)
	_, err = svc.Restore(ctx, "local_return", 3, "carol")
	wantCode(t, err, errs.Conflict)
	_, err = svc.Restore(ctx, "local_return", 99, "carol")
	wantCode(t, err, errs.NotFound)
	_, err = svc.Restore(ctx, "local_return", 5, "carol")
	wantCode(t, err, errs.NotFound)
	_, err = svc.Restore(ctx, "no_such_dataset", 1, "carol")
	wantCode(t, err, errs.NotFound)
	_, err = svc.Restore(ctx, "Local-Return", 1, "carol")
	wantCode(t, err, errs.Invalid)
	if got := countRevisions(t, svc.DB); got != n {
		t.Errorf("failed restores added revisions: %d -> %d", n, got)
	}
	if d, _ := svc.Get(ctx, "local_return"); d.Revision != 4 {
		t.Errorf("failed restore moved current to %d", d.Revision)
	}
	if tableExists(t, svc.DB, "rev_6") {
		t.Errorf("failed restore left a table")
	}

	// A restore of a restore copies the copy.
	again, err := svc.Restore(ctx, "local_return", 4, "dan")
	if err != nil {
		t.Fatal(err)
	}
	if again.RestoredFrom != 4 || again.ID != 6 {
		t.Errorf("restore of restore = %+v", again)
	}
	if got := snap(t, svc.DB, "rev_6"); !got.equal(rev1) {
		t.Errorf("second restore differs from revision 1")
	}
}

func TestServiceInvalidName(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	for _, name := range []string{"", "Local", "local-return", "1st", "_x", "a b", "rev;drop", strings.Repeat("a", 64)} {
		_, err := svc.Load(ctx, name, strings.NewReader(good1), datasets.Upload{FileName: "f.csv"})
		wantCode(t, err, errs.Invalid)
	}
	if n := countRevisions(t, svc.DB); n != 0 {
		t.Errorf("%d revisions stored for invalid names", n)
	}
	load(t, svc, strings.Repeat("a", 63), good1, "f.csv", "ann")
	load(t, svc, "a_1", good1, "f.csv", "ann")
}

func TestServiceTooLarge(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	data := "indicator,area,period,value\nNI50,836,2015-16,58.8\n"
	svc.MaxBytes = int64(len(data)) - 1
	_, err := svc.Load(ctx, "local_return", strings.NewReader(data), datasets.Upload{FileName: "big.csv"})
	e := wantCode(t, err, errs.TooLarge)
	if want := fmt.Sprintf("larger than the %d bytes limit", len(data)-1); !strings.Contains(e.Message, want) {
		t.Errorf("message %q does not contain %q", e.Message, want)
	}
	if n := countRevisions(t, svc.DB); n != 0 {
		t.Errorf("%d revisions stored for a too-large file", n)
	}
	_, err = svc.Revisions(ctx, "local_return")
	wantCode(t, err, errs.NotFound)

	svc.MaxBytes = int64(len(data)) // exactly at the limit is allowed
	if rev := load(t, svc, "local_return", data, "fits.csv", "ann"); rev.Rows != 1 {
		t.Errorf("rows = %d", rev.Rows)
	}

	svc.MaxBytes = 1 << 20
	_, err = svc.Load(ctx, "local_return", strings.NewReader(strings.Repeat("x", 1<<20+1)), datasets.Upload{})
	e = wantCode(t, err, errs.TooLarge)
	if !strings.Contains(e.Message, "larger than the 1 MiB limit") {
		t.Errorf("message %q", e.Message)
	}
	if n := countRevisions(t, svc.DB); n != 1 {
		t.Errorf("%d revisions, want 1 (the file that fitted)", n)
	}
}

// Concurrent uploads and reads: every accepted revision has its complete table, rejected ones
// none, exactly one revision is current (the last accepted), and a reader never sees a current
// revision whose table disagrees with its row count.
func TestServiceConcurrentLoads(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	const n = 8
	file := func(i int) string {
		if i%4 == 3 {
			return "indicator,area,period,value\nNI50,Atlantis,2015-16,1\n"
		}
		var b strings.Builder
		b.WriteString("indicator,area,period,value\n")
		for j := 0; j <= i; j++ {
			fmt.Fprintf(&b, "NI50,836,%d,%d\n", 2001+j, i*100+j)
		}
		return b.String()
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	readErrs := make(chan error, 100)
	var reads [2]int
	for r := range reads {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					if reads[r] > 0 {
						return
					}
				default:
				}
				d, err := svc.Get(ctx, "shared")
				if errs.CodeOf(err) == errs.NotFound {
					continue
				}
				if err != nil {
					readErrs <- err
					return
				}
				var count int
				if err := svc.DB.SQL.QueryRow("SELECT count(*) FROM " + store.QuoteIdent(d.Table)).Scan(&count); err != nil {
					readErrs <- err
					return
				}
				if count != d.Current.Rows {
					readErrs <- fmt.Errorf("reader saw %s with %d rows, revision says %d", d.Table, count, d.Current.Rows)
					return
				}
				reads[r]++
			}
		}()
	}

	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = svc.Load(ctx, "shared", strings.NewReader(file(i)), datasets.Upload{FileName: fmt.Sprintf("f%d.csv", i), By: "load"})
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(readErrs)
	for err := range readErrs {
		t.Error(err)
	}
	t.Logf("reads checked: %v", reads)
	for i, err := range results {
		if (i%4 == 3) != (err != nil) {
			t.Errorf("load %d: error %v", i, err)
		}
	}

	revs, err := svc.Revisions(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != n {
		t.Fatalf("%d revisions, want %d", len(revs), n)
	}
	seen := map[int64]bool{}
	var current []int64
	var lastAccepted int64
	for _, r := range revs {
		if seen[r.ID] {
			t.Errorf("revision id %d twice", r.ID)
		}
		seen[r.ID] = true
		var i int
		if _, err := fmt.Sscanf(r.FileName, "f%d.csv", &i); err != nil {
			t.Fatalf("file name %q", r.FileName)
		}
		if r.Current {
			current = append(current, r.ID)
		}
		if i%4 == 3 {
			if r.Status != datasets.Rejected || tableExists(t, svc.DB, fmt.Sprintf("rev_%d", r.ID)) {
				t.Errorf("revision %d (%s): status %s", r.ID, r.FileName, r.Status)
			}
			continue
		}
		lastAccepted = max(lastAccepted, r.ID)
		if r.Status != datasets.Accepted || r.Rows != i+1 {
			t.Errorf("revision %d (%s): status %s rows %d, want accepted with %d", r.ID, r.FileName, r.Status, r.Rows, i+1)
		}
		var count int
		var total float64
		q := fmt.Sprintf(`SELECT count(*), sum("value") FROM rev_%d`, r.ID)
		if err := svc.DB.SQL.QueryRow(q).Scan(&count, &total); err != nil {
			t.Fatal(err)
		}
		// values are i*100+j for j = 0..i: the table holds this file's rows and no other's.
		if wantTotal := float64((i+1)*i*100 + i*(i+1)/2); count != i+1 || total != wantTotal {
			t.Errorf("rev_%d: %d rows summing to %v, want %d summing to %v", r.ID, count, total, i+1, wantTotal)
		}
	}
	if len(current) != 1 || current[0] != lastAccepted {
		t.Errorf("current revisions %v, want exactly [%d] (the last accepted)", current, lastAccepted)
	}
	var pointers int
	if err := svc.DB.SQL.QueryRow(`SELECT count(*) FROM datasets WHERE name = 'shared'`).Scan(&pointers); err != nil || pointers != 1 {
		t.Errorf("datasets rows for shared = %d (%v)", pointers, err)
	}
}
