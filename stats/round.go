package stats

import (
	"math"
	"strconv"
	"strings"
)

// displayDigits is the number of significant decimal digits a value is read
// at before rounding: 15, the precision Excel (and so LAIT) works and
// displays at. At 15 digits every float64 artefact of decimal arithmetic
// disappears (2.675 is 2.67499999999999982236431605997495353221893310546875 in
// binary but "2.67500000000000"; 0.285*100 computes to 28.499999999999996 but
// reads "28.5000000000000"), while every decimal a user typed with up to 15
// significant digits is kept exactly.
const displayDigits = 15

// FormatFixed formats v with exactly dps decimal places (trailing zeros kept:
// 12.5 at 2 is "12.50"), rounding half up — away from zero for negatives,
// −1.5 at 0 is "−2" — as LAIT displays values (METHODS.md). The rounding is
// done on v's decimal representation at 15 significant digits, not on its
// binary value, so 2.675 at 2 is "2.68", 0.125 at 2 is "0.13" and
// 14.700000000000001 at 1 is "14.7". A negative dps counts as 0. A result of
// zero has no minus sign. NaN and ±Inf give "" (nothing to display).
func FormatFixed(v float64, dps int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	dps = max(dps, 0)
	neg := v < 0
	// "d.dddddddddddddde±XX": 15 significant digits, v = d.ddd… × 10^exp.
	s := strconv.FormatFloat(math.Abs(v), 'e', displayDigits-1, 64)
	mant, expStr, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := []byte(mant[:1] + mant[2:])

	// Keep the digits down to the dps-th decimal place: kept becomes the
	// integer round(|v| × 10^dps) as decimal digits.
	keep := exp + 1 + dps
	var kept []byte
	switch {
	case keep < 0:
		// Below a tenth of the last place kept: rounds to zero.
	case keep >= len(digits):
		kept = append(digits, strings.Repeat("0", keep-len(digits))...)
	default:
		kept = digits[:keep]
		if digits[keep] >= '5' {
			kept = increment(kept) // may grow: 9.995 → 1000 (10.00)
		}
	}
	// At least one integer digit and dps fraction digits.
	if pad := dps + 1 - len(kept); pad > 0 {
		kept = append([]byte(strings.Repeat("0", pad)), kept...)
	}
	intPart := string(kept[:len(kept)-dps])
	frac := string(kept[len(kept)-dps:])
	var b strings.Builder
	if neg && strings.Trim(intPart+frac, "0") != "" {
		b.WriteByte('-')
	}
	b.WriteString(intPart)
	if dps > 0 {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// increment adds one to the decimal number held in digits, growing it by a
// leading 1 when every digit carries.
func increment(digits []byte) []byte {
	for i := len(digits) - 1; i >= 0; i-- {
		if digits[i] < '9' {
			digits[i]++
			return digits
		}
		digits[i] = '0'
	}
	return append([]byte{'1'}, digits...)
}

// RoundHalfUp rounds v to dps decimal places as [FormatFixed] does and
// returns the nearest float64 to the result (so RoundHalfUp(2.675, 2) ==
// 2.68). For display and for comparisons on displayed values only; never
// round before calculating. NaN and ±Inf are returned unchanged; a zero
// result is +0. It never turns a finite v into a non-finite result.
func RoundHalfUp(v float64, dps int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, err := strconv.ParseFloat(FormatFixed(v, dps), 64)
	if err != nil {
		// Only a value within 15 significant digits of ±math.MaxFloat64, whose rounded decimal is
		// beyond the float64 range: decimals mean nothing at that size, so v itself.
		return v
	}
	return r
}
