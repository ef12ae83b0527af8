package engine

import (
	"encoding/json"
	"time"

	"github.com/childrens-trust/scorecard/stats"
)

// AreaRef names an area in results.
type AreaRef struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// Evaluation is an indicator's value for one area and period, with every judgement made on it.
// It is what the engine stores and the API returns; field names are stable.
type Evaluation struct {
	Indicator    string   `json:"indicator"`
	Area         AreaRef  `json:"area"`
	Period       string   `json:"period"`
	PeriodKind   string   `json:"period_kind"`
	PeriodEnd    string   `json:"period_end"` // ISO date
	Value        *float64 `json:"value"`
	DisplayValue string   `json:"display_value"`
	Numerator    *float64 `json:"numerator"`
	Denominator  *float64 `json:"denominator"`
	Status       string   `json:"status"` // ok, suppressed (marker kept in Marker), no_data
	Marker       string   `json:"marker,omitempty"`
	CI           *CI      `json:"confidence_interval,omitempty"`
	RAG          RAG      `json:"rag"`
	Comparators  Compared `json:"comparators"`
	Rank         *Rank    `json:"rank"`
	// Quartile is A to D (A best), "" when the area has none; JSON gives null then, as
	// CSV gives an empty cell and Arrow and Parquet a null (MarshalJSON).
	Quartile    string    `json:"quartile"`
	Quintile    *Quintile `json:"quintile,omitempty"`
	Direction   Direction `json:"direction"`
	RecentTrend *Trend    `json:"recent_trend"`
	Forecast    *Forecast `json:"forecast,omitempty"`
	// Commentary is attached when the evaluation is read, never stored with it.
	Commentary  []Comment `json:"commentary,omitempty"`
	Source      SourceRef `json:"source"`
	EvaluatedAt time.Time `json:"evaluated_at"`
}

// MarshalJSON is the evaluation's JSON, with quartile null when there is none: the same
// missing value that every flat format shows.
func (ev Evaluation) MarshalJSON() ([]byte, error) {
	type plain Evaluation
	var quartile *string
	if ev.Quartile != "" {
		quartile = &ev.Quartile
	}
	return json.Marshal(struct {
		plain
		Quartile *string `json:"quartile"`
	}{plain(ev), quartile})
}

// CI is a value's confidence interval at 95% and 99.8%.
type CI struct {
	Method   string   `json:"method"` // wilson, exact, byars, published
	Lower95  *float64 `json:"lower95"`
	Upper95  *float64 `json:"upper95"`
	Lower998 *float64 `json:"lower998"`
	Upper998 *float64 `json:"upper998"`
	// Published is true when the limits are the source's own (Fingertips), not computed here.
	Published bool `json:"published"`
}

// RAG is the judgement against target, with the rule, target and tolerance it used, so that a
// later change of target never re-colours this judgement silently.
type RAG struct {
	Status        RAGStatus `json:"status"`
	Rule          string    `json:"rule"` // e.g. "higher_is_better/standard"
	Target        *float64  `json:"target"`
	Tolerance     *float64  `json:"tolerance"`
	ToleranceType string    `json:"tolerance_type,omitempty"`
	GreenBand     *float64  `json:"green_band,omitempty"`
	TargetSource  string    `json:"target_source,omitempty"` // where the target came from
	// Baseline is set for a relative target: the baseline period, its value and the change.
	Baseline *TargetBaseline `json:"baseline,omitempty"`
	Reason   string          `json:"reason,omitempty"`
}

// Compared holds the comparator figures and the judgement against each.
type Compared struct {
	England               *Comparator `json:"england"`
	Region                *Comparator `json:"region"`
	StatisticalNeighbours *Comparator `json:"statistical_neighbours"`
	// Group is a user-defined comparator group's mean (a scorecard's comparators.group or a
	// read's ?group=): computed when the evaluation is read, never stored with it.
	Group *Comparator `json:"group,omitempty"`
}

// Comparator is a benchmark value and the area's judgement against it.
type Comparator struct {
	Code         string   `json:"code,omitempty"`
	Name         string   `json:"name,omitempty"`
	Value        *float64 `json:"value"`
	DisplayValue string   `json:"display_value,omitempty"`
	// Source says how the value was obtained: published (a National/Regional row or a return's
	// own comparator row), aggregated (Σnumerator/Σdenominator of the LAs), mean_of_areas (a plain
	// mean, last resort), neighbour_mean (statistical neighbours), none.
	Source    string          `json:"source"`
	Judgement stats.Judgement `json:"judgement"`
	// Method is the rule that made the judgement: ci95, ci95_998, difference.
	Method string `json:"method,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Statistical neighbours only: the vintage. Statistical neighbours and groups: the members
	// with a value (N) of how many (Of).
	Vintage string `json:"vintage,omitempty"`
	N       int    `json:"n,omitempty"`
	Of      int    `json:"of,omitempty"`
}

// Rank is an area's position among local authorities with a value (1 = best).
type Rank struct {
	Position int `json:"position"`
	Of       int `json:"of"`
}

// Direction is the direction of travel against the previous period and a year earlier.
type Direction struct {
	Previous *Change `json:"previous"`
	YearAgo  *Change `json:"year_ago"`
}

// Change compares the value with an earlier period's.
type Change struct {
	Period        string   `json:"period"`
	Value         *float64 `json:"value"`
	Change        *float64 `json:"change"`
	ChangePercent *float64 `json:"change_percent"`
	// Judgement: improving, worsening, no_change; increasing, decreasing for no-judgement
	// indicators; no_data when either value is missing.
	Judgement Travel `json:"judgement"`
}

// SourceRef records which dataset revision an evaluation was computed from.
type SourceRef struct {
	Dataset  string `json:"dataset"`
	Revision int64  `json:"revision"`
	Row      int    `json:"row,omitempty"` // line in the uploaded file
}

// Trend is Fingertips' recent-trend marker over the five most recent valid annual points up to
// and including this period.
type Trend struct {
	// Label: increasing_getting_better, increasing_getting_worse, decreasing_getting_better,
	// decreasing_getting_worse, increasing, decreasing, no_significant_change or
	// cannot_be_calculated.
	Label     stats.TrendLabel `json:"label"`
	Slope     *float64         `json:"slope,omitempty"`
	ChiSquare *float64         `json:"chi_square,omitempty"`
	Periods   []string         `json:"periods,omitempty"`
	Reason    string           `json:"reason,omitempty"`
	Method    string           `json:"method"`
}

// Quintile is an area's Fingertips quintile among local authorities (an indicator option).
type Quintile struct {
	Position int    `json:"position"` // 1..5: 1 = best for a polarity, else 1 = lowest
	Label    string `json:"label"`
}

// TargetBaseline is how a relative target was resolved: ChangePercent on the area's Value in
// Period.
type TargetBaseline struct {
	Period        string   `json:"period"`
	Value         *float64 `json:"value"`
	ChangePercent float64  `json:"change_percent"`
}
