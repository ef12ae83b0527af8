package display_test

import (
	"math"
	"testing"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/stats"
)

func def(u indicators.Unit, dps int) *indicators.Definition {
	return &indicators.Definition{ID: "x", Unit: u, Decimals: dps}
}

func f(v float64) *float64 { return &v }

func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    float64
		dps  int
		want string
	}{
		{"thousands separator", 1001, 0, "1,001"},
		{"no separator below a thousand", 999, 0, "999"},
		{"millions", 1234567.891, 2, "1,234,567.89"},
		{"negative with separator", -12345.67, 1, "-12,345.7"},
		{"trailing zeros kept", 12.3, 2, "12.30"},
		{"rounds half up", 0.125, 2, "0.13"},
		{"not a number", math.NaN(), 1, "not a number"},
		{"infinite", math.Inf(1), 1, "not a number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Number(tt.v, tt.dps); got != tt.want {
				t.Errorf("Number(%v, %d) = %q, want %q", tt.v, tt.dps, got, tt.want)
			}
		})
	}
}

func TestValue(t *testing.T) {
	for _, tt := range []struct {
		name string
		def  *indicators.Definition
		v    float64
		want string
	}{
		{"percentage", def(indicators.Percentage, 1), 12.3, "12.3%"},
		{"rate per 10,000", def(indicators.RatePer10000, 1), 92.64, "92.6 per 10,000"},
		{"rate per 100,000 with separator", def(indicators.RatePer100000, 0), 1234, "1,234 per 100,000"},
		{"rate per 1,000", def(indicators.RatePer1000, 1), 4, "4.0 per 1,000"},
		{"count with separator", def(indicators.Count, 0), 1001, "1,001"},
		{"days", def(indicators.Days, 0), 12, "12 days"},
		{"score", def(indicators.Score, 1), 14.25, "14.3"},
		{"number", def(indicators.Number, 0), 3, "3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Value(tt.def, tt.v); got != tt.want {
				t.Errorf("Value = %q, want %q", got, tt.want)
			}
		})
	}
	if got := display.OptionalValue(def(indicators.Count, 0), nil); got != "no data" {
		t.Errorf("OptionalValue(nil) = %q", got)
	}
	if got := display.Plain(def(indicators.Count, 0), 151000); got != "151,000" {
		t.Errorf("Plain = %q", got)
	}
	if got := display.UnitWords(def(indicators.RatePer10000, 1)); got != "rate per 10,000" {
		t.Errorf("UnitWords = %q", got)
	}
	// A definition's axis label names the chart axis; for a plain number, the unit too.
	pct := def(indicators.Percentage, 2)
	pct.Metadata.AxisLabel = "% of the school population"
	if u := display.UnitOf(pct); u.Axis != "% of the school population" || u.Words != "per cent" || u.Suffix != "%" {
		t.Errorf("UnitOf(percentage with an axis label) = %+v", u)
	}
	fte := def(indicators.Number, 0)
	fte.Metadata.AxisLabel = "Leavers FTE"
	if u := display.UnitOf(fte); u.Axis != "Leavers FTE" || u.Words != "Leavers FTE" || u.Suffix != "" {
		t.Errorf("UnitOf(number with an axis label) = %+v", u)
	}
}

func TestChange(t *testing.T) {
	for _, tt := range []struct {
		name            string
		def             *indicators.Definition
		change, percent *float64
		want            string
	}{
		{"percentage in percentage points, no relative change", def(indicators.Percentage, 1), f(-1.6), f(-6.3), "-1.6 percentage points"},
		{"one percentage point", def(indicators.Percentage, 1), f(1), nil, "+1.0 percentage point"},
		{"rate with its relative change", def(indicators.RatePer10000, 1), f(4.4), f(5.21), "+4.4 per 10,000 (+5.2%)"},
		{"count with separator", def(indicators.Count, 0), f(1200), f(10), "+1,200 (+10.0%)"},
		{"no change has no sign", def(indicators.Percentage, 1), f(-0.01), nil, "0.0 percentage points"},
		{"unknown change", def(indicators.Percentage, 1), nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Change(tt.def, tt.change, tt.percent); got != tt.want {
				t.Errorf("Change = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	for _, tt := range []struct{ label, want string }{
		{"2023-24", "2023-24 (financial year)"},
		{"2016/17", "2016/17 (academic year)"},
		{"2016-17 Q1", "2016-17 Q1 (April to June 2016)"},
		{"2016-17 Q4", "2016-17 Q4 (January to March 2017)"},
		{"2016 Q1", "2016 Q1 (January to March 2016)"},
		{"Oct 2009", "October 2009"},
		{"2019", "2019"},
		{"2014-16", "2014-16 (3 years pooled)"},
		{"not a period", "not a period"},
	} {
		t.Run(tt.label, func(t *testing.T) {
			if got := display.Period(tt.label); got != tt.want {
				t.Errorf("Period(%q) = %q, want %q", tt.label, got, tt.want)
			}
		})
	}
	if got := display.PeriodShort("Oct 2009"); got != "Oct 2009" {
		t.Errorf("PeriodShort = %q", got)
	}
	if got := display.PeriodKind(period.FinancialQuarter); got != "Quarters of financial years" {
		t.Errorf("PeriodKind = %q", got)
	}
}

func TestMarker(t *testing.T) {
	for _, tt := range []struct{ m, words, cell string }{
		{"c", "suppressed to protect confidentiality", "c: suppressed to protect confidentiality"},
		{"x", "not available", "x: not available"},
		{"z", "not applicable", "z: not applicable"},
		{"low", "too low to publish", "low: too low to publish"},
		{"k", "fewer than 0.5", "k: fewer than 0.5"},
		{"-", "no such area then", "-: no such area then"},
		{"u", "low reliability", "u: low reliability"},
		{"?", "not published (?)", "Not published (?)"},
		{"", "not published", "Suppressed"},
	} {
		t.Run(tt.m, func(t *testing.T) {
			if got := display.Marker(tt.m); got != tt.words {
				t.Errorf("Marker(%q) = %q, want %q", tt.m, got, tt.words)
			}
			if got := display.MarkerCell(tt.m); got != tt.cell {
				t.Errorf("MarkerCell(%q) = %q, want %q", tt.m, got, tt.cell)
			}
		})
	}
}

func TestRAG(t *testing.T) {
	for _, tt := range []struct {
		status                        engine.RAGStatus
		long, short, reason, sentence string
	}{
		{"green", "Green: on or better than target", "Green", "", ""},
		{"amber", "Amber: within tolerance of target", "Amber", "within tolerance and improved on 2015-16", "Within tolerance and improved on 2015-16."},
		{"red", "Red: off target", "Red", "", ""},
		{"no_target", "No target set", "No target", "no target is set for this area and period", "No target has been set for this area and period."},
		{"no_target", "No target set", "No target", "indicators without a good direction are not judged against targets", "Not judged against a target: neither higher nor lower is better for this indicator."},
		{"no_data", "No data for this period", "No data", "no value for this period", "There is no figure for this period."},
		{"suppressed", "Suppressed: the figure is not published", "Suppressed", "the value is suppressed (c)", "The figure is suppressed to protect confidentiality."},
		{"", "Not judged", "Not judged", "", ""},
	} {
		t.Run(string(tt.status)+" "+tt.reason, func(t *testing.T) {
			long, short := display.RAGLabel(tt.status)
			if long != tt.long || short != tt.short {
				t.Errorf("RAGLabel = %q, %q", long, short)
			}
			if got := display.RAGReason(tt.status, tt.reason); got != tt.sentence {
				t.Errorf("RAGReason = %q, want %q", got, tt.sentence)
			}
		})
	}
}

func TestJudgements(t *testing.T) {
	for _, tt := range []struct {
		j                     stats.Judgement
		word, symbol, against string
	}{
		{"better", "Better", "▲", "better than England"},
		{"similar", "Similar", "●", "similar to England"},
		{"worse", "Worse", "▼", "worse than England"},
		{"higher", "Higher", "▲", "higher than England"},
		{"lower", "Lower", "▼", "lower than England"},
		// Two-level comparisons (Fingertips' 95% and 99.8% limits).
		{"best", "Better (99.8%)", "▲", "better than England at 99.8% confidence"},
		{"worst", "Worse (99.8%)", "▼", "worse than England at 99.8% confidence"},
		{"not_compared", "Not compared", "○", "not compared with England"},
		{"", "Not compared", "○", "not compared with England"},
	} {
		t.Run(string(tt.j), func(t *testing.T) {
			if got := display.Judgement(tt.j); got != tt.word {
				t.Errorf("Judgement = %q", got)
			}
			if got := display.JudgementSymbol(tt.j); got != tt.symbol {
				t.Errorf("JudgementSymbol = %q", got)
			}
			if got := display.JudgementAgainst(tt.j, "England"); got != tt.against {
				t.Errorf("JudgementAgainst = %q", got)
			}
		})
	}
	for _, tt := range []struct {
		j                    stats.Judgement
		method, reason, want string
	}{
		{"worse", "ci95", "", "Compared by the area's 95% confidence interval."},
		{"best", "ci95_998", "", "Compared by the area's 95% and 99.8% confidence intervals."},
		{"better", "difference", "", "Compared by the plain difference, not a significance test: the indicator has no confidence-interval method."},
		{"not_compared", "", "no 95% confidence interval", "Not compared: no 95% confidence interval, so a significant difference cannot be tested."},
		{"not_compared", "", "no 99.8% confidence interval", "Not compared: no 99.8% confidence interval (a two-level comparison needs the 95% and the 99.8% limits)."},
		{"not_compared", "", "the source publishes no figure for this group and period, and comparison.values is published (the engine does not build one from the local authorities)",
			"Not compared: the source publishes no figure for this group, and none is made up from the local authorities."},
		{"not_compared", "", "the value has no confidence interval", "Not compared: the figure has no confidence interval, so a significant difference cannot be tested."},
		{"not_compared", "", "the benchmark has no value", "Not compared: there is no figure to compare."},
		{"not_compared", "", "", "Not compared."},
	} {
		t.Run("reason "+tt.reason, func(t *testing.T) {
			if got := display.ComparisonReason(tt.j, tt.method, tt.reason); got != tt.want {
				t.Errorf("ComparisonReason = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDirectionAndTrend(t *testing.T) {
	for j, want := range map[engine.Travel]string{"improving": "Improving", "worsening": "Worsening", "no_change": "No change",
		"increasing": "Increasing", "decreasing": "Decreasing", "no_data": "No earlier value", "": "No earlier value"} {
		if got := display.Direction(j); got != want {
			t.Errorf("Direction(%q) = %q", j, got)
		}
	}
	for l, want := range map[stats.TrendLabel]string{"increasing_getting_better": "Increasing and getting better",
		"decreasing_getting_worse": "Decreasing and getting worse", "no_significant_change": "No significant change",
		"cannot_be_calculated": "Cannot be calculated", "increasing": "Increasing", "": ""} {
		if got := display.Trend(l); got != want {
			t.Errorf("Trend(%q) = %q", l, got)
		}
	}
	for r, want := range map[string]string{
		"unsupported value type (count): the test applies to proportions and crude rates":                               "Not calculated: the significance test applies to percentages and rates.",
		"sub-annual periods: the test needs annual points":                                                              "Not calculated: the test needs yearly figures, and these are quarterly or monthly.",
		"fewer than 5 annual points":                                                                                    "Not calculated: fewer than 5 annual points.",
		"a period has count equal to denominator (every person counted, 100%): Fingertips does not calculate the trend": "Cannot be calculated: a period with every person counted (100%).",
		"": "",
	} {
		if got := display.TrendReason(r); got != want {
			t.Errorf("TrendReason(%q) = %q", r, got)
		}
	}
}

func TestGapForecastRank(t *testing.T) {
	pct := def(indicators.Percentage, 1)
	for _, tt := range []struct {
		name          string
		def           *indicators.Definition
		value, target *float64
		want          string
	}{
		{"below target in percentage points", pct, f(83.8), f(88), "4.2 percentage points below target"},
		{"above target", def(indicators.RatePer10000, 1), f(100), f(88), "12.0 per 10,000 above target"},
		{"on target", pct, f(88.01), f(88), "on target"},
		{"one percentage point", pct, f(87), f(88), "1.0 percentage point below target"},
		{"count", def(indicators.Count, 0), f(1100), f(100), "1,000 above target"},
		{"no target", pct, f(1), nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := display.Gap(tt.def, tt.value, tt.target); got != tt.want {
				t.Errorf("Gap = %q, want %q", got, tt.want)
			}
		})
	}
	if got := display.Forecast(pct, "on_track", "2018-19", f(88.4), f(88), ""); got != "On track: projected 88.4% in 2018-19 (target 88.0%)" {
		t.Errorf("Forecast = %q", got)
	}
	if got := display.Forecast(pct, "not_forecast", "", nil, nil, "the target's period has passed"); got != "Not forecast: the target's period has passed." {
		t.Errorf("Forecast = %q", got)
	}
	if got := display.Forecast(pct, "", "", nil, nil, ""); got != "" {
		t.Errorf("Forecast = %q", got)
	}
	for _, tt := range []struct {
		pos, of int
		q, want string
	}{{117, 151, "D", "117th of 151, quartile D"}, {1, 151, "A", "1st of 151, quartile A"}, {2, 10, "", "2nd of 10"},
		{3, 10, "", "3rd of 10"}, {11, 20, "", "11th of 20"}, {112, 151, "", "112th of 151"}, {0, 0, "", ""}} {
		if got := display.Rank(tt.pos, tt.of, tt.q); got != tt.want {
			t.Errorf("Rank(%d, %d) = %q, want %q", tt.pos, tt.of, got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "to the nearest whole number", 1: "to 1 decimal place", 2: "to 2 decimal places"} {
		if got := display.Decimals(n); got != want {
			t.Errorf("Decimals(%d) = %q", n, got)
		}
	}
	for p, want := range map[stats.Polarity]string{stats.HigherIsBetter: "Higher is better", stats.LowerIsBetter: "Lower is better",
		stats.CloserIsBetter: "Closer to the target is better", stats.NoJudgement: "Neither higher nor lower is better"} {
		if got := display.Polarity(p); got != want {
			t.Errorf("Polarity(%q) = %q", p, got)
		}
	}
	if got := display.Source("neighbour_mean", 9, 10, "2025"); got != "average of the statistical neighbours' figures, 9 of 10 neighbours with a figure, neighbours as published in 2025" {
		t.Errorf("Source = %q", got)
	}
}
