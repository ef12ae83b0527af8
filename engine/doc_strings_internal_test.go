package engine

import (
	"fmt"
	"testing"
	"unsafe"
)

// A string table hands out the string it met before for the same bytes (one allocation for a
// recurring text), a new string for other bytes, and never a string that differs from the
// bytes, even when two texts share a slot.
func TestStringTableSharesRecurringStrings(t *testing.T) {
	tbl := newStringTable()
	first := tbl.get([]byte("E06000058"))
	again := tbl.get([]byte("E06000058"))
	if first != "E06000058" || again != first || unsafe.StringData(again) != unsafe.StringData(first) {
		t.Fatalf("got %q then %q, not one shared string", first, again)
	}
	// Far more texts than slots: every one still comes back as its own bytes.
	for i := range 3 * stringTableSlots {
		want := fmt.Sprintf("area %d", i%(2*stringTableSlots))
		if got := tbl.get([]byte(want)); got != want {
			t.Fatalf("get(%q) = %q", want, got)
		}
	}
	long := string(make([]byte, stringTableLongest+1))
	if got := tbl.get([]byte(long)); got != long {
		t.Fatalf("a long text came back as %d bytes", len(got))
	}
	var none *stringTable
	if got := none.get([]byte("la")); got != "la" {
		t.Fatalf("nil table: %q", got)
	}
	if got := tbl.get(nil); got != "" {
		t.Fatalf("no bytes: %q", got)
	}
}
