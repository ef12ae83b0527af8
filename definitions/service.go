// Package definitions keeps the revision history of the definitions people change at run time:
// indicator definitions, scorecards and comparator groups. Each change is a revision (who, when,
// the body's SHA-256, the body itself) in DuckDB, and one revision of each definition is
// current, as with datasets (datasets.Service): nothing is overwritten, a restore is a new
// revision that copies an earlier one.
//
// The package stores and lists; it does not decode or validate a body, nor apply it: the
// caller (scorecard.App) validates a body first and applies it in Within, inside the write.
//
// Revision 0 of a definition is the built-in one (embedded in the binary or read from
// --indicators DIR at start-up). It is never stored: the caller supplies it (Builtin), so it
// is always the one the running binary holds.
package definitions

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// Kind is what a definition is.
type Kind string

// Kinds of definitions.
const (
	Indicator Kind = "indicator"
	Scorecard Kind = "scorecard"
	Group     Kind = "group"
)

// Revision statuses.
const (
	Builtin  = "builtin"  // revision 0: the definition the binary (or --indicators DIR) holds
	Accepted = "accepted" // a body that was sent, validated and made current
	Restored = "restored" // a copy of an earlier revision, made current by a restore
)

// Revision is one version of a definition. Body is the text as sent (YAML or JSON).
type Revision struct {
	Kind     Kind   `json:"kind"`
	ID       string `json:"id"`
	Revision int64  `json:"revision"`
	// Created is when the revision was made; revision 0 (built in) has none.
	Created time.Time `json:"created_at,omitzero"`
	By      string    `json:"created_by"`
	// TokenID is the API token that made the revision ("" from the command line, with
	// authentication off, or for revision 0).
	TokenID      string `json:"token_id,omitempty"`
	SHA256       string `json:"sha256"`
	Bytes        int    `json:"bytes"`
	ContentType  string `json:"content_type"`
	Status       string `json:"status"`
	RestoredFrom *int64 `json:"restored_from,omitempty"`
	Current      bool   `json:"current"`
	Body         string `json:"body,omitempty"`
}

// Change is a new body for a definition and who sends it, as the API hands it to
// scorecard.App.PutDefinition.
type Change struct {
	Body []byte
	// ContentType is the body's media type (application/yaml or application/json).
	ContentType string
	// FileName names the body in error details ("" for a request body).
	FileName string
	By       string
	TokenID  string
	// AllowedAreas, when not nil, are the GSS codes the sender may write for (an uploader
	// token's areas); nil for an admin or an uploader for every area.
	AllowedAreas []string
}

// Service stores definition revisions in DuckDB. It is safe for concurrent use: writes go
// through the store's single writer.
type Service struct {
	DB *store.DB
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

const schema = `
CREATE TABLE IF NOT EXISTS definition_revisions (
	kind VARCHAR NOT NULL,
	id VARCHAR NOT NULL,
	revision BIGINT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	created_by VARCHAR NOT NULL,
	created_by_token VARCHAR,
	sha256 VARCHAR NOT NULL,
	content_type VARCHAR NOT NULL,
	status VARCHAR NOT NULL,
	restored_from BIGINT,
	body VARCHAR NOT NULL,
	PRIMARY KEY (kind, id, revision)
);
CREATE TABLE IF NOT EXISTS current_definitions (
	kind VARCHAR NOT NULL,
	id VARCHAR NOT NULL,
	revision BIGINT NOT NULL,
	PRIMARY KEY (kind, id)
);
`

// Migrate creates the service's tables if they do not exist.
func (s *Service) Migrate(ctx context.Context) error {
	return s.DB.Migrate(ctx, "definitions", schema)
}

// SHA256 is the hex SHA-256 of a body, as revisions record it.
func SHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// New is a definition change to record.
type New struct {
	Body        []byte
	ContentType string
	By          string
	TokenID     string
	// RestoredFrom, when not nil, marks the revision as a restore of that revision.
	RestoredFrom *int64
	// Within is called inside the write transaction once the revision is recorded and made
	// current; it applies the change in memory and returns how to undo it. An error from it
	// rolls the write back; when the commit fails the undo is called.
	Within func(rev *Revision) (undo func(), err error)
}

// Put records a new revision of (kind, id), numbered one more than its latest (the first is
// 1; 0 is the built-in one), makes it current and returns it.
func (s *Service) Put(ctx context.Context, kind Kind, id string, n New) (*Revision, error) {
	rev := &Revision{Kind: kind, ID: id, Created: store.Timestamp(s.Now), By: n.By, TokenID: n.TokenID,
		SHA256: SHA256(n.Body), Bytes: len(n.Body), ContentType: n.ContentType, Status: Accepted,
		RestoredFrom: n.RestoredFrom, Current: true, Body: string(n.Body)}
	if n.RestoredFrom != nil {
		rev.Status = Restored
	}
	var undo func()
	err := s.DB.Write(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(revision), 0) + 1 FROM definition_revisions WHERE kind = ? AND id = ?`,
			string(kind), id).Scan(&rev.Revision); err != nil {
			return fmt.Errorf("definitions: next revision of %s %s: %w", kind, id, err)
		}
		var token, restored any
		if rev.TokenID != "" {
			token = rev.TokenID
		}
		if rev.RestoredFrom != nil {
			restored = *rev.RestoredFrom
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO definition_revisions
			(kind, id, revision, created_at, created_by, created_by_token, sha256, content_type, status, restored_from, body)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(kind), id, rev.Revision, rev.Created, rev.By, token, rev.SHA256, rev.ContentType, rev.Status, restored, rev.Body); err != nil {
			return fmt.Errorf("definitions: record revision %d of %s %s: %w", rev.Revision, kind, id, err)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO current_definitions (kind, id, revision) VALUES (?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET revision = excluded.revision`, string(kind), id, rev.Revision); err != nil {
			return fmt.Errorf("definitions: make revision %d of %s %s current: %w", rev.Revision, kind, id, err)
		}
		if n.Within != nil {
			var err error
			if undo, err = n.Within(rev); err != nil {
				undo = nil
				return err
			}
		}
		return nil
	})
	if err != nil {
		if undo != nil {
			undo() // applied in memory, but the commit failed
		}
		return nil, err
	}
	return rev, nil
}

const selectRevision = `SELECT r.kind, r.id, r.revision, r.created_at, r.created_by, coalesce(r.created_by_token, ''), r.sha256,
	r.content_type, r.status, r.restored_from, r.body, coalesce(c.revision = r.revision, false)
	FROM definition_revisions r LEFT JOIN current_definitions c ON c.kind = r.kind AND c.id = r.id `

func scanRevisions(rows *sql.Rows) ([]Revision, error) {
	defer rows.Close()
	var out []Revision
	for rows.Next() {
		var r Revision
		var kind string
		var restored sql.NullInt64
		if err := rows.Scan(&kind, &r.ID, &r.Revision, &r.Created, &r.By, &r.TokenID, &r.SHA256, &r.ContentType, &r.Status,
			&restored, &r.Body, &r.Current); err != nil {
			return nil, fmt.Errorf("definitions: read revisions: %w", err)
		}
		r.Kind = Kind(kind)
		r.Created = r.Created.UTC()
		r.Bytes = len(r.Body)
		if restored.Valid {
			v := restored.Int64
			r.RestoredFrom = &v
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("definitions: read revisions: %w", err)
	}
	return out, nil
}

// Revisions lists the stored revisions of (kind, id), newest first (revision 0 is not
// stored: the caller adds it). Bodies are included.
func (s *Service) Revisions(ctx context.Context, kind Kind, id string) ([]Revision, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, selectRevision+"WHERE r.kind = ? AND r.id = ? ORDER BY r.revision DESC", string(kind), id)
	if err != nil {
		return nil, fmt.Errorf("definitions: list revisions of %s %s: %w", kind, id, err)
	}
	return scanRevisions(rows)
}

// Get returns one stored revision (errs.NotFound when there is none).
func (s *Service) Get(ctx context.Context, kind Kind, id string, revision int64) (*Revision, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, selectRevision+"WHERE r.kind = ? AND r.id = ? AND r.revision = ?", string(kind), id, revision)
	if err != nil {
		return nil, fmt.Errorf("definitions: read revision %d of %s %s: %w", revision, kind, id, err)
	}
	revs, err := scanRevisions(rows)
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "%s %s has no revision %d", kind, id, revision)
	}
	return &revs[0], nil
}

// Current lists the current stored revision of every definition of kind that has one, by id
// (a definition never changed at run time has none: its built-in revision 0 is current).
func (s *Service) Current(ctx context.Context, kind Kind) ([]Revision, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, selectRevision+"JOIN current_definitions cur ON cur.kind = r.kind AND cur.id = r.id AND cur.revision = r.revision WHERE r.kind = ? ORDER BY r.id",
		string(kind))
	if err != nil {
		return nil, fmt.Errorf("definitions: read current %s revisions: %w", kind, err)
	}
	return scanRevisions(rows)
}

// CurrentOf is the current stored revision of (kind, id), and false when it has none (its
// built-in revision 0 is current).
func (s *Service) CurrentOf(ctx context.Context, kind Kind, id string) (*Revision, bool, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, selectRevision+"JOIN current_definitions cur ON cur.kind = r.kind AND cur.id = r.id AND cur.revision = r.revision WHERE r.kind = ? AND r.id = ?",
		string(kind), id)
	if err != nil {
		return nil, false, fmt.Errorf("definitions: read the current revision of %s %s: %w", kind, id, err)
	}
	revs, err := scanRevisions(rows)
	if err != nil || len(revs) == 0 {
		return nil, false, err
	}
	return &revs[0], true, nil
}
