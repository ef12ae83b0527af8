package datasets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
)

// areaColumns are the columns that name a row's area in the known formats, in the order they
// are tried when reporting which cell put a row outside an uploader's areas.
var areaColumns = []string{"area", "area code", "new_la_code", "old_la_code", "la_number", "la_name", "region_code", "country_code"}

// checkAreas refuses a parsed upload that has any row outside allowed (GSS codes of local
// authorities). Every offending row is listed (up to errs.MaxDetails, with the total).
func checkAreas(t *Table, allowed []string, reg *areas.Registry) error {
	var problems errs.List
	allowedNames := describeAreas(allowed, reg)
	for ri := range t.keys {
		k := t.key(ri)
		reason := ""
		switch {
		case k.area == nil:
			reason = "the row is for a geography outside the areas this token may load"
		case k.level == LevelSNAverage:
			reason = fmt.Sprintf("the row is a published statistical-neighbour average (%s), a comparator; this token may load only local figures for %s", k.area.Name, allowedNames)
		case k.level == LevelEngland || k.level == LevelRegion || k.level == LevelSubRegion:
			reason = fmt.Sprintf("the row is for %s (%s), a comparator for every area; this token may load only rows for %s", k.area.Name, k.area.Code, allowedNames)
		case !slices.Contains(allowed, k.area.Code):
			reason = fmt.Sprintf("the row is for %s (%s); this token may load only rows for %s", k.area.Name, k.area.Code, allowedNames)
		}
		if reason == "" {
			continue
		}
		col, val := t.areaCell(ri)
		problems.Add(errs.Detail{Row: int(t.lines[ri]), Column: col, Value: val, Reason: reason})
	}
	if problems.Len() == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Forbidden, Total: problems.Len(), Details: listDetails(&problems),
		Message: fmt.Sprintf("the upload was refused: %d row(s) are for areas this token may not load; nothing was stored", problems.Len())}
}

// listDetails returns the details an errs.List collected.
func listDetails(l *errs.List) []errs.Detail {
	var e *errs.Error
	if errors.As(l.Err(""), &e) {
		return e.Details
	}
	return nil
}

// areaCell returns the column and value that name row ri's area.
func (t *Table) areaCell(ri int) (string, string) {
	for _, want := range areaColumns {
		for ci, c := range t.Columns {
			if c.Type == Number || !strings.EqualFold(c.Name, want) {
				continue
			}
			if v := t.text(ci, ri); v != "" {
				return c.Name, v
			}
		}
	}
	k := t.key(ri)
	if k.area != nil {
		return "area", k.area.Code
	}
	return "area", ""
}

func describeAreas(codes []string, reg *areas.Registry) string {
	if reg == nil {
		reg = areas.Default()
	}
	out := ""
	for i, c := range codes {
		if i > 0 {
			out += ", "
		}
		if a, ok := reg.Lookup(c); ok {
			out += fmt.Sprintf("%s (%s)", a.Name, a.Code)
		} else {
			out += c
		}
	}
	if out == "" {
		out = "no areas"
	}
	return out
}

// rowQueryer is *sql.DB or *sql.Conn.
type rowQueryer interface {
	queryer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
