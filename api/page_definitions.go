package api

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// The revisions pages of an indicator definition and of a scorecard: the history with restore
// buttons, and a form that takes a YAML file (CSRF-protected, the browser's session as on the
// dataset pages). A refused file or restore shows its problems as a table and changes nothing.
// The pages vary by who asks, so they are private.

var definitionPageTemplate = pageTemplate("definition_revisions")

// registerDefinitionPages adds the revisions pages; their forms take the definition policy
// (the editor decides by the token's areas, as for the API).
func (s *Server) registerDefinitionPages(e *echo.Echo, allow func(policy, ...*echo.Route)) {
	for _, coll := range []string{"indicators", "scorecards"} {
		kind := definitionKinds[coll]
		base := "/" + coll + "/:id/revisions"
		get(e, base, func(c echo.Context) error { return s.definitionPage(c, kind, http.StatusOK, "", nil) })
		allow(policyDefinitionWrite,
			e.POST(base, func(c echo.Context) error { return s.definitionUploadPage(c, kind) }),
			e.POST(base+"/:rev/restore", func(c echo.Context) error { return s.definitionRestorePage(c, kind) }))
	}
}

// definitionPageData is what templates/definition_revisions.html shows.
type definitionPageData struct {
	KindWords, ID, Title, Heading string
	BackURL, BackText             string
	Notice                        string
	ProblemSummary                string
	Problems                      []errs.Detail
	Upload                        definitionUploadForm
	Revisions                     []definitionRevisionView
}

// definitionUploadForm is the upload form, or why there is none.
type definitionUploadForm struct {
	Allowed             bool
	Action, CSRF, Limit string
	Areas, Why, SignIn  string
}

// definitionRevisionView is one revision in words.
type definitionRevisionView struct {
	Revision               int64
	Status, StatusClass    string
	Current                bool
	By, When, WhenISO      string
	SHA256, ShortSHA, Size string
	BodyURL, DiffURL       string
	Restore                *restoreForm
}

// restoreForm is a revision's restore button.
type restoreForm struct {
	Action, CSRF string
	Revision     int64
}

// definitionPageURL is the revisions page of (kind, id).
func definitionPageURL(kind definitions.Kind, id string) string {
	return "/" + collectionOf(kind) + "/" + url.PathEscape(id) + "/revisions"
}

// definitionPage renders the revisions page with status, a notice, and the problems of a
// refused upload or restore (problems nil when there were none).
func (s *Server) definitionPage(c echo.Context, kind definitions.Kind, status int, notice string, refused *errs.Error) error {
	ed, err := s.editor()
	if err != nil {
		return err
	}
	id := c.Param("id")
	revs, err := ed.DefinitionRevisions(c.Request().Context(), kind, id)
	if err != nil {
		return err
	}
	data := definitionPageData{ID: id, Notice: notice}
	switch kind {
	case definitions.Indicator:
		data.KindWords, data.BackURL, data.BackText = "indicator definition", "/indicators", "All indicators"
		if d, ok := s.Catalog.Get(id); ok {
			data.Title = d.Title
		}
	default:
		data.KindWords, data.BackURL, data.BackText = "scorecard", "/scorecards/"+url.PathEscape(id), "The scorecard"
		if sc, ok := s.Engine.Scorecards.Get(id); ok {
			data.Title = sc.Title
		}
	}
	data.Heading = "Revisions of " + id
	if n := c.QueryParam("stored"); n != "" && notice == "" {
		data.Notice = "Revision " + n + " was stored and is now current."
	}
	if refused != nil {
		for _, d := range refused.Details {
			d.Reason = display.Sentence(d.Reason)
			data.Problems = append(data.Problems, d)
		}
		if len(data.Problems) == 0 {
			data.Problems = []errs.Detail{{Reason: display.Sentence(refused.Message)}}
		}
		data.ProblemSummary = display.Count(max(refused.Total, len(data.Problems)), "problem was", "problems were") + " found, so nothing was stored and nothing changed."
	}
	tok := principal(c)
	mayWrite := tok.Has(auth.Uploader)
	data.Upload = definitionUploadForm{Action: definitionPageURL(kind, id), CSRF: csrfToken(c), Limit: display.Size(maxDefinitionBytes)}
	switch {
	case mayWrite:
		data.Upload.Allowed = true
		if !tok.AllAreas() {
			if kind == definitions.Indicator {
				data.Upload.Areas = "An indicator is evaluated for every area: your account may load data only for some areas, so a change to an indicator will be refused."
			} else {
				data.Upload.Areas = "Your account may change a scorecard only if it is for one of your areas (" + strings.Join(tok.Areas, ", ") + "), before and after the change."
			}
		}
	case tok == nil:
		data.Upload.Why = "Changing a definition needs an uploader's or an administrator's account."
		data.Upload.SignIn = "/sign-in?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	default:
		data.Upload.Why = fmt.Sprintf("Changing a definition needs an uploader's or an administrator's account; %s is a %s.", tok.Name, tok.Role)
	}
	api := "/api/v1/" + collectionOf(kind) + "/" + url.PathEscape(id) + "/revisions/"
	for i, r := range revs {
		v := definitionRevisionView{Revision: r.Revision, Current: r.Current, By: r.By, SHA256: r.SHA256,
			ShortSHA: r.SHA256[:min(12, len(r.SHA256))], Size: display.Size(int64(r.Bytes)),
			BodyURL: api + strconv.FormatInt(r.Revision, 10)}
		switch r.Status {
		case definitions.Builtin:
			v.Status, v.StatusClass = "Built in", "status-restored"
		case definitions.Restored:
			v.Status, v.StatusClass = fmt.Sprintf("Restored from revision %d", *r.RestoredFrom), "status-restored"
		default:
			v.Status, v.StatusClass = "Stored", "status-accepted"
		}
		if !r.Created.IsZero() {
			v.When, v.WhenISO = display.DateTime(r.Created), r.Created.UTC().Format(time.RFC3339)
		}
		if i < len(revs)-1 {
			v.DiffURL = v.BodyURL + "/diff?format=text"
		}
		if mayWrite && !r.Current {
			v.Restore = &restoreForm{Action: definitionPageURL(kind, id) + "/" + strconv.FormatInt(r.Revision, 10) + "/restore", CSRF: csrfToken(c), Revision: r.Revision}
		}
		data.Revisions = append(data.Revisions, v)
	}
	return writeDatasetPage(c, status, definitionPageTemplate, data.Heading, data)
}

// definitionUploadPage takes the form's YAML file as a new revision: stored, the page again
// with a notice; refused, the page with every problem and nothing changed.
func (s *Server) definitionUploadPage(c echo.Context, kind definitions.Kind) error {
	ed, err := s.editor()
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return s.definitionPage(c, kind, http.StatusUnprocessableEntity, "", errs.Errorf(errs.Invalid, "choose a YAML file to upload"))
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open the uploaded definition: %w", err)
	}
	defer f.Close()
	body, err := readDefinitionBody(io.Reader(f))
	if err != nil {
		return s.refusedDefinition(c, kind, err)
	}
	ch := s.change(c)
	ch.Body, ch.FileName, ch.ContentType = body, fh.Filename, "application/yaml"
	if strings.HasSuffix(strings.ToLower(fh.Filename), ".json") {
		ch.ContentType = echo.MIMEApplicationJSON
	}
	rev, _, err := ed.PutDefinition(c.Request().Context(), kind, c.Param("id"), ch)
	if err != nil {
		return s.refusedDefinition(c, kind, err)
	}
	c.Set(keyCreatedRevision, rev.Revision)
	return c.Redirect(http.StatusSeeOther, definitionPageURL(kind, rev.ID)+"?stored="+strconv.FormatInt(rev.Revision, 10))
}

// definitionRestorePage restores a revision from its button.
func (s *Server) definitionRestorePage(c echo.Context, kind definitions.Kind) error {
	ed, err := s.editor()
	if err != nil {
		return err
	}
	n, err := revisionParam(c, "rev")
	if err != nil {
		return err
	}
	rev, _, err := ed.RestoreDefinition(c.Request().Context(), kind, c.Param("id"), n, s.change(c))
	if err != nil {
		return s.refusedDefinition(c, kind, err)
	}
	c.Set(keyCreatedRevision, rev.Revision)
	return c.Redirect(http.StatusSeeOther, definitionPageURL(kind, rev.ID)+"?stored="+strconv.FormatInt(rev.Revision, 10))
}

// refusedDefinition shows a refused file's problems on the page (an invalid or too large file),
// and passes any other error (a refusal of the token, a missing revision) to the error pages.
func (s *Server) refusedDefinition(c echo.Context, kind definitions.Kind, err error) error {
	e, ok := errs.As(err)
	if !ok || (e.Code != errs.Invalid && e.Code != errs.TooLarge) {
		return err
	}
	return s.definitionPage(c, kind, statusOf(e.Code, http.MethodPost), "", e)
}

// signedIn reports whether the request comes from a signed-in browser (a session): only then do
// the board pages link to the revisions pages, and such a page is never kept by a shared cache.
func signedIn(c echo.Context) bool {
	u, _ := c.Get(keySignedIn).(*signedInUser)
	return u != nil
}
