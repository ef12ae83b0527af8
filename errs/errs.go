// Package errs is the product's one error type. Every failure a user can act on carries a Code
// and a message written for them; validation failures also carry the list of problems (file,
// row, column, field, reason), never just the first. Anything without a Code is internal.
//
// The HTTP layer maps codes to statuses in one table; the CLI prints the message and details.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for its caller.
type Code string

// Error codes.
const (
	Invalid      Code = "invalid"                // the request or its data is wrong; Details say where
	NotFound     Code = "not_found"              // the named thing does not exist
	Conflict     Code = "conflict"               // the request conflicts with the current state
	TooLarge     Code = "too_large"              // the upload exceeds the size limit
	Unauthorized Code = "unauthorized"           // no or bad credentials
	Forbidden    Code = "forbidden"              // credentials lack the role
	Timeout      Code = "timeout"                // the request took longer than its limit and was cancelled
	RateLimited  Code = "rate_limited"           // too many requests (refused ones) from one client; retry later
	Unsupported  Code = "unsupported_media_type" // the body's content type cannot be read
	Malformed    Code = "malformed"              // the request's framing is broken (a multipart body)
	ClientClosed Code = "client_closed"          // the client went away before the request was read
	Busy         Code = "busy"                   // the service is busy (too much work at once); try again shortly
	Internal     Code = "internal"               // a defect or an infrastructure failure; details are logged, not shown
)

// Detail is one problem inside a validation error. Row is the line number in the uploaded file
// (the header is line 1); zero means not row-specific. Line is that row of the file as CSV text,
// for context: like Value it may hold what the file said, and is shown only to whom Value is.
type Detail struct {
	File   string `json:"file,omitempty"`
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	Field  string `json:"field,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
	Line   string `json:"line,omitempty"`
}

// String renders a detail as one line: "row 12, column value: not a number (\"abc\")".
func (d Detail) String() string {
	s := ""
	add := func(part string) {
		if s != "" {
			s += ", "
		}
		s += part
	}
	if d.File != "" {
		add(d.File)
	}
	if d.Row > 0 {
		add(fmt.Sprintf("row %d", d.Row))
	}
	if d.Column != "" {
		add("column " + d.Column)
	}
	if d.Field != "" {
		add("field " + d.Field)
	}
	if s != "" {
		s += ": "
	}
	s += d.Reason
	if d.Value != "" {
		s += fmt.Sprintf(" (%q)", d.Value)
	}
	return s
}

// Error is an error with a code, a user-facing message and optional details.
// Total is the number of problems found, which may exceed len(Details) when the list was capped.
type Error struct {
	Code    Code
	Message string
	Details []Detail
	Total   int
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (%d problems; first: %s)", e.Message, e.Total, e.Details[0])
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// MaxDetails caps the problems listed in one error; Total still counts all of them.
const MaxDetails = 100

// List collects problems and turns them into one Invalid error.
type List struct {
	details []Detail
	total   int
}

// Add records a problem; beyond MaxDetails it is only counted.
func (l *List) Add(d Detail) {
	l.total++
	if len(l.details) < MaxDetails {
		l.details = append(l.details, d)
	}
}

// Len is the number of problems recorded.
func (l *List) Len() int { return l.total }

// Err returns nil when nothing was recorded, else an Invalid *Error with the given message.
func (l *List) Err(format string, args ...any) error {
	if l.total == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: fmt.Sprintf(format, args...), Details: l.details, Total: l.total}
}
