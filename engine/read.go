package engine

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
)

// queryEvaluations decodes the stored evaluations that match where (bound args).
func (e *Engine) queryEvaluations(ctx context.Context, where string, args ...any) ([]*Evaluation, error) {
	var out []*Evaluation
	err := e.eachEvaluation(ctx, where, args, func(ev *Evaluation) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachEvaluation decodes the stored evaluations that match where (bound args) one at a time,
// handing each to fn as the rows arrive; fn's error stops the read and is returned unwrapped.
func (e *Engine) eachEvaluation(ctx context.Context, where string, args []any, fn func(*Evaluation) error) error {
	strs := newStringTable()
	return e.readDocs(ctx, where, args, func(docs []storedDoc) error { return decodeEach(docs, strs, fn) })
}

// decodeEach decodes docs in order, puts back what each leaves out (its run's time and source
// revision) and hands it to fn; a decoding error or fn's stops it.
func decodeEach(docs []storedDoc, strs *stringTable, fn func(*Evaluation) error) error {
	for _, d := range docs {
		ev, err := decodeDocWith(d.doc, strs)
		if err != nil {
			return err
		}
		patchRun(ev, d.at, d.revision)
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

// docBatchRows is how many documents eachEvaluationAhead reads ahead at a time, and
// docBlockBytes the size of the blocks that hold them (about 200 bytes a document).
const (
	docBatchRows  = 512
	docBlockBytes = 64 << 10
)

// eachEvaluationAhead is eachEvaluation with the documents read on a goroutine of their own, in
// batches (a few blocks hold a batch's documents, not an allocation each), while the caller's
// goroutine decodes the previous batch and calls fn; at most a few batches are in flight.
func (e *Engine) eachEvaluationAhead(ctx context.Context, where string, args []any, fn func(*Evaluation) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []storedDoc, 2)
	var readErr error
	go func() {
		defer close(batches) // after readErr is set
		readErr = e.readDocs(ctx, where, args, func(docs []storedDoc) error {
			select {
			case batches <- docs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	strs := newStringTable()
	for docs := range batches {
		if err := decodeEach(docs, strs, fn); err != nil {
			cancel()
			for range batches { // let the reader see the cancel and finish
			}
			return err
		}
	}
	return readErr
}

// storedDoc is a stored document with what it leaves out: its run's time and source revision.
type storedDoc struct {
	doc      []byte
	at       time.Time
	revision int64
}

// readDocs reads the documents of the stored evaluations that match where (bound args), as at
// ctx's AsOf if any, and hands them to send docBatchRows at a time; send's error stops the read
// and is returned.
func (e *Engine) readDocs(ctx context.Context, where string, args []any, send func([]storedDoc) error) error {
	rel, relArgs := evaluationsRelation(ctx)
	rows, err := e.DB.SQL.QueryContext(ctx, "SELECT doc, run_at, run_revision FROM "+rel+" WHERE "+where, append(relArgs, args...)...)
	if err != nil {
		return fmt.Errorf("engine: read evaluations: %w", err)
	}
	defer rows.Close()
	var doc sql.RawBytes
	var at time.Time
	var revision int64
	var buf []byte
	docs := make([]storedDoc, 0, docBatchRows)
	for rows.Next() {
		if err := rows.Scan(&doc, &at, &revision); err != nil {
			return fmt.Errorf("engine: read evaluations: %w", err)
		}
		if len(docs) == 0 || len(buf)+len(doc) > cap(buf) {
			// A new block: the batches sent keep theirs, and a full block stays with its batch.
			buf = make([]byte, 0, max(docBlockBytes, len(doc)))
		}
		start := len(buf)
		buf = append(buf, doc...)
		docs = append(docs, storedDoc{doc: buf[start:len(buf):len(buf)], at: at, revision: revision})
		if len(docs) == docBatchRows {
			if err := send(docs); err != nil {
				return err
			}
			docs = make([]storedDoc, 0, docBatchRows)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("engine: read evaluations: %w", err)
	}
	if len(docs) > 0 {
		return send(docs)
	}
	return nil
}

// Area resolves an area given by GSS code, DfE code or name, or returns a NotFound error.
func (e *Engine) Area(s string) (*areas.Area, error) {
	a, ok := e.Areas.Lookup(s)
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "no area %q (give a GSS code such as E06000058, a DfE code such as 839, or a name)", s)
	}
	return a, nil
}

// Series returns one indicator's evaluations for an area, oldest period first.
func (e *Engine) Series(ctx context.Context, indicator, area string) ([]*Evaluation, error) {
	if _, ok := e.Catalog.Get(indicator); !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", indicator)
	}
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	evs, err := e.queryEvaluations(ctx, "indicator = ? AND area_code = ? ORDER BY period_end, period", indicator, a.Code)
	if err != nil {
		return nil, err
	}
	return evs, e.attachCommentary(ctx, a.Code, evs)
}

// AllAreas returns one indicator's evaluations for every area in a period (the latest period
// when p is ""), England first, then regions, then local authorities by rank.
func (e *Engine) AllAreas(ctx context.Context, indicator, p string) ([]*Evaluation, error) {
	if _, ok := e.Catalog.Get(indicator); !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", indicator)
	}
	label, err := e.periodFor(ctx, indicator, p)
	if err != nil {
		return nil, err
	}
	evs, err := e.queryEvaluations(ctx, "indicator = ? AND period = ?", indicator, label)
	if err != nil {
		return nil, err
	}
	order := map[string]int{string(areas.England): 0, string(areas.Region): 1, string(areas.SubRegion): 2, string(areas.LocalAuthority): 3}
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i], evs[j]
		if order[a.Area.Level] != order[b.Area.Level] {
			return order[a.Area.Level] < order[b.Area.Level]
		}
		ra, rb := rankOrMax(a), rankOrMax(b)
		if ra != rb {
			return ra < rb
		}
		return a.Area.Code < b.Area.Code
	})
	return evs, nil
}

func rankOrMax(ev *Evaluation) int {
	if ev.Rank == nil {
		return 1 << 30
	}
	return ev.Rank.Position
}

// periodFor validates a requested period label for an indicator, or finds its latest period.
func (e *Engine) periodFor(ctx context.Context, indicator, p string) (string, error) {
	if p != "" {
		pp, err := period.Parse(p)
		if err != nil {
			return "", errs.Errorf(errs.Invalid, "%v", err)
		}
		return pp.String(), nil
	}
	var label string
	rel, args := evaluationsRelation(ctx)
	err := e.DB.SQL.QueryRowContext(ctx,
		"SELECT period FROM "+rel+" WHERE indicator = ? ORDER BY period_end DESC, period DESC LIMIT 1", append(args, indicator)...).Scan(&label)
	if err != nil {
		return "", errs.Errorf(errs.NotFound, "indicator %q has no evaluations", indicator)
	}
	return label, nil
}

// ScorecardRow is one indicator's line on an area's scorecard.
type ScorecardRow struct {
	Indicator  string      `json:"indicator"`
	Title      string      `json:"title"`
	Reference  string      `json:"reference,omitempty"`
	Unit       string      `json:"unit"`
	Polarity   string      `json:"polarity"`
	Evaluation *Evaluation `json:"evaluation"` // nil when the area has no value for the indicator
}

// Scorecard is every indicator for an area: for each, the evaluation of the requested period,
// or, when none is requested, the latest one. When a period is requested, an indicator that
// has no evaluation for exactly that period shows its latest evaluation ending on or before it.
type Scorecard struct {
	Area            AreaRef        `json:"area"`
	RequestedPeriod string         `json:"requested_period,omitempty"`
	Rows            []ScorecardRow `json:"rows"`
}

// Filter narrows an area read to some of the catalogue's indicators, by the catalogue's own rule
// (indicators.Catalog.Find): those in Topic (compared case-insensitively; every topic when "")
// whose title or description holds every word of Q. The zero Filter keeps every indicator; a
// topic the catalogue does not have keeps none (the API refuses one before reading).
type Filter struct {
	Topic, Q string
}

// definitions is the catalogue's definitions f keeps, in id order.
func (e *Engine) definitions(f Filter) []*indicators.Definition {
	if f == (Filter{}) {
		return e.Catalog.All()
	}
	return e.Catalog.Find(f.Topic, f.Q)
}

// AreaScorecard builds the scorecard of one area: every indicator f keeps, in id order, each
// with its evaluation for period p (the latest when p is ""; Invalid when p is not a period).
func (e *Engine) AreaScorecard(ctx context.Context, area, p string, f Filter) (*Scorecard, error) {
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	want, err := parseOptionalPeriod(p)
	if err != nil {
		return nil, err
	}
	chosen, err := e.pick(ctx, a.Code, want)
	if err != nil {
		return nil, err
	}
	sc := &Scorecard{Area: areaRef(a), RequestedPeriod: p, Rows: []ScorecardRow{}}
	for _, def := range e.definitions(f) {
		sc.Rows = append(sc.Rows, ScorecardRow{Indicator: def.ID, Title: def.Title, Reference: def.Reference,
			Unit: string(def.Unit), Polarity: string(def.Polarity), Evaluation: chosen[def.ID]})
	}
	return sc, nil
}

func parseOptionalPeriod(p string) (period.Period, error) {
	if p == "" {
		return period.Period{}, nil
	}
	want, err := period.Parse(p)
	if err != nil {
		return period.Period{}, errs.Errorf(errs.Invalid, "%v", err)
	}
	return want, nil
}

// pick chooses one evaluation per indicator for an area, in DuckDB: the requested period's own
// evaluation, else the latest ending on or before it; the latest of all when want is zero.
// For a former council, periods ending after its end date count only with a value.
// Commentary is attached.
func (e *Engine) pick(ctx context.Context, areaCode string, want period.Period) (map[string]*Evaluation, error) {
	where := "area_code = ?"
	args := []any{areaCode}
	if a, ok := e.Areas.Lookup(areaCode); ok && !a.Live() {
		// A former council's latest period stops at its end date: after it, only a real value
		// (a period that began before the merger) counts, never a "no such area then" marker.
		where += " AND (value IS NOT NULL OR period_end <= ?)"
		args = append(args, a.ValidTo)
	}
	label := ""
	if !want.IsZero() {
		where += " AND period_end <= ?"
		args = append(args, want.End())
		label = want.String()
	}
	args = append(args, label)
	evs, err := e.queryEvaluations(ctx, where+` QUALIFY row_number() OVER (PARTITION BY indicator
		ORDER BY (period = ?) DESC, period_end DESC, period DESC) = 1`, args...)
	if err != nil {
		return nil, err
	}
	if err := e.attachCommentary(ctx, areaCode, evs); err != nil {
		return nil, err
	}
	chosen := make(map[string]*Evaluation, len(evs))
	for _, ev := range evs {
		chosen[ev.Indicator] = ev
	}
	return chosen, nil
}

// AllAreasAllPeriods returns every stored evaluation of one indicator, by period then area code
// (bulk export and conformance checks).
func (e *Engine) AllAreasAllPeriods(ctx context.Context, indicator string) ([]*Evaluation, error) {
	if _, ok := e.Catalog.Get(indicator); !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", indicator)
	}
	return e.queryEvaluations(ctx, "indicator = ? ORDER BY period_end, period, area_code", indicator)
}
