package engine

import (
	"fmt"
	"testing"

	"github.com/childrens-trust/scorecard/period"
)

// bigTargetSet is a targets file of n rows for one area (every year from 1900) and one general
// target, as the second review's 119,400-row upload held.
func bigTargetSet(tb testing.TB, n int) targetSet {
	tb.Helper()
	var ts targetSet
	ts.entries = append(ts.entries, targetEntry{t: resolvedTarget{source: "general"}})
	for i := range n {
		p, err := period.Parse(fmt.Sprint(1900 + i%200))
		if err != nil {
			tb.Fatal(err)
		}
		ts.entries = append(ts.entries, targetEntry{area: fmt.Sprintf("E0%07d", i/200), period: p, uploaded: true,
			t: resolvedTarget{source: fmt.Sprint("row ", i)}})
	}
	ts.index()
	return ts
}

// Finding 1 (sibling, from the second review): the index gives the same targets as a scan of
// every entry.
func TestTargetSetIndexMatchesAScan(t *testing.T) {
	ts := bigTargetSet(t, 5000)
	scan := targetSet{entries: ts.entries}
	for _, area := range []string{"E00000000", "E00000007", "E00000024", "E99999999"} {
		for _, y := range []string{"1899", "1950", "2099"} {
			p, _ := period.Parse(y)
			got, want := ts.lookup(area, p), scan.lookup(area, p)
			if (got == nil) != (want == nil) || (got != nil && got.source != want.source) {
				t.Errorf("%s %s: lookup %v, scan %v", area, y, got, want)
			}
			gu, wu := ts.upcoming(area, p), scan.upcoming(area, p)
			if (gu == nil) != (wu == nil) || (gu != nil && gu.source != wu.source) {
				t.Errorf("%s %s: upcoming %v, scan %v", area, y, gu, wu)
			}
		}
	}
}

// BenchmarkTargetLookup: one lookup among 119,400 uploaded targets, indexed and scanned.
func BenchmarkTargetLookup(b *testing.B) {
	ts := bigTargetSet(b, 119400)
	p, _ := period.Parse("1950")
	for _, bc := range []struct {
		name string
		ts   targetSet
	}{{"indexed", ts}, {"scan", targetSet{entries: ts.entries}}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				bc.ts.lookup("E00000007", p)
			}
		})
	}
}
