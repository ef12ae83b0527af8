package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

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

// errorHandler writes every error as errorBody. Internal errors are logged with their cause and
// answered with a generic message: no stack traces or internals reach the client.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
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
		c.JSON(status, body)
	}
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
