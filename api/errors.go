package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// errorBody is the one JSON shape of every error response.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Total   int           `json:"total,omitempty"`
	Details []errs.Detail `json:"details,omitempty"`
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

// errorHandlerWithPages writes every error as errorBody. Internal errors are logged with their
// cause and answered with a generic message: no stack traces or internals reach the client. For
// a request a person's browser made (see wantsHTMLError), page (when not nil) writes the error as
// an HTML page with the same status and message; API clients, and every request under /api/,
// keep the JSON body.
func errorHandlerWithPages(log *slog.Logger, page func(c echo.Context, status int, message string) error) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var body errorBody
		status := http.StatusInternalServerError
		var he *echo.HTTPError
		if e, ok := errs.As(err); ok {
			status = statusOf(e.Code, c.Request().Method)
			body.Error = errorPayload{Code: string(e.Code), Message: e.Message, Details: e.Details, Total: e.Total}
			if e.Code == errs.Internal {
				body.Error.Message = "internal error"
			}
			if e.Code == errs.Busy {
				c.Response().Header().Set("Retry-After", strconv.Itoa(BusyRetryAfter))
			}
		} else if errors.As(err, &he) {
			status = he.Code
			msg := http.StatusText(he.Code)
			if s, ok := he.Message.(string); ok && he.Code < 500 {
				msg = s
			}
			body.Error = errorPayload{Code: codeForStatus(he.Code), Message: msg}
		} else {
			body.Error = errorPayload{Code: string(errs.Internal), Message: "internal error"}
		}
		if status >= 500 && log != nil {
			log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			c.NoContent(status)
			return
		}
		if page != nil && wantsHTMLError(c.Request()) {
			if perr := page(c, status, body.Error.Message); perr == nil {
				return
			} else if log != nil {
				log.Error("error page failed", "path", c.Request().URL.Path, "error", perr)
			}
		}
		c.JSON(status, body)
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
		return "method_not_allowed"
	case http.StatusNotAcceptable:
		return "not_acceptable"
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
