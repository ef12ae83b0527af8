package datasets_test

import (
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/datasets"
)

// sourcesCatalog is testCatalog with indicators that read datasets.
type sourcesCatalog struct {
	fakeCatalog
	sources []datasets.Source
}

func (c sourcesCatalog) Sources() []datasets.Source { return c.sources }

// An upload no indicator will read is accepted with a warning that says what the indicators do
// read: other datasets, or, for this one, which rows.
func TestNoOpUploadWarns(t *testing.T) {
	svc := newService(t)
	svc.Catalog = sourcesCatalog{testCatalog, []datasets.Source{
		{Indicator: "NI50", Dataset: "local_returns", ReturnIndicator: "NI50"},
		{Indicator: "RATE1", Dataset: "local_returns", ReturnIndicator: "RATE1", Filters: map[string]string{"note": "final"}},
		{Indicator: "NI51", Dataset: "cin", Filters: map[string]string{"geographic_level": "Local authority"}},
	}}
	// No indicator reads poole_returns.
	rev := load(t, svc, "poole_returns", good2, "p.csv", "ann")
	if len(rev.Warnings) != 1 || !strings.Contains(rev.Warnings[0], "no indicator reads the dataset poole_returns") ||
		!strings.Contains(rev.Warnings[0], "cin; local_returns") {
		t.Errorf("warnings %q", rev.Warnings)
	}
	// local_returns is read, but not for NI51 nor for RATE1 without note=final.
	rev = load(t, svc, "local_returns", "indicator,area,period,value,note\nNI51,839,2019-20,1,\nRATE1,839,2019-20,2,draft\n", "l.csv", "ann")
	want := `none of the 2 rows is read by an indicator, so no figure changes: the indicators reading local_returns select rows with a period for England, a region or a local authority, each with its filters: ` +
		`NI50 (indicator = "NI50"); RATE1 (indicator = "RATE1", note = "final")`
	if len(rev.Warnings) != 1 || rev.Warnings[0] != want {
		t.Errorf("warnings %q\nwant %q", rev.Warnings, want)
	}
	// Stored with the revision.
	revs, err := svc.Revisions(t.Context(), "local_returns")
	if err != nil || len(revs[0].Warnings) != 1 || revs[0].Warnings[0] != want {
		t.Errorf("stored warnings %q %v", revs[0].Warnings, err)
	}
	// One row an indicator reads: no warning.
	rev = load(t, svc, "local_returns", "indicator,area,period,value,note\nNI51,839,2019-20,1,\nRATE1,839,2019-20,2,final\n", "l.csv", "ann")
	if len(rev.Warnings) != 0 {
		t.Errorf("warnings %q", rev.Warnings)
	}
	// A filter on a column the file lacks selects nothing.
	rev = load(t, svc, "cin", "time_period,time_identifier,geographic_level,country_code,n\n201617,Financial year,National,E92000001,5\n", "c.csv", "ann")
	if len(rev.Warnings) != 1 || !strings.Contains(rev.Warnings[0], `NI51 (geographic_level = "Local authority")`) {
		t.Errorf("warnings %q", rev.Warnings)
	}
}
