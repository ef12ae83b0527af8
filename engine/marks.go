package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IndicatorMark summarises the persisted facts an indicator's stored reads derive from, for
// cache validators (ETags) that survive a restart: its definition and its last evaluation run.
// Re-evaluating an indicator replaces its run record, so any change to its stored evaluations
// changes Run. The commentary attached to its evaluations is marked apart (CommentMark).
type IndicatorMark struct {
	// Definition is the SHA-256 of the indicator's current definition (as the run records it).
	Definition string
	// Run is the SHA-256 of the indicator's evaluation run record (dataset, revision, targets
	// revision, definition, evaluation time, count, error, warning); "" when never evaluated.
	Run string
	// EvaluatedAt is when the last run was made (zero when never evaluated).
	EvaluatedAt time.Time
	// DefinitionCurrent is true when the last run was made with the current definition. When it
	// is false the definition changed after the run (the stored evaluations still carry the old
	// one), and EvaluatedAt is not when the indicator's reads last changed.
	DefinitionCurrent bool
}

// CommentMark summarises the comments on one indicator for one area. Comments are only ever
// added, each with a new id, so the count and the last id change with every new comment.
type CommentMark struct {
	Count  int64
	LastID int64
	// Last is when the newest comment was made.
	Last time.Time
}

// CommentKey is an indicator and an area (GSS code).
type CommentKey struct{ Indicator, Area string }

// Marks are every indicator's and every commented indicator and area's marks.
type Marks struct {
	// Indicators has an entry for every indicator in the catalogue.
	Indicators map[string]IndicatorMark
	// Comments has an entry for every indicator and area with at least one comment.
	Comments map[CommentKey]CommentMark
}

// Marks reads the marks of every indicator and of the commentary, in two small queries (one
// row per indicator, one per indicator and area with comments). The marks reflect at least the
// state committed when Marks was called.
func (e *Engine) Marks(ctx context.Context) (*Marks, error) {
	out := &Marks{Indicators: map[string]IndicatorMark{}, Comments: map[CommentKey]CommentMark{}}
	for _, d := range e.Catalog.All() {
		out.Indicators[d.ID] = IndicatorMark{Definition: e.definitionHashOf(d)}
	}
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT indicator, dataset, revision, coalesce(targets_revision, 0), definition_sha256,
		evaluated_at, evaluations, coalesce(error, ''), coalesce(warning, '') FROM evaluation_runs`)
	if err != nil {
		return nil, fmt.Errorf("engine: read run marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, dataset, hash, runErr, warning string
		var revision, targets, n int64
		var at time.Time
		if err := rows.Scan(&id, &dataset, &revision, &targets, &hash, &at, &n, &runErr, &warning); err != nil {
			return nil, fmt.Errorf("engine: read run marks: %w", err)
		}
		m, ok := out.Indicators[id]
		if !ok {
			continue // a run of an indicator no longer defined: nothing reads it
		}
		at = at.UTC()
		m.Run = digest(dataset, strconv.FormatInt(revision, 10), strconv.FormatInt(targets, 10), hash,
			at.Format(time.RFC3339Nano), strconv.FormatInt(n, 10), runErr, warning)
		m.EvaluatedAt = at
		m.DefinitionCurrent = hash == m.Definition
		out.Indicators[id] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: read run marks: %w", err)
	}
	if err := e.commentMarks(ctx, out.Comments); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Engine) commentMarks(ctx context.Context, into map[CommentKey]CommentMark) error {
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT indicator, area_code, count(*), max(id), max(created_at)
		FROM commentary GROUP BY indicator, area_code`)
	if err != nil {
		return fmt.Errorf("engine: read comment marks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k CommentKey
		var m CommentMark
		var last sql.NullTime
		if err := rows.Scan(&k.Indicator, &k.Area, &m.Count, &m.LastID, &last); err != nil {
			return fmt.Errorf("engine: read comment marks: %w", err)
		}
		if last.Valid {
			m.Last = last.Time.UTC()
		}
		into[k] = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("engine: read comment marks: %w", err)
	}
	return nil
}

// digest is the SHA-256 of fields, each length-prefixed so that no two lists share a digest.
func digest(fields ...string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}
