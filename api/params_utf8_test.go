package api_test

import (
	"net/http"
	"testing"
)

// No query parameter or path segment with bytes that are not UTF-8 reaches DuckDB as a 500.
func TestFinding11SiblingsNoParameterReachesSQLAsA500(t *testing.T) {
	f := sharedFixture(t)
	for _, p := range []string{
		"/api/v1/evaluations?period=%ff", "/api/v1/evaluations?indicator=%ff", "/api/v1/evaluations?area=%ff", "/api/v1/evaluations?level=%ff",
		"/api/v1/evaluations?group=neighbours:%ff", "/api/v1/indicators/secondary-good-outstanding-schools/areas?period=%ff",
		"/api/v1/indicators/%ff/areas", "/api/v1/indicators/secondary-good-outstanding-schools/evaluations?area=%ff",
		"/api/v1/areas/%ff/scorecard?period=%ff", "/api/v1/areas/839/scorecard?period=%ff", "/api/v1/scorecards/poole-childrens-trust?area=839&period=%ff",
		"/api/v1/datasets/%ff", "/api/v1/datasets/%ff/revisions", "/api/v1/indicators/x/areas/839/commentary?period=%ff",
		"/api/v1/indicators/secondary-good-outstanding-schools/areas/839/commentary?period=%ff",
		"/api/v1/charts/trend/injury-admissions-0-14?area=%ff", "/api/v1/charts/comparison/injury-admissions-0-14?area=839&period=%ff",
		"/api/v1/charts/spine/poole-childrens-trust?area=839&period=%ff", "/api/v1/scorecards/poole-childrens-trust/exceptions?area=839&period=%ff",
		"/scorecards/poole-childrens-trust?area=839&period=%ff", "/areas/839/indicators/injury-admissions-0-14?period=%ff",
		"/api/v1/audit?dataset=%ff&token=%ff&request_id=%ff&method=%ff",
		"/api/v1/datasets/poole_returns/revisions?cursor=%ff",
	} {
		rec := f.do(t, http.MethodGet, p, nil)
		if rec.Code >= 500 {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}
}
