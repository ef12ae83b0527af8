package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/errs"
)

// Browser sessions.
//
// An analyst signs in once, in a browser, and the server keeps a session: a random 256-bit
// secret in an HttpOnly cookie, of which only the SHA-256 is stored (as for tokens, the secret
// has full entropy, so a plain hash is enough). A session stands for one API token and has its
// role and areas; it ends when it expires, when the analyst signs out, or when its token is
// revoked (Revoke deletes the token's sessions in the same transaction, and SessionToken checks
// the token again on every request).
//
// Expiry is fixed, not sliding: a session lasts SessionLifetime from sign-in however busy it
// is, so nothing is written on an ordinary request and a stolen cookie is worth at most one
// working day. Sessions are bookkeeping (store.DB.WriteBookkeeping): starting or ending one does
// not change the data version, so response caches stay valid. Expired sessions are deleted
// whenever a session starts.
//
// The seam for single sign-on: a session is started for a SignIn, a credential that names the
// principal it stands for. TokenSecret (an API token pasted into the sign-in form) is the one
// kind today; an OpenID Connect callback would add another (the council's identity, verified
// from its ID token and mapped to a token that carries the person's role and areas) and call
// StartSessionFor with it. Pages and handlers never see how a session began: they see the
// principal, a *Token, only.

// SessionLifetime is how long a session lasts from sign-in (fixed, not sliding).
const SessionLifetime = 8 * time.Hour

// SessionSecretPrefix starts every session secret, so a leaked cookie value is recognisable.
const SessionSecretPrefix = "scs_"

// Session is a signed-in browser session as it may be shown: never the secret.
type Session struct {
	// ID is the SHA-256 (hex) of the session's secret, as stored.
	ID        string    `json:"id"`
	TokenID   string    `json:"token_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SignIn is a credential a session can be started for. Principal returns the active token the
// credential stands for, or an Unauthorized error (ErrInvalidToken) without saying why; other
// errors mean the check itself failed.
//
// TokenSecret is the credential of the sign-in form. A single sign-on callback adds its own
// kind (for example an OpenID Connect identity mapped to a token) without any change to the
// pages, which only see the principal.
type SignIn interface {
	Principal(ctx context.Context, s *Service) (*Token, error)
}

// TokenSecret is an API token's secret, presented to sign in.
type TokenSecret string

// Principal authenticates the secret (Service.Authenticate).
func (t TokenSecret) Principal(ctx context.Context, s *Service) (*Token, error) {
	return s.Authenticate(ctx, strings.TrimSpace(string(t)))
}

// ErrInvalidSession is the Unauthorized error for a session secret that is malformed, unknown,
// expired, ended, or whose token was revoked. It never says which.
var ErrInvalidSession = errs.Errorf(errs.Unauthorized, "the session has ended (signed out, expired, or its token was revoked): sign in again")

const sessionSchema = `
CREATE TABLE IF NOT EXISTS sessions (
	id VARCHAR PRIMARY KEY,
	token_id VARCHAR NOT NULL,
	created_at TIMESTAMP NOT NULL,
	expires_at TIMESTAMP NOT NULL
);
`

// StartSession signs in with an API token's secret: it is StartSessionFor(TokenSecret(secret)).
func (s *Service) StartSession(ctx context.Context, tokenSecret string) (string, *Session, error) {
	return s.StartSessionFor(ctx, TokenSecret(tokenSecret))
}

// StartSessionFor starts a session for the principal cred stands for and returns the session's
// secret (for the cookie: it is not stored and cannot be shown again) and the session. A credential that does not authenticate is ErrInvalidToken (Unauthorized). Expired
// sessions of every token are deleted in the same transaction.
func (s *Service) StartSessionFor(ctx context.Context, cred SignIn) (string, *Session, error) {
	tok, err := cred.Principal(ctx, s)
	if err != nil {
		return "", nil, err
	}
	if tok == nil || tok.ID == "" || tok.Revoked() {
		return "", nil, ErrInvalidToken
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("auth: random session secret: %w", err)
	}
	secret := SessionSecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	sess := &Session{ID: hashHex(secret), TokenID: tok.ID, CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	err = s.DB.WriteBookkeeping(ctx, func(conn *sql.Conn) error {
		if _, err := conn.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now); err != nil {
			return fmt.Errorf("auth: prune expired sessions: %w", err)
		}
		// The token is checked again inside the transaction: a revocation committed since
		// Principal read it must not leave a session behind.
		var revoked sql.NullTime
		if err := conn.QueryRowContext(ctx, "SELECT revoked_at FROM api_tokens WHERE id = ?", tok.ID).Scan(&revoked); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrInvalidToken
			}
			return fmt.Errorf("auth: check token %s: %w", tok.ID, err)
		}
		if revoked.Valid {
			return ErrInvalidToken
		}
		_, err := conn.ExecContext(ctx, "INSERT INTO sessions (id, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			sess.ID, sess.TokenID, sess.CreatedAt, sess.ExpiresAt)
		if err != nil {
			return fmt.Errorf("auth: store session: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// validSessionSecret reports whether secret has the shape of a session secret.
func validSessionSecret(secret string) bool {
	return strings.HasPrefix(secret, SessionSecretPrefix) && len(secret) == len(SessionSecretPrefix)+43
}

// SessionToken returns the token and the session whose secret is cookieSecret, or
// ErrInvalidSession when the secret is malformed or unknown, the session has expired or ended,
// or its token has been revoked. It writes nothing.
func (s *Service) SessionToken(ctx context.Context, cookieSecret string) (*Token, *Session, error) {
	if !validSessionSecret(cookieSecret) {
		return nil, nil, ErrInvalidSession
	}
	sess := &Session{ID: hashHex(cookieSecret)}
	err := s.DB.SQL.QueryRowContext(ctx, "SELECT token_id, created_at, expires_at FROM sessions WHERE id = ?", sess.ID).
		Scan(&sess.TokenID, &sess.CreatedAt, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrInvalidSession
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: read session: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.ExpiresAt.UTC()
	if !s.now().Before(sess.ExpiresAt) {
		return nil, nil, ErrInvalidSession
	}
	cache, err := s.tokens(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range cache {
		if t := cache[i].token; t.ID == sess.TokenID {
			if t.Revoked() {
				return nil, nil, ErrInvalidSession
			}
			t.Areas = slices.Clone(t.Areas)
			return &t, sess, nil
		}
	}
	return nil, nil, ErrInvalidSession
}

// EndSession ends the session whose secret is cookieSecret (signing out). Ending an unknown or
// ended session is not an error: signing out twice is harmless.
func (s *Service) EndSession(ctx context.Context, cookieSecret string) error {
	if !validSessionSecret(cookieSecret) {
		return nil
	}
	err := s.DB.WriteBookkeeping(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", hashHex(cookieSecret))
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}
