package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// ProblemMediaType is the Content-Type of every error response that is not an HTML page: RFC 9457
// problem details.
const ProblemMediaType = "application/problem+json"

// ProblemTypeBase is the prefix of every problem's type URI: the type of a problem with code c
// is ProblemTypeBase + c, which names the section of docs/PROBLEMS.md that describes it. The
// URIs are stable: a client may compare them (or the code member) to tell problems apart.
const ProblemTypeBase = "https://github.com/childrens-trust/scorecard/blob/main/docs/PROBLEMS.md#"

// Problem is the one shape of every error response: RFC 9457 problem details with three
// extension members. Type, Title, Status, Detail and Instance are always set; Code is the
// error's code (errs.Code, or method_not_allowed / not_acceptable for routing errors); Problems
// lists, for invalid input, where and why it is wrong (capped at errs.MaxDetails), and Total
// counts them all when it is known.
type Problem struct {
	Type     string        `json:"type"`
	Title    string        `json:"title"`
	Status   int           `json:"status"`
	Detail   string        `json:"detail"`
	Instance string        `json:"instance"`
	Code     string        `json:"code"`
	Total    int           `json:"total,omitempty"`
	Problems []errs.Detail `json:"problems,omitempty"`
}

// problemTitles is each code's title: a short summary that does not change from one occurrence
// to another (RFC 9457, 3.1.3). Every code the server answers with is listed; ProblemTitle
// falls back to the status text for any other.
var problemTitles = map[string]string{
	string(errs.Invalid):      "Invalid request",
	string(errs.NotFound):     "Not found",
	string(errs.Conflict):     "Conflict with the current state",
	string(errs.TooLarge):     "Request too large",
	string(errs.Unauthorized): "Unauthorized",
	string(errs.Forbidden):    "Forbidden",
	string(errs.Timeout):      "Request timed out",
	string(errs.RateLimited):  "Too many refused requests",
	string(errs.Unsupported):  "Unsupported media type",
	string(errs.Malformed):    "Malformed request body",
	string(errs.ClientClosed): "Client closed the request",
	string(errs.Busy):         "Service busy",
	string(errs.Internal):     "Internal error",
	codeMethodNotAllowed:      "Method not allowed",
	codeNotAcceptable:         "Not acceptable",
}

// The codes of routing errors, which have no errs.Code.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeNotAcceptable    = "not_acceptable"
)

// ProblemCodes lists every code a problem may carry, in the order of docs/PROBLEMS.md: the
// OpenAPI document's enum for the code member is checked against it.
func ProblemCodes() []string {
	return []string{
		string(errs.Invalid), string(errs.Malformed), string(errs.Unauthorized), string(errs.Forbidden),
		string(errs.NotFound), codeMethodNotAllowed, codeNotAcceptable, string(errs.Conflict),
		string(errs.TooLarge), string(errs.Unsupported), string(errs.RateLimited), string(errs.ClientClosed),
		string(errs.Internal), string(errs.Timeout), string(errs.Busy),
	}
}

// newProblem returns the problem for code with the given status, detail and instance (the
// request's path), its type and title filled in.
func newProblem(code string, status int, detail, instance string) Problem {
	title, ok := problemTitles[code]
	if !ok {
		title = http.StatusText(status)
	}
	return Problem{Type: ProblemTypeBase + code, Title: title, Status: status, Detail: detail, Instance: instance, Code: code}
}

// writeProblem writes p as an application/problem+json response outside echo (the metrics
// listener's handler).
func writeProblem(w http.ResponseWriter, p Problem) {
	b, err := json.Marshal(p)
	if err != nil { // a Problem always marshals; keep the status if it somehow does not
		w.WriteHeader(p.Status)
		return
	}
	w.Header().Set("Content-Type", ProblemMediaType)
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// statusOf maps an error code to an HTTP status: the one table. Invalid input is 422 on writes
// (the upload was understood but its content is wrong) and 400 on reads (a bad parameter).
func statusOf(code errs.Code, method string) int {
	switch code {
	case errs.Invalid:
		if method == http.MethodPost || method == http.MethodPut {
			return http.StatusUnprocessableEntity
		}
		return http.StatusBadRequest
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.Timeout, errs.Busy:
		return http.StatusServiceUnavailable
	case errs.RateLimited:
		return http.StatusTooManyRequests
	case errs.Unsupported:
		return http.StatusUnsupportedMediaType
	case errs.Malformed:
		return http.StatusBadRequest
	case errs.ClientClosed:
		return StatusClientClosedRequest
	}
	return http.StatusInternalServerError
}

// StatusClientClosedRequest is the status logged, counted and audited for a request whose client
// went away before it was read (nginx's 499); the client never sees it.
const StatusClientClosedRequest = 499

// BusyRetryAfter is the Retry-After (in seconds) of a response refusing work because the
// service is busy (errs.Busy): about the time an upload takes to be read and stored.
const BusyRetryAfter = 2

// errorHandlerWithPages writes every error as a Problem (application/problem+json). Internal
// errors are logged with their cause and answered with a generic detail: no stack traces or
// internals reach the client. For a request a person's browser made (see wantsHTMLError), page
// (when not nil) writes the error as an HTML page with the same status and message; API
// clients, and every request under /api/, keep the problem details.
func errorHandlerWithPages(log *slog.Logger, page func(c echo.Context, status int, message string) error) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		instance := c.Request().URL.Path
		var p Problem
		var he *echo.HTTPError
		if e, ok := errs.As(err); ok {
			msg := e.Message
			if e.Code == errs.Internal {
				msg = "internal error"
			}
			p = newProblem(string(e.Code), statusOf(e.Code, c.Request().Method), msg, instance)
			p.Problems, p.Total = e.Details, e.Total
			if e.Code == errs.Busy {
				c.Response().Header().Set("Retry-After", strconv.Itoa(BusyRetryAfter))
			}
		} else if errors.As(err, &he) {
			msg := http.StatusText(he.Code)
			if s, ok := he.Message.(string); ok && he.Code < 500 {
				msg = s
			}
			p = newProblem(codeForStatus(he.Code), he.Code, msg, instance)
		} else {
			p = newProblem(string(errs.Internal), http.StatusInternalServerError, "internal error", instance)
		}
		if p.Status >= 500 && log != nil {
			log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			c.NoContent(p.Status)
			return
		}
		if page != nil && wantsHTMLError(c.Request()) {
			if perr := page(c, p.Status, p.Detail); perr == nil {
				return
			} else if log != nil {
				log.Error("error page failed", "path", c.Request().URL.Path, "error", perr)
			}
		}
		b, merr := json.Marshal(p)
		if merr != nil {
			c.NoContent(p.Status)
			return
		}
		c.Blob(p.Status, ProblemMediaType, append(b, '\n'))
	}
}

// wantsHTMLError reports whether an error response should be an HTML page: the request is not
// for the API or an asset, and its Accept header asks for text/html by name (as browsers do), or
// it is for a board page's or an analysts' page's route and does not ask for JSON by name.
func wantsHTMLError(r *http.Request) bool {
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/assets/") {
		return false
	}
	html, json := false, false
	for _, m := range parseAccept(r.Header.Get("Accept")) {
		switch {
		case m.typ == "text" && m.sub == "html" && m.q > 0:
			html = true
		case m.typ == "application" && m.sub == "json" && m.q > 0:
			json = true
		}
	}
	if html {
		return true
	}
	// A board page's route answers in HTML unless the client asks for JSON by name.
	page := p == "/" || p == "/scorecards" || p == signInPath || p == signOutPath || strings.HasPrefix(p, "/scorecards/") || strings.HasPrefix(p, "/areas/") ||
		p == "/areas" || p == "/indicators" ||
		p == "/datasets" || strings.HasPrefix(p, "/datasets/")
	return page && !json
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return string(errs.NotFound)
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusNotAcceptable:
		return codeNotAcceptable
	case http.StatusRequestEntityTooLarge:
		return string(errs.TooLarge)
	case http.StatusUnauthorized:
		return string(errs.Unauthorized)
	case http.StatusForbidden:
		return string(errs.Forbidden)
	case http.StatusTooManyRequests:
		return string(errs.RateLimited)
	case http.StatusUnsupportedMediaType:
		return string(errs.Unsupported)
	case StatusClientClosedRequest:
		return string(errs.ClientClosed)
	}
	if status < 500 {
		return string(errs.Invalid)
	}
	return string(errs.Internal)
}
