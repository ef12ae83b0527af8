package engine

import (
	"context"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/period"
)

// TopicRows is one topic of an area's overview: the topic's indicators, by title, each with the
// area's latest evaluation (nil when the area has none).
type TopicRows struct {
	Topic string         `json:"topic"`
	Rows  []ScorecardRow `json:"rows"`
}

// AreaOverview is where an area stands on every indicator in the catalogue, topic by topic
// (LAIT's view of a local authority): each indicator's latest evaluation, with its value, rank,
// quartile and comparisons.
type AreaOverview struct {
	Area AreaRef `json:"area"`
	// Topics are in the catalogue's topic order (indicators.Catalog.Topics): every topic that
	// has an indicator the read's Filter keeps, with each such indicator (every topic and
	// indicator for the zero Filter).
	Topics []TopicRows `json:"topics"`
	// Evaluated is how many indicators have an evaluation for the area.
	Evaluated int `json:"evaluated"`
}

// AreaOverview reads the latest evaluation of every indicator f keeps for an area (GSS code,
// DfE code or name; NotFound when unknown), grouped by topic: one query for the evaluations and
// one for their commentary, whatever the number of indicators. For a former council the latest
// periods stop at its end, as on its scorecard.
func (e *Engine) AreaOverview(ctx context.Context, area string, f Filter) (*AreaOverview, error) {
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	chosen, err := e.pick(ctx, a.Code, period.Period{})
	if err != nil {
		return nil, err
	}
	ref := areaRef(a)
	for _, ev := range chosen {
		if ev.Area.Name != "" {
			ref = ev.Area
			break
		}
	}
	out := &AreaOverview{Area: ref, Topics: []TopicRows{}}
	index := map[string]int{}
	for _, t := range e.Catalog.Topics() {
		index[t] = len(out.Topics)
		out.Topics = append(out.Topics, TopicRows{Topic: t})
	}
	for _, def := range e.definitions(f) {
		ev := chosen[def.ID]
		if ev != nil {
			out.Evaluated++
		}
		i := index[def.Topic]
		out.Topics[i].Rows = append(out.Topics[i].Rows, ScorecardRow{Indicator: def.ID, Title: def.Title, Reference: def.Reference,
			Unit: string(def.Unit), Polarity: string(def.Polarity), Evaluation: ev})
	}
	// Topics without a kept indicator are left out (only a Filter leaves one empty).
	kept := out.Topics[:0]
	for _, t := range out.Topics {
		if len(t.Rows) > 0 {
			kept = append(kept, t)
		}
	}
	out.Topics = kept
	for _, t := range out.Topics {
		sort.SliceStable(t.Rows, func(i, j int) bool {
			a, b := strings.ToLower(t.Rows[i].Title), strings.ToLower(t.Rows[j].Title)
			if a != b {
				return a < b
			}
			return t.Rows[i].Indicator < t.Rows[j].Indicator
		})
	}
	return out, nil
}
