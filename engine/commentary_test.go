package engine_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
)

// Finding 9: a comment records who posted it (the token's name and id) beside the author the body
// claims, and keeps it; comments stored before the poster columns existed read back without one.
func TestFinding9CommentRecordsPosterAndMigratesOldTable(t *testing.T) {
	ctx := context.Background()
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef}, nil)

	// A database from before the poster columns: drop them, store a comment the old way.
	err := f.db.Write(ctx, func(conn *sql.Conn) error {
		for _, q := range []string{
			"ALTER TABLE commentary DROP COLUMN posted_by_token_id",
			"ALTER TABLE commentary DROP COLUMN posted_by_token_name",
			"INSERT INTO commentary VALUES (nextval('comment_ids'), 'treatment', 'E06000015', '2007-08', 'Old author', TIMESTAMP '2020-01-01 00:00:00', 'Old note.')",
		} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.eng.Migrate(ctx); err != nil {
		t.Fatalf("migrate an old commentary table: %v", err)
	}
	by := engine.Poster{TokenID: "tok_0123456789ab", TokenName: "derby-performance"}
	c, err := f.eng.AddComment(ctx, "treatment", "Derby", "2007-08", by, "Head of service", "Recovery plan agreed.")
	if err != nil {
		t.Fatal(err)
	}
	if c.PostedBy == nil || *c.PostedBy != by || c.Author != "Head of service" {
		t.Errorf("returned comment: %+v", c)
	}
	list, err := f.eng.Comments(ctx, "treatment", "831", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("comments: %+v", list)
	}
	for _, tt := range []struct {
		got            engine.Comment
		author, poster string
	}{
		{list[0], "Old author", "poster not recorded"},
		{list[1], "Head of service", "derby-performance [tok_0123456789ab]"},
	} {
		if tt.got.Author != tt.author || tt.got.PostedBy.String() != tt.poster {
			t.Errorf("comment %d: author %q posted by %q, want %q posted by %q", tt.got.ID, tt.got.Author, tt.got.PostedBy.String(), tt.author, tt.poster)
		}
	}
	if list[0].PostedBy != nil {
		t.Errorf("old comment has a poster: %+v", list[0].PostedBy)
	}
	local, err := f.eng.AddComment(ctx, "treatment", "Derby", "2007-08", engine.LocalPoster, "Me", "Local note.")
	if err != nil {
		t.Fatal(err)
	}
	if local.PostedBy.String() != "local (auth off)" || local.PostedBy.TokenID != "" {
		t.Errorf("local poster: %+v", local.PostedBy)
	}
	if _, err := f.eng.AddComment(ctx, "treatment", "Derby", "2007-08", engine.Poster{}, "Me", "Anonymous."); err == nil {
		t.Error("a comment without a poster was stored")
	}
}

// Finding 13: something shaped like a token secret in a comment's text or author is refused with
// a detail naming the field and saying why; nothing is stored.
// Finding 16: the author and text have limits in characters (not bytes), said in the error, and
// the text refuses control characters other than newline and tab.
func TestFinding13And16CommentFieldsRefused(t *testing.T) {
	ctx := context.Background()
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef}, nil)
	secret := "sct_" + strings.Repeat("A", 43)
	for _, tt := range []struct {
		name, author, text string
		field, reason      string // "" when accepted
	}{
		{"plain", "Head of service", "Recovery plan agreed.", "", ""},
		{"newlines and tabs", "Head of service", "Actions:\r\n\t1. audit\n\t2. plan", "", ""},
		{"text at the limit in multi-byte characters", "Ms Ł", strings.Repeat("é", engine.MaxCommentLength), "", ""},
		{"author at the limit in multi-byte characters", strings.Repeat("ł", engine.MaxAuthorLength), "ok", "", ""},
		{"secret in text", "Head of service", "token is " + secret + " for Power BI", "text", "looks like an API token secret"},
		{"secret in author", secret, "ok", "author", "looks like an API token secret"},
		{"bare prefix in text", "Head of service", "sct_abc", "text", "revoke that token"},
		{"text too long", "Head of service", strings.Repeat("é", engine.MaxCommentLength+1), "text",
			"the comment is longer than 4000 characters (it has 4001)"},
		{"author too long", strings.Repeat("a", 100*1024), "ok", "author", "the author is longer than 200 characters (it has 102400)"},
		{"control character in text", "Head of service", "bell\a here", "text", "control characters (only newlines and tabs are allowed)"},
		{"escape sequence in text", "Head of service", "\x1b[31mred", "text", "control characters"},
		{"C1 control in text", "Head of service", "next\u0085line", "text", "control characters"},
		{"newline in author", "Head\nof service", "ok", "author", "the author contains control characters"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, err := f.eng.Comments(ctx, "treatment", "831", "")
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.eng.AddComment(ctx, "treatment", "831", "2007-08", engine.LocalPoster, tt.author, tt.text)
			after, _ := f.eng.Comments(ctx, "treatment", "831", "")
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Text != strings.TrimSpace(strings.ReplaceAll(tt.text, "\r\n", "\n")) || len(after) != len(before)+1 {
					t.Errorf("stored %q (%d -> %d comments)", c.Text, len(before), len(after))
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) != 1 {
				t.Fatalf("want one Invalid detail, got %v", err)
			}
			d := e.Details[0]
			if d.Field != tt.field || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("detail %+v, want field %s with %q", d, tt.field, tt.reason)
			}
			if strings.Contains(e.Error(), secret) {
				t.Error("the error repeats the secret")
			}
			if len(after) != len(before) {
				t.Errorf("refused but stored: %d -> %d", len(before), len(after))
			}
		})
	}
}

// Finding 12: commentary explains a figure, so it is refused for a period that has not begun
// (the engine's clock), and accepted for one that has.
func TestFinding12CommentsOnPeriodsNotBegunAreRefused(t *testing.T) {
	ctx := context.Background()
	f := newPlanFixture(t, map[string]string{"treatment.yaml": treatmentDef}, nil)
	f.eng.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	for _, tt := range []struct {
		period string
		begun  bool
	}{{"2099", false}, {"2030-31", false}, {"2027", false}, {"2026-27 Q4", false}, {"2026-27", true}, {"2026-27 Q3", true}, {"2007-08", true}} {
		_, err := f.eng.AddComment(ctx, "treatment", "831", tt.period, engine.LocalPoster, "Head of service", "a note")
		if tt.begun && err != nil {
			t.Errorf("%s: refused: %v", tt.period, err)
		}
		if !tt.begun {
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid || len(e.Details) != 1 || e.Details[0].Field != "period" || !strings.Contains(e.Details[0].Reason, "has not begun yet") {
				t.Errorf("%s: want a period detail saying it has not begun, got %v", tt.period, err)
			}
		}
	}
}
