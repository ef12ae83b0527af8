package engine

// docVocabulary holds strings that recur in almost every stored document: the engine's own
// labels, rules, methods and fixed reasons, and England's and the regions' codes and names. A
// document stores one of these as its index (see docWriter.string), which halves its size on
// the shipped data.
//
// The list is part of the stored format: entries are only ever appended, never changed,
// removed or reordered (TestDocVocabularyIsAppendOnly holds it to
// testdata/engine/doc_vocabulary.txt). Entries are literal text, not references to the
// constants they match, so rewording a constant can never change what a stored document says:
// the new wording is simply stored inline.
var docVocabulary = []string{
	// Judgements, sources and methods.
	"better", "similar", "worse", "higher", "lower", "not_compared",
	"published", "aggregated", "mean_of_areas", "neighbour_mean", "none",
	"ci95", "ci95_998", "difference", "wilson", "exact", "byars", "student_t",
	// Statuses, RAG and rules.
	"ok", "suppressed", "no_data", "green", "amber", "red", "no_target",
	"higher_is_better/standard", "lower_is_better/standard", "no_judgement/standard",
	"absolute", "percent",
	// Direction of travel and recent trend.
	"improving", "worsening", "no_change", "increasing", "decreasing",
	"increasing_getting_better", "increasing_getting_worse", "decreasing_getting_better",
	"decreasing_getting_worse", "no_significant_change", "cannot_be_calculated",
	"fingertips_recent_trend",
	// Forecasts.
	"on_track", "off_track", "not_forecast",
	"linear least squares through the area's last (up to 5) values of the same period kind, against each period's end date, extended to the end of the target's period",
	// Period kinds and area levels.
	"academic_year", "financial_year", "year", "quarter", "month",
	"england", "region", "subregion", "la",
	// Fixed reasons.
	"no target is set for this area and period",
	"no confidence limits (the indicator has no numerator and denominator)",
	"unsupported value type (score): the test applies to proportions and crude rates",
	"fewer than 5 valid points (0 found)", "fewer than 5 valid points (1 found)",
	"fewer than 5 valid points (2 found)", "fewer than 5 valid points (3 found)",
	"fewer than 5 valid points (4 found)",
	"no value", "the value is suppressed (-)", "no neighbour has a value for this period",
	// Comparator areas.
	"Statistical neighbours", "2025-05", "2021-04",
	"E92000001", "England",
	"E12000001", "North East", "E12000002", "North West", "E12000003", "Yorkshire and The Humber",
	"E12000004", "East Midlands", "E12000005", "West Midlands", "E12000006", "East of England",
	"E12000007", "London", "E12000008", "South East", "E12000009", "South West",
}

// docVocabularyIndex finds a string's index in docVocabulary (whose entries are unique).
var docVocabularyIndex = func() map[string]int {
	m := make(map[string]int, len(docVocabulary))
	for i, s := range docVocabulary {
		m[s] = i
	}
	return m
}()
