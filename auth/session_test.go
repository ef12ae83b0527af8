package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
)

// A session stands for its token until it expires, is ended or its token is revoked; only the
// secret's hash is stored, and none of it changes the data version.
func TestSessionLifecycle(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	tok, secret, err := s.Create(ctx, "analyst", auth.Uploader, []string{"839"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StartSession(ctx, "sct_wrong"); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("bad token secret: %v", err)
	}
	version := s.DB.Version().Tag()
	cookie, sess, err := s.StartSession(ctx, " "+secret+" ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cookie, auth.SessionSecretPrefix) || len(cookie) != 47 || sess.TokenID != tok.ID ||
		!sess.ExpiresAt.Equal(now.Add(auth.SessionLifetime)) {
		t.Fatalf("session %q %+v", cookie, sess)
	}
	sum := sha256.Sum256([]byte(cookie))
	var stored int
	if err := s.DB.SQL.QueryRow("SELECT count(*) FROM sessions WHERE id = ?", hex.EncodeToString(sum[:])).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("stored sessions by hash: %d, %v", stored, err)
	}
	if err := s.DB.SQL.QueryRow("SELECT count(*) FROM sessions WHERE id = ?", cookie).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the secret itself is stored: %d, %v", stored, err)
	}
	got, _, err := s.SessionToken(ctx, cookie)
	if err != nil || got.ID != tok.ID || got.Role != auth.Uploader || strings.Join(got.Areas, ",") != "E06000058" {
		t.Fatalf("session token %+v, %v", got, err)
	}

	// Fixed expiry: valid a minute before, refused at the end.
	now = now.Add(auth.SessionLifetime - time.Minute)
	if _, _, err := s.SessionToken(ctx, cookie); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	now = now.Add(time.Minute)
	if _, _, err := s.SessionToken(ctx, cookie); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("expired session: %v", err)
	}
	// A new session prunes the expired one.
	second, _, err := s.StartSession(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.SQL.QueryRow("SELECT count(*) FROM sessions").Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("sessions after pruning: %d, %v", stored, err)
	}
	if s.DB.Version().Tag() != version {
		t.Error("sessions changed the data version")
	}

	// Signing out ends the session (twice is harmless).
	for range 2 {
		if err := s.EndSession(ctx, second); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.SessionToken(ctx, second); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("ended session: %v", err)
	}

	// Revoking the token ends its sessions at once, and no new one starts.
	third, _, err := s.StartSession(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionToken(ctx, third); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("session of a revoked token: %v", err)
	}
	if err := s.DB.SQL.QueryRow("SELECT count(*) FROM sessions").Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("sessions after revocation: %d, %v", stored, err)
	}
	if _, _, err := s.StartSession(ctx, secret); errs.CodeOf(err) != errs.Unauthorized {
		t.Fatalf("sign-in with a revoked token: %v", err)
	}
	for _, bad := range []string{"", "scs_short", third + "x", "sct_" + third[4:]} {
		if _, _, err := s.SessionToken(ctx, bad); !errors.Is(err, auth.ErrInvalidSession) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
