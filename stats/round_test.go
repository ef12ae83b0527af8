package stats_test

import (
	"math"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

// share is a variable so that share*100 is computed in float64 at run time
// (28.499999999999996), not folded exactly by the compiler.
var share = 0.285

func TestFormatFixedRoundsHalfUpOnTheDecimalRepresentation(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		dps  int
		want string
	}{
		{"exact half", 0.125, 2, "0.13"},
		{"binary just below half", 2.675, 2, "2.68"},
		{"binary just below half, another", 1.005, 2, "1.01"},
		{"negative half goes away from zero", -1.5, 0, "-2"},
		{"positive half at 0 dp", 2.5, 0, "3"},
		{"negative half at 2 dp", -0.125, 2, "-0.13"},
		{"float artefact above", 14.700000000000001, 1, "14.7"},
		{"float artefact below", 0.1 + 0.2, 1, "0.3"},
		{"arithmetic artefact just below a half", share * 100, 0, "29"}, // 28.499999999999996
		{"keeps trailing zeros", 12.5, 2, "12.50"},
		{"integer with decimals", 7, 1, "7.0"},
		{"carry into a new digit", 9.995, 2, "10.00"},
		{"carry at 0 dp", 99.5, 0, "100"},
		{"rounds down below half", 3.14159, 3, "3.142"},
		{"small value rounds to zero", 0.004, 2, "0.00"},
		{"small negative value loses its sign", -0.004, 2, "0.00"},
		{"small value rounds up to first digit", 0.005, 2, "0.01"},
		{"zero", 0, 1, "0.0"},
		{"negative zero", math.Copysign(0, -1), 1, "0.0"},
		{"large value", 123456.789, 1, "123456.8"},
		{"very small value", 1e-20, 2, "0.00"},
		{"negative dps treated as 0", 2.5, -1, "3"},
		{"more dps than digits", 0.1, 20, "0.10000000000000000000"},
		{"missing", math.NaN(), 1, ""},
		{"infinite", math.Inf(1), 1, ""},
	}
	if share*100 == 28.5 {
		t.Fatal("test data should carry a float artefact")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stats.FormatFixed(tt.v, tt.dps); got != tt.want {
				t.Errorf("FormatFixed(%.17g, %d) = %q, want %q", tt.v, tt.dps, got, tt.want)
			}
		})
	}
}

func TestRoundHalfUpReturnsTheNearestFloatToTheRoundedDecimal(t *testing.T) {
	tests := []struct {
		v    float64
		dps  int
		want float64
	}{
		{0.125, 2, 0.13},
		{2.675, 2, 2.68},
		{-1.5, 0, -2},
		{14.700000000000001, 1, 14.7},
		{12.345, 1, 12.3},
		{-0.004, 2, 0},
	}
	for _, tt := range tests {
		if got := stats.RoundHalfUp(tt.v, tt.dps); got != tt.want {
			t.Errorf("RoundHalfUp(%.17g, %d) = %.17g, want %.17g", tt.v, tt.dps, got, tt.want)
		}
	}
	if got := stats.RoundHalfUp(math.NaN(), 1); !math.IsNaN(got) {
		t.Errorf("NaN: got %v", got)
	}
	if got := stats.RoundHalfUp(math.Inf(-1), 1); !math.IsInf(got, -1) {
		t.Errorf("-Inf: got %v", got)
	}
	if got := stats.RoundHalfUp(-0.004, 2); math.Signbit(got) {
		t.Errorf("-0.004 at 2 dp should be +0, got %v", got)
	}
}

// Finding 10: rounding a finite value near ±math.MaxFloat64 never gives NaN or ±Inf, and the
// type-7 quantile between values of opposite signs near the limits does not overflow.
func TestFinding10ExtremeValuesStayFinite(t *testing.T) {
	for _, tt := range []struct {
		name string
		got  float64
		want float64
	}{
		{"round max", stats.RoundHalfUp(math.MaxFloat64, 1), math.MaxFloat64},
		{"round -max", stats.RoundHalfUp(-math.MaxFloat64, 0), -math.MaxFloat64},
		{"round 1e308", stats.RoundHalfUp(1e308, 2), 1e308},
		{"median of ±max", stats.Quantile7([]float64{-math.MaxFloat64, math.MaxFloat64}, 0.5), 0},
		{"quartile of ±max", stats.Quantile7([]float64{-math.MaxFloat64, math.MaxFloat64}, 0.25), -math.MaxFloat64 / 2},
		{"ordinary values unchanged", stats.Quantile7([]float64{1, 2, 3, 4}, 0.25), 1.75},
	} {
		if tt.got != tt.want && !(math.Abs(tt.got-tt.want) <= 1e-15*math.Abs(tt.want)) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
