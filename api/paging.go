package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// Cursor pagination. A list read takes limit (page size) and cursor (opaque, from the previous
// page). The cursor holds the last row's key in the list's stable order, so a page resumes
// after that row even when rows were added or removed meanwhile (keyset pagination: no row is
// skipped or repeated because of an offset moving). The next page's URL is in the JSON body
// ("next", "next_cursor") and in a Link header with rel="next"; the last page has neither.

const (
	// maxLimit is the largest page.
	maxLimit = 10000
	// defaultEvaluationsLimit is the page size of /api/v1/evaluations when none is given; the
	// other lists are returned whole unless a limit is asked for.
	defaultEvaluationsLimit = 1000
)

// cursorBody is what a cursor encodes: the key of the last row of a page.
type cursorBody struct {
	// Key is the sort key of an in-memory list.
	Key string `json:"k,omitempty"`
	// Eval is the key of an evaluation in bulk reads.
	Eval *engine.EvaluationKey `json:"ev,omitempty"`
	// Version is the data version (engine.EvaluationsVersion) of the page the cursor was made
	// from, in lists of evaluations: a cursor of another version is refused (staleCursor).
	Version string `json:"v,omitempty"`
}

// staleCursor is the 409 answer to a cursor made from other evaluations than the stored ones.
func staleCursor(made, now string) error {
	return errs.Errorf(errs.Conflict, "this cursor was made from data version %s, but the evaluations have changed since (now %s): "+
		"start again from the first page (the same URL without cursor), so that every page comes from one version", made, now)
}

// checkCursorVersion refuses a cursor made at another data version than now.
func checkCursorVersion(p pageRequest, now string) error {
	if p.Cursor != nil && p.Cursor.Version != now {
		return staleCursor(p.Cursor.Version, now)
	}
	return nil
}

func encodeCursor(b cursorBody) string {
	data, _ := json.Marshal(b)
	return base64.RawURLEncoding.EncodeToString(data)
}

// maxCursorField is the longest value a cursor field may hold (keys are ids, codes, dates and
// period labels, all far shorter).
const maxCursorField = 256

// decodeCursor decodes a cursor and checks every field it carries before any of it reaches a
// query: a forged cursor is Invalid (400), never a database error.
func decodeCursor(s string) (cursorBody, error) {
	var b cursorBody
	bad := func() (cursorBody, error) {
		return cursorBody{}, errs.Errorf(errs.Invalid, "cursor %q is not one this API gave out: use the next link of the previous page", auth.ValidText(s))
	}
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(&b)
	}
	if err != nil || (b.Key == "") == (b.Eval == nil) || !cursorText(b.Key) || !cursorText(b.Version) {
		return bad()
	}
	if k := b.Eval; k != nil {
		if k.Indicator == "" || k.Period == "" || k.Area == "" ||
			!cursorText(k.Indicator) || !cursorText(k.Period) || !cursorText(k.Area) {
			return bad()
		}
		if t, err := time.Parse(time.DateOnly, k.PeriodEnd); err != nil || t.Format(time.DateOnly) != k.PeriodEnd {
			return bad()
		}
	}
	return b, nil
}

// cursorText reports whether a cursor field is text a key can hold: valid UTF-8 without control
// characters, at most maxCursorField bytes.
func cursorText(v string) bool {
	if len(v) > maxCursorField || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// pageRequest is the paging parameters of a request.
type pageRequest struct {
	Limit  int // 0 means everything
	Cursor *cursorBody
	// Limited is whether the request gave a limit.
	Limited bool
}

// parsePage reads limit and cursor; def is the limit when none is given (0 for everything).
func parsePage(c echo.Context, def int) (pageRequest, error) {
	p := pageRequest{Limit: def}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, errs.Errorf(errs.Invalid, "limit %q must be a whole number from 1 to %d", s, maxLimit)
		}
		p.Limit, p.Limited = n, true
	}
	if s := c.QueryParam("cursor"); s != "" {
		b, err := decodeCursor(s)
		if err != nil {
			return p, err
		}
		p.Cursor = &b
	}
	return p, nil
}

// nextURL is the request's URL with the cursor replaced by next: a relative reference, as
// Link headers allow.
func nextURL(c echo.Context, next string) string {
	u := *c.Request().URL
	q := u.Query()
	q.Set("cursor", next)
	u.RawQuery = q.Encode()
	return (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()
}

// pageOf sorts a list by key (unique per item: the list's one stable order) and cuts one page
// out of it. It returns the page and the next page's cursor ("" on the last page).
func pageOf[T any](items []T, p pageRequest, key func(T) string) ([]T, string, error) {
	return pageOfVersion(items, p, key, "")
}

// pageOfVersion is pageOf for a list of evaluations: the next cursor carries version.
func pageOfVersion[T any](items []T, p pageRequest, key func(T) string, version string) ([]T, string, error) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if p.Cursor != nil {
		if p.Cursor.Key == "" {
			return nil, "", errs.Errorf(errs.Invalid, "this cursor belongs to another list")
		}
		for start < len(items) && key(items[start]) <= p.Cursor.Key {
			start++
		}
	}
	items = items[start:]
	if p.Limit <= 0 || len(items) <= p.Limit {
		return items, "", nil
	}
	page := items[:p.Limit]
	return page, encodeCursor(cursorBody{Key: key(page[len(page)-1]), Version: version}), nil
}
