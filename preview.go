package scorecard

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/staging"
)

// Preview runs the whole load of a file (every check, the revision, its rows, the current
// pointer) and the re-evaluation it would cause inside one write transaction, compares the
// evaluations with the stored ones and rolls everything back: no table changes, no revision id
// is used, the data version does not move and no audit row is written. A file with problems
// answers as Load does (every problem listed) without recording a rejected revision (unless
// up.RecordRejected, below).
//
// Like a load it holds the one-evaluation-at-a-time turn and then the write lock for the
// evaluation, so it sees no half-finished change and other writes wait for it. The file's
// bytes are kept as a staged upload for Confirm (the caller's token, up.TokenID, owns it).
//
// With up.RecordRejected, a file with problems is recorded as a rejected revision as Load
// records it, and returned with the error as the preview's only field, Revision.
func (a *App) Preview(ctx context.Context, dataset string, r io.Reader, up datasets.Upload) (*engine.UploadPreview, error) {
	if err := datasets.ValidateName(dataset); err != nil {
		return nil, err
	}
	name, err := checkFileName(up.FileName)
	if err != nil {
		return nil, err
	}
	up.FileName = name
	up.By = strings.ToValidUTF8(up.By, "\uFFFD")
	select {
	case a.evalSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the evaluation in progress: %w", ctx.Err())
	}
	defer func() { <-a.evalSem }()
	w, err := a.Staged.Create(dataset, up.FileName, up.TokenID)
	if err != nil {
		return nil, err
	}
	w.SetMerge(up.Merge) // the confirmation asks for the merge that is previewed here
	var changes []engine.JudgementChange
	var summary engine.ChangeSummary
	outer := up.Within
	up.DryRun = true
	up.Within = func(ctx context.Context, conn *sql.Conn, rev *datasets.Revision) error {
		if outer != nil {
			if err := outer(ctx, conn, rev); err != nil {
				return err
			}
		}
		var err error
		changes, summary, err = a.Engine.Preview(ctx, conn, dataset)
		return err
	}
	rev, err := a.Datasets.Load(ctx, dataset, io.TeeReader(r, w), up)
	if err != nil {
		w.Discard()
		if staging.Full(err) {
			return nil, a.Staged.FullError()
		}
		if rev != nil && rev.Status == datasets.Rejected {
			// up.RecordRejected recorded the file's rejection: the caller links to it.
			return &engine.UploadPreview{Revision: rev}, err
		}
		return nil, err
	}
	st, err := w.Keep(rev.SHA256)
	if err != nil {
		return nil, err
	}
	if changes == nil {
		changes = []engine.JudgementChange{}
	}
	warnings := append(append([]string{}, rev.Warnings...), summary.Warnings...)
	return &engine.UploadPreview{Revision: rev, Stage: st, Changes: changes, Summary: summary, Warnings: warnings}, nil
}

// Confirm stores a staged upload (see Preview) as Load does, with every check and the
// re-evaluation (a merge when the preview asked for one: Stage.Merge), after checking that
// sha256 is the staged file's SHA-256 as recorded and as its bytes on disk hash now: the
// revision holds exactly the previewed file. Only the token that
// staged it (up.TokenID) may confirm it: for any other, and once it has expired or been
// confirmed or cancelled, it is errs.NotFound. A wrong sha256 is errs.Conflict and keeps the
// stage. The stage is deleted once a revision is recorded (accepted, or rejected because the
// data changed since the preview); after any other failure it waits for another try.
func (a *App) Confirm(ctx context.Context, dataset, stageID, sha256 string, up datasets.Upload) (*datasets.Revision, engine.Reevaluation, error) {
	st, err := a.Staged.Take(dataset, stageID, up.TokenID)
	if err != nil {
		return nil, engine.Reevaluation{}, err
	}
	if !strings.EqualFold(strings.TrimSpace(sha256), st.SHA256) {
		a.Staged.Release(st)
		return nil, engine.Reevaluation{}, &errs.Error{Code: errs.Conflict,
			Message: "the SHA-256 given is not the previewed file's: confirm with the sha256 the preview answered; nothing was stored",
			Details: []errs.Detail{{Field: "sha256", Value: clipHash(sha256), Reason: "the previewed file's SHA-256 is " + st.SHA256}}}
	}
	f, err := a.Staged.Open(st)
	if err != nil {
		a.Staged.Delete(st)
		return nil, engine.Reevaluation{}, err
	}
	defer f.Close()
	onDisk, err := staging.Hash(f)
	if err != nil {
		a.Staged.Delete(st)
		return nil, engine.Reevaluation{}, fmt.Errorf("read the staged upload: %w", err)
	}
	if onDisk != st.SHA256 {
		a.Staged.Delete(st)
		return nil, engine.Reevaluation{}, errs.Errorf(errs.Conflict, "the staged copy of the previewed file has changed on disk (SHA-256 %s, not %s): preview the file again; nothing was stored", onDisk, st.SHA256)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		a.Staged.Delete(st)
		return nil, engine.Reevaluation{}, fmt.Errorf("read the staged upload: %w", err)
	}
	up.FileName, up.Merge = st.FileName, st.Merge
	up.DryRun, up.Within = false, nil
	rev, re, err := a.Load(ctx, dataset, f, up)
	if err != nil {
		if rev != nil {
			a.Staged.Delete(st) // a rejected revision is recorded: the file is not loaded again
		} else {
			a.Staged.Release(st)
		}
		return rev, re, err
	}
	a.Staged.Delete(st)
	return rev, re, nil
}

// CancelStaged deletes a staged upload of tokenID's (errs.NotFound as in Confirm).
func (a *App) CancelStaged(ctx context.Context, dataset, stageID, tokenID string) error {
	return a.Staged.Cancel(dataset, stageID, tokenID)
}

// clipHash keeps a given hash short enough to quote.
func clipHash(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// sweepStaged deletes expired staged uploads every interval until the App closes.
func (a *App) sweepStaged(interval time.Duration) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-a.life.Done():
				return
			case <-t.C:
				a.Staged.Sweep()
			}
		}
	}()
}
