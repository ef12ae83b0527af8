package display

import (
	"time"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

// ChangedField is one field of an evaluation that a change alters, in words: what it is, what
// it was and what it would be.
type ChangedField struct {
	Label, Old, New string
}

// fieldLabels name the fields of an engine.JudgementState for readers.
var fieldLabels = map[string]string{
	engine.FieldValue:                 "Value",
	engine.FieldRAG:                   "Against target",
	engine.FieldTarget:                "Target",
	engine.FieldEngland:               "Compared with England",
	engine.FieldRegion:                "Compared with the region",
	engine.FieldStatisticalNeighbours: "Compared with statistical neighbours",
	engine.FieldRank:                  "Rank",
	engine.FieldQuartile:              "Quartile",
	engine.FieldDirectionPrevious:     "Since the previous period",
	engine.FieldDirectionYearAgo:      "Since a year earlier",
}

// ChangeKind is a judgement change's kind in words: "Changed", "New figure", "Removed".
func ChangeKind(kind string) string {
	switch kind {
	case engine.ChangeAdded:
		return "New figure"
	case engine.ChangeRemoved:
		return "Removed"
	}
	return "Changed"
}

// JudgementChange says what a change does to one evaluation, field by field in the engine's
// order (c.Changed), old and new in words: the value with def's unit (def may be nil: the
// number alone), RAG, comparisons, rank, quartile and direction of travel. For a new or removed
// evaluation only its value and RAG are said, the side that does not exist "Not evaluated".
func JudgementChange(def *indicators.Definition, c engine.JudgementChange) []ChangedField {
	out := make([]ChangedField, 0, len(c.Changed))
	for _, f := range c.Changed {
		if c.Kind != engine.ChangeChanged && f != engine.FieldValue && f != engine.FieldRAG {
			continue // a figure that comes or goes: its value and RAG say enough
		}
		label, ok := fieldLabels[f]
		if !ok {
			label = Capitalised(f)
		}
		out = append(out, ChangedField{Label: label, Old: stateField(def, c.Old, f), New: stateField(def, c.New, f)})
	}
	return out
}

// stateField is one field of an evaluation's state in words.
func stateField(def *indicators.Definition, s *engine.JudgementState, field string) string {
	if s == nil {
		return "Not evaluated"
	}
	switch field {
	case engine.FieldValue:
		switch {
		case s.Value != nil && def != nil:
			return Value(def, *s.Value)
		case s.Value != nil:
			return s.DisplayValue
		case s.DisplayValue != "":
			return MarkerCell(s.DisplayValue)
		}
		return "No figure"
	case engine.FieldRAG:
		_, short := RAGLabel(s.RAG)
		return short
	case engine.FieldTarget:
		switch {
		case s.Target == nil:
			return "No target"
		case def != nil:
			return Value(def, *s.Target)
		}
		return Number(*s.Target, 1)
	case engine.FieldEngland:
		return Judgement(s.England)
	case engine.FieldRegion:
		return Judgement(s.Region)
	case engine.FieldStatisticalNeighbours:
		return Judgement(s.StatisticalNeighbours)
	case engine.FieldRank:
		if s.Rank == nil {
			return "Not ranked"
		}
		return Rank(s.Rank.Position, s.Rank.Of, "")
	case engine.FieldQuartile:
		if s.Quartile == "" {
			return "None"
		}
		return s.Quartile
	case engine.FieldDirectionPrevious:
		return Direction(s.DirectionPrevious)
	case engine.FieldDirectionYearAgo:
		return Direction(s.DirectionYearAgo)
	}
	return ""
}

// HistoryChange says what an evaluation run changed in one evaluation, as JudgementChange says
// a preview's change: field by field, before and after in words.
func HistoryChange(def *indicators.Definition, c engine.HistoryChange) []ChangedField {
	return JudgementChange(def, engine.JudgementChange{Indicator: c.Indicator, Area: c.Area, Period: c.Period,
		PeriodEnd: c.PeriodEnd, Kind: c.Kind, Changed: c.Changed, Old: c.Before, New: c.After})
}

// Cause is what made an evaluation run, in words: "Upload of dataset lait, revision 12 by
// alice, 3 June 2026", "Restore of an earlier revision of dataset lait, revision 13 by alice,
// 4 June 2026", "Definition change, revision 2 by bob, 1 May 2026", "Targets upload, revision 3
// by carol, 2 May 2026", "First evaluation". Who and when are left out when not known.
func Cause(c engine.Cause) string {
	var s string
	switch c.Kind {
	case engine.CauseUpload:
		s = "Upload of dataset " + c.Dataset
	case engine.CauseRestore:
		s = "Restore of an earlier revision of dataset " + c.Dataset
	case engine.CauseTargets:
		s = "Targets upload"
	case engine.CauseDefinition:
		if c.Revision == 0 {
			return by("Definition change in the shipped catalogue", c)
		}
		s = "Definition change"
	case engine.CauseFirst:
		return "First evaluation"
	case engine.CauseReevaluation:
		return "Evaluated again on the same inputs"
	default:
		return Capitalised(c.Kind)
	}
	if c.Revision > 0 {
		s += ", revision " + itoa(int(c.Revision))
	}
	return by(s, c)
}

// by adds who made a cause's revision and on which day: " by alice, 3 June 2026".
func by(s string, c engine.Cause) string {
	if c.By != "" {
		s += " by " + c.By
	}
	if c.At != nil {
		s += ", " + Date(c.At.UTC())
	}
	return s
}

// AsAt is the moment a page is shown as at, in words: a date alone when it is the end of a day
// in UTC (as an as_of date is read: "31 March 2026"), else the date and time to the minute
// ("31 March 2026, 18:00 UTC").
func AsAt(t time.Time) string {
	t = t.UTC()
	if next := t.Add(time.Microsecond); next.Equal(next.Truncate(24 * time.Hour)) {
		return Date(t)
	}
	return DateTime(t)
}
