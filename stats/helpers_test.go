package stats_test

import (
	"math"
	"testing"
)

// relTol is the relative error METHODS.md allows against its reference values.
const relTol = 1e-9

// assertRel fails unless got is within relative error tol of want (absolute
// when want is 0).
func assertRel(tb testing.TB, what string, got, want, tol float64) {
	tb.Helper()
	if math.IsNaN(got) || math.IsInf(got, 0) {
		tb.Errorf("%s = %v, want %.17g", what, got, want)
		return
	}
	diff := math.Abs(got - want)
	if want != 0 {
		diff /= math.Abs(want)
	}
	if diff > tol {
		tb.Errorf("%s = %.17g, want %.17g (relative error %.3g > %.3g)", what, got, want, diff, tol)
	}
}

// assertAbs fails unless |got-want| <= tol.
func assertAbs(tb testing.TB, what string, got, want, tol float64) {
	tb.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		tb.Errorf("%s = %.17g, want %.17g ± %g", what, got, want, tol)
	}
}

func ptr(v float64) *float64 { return &v }
