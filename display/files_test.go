package display_test

import (
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/display"
)

func TestCountAndSize(t *testing.T) {
	for _, tt := range []struct {
		name, got, want string
	}{
		{"one", display.Count(1, "row", "rows"), "1 row"},
		{"none", display.Count(0, "row", "rows"), "0 rows"},
		{"thousands", display.Count(12345, "row", "rows"), "12,345 rows"},
		{"one byte", display.Size(1), "1 byte"},
		{"bytes", display.Size(512), "512 bytes"},
		{"a kilobyte exactly", display.Size(1024), "1 KB"},
		{"kilobytes with a decimal", display.Size(2560), "2.5 KB"},
		{"whole from ten", display.Size(10*1024 + 700), "11 KB"},
		{"megabytes", display.Size(256 << 20), "256 MB"},
		{"gigabytes", display.Size(1288490189), "1.2 GB"},
		{"a moment", display.DateTime(time.Date(2026, 11, 23, 9, 5, 59, 0, time.UTC)), "23 November 2026, 09:05 UTC"},
		{"a moment elsewhere is shown in UTC", display.DateTime(time.Date(2026, 6, 1, 10, 0, 0, 0, time.FixedZone("BST", 3600))), "1 June 2026, 09:00 UTC"},
		{"no moment", display.DateTime(time.Time{}), ""},
		{"short hash", display.ShortHash("3f2a9c01b7e4d5aa0000"), "3f2a9c01b7e4"},
		{"short hash of a short string", display.ShortHash("abc"), "abc"},
		{"accepted", display.RevisionStatus("accepted", 0), "Accepted"},
		{"rejected", display.RevisionStatus("rejected", 0), "Rejected"},
		{"restored", display.RevisionStatus("restored", 3), "Restored from revision 3"},
		{"capitalised", display.Capitalised("local return"), "Local return"},
		{"capitalised, not a letter", display.Capitalised("ésta"), "Ésta"},
		{"capitalised, empty", display.Capitalised(""), ""},
		{"a stored number", display.Cell(1234.5), "1,234.5"},
		{"a stored negative fraction", display.Cell(-0.25), "-0.25"},
		{"a whole number", display.Cell(float64(88)), "88"},
		{"a marker", display.Cell("c"), "c"},
		{"nothing", display.Cell(nil), "(empty)"},
		{"empty text", display.Cell(""), "(empty)"},
		{"another value", display.Cell(int64(7)), "7"},
		{"a local authority's rows", display.Level("la"), "Local authority"},
		{"statistical neighbours' rows", display.Level("sn_average"), "Statistical neighbours' average"},
		{"an unknown level", display.Level("ward"), "ward"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
