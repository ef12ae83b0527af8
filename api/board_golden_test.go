package api

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/childrens-trust/scorecard/engine"
)

// The board read model (engine.Board, served at /api/v1/scorecards/:id/board) is everything the
// scorecard page shows, pinned on the shipped example return and Fingertips export: Poole, a
// former council (its last figures, its end date and successor, the gap to target, the
// exception), and BCP (the injuries row with England's distribution for the spine, and a comment).
// Run go test ./api -update to rewrite the golden files after checking the diff.
func TestBoardReadModelGolden(t *testing.T) {
	f := pages(t)
	// A comment on BCP's injuries row (no other test reads it): the row shows the latest one.
	if _, err := f.server.Engine.AddComment(context.Background(), "injury-admissions-0-14", "839", "2023-24",
		engine.Poster{TokenID: "tok_board0000001", TokenName: "board-golden"}, "Public health lead",
		"Admissions fell for the fourth year; the home-safety scheme reaches every children's centre from April."); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ path, golden string }{
		{"/api/v1/scorecards/poole-childrens-trust/board", "board_poole_836.json"},
		{"/api/v1/scorecards/poole-childrens-trust/board?area=839", "board_poole_839.json"},
	} {
		rec := f.get(t, http.MethodGet, tt.path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", tt.path, rec.Code, rec.Body)
		}
		pageGolden(t, tt.golden, indentJSON(t, rec.Body.Bytes()))
	}

	var b engine.Board
	rec := f.get(t, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust/board")
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if b.AreaEnded != "2019-03-31" || len(b.Successors) != 1 || b.Successors[0].Code != "E06000058" || b.DataAsAt == nil || b.Exceptions != 1 {
		t.Errorf("board: ended %q, successors %v, data as at %v, %d exceptions", b.AreaEnded, b.Successors, b.DataAsAt, b.Exceptions)
	}
	row := b.Priorities[0].Rows[0]
	if row.PlanReference != "1.14" || row.Gap == nil || len(row.Last) != 4 || row.Spine != nil || len(row.Rules) != 1 {
		t.Errorf("row 1.14: %+v", row)
	}
	rec = f.get(t, http.MethodGet, "/api/v1/scorecards/poole-childrens-trust/board?area=839")
	var bcp engine.Board
	if err := json.Unmarshal(rec.Body.Bytes(), &bcp); err != nil {
		t.Fatal(err)
	}
	injuries := bcp.Priorities[2].Rows[1]
	if injuries.Indicator != "injury-admissions-0-14" || injuries.Comment == nil || injuries.Comment.Author != "Public health lead" ||
		injuries.Spine == nil || injuries.Spine.N != 151 {
		t.Errorf("BCP injuries row: %+v", injuries)
	}
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			if r.Indicator != "secondary-good-outstanding-schools" && r.PlanReference != "" {
				t.Errorf("%s: plan reference %q, but the plan gives none", r.Indicator, r.PlanReference)
			}
		}
	}
}
