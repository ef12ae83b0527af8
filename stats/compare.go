package stats

import (
	"math"
	"slices"
)

// Comparison is the result of [CompareWithBenchmark].
type Comparison struct {
	// Label is one of [Better], [Similar], [Worse] (higher/lower is better);
	// [Higher], [Similar], [Lower] (no judgement, closer is better); [Best],
	// [Worst] in addition in two-level mode; or [NotCompared].
	Label Judgement
	// Method says how the label was reached: "ci95" (Fingertips' 95% rule),
	// "ci95_998" (95% and 99.8%), "difference" (no interval: the sign of
	// value − benchmark). Empty when not compared.
	Method string
	// Reason says why the value was not compared: "no value", "no benchmark
	// value", "no 95% confidence interval", "no 99.8% confidence interval"
	// (two levels) or "unknown polarity". Empty otherwise.
	Reason string
}

// CompareOptions adjusts [CompareWithBenchmark].
type CompareOptions struct {
	// TwoLevel also uses the 99.8% interval: better/worse when the benchmark
	// is outside the 95% interval but inside the 99.8% one, best/worst when
	// outside both. Without valid 99.8% limits the value is not compared
	// (Reason "no 99.8% confidence interval"), as Fingertips' two-level
	// comparer returns no significance then (fingertips-open,
	// PholioVisualisation.Analysis SingleOverlappingCIsForTwoCILevelsComparer:
	// Significance.None unless Are95CIsValid and Are99_8CIsValid).
	TwoLevel bool
	// FallbackToDifference compares by the sign of value − benchmark when the
	// value has no valid 95% interval (Method "difference": a plain
	// difference, not a significance test) instead of returning not_compared.
	// It is for measures with no confidence-interval method at all (LAIT's);
	// an indicator with a CI method must leave it false, as Fingertips does.
	FallbackToDifference bool
}

// Comparison methods reported in [Comparison.Method].
const (
	MethodCI95       = "ci95"
	MethodCI95And998 = "ci95_998"
	MethodDifference = "difference"
)

// Judgement is how a value compares with a benchmark ([Comparison.Label]): one of
// [Judgements].
type Judgement string

// The judgements against a benchmark.
const (
	// Better: significantly better than the benchmark (higher/lower is better); in two-level
	// mode, beyond the 95% level only.
	Better Judgement = "better"
	// Similar: no significant difference from the benchmark.
	Similar Judgement = "similar"
	// Worse: significantly worse than the benchmark (higher/lower is better); in two-level
	// mode, beyond the 95% level only.
	Worse Judgement = "worse"
	// Higher: significantly higher than the benchmark, where neither direction is better.
	Higher Judgement = "higher"
	// Lower: significantly lower than the benchmark, where neither direction is better.
	Lower Judgement = "lower"
	// Best: better beyond the 99.8% level too (two-level mode).
	Best Judgement = "best"
	// Worst: worse beyond the 99.8% level too (two-level mode).
	Worst Judgement = "worst"
	// NotCompared: no comparison was possible ([Comparison.Reason] says why).
	NotCompared Judgement = "not_compared"
)

// Judgements lists every [Judgement], in the order the API documents them.
func Judgements() []Judgement {
	return []Judgement{Better, Similar, Worse, Higher, Lower, Best, Worst, NotCompared}
}

// Valid reports whether j is one of [Judgements].
func (j Judgement) Valid() bool { return slices.Contains(Judgements(), j) }

// Reasons a value with a confidence-interval method is not compared
// ([Comparison.Reason]).
const (
	// ReasonNoCI95: the value has no valid 95% limits (Fingertips' comparers
	// return Significance.None when Are95CIsValid is false).
	ReasonNoCI95 = "no 95% confidence interval"
	// ReasonNoCI998: two-level comparison, and the value has no valid 99.8%
	// limits.
	ReasonNoCI998 = "no 99.8% confidence interval"
)

// CompareWithBenchmark compares an area's value, with its 95% limits ci95 and
// optionally its 99.8% limits ci998, against a benchmark value (England,
// region, statistical-neighbour average) by Fingertips' standard rule
// (METHODS.md "Compared with a benchmark"): similar when the benchmark lies
// in the 95% interval, bounds inclusive; otherwise higher when value >
// benchmark, lower when value < benchmark, turned into better/worse by
// polarity (a value equal to the benchmark is similar). Without a valid 95%
// interval the value is not compared ("no 95% confidence interval"), unless
// [CompareOptions.FallbackToDifference] asks for the sign of value −
// benchmark instead (a plain difference, Method "difference").
//
// Missing inputs: value NaN; ci95, ci998 or benchmark nil; an interval with a
// NaN limit; a NaN benchmark. They give Label [NotCompared] with the Reason.
func CompareWithBenchmark(value float64, ci95, ci998 *Interval, benchmark *float64, pol Polarity, opt CompareOptions) Comparison {
	switch {
	case math.IsNaN(value):
		return notCompared("no value")
	case benchmark == nil || math.IsNaN(*benchmark):
		return notCompared("no benchmark value")
	case !pol.Valid():
		return notCompared("unknown polarity")
	}
	b := *benchmark
	if ci95 == nil || !ci95.Valid() {
		if !opt.FallbackToDifference {
			return notCompared(ReasonNoCI95)
		}
		if value == b {
			return Comparison{Label: Similar, Method: MethodDifference}
		}
		return Comparison{Label: sideLabel(value > b, false, pol), Method: MethodDifference}
	}
	twoLevel := opt.TwoLevel
	method := MethodCI95
	if twoLevel {
		if ci998 == nil || !ci998.Valid() {
			return notCompared(ReasonNoCI998)
		}
		method = MethodCI95And998
	}
	if ci95.Contains(b) || value == b {
		return Comparison{Label: Similar, Method: method}
	}
	extreme := twoLevel && !ci998.Contains(b)
	return Comparison{Label: sideLabel(value > b, extreme, pol), Method: method}
}

func notCompared(reason string) Comparison {
	return Comparison{Label: NotCompared, Reason: reason}
}

// sideLabel names a significant difference: above says the value is above
// the benchmark, extreme that it is beyond the 99.8% level too.
func sideLabel(above, extreme bool, pol Polarity) Judgement {
	higherIsBetter, ok := pol.directional()
	if !ok {
		if above {
			return Higher
		}
		return Lower
	}
	good := above == higherIsBetter
	switch {
	case good && extreme:
		return Best
	case good:
		return Better
	case extreme:
		return Worst
	default:
		return Worse
	}
}
