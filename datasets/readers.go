package datasets

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/store"
)

// Source is how one indicator reads a dataset, as far as an upload needs to know it to warn
// that none of its rows will be read.
type Source struct {
	// Indicator is the indicator's id.
	Indicator string
	// Dataset is the dataset it reads.
	Dataset string
	// Filters select its rows: column -> value; "" selects rows where the column is empty.
	Filters map[string]string
	// ReturnIndicator is the value of a simple return's indicator column it selects.
	ReturnIndicator string
}

// SourceLister is what a Catalog may also answer: how every indicator reads its dataset. With
// it, an upload that no indicator will read is accepted with a warning saying what they read.
type SourceLister interface {
	Sources() []Source
}

// maxListed is how many indicators or datasets a no-op warning names before "and N more".
const maxListed = 12

// readerWarnings are the warnings for an upload (its rows in rev_<id>, before any merge adds
// others) that no indicator will read: either none reads the dataset, or the rows match none of
// the filters of those that do. One query, over the new table, counts the rows each reader
// selects. Nothing is said for the targets dataset, which the engine reads for every indicator.
func readerWarnings(ctx context.Context, conn *sql.Conn, cat Catalog, name string, id int64, t *Table) ([]string, error) {
	lister, ok := cat.(SourceLister)
	if !ok || name == TargetsDataset || t.Rows() == 0 {
		return nil, nil
	}
	all := lister.Sources()
	var readers []Source
	read := map[string]bool{}
	for _, s := range all {
		read[s.Dataset] = true
		if s.Dataset == name {
			readers = append(readers, s)
		}
	}
	if len(readers) == 0 {
		return []string{fmt.Sprintf("no indicator reads the dataset %s, so its rows are stored but no figure uses them; the indicators read the datasets %s "+
			"(and targets): load the file into one of those, or add an indicator that reads %s", name, listSome(slices.Sorted(maps.Keys(read))), name)}, nil
	}
	slices.SortFunc(readers, func(a, b Source) int { return strings.Compare(a.Indicator, b.Indicator) })
	// For each reader, its filters as the engine applies them (see engine.compile).
	var counts []string
	var args []any
	expects := make([]string, len(readers))
	for i, r := range readers {
		filters := maps.Clone(r.Filters)
		if filters == nil {
			filters = map[string]string{}
		}
		if t.Format == simpleReturn && r.ReturnIndicator != "" {
			filters["indicator"] = r.ReturnIndicator
		}
		cond := []string{`"_area" IS NOT NULL`, `"_period" IS NOT NULL`, `"_level" IN (?, ?, ?, ?, ?)`}
		args = append(args, LevelEngland, LevelRegion, LevelSubRegion, LevelLA, LevelSNAverage)
		var want []string
		for _, k := range slices.Sorted(maps.Keys(filters)) {
			v := filters[k]
			if v == "" {
				want = append(want, k+" empty")
			} else {
				want = append(want, fmt.Sprintf("%s = %q", k, v))
			}
			c, ok := findColumn(t.Columns, k)
			switch {
			case !ok:
				cond = append(cond, "FALSE") // the file has no such column: the reader selects nothing
			case v == "":
				cond = append(cond, store.QuoteIdent(c.Name)+" IS NULL")
			case c.Type == Number:
				cond = append(cond, store.QuoteIdent(c.Name)+" = TRY_CAST(? AS DOUBLE)")
				args = append(args, v)
			default:
				cond = append(cond, store.QuoteIdent(c.Name)+" = ?")
				args = append(args, v)
			}
		}
		counts = append(counts, fmt.Sprintf("count(*) FILTER (WHERE %s)", strings.Join(cond, " AND ")))
		expects[i] = r.Indicator
		if len(want) > 0 {
			expects[i] += " (" + strings.Join(want, ", ") + ")"
		}
	}
	got := make([]int64, len(readers))
	ptrs := make([]any, len(got))
	for i := range got {
		ptrs[i] = &got[i]
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(counts, ", "), store.QuoteIdent(revTable(id)))
	if err := conn.QueryRowContext(ctx, q, args...).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("count the rows the indicators read: %w", err)
	}
	for _, n := range got {
		if n > 0 {
			return nil, nil
		}
	}
	return []string{fmt.Sprintf("none of the %d rows is read by an indicator, so no figure changes: the indicators reading %s select rows with a period for England, "+
		"a region or a local authority, each with its filters: %s", t.Rows(), name, listSome(expects))}, nil
}

// listSome joins up to maxListed items, saying how many more there are.
func listSome(items []string) string {
	if len(items) > maxListed {
		return fmt.Sprintf("%s and %d more", strings.Join(items[:maxListed], "; "), len(items)-maxListed)
	}
	return strings.Join(items, "; ")
}
