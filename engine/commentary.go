package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
)

// Comment is a note on an indicator for an area and period, such as the corrective action a
// board expects beside a red item. Comments are kept apart from evaluations, so re-evaluation
// never loses them, and are returned with the evaluation they belong to.
type Comment struct {
	ID        int64     `json:"id"`
	Indicator string    `json:"indicator"`
	Area      string    `json:"area"`
	Period    string    `json:"period"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"created_at"`
	Text      string    `json:"text"`
}

const commentarySchema = `
CREATE SEQUENCE IF NOT EXISTS comment_ids START 1;
CREATE TABLE IF NOT EXISTS commentary (
	id BIGINT PRIMARY KEY,
	indicator VARCHAR NOT NULL,
	area_code VARCHAR NOT NULL,
	period VARCHAR NOT NULL,
	author VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	text VARCHAR NOT NULL
);
`

// MaxCommentLength caps a comment's text, in characters.
const MaxCommentLength = 4000

// AddComment records a comment on an indicator for an area and period.
func (e *Engine) AddComment(ctx context.Context, indicator, area, p, author, text string) (*Comment, error) {
	if _, ok := e.Catalog.Get(indicator); !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", indicator)
	}
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	var problems errs.List
	pp, perr := period.Parse(p)
	if perr != nil {
		problems.Add(errs.Detail{Field: "period", Value: p, Reason: perr.Error()})
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		problems.Add(errs.Detail{Field: "text", Reason: "the comment is empty"})
	case len([]rune(text)) > MaxCommentLength:
		problems.Add(errs.Detail{Field: "text", Reason: fmt.Sprintf("the comment is longer than %d characters", MaxCommentLength)})
	}
	if strings.TrimSpace(author) == "" {
		problems.Add(errs.Detail{Field: "author", Reason: "say who wrote the comment"})
	}
	if err := problems.Err("the comment was not saved"); err != nil {
		return nil, err
	}
	c := &Comment{Indicator: indicator, Area: a.Code, Period: pp.String(), Author: strings.TrimSpace(author),
		CreatedAt: e.now().Truncate(time.Microsecond), Text: text}
	err = e.DB.Write(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, "SELECT nextval('comment_ids')").Scan(&c.ID); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, "INSERT INTO commentary VALUES (?, ?, ?, ?, ?, ?, ?)",
			c.ID, c.Indicator, c.Area, c.Period, c.Author, c.CreatedAt, c.Text)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: save comment: %w", err)
	}
	return c, nil
}

// Comments lists the comments on an indicator for an area, oldest first; p filters to a period.
func (e *Engine) Comments(ctx context.Context, indicator, area, p string) ([]Comment, error) {
	a, err := e.Area(area)
	if err != nil {
		return nil, err
	}
	where, args := "indicator = ? AND area_code = ?", []any{indicator, a.Code}
	if p != "" {
		pp, err := parseOptionalPeriod(p)
		if err != nil {
			return nil, err
		}
		where += " AND period = ?"
		args = append(args, pp.String())
	}
	return e.queryComments(ctx, where, args...)
}

func (e *Engine) queryComments(ctx context.Context, where string, args ...any) ([]Comment, error) {
	rows, err := e.DB.SQL.QueryContext(ctx, "SELECT id, indicator, area_code, period, author, created_at, text FROM commentary WHERE "+
		where+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("engine: read comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.Indicator, &c.Area, &c.Period, &c.Author, &c.CreatedAt, &c.Text); err != nil {
			return nil, fmt.Errorf("engine: read comments: %w", err)
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// attachCommentary gives each evaluation of one area the comments on its indicator and period.
func (e *Engine) attachCommentary(ctx context.Context, areaCode string, evs []*Evaluation) error {
	if len(evs) == 0 {
		return nil
	}
	comments, err := e.queryComments(ctx, "area_code = ?", areaCode)
	if err != nil {
		return err
	}
	if len(comments) == 0 {
		return nil
	}
	byKey := map[string][]Comment{}
	for _, c := range comments {
		byKey[c.Indicator+"|"+c.Period] = append(byKey[c.Indicator+"|"+c.Period], c)
	}
	for _, ev := range evs {
		ev.Commentary = byKey[ev.Indicator+"|"+ev.Period]
	}
	return nil
}
