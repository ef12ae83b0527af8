package display

import (
	"strings"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
)

// RAGLabel is a RAG status in words, long form ("Red: off target") and short ("Red").
func RAGLabel(status engine.RAGStatus) (long, short string) {
	switch status {
	case engine.Green:
		return "Green: on or better than target", "Green"
	case engine.Amber:
		return "Amber: within tolerance of target", "Amber"
	case engine.Red:
		return "Red: off target", "Red"
	case engine.NoTarget:
		return "No target set", "No target"
	case engine.NoData:
		return "No data for this period", "No data"
	case engine.Suppressed:
		return "Suppressed: the figure is not published", "Suppressed"
	case "":
		return "Not judged", "Not judged"
	}
	return "Not judged", "Not judged"
}

// RAGReason is the engine's reason for a RAG status as a sentence for readers, or "" when the
// status says it all.
func RAGReason(status engine.RAGStatus, reason string) string {
	switch status {
	case engine.Green, engine.Red, engine.Amber:
		if reason == "" {
			return ""
		}
		return Sentence(reason)
	case engine.NoTarget:
		if strings.Contains(reason, "without a good direction") {
			return "Not judged against a target: neither higher nor lower is better for this indicator."
		}
		if reason == "" || strings.HasPrefix(reason, "no target is set") {
			return "No target has been set for this area and period."
		}
		return Sentence("No target could be used: " + reason)
	case engine.NoData:
		return "There is no figure for this period."
	case engine.Suppressed:
		if m, ok := strings.CutPrefix(reason, "the value is suppressed ("); ok {
			return Sentence("The figure is " + Marker(strings.TrimSuffix(m, ")")))
		}
		return "The figure is not published."
	}
	return Sentence(reason)
}

// Judgement is how an area compares with a benchmark, in a word: "Better", "Similar", "Worse",
// "Higher", "Lower", "Not compared"; a two-level comparison's best and worst are "Better
// (99.8%)" and "Worse (99.8%)", as Fingertips labels them.
func Judgement(j stats.Judgement) string {
	switch j {
	case stats.Better, stats.Similar, stats.Worse, stats.Higher, stats.Lower:
		return strings.ToUpper(string(j[:1])) + string(j[1:])
	case stats.Best:
		return "Better (99.8%)"
	case stats.Worst:
		return "Worse (99.8%)"
	}
	return "Not compared"
}

// JudgementSymbol is a judgement as a symbol that prints and reads without colour: ▲ better,
// ● similar, ▼ worse, ▲/▼ higher/lower (no good direction), ○ not compared.
func JudgementSymbol(j stats.Judgement) string {
	switch j {
	case stats.Better, stats.Best, stats.Higher:
		return "▲"
	case stats.Worse, stats.Worst, stats.Lower:
		return "▼"
	case stats.Similar:
		return "●"
	}
	return "○"
}

// JudgementAgainst is a judgement against a named benchmark as a phrase: "better than England",
// "similar to the North West", "not compared with England".
func JudgementAgainst(j stats.Judgement, benchmark string) string {
	switch j {
	case stats.Better, stats.Worse, stats.Higher, stats.Lower:
		return string(j) + " than " + benchmark
	case stats.Best:
		return "better than " + benchmark + " at 99.8% confidence"
	case stats.Worst:
		return "worse than " + benchmark + " at 99.8% confidence"
	case stats.Similar:
		return "similar to " + benchmark
	}
	return "not compared with " + benchmark
}

// ComparisonReason is why an area was not compared with a benchmark, or how it was compared, as
// a sentence for readers ("" when there is nothing to add).
func ComparisonReason(judgement stats.Judgement, method, reason string) string {
	switch judgement {
	case stats.Better, stats.Similar, stats.Worse, stats.Higher, stats.Lower, stats.Best, stats.Worst:
		switch method {
		case "ci95":
			return "Compared by the area's 95% confidence interval."
		case "ci95_998":
			return "Compared by the area's 95% and 99.8% confidence intervals."
		case "difference":
			return "Compared by the plain difference, not a significance test: the indicator has no confidence-interval method."
		}
		return ""
	}
	switch {
	case reason == "":
		return "Not compared."
	case strings.Contains(reason, "no 99.8% confidence interval"):
		return "Not compared: no 99.8% confidence interval (a two-level comparison needs the 95% and the 99.8% limits)."
	case strings.Contains(reason, "no 95% confidence interval"):
		return "Not compared: no 95% confidence interval, so a significant difference cannot be tested."
	case strings.Contains(reason, "publishes no figure for this group"):
		return "Not compared: the source publishes no figure for this group, and none is made up from the local authorities."
	case strings.Contains(reason, "no confidence interval"), strings.Contains(reason, "without an interval"),
		strings.Contains(reason, "no interval"):
		return "Not compared: the figure has no confidence interval, so a significant difference cannot be tested."
	case strings.Contains(reason, "no value"), strings.Contains(reason, "no benchmark"), strings.Contains(reason, "has no value"):
		return "Not compared: there is no figure to compare."
	}
	return Sentence("Not compared: " + reason)
}

// Direction is a direction-of-travel judgement in words: "Improving", "Worsening", "No change",
// "Increasing", "Decreasing", "No earlier value".
func Direction(j engine.Travel) string {
	switch j {
	case engine.Improving:
		return "Improving"
	case engine.Worsening:
		return "Worsening"
	case engine.NoChange:
		return "No change"
	case engine.Increasing:
		return "Increasing"
	case engine.Decreasing:
		return "Decreasing"
	}
	return "No earlier value"
}

// Trend is a Fingertips recent-trend label in words: "Increasing and getting better", "No
// significant change", "Cannot be calculated".
func Trend(label stats.TrendLabel) string {
	switch label {
	case "":
		return ""
	case stats.TrendNoChange:
		return "No significant change"
	case stats.TrendCannotBeCalculated:
		return "Cannot be calculated"
	}
	s := strings.ReplaceAll(string(label), "_getting_", " and getting ")
	s = strings.ReplaceAll(s, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// TrendReason is why a recent trend could not be calculated, for readers.
func TrendReason(reason string) string {
	switch {
	case reason == "":
		return ""
	case strings.HasPrefix(reason, "unsupported value type"):
		return "Not calculated: the significance test applies to percentages and rates."
	case strings.HasPrefix(reason, "sub-annual periods"):
		return "Not calculated: the test needs yearly figures, and these are quarterly or monthly."
	case strings.HasPrefix(reason, "overlapping (pooled) periods"):
		return "Not calculated: the test needs separate yearly figures, and these pool several years."
	case strings.HasPrefix(reason, "a period has count equal to denominator"):
		return "Cannot be calculated: a period with every person counted (100%)."
	}
	return Sentence("Not calculated: " + reason)
}

// Gap is the distance of value from target, in words, by polarity: "4.2 percentage points below
// target", "on target", "12 per 10,000 above target". "" when either is nil.
func Gap(def *indicators.Definition, value, target *float64) string {
	if value == nil || target == nil {
		return ""
	}
	d := *value - *target
	mag := Number(abs(d), def.Decimals)
	if strings.Trim(mag, "0.,") == "" {
		return "on target"
	}
	u := UnitOf(def).Change
	if def.Unit == indicators.Percentage && mag == Number(1, def.Decimals) {
		u = " percentage point"
	}
	if def.Unit == indicators.Count || def.Unit == indicators.Score || def.Unit == indicators.Number {
		u = ""
	}
	side := "above"
	if d < 0 {
		side = "below"
	}
	return mag + u + " " + side + " target"
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// Forecast is a forecast in words: "On track: projected 88.4% in 2018-19 (target 88.0%)",
// "Not forecast: the target's period has passed." "" when there is none.
func Forecast(def *indicators.Definition, status, targetPeriod string, projected, target *float64, reason string) string {
	var s string
	switch status {
	case "on_track":
		s = "On track"
	case "off_track":
		s = "Off track"
	case "not_forecast":
		return Sentence("Not forecast: " + reason)
	default:
		return ""
	}
	if projected != nil && targetPeriod != "" {
		s += ": projected " + Value(def, *projected) + " in " + targetPeriod
		if target != nil {
			s += " (target " + Value(def, *target) + ")"
		}
	}
	return s
}

// Source is how a benchmark value was obtained, in words.
func Source(source string, n, of int, vintage string) string {
	var s string
	switch source {
	case "published":
		s = "published"
	case "aggregated":
		s = "added up from local authorities' numerators and denominators"
	case "mean_of_areas":
		s = "average of the areas' figures"
	case "neighbour_mean":
		s = "average of the statistical neighbours' figures"
	default:
		s = "no figure"
	}
	if of > 0 {
		s += ", " + itoa(n) + " of " + itoa(of) + " neighbours with a figure"
	}
	if vintage != "" {
		s += ", neighbours as published in " + vintage
	}
	return s
}

func itoa(n int) string { return Number(float64(n), 0) }
