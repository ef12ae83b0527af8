package indicators_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

func TestShippedDefinitionsAreValid(t *testing.T) {
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cat.All()); n < 12 {
		t.Errorf("%d shipped indicators, want at least 12", n)
	}
	for _, id := range []string{"perm-exclusion-rate", "perm-exclusion-rate-2007-2017", "suspension-rate", "cla-sdq-score",
		"cla-rate", "rereferrals", "repeat-cpp", "cin-rate", "mh-admissions-0-17", "injury-admissions-0-14",
		"early-years-good-outstanding", "ni50-emotional-health", "camhs-referrals", "secondary-good-outstanding-schools"} {
		if _, ok := cat.Get(id); !ok {
			t.Errorf("no shipped indicator %s", id)
		}
	}
	d, _ := cat.Get("cla-sdq-score")
	if d.Polarity != "lower_is_better" || d.Decimals != 1 || d.Banding != indicators.BandingQuartiles || d.RAGRule != indicators.RuleStandard {
		t.Errorf("cla-sdq-score = %+v", d)
	}
	if !cat.IsProportion("rereferrals") || cat.IsProportion("cla-rate") || !cat.Known("cla-rate") || cat.Known("nope") {
		t.Error("Known / IsProportion disagree with the definitions")
	}
}

// Every problem in every file is reported at once, each with its file and field.
func TestValidationReportsEveryProblemWithFileAndField(t *testing.T) {
	files := map[string][]byte{
		"a.yaml": []byte(`id: A Bad Id
title: ""
unit: furlongs
decimals: 9
polarity: upwards
source: {dataset: "", value: ""}
ci_method: wilson
banding: deciles
rag_rule: vibes
targets:
  - {value: 1, period: "2016-18 Q5", area: Atlantis, tolerance_type: loose}
`),
		"b.yaml": []byte("id: b\ntitle: B\nunit: count\npolarity: lower_is_better\nsource: {dataset: d, value: v}\nsurprise: 1\n"),
		"c.yaml": []byte(""),
		"d.yaml": []byte("id: d\ntitle: D\nunit: score\npolarity: no_judgement\nsource: {dataset: d, value: v}\ntargets: [{value: 3}]\n"),
	}
	_, err := indicators.Parse(files, areas.Default())
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"a.yaml/id", "a.yaml/title", "a.yaml/unit", "a.yaml/decimals", "a.yaml/polarity", "a.yaml/source.dataset",
		"a.yaml/source.value", "a.yaml/ci_method", "a.yaml/banding", "a.yaml/rag_rule",
		"a.yaml/targets[0].period", "a.yaml/targets[0].area", "a.yaml/targets[0].tolerance_type",
		"b.yaml/", "c.yaml/", "d.yaml/targets[0]",
	}
	got := map[string]string{}
	for _, d := range e.Details {
		got[d.File+"/"+d.Field] = d.Reason
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Errorf("no problem reported for %s; got %v", w, got)
		}
	}
	if !strings.Contains(got["b.yaml/"], "surprise") {
		t.Errorf("unknown fields are errors: %q", got["b.yaml/"])
	}
	if e.Total != len(e.Details) || e.Total < len(want) {
		t.Errorf("total %d, details %d", e.Total, len(e.Details))
	}
}

// A directory overrides an embedded definition by id and adds new ones.
func TestDirectoryOverridesAndAdds(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "override.yaml"), []byte(`id: secondary-good-outstanding-schools
title: Secondary pupils in good or outstanding schools (local target)
unit: percentage
decimals: 1
polarity: higher_is_better
source: {dataset: local_returns, value: value}
targets: [{value: 90, tolerance: 5, tolerance_type: percent}]
`), 0o644)
	os.WriteFile(filepath.Join(dir, "new.yaml"), []byte("id: local-new\ntitle: New\nunit: count\npolarity: lower_is_better\nsource: {dataset: local_returns, value: value}\n"), 0o644)
	cat, err := indicators.Load(dir, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cat.Get("secondary-good-outstanding-schools")
	if *d.Targets[0].Value != 90 || d.Targets[0].ToleranceAmount(90) != 4.5 || !strings.HasPrefix(d.File, dir) {
		t.Errorf("override not applied: %+v", d)
	}
	if !cat.Known("local-new") {
		t.Error("new definition not added")
	}
}

func TestCheckDataNamesMissingAndNonNumericColumns(t *testing.T) {
	cat, err := indicators.Parse(map[string][]byte{"x.yaml": []byte(`id: x
title: X
unit: percentage
polarity: higher_is_better
source: {dataset: ds, value: label, numerator: num, denominator: den, multiplier: 100, filters: {kind: a}}
ci_method: wilson
`), "y.yaml": []byte("id: y\ntitle: Y\nunit: count\npolarity: lower_is_better\nsource: {dataset: missing, value: v}\n")}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	err = cat.CheckData(func(name string) ([]datasets.Column, bool) {
		if name != "ds" {
			return nil, false
		}
		return []datasets.Column{{Name: "label", Type: datasets.Text}, {Name: "num", Type: datasets.Number}}, true
	})
	e, _ := errs.As(err)
	if e == nil || e.Total != 4 {
		t.Fatalf("err = %v", err)
	}
	var reasons []string
	for _, d := range e.Details {
		reasons = append(reasons, d.File+" "+d.Field+": "+d.Reason)
	}
	joined := strings.Join(reasons, "\n")
	for _, w := range []string{`x.yaml source.value: column "label" of dataset ds is not numeric`, `x.yaml source.denominator: dataset ds has no column "den"`,
		`x.yaml source.filters.kind: dataset ds has no column "kind"`, "y.yaml source.dataset: no dataset with this name"} {
		if !strings.Contains(joined, w) {
			t.Errorf("missing %q in\n%s", w, joined)
		}
	}
}

// The issue 16 options: ci_method poisson_exact (needs counts and a multiplier like poisson),
// comparison.values and value_checks, each validated with its field; their defaults.
func TestIssue16OptionsAreValidatedAndDefaulted(t *testing.T) {
	ok := []byte(`id: ok
title: OK
unit: rate_per_100000
polarity: lower_is_better
source: {dataset: d, value: v, numerator: n, denominator: p, multiplier: 100000}
ci_method: poisson_exact
comparison: {values: published_or_aggregated}
value_checks: warn
`)
	cat, err := indicators.Parse(map[string][]byte{"ok.yaml": ok}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cat.Get("ok")
	if d.CIMethod != indicators.CIPoissonExact || d.ValueChecks != indicators.ValueChecksWarn ||
		d.Comparison.ComparatorValues("fingertips") != indicators.ValuesPublishedOrAggregated {
		t.Errorf("options not kept: %+v", d)
	}
	def, err := indicators.Parse(map[string][]byte{"p.yaml": []byte("id: p\ntitle: P\nunit: count\npolarity: lower_is_better\nsource: {dataset: d, value: v}\n")}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := def.Get("p")
	if p.ValueChecks != indicators.ValueChecksRefuse {
		t.Errorf("value_checks default %q, want refuse", p.ValueChecks)
	}
	// Fingertips exports publish no figure for some groups: published only, by default.
	for format, want := range map[string]string{"fingertips": "published", "ees": "published_or_aggregated", "simple_return": "published_or_aggregated"} {
		if got := p.Comparison.ComparatorValues(format); got != want {
			t.Errorf("default comparator values for %s: %q, want %q", format, got, want)
		}
	}
	bad := []byte(`id: bad
title: Bad
unit: rate_per_100000
polarity: lower_is_better
source: {dataset: d, value: v}
ci_method: poisson_exact
comparison: {values: invented}
value_checks: ignore
`)
	_, err = indicators.Parse(map[string][]byte{"bad.yaml": bad}, areas.Default())
	e, isErr := errs.As(err)
	if !isErr {
		t.Fatalf("err = %v", err)
	}
	got := map[string]string{}
	for _, d := range e.Details {
		got[d.Field] = d.Reason
	}
	for field, reason := range map[string]string{
		"ci_method":         "this method needs source.numerator and source.denominator",
		"source.multiplier": "this method needs a positive multiplier (100 for a percentage)",
		"comparison.values": "comparison.values must be published or published_or_aggregated",
		"value_checks":      "value_checks must be refuse or warn",
	} {
		if got[field] != reason {
			t.Errorf("%s: reason %q, want %q", field, got[field], reason)
		}
	}
}
