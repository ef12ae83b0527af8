package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// MaxPreviewChanges is how many judgement changes a dry run's answer lists; the summary
// counts them all, and ChangesTotal says how many there are.
const MaxPreviewChanges = 1000

// previewResult is the answer to a dry-run upload.
type previewResult struct {
	Revision *datasets.Revision `json:"revision"`
	Stage    previewStage       `json:"stage"`
	// Changes are the first MaxPreviewChanges judgement changes (indicator, period, area order).
	Changes          []engine.JudgementChange `json:"changes"`
	ChangesTotal     int                      `json:"changes_total"`
	ChangesTruncated bool                     `json:"changes_truncated"`
	Summary          engine.ChangeSummary     `json:"summary"`
	Warnings         []string                 `json:"warnings"`
}

// previewStage is the staged file of a dry run and how to confirm or cancel it.
type previewStage struct {
	ID        string    `json:"id"`
	SHA256    string    `json:"sha256"`
	Bytes     int64     `json:"bytes"`
	FileName  string    `json:"file_name"`
	ExpiresAt time.Time `json:"expires_at"`
	// ConfirmURL is POSTed to store the file (with the same token); CancelURL is DELETEd.
	ConfirmURL string `json:"confirm_url"`
	CancelURL  string `json:"cancel_url"`
}

func newPreviewResult(p *engine.UploadPreview) previewResult {
	changes := p.Changes
	truncated := len(changes) > MaxPreviewChanges
	if truncated {
		changes = changes[:MaxPreviewChanges]
	}
	if changes == nil {
		changes = []engine.JudgementChange{}
	}
	warnings := p.Warnings
	if warnings == nil {
		warnings = []string{}
	}
	st := p.Stage
	base := fmt.Sprintf("/api/v1/datasets/%s/staged/%s", url.PathEscape(st.Dataset), url.PathEscape(st.ID))
	return previewResult{Revision: p.Revision, Changes: changes, ChangesTotal: len(p.Changes), ChangesTruncated: truncated,
		Summary: p.Summary, Warnings: warnings,
		Stage: previewStage{ID: st.ID, SHA256: st.SHA256, Bytes: st.Bytes, FileName: st.FileName, ExpiresAt: st.ExpiresAt,
			ConfirmURL: base + "?sha256=" + st.SHA256, CancelURL: base}}
}

// parseDryRun reads the upload's dry_run parameter (absent: false).
func parseDryRun(c echo.Context) (bool, error) {
	v := c.QueryParam("dry_run")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &errs.Error{Code: errs.Invalid, Message: "the upload was refused: nothing was stored",
			Details: []errs.Detail{{Field: "dry_run", Value: clipParam(v), Reason: "give true or false"}}}
	}
	return b, nil
}

// clipParam keeps a quoted parameter short: at most 64 bytes, cut at a character's start.
func clipParam(s string) string {
	if len(s) <= 64 {
		return s
	}
	cut := 64
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// confirmStaged stores a previewed upload: POST /api/v1/datasets/{name}/staged/{stage}?sha256=
// by the token that previewed it. It answers as an upload does (201).
func (s *Server) confirmStaged(c echo.Context) error {
	start := time.Now()
	rev, re, err := s.confirm(c, c.QueryParam("sha256"))
	if err != nil {
		return err
	}
	return s.changed(c, "upload", start, rev, re)
}

// confirm stores the staged upload of the route's :name and :stage through Changes.Confirm,
// with the same rules whether the API or the preview page's form asks: sha256 is required, the
// X-Uploaded-By claim is checked, and each token has one upload at a time.
func (s *Server) confirm(c echo.Context, sha string) (*datasets.Revision, engine.Reevaluation, error) {
	name := c.Param("name")
	if err := datasets.ValidateName(name); err != nil {
		return nil, engine.Reevaluation{}, err
	}
	if sha == "" {
		return nil, engine.Reevaluation{}, &errs.Error{Code: errs.Invalid, Message: "the confirmation was refused: nothing was stored",
			Details: []errs.Detail{{Field: "sha256", Reason: "give the sha256 the preview answered (the confirm_url has it)"}}}
	}
	if err := checkUploadedBy(c); err != nil {
		return nil, engine.Reevaluation{}, err
	}
	release, err := s.uploads.claim(uploaderKey(c))
	if err != nil {
		c.Response().Header().Set(echo.HeaderRetryAfter, "5")
		return nil, engine.Reevaluation{}, err
	}
	defer release()
	ch, err := s.changes()
	if err != nil {
		return nil, engine.Reevaluation{}, err
	}
	rev, re, err := ch.Confirm(c.Request().Context(), name, c.Param("stage"), sha,
		datasets.Upload{By: s.actor(c), TokenID: tokenID(c), AllowedAreas: allowedAreas(c)})
	noteRevision(c, rev)
	return rev, re, err
}

// cancelStaged deletes a previewed upload: DELETE /api/v1/datasets/{name}/staged/{stage} by the
// token that previewed it (204).
func (s *Server) cancelStaged(c echo.Context) error {
	name := c.Param("name")
	if err := datasets.ValidateName(name); err != nil {
		return err
	}
	ch, err := s.changes()
	if err != nil {
		return err
	}
	if err := ch.CancelStaged(c.Request().Context(), name, c.Param("stage"), tokenID(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
