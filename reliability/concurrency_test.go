package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/store"
)

var numReaders = 64

// concurrencyDuration is how long uploaders and readers run (RELIABILITY_DURATION overrides).
func concurrencyDuration(t *testing.T) time.Duration {
	if s := os.Getenv("RELIABILITY_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return 5 * time.Second
}

// lasNames are local authorities (DfE codes) used as the rows' areas.
var las = []string{"836", "837", "839", "840", "841", "845", "846", "850", "851", "852", "855", "856", "857", "860", "861",
	"865", "866", "867", "868", "869", "870", "871", "872", "873", "874", "876", "877", "878", "879", "880", "881", "882"}

// conc builds upload number token of the "conc" dataset: rows for (token % 20) + 10 areas,
// every value the token and the numerators 0, 1, ... so a reader can tell one upload's rows
// from a mix: count = rows, min(value) = max(value) = token, sum(numerator) = rows*(rows-1)/2.
func conc(token int) (string, int) {
	n := token%20 + 10
	var b strings.Builder
	b.WriteString("indicator,area,period,value,numerator,denominator\n")
	for j := range n {
		fmt.Fprintf(&b, "secondary-good-outstanding-schools,%s,2016-17,%d,%d,100000000\n", las[j], token, j)
	}
	return b.String(), n
}

// localReturn builds an upload of local_returns, which indicators read: four quarters for Poole
// whose values are base, base+0.1, base+0.2, base+0.3, so evaluations from one upload are
// recognisable (each quarter's value minus the first is 0.1 per quarter, and all carry the
// same source revision).
func localReturn(token int) string {
	base := float64(token%500) / 10
	var b strings.Builder
	b.WriteString("indicator,area,period,value\n")
	for q := range 4 {
		fmt.Fprintf(&b, "secondary-good-outstanding-schools,836,2016-17 Q%d,%.1f\n", q+1, base+float64(q)/10)
	}
	return b.String()
}

type accepted struct {
	id      int64
	dataset string
	token   int
	rows    int
}

// TestConcurrentUploadsAndReads runs 8 uploaders and 64 readers through the HTTP handler of the
// real wiring for a bounded time. Uploads go to a shared dataset (conc) and to local_returns,
// whose upload re-evaluates indicators; one in five is a bad file. Readers check that the
// current revision of conc is complete (its table matches its revision's row count and holds
// one upload's rows), that an indicator's evaluations all come from one revision of
// local_returns with that upload's values, and that lists answer. Afterwards every accepted
// upload is listed as accepted with its complete table, rejected ones hold no table, and an
// accepted revision restores.
func TestConcurrentUploadsAndReads(t *testing.T) {
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	// Eight uploaders share the service's two parse slots: they queue for them (as long as it
	// takes under -race) instead of being refused as busy, which TestFinding3BusyUploadStoresNothing covers.
	app.Datasets.BusyWait = time.Minute
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
	handler := (&api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth, Config: api.Config{AuthOff: true}}).Handler() // these tests are about data, not access
	do := func(method, path, body string) *httptest.ResponseRecorder {
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "text/csv")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}

	duration := concurrencyDuration(t)
	deadline := time.Now().Add(duration)
	var (
		mu                   sync.Mutex
		good                 []accepted
		rejected             []string // file names of rejected uploads
		uploads, reads, bads atomic.Int64
		failures             = make(chan string, 100)
	)
	fail := func(format string, args ...any) {
		select {
		case failures <- fmt.Sprintf(format, args...):
		default:
		}
	}

	var wg sync.WaitGroup
	for u := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(deadline); k++ {
				token := u*100000 + k + 1
				name, body, rows := "conc", "", 0
				switch {
				case k%5 == 1:
					body = "indicator,area,period,value\nsecondary-good-outstanding-schools,Atlantis,2016-17,1\n"
				case k%4 == 2:
					name, body, rows = "local_returns", localReturn(token), 4
				default:
					body, rows = conc(token)
				}
				req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets/"+name+"/revisions", strings.NewReader(body))
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set("X-File-Name", fmt.Sprintf("t%d.csv", token))
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, req)
				uploads.Add(1)
				if rows == 0 {
					if rec.Code != http.StatusUnprocessableEntity {
						fail("bad upload %d: %d %s", token, rec.Code, rec.Body)
					}
					bads.Add(1)
					mu.Lock()
					rejected = append(rejected, fmt.Sprintf("t%d.csv", token))
					mu.Unlock()
					continue
				}
				if rec.Code != http.StatusCreated {
					fail("upload %d to %s: %d %.300s", token, name, rec.Code, rec.Body)
					return
				}
				var up struct {
					Revision datasets.Revision `json:"revision"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil || up.Revision.Rows != rows {
					fail("upload %d: %v, revision %+v", token, err, up.Revision)
					return
				}
				mu.Lock()
				good = append(good, accepted{id: up.Revision.ID, dataset: name, token: token, rows: rows})
				mu.Unlock()
			}
		}()
	}

	for r := range numReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				var err error
				switch (r + i) % 3 {
				case 0:
					err = readConc(ctx, app.Datasets, app.DB)
				case 1:
					err = readEvaluations(do)
				default:
					if rec := do(http.MethodGet, "/api/v1/datasets", ""); rec.Code != http.StatusOK {
						err = fmt.Errorf("list datasets: %d %s", rec.Code, rec.Body)
					}
				}
				if err != nil {
					fail("reader %d: %v", r, err)
					return
				}
				reads.Add(1)
				// A little think time, as boards have: 64 readers flat out on a shared CI
				// machine would starve the uploaders the test is about.
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	t.Logf("%v with 8 uploaders and 64 readers: %d uploads (%d accepted, %d rejected), %d reads checked",
		duration, uploads.Load(), len(good), bads.Load(), reads.Load())
	if len(good) < 8 || reads.Load() < 64 {
		t.Errorf("too little work done to prove anything: %d accepted uploads, %d reads", len(good), reads.Load())
	}

	// Every accepted upload is present, complete and listed as accepted; rejected ones are
	// listed as rejected and hold no table.
	listed := map[int64]datasets.Revision{}
	for _, name := range []string{"conc", "local_returns"} {
		rec := do(http.MethodGet, "/api/v1/datasets/"+name+"/revisions", "")
		var l struct {
			Data []datasets.Revision `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		current := 0
		for _, r := range l.Data {
			listed[r.ID] = r
			if r.Current {
				current++
			}
		}
		if current != 1 {
			t.Errorf("%s has %d current revisions", name, current)
		}
	}
	for _, a := range good {
		r, ok := listed[a.id]
		if !ok || r.Status != datasets.Accepted || r.Rows != a.rows || r.FileName != fmt.Sprintf("t%d.csv", a.token) || r.Dataset != a.dataset {
			t.Errorf("accepted upload %+v listed as %+v (%v)", a, r, ok)
			continue
		}
		var n int
		if err := app.DB.SQL.QueryRow(fmt.Sprintf("SELECT count(*) FROM rev_%d", a.id)).Scan(&n); err != nil || n != a.rows {
			t.Errorf("rev_%d: %d rows (%v), want %d", a.id, n, err, a.rows)
		}
	}
	nRejected := 0
	for _, r := range listed {
		if r.Status == datasets.Rejected {
			nRejected++
			var n int
			app.DB.SQL.QueryRow(`SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, fmt.Sprintf("rev_%d", r.ID)).Scan(&n)
			if n != 0 || r.Current {
				t.Errorf("rejected revision %d has a table or is current", r.ID)
			}
		}
	}
	if nRejected != len(rejected) {
		t.Errorf("%d rejected revisions listed, %d rejected uploads", nRejected, len(rejected))
	}
	// The first accepted upload of conc restores.
	for _, a := range good {
		if a.dataset != "conc" {
			continue
		}
		rec := do(http.MethodPost, fmt.Sprintf("/api/v1/datasets/conc/revisions/%d/restore", a.id), "")
		var up struct {
			Revision datasets.Revision `json:"revision"`
		}
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &up) != nil || up.Revision.RestoredFrom != a.id || up.Revision.Rows != a.rows {
			t.Errorf("restore of %d: %d %s", a.id, rec.Code, rec.Body)
		}
		if err := readConc(ctx, app.Datasets, app.DB); err != nil {
			t.Error(err)
		}
		break
	}
}

// readConc checks the current revision of conc: its table holds exactly that upload's rows.
func readConc(ctx context.Context, svc *datasets.Service, db *store.DB) error {
	d, err := svc.Get(ctx, "conc")
	if err != nil {
		if strings.Contains(err.Error(), "no dataset") {
			return nil // no upload has committed yet
		}
		return err
	}
	var token int
	if _, err := fmt.Sscanf(d.Current.FileName, "t%d.csv", &token); err != nil {
		return fmt.Errorf("current revision %d: file name %q", d.Revision, d.Current.FileName)
	}
	var n int
	var lo, hi, sum float64
	q := fmt.Sprintf(`SELECT count(*), min("value"), max("value"), sum("numerator") FROM %s`, store.QuoteIdent(d.Table))
	if err := db.SQL.QueryRowContext(ctx, q).Scan(&n, &lo, &hi, &sum); err != nil {
		return err
	}
	_, rows := conc(token)
	if n != d.Current.Rows || n != rows || lo != float64(token) || hi != float64(token) || sum != float64(rows*(rows-1)/2) {
		return fmt.Errorf("revision %d (%s) of %d rows reads %d rows, values %v..%v, numerators summing to %v: not one complete upload",
			d.Revision, d.Current.FileName, d.Current.Rows, n, lo, hi, sum)
	}
	return nil
}

// readEvaluations checks that Poole's 2016-17 quarterly evaluations come from one revision of
// local_returns, with that upload's pattern of values.
func readEvaluations(do func(method, path, body string) *httptest.ResponseRecorder) error {
	rec := do(http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", "")
	if rec.Code != http.StatusOK {
		return fmt.Errorf("evaluations: %d %s", rec.Code, rec.Body)
	}
	var l struct {
		Data []struct {
			Period string   `json:"period"`
			Value  *float64 `json:"value"`
			Source struct {
				Dataset  string `json:"dataset"`
				Revision int64  `json:"revision"`
			} `json:"source"`
		} `json:"data"`
	}
	if err := json.NewDecoder(bytes.NewReader(rec.Body.Bytes())).Decode(&l); err != nil {
		return err
	}
	var revision int64
	var q1 *float64
	for _, ev := range l.Data {
		if revision == 0 {
			revision = ev.Source.Revision
		}
		if ev.Source.Revision != revision {
			return fmt.Errorf("evaluations from revisions %d and %d in one answer", revision, ev.Source.Revision)
		}
		if ev.Period == "2016-17 Q1" {
			q1 = ev.Value
		}
	}
	if q1 == nil || len(l.Data) != 4 {
		if len(l.Data) > 0 && l.Data[0].Source.Revision == 1 {
			return nil // still the shipped revision
		}
		return fmt.Errorf("%d evaluations, Q1 %v", len(l.Data), q1)
	}
	for _, ev := range l.Data {
		var q int
		fmt.Sscanf(ev.Period, "2016-17 Q%d", &q)
		if ev.Value == nil || math.Abs(*ev.Value-*q1-float64(q-1)/10) > 1e-9 {
			return fmt.Errorf("revision %d: %s = %v with Q1 = %v: values from different uploads", revision, ev.Period, ev.Value, *q1)
		}
	}
	return nil
}
