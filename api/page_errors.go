package api

import (
	"net/http"
	"strings"

	"github.com/childrens-trust/scorecard/display"
	"github.com/labstack/echo/v4"
)

// errorPageData is what the HTML error page shows: the status, the plain message, a link home
// and, where they help, the pickers to choose a scorecard and an area that exist.
type errorPageData struct {
	Status     int
	StatusText string
	Heading    string
	Message    string
	Advice     string
	Pickers    bool
	Choices    []option
	Areas      []option
	// Back is the link out of the error: the list of scorecards, or of datasets for the
	// analysts' pages.
	BackURL, BackLabel string
}

// errorPage writes an error as the HTML page a person's browser gets (errorHandlerWithPages).
func (s *Server) errorPage(c echo.Context, status int, message string) error {
	d := errorPageData{Status: status, StatusText: http.StatusText(status), Message: display.Sentence(message),
		BackURL: "/", BackLabel: "Go to the list of scorecards"}
	if d.StatusText == "" {
		d.StatusText = "Error"
	}
	path := c.Request().URL.Path
	datasetsPage := path == "/datasets" || strings.HasPrefix(path, "/datasets/")
	if datasetsPage {
		d.BackURL, d.BackLabel = "/datasets", "Go to the list of datasets"
	}
	switch {
	case status == http.StatusNotFound && datasetsPage:
		d.Heading = "We could not find that"
		d.Advice = "Check the address, or choose a dataset from the list."
	case status == http.StatusNotFound && (strings.HasPrefix(path, "/scorecards") || strings.HasPrefix(path, "/areas") || path == "/indicators"):
		d.Heading = "We could not find that"
		d.Advice = "Check the address, or choose a scorecard and an area below."
		d.Pickers = true
	case status == http.StatusNotFound:
		d.Heading = "Page not found"
		d.Advice = "If you typed the address, check it is correct. You can choose a scorecard and an area below."
		d.Message = "There is no page at " + path + "."
		d.Pickers = true
	case status == http.StatusBadRequest:
		d.Heading = "There is a problem with the address"
		d.Advice = "Choose a scorecard, an area and a period from the lists instead."
		d.Pickers = true
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		d.Heading = "You cannot see this page"
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		d.Heading = "The service is busy"
		d.Advice = "Try again in a minute."
	case status >= 500:
		d.Heading = "Sorry, something went wrong"
		d.Message = "The page could not be shown. The problem has been logged."
		d.Advice = "Try again later."
	default:
		d.Heading = d.StatusText
	}
	if d.Pickers {
		d.Choices, d.Areas = s.scorecardChoices(), s.areaOptions("")
		if len(d.Choices) == 0 {
			d.Pickers = false
		}
	}
	return writePageStatus(c, status, errorPageTemplate, d.Heading, false, false, d)
}

// scorecardChoices lists the scorecards for a picker.
func (s *Server) scorecardChoices() []option {
	if s.Engine == nil || s.Engine.Scorecards == nil {
		return nil
	}
	var out []option
	for _, sc := range s.Engine.Scorecards.All() {
		out = append(out, option{Value: sc.ID, Label: sc.Title})
	}
	return out
}

var errorPageTemplate = pageTemplate("error")
