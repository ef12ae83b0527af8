package scorecard_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// Previews and loads at once all finish (the preview takes the evaluation turn, then the write
// lock, as a load's re-evaluation does), and a preview of the file just loaded and evaluated
// reports that no judgement would change. Close deletes the staged files.
func TestPreviewsAndLoadsAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	app, err := scorecard.Open(ctx, scorecard.Config{StagedDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := scorecard.LoadShippedDataset(ctx, app.Datasets, "local_returns"); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Engine.EvaluateAll(ctx); err != nil {
		t.Fatal(err)
	}
	app.Datasets.BusyWait = time.Minute // this test is about locks, not the busy refusal
	file := func(i int) string {
		return fmt.Sprintf("indicator,area,period,value\nsecondary-good-outstanding-schools,836,2015-16,%d.5\nsecondary-good-outstanding-schools,836,2016-17 Q4,88.4\n", 50+i)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 16)
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			p, err := app.Preview(ctx, "local_returns", strings.NewReader(file(i)), datasets.Upload{FileName: "p.csv", By: "test", TokenID: fmt.Sprintf("tok_%d", i)})
			if err == nil && p.Revision.Status != datasets.Preview {
				err = fmt.Errorf("preview status %s", p.Revision.Status)
			}
			errc <- err
		}()
		go func() {
			defer wg.Done()
			_, _, err := app.Load(ctx, "local_returns", strings.NewReader(file(i)), datasets.Upload{FileName: "l.csv", By: "test"})
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 4 {
		t.Errorf("%d staged files, want 4", len(files))
	}
	// The file now current, previewed again: nothing would change.
	current := file(9)
	if _, _, err := app.Load(ctx, "local_returns", strings.NewReader(current), datasets.Upload{FileName: "l.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	p, err := app.Preview(ctx, "local_returns", strings.NewReader(current), datasets.Upload{FileName: "again.csv", By: "test", TokenID: "tok_again"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 0 || p.Summary.Text != "No judgement would change" || p.Summary.Indicators == 0 {
		t.Errorf("previewing the current file: %d changes, %+v", len(p.Changes), p.Summary)
	}
	// A confirmation of the other dataset's name, or with another token, finds nothing.
	if _, _, err := app.Confirm(ctx, "lait", p.Stage.ID, p.Stage.SHA256, datasets.Upload{TokenID: "tok_again"}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("confirm under another dataset: %v", err)
	}
	// No room left for staged files: refused as busy, nothing staged.
	app.Staged.MaxBytes = 1
	if _, err := app.Preview(ctx, "local_returns", strings.NewReader(current), datasets.Upload{FileName: "full.csv", TokenID: "tok_full"}); errs.CodeOf(err) != errs.Busy {
		t.Errorf("preview with no room to stage: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 5 {
		t.Errorf("%d staged files, want the 5 staged before", len(files))
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	if files, err := os.ReadDir(dir); err != nil || len(files) != 0 {
		t.Errorf("%d staged files left after Close (%v)", len(files), err)
	}
}
