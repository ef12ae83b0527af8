package engine

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
)

// Comment is a note on an indicator for an area and period, such as the corrective action a
// board expects beside a red item. Comments are kept apart from evaluations, so re-evaluation
// never loses them, and are returned with the evaluation they belong to.
type Comment struct {
	ID        int64  `json:"id"`
	Indicator string `json:"indicator"`
	Area      string `json:"area"`
	Period    string `json:"period"`
	// Author is the display name the poster gave (a person, a team): a claim, shown beside
	// PostedBy, never instead of it.
	Author string `json:"author"`
	// PostedBy is the identity that posted the comment, from its credentials; nil for comments
	// stored before posters were recorded.
	PostedBy  *Poster   `json:"posted_by"`
	CreatedAt time.Time `json:"created_at"`
	Text      string    `json:"text"`
}

// Poster is who posted a comment: the API token that authenticated the request (its name and
// id), or LocalPoster when authentication was off.
type Poster struct {
	// TokenID is the token's id; empty when authentication was off.
	TokenID   string `json:"token_id,omitempty"`
	TokenName string `json:"token_name"`
}

// String is the poster as a page shows it: "name [id]", or the name alone without an id.
func (p *Poster) String() string {
	if p == nil {
		return "poster not recorded"
	}
	if p.TokenID == "" {
		return p.TokenName
	}
	return p.TokenName + " [" + p.TokenID + "]"
}

// LocalPoster is the poster of every comment made with authentication off (local development,
// loopback addresses only) and from the command line.
var LocalPoster = Poster{TokenName: "local (auth off)"}

const commentarySchema = `
CREATE SEQUENCE IF NOT EXISTS comment_ids START 1;
CREATE TABLE IF NOT EXISTS commentary (
	id BIGINT PRIMARY KEY,
	indicator VARCHAR NOT NULL,
	area_code VARCHAR NOT NULL,
	period VARCHAR NOT NULL,
	author VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	text VARCHAR NOT NULL,
	posted_by_token_id VARCHAR,
	posted_by_token_name VARCHAR
);
ALTER TABLE commentary ADD COLUMN IF NOT EXISTS posted_by_token_id VARCHAR;
ALTER TABLE commentary ADD COLUMN IF NOT EXISTS posted_by_token_name VARCHAR;
`

// Limits on a comment, in characters (not bytes).
const (
	// MaxCommentLength caps a comment's text.
	MaxCommentLength = 4000
	// MaxAuthorLength caps a comment's author (display name).
	MaxAuthorLength = 200
)

// AddComment records a comment on an indicator for an area and period, posted by by (the
// authenticated token, or LocalPoster) with author as the display name beside it. The text may
// hold newlines and tabs but no other control characters; neither text nor author may hold
// something shaped like an API token secret (auth.LooksLikeSecret).
func (e *Engine) AddComment(ctx context.Context, indicator, area, p string, by Poster, author, text string) (*Comment, error) {
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
		problems.Add(errs.Detail{Field: "period", Value: clipValue(p), Reason: perr.Error()})
	} else if start := pp.Start(); start.After(e.now()) {
		// Commentary explains a figure; a period that has not begun has none yet.
		problems.Add(errs.Detail{Field: "period", Value: clipValue(p), Reason: fmt.Sprintf(
			"the period %s has not begun yet (it starts %s): comment on a period that has begun", pp, start.Format("2 January 2006"))})
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	author = strings.TrimSpace(author)
	checkText(&problems, "text", "the comment", text, MaxCommentLength, true)
	checkText(&problems, "author", "the author", author, MaxAuthorLength, false)
	if author == "" {
		problems.Add(errs.Detail{Field: "author", Reason: "say who wrote the comment"})
	}
	if text == "" {
		problems.Add(errs.Detail{Field: "text", Reason: "the comment is empty"})
	}
	if strings.TrimSpace(by.TokenName) == "" {
		return nil, fmt.Errorf("engine: comment without a poster")
	}
	if err := problems.Err("the comment was not saved"); err != nil {
		return nil, err
	}
	poster := by
	c := &Comment{Indicator: indicator, Area: a.Code, Period: pp.String(), Author: author, PostedBy: &poster,
		CreatedAt: e.now().Truncate(time.Microsecond), Text: text}
	err = e.DB.Write(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, "SELECT nextval('comment_ids')").Scan(&c.ID); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, `INSERT INTO commentary (id, indicator, area_code, period, author, created_at, text,
			posted_by_token_id, posted_by_token_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Indicator, c.Area, c.Period, c.Author, c.CreatedAt, c.Text, poster.TokenID, poster.TokenName)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: save comment: %w", err)
	}
	return c, nil
}

// checkText adds the problems of a free-text field: longer than limit characters, control
// characters (newlines and tabs allowed when multiline), or something shaped like a token secret.
func checkText(problems *errs.List, field, what, s string, limit int, multiline bool) {
	if n := utf8.RuneCountInString(s); n > limit {
		problems.Add(errs.Detail{Field: field, Reason: fmt.Sprintf("%s is longer than %d characters (it has %d)", what, limit, n)})
	}
	allowed := func(r rune) bool { return multiline && (r == '\n' || r == '\t') }
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && !allowed(r) }) {
		reason := what + " contains control characters"
		if multiline {
			reason += " (only newlines and tabs are allowed)"
		}
		problems.Add(errs.Detail{Field: field, Reason: reason})
	}
	if auth.LooksLikeSecret(s) {
		problems.Add(errs.Detail{Field: field, Reason: auth.SecretReason})
	}
}

// clipValue shortens a refused value echoed back in an error detail.
func clipValue(s string) string {
	if auth.LooksLikeSecret(s) {
		return ""
	}
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
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
	if a, ok := AsOfFrom(ctx); ok {
		// As at a time, the commentary is what had been posted by then (it is never edited).
		where = "created_at <= ? AND (" + where + ")"
		args = append([]any{a.Time}, args...)
	}
	rows, err := e.DB.SQL.QueryContext(ctx, `SELECT id, indicator, area_code, period, author, created_at, text,
		coalesce(posted_by_token_id, ''), posted_by_token_name FROM commentary WHERE `+
		where+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("engine: read comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var tokenID string
		var tokenName sql.NullString
		if err := rows.Scan(&c.ID, &c.Indicator, &c.Area, &c.Period, &c.Author, &c.CreatedAt, &c.Text, &tokenID, &tokenName); err != nil {
			return nil, fmt.Errorf("engine: read comments: %w", err)
		}
		if tokenName.Valid {
			c.PostedBy = &Poster{TokenID: tokenID, TokenName: tokenName.String}
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
