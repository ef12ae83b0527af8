package definitions_test

import (
	"slices"
	"testing"

	"github.com/childrens-trust/scorecard/definitions"
)

func TestCompare(t *testing.T) {
	cases := []struct {
		name           string
		from, to       string
		wantOps        string // one op per line
		wantFields     []string
		added, removed int
	}{
		{"a changed line", "id: a\ntitle: One\nunit: count\n", "id: a\ntitle: Two\nunit: count\n", "=-+=", []string{"title"}, 1, 1},
		{"a new list item", "id: a\nitems:\n  - x\n", "id: a\nitems:\n  - x\n  - y\n", "===+", []string{"items[1]"}, 1, 0},
		{"YAML against the same JSON", "id: a\ntitle: One\n", `{"id": "a", "title": "One"}`, "--+", nil, 1, 2},
		{"a field removed", "id: a\nnote: x\n", "id: a\n", "=-", []string{"note"}, 0, 1},
		{"from nothing", "", "id: a\n", "+", []string{"id"}, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := definitions.Compare(&definitions.Revision{Revision: 1, Body: c.from}, &definitions.Revision{Kind: definitions.Indicator, ID: "a", Revision: 2, Body: c.to})
			if err != nil {
				t.Fatal(err)
			}
			ops := ""
			for _, l := range d.Lines {
				ops += l.Op
			}
			if ops != c.wantOps || d.Added != c.added || d.Removed != c.removed {
				t.Errorf("lines %q (+%d -%d), want %q (+%d -%d): %+v", ops, d.Added, d.Removed, c.wantOps, c.added, c.removed, d.Lines)
			}
			var paths []string
			for _, f := range d.Fields {
				paths = append(paths, f.Path)
			}
			if !slices.Equal(paths, c.wantFields) {
				t.Errorf("fields %v, want %v", paths, c.wantFields)
			}
		})
	}
	d, _ := definitions.Compare(&definitions.Revision{Revision: 0, Body: "id: a\ntitle: One\n"}, &definitions.Revision{Kind: definitions.Scorecard, ID: "a", Revision: 1, Body: "id: a\ntitle: Two\n"})
	want := "--- scorecard a revision 0\n+++ scorecard a revision 1\n id: a\n-title: One\n+title: Two\n"
	if got := d.Text(); got != want {
		t.Errorf("text:\n%s\nwant\n%s", got, want)
	}
	if d.Lines[1].FromLine != 2 || d.Lines[2].ToLine != 2 || d.Lines[0].FromLine != 1 || d.Lines[0].ToLine != 1 {
		t.Errorf("line numbers: %+v", d.Lines)
	}
}
