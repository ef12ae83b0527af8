package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/staging"
	"github.com/childrens-trust/scorecard/stats"
)

// UploadPreview is a dry run of an upload (scorecard.App.Preview): the revision it would make, the judgement changes it
// would cause, and the staged copy of the file that Confirm stores.
type UploadPreview struct {
	// Revision is the would-be revision: status "preview", ID 0, not current, nothing stored.
	Revision *datasets.Revision `json:"revision"`
	// Stage is the file as previewed, kept until it is confirmed, cancelled or expires.
	Stage *staging.Stage `json:"stage"`
	// Changes are every evaluation the upload would change (indicator, area, period order).
	Changes []JudgementChange `json:"changes"`
	Summary ChangeSummary     `json:"summary"`
	// Warnings are the file's (as an accepted upload would report them) and the evaluation's.
	Warnings []string `json:"warnings"`
}

// JudgementState is what a preview compares of one evaluation: its value and every judgement
// made on it. A comparator or direction that was not judged is "".
type JudgementState struct {
	Value        *float64  `json:"value"`
	DisplayValue string    `json:"display_value"`
	RAG          RAGStatus `json:"rag"`
	// Target is the target the RAG was judged against (none when there is no target).
	Target *float64 `json:"target,omitempty"`
	// England, Region and StatisticalNeighbours are the comparator judgements (better,
	// similar, worse, ...).
	England               stats.Judgement `json:"england"`
	Region                stats.Judgement `json:"region"`
	StatisticalNeighbours stats.Judgement `json:"statistical_neighbours"`
	Rank                  *Rank           `json:"rank"`
	Quartile              string          `json:"quartile"`
	// DirectionPrevious and DirectionYearAgo are the direction of travel against the previous
	// period and a year earlier (improving, worsening, ...).
	DirectionPrevious Travel `json:"direction_previous"`
	DirectionYearAgo  Travel `json:"direction_year_ago"`
}

// Names of the fields of a JudgementState, as JudgementChange.Changed lists them.
const (
	FieldValue                 = "value"
	FieldRAG                   = "rag"
	FieldTarget                = "target"
	FieldEngland               = "england"
	FieldRegion                = "region"
	FieldStatisticalNeighbours = "statistical_neighbours"
	FieldRank                  = "rank"
	FieldQuartile              = "quartile"
	FieldDirectionPrevious     = "direction_previous"
	FieldDirectionYearAgo      = "direction_year_ago"
)

// Kinds of JudgementChange.
const (
	ChangeChanged = "changed" // the evaluation exists before and after, and a field differs
	ChangeAdded   = "added"   // the evaluation is new (Old is nil)
	ChangeRemoved = "removed" // the evaluation would go (New is nil)
)

// JudgementChange is one indicator x area x period whose evaluation a change would alter.
type JudgementChange struct {
	Indicator string  `json:"indicator"`
	Area      AreaRef `json:"area"`
	Period    string  `json:"period"`
	PeriodEnd string  `json:"period_end"`
	Kind      string  `json:"kind"`
	// Changed names the fields that differ (FieldValue, FieldRAG, ...); for an added or
	// removed evaluation, the fields it has a value for.
	Changed []string        `json:"changed"`
	Old     *JudgementState `json:"old"`
	New     *JudgementState `json:"new"`
}

// ChangeSummary counts a preview's changes.
type ChangeSummary struct {
	// TurnRed, TurnAmber and TurnGreen count the evaluations whose RAG would become that colour
	// (an added evaluation counts when it has the colour).
	TurnRed   int `json:"turn_red"`
	TurnAmber int `json:"turn_amber"`
	TurnGreen int `json:"turn_green"`
	// ValuesChanged counts the evaluations whose value would change (FieldValue in Changed).
	ValuesChanged int `json:"values_changed"`
	Added         int `json:"added"`
	Removed       int `json:"removed"`
	// Changes is the number of JudgementChanges (changed, added and removed).
	Changes int `json:"changes"`
	// Indicators is how many indicators were evaluated for the preview.
	Indicators int `json:"indicators"`
	// Text says it in a sentence: "3 rows would turn red, 2 green; 14 values change".
	Text string `json:"text"`
	// Warnings name the indicators that could not be evaluated (their evaluations would be
	// removed) or were evaluated leaving something out, with why.
	Warnings []string `json:"warnings,omitempty"`
}

// Preview evaluates, on conn, the indicators that a committed change of dataset would
// re-evaluate, and compares each evaluation with the one stored now, by indicator, area and
// period. conn is a write's connection (datasets.Upload.Within) whose uncommitted transaction
// holds the would-be revision; everything is read through it, and nothing is written.
//
// The indicators are the ones App.Load's re-evaluation (Refresh, definitions not included)
// would select after the change: those reading dataset (every indicator for the targets
// dataset), and any left stale by an earlier change. An indicator that could not be evaluated
// would lose its evaluations, so they are reported as removed. Changes come in the order of
// bulk reads: indicator, period end, period, area code.
func (e *Engine) Preview(ctx context.Context, conn *sql.Conn, dataset string) ([]JudgementChange, ChangeSummary, error) {
	stale, err := e.staleRule(ctx, conn, false)
	if err != nil {
		return nil, ChangeSummary{}, err
	}
	selected := func(d *indicators.Definition, current snapshot) bool {
		return d.Source.Dataset == dataset || dataset == datasets.TargetsDataset || stale(d, current)
	}
	src := reader{q: conn, mu: &sync.Mutex{}}
	p, err := e.plan(ctx, src, selected, e.now(), true)
	if err != nil {
		return nil, ChangeSummary{}, err
	}
	ids := make([]any, len(p.work))
	for i, c := range p.work {
		ids[i] = c.def.ID
	}
	old := map[EvaluationKey]*JudgementState{}
	areaOf := map[EvaluationKey]AreaRef{}
	if len(ids) > 0 {
		rows, err := conn.QueryContext(ctx, "SELECT doc FROM evaluations WHERE indicator IN "+placeholders(len(ids)), ids...)
		if err != nil {
			return nil, ChangeSummary{}, fmt.Errorf("engine: preview: read evaluations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var doc []byte
			if err := rows.Scan(&doc); err != nil {
				return nil, ChangeSummary{}, fmt.Errorf("engine: preview: read evaluations: %w", err)
			}
			ev, err := decodeDoc(doc)
			if err != nil {
				return nil, ChangeSummary{}, err
			}
			old[ev.Key()] = stateOf(ev)
			areaOf[ev.Key()] = ev.Area
		}
		if err := rows.Err(); err != nil {
			return nil, ChangeSummary{}, fmt.Errorf("engine: preview: read evaluations: %w", err)
		}
		rows.Close()
	}
	var changes []JudgementChange
	for _, c := range p.work {
		for _, ev := range c.evals {
			k := ev.Key()
			n := stateOf(ev)
			o, had := old[k]
			delete(old, k)
			if !had {
				changes = append(changes, JudgementChange{Indicator: k.Indicator, Area: ev.Area, Period: k.Period, PeriodEnd: k.PeriodEnd,
					Kind: ChangeAdded, Changed: diffStates(&JudgementState{}, n), New: n})
				continue
			}
			if d := diffStates(o, n); len(d) > 0 {
				changes = append(changes, JudgementChange{Indicator: k.Indicator, Area: ev.Area, Period: k.Period, PeriodEnd: k.PeriodEnd,
					Kind: ChangeChanged, Changed: d, Old: o, New: n})
			}
		}
	}
	for k, o := range old {
		changes = append(changes, JudgementChange{Indicator: k.Indicator, Area: areaOf[k], Period: k.Period, PeriodEnd: k.PeriodEnd,
			Kind: ChangeRemoved, Changed: diffStates(&JudgementState{}, o), Old: o})
	}
	sortChanges(changes)
	sum := summarise(changes)
	sum.Indicators = len(p.work)
	seen := map[string]bool{}
	for _, c := range p.work {
		switch {
		case c.res.Error == "" && seen[c.res.Warning]:
			// The targets warning is every indicator's: said once.
		case c.res.Error != "":
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("indicator %s could not be evaluated, so its evaluations would be removed: %s", c.def.ID, c.res.Error))
		case c.res.Warning != "":
			sum.Warnings = append(sum.Warnings, c.res.Warning)
			seen[c.res.Warning] = true
		}
	}
	return changes, sum, nil
}

func stateOf(ev *Evaluation) *JudgementState {
	judged := func(c *Comparator) stats.Judgement {
		if c == nil {
			return ""
		}
		return c.Judgement
	}
	travel := func(c *Change) Travel {
		if c == nil {
			return ""
		}
		return c.Judgement
	}
	s := &JudgementState{Value: ev.Value, DisplayValue: ev.DisplayValue, RAG: ev.RAG.Status, Target: ev.RAG.Target,
		England: judged(ev.Comparators.England), Region: judged(ev.Comparators.Region),
		StatisticalNeighbours: judged(ev.Comparators.StatisticalNeighbours),
		Quartile:              ev.Quartile, DirectionPrevious: travel(ev.Direction.Previous), DirectionYearAgo: travel(ev.Direction.YearAgo)}
	if ev.Rank != nil {
		r := *ev.Rank
		s.Rank = &r
	}
	return s
}

// diffStates names the fields in which b differs from a, in JudgementState's order. The value
// differs when the number or its display (a suppression marker) does.
func diffStates(a, b *JudgementState) []string {
	var out []string
	sameValue := (a.Value == nil) == (b.Value == nil) && (a.Value == nil || *a.Value == *b.Value) && a.DisplayValue == b.DisplayValue
	sameRank := (a.Rank == nil) == (b.Rank == nil) && (a.Rank == nil || *a.Rank == *b.Rank)
	sameTarget := (a.Target == nil) == (b.Target == nil) && (a.Target == nil || *a.Target == *b.Target)
	for _, f := range []struct {
		name string
		same bool
	}{
		{FieldValue, sameValue},
		{FieldRAG, a.RAG == b.RAG},
		{FieldTarget, sameTarget},
		{FieldEngland, a.England == b.England},
		{FieldRegion, a.Region == b.Region},
		{FieldStatisticalNeighbours, a.StatisticalNeighbours == b.StatisticalNeighbours},
		{FieldRank, sameRank},
		{FieldQuartile, a.Quartile == b.Quartile},
		{FieldDirectionPrevious, a.DirectionPrevious == b.DirectionPrevious},
		{FieldDirectionYearAgo, a.DirectionYearAgo == b.DirectionYearAgo},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

// sortChanges puts changes in the order of bulk reads: indicator, period end, period, area
// code.
func sortChanges(changes []JudgementChange) {
	sort.Slice(changes, func(i, j int) bool {
		a, b := changes[i], changes[j]
		switch {
		case a.Indicator != b.Indicator:
			return a.Indicator < b.Indicator
		case a.PeriodEnd != b.PeriodEnd:
			return a.PeriodEnd < b.PeriodEnd
		case a.Period != b.Period:
			return a.Period < b.Period
		}
		return a.Area.Code < b.Area.Code
	})
}

// Summarise counts changes and says what they come to in a sentence.
func summarise(changes []JudgementChange) ChangeSummary {
	var s ChangeSummary
	for _, c := range changes {
		s.Changes++
		switch c.Kind {
		case ChangeAdded:
			s.Added++
		case ChangeRemoved:
			s.Removed++
		}
		for _, f := range c.Changed {
			switch {
			case f == FieldValue:
				s.ValuesChanged++
			case f == FieldRAG && c.New != nil:
				switch c.New.RAG {
				case Red:
					s.TurnRed++
				case Amber:
					s.TurnAmber++
				case Green:
					s.TurnGreen++
				}
			}
		}
	}
	s.Text = summaryText(s)
	return s
}

// summaryText is "3 rows would turn red, 2 green; 14 values change", with the right words for
// none and one.
func summaryText(s ChangeSummary) string {
	if s.Changes == 0 {
		return "No judgement would change"
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	var parts []string
	var colours []string
	for _, c := range []struct {
		n    int
		name string
	}{{s.TurnRed, "red"}, {s.TurnAmber, "amber"}, {s.TurnGreen, "green"}} {
		if c.n == 0 {
			continue
		}
		if len(colours) == 0 {
			colours = append(colours, plural(c.n, "row would turn ", "rows would turn ")+c.name)
		} else {
			colours = append(colours, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(colours) > 0 {
		parts = append(parts, strings.Join(colours, ", "))
	}
	if s.ValuesChanged > 0 {
		parts = append(parts, plural(s.ValuesChanged, "value changes", "values change"))
	}
	if s.Added > 0 {
		parts = append(parts, plural(s.Added, "row would be added", "rows would be added"))
	}
	if s.Removed > 0 {
		parts = append(parts, plural(s.Removed, "row would be removed", "rows would be removed"))
	}
	if len(parts) == 0 {
		// Only comparators, ranks, quartiles or directions change.
		parts = append(parts, plural(s.Changes, "row's other judgements would change", "rows' other judgements would change")+
			" (comparators, rank, quartile or direction of travel)")
	}
	return strings.Join(parts, "; ")
}
