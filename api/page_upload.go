package api

import (
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// The upload form's flow: the file is previewed (a dry run: what it would change), then
// confirmed or cancelled. Confirming stores exactly the previewed file, the staged copy checked
// by its SHA-256; the browser does not send it again.

// policyUploadForm is the upload policy for the preview's small confirm and cancel forms: the
// usual body limit applies (the upload itself limits its own body).
var policyUploadForm = policy{name: "upload", role: auth.Uploader}

// maxPreviewRows is how many judgement changes the preview page lists; the summary counts all.
const maxPreviewRows = 200

type refusedPageData struct {
	Dataset    string
	DatasetURL string
	Heading    string
	Message    string
	Revision   *revisionView
	Problems   problemsView
	Upload     uploadForm
}

// uploadPage is POST /datasets/:name/upload, the upload form's target: the file goes the API's
// upload path (withUpload) as a dry run (Changes.Preview), and the answer is the preview page
// with Confirm and Cancel. A file with problems is recorded as a rejected revision and answered
// with a page listing them (422, with a link to the rejected revision); a refusal of the whole
// file with details (rows outside the uploader's areas, 403) too, without a revision. Other
// failures are the error pages.
func (s *Server) uploadPage(c echo.Context) error {
	var p *engine.UploadPreview
	err := s.withUpload(c, func(ch Changes, name string, body io.Reader, up datasets.Upload) error {
		up.RecordRejected = true
		var err error
		p, err = ch.Preview(c.Request().Context(), name, body, up)
		if p != nil {
			noteRevision(c, p.Revision)
		}
		return err
	})
	if err != nil {
		var rejected *datasets.Revision
		if p != nil {
			rejected = p.Revision
		}
		return s.refusedUpload(c, rejected, err)
	}
	return s.previewPage(c, p)
}

// refusedUpload answers a refused upload (or confirmation) with its problems, or passes the
// error on to the error pages when it has none.
func (s *Server) refusedUpload(c echo.Context, rejected *datasets.Revision, err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Details) == 0 {
		return err
	}
	name := c.Param("name")
	data := refusedPageData{Dataset: name, DatasetURL: datasetURL(name), Heading: "Your file was not loaded", Upload: s.uploadFormFor(c, name)}
	if e.Code != errs.Invalid {
		// A refusal of the file as a whole says why (rows outside the uploader's areas); a
		// file with mistakes is summed up by its problems.
		data.Message = display.Sentence(e.Message)
	}
	csvURL := ""
	if rejected != nil && rejected.ID != 0 {
		v := newRevisionView(*rejected)
		data.Revision = &v
		csvURL = v.URL + "/problems.csv"
	}
	// The uploader sees the values of their own file, every problem kept on one page (the
	// form posts here: there is no second page to link to; the rejected revision's page has
	// them in pages).
	if data.Problems, err = problemsOf(c, e.Details, e.Total, true, csvURL, max(1, len(e.Details))); err != nil {
		return err
	}
	return writeDatasetPage(c, statusOf(e.Code, http.MethodPost), uploadRefusedTemplate, "Your file was not loaded", data)
}

type previewPageData struct {
	Dataset, DatasetURL string
	File, Size, SHA256  string
	Rows, Format        string
	Summary             string
	Warnings            []string
	Changes             []changeView
	// Shown says how many of the changes are listed, when not all are.
	Shown   string
	Expires string
	Confirm stageForm
}

// changeView is one evaluation a change would alter, in words.
type changeView struct {
	Indicator, Area, Period, Kind string
	Fields                        []display.ChangedField
}

// stageForm holds the preview's Confirm and Cancel forms.
type stageForm struct {
	ConfirmAction, CancelAction string
	SHA256                      string
	CSRF                        string
}

// changeViews puts judgement changes in words, at most max of them.
func (s *Server) changeViews(changes []engine.JudgementChange, max int) []changeView {
	out := make([]changeView, 0, min(len(changes), max))
	for i, ch := range changes {
		if i == max {
			break
		}
		v := changeView{Indicator: ch.Indicator, Area: ch.Area.Name, Period: display.Period(ch.Period), Kind: display.ChangeKind(ch.Kind)}
		if v.Area == "" {
			v.Area = ch.Area.Code
		}
		def, ok := s.Catalog.Get(ch.Indicator)
		if ok {
			v.Indicator = def.Title
		}
		v.Fields = display.JudgementChange(def, ch)
		out = append(out, v)
	}
	return out
}

// previewPage shows what a previewed file would change, with the forms to confirm or cancel it.
func (s *Server) previewPage(c echo.Context, p *engine.UploadPreview) error {
	name := c.Param("name")
	rev, st := p.Revision, p.Stage
	base := datasetURL(name) + "/staged/" + url.PathEscape(st.ID)
	data := previewPageData{Dataset: name, DatasetURL: datasetURL(name), File: st.FileName, Size: display.Size(st.Bytes), SHA256: st.SHA256,
		Rows: display.Count(rev.Rows, "row", "rows"), Format: formatWords(rev.Format), Summary: display.Sentence(p.Summary.Text),
		Warnings: p.Warnings, Changes: s.changeViews(p.Changes, maxPreviewRows), Expires: display.DateTime(st.ExpiresAt),
		Confirm: stageForm{ConfirmAction: base + "/confirm", CancelAction: base + "/cancel", SHA256: st.SHA256, CSRF: csrfToken(c)}}
	if len(p.Changes) > len(data.Changes) {
		data.Shown = "The first " + display.Number(float64(len(data.Changes)), 0) + " of " + display.Count(len(p.Changes), "change", "changes") +
			" are listed; confirming makes all of them."
	}
	return writeDatasetPage(c, http.StatusOK, uploadPreviewTemplate, "Check your file: "+name, data)
}

// confirmPage is POST /datasets/:name/staged/:stage/confirm (form: sha256, _csrf), the preview's
// Confirm: the staged file is stored (Changes.Confirm, as the API's confirmation) and the answer
// is 303 to its new revision. A file that the data changed under since its preview is recorded
// as rejected and its problems shown; a stage that has expired, or is someone else's, is not
// found.
func (s *Server) confirmPage(c echo.Context) error {
	start := time.Now()
	rev, re, err := s.confirm(c, c.FormValue("sha256"))
	if err != nil {
		return s.refusedUpload(c, rev, err)
	}
	s.observeEvaluation("upload", start, re.Results)
	return c.Redirect(http.StatusSeeOther, revisionURL(rev.Dataset, rev.ID)+"?stored="+url.QueryEscape(string(re.State)))
}

// storedNotice says, on the page a confirmed upload or a restore leads to (?stored=), that the
// revision was stored and how its re-evaluation went (engine.EvaluationState).
func storedNotice(state string) string {
	switch engine.EvaluationState(state) {
	case engine.Evaluated:
		return "Stored: this is the dataset's current revision, and the indicators that read it have been evaluated again."
	case engine.Pending:
		return "Stored: this is the dataset's current revision. The indicators that read it are being evaluated again; until that finishes the scorecards show the earlier figures."
	case engine.Failed:
		return "Stored: this is the dataset's current revision, but the indicators that read it could not be evaluated again. The problem has been logged; an administrator can run the evaluation again."
	}
	return ""
}

// cancelPage is POST /datasets/:name/staged/:stage/cancel (form: _csrf), the preview's Cancel:
// the staged file is deleted and the answer is 303 to the dataset's page.
func (s *Server) cancelPage(c echo.Context) error {
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
	return c.Redirect(http.StatusSeeOther, datasetURL(name)+"?cancelled=1")
}
