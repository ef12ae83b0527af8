package scorecard_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/errs"
)

// Definitions from --indicators DIR are revision 0, as the embedded ones are: their body is the
// file, and a restore of revision 0 brings the file's definition back.
func TestIndicatorsDirIsRevisionZero(t *testing.T) {
	dir := t.TempDir()
	card := "id: dir-card\ntitle: From the directory\narea: \"839\"\npriorities:\n  - title: One\n    items:\n      - indicator: rereferrals\n"
	if err := os.MkdirAll(filepath.Join(dir, "scorecards"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "scorecards", "dir-card.yaml"), []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	app, err := scorecard.Open(ctx, scorecard.Config{IndicatorsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	revs, err := app.DefinitionRevisions(ctx, definitions.Scorecard, "dir-card")
	if err != nil || len(revs) != 1 {
		t.Fatalf("%v %+v", err, revs)
	}
	r := revs[0]
	if r.Revision != 0 || r.Status != definitions.Builtin || !r.Current || r.Body != card || r.SHA256 != definitions.SHA256([]byte(card)) ||
		!strings.Contains(r.By, filepath.Join(dir, "scorecards")) {
		t.Errorf("revision 0: %+v", r)
	}
	changed := strings.Replace(card, "From the directory", "Changed", 1)
	if _, _, err := app.PutDefinition(ctx, definitions.Scorecard, "dir-card", definitions.Change{Body: []byte(changed), ContentType: "application/yaml", By: "test"}); err != nil {
		t.Fatal(err)
	}
	if sc, _ := app.Scorecards.Get("dir-card"); sc.Title != "Changed" {
		t.Fatalf("title %q", sc.Title)
	}
	rev, _, err := app.RestoreDefinition(ctx, definitions.Scorecard, "dir-card", 0, definitions.Change{By: "test"})
	if err != nil || rev.Revision != 2 || rev.Body != card {
		t.Fatalf("restore: %v %+v", err, rev)
	}
	if sc, _ := app.Scorecards.Get("dir-card"); sc.Title != "From the directory" {
		t.Errorf("after the restore the title is %q", sc.Title)
	}
	// An indicator needs its dataset: with none loaded, its check against the data refuses it.
	body, err := os.ReadFile("indicators/rereferrals.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = app.PutDefinition(ctx, definitions.Indicator, "rereferrals", definitions.Change{Body: body, ContentType: "application/yaml"})
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || !strings.Contains(err.Error(), "no dataset with this name has been loaded") {
		t.Errorf("an indicator without its dataset: %v", err)
	}
}
