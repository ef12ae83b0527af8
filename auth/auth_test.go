package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

func newService(tb testing.TB) *auth.Service {
	tb.Helper()
	db, err := store.Open("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	s := &auth.Service{DB: db, Areas: areas.Default(), Now: func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }}
	if err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestCreateValidatesAndNormalisesAreas(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	tok, secret, err := s.Create(ctx, " BCP performance ", auth.Uploader, []string{"839", "E06000058", "Dorset", " "})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "BCP performance" || strings.Join(tok.Areas, ",") != "E06000058,E06000059" || !strings.HasPrefix(tok.ID, "tok_") {
		t.Errorf("token %+v", tok)
	}
	if !strings.HasPrefix(secret, "sct_") || len(secret) != 47 {
		t.Errorf("secret %q", secret)
	}
	if !tok.AllowsArea("E06000058") || tok.AllowsArea("E06000029") || tok.AllAreas() || len(tok.AreaLimit()) != 2 {
		t.Errorf("area checks of %+v", tok)
	}
	for _, tt := range []struct {
		name  string
		role  auth.Role
		areas []string
		field string
	}{
		{"", auth.Viewer, nil, "name"},
		{"x", auth.Role("superuser"), nil, "role"},
		{"x", auth.Uploader, nil, "areas"},
		{"x", auth.Uploader, []string{"Atlantis"}, "areas"},
		{"x", auth.Uploader, []string{"England"}, "areas"},
		{"x", auth.Uploader, []string{"South West"}, "areas"},
		{"x", auth.Uploader, []string{"*", "839"}, "areas"},
		{"x", auth.Viewer, []string{"839"}, "areas"},
		{"x\ny", auth.Admin, nil, "name"},
	} {
		_, _, err := s.Create(ctx, tt.name, tt.role, tt.areas)
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || len(e.Details) == 0 || e.Details[0].Field != tt.field {
			t.Errorf("%q %s %v: %v", tt.name, tt.role, tt.areas, err)
		}
	}
	all, _, err := s.Create(ctx, "dfe", auth.Uploader, []string{"*"})
	if err != nil || !all.AllAreas() || all.AreaLimit() != nil || !all.AllowsArea(areas.EnglandCode) {
		t.Errorf("uploader for *: %+v %v", all, err)
	}
	viewer, _, _ := s.Create(ctx, "bi", auth.Viewer, nil)
	if viewer.AllowsArea("E06000058") || viewer.Has(auth.Uploader) || !viewer.Has(auth.Viewer) {
		t.Errorf("viewer %+v", viewer)
	}
}

func TestAuthenticateAndRevoke(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	tok, secret, err := s.Create(ctx, "ci", auth.Admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != tok.ID || got.Role != auth.Admin {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	// Only the hash is stored.
	var stored string
	if err := s.DB.SQL.QueryRow(`SELECT concat_ws('|', id, name, role, areas, secret_sha256, created_at, revoked_at) FROM api_tokens`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(secret))
	if strings.Contains(stored, secret[4:]) || !strings.Contains(stored, hex.EncodeToString(sum[:])) {
		t.Errorf("stored row %q", stored)
	}
	for _, bad := range []string{"", "sct_", secret + "x", secret[:len(secret)-1] + "A", strings.ToUpper(secret), "Bearer " + secret} {
		if bad == secret {
			continue
		}
		if _, err := s.Authenticate(ctx, bad); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); errs.CodeOf(err) != errs.Unauthorized {
		t.Errorf("revoked token accepted: %v", err)
	}
	if again, err := s.Revoke(ctx, tok.ID); err != nil || again.RevokedAt == nil {
		t.Errorf("revoking twice: %+v %v", again, err)
	}
	if _, err := s.Revoke(ctx, "tok_nosuch"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("unknown id: %v", err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("list %+v %v", list, err)
	}
}

func TestAuditFiltersAndOrder(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	for i, r := range []auth.Record{
		{Method: "POST", Route: "/a", Path: "/a", Status: 201, TokenID: "tok_1", Dataset: "d1"},
		{Method: "POST", Route: "/a", Path: "/a", Status: 403, TokenID: "tok_2", Dataset: "d1", ErrorCode: "forbidden"},
		{Method: "POST", Route: "/a", Path: "/a?sct_" + strings.Repeat("x", 43), Status: 422, TokenID: "tok_1", Dataset: "d2"},
	} {
		r.At = time.Date(2026, 11, 23, 9, i, 0, 0, time.UTC)
		if err := s.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Audit(ctx, auth.AuditFilter{})
	if err != nil || len(all) != 3 || all[0].ID < all[1].ID || all[0].Result != auth.ResultFailed || all[1].Result != auth.ResultRefused || all[2].Result != auth.ResultOK {
		t.Fatalf("all: %+v %v", all, err)
	}
	if strings.Contains(all[0].Path, "sct_") {
		t.Errorf("a secret-shaped path was stored: %q", all[0].Path)
	}
	for _, tt := range []struct {
		f    auth.AuditFilter
		want int
	}{
		{auth.AuditFilter{TokenID: "tok_1"}, 2},
		{auth.AuditFilter{Dataset: "d1", Result: auth.ResultRefused}, 1},
		{auth.AuditFilter{Limit: 1}, 1},
		{auth.AuditFilter{Before: all[0].ID}, 2},
		{auth.AuditFilter{Since: time.Date(2026, 11, 23, 9, 1, 0, 0, time.UTC)}, 2},
		{auth.AuditFilter{Method: "delete"}, 0},
	} {
		got, err := s.Audit(ctx, tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("%+v: %d records, want %d (%v)", tt.f, len(got), tt.want, err)
		}
	}
	if _, err := s.Audit(ctx, auth.AuditFilter{Limit: 5000}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("limit 5000: %v", err)
	}
}

// Finding 13: a token-shaped secret is recognised by one function, the one the log redaction
// uses, whole, partial or inside other text.
func TestFinding13LooksLikeSecret(t *testing.T) {
	s := newService(t)
	_, secret, err := s.Create(context.Background(), "bi", auth.Viewer, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{secret, true},
		{"Bearer " + secret, true},
		{"see " + secret[:12] + "…", true},
		{"returns_2016-17.csv", false},
		{"sct_", true},
		{"SCT-notes.csv", false},
		{"", false},
	} {
		if got := auth.LooksLikeSecret(tt.in); got != tt.want {
			t.Errorf("LooksLikeSecret(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Findings 13 and 16: a token's name may not hold a secret, control characters, or more than
// MaxNameLength characters (counted as characters, not bytes).
func TestFinding13And16TokenNames(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name, in, reason string // reason "" when accepted
	}{
		{"100 two-byte characters", strings.Repeat("é", 100), ""},
		{"101 characters", strings.Repeat("é", 101), "the name is longer than 100 characters (it has 101)"},
		{"secret", "power-bi sct_" + strings.Repeat("x", 43), "it looks like an API token secret"},
		{"C1 control", "bi\u0085x", "control characters"},
		{"tab", "bi\tx", "control characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Create(ctx, tt.in, auth.Viewer, nil)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) != 1 || e.Details[0].Field != "name" ||
				!strings.Contains(e.Details[0].Reason, tt.reason) || strings.Contains(e.Error(), "sct_x") {
				t.Errorf("got %v, want name: %q", err, tt.reason)
			}
		})
	}
}
