package api

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// boolParam reads an optional true/false query parameter (false when absent).
func boolParam(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Errorf(errs.Invalid, "%s must be true or false, not %q", name, v)
	}
	return b, nil
}

// intParam reads an optional non-negative integer query parameter (def when absent).
func intParam(c echo.Context, name string, def int64) (int64, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Errorf(errs.Invalid, "%s must be a whole number of 0 or more, not %q", name, v)
	}
	return n, nil
}

// diffFormats are what a diff is offered as: a page of JSON, or every change as CSV.
var diffFormats = []format{formatJSON, formatCSV}

// revisionDiff answers GET /api/v1/datasets/{name}/revisions/{id}/diff: what changed between
// the revision and ?against= (by default the accepted revision before it), as a page of JSON
// (?limit=, ?offset=) or as CSV of every change, streamed. An area-limited token sees only its
// own areas' rows; the answer varies by token, so it is private.
func (s *Server) revisionDiff(c echo.Context) error {
	f, err := negotiate(c, diffFormats)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.Errorf(errs.Invalid, "revision id %q is not a positive integer", c.Param("id"))
	}
	against, err := intParam(c, "against", 0)
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", datasets.DefaultDiffLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(c, "offset", 0)
	if err != nil {
		return err
	}
	if limit == 0 || limit > datasets.MaxDiffLimit {
		return errs.Errorf(errs.Invalid, "limit must be between 1 and %d, not %d", datasets.MaxDiffLimit, limit)
	}
	// The answer depends on the areas the token may see: its ETag names them, and every answer,
	// 304 included, is private and varies by Authorization (set after notModified, which sets
	// the read's default Cache-Control).
	areas := allowedAreas(c)
	notModified := s.notModifiedVariant(c, f, areaScope(areas))
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Add(echo.HeaderVary, echo.HeaderAuthorization)
	if notModified {
		return c.NoContent(http.StatusNotModified)
	}
	ctx := c.Request().Context()
	name := c.Param("name")
	if f == formatJSON {
		d, err := s.Datasets.Diff(ctx, name, id, against, datasets.DiffOptions{Limit: int(limit), Offset: int(offset), Areas: areas})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	}
	// CSV: every change, written as it is read. An error before the header is sent (an
	// unknown or rejected revision) is still answered as JSON.
	var cw *csv.Writer
	var keys, cols []string
	err = s.Datasets.DiffEach(ctx, name, id, against, areas, func(d *datasets.Diff) error {
		keys, cols = d.KeyColumns, d.Columns
		h.Set(echo.HeaderContentType, formatCSV.ContentType)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, fileName(fmt.Sprintf("%s_revision_%d_diff", name, id)), formatCSV.Ext))
		c.Response().WriteHeader(http.StatusOK)
		cw = csv.NewWriter(c.Response())
		header := append([]string{"kind"}, keys...)
		for _, col := range cols {
			header = append(header, "old_"+col, "new_"+col)
		}
		return cw.Write(header)
	}, func(ch datasets.Change) error {
		return writeChange(cw, keys, cols, ch)
	})
	if err != nil && cw == nil {
		return err
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil && s.Log != nil {
		// The status is sent; all that can be done is to log and cut the stream short.
		s.Log.Error("writing a diff failed", "path", c.Request().URL.Path, "error", err)
	}
	return nil
}

// areaScope names the rows an area limit lets a token see, for a diff's ETag: "all" for no
// limit (nil), else a short hash of the sorted GSS codes (the same for every token with those
// areas, different for any other set).
func areaScope(areas []string) string {
	if areas == nil {
		return "all"
	}
	sorted := slices.Clone(areas)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, ",")))
	return "areas-" + hex.EncodeToString(sum[:8])
}

// writeChange writes one change as a CSV record: kind, key values, then the old and new value
// of each column. For rows without a key (cols empty) the key values are the row's own.
func writeChange(cw *csv.Writer, keys, cols []string, ch datasets.Change) error {
	rec := []string{ch.Kind}
	if len(cols) == 0 && ch.Key == nil {
		row := ch.New
		if row == nil {
			row = ch.Old
		}
		for _, k := range keys {
			rec = append(rec, diffCell(row[k]))
		}
	} else {
		for _, k := range ch.Key {
			rec = append(rec, diffCell(k))
		}
	}
	for _, col := range cols {
		rec = append(rec, diffCell(ch.Old[col]), diffCell(ch.New[col]))
	}
	return cw.Write(rec)
}

// diffCell writes a diff value for a spreadsheet: numbers in full, text neutralised.
func diffCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return neutralise(x)
	default:
		return neutralise(strings.TrimSpace(fmt.Sprint(x)))
	}
}
