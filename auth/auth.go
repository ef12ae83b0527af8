// Package auth holds who may do what: API tokens with roles and area limits, and the audit log
// of every write. It knows nothing of HTTP; the api package asks it to authenticate a presented
// secret and to record what happened.
//
// A token's secret is 256 random bits with the recognisable prefix "sct_" (so leaked secrets can
// be found by scanners). It is shown once, when the token is created, and only its SHA-256 is
// stored: a hash without salt or stretching is appropriate because the secret has full entropy.
// Presented secrets are compared with every active token's hash in constant time.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// Role is what a token may do. Roles are ordered: each includes the ones below it.
type Role string

// Roles.
const (
	// Viewer reads (needed only when reads are token-only).
	Viewer Role = "viewer"
	// Uploader also uploads datasets and writes commentary, for its areas only.
	Uploader Role = "uploader"
	// Admin also restores revisions, re-evaluates definitions, manages tokens and reads the
	// audit log; it is not limited to areas.
	Admin Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case Viewer:
		return 1
	case Uploader:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// ParseRole returns the role named s, or an Invalid error.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() == 0 {
		return "", errs.Errorf(errs.Invalid, "role %q is not one of viewer, uploader, admin", s)
	}
	return r, nil
}

// AllAreas is the area list of an uploader that may load rows for any area.
const AllAreas = "*"

// SecretPrefix starts every token secret.
const SecretPrefix = "sct_"

// Token is an API token as it may be shown: never the secret, never its hash.
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Areas are the GSS codes an uploader may write for; ["*"] means every area. Empty for
	// viewers and admins.
	Areas     []string   `json:"areas,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Has reports whether the token's role includes role.
func (t *Token) Has(role Role) bool { return t != nil && t.Role.rank() >= role.rank() }

// Revoked reports whether the token has been revoked.
func (t *Token) Revoked() bool { return t.RevokedAt != nil }

// AllAreas reports whether the token may write for every area (admins, and uploaders created
// with areas "*").
func (t *Token) AllAreas() bool {
	return t.Role == Admin || slices.Contains(t.Areas, AllAreas)
}

// AllowsArea reports whether the token may write for the area with GSS code code.
func (t *Token) AllowsArea(code string) bool {
	if !t.Has(Uploader) {
		return false
	}
	return t.AllAreas() || slices.Contains(t.Areas, code)
}

// AreaLimit returns the GSS codes the token is limited to, or nil when it is not limited.
func (t *Token) AreaLimit() []string {
	if t.AllAreas() {
		return nil
	}
	// Never nil: an uploader without areas may load nothing, not everything.
	return append([]string{}, t.Areas...)
}

// Service stores tokens and the audit log in the product's DuckDB file. It is safe for
// concurrent use.
type Service struct {
	DB    *store.DB
	Areas *areas.Registry
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu       sync.Mutex
	cacheTag string
	cache    []cachedToken
}

type cachedToken struct {
	hash  []byte
	token Token
}

const schema = `
CREATE TABLE IF NOT EXISTS api_tokens (
	id VARCHAR PRIMARY KEY,
	name VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	areas JSON,
	secret_sha256 VARCHAR NOT NULL UNIQUE,
	created_at TIMESTAMP NOT NULL,
	revoked_at TIMESTAMP
);
CREATE SEQUENCE IF NOT EXISTS audit_ids START 1;
CREATE TABLE IF NOT EXISTS audit_log (
	id BIGINT PRIMARY KEY,
	occurred_at TIMESTAMP NOT NULL,
	token_id VARCHAR,
	token_name VARCHAR,
	role VARCHAR,
	method VARCHAR NOT NULL,
	route VARCHAR NOT NULL,
	path VARCHAR NOT NULL,
	dataset VARCHAR,
	revision BIGINT,
	created_revision BIGINT,
	indicator VARCHAR,
	area VARCHAR,
	target VARCHAR,
	status INTEGER NOT NULL,
	result VARCHAR NOT NULL,
	error_code VARCHAR,
	message VARCHAR,
	request_id VARCHAR,
	client_ip VARCHAR
);
`

// Migrate creates the token, session and audit tables if they do not exist.
func (s *Service) Migrate(ctx context.Context) error {
	return s.DB.Migrate(ctx, "auth", schema+sessionSchema)
}

func (s *Service) now() time.Time {
	return store.Timestamp(s.Now)
}

// MaxNameLength caps a token's name, in characters (not bytes).
const MaxNameLength = 100

// Create makes a new token and returns it with its secret, which is not stored and cannot be
// shown again. Uploaders need areas (GSS codes, DfE codes or names; "*" for every area), which
// are normalised to GSS codes; viewers and admins take none.
func (s *Service) Create(ctx context.Context, name string, role Role, areaList []string) (*Token, string, error) {
	var problems errs.List
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		problems.Add(errs.Detail{Field: "name", Reason: "give the token a name that says who holds it"})
	case n > MaxNameLength:
		problems.Add(errs.Detail{Field: "name", Reason: fmt.Sprintf("the name is longer than %d characters (it has %d)", MaxNameLength, n)})
	case strings.ContainsFunc(name, unicode.IsControl):
		problems.Add(errs.Detail{Field: "name", Reason: "the name contains control characters"})
	case LooksLikeSecret(name):
		problems.Add(errs.Detail{Field: "name", Reason: SecretReason})
	}
	if role.rank() == 0 {
		problems.Add(errs.Detail{Field: "role", Value: string(role), Reason: "not one of viewer, uploader, admin"})
	}
	codes, aerr := s.normaliseAreas(role, areaList)
	for _, d := range aerr {
		problems.Add(d)
	}
	if err := problems.Err("the token was not created"); err != nil {
		return nil, "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, "", fmt.Errorf("auth: random secret: %w", err)
	}
	secret := SecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	idRaw := make([]byte, 6)
	if _, err := rand.Read(idRaw); err != nil {
		return nil, "", fmt.Errorf("auth: random id: %w", err)
	}
	t := &Token{ID: "tok_" + hex.EncodeToString(idRaw), Name: name, Role: role, Areas: codes, CreatedAt: s.now()}
	areasJSON, _ := json.Marshal(t.Areas)
	err := s.DB.Write(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, `INSERT INTO api_tokens (id, name, role, areas, secret_sha256, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.ID, t.Name, string(t.Role), string(areasJSON), hashHex(secret), t.CreatedAt)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("auth: store token: %w", err)
	}
	return t, secret, nil
}

func (s *Service) normaliseAreas(role Role, list []string) ([]string, []errs.Detail) {
	var out []string
	var problems []errs.Detail
	for _, a := range list {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if a == AllAreas {
			out = append(out, AllAreas)
			continue
		}
		area, ok := s.registry().Lookup(a)
		switch {
		case !ok:
			problems = append(problems, errs.Detail{Field: "areas", Value: a, Reason: "unknown area (give a GSS code, DfE code or exact name)"})
		case area.Level != areas.LocalAuthority:
			problems = append(problems, errs.Detail{Field: "areas", Value: a,
				Reason: "only local authorities can be named; England and regional figures are comparators for every area (use \"*\" for an uploader of national data)"})
		case !slices.Contains(out, area.Code):
			out = append(out, area.Code)
		}
	}
	switch {
	case role == Uploader && len(out) == 0 && len(problems) == 0:
		problems = append(problems, errs.Detail{Field: "areas", Reason: "an uploader needs the areas it may load data for (GSS or DfE codes, or \"*\" for every area)"})
	case role != Uploader && role.rank() > 0 && len(out) > 0:
		problems = append(problems, errs.Detail{Field: "areas", Reason: fmt.Sprintf("areas apply to uploaders only; a %s is not limited by area", role)})
	case slices.Contains(out, AllAreas) && len(out) > 1:
		problems = append(problems, errs.Detail{Field: "areas", Reason: "\"*\" means every area; name no others with it"})
	}
	slices.Sort(out)
	return out, problems
}

func (s *Service) registry() *areas.Registry {
	if s.Areas != nil {
		return s.Areas
	}
	return areas.Default()
}

// List returns every token, active and revoked, oldest first.
func (s *Service) List(ctx context.Context) ([]Token, error) {
	toks, _, err := s.load(ctx, s.DB.SQL)
	return toks, err
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// load reads every token with its hash.
func (s *Service) load(ctx context.Context, q queryer) ([]Token, [][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, role, coalesce(CAST(areas AS VARCHAR), ''), secret_sha256, created_at, revoked_at
		FROM api_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: list tokens: %w", err)
	}
	defer rows.Close()
	var toks []Token
	var hashes [][]byte
	for rows.Next() {
		var t Token
		var role, areasJSON, hash string
		var revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &role, &areasJSON, &hash, &t.CreatedAt, &revoked); err != nil {
			return nil, nil, fmt.Errorf("auth: scan token: %w", err)
		}
		t.Role = Role(role)
		t.CreatedAt = t.CreatedAt.UTC()
		if revoked.Valid {
			r := revoked.Time.UTC()
			t.RevokedAt = &r
		}
		if areasJSON != "" && areasJSON != "null" {
			if err := json.Unmarshal([]byte(areasJSON), &t.Areas); err != nil {
				return nil, nil, fmt.Errorf("auth: token %s: decode areas: %w", t.ID, err)
			}
		}
		h, err := hex.DecodeString(hash)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: token %s: decode hash: %w", t.ID, err)
		}
		toks = append(toks, t)
		hashes = append(hashes, h)
	}
	return toks, hashes, rows.Err()
}

// Revoke revokes the token with the given id at once: it is refused from the next request on,
// and its browser sessions are ended in the same transaction.
// Revoking a revoked token is not an error; an unknown id is NotFound.
func (s *Service) Revoke(ctx context.Context, id string) (*Token, error) {
	var out *Token
	err := s.DB.Write(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.now(), id); err != nil {
			return fmt.Errorf("auth: revoke %s: %w", id, err)
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM sessions WHERE token_id = ?", id); err != nil {
			return fmt.Errorf("auth: revoke %s: end its sessions: %w", id, err)
		}
		toks, _, err := s.load(ctx, conn)
		if err != nil {
			return err
		}
		for i := range toks {
			if toks[i].ID == id {
				out = &toks[i]
			}
		}
		if out == nil {
			return errs.Errorf(errs.NotFound, "no token with id %q", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cacheTag = "" // this process must not serve the revoked token from its cache for a moment
	s.mu.Unlock()
	return out, nil
}

// ErrInvalidToken is the Unauthorized error for a secret that is malformed, unknown or revoked.
// It never says which, so probing learns nothing.
var ErrInvalidToken = errs.Errorf(errs.Unauthorized, "the API token is not valid (unknown, malformed or revoked)")

// Authenticate returns the active token whose secret is secret, or ErrInvalidToken.
//
// The presented secret's SHA-256 is compared with every active token's hash in constant time
// (no early exit). Tokens are cached in memory and re-read whenever the database has changed
// since, so a revocation takes effect on the next request.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Token, error) {
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) != len(SecretPrefix)+43 {
		return nil, ErrInvalidToken
	}
	cache, err := s.tokens(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	var found *Token
	for i := range cache {
		if subtle.ConstantTimeCompare(sum[:], cache[i].hash) == 1 {
			found = &cache[i].token
		}
	}
	if found == nil || found.Revoked() {
		return nil, ErrInvalidToken
	}
	t := *found
	t.Areas = slices.Clone(t.Areas)
	return &t, nil
}

// tokens returns the cached tokens, re-reading them when the database version changed.
func (s *Service) tokens(ctx context.Context) ([]cachedToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read the version before the tokens: a write committed in between makes the tag stale,
	// which only costs one more reload.
	tag := s.DB.Version().Tag()
	if tag == s.cacheTag && s.cache != nil {
		return s.cache, nil
	}
	toks, hashes, err := s.load(ctx, s.DB.SQL)
	if err != nil {
		return nil, err
	}
	cache := make([]cachedToken, len(toks))
	for i := range toks {
		cache[i] = cachedToken{hash: hashes[i], token: toks[i]}
	}
	s.cache, s.cacheTag = cache, tag
	return cache, nil
}

func hashHex(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// LooksLikeSecret reports whether s contains something shaped like a token secret (anything
// with SecretPrefix, so a partial or mistyped secret counts too). It is the one test for every
// place a secret must not reach: the log redaction (request ids, paths, audit text) and stored
// free text a client supplies (comment text and author, token names, dataset file names), which
// is refused with SecretReason.
func LooksLikeSecret(s string) bool { return strings.Contains(s, SecretPrefix) }

// SecretReason is the reason of an errs.Detail refusing a field for which LooksLikeSecret is true.
const SecretReason = "it looks like an API token secret (" + SecretPrefix + "...), which must never be stored or shown: " +
	"remove it, and revoke that token if it is a real one"
