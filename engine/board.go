package engine

import (
	"context"
	"sort"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/stats"
)

// Board is everything a scorecard page shows a board, read in one call: the scorecard evaluated
// for an area and period, and for each row its last periods, latest commentary, owner, gap to
// target, forecast, exception rules and its place on the spine chart; the area's end date and
// successors when it no longer exists; and the newest dataset revision behind the figures.
type Board struct {
	ID              string  `json:"id"`
	Title           string  `json:"title"`
	Description     string  `json:"description,omitempty"`
	Source          string  `json:"source,omitempty"`
	Area            AreaRef `json:"area"`
	RequestedPeriod string  `json:"requested_period,omitempty"`
	// AreaEnded is the last day the area existed (ISO date), for a former council; its rows show
	// its last figures up to then. Successors are the areas that took it over.
	AreaEnded  string    `json:"area_ended,omitempty"`
	Successors []AreaRef `json:"successors,omitempty"`
	// DataAsAt is when the newest dataset revision behind the rows was made; Revisions lists
	// every revision behind them, newest first.
	DataAsAt   *time.Time        `json:"data_as_at"`
	Revisions  []BoardRevision   `json:"revisions"`
	Summary    map[RAGStatus]int `json:"summary"`
	Priorities []BoardPriority   `json:"priorities"`
	// Exceptions is how many rows meet an exception rule (see ExceptionReport).
	Exceptions int `json:"exceptions"`
}

// BoardRevision is a dataset revision behind a board's figures.
type BoardRevision struct {
	Dataset   string    `json:"dataset"`
	Revision  int64     `json:"revision"`
	CreatedAt time.Time `json:"created_at"`
}

// BoardPriority is one priority of a Board.
type BoardPriority struct {
	Title       string            `json:"title"`
	Description string            `json:"description,omitempty"`
	Summary     map[RAGStatus]int `json:"summary"`
	Rows        []BoardRow        `json:"rows"`
}

// BoardRow is one row of a Board.
type BoardRow struct {
	ScorecardItemResult
	// Last are the row's last (up to four) periods up to the evaluation's, oldest first.
	Last []BoardPoint `json:"last"`
	// History is the area's series up to the evaluation's period (the sparkline's points).
	History []*Evaluation `json:"-"`
	// Comment is the latest commentary on the row's evaluation, if any.
	Comment *Comment `json:"comment,omitempty"`
	// Gap is value minus target, when both are known.
	Gap *float64 `json:"gap_to_target,omitempty"`
	// Rules and Reasons are the exception rules the row meets (see Exception).
	Rules   []string `json:"exception_rules,omitempty"`
	Reasons []string `json:"exception_reasons,omitempty"`
	// Spine is England's distribution of local authority values in the row's period, nil when no
	// local authority has a value (the row is then "local figures only").
	Spine *Distribution `json:"spine"`
	// LAValues are the local authorities' values behind Spine.
	LAValues []float64 `json:"-"`
}

// BoardPoint is one period of a row's recent history.
type BoardPoint struct {
	Period string   `json:"period"`
	Value  *float64 `json:"value"`
	Status string   `json:"status"`
	Marker string   `json:"marker,omitempty"`
}

// Distribution is the spread of local authority values in England: the spine chart's bar.
type Distribution struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Q25    float64 `json:"q25"`
	Median float64 `json:"median"`
	Q75    float64 `json:"q75"`
	Max    float64 `json:"max"`
}

// minSpineOthers is how many other local authorities need a value before a row has an England
// distribution to draw on the spine chart.
const minSpineOthers = 2

// lastPoints is how many recent periods a board row lists.
const lastPoints = 4

// Board reads a scorecard for a board (EvaluateScorecard's arguments and errors).
func (e *Engine) Board(ctx context.Context, id, area, p string) (*Board, error) {
	sc, err := e.EvaluateScorecard(ctx, id, area, p)
	if err != nil {
		return nil, err
	}
	b := &Board{ID: sc.ID, Title: sc.Title, Description: sc.Description, Source: sc.Source, Area: sc.Area,
		RequestedPeriod: sc.RequestedPeriod, Summary: sc.Summary, Revisions: []BoardRevision{}}
	if a, ok := e.Areas.Lookup(sc.Area.Code); ok && !a.Live() {
		b.AreaEnded = a.ValidTo.Format(time.DateOnly)
		for _, code := range a.Successors {
			if s, ok := e.Areas.Lookup(code); ok {
				b.Successors = append(b.Successors, areaRef(s))
			}
		}
	}
	revisions := map[[2]any]bool{}
	las := map[[2]string][]float64{}
	for _, pr := range sc.Priorities {
		bp := BoardPriority{Title: pr.Title, Description: pr.Description, Summary: pr.Summary}
		for _, row := range pr.Rows {
			br := BoardRow{ScorecardItemResult: row}
			ev := row.Evaluation
			if ev != nil {
				if err := e.boardRow(ctx, &br, las); err != nil {
					return nil, err
				}
				if ev.Source.Dataset != "" {
					revisions[[2]any{ev.Source.Dataset, ev.Source.Revision}] = true
				}
			}
			if len(br.Rules) > 0 {
				b.Exceptions++
			}
			bp.Rows = append(bp.Rows, br)
		}
		b.Priorities = append(b.Priorities, bp)
	}
	if err := e.boardRevisions(ctx, b, revisions); err != nil {
		return nil, err
	}
	return b, nil
}

// boardRow fills a row's history, commentary, gap, exception rules and spine distribution.
func (e *Engine) boardRow(ctx context.Context, br *BoardRow, las map[[2]string][]float64) error {
	ev := br.Evaluation
	series, err := e.Series(ctx, br.Indicator, ev.Area.Code)
	if err != nil {
		return err
	}
	at := len(series) - 1
	for i, s := range series {
		if s.Period == ev.Period {
			at = i
		}
	}
	if at >= 0 {
		br.History = series[:at+1]
	}
	for _, s := range br.History[max(0, len(br.History)-lastPoints):] {
		br.Last = append(br.Last, BoardPoint{Period: s.Period, Value: s.Value, Status: s.Status, Marker: s.Marker})
	}
	if n := len(ev.Commentary); n > 0 {
		latest := ev.Commentary[0]
		for _, c := range ev.Commentary[1:] {
			if c.CreatedAt.After(latest.CreatedAt) {
				latest = c
			}
		}
		br.Comment = &latest
	}
	if ev.Value != nil && ev.RAG.Target != nil {
		gap := *ev.Value - *ev.RAG.Target
		br.Gap = &gap
	}
	br.Rules, br.Reasons = exceptionRules(ev)
	key := [2]string{br.Indicator, ev.Period}
	values, ok := las[key]
	if !ok {
		all, err := e.LocalAuthorityEvaluations(ctx, br.Indicator, ev.Period)
		if err != nil {
			return err
		}
		others := 0
		for _, l := range all {
			if l.Value != nil && l.Area.Level == string(areas.LocalAuthority) {
				values = append(values, *l.Value)
				if l.Area.Code != ev.Area.Code {
					others++
				}
			}
		}
		if others < minSpineOthers {
			values = nil // the area's own figure (a local return) is no England distribution
		}
		las[key] = values
	}
	br.LAValues = values
	if len(values) > 0 {
		q := stats.QuartileBounds(values)
		br.Spine = &Distribution{N: len(values), Min: q[0], Q25: q[1], Median: q[2], Q75: q[3], Max: q[4]}
	}
	return nil
}

// boardRevisions sets the revisions behind a board, newest first, and DataAsAt.
func (e *Engine) boardRevisions(ctx context.Context, b *Board, used map[[2]any]bool) error {
	if e.Datasets == nil || len(used) == 0 {
		return nil
	}
	byDataset := map[string][]int64{}
	for k := range used {
		byDataset[k[0].(string)] = append(byDataset[k[0].(string)], k[1].(int64))
	}
	for name, ids := range byDataset {
		revs, err := e.Datasets.Revisions(ctx, name)
		if err != nil {
			continue // a dataset gone since: its figures still show, without a date
		}
		for _, r := range revs {
			for _, id := range ids {
				if r.ID == id {
					b.Revisions = append(b.Revisions, BoardRevision{Dataset: name, Revision: id, CreatedAt: r.CreatedAt})
				}
			}
		}
	}
	sort.Slice(b.Revisions, func(i, j int) bool {
		if !b.Revisions[i].CreatedAt.Equal(b.Revisions[j].CreatedAt) {
			return b.Revisions[i].CreatedAt.After(b.Revisions[j].CreatedAt)
		}
		return b.Revisions[i].Dataset < b.Revisions[j].Dataset
	})
	if len(b.Revisions) > 0 {
		t := b.Revisions[0].CreatedAt
		b.DataAsAt = &t
	}
	return nil
}
