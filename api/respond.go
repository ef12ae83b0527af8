package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// list wraps a collection so that the top level of every response is an object. A page of a
// longer list carries the link to the next page.
type list[T any] struct {
	Data []T `json:"data"`
	N    int `json:"n"`
	// Total is the number of items matching the request's filters, over all pages.
	Total *int64 `json:"total,omitempty"`
	// DataVersion identifies the stored evaluations the pages of an evaluation list come from
	// (engine.EvaluationsVersion); a cursor made at another version is refused with 409.
	DataVersion string `json:"data_version,omitempty"`
	// Next is the URL of the next page, NextCursor its cursor; both absent on the last page.
	Next       string `json:"next,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Data: items, N: len(items)}
}

// newPage is a list that is one page of a longer one; next is the next page's cursor or "".
func newPage[T any](c echo.Context, items []T, next string) list[T] {
	l := newList(items)
	if next != "" {
		l.Next, l.NextCursor = nextURL(c, next), next
	}
	return l
}

// withTotal is l stating total and, for evaluations, the data version.
func (l list[T]) withTotal(total int64, dataVersion string) list[T] {
	l.Total, l.DataVersion = &total, dataVersion
	return l
}

// reply is what a read produces: the JSON body, and for tabular reads the flat table the other
// formats are rendered from (built only when one of them is asked for).
type reply struct {
	JSON  any
	Table func() *table
	// Next is the next page's cursor ("" when there is none).
	Next string
	// DataVersion, when set, is sent as the X-Data-Version header (engine.EvaluationsVersion).
	DataVersion string
}

// read answers a GET. It negotiates the format among offered, answers 304 Not Modified when
// the client's copy is current (before any data are read), and otherwise builds the reply and
// writes it in the chosen format, with a Link header to the next page when there is one.
func (s *Server) read(c echo.Context, offered []format, build func() (*reply, error)) error {
	return s.readVariant(c, offered, "", build)
}

// readVariant is read for a response that differs by caller: variant names what the caller may
// see (see notModifiedVariant), and every answer, 304 included, is "private, no-cache" and
// varies by Authorization. "" is read itself.
func (s *Server) readVariant(c echo.Context, offered []format, variant string, build func() (*reply, error)) error {
	f, err := negotiate(c, offered)
	if err != nil {
		return err
	}
	notModified := s.notModifiedVariant(c, f, variant)
	if variant != "" {
		h := c.Response().Header()
		h.Set(echo.HeaderCacheControl, "private, no-cache")
		h.Add(echo.HeaderVary, echo.HeaderAuthorization)
	}
	if notModified {
		return c.NoContent(http.StatusNotModified)
	}
	r, err := build()
	if err != nil {
		return err
	}
	if r.Next != "" {
		c.Response().Header().Add("Link", "<"+nextURL(c, r.Next)+`>; rel="next"`)
	}
	if r.DataVersion != "" {
		c.Response().Header().Set("X-Data-Version", r.DataVersion)
	}
	if f == formatJSON || r.Table == nil {
		return writeJSON(c, http.StatusOK, r.JSON)
	}
	t := r.Table()
	if err := t.check(); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.%s"`, fileName(t.Name), f.Ext))
	if t.Stream != nil {
		// A whole-data download is not kept by the response cache: it is as large as the data.
		doNotKeep(c.Response().Writer)
	}
	switch f {
	case formatXLSX:
		// A workbook is assembled whole by excelize anyway; buffering it lets a failure still
		// be answered with the JSON error.
		var buf bytes.Buffer
		if err := writeXLSX(&buf, t); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, f.ContentType, buf.Bytes())
	case formatParquet:
		// DuckDB writes the whole file before the first byte is sent, so a failure is still
		// answered as an error; the status goes with the first byte.
		h.Set(echo.HeaderContentType, f.ContentType)
		if err := writeParquet(c.Request().Context(), s.Engine.DB, c.Response(), t); err != nil {
			if c.Response().Committed {
				s.logCut(c, f, err)
				return nil
			}
			h.Del(echo.HeaderContentDisposition)
			return err
		}
		return nil
	}
	h.Set(echo.HeaderContentType, f.ContentType)
	c.Response().WriteHeader(http.StatusOK)
	switch f {
	case formatCSV:
		err = writeCSV(c.Response(), t)
	case formatArrow:
		err = writeArrow(c.Response(), t)
	}
	if err != nil {
		s.logCut(c, f, err)
	}
	return nil
}

// logCut logs a response that failed after its status was sent: all that can be done is to
// log and cut the stream short (the client sees a truncated body, never a complete-looking one:
// the chunked encoding is not terminated).
func (s *Server) logCut(c echo.Context, f format, err error) {
	if s.Log != nil {
		s.Log.Error("writing a response failed", "path", c.Request().URL.Path, "format", f.Name, "error", err)
	}
	panic(http.ErrAbortHandler)
}

// doNotKeep tells the response cache's recorder, if w is or wraps one, not to keep this
// response.
func doNotKeep(w http.ResponseWriter) {
	for w != nil {
		if k, ok := w.(interface{ doNotKeep() }); ok {
			k.doNotKeep()
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// fileName keeps a download's name to letters, digits, dot, dash and underscore.
func fileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "data"
	}
	return b.String()
}
