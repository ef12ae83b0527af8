// Package display owns every word and number a reader of the board pages sees: values with their
// units and thousands separators, changes (percentage points for percentages), periods in words,
// suppression markers in words, and judgements and the engine's reasons as sentences. The pages
// (api) and the charts (charts) show what it returns and format nothing for people themselves.
package display

import (
	"math"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
)

// Unit is how an indicator's unit is written.
type Unit struct {
	// Axis names a chart's value axis: "Per cent", "Rate per 10,000".
	Axis string
	// Suffix follows a value in text: "%", " per 10,000", " days".
	Suffix string
	// Words names the unit in a caption or a table: "per cent", "rate per 10,000".
	Words string
	// Change follows a change in the value: " percentage points", " per 10,000".
	Change string
}

// UnitOf is def's unit as written for readers. A definition's own axis label (metadata
// axis_label, such as LAIT's "% of the school population") names the chart axis, and, for a
// plain number, the unit in captions and tables too ("Leavers FTE").
func UnitOf(def *indicators.Definition) Unit {
	u := unitOf(def)
	if l := def.Metadata.AxisLabel; l != "" {
		u.Axis = l
		if def.Unit == indicators.Number {
			u.Words = l
		}
	}
	return u
}

func unitOf(def *indicators.Definition) Unit {
	switch def.Unit {
	case indicators.Percentage:
		return Unit{"Per cent", "%", "per cent", " percentage points"}
	case indicators.RatePer1000:
		return Unit{"Rate per 1,000", " per 1,000", "rate per 1,000", " per 1,000"}
	case indicators.RatePer10000:
		return Unit{"Rate per 10,000", " per 10,000", "rate per 10,000", " per 10,000"}
	case indicators.RatePer100000:
		return Unit{"Rate per 100,000", " per 100,000", "rate per 100,000", " per 100,000"}
	case indicators.Count:
		return Unit{"Count", "", "count", ""}
	case indicators.Score:
		return Unit{"Score", "", "score", ""}
	case indicators.Days:
		return Unit{"Days", " days", "days", " days"}
	}
	return Unit{"Value", "", "number", ""}
}

// UnitWords names def's unit: "per cent", "rate per 10,000".
func UnitWords(def *indicators.Definition) string { return UnitOf(def).Words }

// Number is v rounded half up to dps decimal places, trailing zeros kept, with commas between
// groups of three digits: 1001 → "1,001", -12345.67 → "-12,345.7" (dps 1). A value that is not
// a finite number is "not a number".
func Number(v float64, dps int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "not a number"
	}
	s := stats.FormatFixed(v, dps)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Plain is v as a table cell shows it under a heading that names the unit: the indicator's
// decimals and thousands separators, no unit.
func Plain(def *indicators.Definition, v float64) string { return Number(v, def.Decimals) }

// Value is v with its unit, for sentences and cells read alone: "85.3%", "92.6 per 10,000",
// "1,001", "12 days".
func Value(def *indicators.Definition, v float64) string {
	return Number(v, def.Decimals) + UnitOf(def).Suffix
}

// OptionalValue is Value, or "no data" for nil.
func OptionalValue(def *indicators.Definition, v *float64) string {
	if v == nil {
		return "no data"
	}
	return Value(def, *v)
}

// Signed is v with its sign: "+4.4", "-1.6", "0.0".
func Signed(v float64, dps int) string {
	s := Number(v, dps)
	if !strings.HasPrefix(s, "-") && strings.Trim(s, "0.,") != "" {
		s = "+" + s
	}
	if strings.Trim(s, "-0.,") == "" {
		s = strings.TrimPrefix(s, "-") // -0.0 is no change
	}
	return s
}

// Change is a change in def's value with its unit: for a percentage, in percentage points
// ("-1.6 percentage points"); otherwise with the relative change too ("+4.4 per 10,000
// (+5.2%)"). It is "" when change is nil.
func Change(def *indicators.Definition, change, percent *float64) string {
	if change == nil {
		return ""
	}
	u := UnitOf(def)
	s := Signed(*change, def.Decimals) + u.Change
	if def.Unit == indicators.Percentage {
		if math.Abs(stats.RoundHalfUp(*change, def.Decimals)) == 1 {
			s = strings.TrimSuffix(s, "s") // "+1.0 percentage point"
		}
		return s
	}
	if percent != nil && !math.IsNaN(*percent) && !math.IsInf(*percent, 0) {
		s += " (" + Signed(*percent, 1) + "%)"
	}
	return s
}

// Decimals says how a value is rounded: "to 1 decimal place", "to 2 decimal places", "to the
// nearest whole number".
func Decimals(n int) string {
	switch {
	case n <= 0:
		return "to the nearest whole number"
	case n == 1:
		return "to 1 decimal place"
	}
	return "to " + strconv.Itoa(n) + " decimal places"
}

// Ordinal writes 1 as "1st", 2 as "2nd", 11 as "11th", 117 as "117th".
func Ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// Rank is an area's rank among local authorities: "117th of 151, quartile D"; "" when of is 0.
func Rank(position, of int, quartile string) string {
	if of <= 0 || position <= 0 {
		return ""
	}
	s := Ordinal(position) + " of " + strconv.Itoa(of)
	if quartile != "" {
		s += ", quartile " + quartile
	}
	return s
}

// Polarity says which way is good: "Higher is better".
func Polarity(p stats.Polarity) string {
	switch p {
	case stats.HigherIsBetter:
		return "Higher is better"
	case stats.LowerIsBetter:
		return "Lower is better"
	case stats.CloserIsBetter:
		return "Closer to the target is better"
	}
	return "Neither higher nor lower is better"
}

// GoodDirection is Polarity in a word or two for a table column: "Higher", "Lower".
func GoodDirection(p stats.Polarity) string {
	switch p {
	case stats.HigherIsBetter:
		return "Higher"
	case stats.LowerIsBetter:
		return "Lower"
	case stats.CloserIsBetter:
		return "Closer to target"
	}
	return "Neither"
}

// Sentence starts s with a capital letter and ends it with a full stop, if it has none.
func Sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
