package engine

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/errs"
)

// HistoryChange is one evaluation whose value or judgements an evaluation run changed: the
// evaluation before and after the run (Before is nil for a new figure, After for one that
// went), and what caused the run.
type HistoryChange struct {
	// Run is the evaluation run that made the change, and At when it was committed.
	Run       int64           `json:"run"`
	At        time.Time       `json:"at"`
	Indicator string          `json:"indicator"`
	Area      AreaRef         `json:"area"`
	Period    string          `json:"period"`
	PeriodEnd string          `json:"period_end"`
	Kind      string          `json:"kind"` // ChangeChanged, ChangeAdded or ChangeRemoved
	Changed   []string        `json:"changed"`
	Before    *JudgementState `json:"before"`
	After     *JudgementState `json:"after"`
	Cause     Cause           `json:"cause"`
	// Cursor is the change's place in the feed: a ChangeFilter.After resumes after it.
	Cursor string `json:"cursor"`
}

// ChangeFilter selects changes from the history. Empty lists select everything.
type ChangeFilter struct {
	// Since and Until bound the runs by the time they were committed: after Since (exclusive)
	// and at or before Until (inclusive). Zero times do not bound.
	Since, Until time.Time
	// After resumes the feed after this cursor (HistoryChange.Cursor), instead of Since.
	After string
	// Indicators are indicator ids; Areas are GSS codes.
	Indicators, Areas []string
	// Limit caps the number returned; 0 means no cap.
	Limit int
	// None says the filters match nothing (for example a group and an area list that share no
	// area): the page is empty, and its Next still moves past the runs committed so far.
	None bool
}

// changeCursor is a place in the feed: after the change (Indicator, PeriodEnd, Period, Area) of
// run Run; an empty Indicator means after every change of Run.
type changeCursor struct {
	Run       int64  `json:"r"`
	Indicator string `json:"i,omitempty"`
	PeriodEnd string `json:"e,omitempty"`
	Period    string `json:"p,omitempty"`
	Area      string `json:"a,omitempty"`
}

func (c changeCursor) String() string {
	b, _ := json.Marshal(c)
	return "c_" + base64.RawURLEncoding.EncodeToString(b)
}

// IsChangeCursor reports whether s has the form of a change cursor (as opposed to a time).
func IsChangeCursor(s string) bool { return strings.HasPrefix(s, "c_") }

// parseChangeCursor reads a cursor that changeCursor.String made; anything else (a cursor
// edited by hand: a negative run, a key without a date) is Invalid.
func parseChangeCursor(s string) (changeCursor, error) {
	var c changeCursor
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, "c_"))
	valid := err == nil && IsChangeCursor(s) && json.Unmarshal(b, &c) == nil && c.Run >= 0
	if valid && c.Indicator != "" {
		_, err := time.Parse(time.DateOnly, c.PeriodEnd)
		valid = err == nil
	}
	if !valid {
		return changeCursor{}, errs.Errorf(errs.Invalid, "%q is not a cursor this feed gave (use the next value of a changes response)", clipValue(s))
	}
	return c, nil
}

// ChangesPage is one page of the change feed.
type ChangesPage struct {
	Changes []HistoryChange
	// Next resumes the feed after the last change listed, or, when there are no more now, after
	// the last run committed when the page was read: polling with it never misses or repeats a
	// change.
	Next string
	// More says the page was cut by the limit.
	More bool
}

// Changes lists the evaluations whose value or judgements evaluation runs changed, in the
// order of the runs, then indicator, period end, period and area. Runs are numbered in the
// order they committed under the single writer, so a feed read with Next sees every change once.
func (e *Engine) Changes(ctx context.Context, f ChangeFilter) (*ChangesPage, error) {
	var after changeCursor
	var haveCursor bool
	if f.After != "" {
		c, err := parseChangeCursor(f.After)
		if err != nil {
			return nil, err
		}
		after, haveCursor = c, true
	}
	// The runs in range: the high-water mark is read first, so a run committed while the
	// page is read is left for the next poll.
	var hi sql.NullInt64
	q := "SELECT max(run) FROM evaluation_run_log WHERE TRUE"
	var qa []any
	if !f.Until.IsZero() {
		q += " AND run_at <= ?"
		qa = append(qa, f.Until.UTC())
	}
	if err := e.DB.SQL.QueryRowContext(ctx, q, qa...).Scan(&hi); err != nil {
		return nil, fmt.Errorf("engine: read changes: %w", err)
	}
	lo := int64(0)
	switch {
	case haveCursor && after.Indicator == "":
		lo = after.Run // after every change of the cursor's run
	case haveCursor:
		lo = after.Run - 1 // the cursor's run may have changes left after its key
	case !f.Since.IsZero():
		var last sql.NullInt64
		if err := e.DB.SQL.QueryRowContext(ctx, "SELECT max(run) FROM evaluation_run_log WHERE run_at <= ?", f.Since.UTC()).Scan(&last); err != nil {
			return nil, fmt.Errorf("engine: read changes: %w", err)
		}
		lo = last.Int64
	}
	// After a prune the versions replaced by runs up to the last one before the start are gone:
	// a feed reaching back past it would show their replacements as added figures.
	pruned, err := e.prunedRun(ctx)
	if err != nil {
		return nil, err
	}
	if lo < pruned {
		incomplete := !f.Since.IsZero()
		if haveCursor {
			// A cursor that ended a run (no indicator) asks only for the runs after it.
			incomplete = after.Run < pruned || after.Run == pruned && after.Indicator != ""
		}
		if incomplete {
			start, err := e.historyStart(ctx)
			if err != nil {
				return nil, err
			}
			return nil, errs.Errorf(errs.NotFound, "the history before %s was pruned: the changes asked for cannot be listed in full (ask since %s or later)",
				start.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
		}
		lo = pruned
	}
	page := &ChangesPage{Changes: []HistoryChange{}}
	if !hi.Valid || hi.Int64 <= lo || f.None {
		switch {
		case haveCursor:
			page.Next = f.After
		default:
			page.Next = changeCursor{Run: max(lo, hi.Int64)}.String()
		}
		return page, nil
	}
	var where []string
	args := []any{lo, hi.Int64, lo, hi.Int64, lo, hi.Int64}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN "+placeholders(len(vals)))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("c.indicator", f.Indicators)
	in("c.area_code", f.Areas)
	if haveCursor && after.Indicator != "" {
		where = append(where, `(c.run > ? OR (c.run = ? AND (c.indicator > ? OR (c.indicator = ? AND (c.period_end > CAST(? AS DATE) OR
			(c.period_end = CAST(? AS DATE) AND (c.period > ? OR (c.period = ? AND c.area_code > ?))))))))`)
		end := after.PeriodEnd // a date: parseChangeCursor checked it
		args = append(args, after.Run, after.Run, after.Indicator, after.Indicator, end, end, after.Period, after.Period, after.Area)
	}
	if len(where) == 0 {
		where = append(where, "TRUE")
	}
	rows, err := e.DB.SQL.QueryContext(ctx, `WITH
		b AS (SELECT indicator, area_code, period, period_end, doc, to_run AS run FROM evaluation_history WHERE to_run > ? AND to_run <= ?),
		a AS (SELECT indicator, area_code, period, period_end, doc, from_run AS run FROM evaluations WHERE from_run > ? AND from_run <= ?
			UNION ALL SELECT indicator, area_code, period, period_end, doc, from_run FROM evaluation_history WHERE from_run > ? AND from_run <= ?),
		c AS (SELECT coalesce(a.run, b.run) AS run, coalesce(a.indicator, b.indicator) AS indicator,
			coalesce(a.area_code, b.area_code) AS area_code, coalesce(a.period, b.period) AS period,
			coalesce(a.period_end, b.period_end) AS period_end, b.doc AS before_doc, a.doc AS after_doc
			FROM b FULL OUTER JOIN a ON a.run = b.run AND a.indicator = b.indicator AND a.area_code = b.area_code AND a.period = b.period)
		SELECT c.run, c.indicator, c.area_code, c.period, strftime(c.period_end, '%Y-%m-%d'), c.before_doc, c.after_doc,
			l.run_at, l.cause, coalesce(l.cause_dataset, ''), coalesce(l.cause_revision, 0), coalesce(l.cause_by, ''), l.cause_at
		FROM c JOIN evaluation_run_log l ON l.run = c.run AND l.indicator = c.indicator
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY c.run, c.indicator, c.period_end, c.period, c.area_code`, args...)
	if err != nil {
		return nil, fmt.Errorf("engine: read changes: %w", err)
	}
	defer rows.Close()
	last := changeCursor{Run: hi.Int64}
	for rows.Next() {
		var ch HistoryChange
		var area string
		var before, afterDoc []byte
		var causeAt sql.NullTime
		if err := rows.Scan(&ch.Run, &ch.Indicator, &area, &ch.Period, &ch.PeriodEnd, &before, &afterDoc,
			&ch.At, &ch.Cause.Kind, &ch.Cause.Dataset, &ch.Cause.Revision, &ch.Cause.By, &causeAt); err != nil {
			return nil, fmt.Errorf("engine: read changes: %w", err)
		}
		ch.At = ch.At.UTC()
		if causeAt.Valid {
			t := causeAt.Time.UTC()
			ch.Cause.At = &t
		}
		pos := changeCursor{Run: ch.Run, Indicator: ch.Indicator, PeriodEnd: ch.PeriodEnd, Period: ch.Period, Area: area}
		if f.Limit > 0 && len(page.Changes) == f.Limit {
			page.More = true
			break
		}
		last = pos
		if !e.fillChange(&ch, area, before, afterDoc) {
			continue // a version that differs in nothing a reader is shown (a row number, a mean's last digit)
		}
		ch.Cursor = pos.String()
		page.Changes = append(page.Changes, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: read changes: %w", err)
	}
	page.Next = last.String()
	return page, nil
}

// fillChange decodes a change's two versions and says whether its value or judgements differ.
func (e *Engine) fillChange(ch *HistoryChange, area string, before, after []byte) bool {
	var b, a *Evaluation
	if before != nil {
		b, _ = decodeDoc(before)
	}
	if after != nil {
		a, _ = decodeDoc(after)
	}
	switch {
	case b != nil && a != nil:
		ch.Kind, ch.Area = ChangeChanged, a.Area
		ch.Before, ch.After = stateOf(b), stateOf(a)
		ch.Changed = diffStates(ch.Before, ch.After)
		return len(ch.Changed) > 0
	case a != nil:
		ch.Kind, ch.Area, ch.After = ChangeAdded, a.Area, stateOf(a)
		ch.Changed = diffStates(&JudgementState{}, ch.After)
	case b != nil:
		ch.Kind, ch.Area, ch.Before = ChangeRemoved, b.Area, stateOf(b)
		ch.Changed = diffStates(&JudgementState{}, ch.Before)
	default:
		ch.Area = AreaRef{Code: area}
		return false
	}
	return true
}
