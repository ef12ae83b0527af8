package stats_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/stats"
)

func TestZIsTheExactNormalQuantileForFractionsAndPercentages(t *testing.T) {
	tests := []struct {
		name string
		c    float64
		want float64
	}{
		{"95% as a fraction", 0.95, 1.9599639845400536},
		{"95% as a percentage", 95, 1.9599639845400536},
		{"99.8% as a fraction", 0.998, 3.090232306167813},
		{"99.8% as a percentage", 99.8, 3.090232306167813},
		{"90% as a fraction", 0.90, 1.6448536269514722},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertRel(t, "Z", stats.Z(tt.c), tt.want, 1e-15)
		})
	}
}

func TestZRejectsConfidenceOutsideTheOpenRange(t *testing.T) {
	for _, c := range []float64{0, -0.5, 1, 100, 150, math.NaN()} {
		if z := stats.Z(c); !math.IsNaN(z) {
			t.Errorf("Z(%v) = %v, want NaN", c, z)
		}
	}
}

func TestWilsonReproducesPHEindicatormethodsReferenceValues(t *testing.T) {
	tests := []struct {
		name         string
		x, n, conf   float64
		lower, upper float64
	}{
		{"65 of 100 at 95%", 65, 100, 0.95, 0.55254443296887967, 0.73635751756902468},
		{"1045 of 5000 at 95%", 1045, 5000, 0.95, 0.19795549880013297, 0.22049130373189027},
		{"65 of 100 at 99.8%", 65, 100, 0.998, 0.49549465740704313, 0.77835406140896968},
		{"1 of 100 at 95%", 1, 100, 0.95, 1.7674320641406511e-3, 5.4486196178705294e-2},
		{"9856 of 12345 at 95%", 9856, 12345, 0.95, 0.79121017529090687, 0.80536400736149094},
		{"999 of 3456 at 99.8%", 999, 3456, 0.998, 0.26583995768074953, 0.31344754492799848},
		{"confidence given as a percentage", 65, 100, 95, 0.55254443296887967, 0.73635751756902468},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv, err := stats.Wilson(tt.x, tt.n, 1, tt.conf)
			if err != nil {
				t.Fatal(err)
			}
			assertRel(t, "lower", iv.Lower, tt.lower, relTol)
			assertRel(t, "upper", iv.Upper, tt.upper, relTol)
		})
	}
}

func TestWilsonAppliesTheMultiplierForPercentages(t *testing.T) {
	iv, err := stats.Wilson(65, 100, 100, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "lower", iv.Lower, 55.25444329688797, relTol)
	assertRel(t, "upper", iv.Upper, 73.635751756902465, relTol)
}

func TestWilsonAtTheExtremesGivesExactBounds(t *testing.T) {
	zero, err := stats.Wilson(0, 50, 100, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if zero.Lower != 0 {
		t.Errorf("x=0: lower = %.17g, want exactly 0", zero.Lower)
	}
	if !(zero.Upper > 0 && zero.Upper < 100) {
		t.Errorf("x=0: upper = %v, want in (0, 100)", zero.Upper)
	}
	all, err := stats.Wilson(50, 50, 100, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if all.Upper != 100 {
		t.Errorf("x=n: upper = %.17g, want exactly the multiplier 100", all.Upper)
	}
	if !(all.Lower > 0 && all.Lower < 100) {
		t.Errorf("x=n: lower = %v, want in (0, 100)", all.Lower)
	}
}

func TestWilsonRejectsImpossibleCountsNamingTheProblem(t *testing.T) {
	tests := []struct {
		name     string
		x, n     float64
		mentions string
	}{
		{"x greater than n", 11, 10, "exceeds n"},
		{"n zero", 0, 0, "n must be positive"},
		{"n negative", 1, -5, "n must be positive"},
		{"x negative", -1, 10, "x must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stats.Wilson(tt.x, tt.n, 100, 0.95)
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, stats.ErrInvalidInput) {
				t.Errorf("error %q does not wrap ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("error %q does not say %q", err, tt.mentions)
			}
		})
	}
}

func TestWilsonRejectsAnInvalidConfidence(t *testing.T) {
	if _, err := stats.Wilson(1, 10, 100, 0); !errors.Is(err, stats.ErrInvalidInput) {
		t.Errorf("confidence 0: err = %v, want ErrInvalidInput", err)
	}
}

func TestWilsonGivesMissingLimitsForMissingInputs(t *testing.T) {
	for _, in := range [][2]float64{{math.NaN(), 10}, {3, math.NaN()}} {
		iv, err := stats.Wilson(in[0], in[1], 100, 0.95)
		if err != nil {
			t.Errorf("Wilson(%v, %v): unexpected error %v", in[0], in[1], err)
		}
		if !math.IsNaN(iv.Lower) || !math.IsNaN(iv.Upper) || iv.Valid() {
			t.Errorf("Wilson(%v, %v) = %+v, want missing limits", in[0], in[1], iv)
		}
	}
}

func TestPoissonRateReproducesPHEindicatormethodsReferenceValues(t *testing.T) {
	tests := []struct {
		name             string
		x, n, mult, conf float64
		method           string
		value            float64
		lower, upper     float64
	}{
		{"1 event exact", 1, 100, 100000, 0.95, "exact", 1000, 25.317807984289896, 5571.6433909388979},
		{"5 events exact", 5, 100, 100000, 0.95, "exact", 5000, 1623.4863901184199, 11668.332079322669},
		{"20 events Byar's", 20, 100, 100000, 0.95, "byars", 20000, 12211.428834875936, 30889.880369197064},
		{"222 events Byar's", 222, 3215, 100000, 0.95, "byars", 6905.1321928460338, 6026.5748776526743, 7875.7293708718507},
		{"more events than denominator", 250, 220, 100000, 0.95, "byars", 113636.36363636365, 99984.947385328764, 128631.14487455782},
		{"multiplier 100", 1, 100, 100, 0.95, "exact", 1, 2.5317807984289897e-2, 5.571643390938898},
		{"1 event exact at 99.8%", 1, 100, 100000, 0.998, "exact", 1000, 1.0005003335835343, 9233.4134764515857},
		{"1 event exact at 99.8 given as a percentage", 1, 100, 100000, 99.8, "exact", 1000, 1.0005003335835343, 9233.4134764515857},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv, method, err := stats.PoissonRate(tt.x, tt.n, tt.mult, tt.conf)
			if err != nil {
				t.Fatal(err)
			}
			if method != tt.method {
				t.Errorf("method = %q, want %q", method, tt.method)
			}
			assertRel(t, "value", tt.x/tt.n*tt.mult, tt.value, relTol)
			assertRel(t, "lower", iv.Lower, tt.lower, relTol)
			assertRel(t, "upper", iv.Upper, tt.upper, relTol)
		})
	}
}

func TestPoissonRateSwitchesToByarsAtTenEvents(t *testing.T) {
	_, m9, err := stats.PoissonRate(9, 1000, 1000, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	_, m10, err := stats.PoissonRate(10, 1000, 1000, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if m9 != "exact" || m10 != "byars" {
		t.Errorf("methods for 9 and 10 events = %q, %q; want exact, byars", m9, m10)
	}
}

func TestPoissonRateWithNoEventsHasLowerLimitZero(t *testing.T) {
	iv, method, err := stats.PoissonRate(0, 100, 100000, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if method != "exact" {
		t.Errorf("method = %q, want exact", method)
	}
	if iv.Lower != 0 {
		t.Errorf("lower = %.17g, want exactly 0", iv.Lower)
	}
	// Upper for x=0 is χ²⁻¹(0.975; 2)/2 = −ln(0.025) per person.
	assertRel(t, "upper", iv.Upper, -math.Log(0.025)/100*100000, relTol)
}

func TestPoissonRateRejectsInvalidInputs(t *testing.T) {
	tests := []struct {
		name     string
		x, n     float64
		mentions string
	}{
		{"n zero", 1, 0, "n must be positive"},
		{"x negative", -2, 100, "x must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := stats.PoissonRate(tt.x, tt.n, 100000, 0.95)
			if !errors.Is(err, stats.ErrInvalidInput) || !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("err = %v, want ErrInvalidInput saying %q", err, tt.mentions)
			}
		})
	}
}

func TestPoissonRateGivesMissingLimitsForMissingInputs(t *testing.T) {
	iv, method, err := stats.PoissonRate(math.NaN(), 100, 1000, 0.95)
	if err != nil || iv.Valid() || method != "" {
		t.Errorf("got %+v, %q, %v; want missing limits, no method, no error", iv, method, err)
	}
}

// qt(0.975, 4) in R.
const t975df4 = 2.7764451051977987

func TestMeanTUsesStudentTWithNMinusOneDegreesOfFreedom(t *testing.T) {
	sd := math.Sqrt(2.5) // sample sd of 1..5
	iv, err := stats.MeanT(3, sd, 5, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	half := t975df4 * sd / math.Sqrt(5)
	assertRel(t, "lower", iv.Lower, 3-half, relTol)
	assertRel(t, "upper", iv.Upper, 3+half, relTol)
}

func TestMeanTFromValuesMatchesTheSummaryForm(t *testing.T) {
	mean, iv, err := stats.MeanTFromValues([]float64{1, 2, math.NaN(), 3, 4, 5}, 95)
	if err != nil {
		t.Fatal(err)
	}
	assertRel(t, "mean", mean, 3, relTol)
	half := t975df4 * math.Sqrt(2.5) / math.Sqrt(5)
	assertRel(t, "lower", iv.Lower, 3-half, relTol)
	assertRel(t, "upper", iv.Upper, 3+half, relTol)
}

func TestMeanTWithOneObservationHasNoLimits(t *testing.T) {
	if _, err := stats.MeanT(3, 0, 1, 0.95); !errors.Is(err, stats.ErrInvalidInput) {
		t.Errorf("MeanT with N=1: err = %v, want ErrInvalidInput", err)
	}
	mean, iv, err := stats.MeanTFromValues([]float64{7}, 0.95)
	if !errors.Is(err, stats.ErrInvalidInput) {
		t.Errorf("MeanTFromValues with one value: err = %v, want ErrInvalidInput", err)
	}
	if mean != 7 || iv.Valid() {
		t.Errorf("MeanTFromValues with one value = %v, %+v; want mean 7 and missing limits", mean, iv)
	}
}

func TestMeanTRejectsANegativeStandardDeviation(t *testing.T) {
	if _, err := stats.MeanT(3, -1, 5, 0.95); !errors.Is(err, stats.ErrInvalidInput) {
		t.Errorf("err = %v, want ErrInvalidInput", err)
	}
}

func TestCIMethodValidAcceptsOnlyTheFourNames(t *testing.T) {
	for _, m := range []stats.CIMethod{stats.CIWilson, stats.CIPoisson, stats.CIMeanT, stats.CINone} {
		if !m.Valid() {
			t.Errorf("%q should be valid", m)
		}
	}
	for _, m := range []stats.CIMethod{"", "byars", "Wilson", "dsr"} {
		if m.Valid() {
			t.Errorf("%q should not be valid", m)
		}
	}
	if stats.CIWilson != "wilson" || stats.CIPoisson != "poisson" || stats.CIMeanT != "mean_t" || stats.CINone != "none" {
		t.Error("CI method names changed")
	}
}

func TestPolarityValidAcceptsOnlyTheFourNames(t *testing.T) {
	want := map[stats.Polarity]string{
		stats.HigherIsBetter: "higher_is_better",
		stats.LowerIsBetter:  "lower_is_better",
		stats.CloserIsBetter: "closer_is_better",
		stats.NoJudgement:    "no_judgement",
	}
	for p, s := range want {
		if string(p) != s || !p.Valid() {
			t.Errorf("polarity %q: want name %q and valid", p, s)
		}
	}
	for _, p := range []stats.Polarity{"", "higher", "HIGHER_IS_BETTER"} {
		if p.Valid() {
			t.Errorf("%q should not be valid", p)
		}
	}
}

// ci_method poisson_exact: the exact Poisson interval at every count (METHODS.md "Crude rates",
// the "Exact" formula of PHEindicatormethods' phe_rate, applied whatever the count). Below 10
// events it is PoissonRate's exact branch (PHEindicatormethods' reference values, to 1e-9);
// from 10 events it is the Garwood interval that R's stats::poisson.test prints for x = 10
// ("4.795389 18.390356", 7 significant figures) and not Byar's approximation.
func TestPoissonExactRateIsExactAtEveryCount(t *testing.T) {
	tests := []struct {
		name               string
		x, n, m            float64
		wantLow, wantUpper float64
		tol                float64
	}{
		{"1 in 100 per 100000 (PHEindicatormethods)", 1, 100, 100000, 25.317807984289896, 5571.6433909388979, relTol},
		{"5 in 100 per 100000 (PHEindicatormethods)", 5, 100, 100000, 1623.4863901184199, 11668.332079322669, relTol},
		{"10 events: poisson.test(10)", 10, 1, 1, 4.795389, 18.390356, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv, err := stats.PoissonExactRate(tt.x, tt.n, tt.m, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			assertRel(t, "lower", iv.Lower, tt.wantLow, tt.tol)
			assertRel(t, "upper", iv.Upper, tt.wantUpper, tt.tol)
		})
	}
	// From 10 events PoissonRate uses Byar's (20 in 100 per 100000: 12211.43, 30889.88), which
	// poisson_exact does not.
	exact, _ := stats.PoissonExactRate(20, 100, 100000, 0.95)
	byars, method, _ := stats.PoissonRate(20, 100, 100000, 0.95)
	if method != stats.PoissonByars || exact.Lower == byars.Lower || exact.Upper == byars.Upper {
		t.Errorf("20 events: exact %+v and %s %+v should differ", exact, method, byars)
	}
	for x := 0.0; x < 10; x++ {
		e, _ := stats.PoissonExactRate(x, 57, 1000, 0.998)
		p, _, _ := stats.PoissonRate(x, 57, 1000, 0.998)
		if e != p {
			t.Errorf("x=%v: exact %+v, PoissonRate %+v: below 10 events they must agree", x, e, p)
		}
	}
	for _, bad := range [][2]float64{{-1, 10}, {1, 0}} {
		if _, err := stats.PoissonExactRate(bad[0], bad[1], 1, 0.95); !errors.Is(err, stats.ErrInvalidInput) {
			t.Errorf("x=%v n=%v: err %v, want ErrInvalidInput", bad[0], bad[1], err)
		}
	}
	if iv, err := stats.PoissonExactRate(math.NaN(), 10, 1, 0.95); err != nil || iv.Valid() {
		t.Errorf("missing count: %+v %v, want missing limits and no error", iv, err)
	}
}
