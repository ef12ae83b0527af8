package engine

import (
	"math"
	"testing"

	"github.com/childrens-trust/scorecard/indicators"
)

// Each CI method gives the METHODS.md reference limits through the engine, 95% and 99.8%.
func TestConfidenceIntervalByMethod(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name         string
		def          indicators.Definition
		o            observation
		method       string
		lower, upper float64
		lower998     float64
		published    bool
	}{
		{"wilson, x=65 n=100, percentage",
			indicators.Definition{CIMethod: indicators.CIWilson, Source: indicators.Source{Multiplier: 100}},
			observation{value: 65, num: 65, den: 100, sd: nan}, "wilson", 55.25444329688797, 73.635751756902465, 49.549465740704313, false},
		{"poisson below 10 events is exact",
			indicators.Definition{CIMethod: indicators.CIPoisson, Source: indicators.Source{Multiplier: 100000}},
			observation{value: 1000, num: 1, den: 100, sd: nan}, "exact", 25.317807984289896, 5571.6433909388979, 1.0005003335835343, false},
		{"poisson from 10 events is Byar's",
			indicators.Definition{CIMethod: indicators.CIPoisson, Source: indicators.Source{Multiplier: 100000}},
			observation{value: 6905.1321928460338, num: 222, den: 3215, sd: nan}, "byars", 6026.5748776526743, 7875.7293708718507, math.NaN(), false},
		{"published limits are kept and marked",
			indicators.Definition{CIMethod: indicators.CIPublished},
			observation{value: 87.9, num: nan, den: nan, lo95: 80.78, up95: 95.79, lo998: 76.81, up998: 100.39, sd: nan}, "published", 80.78, 95.79, 76.81, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci := confidenceInterval(&tt.def, &tt.o)
			if ci == nil {
				t.Fatal("no interval")
			}
			rel := func(got *float64, want float64) bool {
				return got != nil && math.Abs(*got-want) <= 1e-9*math.Abs(want)
			}
			if ci.Method != tt.method || ci.Published != tt.published || !rel(ci.Lower95, tt.lower) || !rel(ci.Upper95, tt.upper) {
				t.Errorf("got %s [%v, %v] published=%v, want %s [%v, %v]", ci.Method, *ci.Lower95, *ci.Upper95, ci.Published, tt.method, tt.lower, tt.upper)
			}
			if !math.IsNaN(tt.lower998) && !rel(ci.Lower998, tt.lower998) {
				t.Errorf("99.8%% lower %v, want %v", *ci.Lower998, tt.lower998)
			}
		})
	}
}

// Means use Student t with the sample sd and the number of records; a mean of one record has
// no interval, and missing counts give none rather than a wrong one.
func TestConfidenceIntervalMeanAndMissing(t *testing.T) {
	def := &indicators.Definition{CIMethod: indicators.CIMeanT}
	// mean 10, sd 2, N 16: t(0.975, 15) = 2.131449545559323; half-width 2.1314.../2.
	ci := confidenceInterval(def, &observation{value: 10, sd: 2, den: 16})
	if ci == nil || ci.Method != "student_t" || math.Abs(*ci.Lower95-(10-2.131449545559323*0.5)) > 1e-12 {
		t.Fatalf("mean_t: %+v", ci)
	}
	if ci := confidenceInterval(def, &observation{value: 10, sd: 2, den: 1}); ci != nil {
		t.Errorf("N = 1 gives no limits, got %+v", ci)
	}
	wilson := &indicators.Definition{CIMethod: indicators.CIWilson, Source: indicators.Source{Multiplier: 100}}
	if ci := confidenceInterval(wilson, &observation{value: 50, num: math.NaN(), den: 100}); ci != nil {
		t.Errorf("missing numerator gives no interval, got %+v", ci)
	}
	if ci := confidenceInterval(&indicators.Definition{CIMethod: indicators.CINone}, &observation{value: 50, num: 5, den: 10}); ci != nil {
		t.Errorf("ci_method none gives no interval, got %+v", ci)
	}
}

// ci_method poisson_exact gives exact Poisson limits at every count through the engine: for 10
// events R's poisson.test(10) prints 4.795389 18.390356 (Byar's would give 4.7954, 18.3904 to 4
// places but not these to 7); the method is reported as poisson_exact.
func TestConfidenceIntervalPoissonExact(t *testing.T) {
	def := &indicators.Definition{CIMethod: indicators.CIPoissonExact, Source: indicators.Source{Multiplier: 1}}
	ci := confidenceInterval(def, &observation{value: 10, num: 10, den: 1, sd: math.NaN()})
	if ci == nil || ci.Method != "poisson_exact" || ci.Lower998 == nil || ci.Upper998 == nil {
		t.Fatalf("got %+v, want poisson_exact limits at 95%% and 99.8%%", ci)
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{{"lower", *ci.Lower95, 4.795389}, {"upper", *ci.Upper95, 18.390356}} {
		if math.Abs(c.got-c.want)/c.want > 1e-6 {
			t.Errorf("%s 95%% = %.9g, want %.7g", c.what, c.got, c.want)
		}
	}
	byars := confidenceInterval(&indicators.Definition{CIMethod: indicators.CIPoisson, Source: indicators.Source{Multiplier: 1}},
		&observation{value: 10, num: 10, den: 1, sd: math.NaN()})
	if byars.Method != "byars" || *byars.Upper95 == *ci.Upper95 {
		t.Errorf("poisson at 10 events should be Byar's and differ: %+v", byars)
	}
}
