package auth

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/errs"
)

// Audit results.
const (
	ResultOK      = "ok"      // the write was done
	ResultRefused = "refused" // no, a bad or an insufficient token (401, 403)
	ResultFailed  = "failed"  // allowed, but the request failed (invalid data, not found, error)
)

// ResultOf classifies an HTTP status for the audit log.
func ResultOf(status int) string {
	switch {
	case status < 400:
		return ResultOK
	case status == 401 || status == 403:
		return ResultRefused
	}
	return ResultFailed
}

// Record is one audited request: who (the token's id and name, never its secret), what (method,
// route pattern, path and the dataset, revision, indicator and area it named), when, and the
// result (status and error code).
type Record struct {
	ID              int64     `json:"id"`
	At              time.Time `json:"at"`
	TokenID         string    `json:"token_id,omitempty"`
	TokenName       string    `json:"token_name,omitempty"`
	Role            string    `json:"role,omitempty"`
	Method          string    `json:"method"`
	Route           string    `json:"route"`
	Path            string    `json:"path"`
	Dataset         string    `json:"dataset,omitempty"`
	Revision        int64     `json:"revision,omitempty"`
	CreatedRevision int64     `json:"created_revision,omitempty"`
	Indicator       string    `json:"indicator,omitempty"`
	Area            string    `json:"area,omitempty"`
	// Target names what an admin request acted on when it is none of the above ("token tok_...").
	Target    string `json:"target,omitempty"`
	Status    int    `json:"status"`
	Result    string `json:"result"`
	ErrorCode string `json:"error_code,omitempty"`
	Message   string `json:"message,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	ClientIP  string `json:"client_ip,omitempty"`
}

// maxAuditText caps the free-text fields of a record (paths and messages come from clients).
const maxAuditText = 500

// clip makes a client's text safe to store: invalid UTF-8 and NUL bytes escaped (ValidText),
// at most maxAuditText bytes cut at a character boundary, and never a token secret.
func clip(s string) string {
	s = ValidText(s)
	if len(s) > maxAuditText {
		cut := maxAuditText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if LooksLikeSecret(s) {
		return "[removed: looked like a token secret]"
	}
	return s
}

// ValidText is s with every byte that is not part of valid UTF-8, and every NUL, written as %XX
// (as in a URL), so text from a client (paths, headers, file names) can always be stored in
// DuckDB, whose strings must be valid UTF-8, and still shows what was sent.
func ValidText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0 {
			fmt.Fprintf(&b, "%%%02X", s[i])
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Record appends r to the audit log; At is set from the clock when zero and Result from the
// status. The write is its own transaction, made after the request: the audit log records the
// outcome, including refusals, which change nothing else. It is bookkeeping: it does not change
// the data version (store.DB.WriteBookkeeping), so refused requests cannot empty response caches.
// Every text field is made storable (clip), so no client's bytes can stop a record being written.
func (s *Service) Record(ctx context.Context, r Record) error {
	if r.At.IsZero() {
		r.At = s.now()
	}
	if r.Result == "" {
		r.Result = ResultOf(r.Status)
	}
	nullStr := func(v string) any {
		if v == "" {
			return nil
		}
		return clip(v)
	}
	nullInt := func(v int64) any {
		if v == 0 {
			return nil
		}
		return v
	}
	err := s.DB.WriteBookkeeping(ctx, func(conn *sql.Conn) error {
		var id int64
		if err := conn.QueryRowContext(ctx, "SELECT nextval('audit_ids')").Scan(&id); err != nil {
			return err
		}
		_, err := conn.ExecContext(ctx, `INSERT INTO audit_log (id, occurred_at, token_id, token_name, role, method, route, path, dataset,
			revision, created_revision, indicator, area, target, status, result, error_code, message, request_id, client_ip)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.At, nullStr(r.TokenID), nullStr(r.TokenName), nullStr(r.Role), clip(r.Method), clip(r.Route), clip(r.Path),
			nullStr(r.Dataset), nullInt(r.Revision), nullInt(r.CreatedRevision), nullStr(r.Indicator), nullStr(r.Area), nullStr(r.Target),
			r.Status, clip(r.Result), nullStr(r.ErrorCode), nullStr(r.Message), nullStr(r.RequestID), nullStr(r.ClientIP))
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: write audit record: %w", err)
	}
	return nil
}

// AuditFilter selects audit records. Zero fields do not filter.
type AuditFilter struct {
	// Limit is the most records returned (DefaultAuditLimit when 0, at most MaxAuditLimit).
	Limit int
	// Before returns records with an id below it (the cursor for the next page).
	Before int64
	// Since returns records at or after it.
	Since     time.Time
	TokenID   string
	Dataset   string
	Area      string
	Method    string
	Result    string
	RequestID string
}

// Audit listing limits.
const (
	DefaultAuditLimit = 100
	MaxAuditLimit     = 1000
)

// Audit returns audit records, newest first.
func (s *Service) Audit(ctx context.Context, f AuditFilter) ([]Record, error) {
	switch {
	case f.Limit == 0:
		f.Limit = DefaultAuditLimit
	case f.Limit < 0 || f.Limit > MaxAuditLimit:
		return nil, errs.Errorf(errs.Invalid, "limit must be between 1 and %d", MaxAuditLimit)
	}
	if f.Result != "" && f.Result != ResultOK && f.Result != ResultRefused && f.Result != ResultFailed {
		return nil, errs.Errorf(errs.Invalid, "result must be one of ok, refused, failed")
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	if !f.Since.IsZero() {
		add("occurred_at >= ?", f.Since.UTC())
	}
	for _, c := range []struct{ col, v string }{
		{"token_id", f.TokenID}, {"dataset", f.Dataset}, {"area", f.Area}, {"method", strings.ToUpper(f.Method)},
		{"result", f.Result}, {"request_id", f.RequestID},
	} {
		if c.v != "" {
			// Column names are constants above; values are bound, escaped as Record stores them.
			add(c.col+" = ?", ValidText(c.v))
		}
	}
	q := `SELECT id, occurred_at, coalesce(token_id, ''), coalesce(token_name, ''), coalesce(role, ''), method, route, path,
		coalesce(dataset, ''), coalesce(revision, 0), coalesce(created_revision, 0), coalesce(indicator, ''), coalesce(area, ''),
		coalesce(target, ''), status, result, coalesce(error_code, ''), coalesce(message, ''), coalesce(request_id, ''), coalesce(client_ip, '')
		FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.DB.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: read audit log: %w", err)
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var r Record
		if err := rows.Scan(&r.ID, &r.At, &r.TokenID, &r.TokenName, &r.Role, &r.Method, &r.Route, &r.Path, &r.Dataset,
			&r.Revision, &r.CreatedRevision, &r.Indicator, &r.Area, &r.Target, &r.Status, &r.Result, &r.ErrorCode, &r.Message,
			&r.RequestID, &r.ClientIP); err != nil {
			return nil, fmt.Errorf("auth: scan audit record: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// DefaultAuditRetention is how long audit records are kept when no retention is configured.
const DefaultAuditRetention = 90 * 24 * time.Hour

// PruneAudit deletes the audit records that occurred before cutoff and returns how many. Like
// Record it is bookkeeping and does not change the data version.
func (s *Service) PruneAudit(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.DB.WriteBookkeeping(ctx, func(conn *sql.Conn) error {
		res, err := conn.ExecContext(ctx, "DELETE FROM audit_log WHERE occurred_at < ?", cutoff.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("auth: prune audit log: %w", err)
	}
	return n, nil
}
