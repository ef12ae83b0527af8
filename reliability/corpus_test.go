package reliability_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/api"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/reliability"
)

const badDir = "../testdata/bad"

// corpusCatalog knows NI50 and NI51 (proportions) and RATE1 (a rate), as the corpus expects.
type corpusCatalog struct{}

func (corpusCatalog) Known(id string) bool        { return id == "NI50" || id == "NI51" || id == "RATE1" }
func (corpusCatalog) IsProportion(id string) bool { return id == "NI50" || id == "NI51" }

// errorBody is the API's one error shape: RFC 9457 problem details with the code, total and
// problems extension members.
type errorBody struct {
	Code     string `json:"code"`
	Detail   string `json:"detail"`
	Total    int    `json:"total"`
	Problems []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Reason string `json:"reason"`
		Value  string `json:"value"`
	} `json:"problems"`
}

// TestCorpusThroughTheAPIChangesNothing uploads every corpus file through the HTTP API of the
// real wiring (scorecard.Open, shipped local_returns loaded and evaluated, one accepted
// revision of local_return) and fingerprints every table before and after each upload:
//   - a rejected file (422) adds exactly one row to revisions, status rejected, with the file's
//     SHA-256 and its problem count: the audit trail. With that row left out, every table
//     (revisions, datasets, every rev_N, evaluations, evaluation_runs, commentary) hashes the
//     same as before, and no table is created or dropped.
//   - a refused file (a bad dataset name: 422; too large: 413) changes nothing at all, not even
//     revisions.
//   - an accepted file (201) is stored with the rows the manifest gives.
func TestCorpusThroughTheAPIChangesNothing(t *testing.T) {
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
	app.Datasets.MaxBytes = reliability.CorpusLimit
	app.Datasets.Catalog = corpusCatalog{}
	if _, err := app.Datasets.Load(ctx, reliability.DefaultDataset, strings.NewReader("indicator,area,period,value\nNI50,836,2015-16,58.8\n"),
		datasets.Upload{FileName: "first.csv", By: "setup"}); err != nil {
		t.Fatal(err)
	}
	var evaluations int
	if err := app.DB.SQL.QueryRow("SELECT count(*) FROM evaluations").Scan(&evaluations); err != nil || evaluations == 0 {
		t.Fatalf("%d evaluations before the corpus (%v)", evaluations, err)
	}
	srv := &api.Server{Engine: app.Engine, Datasets: app.Datasets, Changes: app, Catalog: app.Catalog, Areas: app.Areas, Auth: app.Auth, Config: api.Config{AuthOff: true}} // these tests are about data, not access
	handler := srv.Handler()

	cases, err := reliability.LoadCorpus(badDir)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, tc := range cases {
		t.Run(tc.Name(), func(t *testing.T) {
			if tc.Catalog {
				app.Datasets.Catalog = corpusCatalog{}
			} else {
				app.Datasets.Catalog = nil
			}
			data, err := tc.Data(badDir)
			if err != nil {
				t.Fatal(err)
			}
			maxID := func() int64 {
				var id int64
				if err := app.DB.SQL.QueryRow("SELECT coalesce(max(id), 0) FROM revisions").Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id
			}
			if err := srv.AuditsWritten(ctx); err != nil { // the last case's record is in "before"
				t.Fatal(err)
			}
			before, err := reliability.TakeFingerprint(ctx, app.DB.SQL, nil)
			if err != nil {
				t.Fatal(err)
			}
			lastID := maxID()
			var lastAudit int64
			if err := app.DB.SQL.QueryRow("SELECT coalesce(max(id), 0) FROM audit_log").Scan(&lastAudit); err != nil {
				t.Fatal(err)
			}

			req := httptest.NewRequest(http.MethodPost, "/api/v1/datasets/"+url.PathEscape(tc.DatasetName())+"/revisions", bytes.NewReader(data))
			req.Header.Set("Content-Type", "text/csv")
			req.Header.Set("X-Uploaded-By", "corpus")
			req.Header.Set("X-File-Name", tc.Name()+".csv")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tc.Status {
				t.Fatalf("status %d, want %d: %.500s", rec.Code, tc.Status, rec.Body)
			}
			counts[tc.Outcome]++

			if tc.Outcome == reliability.Accepted {
				var up struct {
					Revision datasets.Revision `json:"revision"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil {
					t.Fatal(err)
				}
				if r := up.Revision; r.Status != datasets.Accepted || r.Rows != tc.Rows || r.Format != tc.Format || r.Encoding != tc.Encoding || !r.Current {
					t.Errorf("revision %+v, want accepted with %d rows of %s in %s", r, tc.Rows, tc.Format, tc.Encoding)
				}
				var n int
				if err := app.DB.SQL.QueryRow("SELECT count(*) FROM " + "rev_" + jsonInt(up.Revision.ID)).Scan(&n); err != nil || n != tc.Rows {
					t.Errorf("rev_%d holds %d rows (%v), want %d", up.Revision.ID, n, err, tc.Rows)
				}
				return
			}

			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body %q: %v", rec.Body, err)
			}
			if body.Code != tc.Code || !strings.Contains(body.Detail, tc.Message) {
				t.Errorf("error %s %q, want %s containing %q", body.Code, body.Detail, tc.Code, tc.Message)
			}
			skip := map[string]reliability.Skip{}
			// Every write attempt is audited: exactly one new audit row, saying it did not succeed.
			var auditID int64
			var result string
			if err := srv.AuditsWritten(ctx); err != nil {
				t.Fatal(err)
			}
			if err := app.DB.SQL.QueryRow("SELECT id, result FROM audit_log WHERE id > ? ORDER BY id", lastAudit).Scan(&auditID, &result); err != nil {
				t.Fatalf("no audit row for the attempt: %v", err)
			}
			if result == "ok" {
				t.Errorf("the audit row says %q for a refused upload", result)
			}
			skip["audit_log"] = reliability.Skip{Where: "id = ?", Arg: auditID}
			switch tc.Outcome {
			case reliability.Refused:
				if id := maxID(); id != lastID {
					t.Errorf("a refused upload recorded revision %d", id)
				}
				if tc.Dataset != "" {
					// The service itself, given the name unescaped, refuses it by name.
					_, err := app.Datasets.Load(ctx, tc.Dataset, bytes.NewReader(data), datasets.Upload{FileName: "direct.csv"})
					if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || !strings.Contains(e.Message, strconv.Quote(tc.Dataset)) {
						t.Errorf("Load with name %q: %v", tc.Dataset, err)
					}
				}
			case reliability.Rejected:
				if body.Total != tc.Total {
					t.Errorf("total %d, want %d", body.Total, tc.Total)
				}
				for _, w := range tc.Details {
					found := false
					for _, d := range body.Problems {
						found = found || d.Row == w.Row && d.Column == w.Column && strings.Contains(d.Reason, w.Reason) && (w.Value == "" || d.Value == w.Value)
					}
					if !found {
						t.Errorf("missing problem %+v in %+v", w, body.Problems)
					}
				}
				// The one audit row: the next id, rejected, not current, naming the file.
				id := maxID()
				if id != lastID+1 {
					t.Fatalf("revisions went from id %d to %d, want exactly one new", lastID, id)
				}
				revs, err := app.Datasets.Revisions(ctx, tc.DatasetName())
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(data)
				if r := revs[0]; r.ID != id || r.Status != datasets.Rejected || r.Current || r.Rows != 0 ||
					r.ErrorCount != tc.Total || r.SHA256 != hex.EncodeToString(sum[:]) || r.Bytes != int64(len(data)) || r.FileName != tc.Name()+".csv" {
					t.Errorf("audit row %+v", r)
				}
				skip["revisions"] = reliability.Skip{Where: "id = ?", Arg: id}
			}
			after, err := reliability.TakeFingerprint(ctx, app.DB.SQL, skip)
			if err != nil {
				t.Fatal(err)
			}
			if diff := before.Diff(after); len(diff) > 0 {
				t.Errorf("stored data changed:\n%s", strings.Join(diff, "\n"))
			}
			if len(after) < 7 {
				t.Errorf("only %d tables fingerprinted: %v", len(after), after)
			}
		})
	}
	t.Logf("through the API: %v", counts)
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
