package api

import (
	"net/http"
	"strings"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// scorecardSummary is a scorecard in the list.
type scorecardSummary struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Area        string `json:"area"`
	Priorities  int    `json:"priorities"`
	Indicators  int    `json:"indicators"`
}

func (s *Server) listScorecards(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		out := s.scorecardSummaries()
		return &reply{JSON: newList(out), Table: func() *table { return scorecardListTable(out) }}, nil
	})
}

func (s *Server) scorecardSummaries() []scorecardSummary {
	var out []scorecardSummary
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			n := 0
			for _, p := range sc.Priorities {
				n += len(p.Items)
			}
			out = append(out, scorecardSummary{ID: sc.ID, Title: sc.Title, Description: sc.Description, Area: sc.Area,
				Priorities: len(sc.Priorities), Indicators: n})
		}
	}
	return out
}

// getScorecard is a scorecard evaluated for an area; in Excel, one sheet per priority.
func (s *Server) getScorecard(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		group := strings.TrimSpace(c.QueryParam("group"))
		if strings.Contains(group, ":") {
			return nil, errs.Errorf(errs.Invalid, "group %q: a scorecard is compared with a user-defined comparator group, named by its id", group)
		}
		res, err := s.Engine.EvaluateScorecardWithGroup(c.Request().Context(), c.Param("id"), c.QueryParam("area"), c.QueryParam("period"), group)
		if err != nil {
			return nil, err
		}
		return &reply{JSON: res, Table: func() *table { return s.scorecardTable(res) }}, nil
	})
}

// commentRequest is the body of a new comment. Author is a display name, stored and shown beside
// the token that posted the comment, never instead of it.
type commentRequest struct {
	Period string `json:"period"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

func (s *Server) listComments(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		out, err := s.Engine.Comments(c.Request().Context(), c.Param("id"), c.Param("area"), c.QueryParam("period"))
		if err != nil {
			return nil, err
		}
		return &reply{JSON: newList(out), Table: func() *table {
			return commentTable("commentary-"+c.Param("id")+"-"+c.Param("area"), out)
		}}, nil
	})
}

// addComment records a note on an indicator for an area and period (JSON body: period, text,
// author). The comment's poster is the request's token (engine.LocalPoster with authentication
// off); author is only a display name beside it, defaulting to the X-Uploaded-By header, then to
// the token's name.
func (s *Server) addComment(c echo.Context) error {
	var req commentRequest
	if !strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return errs.Errorf(errs.Invalid, "send the comment as JSON: {\"period\": \"2016-17 Q4\", \"text\": \"...\", \"author\": \"...\"}")
	}
	if err := c.Bind(&req); err != nil {
		return errs.Errorf(errs.Invalid, "the comment is not valid JSON")
	}
	by, ok := poster(c)
	if !ok {
		// Unreachable behind authorize (the route needs a token); never store an anonymous comment.
		return errs.Errorf(errs.Unauthorized, "this request needs an API token (Authorization: Bearer <token>)")
	}
	if strings.TrimSpace(req.Author) == "" {
		req.Author = strings.TrimSpace(c.Request().Header.Get("X-Uploaded-By"))
	}
	if strings.TrimSpace(req.Author) == "" {
		req.Author = by.TokenName
	}
	cm, err := s.Engine.AddComment(c.Request().Context(), c.Param("id"), c.Param("area"), req.Period, by, req.Author, req.Text)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cm)
}

// poster is who is posting: the authenticated token's name and id, or engine.LocalPoster when
// authentication is off. ok is false without a principal.
func poster(c echo.Context) (engine.Poster, bool) {
	tok := principal(c)
	switch {
	case tok == nil:
		return engine.Poster{}, false
	case tok == devAdmin:
		return engine.LocalPoster, true
	}
	return engine.Poster{TokenID: tok.ID, TokenName: tok.Name}, true
}
