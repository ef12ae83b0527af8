// Package indicators holds the indicator definitions: one YAML file per indicator, embedded in
// the binary, optionally overridden or extended from a directory. Definitions are decoded
// strictly, validated as a whole (every error reported with its file and field), and checked
// against the datasets they read.
package indicators

import (
	"github.com/childrens-trust/scorecard/stats"
)

// Unit is what an indicator's value measures; it decides display and the kind of statistics.
type Unit string

// Units.
const (
	Percentage    Unit = "percentage"
	RatePer1000   Unit = "rate_per_1000"
	RatePer10000  Unit = "rate_per_10000"
	RatePer100000 Unit = "rate_per_100000"
	Count         Unit = "count"
	Score         Unit = "score"
	Days          Unit = "days"
	Number        Unit = "number"
)

var units = map[Unit]bool{Percentage: true, RatePer1000: true, RatePer10000: true, RatePer100000: true,
	Count: true, Score: true, Days: true, Number: true}

// CIMethod names how an indicator's confidence intervals are made.
type CIMethod string

// Confidence-interval methods (METHODS.md).
const (
	CIWilson  CIMethod = "wilson"  // proportions: Wilson score
	CIPoisson CIMethod = "poisson" // crude rates: exact Poisson below 10 events, Byar's from 10
	// CIPoissonExact: crude rates with exact Poisson limits at every count, as several Fingertips
	// indicators publish them (never Byar's approximation).
	CIPoissonExact CIMethod = "poisson_exact"
	CIMeanT        CIMethod = "mean_t"    // means: Student t from the sd column and the number of records (denominator)
	CIPublished    CIMethod = "published" // limits published by the source, read from its columns
	CINone         CIMethod = "none"
)

var ciMethods = map[CIMethod]bool{CIWilson: true, CIPoisson: true, CIPoissonExact: true, CIMeanT: true, CIPublished: true, CINone: true}

// Comparator value sources (Comparison.Values): where the England and region figures an area is
// judged against may come from.
const (
	// ValuesPublished: only the figures the source publishes (its National / Regional rows). A
	// group the source publishes no figure for is not compared, as on Fingertips. The default for
	// Fingertips exports.
	ValuesPublished = "published"
	// ValuesPublishedOrAggregated: the published figure when there is one, else one built from
	// the local authorities' rows (Σnumerator / Σdenominator × multiplier, or a flagged mean). The
	// default for every other format.
	ValuesPublishedOrAggregated = "published_or_aggregated"
)

// Value-check modes (ValueChecks): what an upload does with a value that cannot be true.
const (
	// ValueChecksRefuse refuses the upload, listing every such value with its row, column and
	// reason; nothing is stored. The default.
	ValueChecksRefuse = "refuse"
	// ValueChecksWarn loads the upload and lists the values as warnings shown with the revision,
	// for a source that legitimately publishes them.
	ValueChecksWarn = "warn"
)

// RAG rules.
const (
	// RuleStandard: amber within the tolerance of the target.
	RuleStandard = "standard"
	// RuleToleranceAndDirection: amber only if outside the green band but improved against the
	// same period last year; red otherwise.
	RuleToleranceAndDirection = "tolerance_and_direction"
)

// Bandings.
const (
	BandingQuartiles = "quartiles"
	BandingQuintiles = "quintiles"
	BandingNone      = "none"
)

// Tolerance types.
const (
	ToleranceAbsolute = "absolute" // in the indicator's unit
	TolerancePercent  = "percent"  // percent of the target value
)

// DefaultTopic is the topic of a definition whose YAML gives none.
const DefaultTopic = "Other indicators"

// maxTopic is the longest topic, in characters.
const maxTopic = 80

// Definition is one indicator, as written in its YAML file.
type Definition struct {
	ID          string `yaml:"id" json:"id"`
	Reference   string `yaml:"reference,omitempty" json:"reference,omitempty"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Topic groups the indicator in the catalogue and on an area's page ("Children Looked
	// After", "Health and Wellbeing"; LAIT's topic names for LAIT's measures). It is words on one
	// line, without leading or trailing spaces; a definition that gives none is in DefaultTopic.
	Topic    string         `yaml:"topic,omitempty" json:"topic"`
	Unit     Unit           `yaml:"unit" json:"unit"`
	Decimals int            `yaml:"decimals" json:"decimals"`
	Polarity stats.Polarity `yaml:"polarity" json:"polarity"`
	Source   Source         `yaml:"source" json:"source"`
	// CIMethod is how confidence intervals are computed: wilson (proportions), poisson (crude
	// rates: exact below 10 events, Byar's from 10), poisson_exact (crude rates, exact at every
	// count), mean_t, published (limits from the source's columns) or none. With any method but
	// none, a value without valid limits is not compared; none compares by the plain difference.
	CIMethod   CIMethod   `yaml:"ci_method" json:"ci_method"`
	Comparison Comparison `yaml:"comparison,omitempty" json:"comparison"`
	RAGRule    string     `yaml:"rag_rule,omitempty" json:"rag_rule"`
	// Banding is how local authorities are banded: quartiles (LAIT's A-D, the default),
	// quintiles (Fingertips) or none (LAIT's No_Quartile measures: "data range is too small").
	Banding  string   `yaml:"banding,omitempty" json:"banding"`
	Targets  []Target `yaml:"targets,omitempty" json:"targets,omitempty"`
	Metadata Metadata `yaml:"metadata,omitempty" json:"metadata"`
	// ValueChecks is what an upload of the source dataset does with a value this indicator reads
	// that cannot be true (a percentage outside 0-100; a negative count, rate or denominator; a
	// numerator above its denominator for a proportion; a value that contradicts its numerator
	// and denominator): refuse (the default) or warn (load it, with a warning on the revision).
	ValueChecks string `yaml:"value_checks,omitempty" json:"value_checks"`

	// File is where the definition was read from ("embedded:x.yaml" or a path).
	File string `yaml:"-" json:"file"`
}

// Source says where an indicator's figures come from.
type Source struct {
	Dataset string `yaml:"dataset" json:"dataset"`
	// Filters select the rows: column -> value; an empty value selects rows where the column is
	// empty. Several filters must all hold.
	Filters map[string]string `yaml:"filters,omitempty" json:"filters,omitempty"`
	// Value is the column holding the published value.
	Value string `yaml:"value" json:"value"`
	// Numerator and Denominator, when given, allow confidence intervals and aggregation.
	Numerator   string `yaml:"numerator,omitempty" json:"numerator,omitempty"`
	Denominator string `yaml:"denominator,omitempty" json:"denominator,omitempty"`
	// Multiplier turns numerator/denominator into the value's unit (100 for a percentage).
	Multiplier float64 `yaml:"multiplier,omitempty" json:"multiplier,omitempty"`
	// SD is the column of the sample standard deviation, for means (ci_method mean_t); the
	// number of records is then the denominator column.
	SD string `yaml:"sd,omitempty" json:"sd,omitempty"`
	// Published confidence limits, when the source gives them (Fingertips).
	Lower95  string `yaml:"lower95,omitempty" json:"lower95,omitempty"`
	Upper95  string `yaml:"upper95,omitempty" json:"upper95,omitempty"`
	Lower998 string `yaml:"lower998,omitempty" json:"lower998,omitempty"`
	Upper998 string `yaml:"upper998,omitempty" json:"upper998,omitempty"`
	// Indicator selects a simple return's rows by its indicator column; defaults to the
	// definition's id when the dataset is a simple return.
	Indicator string `yaml:"indicator,omitempty" json:"indicator,omitempty"`
}

// Comparison tunes the benchmark comparisons.
type Comparison struct {
	// TwoLevel uses 95% and 99.8% limits: best/better/similar/worse/worst. A value without valid
	// 99.8% limits is then not compared.
	TwoLevel bool `yaml:"two_level,omitempty" json:"two_level"`
	// Values says where England and region figures may come from: published (only the source's
	// own rows) or published_or_aggregated (else built from the local authorities). Empty means
	// the format's default: published for Fingertips exports, published_or_aggregated otherwise
	// (see ComparatorValues).
	Values string `yaml:"values,omitempty" json:"values,omitempty"`
}

// ComparatorValues is the comparator value source that applies to a dataset of the given format
// (datasets' format name, e.g. "fingertips"): Values when set, else published for Fingertips
// exports (where no published figure means "Not compared") and published_or_aggregated for the rest.
func (c Comparison) ComparatorValues(format string) string {
	switch {
	case c.Values != "":
		return c.Values
	case format == "fingertips":
		return ValuesPublished
	}
	return ValuesPublishedOrAggregated
}

// Target is a target with its tolerance. Period and Area, when set, restrict it; the most
// specific matching target applies (area and period, then period, then area, then default).
//
// A target is either absolute (Value) or relative to a baseline: ChangePercent on the same
// area's value in the Baseline period ("increase by 10% on 2006/07": baseline 2006-07,
// change_percent 10; "reduce by 5%": change_percent -5).
type Target struct {
	Value         *float64 `yaml:"value,omitempty" json:"value,omitempty"`
	Baseline      string   `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	ChangePercent *float64 `yaml:"change_percent,omitempty" json:"change_percent,omitempty"`
	Period        string   `yaml:"period,omitempty" json:"period,omitempty"`
	Area          string   `yaml:"area,omitempty" json:"area,omitempty"`
	Tolerance     float64  `yaml:"tolerance,omitempty" json:"tolerance"`
	ToleranceType string   `yaml:"tolerance_type,omitempty" json:"tolerance_type"`
	// GreenBand is, for closer-is-better indicators, the distance from the target still green.
	GreenBand float64 `yaml:"green_band,omitempty" json:"green_band,omitempty"`
	Note      string  `yaml:"note,omitempty" json:"note,omitempty"`
}

// IsRelative reports whether the target is a change on a baseline period.
func (t Target) IsRelative() bool { return t.Baseline != "" }

// Metadata is descriptive information shown with the indicator.
type Metadata struct {
	Owner          string `yaml:"owner,omitempty" json:"owner,omitempty"`
	MonitoringBody string `yaml:"monitoring_body,omitempty" json:"monitoring_body,omitempty"`
	Source         string `yaml:"source,omitempty" json:"source,omitempty"`
	URL            string `yaml:"url,omitempty" json:"url,omitempty"`
	Notes          string `yaml:"notes,omitempty" json:"notes,omitempty"`
	// Methodology says how the figures are made (LAIT's Methodology column), in paragraphs.
	Methodology string `yaml:"methodology,omitempty" json:"methodology,omitempty"`
	// AxisLabel names the value on a chart's axis ("Rate per 10,000", "% of the school
	// population"); empty means the unit's own words.
	AxisLabel string `yaml:"axis_label,omitempty" json:"axis_label,omitempty"`
	// YearType is how the source counts its years ("Financial Year", "Academic Year",
	// "Annual (end of Sept)"), shown beside the periods.
	YearType string `yaml:"year_type,omitempty" json:"year_type,omitempty"`
	// LastUpdated and NextUpdate are when the source last published and next publishes the
	// figures: a date (2026-03-31) or words ("Discontinued").
	LastUpdated string `yaml:"last_updated,omitempty" json:"last_updated,omitempty"`
	NextUpdate  string `yaml:"next_update,omitempty" json:"next_update,omitempty"`
	// StateFundedOnly says the figures cover state-funded schools only.
	StateFundedOnly bool `yaml:"state_funded_only,omitempty" json:"state_funded_only,omitempty"`
}

// IsProportion reports whether the value is a share of a whole (numerator <= denominator).
func (d *Definition) IsProportion() bool { return d.Unit == Percentage }

// ToleranceAmount is the tolerance in the indicator's unit for a target of the given value
// (a percent tolerance is a percent of the target).
func (t Target) ToleranceAmount(target float64) float64 {
	if t.ToleranceType == TolerancePercent {
		if target < 0 {
			target = -target
		}
		return target * t.Tolerance / 100
	}
	return t.Tolerance
}
