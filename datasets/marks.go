package datasets

import (
	"context"
	"fmt"
	"time"
)

// Mark summarises a dataset's persisted history, for cache validators (ETags) that survive a
// restart. Revisions are only ever added (accepted, rejected or restored, each with a new id) and
// the current revision changes only with a new one, so any change to what the dataset's reads
// show changes the mark.
type Mark struct {
	// Revisions counts the dataset's revisions, of every status.
	Revisions int64
	// LastID is the newest revision's id, LastSHA256 its file's SHA-256 and LastCreated when it
	// was made.
	LastID      int64
	LastSHA256  string
	LastCreated time.Time
	// Current is the current revision's id (0 when every revision was rejected).
	Current int64
}

// Marks reads every dataset's mark in one query (one row per dataset), by name. The marks
// reflect at least the state committed when Marks was called.
func (s *Service) Marks(ctx context.Context) (map[string]Mark, error) {
	rows, err := s.DB.SQL.QueryContext(ctx, `SELECT r.dataset, count(*), max(r.id), arg_max(r.sha256, r.id), max(r.created_at),
		coalesce(max(d.current_revision), 0)
		FROM revisions r LEFT JOIN datasets d ON d.name = r.dataset GROUP BY r.dataset`)
	if err != nil {
		return nil, fmt.Errorf("datasets: read marks: %w", err)
	}
	defer rows.Close()
	out := map[string]Mark{}
	for rows.Next() {
		var name string
		var m Mark
		if err := rows.Scan(&name, &m.Revisions, &m.LastID, &m.LastSHA256, &m.LastCreated, &m.Current); err != nil {
			return nil, fmt.Errorf("datasets: read marks: %w", err)
		}
		m.LastCreated = m.LastCreated.UTC()
		out[name] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasets: read marks: %w", err)
	}
	return out, nil
}
