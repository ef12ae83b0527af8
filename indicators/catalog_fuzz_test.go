package indicators_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// FuzzParse feeds the definition parser arbitrary YAML. It returns exactly one of a catalog or
// an Invalid *errs.Error; every problem names the file and gives a reason; a catalog holds the
// one definition, and parsing the same bytes again gives the same definition id.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "id: x", "id: [", "&a [*a, *a]", "id: b\ntitle: B\nunit: count\npolarity: lower_is_better\nsource: {dataset: d, value: v}\n",
		"id: d\ntitle: D\nunit: score\npolarity: no_judgement\nsource: {dataset: d, value: v}\ntargets: [{value: 3, period: \"2016-18 Q5\"}]\n"} {
		f.Add([]byte(s))
	}
	reg := areas.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		cat, err := indicators.Parse(map[string][]byte{"fuzz.yaml": data}, reg)
		if (cat == nil) == (err == nil) {
			t.Fatalf("Parse returned catalog %v and error %v", cat != nil, err)
		}
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) == 0 || e.Total < len(e.Details) {
				t.Fatalf("error %v (%T) is not an Invalid *errs.Error with details", err, err)
			}
			for _, d := range e.Details {
				if d.File != "fuzz.yaml" || d.Reason == "" {
					t.Fatalf("problem %+v does not name the file and a reason", d)
				}
			}
			return
		}
		if n := len(cat.All()); n != 1 {
			t.Fatalf("one file gave %d definitions", n)
		}
		d := cat.All()[0]
		if !cat.Known(d.ID) || d.ID == "" {
			t.Fatalf("definition %q is not known by id", d.ID)
		}
		again, err := indicators.Parse(map[string][]byte{"fuzz.yaml": data}, reg)
		if err != nil || again.All()[0].ID != d.ID {
			t.Fatalf("parsing again gave %v", err)
		}
	})
}
