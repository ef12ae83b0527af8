package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// nonFinite finds a non-finite number written out: NaN, Inf, or an overflowed exponent.
var nonFinite = regexp.MustCompile(`\bNaN\b|[+-]?Inf\b|\binfinity\b|e\+3[1-9][0-9]\b`)

// Finding 10: values near ±1.8e308 in a dataset (loaded through the upload route and evaluated as
// usual) must not make any chart or evaluation answer 500. Means, ranges and the spine's scale
// are computed without overflow; a figure that still cannot be represented is dropped and shown
// as missing with a reason; every response is valid JSON with only finite numbers.
func TestFinding10ExtremeValuesChartsAnswer200(t *testing.T) {
	f := newFixture(t, "local_returns")
	var csv strings.Builder
	csv.WriteString("indicator,area,period,value\n")
	codes := []string{"836"} // Poole, a former council, with Bournemouth and Christchurch's successor among the rest
	for _, a := range f.engine.Areas.LocalAuthorities() {
		codes = append(codes, a.Code)
	}
	for i, code := range codes {
		for _, p := range []string{"2015-16", "2016-17 Q4"} {
			v := math.MaxFloat64
			if i%3 == 1 {
				v = -math.MaxFloat64
			}
			if i%3 == 2 {
				v = 1e308
			}
			fmt.Fprintf(&csv, "secondary-good-outstanding-schools,%s,%s,%s\n", code, p, fmt.Sprint(v))
		}
	}
	// Such values are refused at upload now (finding 10's other half) ...
	rec := f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(csv.String()))
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "out of range") {
		t.Fatalf("upload of extreme values: %d %.300s, want 422", rec.Code, rec.Body)
	}
	// ... but a database may hold them from before the check: load ordinary figures and put the
	// extreme ones in their place, below the upload's checks.
	ordinary := regexp.MustCompile(`,[-0-9.e+]+\n`).ReplaceAllString(csv.String(), ",50\n")
	rec = f.do(t, http.MethodPost, "/api/v1/datasets/local_returns/revisions", csvBody(ordinary))
	if rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d %.500s", rec.Code, rec.Body)
	}
	var up struct {
		Revision struct {
			ID int64 `json:"id"`
		} `json:"revision"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil {
		t.Fatal(err)
	}
	// Data rows start on line 2, two per area, in the order written above.
	if _, err := f.db.SQL.Exec(fmt.Sprintf(`UPDATE rev_%d SET value = CASE ((_row - 2) // 2) %% 3
		WHEN 0 THEN 1.7976931348623157e308 WHEN 1 THEN -1.7976931348623157e308 ELSE 1e308 END`, up.Revision.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.EvaluateAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The figures are still computed: England is the mean of every LA (about 3.43e307), the
	// neighbours' average that of Poole's ten, and the spine chart draws the row.
	for path, want := range map[string]string{
		"/api/v1/charts/comparison/secondary-good-outstanding-schools?area=836": "England 34,284,216,321,339",
		"/api/v1/charts/spine/poole-childrens-trust?area=836":                   "of 10 indicators drawn",
	} {
		if body := f.do(t, http.MethodGet, path, nil).Body.String(); !strings.Contains(body, want) {
			t.Errorf("%s: no %q in %.400s", path, want, body)
		}
	}
	for _, path := range []string{
		"/api/v1/charts/trend/secondary-good-outstanding-schools?area=836",
		"/api/v1/charts/comparison/secondary-good-outstanding-schools?area=836",
		"/api/v1/charts/comparison/secondary-good-outstanding-schools?area=836&period=2016-17+Q4",
		"/api/v1/charts/spine/poole-childrens-trust?area=836",
		"/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=836",
		"/api/v1/indicators/secondary-good-outstanding-schools/areas",
		"/api/v1/areas/836/scorecard",
		"/api/v1/scorecards/poole-childrens-trust?area=836",
		"/api/v1/scorecards/poole-childrens-trust/exceptions?area=836",
		"/scorecards/poole-childrens-trust?area=836",
		"/areas/836/indicators/secondary-good-outstanding-schools",
	} {
		t.Run(path, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, path, nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %.500s", rec.Code, rec.Body)
			}
			if strings.HasPrefix(path, "/api/") && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("not valid JSON: %.500s", rec.Body)
			}
			if bad := nonFinite.FindString(rec.Body.String()); bad != "" {
				i := nonFinite.FindStringIndex(rec.Body.String())[0]
				t.Errorf("the response holds %q: …%s…", bad, rec.Body.String()[max(0, i-300):min(rec.Body.Len(), i+100)])
			}
		})
	}
}
