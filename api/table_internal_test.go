package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// cellBoxes gives the cells str, isoDate and timestamp give, reusing the box of a text, date or
// timestamp met before, and boxes every cell anew when nil.
func TestCellBoxesReuseBoxes(t *testing.T) {
	b := newCellBoxes()
	first, again := b.str("worse"), b.str("worse")
	if first != "worse" || again != "worse" {
		t.Fatalf("got %v and %v", first, again)
	}
	// A text made at run time, whose box would be an allocation of its own.
	word := strings.Repeat("worse", 2)
	b.str(word)
	if n := testing.AllocsPerRun(100, func() { _ = b.str(word) }); n != 0 {
		t.Fatalf("boxing a text met before: %v allocations", n)
	}
	var none *cellBoxes
	if n := testing.AllocsPerRun(100, func() { _ = none.str(word) }); n != 1 {
		t.Fatalf("boxing anew: %v allocations, want 1", n)
	}
	if b.str("") != nil {
		t.Fatal("an empty text is not missing")
	}
	for i := range 3 * cellBoxSlots {
		want := fmt.Sprintf("E%08d", i%(2*cellBoxSlots))
		if got := b.str(want); got != want {
			t.Fatalf("str(%q) = %v", want, got)
		}
	}
	day := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	if got := b.date("2024-03-31"); got != day {
		t.Fatalf("date = %v", got)
	}
	if got := b.date("2024-03-31"); got != day {
		t.Fatalf("date again = %v", got)
	}
	if got := b.date("2025-03-31"); got != day.AddDate(1, 0, 0) {
		t.Fatalf("next date = %v", got)
	}
	if got := b.date(""); got != nil {
		t.Fatalf("no date = %v", got)
	}
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.FixedZone("BST", 3600))
	if got := b.stamp(at); got != at.UTC() {
		t.Fatalf("stamp = %v", got)
	}
	if got := b.stamp(at.Add(time.Second)); got != at.Add(time.Second).UTC() {
		t.Fatalf("next stamp = %v", got)
	}
	if got := b.stamp(time.Time{}); got != nil {
		t.Fatalf("zero stamp = %v", got)
	}
	if none.str("la") != "la" || none.str("") != nil || none.date("2024-03-31") != day || none.stamp(at) != at.UTC() {
		t.Fatal("a nil cellBoxes does not box as str, isoDate and timestamp do")
	}
}
