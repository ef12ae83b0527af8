package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

type requestBody struct {
	data        []byte
	contentType string
	headers     map[string]string
}

func (b *requestBody) reader() io.Reader { return bytes.NewReader(b.data) }

func csvBody(s string) *requestBody {
	return &requestBody{data: []byte(s), contentType: "text/csv", headers: map[string]string{"X-Uploaded-By": "analyst@example.org"}}
}

func decode[T any](tb testing.TB, body []byte) T {
	tb.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	return v
}

type scorecardJSON struct {
	Area engine.AreaRef `json:"area"`
	Rows []struct {
		Indicator  string             `json:"indicator"`
		Evaluation *engine.Evaluation `json:"evaluation"`
	} `json:"rows"`
}

func (s scorecardJSON) row(tb testing.TB, id string) *engine.Evaluation {
	tb.Helper()
	for _, r := range s.Rows {
		if r.Indicator == id {
			if r.Evaluation == nil {
				tb.Fatalf("%s: no evaluation", id)
			}
			return r.Evaluation
		}
	}
	tb.Fatalf("no row %s", id)
	return nil
}

// shippedRows reads a shipped CSV independently of the engine, for cross-checks.
func shippedRows(tb testing.TB, path string) (header map[string]int, rows [][]string) {
	tb.Helper()
	data, err := scorecard.ShippedFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	all, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	header = map[string]int{}
	for i, h := range all[0] {
		header[h] = i
	}
	return header, all[1:]
}

func num(tb testing.TB, s string) float64 {
	tb.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatalf("%q: %v", s, err)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// The foundation's acceptance test: BCP's scorecard shows England and region values equal to the
// published National and Regional rows of the source files, and SN averages from the 2025
// neighbours.
func TestBCPScorecardUsesPublishedEnglandAndRegionRows(t *testing.T) {
	f := sharedFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/areas/E06000058/scorecard", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	sc := decode[scorecardJSON](t, rec.Body.Bytes())
	if sc.Area.Code != "E06000058" || sc.Area.Name != "Bournemouth, Christchurch and Poole" {
		t.Fatalf("area = %+v", sc.Area)
	}

	t.Run("EES re-referrals 2025", func(t *testing.T) {
		h, rows := shippedRows(t, "datasets/shipped/ees_c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv")
		var england, southWest, bcp string
		for _, r := range rows {
			if r[h["time_period"]] != "2025" {
				continue
			}
			switch {
			case r[h["geographic_level"]] == "National":
				england = r[h["rereferral_percent"]]
			case r[h["geographic_level"]] == "Regional" && r[h["region_code"]] == "E12000009":
				southWest = r[h["rereferral_percent"]]
			case r[h["new_la_code"]] == "E06000058":
				bcp = r[h["rereferral_percent"]]
			}
		}
		ev := sc.row(t, "rereferrals")
		if ev.Period != "2025" || !near(*ev.Value, num(t, bcp)) {
			t.Errorf("value %s %v, want 2025 %s", ev.Period, *ev.Value, bcp)
		}
		checkComparator(t, ev.Comparators.England, "E92000001", num(t, england), engine.SourcePublished)
		checkComparator(t, ev.Comparators.Region, "E12000009", num(t, southWest), engine.SourcePublished)
	})

	t.Run("Fingertips injury admissions 2023/24", func(t *testing.T) {
		h, rows := shippedRows(t, "datasets/shipped/fingertips_90284_injury_admissions_0_14_england_region_utla.csv")
		vals := map[string]string{}
		for _, r := range rows {
			if r[h["Time period"]] == "2023/24" && r[h["Sex"]] == "Persons" && r[h["Category Type"]] == "" {
				vals[r[h["Area Code"]]] = r[h["Value"]]
			}
		}
		ev := sc.row(t, "injury-admissions-0-14")
		if ev.Period != "2023-24" {
			t.Fatalf("period %s", ev.Period)
		}
		checkComparator(t, ev.Comparators.England, "E92000001", num(t, vals["E92000001"]), engine.SourcePublished)
		checkComparator(t, ev.Comparators.Region, "E12000009", num(t, vals["E12000009"]), engine.SourcePublished)
		if ev.CI == nil || !ev.CI.Published {
			t.Errorf("confidence interval should be Fingertips' published one: %+v", ev.CI)
		}
	})

	t.Run("LAIT permanent exclusions 2023/24 and the SN average of the 2025 neighbours", func(t *testing.T) {
		h, rows := shippedRows(t, "datasets/shipped/lait_bds_long_childrens_services.csv")
		vals := map[string]float64{}
		for _, r := range rows {
			if r[h["measure_short"]] == "TotPermEx" && r[h["years"]] == "2023/24" && r[h["value"]] != "-" {
				vals[r[h["la_number"]]] = num(t, r[h["value"]])
			}
		}
		ev := sc.row(t, "perm-exclusion-rate")
		checkComparator(t, ev.Comparators.England, "E92000001", vals["970"], engine.SourcePublished)
		checkComparator(t, ev.Comparators.Region, "E12000009", vals["990"], engine.SourcePublished)

		reg := areas.Default()
		ns, err := reg.Neighbours(reg.MustLookup("839"), "2025-05")
		if err != nil || len(ns) != 10 {
			t.Fatalf("neighbours: %v %d", err, len(ns))
		}
		var sum float64
		n := 0
		for _, nb := range ns {
			if v, ok := vals[nb.Area.DfECode]; ok {
				sum += v
				n++
			}
		}
		sn := ev.Comparators.StatisticalNeighbours
		if sn.Vintage != "2025-05" || sn.N != n || sn.Of != 10 || sn.Source != engine.SourceNeighbourMean || !near(*sn.Value, sum/float64(n)) {
			t.Errorf("SN = %+v (value %v), want mean %v of %d neighbours, vintage 2025-05", sn, *sn.Value, sum/float64(n), n)
		}
		las := 0 // every LA with a value: LAIT numbers 970 (England) and 980-990 (regions) are not LAs
		for code := range vals {
			if n := num(t, code); n < 970 || n > 990 {
				las++
			}
		}
		if ev.Rank == nil || ev.Rank.Of != las || las != 153 {
			t.Errorf("rank = %+v, want of %d (153)", ev.Rank, las)
		}
	})
}

func checkComparator(t *testing.T, c *engine.Comparator, code string, want float64, source string) {
	t.Helper()
	if c == nil || c.Value == nil {
		t.Fatalf("comparator %s missing", code)
	}
	if c.Code != code || !near(*c.Value, want) || c.Source != source {
		t.Errorf("comparator %s = %s %v (%s), want %v (%s)", code, c.Code, *c.Value, c.Source, want, source)
	}
}

// The Poole Children's Trust score card row 1.14, from the example local return: the return's
// own comparator rows are used, Q4 improves on Q3, and the RAG is judged against 88%.
func TestPooleRow114(t *testing.T) {
	f := sharedFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	golden(t, "poole_1_14_series.json", rec.Body.Bytes())
	got := decode[struct{ Data []*engine.Evaluation }](t, rec.Body.Bytes())
	var periods []string
	for _, ev := range got.Data {
		periods = append(periods, ev.Period+"="+ev.DisplayValue)
	}
	if strings.Join(periods, " ") != "2015-16=58.8 2016-17 Q1=58.0 2016-17 Q2=58.0 2016-17 Q3=80.9 2016-17 Q4=85.3" {
		t.Fatalf("series = %v", periods)
	}
	annual := got.Data[0]
	checkComparator(t, annual.Comparators.England, "E92000001", 87.0, engine.SourcePublished)
	checkComparator(t, annual.Comparators.Region, "E12000009", 86.5, engine.SourcePublished)
	checkComparator(t, annual.Comparators.StatisticalNeighbours, "", 83.8, engine.SourcePublished)
	if annual.Area.Name != "Poole" || annual.Comparators.England.Judgement != "worse" || annual.Comparators.England.Method != "difference" {
		t.Errorf("2015-16: %+v %+v", annual.Area, annual.Comparators.England)
	}
	q4 := got.Data[4]
	prev := q4.Direction.Previous
	if prev == nil || prev.Period != "2016-17 Q3" || prev.Judgement != engine.Improving || !near(*prev.Change, 85.3-80.9) {
		t.Errorf("Q4 direction = %+v", prev)
	}
	if q4.RAG.Status != engine.Red || *q4.RAG.Target != 88 || *q4.RAG.Tolerance != 2 || q4.RAG.Rule != "higher_is_better/standard" {
		t.Errorf("Q4 RAG = %+v (85.3 is below 88 - 2)", q4.RAG)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./api -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file (run go test ./api -update if the change is intended)\ngot:\n%s", name, pretty.String())
	}
}

// errorJSON is an error response: RFC 9457 problem details with the code, total and problems
// extension members.
type errorJSON struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
	Code     string `json:"code"`
	Total    int    `json:"total"`
	Problems []struct {
		Row    int    `json:"row"`
		Column string `json:"column"`
		Reason string `json:"reason"`
	} `json:"problems"`
}

func TestErrorsAreJSONWithTheRightStatus(t *testing.T) {
	f := sharedFixture(t)
	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown area", "/api/v1/areas/E99999999/scorecard", 404, "not_found"},
		{"unknown indicator", "/api/v1/indicators/nope", 404, "not_found"},
		{"unknown route", "/api/v1/nothing", 404, "not_found"},
		{"bad period", "/api/v1/areas/839/scorecard?period=2016-17%20Q9", 400, "invalid"},
		{"series without area", "/api/v1/indicators/rereferrals/evaluations", 400, "invalid"},
		{"unknown dataset", "/api/v1/datasets/nope/revisions", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, tt.path, nil)
			body := decode[errorJSON](t, rec.Body.Bytes())
			if rec.Code != tt.status || body.Code != tt.code || body.Detail == "" {
				t.Errorf("%s: %d %s", tt.path, rec.Code, rec.Body)
			}
		})
	}
}

func TestUploadRejectedWithEveryProblemAndNothingChanges(t *testing.T) {
	f := newFixture(t, "local_returns")
	before := f.do(t, http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", nil).Body.String()

	rec := f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(
		"indicator,area,period,value\n"+
			"secondary-good-outstanding-schools,836,2016-17 Q4,abc\n"+
			"no-such-indicator,836,2016-17 Q4,1\n"+
			"secondary-good-outstanding-schools,Atlantis,2016-17 Q4,1\n"))
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	body := decode[errorJSON](t, rec.Body.Bytes())
	want := map[string]bool{"2/value": false, "3/indicator": false, "4/area": false}
	for _, d := range body.Problems {
		want[strconv.Itoa(d.Row)+"/"+d.Column] = true
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no problem reported at row/column %s: %s", k, rec.Body)
		}
	}
	after := f.do(t, http.MethodGet, "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", nil).Body.String()
	if before != after {
		t.Error("a rejected upload changed the evaluations")
	}
	revs := decode[struct {
		Data []struct {
			ID      int64
			Status  string
			Current bool
		}
	}](t, f.do(t, http.MethodGet, "/api/v1/datasets/local_returns/revisions", nil).Body.Bytes())
	if len(revs.Data) != 2 || revs.Data[0].Status != "rejected" || revs.Data[0].Current || !revs.Data[1].Current {
		t.Errorf("revisions = %+v", revs.Data)
	}
}

func TestUploadThenRestoreThroughTheAPI(t *testing.T) {
	f := newFixture(t, "local_returns")
	// A corrected Q4 figure arrives as a multipart upload.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "poole_q4.csv")
	io.WriteString(fw, "indicator,area,period,value\r\nsecondary-good-outstanding-schools,Poole,2016-17 Q4,88.4\r\n")
	mw.Close()
	rec := f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions",
		&requestBody{data: buf.Bytes(), contentType: mw.FormDataContentType()})
	if rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	up := decode[struct {
		Revision struct {
			ID       int64
			Rows     int
			FileName string `json:"file_name"`
			Status   string
		}
		Evaluated []engine.RunResult
	}](t, rec.Body.Bytes())
	readers := 0 // the upload re-evaluates every indicator reading local_returns, and no other
	for _, d := range f.engine.Catalog.All() {
		if d.Source.Dataset == "local_returns" {
			readers++
		}
	}
	if up.Revision.Rows != 1 || up.Revision.FileName != "poole_q4.csv" || up.Revision.Status != "accepted" || len(up.Evaluated) != readers || readers < 3 {
		t.Fatalf("upload result = %+v", up)
	}
	series := func() []*engine.Evaluation {
		return decode[struct{ Data []*engine.Evaluation }](t, f.do(t, http.MethodGet,
			"/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836", nil).Body.Bytes()).Data
	}
	if s := series(); len(s) != 1 || s[0].RAG.Status != engine.Green {
		t.Fatalf("after upload: %d evaluations, %+v", len(s), s)
	}
	rec = f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions/1/restore", &requestBody{contentType: "application/json"})
	if rec.Code != http.StatusCreated {
		t.Fatalf("restore: %d %s", rec.Code, rec.Body)
	}
	if s := series(); len(s) != 5 || s[4].DisplayValue != "85.3" {
		t.Fatalf("after restore: %d evaluations", len(s))
	}
	rec = f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions/99/restore", &requestBody{contentType: "application/json"})
	if rec.Code != http.StatusNotFound {
		t.Errorf("restore of unknown revision: %d %s", rec.Code, rec.Body)
	}
}

// An oversized upload is refused with 413 and nothing is stored, whether the service's own
// limit catches it or the request body is cut off first.
func TestUploadTooLarge(t *testing.T) {
	f := newFixture(t, "local_returns")
	f.sets.MaxBytes = 1 << 10
	row := "secondary-good-outstanding-schools,836,2016-17 Q4,85.3\n"
	for _, size := range []int{10 << 10, 3 << 20} {
		body := "indicator,area,period,value\n" + strings.Repeat(row, size/len(row))
		rec := f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(body))
		if e := decode[errorJSON](t, rec.Body.Bytes()); rec.Code != http.StatusRequestEntityTooLarge || e.Code != "too_large" {
			t.Errorf("%d bytes: %d %s", len(body), rec.Code, rec.Body)
		}
	}
	revs := f.do(t, http.MethodGet, "/api/v1/datasets/local_returns/revisions", nil)
	if n := decode[struct{ N int }](t, revs.Body.Bytes()).N; n != 1 {
		t.Errorf("%d revisions after refused uploads, want the 1 shipped", n)
	}
}
