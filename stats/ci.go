package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ErrInvalidInput is wrapped by every error this package returns: the inputs
// are impossible for the method (for example x > n for a proportion). The
// wrapping message says which rule was broken and the offending values.
var ErrInvalidInput = errors.New("stats: invalid input")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, args...)...)
}

// Interval is a pair of confidence limits in the units of the value (already
// multiplied by the multiplier). A missing limit is NaN.
type Interval struct {
	Lower, Upper float64
}

// Valid reports whether both limits are present (not NaN).
func (iv Interval) Valid() bool {
	return !math.IsNaN(iv.Lower) && !math.IsNaN(iv.Upper)
}

// Contains reports whether v lies in the closed interval [Lower, Upper]
// (bounds inclusive, as Fingertips compares). False when either limit is
// missing.
func (iv Interval) Contains(v float64) bool {
	return iv.Lower <= v && v <= iv.Upper
}

var missingInterval = Interval{Lower: math.NaN(), Upper: math.NaN()}

// CIMethod names the confidence-interval method of an indicator definition
// (its `ci_method` field).
type CIMethod string

// The confidence-interval methods.
const (
	// CIWilson is the Wilson score interval for a proportion ([Wilson]).
	CIWilson CIMethod = "wilson"
	// CIPoisson is the crude-rate interval: exact Poisson below 10 events,
	// Byar's from 10 ([PoissonRate]).
	CIPoisson CIMethod = "poisson"
	// CIPoissonExact is the exact Poisson interval for a crude rate at every
	// count, never Byar's approximation ([PoissonExactRate]): what several
	// Fingertips indicators publish.
	CIPoissonExact CIMethod = "poisson_exact"
	// CIMeanT is the Student t interval for a mean ([MeanT]).
	CIMeanT CIMethod = "mean_t"
	// CINone means the indicator has no confidence interval.
	CINone CIMethod = "none"
)

// Valid reports whether m is one of the defined methods.
func (m CIMethod) Valid() bool {
	switch m {
	case CIWilson, CIPoisson, CIPoissonExact, CIMeanT, CINone:
		return true
	}
	return false
}

// fraction converts a confidence given as a fraction in (0, 1) or a
// percentage in (1, 100) to a fraction. 1 is ambiguous and rejected.
func fraction(c float64) (float64, bool) {
	switch {
	case c > 0 && c < 1:
		return c, true
	case c > 1 && c < 100:
		return c / 100, true
	}
	return math.NaN(), false
}

func confidence(c float64) (float64, error) {
	f, ok := fraction(c)
	if !ok {
		return f, invalid("confidence %v must be a fraction in (0, 1) or a percentage in (1, 100)", c)
	}
	return f, nil
}

// Z returns the two-sided standard normal quantile Φ⁻¹(c + (1−c)/2) for
// confidence c, given as a fraction (0.95) or a percentage (95). It is the
// exact quantile (Z(0.95) = 1.9599639845400536, Z(0.998) =
// 3.090232306167813), never 1.96. It returns NaN when c is not in (0, 1) or
// (1, 100).
func Z(c float64) float64 {
	f, ok := fraction(c)
	if !ok {
		return math.NaN()
	}
	return distuv.UnitNormal.Quantile(f + (1-f)/2)
}

// Wilson returns the Wilson score interval for the proportion x/n, multiplied
// by multiplier (100 for a percentage), at confidence c (0.95 or 95), as
// PHEindicatormethods computes it (METHODS.md "Proportions"). The value
// itself is x/n*multiplier. x = 0 gives a lower limit of exactly 0 and x = n
// an upper limit of exactly multiplier.
//
// A missing (NaN) x or n gives missing limits and no error. It returns an
// error wrapping ErrInvalidInput when n <= 0, x < 0, x > n, or the confidence
// is invalid.
func Wilson(x, n, multiplier, c float64) (Interval, error) {
	if math.IsNaN(x) || math.IsNaN(n) {
		return missingInterval, nil
	}
	switch {
	case n <= 0:
		return missingInterval, invalid("n must be positive (n=%v)", n)
	case x < 0:
		return missingInterval, invalid("x must not be negative (x=%v)", x)
	case x > n:
		return missingInterval, invalid("x (%v) exceeds n (%v)", x, n)
	}
	f, err := confidence(c)
	if err != nil {
		return missingInterval, err
	}
	z := distuv.UnitNormal.Quantile(f + (1-f)/2)
	z2 := z * z
	root := z * math.Sqrt(z2+4*x*(1-x/n))
	den := 2 * (n + z2)
	iv := Interval{
		Lower: (2*x + z2 - root) / den * multiplier,
		Upper: (2*x + z2 + root) / den * multiplier,
	}
	// The formula is exact at the extremes only in real arithmetic; pin them.
	if x == 0 {
		iv.Lower = 0
	}
	if x == n {
		iv.Upper = multiplier
	}
	return iv, nil
}

// Poisson interval methods reported by [PoissonRate].
const (
	PoissonExact = "exact"
	PoissonByars = "byars"
)

// PoissonRate returns the confidence interval for the crude rate
// x/n*multiplier at confidence c (0.95 or 95), as PHEindicatormethods
// computes it (METHODS.md "Crude rates"): the exact Poisson interval from χ²
// quantiles when x < 10 (method "exact"; lower limit 0 when x = 0), Byar's
// approximation when x >= 10 (method "byars"). x > n is allowed.
//
// A missing (NaN) x or n gives missing limits, method "" and no error. It
// returns an error wrapping ErrInvalidInput when n <= 0, x < 0 or the
// confidence is invalid.
func PoissonRate(x, n, multiplier, c float64) (Interval, string, error) {
	if math.IsNaN(x) || math.IsNaN(n) {
		return missingInterval, "", nil
	}
	switch {
	case n <= 0:
		return missingInterval, "", invalid("n must be positive (n=%v)", n)
	case x < 0:
		return missingInterval, "", invalid("x must not be negative (x=%v)", x)
	}
	f, err := confidence(c)
	if err != nil {
		return missingInterval, "", err
	}
	if x < 10 {
		return exactPoisson(x, n, multiplier, f), PoissonExact, nil
	}
	z := distuv.UnitNormal.Quantile(f + (1-f)/2)
	ol, ou := byars(x, z)
	return Interval{Lower: ol / n * multiplier, Upper: ou / n * multiplier}, PoissonByars, nil
}

// PoissonExactRate returns the exact Poisson confidence interval for the crude
// rate x/n*multiplier at confidence c (0.95 or 95) at every count, as
// PHEindicatormethods' exact method computes it (METHODS.md "Crude rates",
// the "Exact" formula): lower = χ²⁻¹((1−c)/2; 2x)/2/n*multiplier (0 when
// x = 0), upper = χ²⁻¹(c+(1−c)/2; 2x+2)/2/n*multiplier. Below 10 events it
// equals [PoissonRate]; from 10 it differs from Byar's approximation. x > n is
// allowed.
//
// A missing (NaN) x or n gives missing limits and no error. It returns an
// error wrapping ErrInvalidInput when n <= 0, x < 0 or the confidence is
// invalid.
func PoissonExactRate(x, n, multiplier, c float64) (Interval, error) {
	if math.IsNaN(x) || math.IsNaN(n) {
		return missingInterval, nil
	}
	switch {
	case n <= 0:
		return missingInterval, invalid("n must be positive (n=%v)", n)
	case x < 0:
		return missingInterval, invalid("x must not be negative (x=%v)", x)
	}
	f, err := confidence(c)
	if err != nil {
		return missingInterval, err
	}
	return exactPoisson(x, n, multiplier, f), nil
}

// exactPoisson is the exact Poisson interval of the rate x/n*multiplier at confidence fraction f.
func exactPoisson(x, n, multiplier, f float64) Interval {
	var lower float64
	if x > 0 {
		lower = distuv.ChiSquared{K: 2 * x}.Quantile((1-f)/2) / 2
	}
	upper := distuv.ChiSquared{K: 2*x + 2}.Quantile(f+(1-f)/2) / 2
	return Interval{Lower: lower / n * multiplier, Upper: upper / n * multiplier}
}

// byars returns Byar's approximate lower and upper limits of a Poisson count.
func byars(x, z float64) (lower, upper float64) {
	lower = x * math.Pow(1-1/(9*x)-z/(3*math.Sqrt(x)), 3)
	x1 := x + 1
	upper = x1 * math.Pow(1-1/(9*x1)+z/(3*math.Sqrt(x1)), 3)
	return lower, upper
}

// MeanT returns the Student t confidence interval mean ∓ t(1−(1−c)/2; n−1) ·
// sd/√n for a mean of n observations with sample standard deviation sd
// (divisor n−1), at confidence c (0.95 or 95) (METHODS.md "Means").
//
// A missing (NaN) mean or sd gives missing limits and no error. It returns an
// error wrapping ErrInvalidInput, with missing limits, when n < 2 (one
// observation has no limits), sd < 0 or the confidence is invalid.
func MeanT(mean, sd float64, n int, c float64) (Interval, error) {
	if n < 2 {
		return missingInterval, invalid("a t interval needs at least 2 observations (n=%d)", n)
	}
	if math.IsNaN(mean) || math.IsNaN(sd) {
		return missingInterval, nil
	}
	if sd < 0 {
		return missingInterval, invalid("standard deviation must not be negative (sd=%v)", sd)
	}
	f, err := confidence(c)
	if err != nil {
		return missingInterval, err
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(f + (1-f)/2)
	half := t * sd / math.Sqrt(float64(n))
	return Interval{Lower: mean - half, Upper: mean + half}, nil
}

// MeanTFromValues returns the mean of values and its Student t interval at
// confidence c, as [MeanT] with the sample standard deviation (divisor N−1).
// NaN values are missing and skipped; N counts the others. With fewer than 2
// values it returns the mean (NaN when there are none), missing limits and an
// error wrapping ErrInvalidInput.
func MeanTFromValues(values []float64, c float64) (mean float64, iv Interval, err error) {
	var n int
	var sum float64
	for _, v := range values {
		if !math.IsNaN(v) {
			n++
			sum += v
		}
	}
	if n == 0 {
		return math.NaN(), missingInterval, invalid("a t interval needs at least 2 observations (n=0)")
	}
	mean = sum / float64(n)
	var ss float64
	for _, v := range values {
		if !math.IsNaN(v) {
			d := v - mean
			ss += d * d
		}
	}
	sd := math.NaN()
	if n > 1 {
		sd = math.Sqrt(ss / float64(n-1))
	}
	iv, err = MeanT(mean, sd, n, c)
	return mean, iv, err
}
