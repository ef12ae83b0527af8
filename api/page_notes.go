package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

// noteView is one comment as the indicator page lists it.
type noteView struct {
	Period, Author, Date, Text, PostedBy string
}

// noteForm is the indicator page's form to add a note, or what stands in its place: a sign-in
// link (SignIn) or a sentence saying why there is no form (Reason). The form is shown (Action
// set) only to a browser signed in with a token that may write for the area.
type noteForm struct {
	Action  string
	CSRF    string
	Periods []option
	// Period, Text and Author are the form's values: defaults, or a refused note's.
	Period, Text, Author string
	// Errors are the problems of a refused note, in words.
	Errors                     []string
	TextInvalid, AuthorInvalid bool
	MaxText, MaxAuthor         int

	SignIn string
	Reason string
}

// notesSection reads the notes on the indicator for the area (newest first) and prepares the
// form to add one. refused, when not nil, holds the values and problems of a note that was not
// saved.
func (s *Server) notesSection(c echo.Context, def *indicators.Definition, area engine.AreaRef, series []*engine.Evaluation,
	shown *engine.Evaluation, refused *noteForm) ([]noteView, *noteForm, error) {
	comments, err := s.Engine.Comments(c.Request().Context(), def.ID, area.Code, "")
	if err != nil {
		return nil, nil, err
	}
	notes := make([]noteView, 0, len(comments))
	for i := len(comments) - 1; i >= 0; i-- {
		cm := comments[i]
		notes = append(notes, noteView{Period: display.Period(cm.Period), Author: cm.Author, Date: display.Date(cm.CreatedAt),
			Text: cm.Text, PostedBy: cm.PostedBy.String()})
	}

	tok := principal(c)
	switch {
	case tok == devAdmin:
		return notes, &noteForm{Reason: "Authentication is off on this server: add notes through the API."}, nil
	case tok == nil || session(c) == nil:
		// Anonymous (or a Bearer client, whose page is cached for everyone): the link only.
		return notes, &noteForm{SignIn: signInPath + "?next=" + url.QueryEscape(c.Request().URL.RequestURI())}, nil
	case !tok.AllowsArea(area.Code):
		return notes, &noteForm{Reason: "You are signed in as " + tok.Name + " (" + string(tok.Role) +
			"), which may not add notes for " + area.Name + "."}, nil
	case len(series) == 0:
		return notes, &noteForm{Reason: "Notes can be added once there are figures for " + area.Name + "."}, nil
	}
	f := &noteForm{Action: "/areas/" + url.PathEscape(area.Code) + "/indicators/" + url.PathEscape(def.ID) + "/commentary",
		CSRF: csrfToken(c), Author: tok.Name, MaxText: engine.MaxCommentLength, MaxAuthor: engine.MaxAuthorLength}
	if shown != nil {
		f.Period = shown.Period
	}
	if refused != nil {
		f.Period, f.Text, f.Author, f.Errors = refused.Period, refused.Text, refused.Author, refused.Errors
		f.TextInvalid, f.AuthorInvalid = refused.TextInvalid, refused.AuthorInvalid
	}
	seen := map[string]bool{}
	for i := len(series) - 1; i >= 0; i-- { // latest first
		p := series[i].Period
		if seen[p] {
			continue
		}
		seen[p] = true
		f.Periods = append(f.Periods, option{Value: p, Label: display.Period(p), Selected: strings.EqualFold(p, f.Period)})
	}
	return notes, f, nil
}

// noteFieldLabels name the comment's fields as the form labels them.
var noteFieldLabels = map[string]string{"period": "Period", "text": "Note", "author": "Author"}

// addCommentFromPage is POST /areas/:area/indicators/:id/commentary (form: period, text, author,
// _csrf), the indicator page's form: the same engine.AddComment as the API route, behind the
// same policy (area_write) and rate limit, with the signed-in token as the poster. A saved note
// leads back to the page (303), where it is listed; a refused one shows the page again with
// the problems in words (422).
func (s *Server) addCommentFromPage(c echo.Context) error {
	by, ok := poster(c)
	if !ok {
		// Unreachable behind authorize (the route needs a token); never store an anonymous comment.
		return errs.Errorf(errs.Unauthorized, "sign in to add a note")
	}
	period := strings.TrimSpace(c.FormValue("period"))
	text := c.FormValue("text")
	author := strings.TrimSpace(c.FormValue("author"))
	if author == "" {
		author = by.TokenName
	}
	cm, err := s.Engine.AddComment(c.Request().Context(), c.Param("id"), c.Param("area"), period, by, author, text)
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid {
			return err
		}
		form := &noteForm{Period: period, Text: text, Author: author}
		// A refused value shaped like a token secret is not shown again, even to its sender.
		if auth.LooksLikeSecret(form.Text) {
			form.Text = ""
		}
		if auth.LooksLikeSecret(form.Author) {
			form.Author = ""
		}
		if auth.LooksLikeSecret(form.Period) {
			form.Period = ""
		}
		for _, d := range e.Details {
			label := noteFieldLabels[d.Field]
			if label == "" {
				label = "The note"
			}
			form.Errors = append(form.Errors, label+": "+display.Sentence(d.Reason))
			form.TextInvalid = form.TextInvalid || d.Field == "text"
			form.AuthorInvalid = form.AuthorInvalid || d.Field == "author"
		}
		if len(form.Errors) == 0 {
			form.Errors = []string{display.Sentence(e.Message)}
		}
		form.Errors = slices.Compact(form.Errors)
		return s.renderIndicatorPage(c, http.StatusUnprocessableEntity, "", form)
	}
	return c.Redirect(http.StatusSeeOther, "/areas/"+url.PathEscape(cm.Area)+"/indicators/"+url.PathEscape(cm.Indicator)+"#notes")
}
