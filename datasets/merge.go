package datasets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// A merge upload replaces only some areas' rows of a dataset: the new revision holds the file's
// rows and every row of the current revision outside those areas, carried over unchanged. For
// an area-limited uploader the areas replaced are the token's (all of them, so a file without
// one of its areas removes that area's rows); for a merge asked for by a token for every area,
// they are the areas (with their level) that the file holds rows for.

// mergePlan is what a merge carries over from the dataset's current revision.
type mergePlan struct {
	from    *Revision // the current revision merged from
	common  []Column  // columns both the file and the current revision have
	extra   []Column  // columns of the current revision that the file lacks, kept (NULL in the file's rows)
	where   string    // the condition (placeholders only) selecting the rows carried over
	args    []any
	carried int // how many rows are carried over
}

// areaLevel is an area code and level pair as stored in _area and _level ("" = NULL).
type areaLevel struct{ code, level string }

// planMerge reads the current revision of the dataset (nil plan when it has none) and decides
// which of its rows a merge of t keeps: those not for the uploader's areas (allowed, when the
// token is limited) or not for an area and level the file holds (allowed nil). It refuses a
// current revision of another format, or with a column of the same name and another type,
// since the merged revision could not hold both.
func planMerge(ctx context.Context, conn *sql.Conn, name string, t *Table, allowed []string) (*mergePlan, error) {
	var current int64
	err := conn.QueryRowContext(ctx, `SELECT current_revision FROM datasets WHERE name = ?`, name).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil // a new dataset: nothing to merge with
	}
	if err != nil {
		return nil, fmt.Errorf("read current revision of %s: %w", name, err)
	}
	from, err := getRevision(ctx, conn, name, current)
	if err != nil {
		return nil, err
	}
	if from.Format != t.Format.Name {
		return nil, errs.Errorf(errs.Conflict, "the upload was refused: a merge keeps the dataset's format, and %s's current revision %d is a %s file while this file is a %s file (%s); "+
			"send a %s file, or ask an admin to replace the dataset; nothing was stored", name, from.ID, from.Format, t.Format.Name, t.Format.Header(), from.Format)
	}
	p := &mergePlan{from: from}
	var problems errs.List
	for _, old := range from.Columns {
		i := slices.IndexFunc(t.Columns, func(c Column) bool { return strings.EqualFold(c.Name, old.Name) })
		switch {
		case i < 0:
			p.extra = append(p.extra, Column{Name: old.Name, Type: old.Type})
		case t.Columns[i].Type == old.Type:
			p.common = append(p.common, Column{Name: old.Name, Type: old.Type})
		default:
			problems.Add(errs.Detail{Row: 1, Column: t.Columns[i].Name, Reason: fmt.Sprintf(
				"the column holds %s values in this file but %s values in the current revision %d of %s, whose rows a merge keeps: one column cannot hold both",
				t.Columns[i].Type, old.Type, from.ID, name)})
		}
	}
	if problems.Len() > 0 {
		return nil, &errs.Error{Code: errs.Conflict, Total: problems.Len(), Details: listDetails(&problems),
			Message: fmt.Sprintf("the upload was refused: it cannot be merged into %s; nothing was stored", name)}
	}
	if allowed != nil {
		// The token's own local-authority rows are replaced; everything else (other areas,
		// comparators, neighbour averages, which the token may not load) is kept.
		marks := make([]string, len(allowed))
		p.args = append(p.args, LevelLA)
		for i, a := range allowed {
			marks[i] = "?"
			p.args = append(p.args, a)
		}
		p.where = fmt.Sprintf(`NOT ("_level" IS NOT DISTINCT FROM ? AND "_area" IN (%s))`, strings.Join(marks, ", "))
		if len(allowed) == 0 {
			p.where, p.args = "TRUE", nil
		}
	} else {
		seen := map[areaLevel]bool{}
		var pairs []string
		for ri := range t.keys {
			code, level := t.Area(ri)
			k := areaLevel{code, level}
			if seen[k] {
				continue
			}
			seen[k] = true
			pairs = append(pairs, `("_area" IS NOT DISTINCT FROM ? AND "_level" IS NOT DISTINCT FROM ?)`)
			p.args = append(p.args, nullIfEmpty(code), nullIfEmpty(level))
		}
		p.where = "TRUE"
		if len(pairs) > 0 {
			p.where = "NOT (" + strings.Join(pairs, " OR ") + ")"
		}
	}
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", store.QuoteIdent(revTable(from.ID)), p.where)
	if err := conn.QueryRowContext(ctx, q, p.args...).Scan(&p.carried); err != nil {
		return nil, fmt.Errorf("count the rows %s keeps: %w", name, err)
	}
	return p, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// columnsSQL is the stored columns of cols (a numeric column with its marker column), quoted.
func columnsSQL(cols []Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, store.QuoteIdent(c.Name))
		if c.Type == Number {
			out = append(out, store.QuoteIdent(MarkerColumn(c.Name)))
		}
	}
	return out
}

// apply adds the kept columns to rev_<id> (which holds the file's rows) and copies the kept rows
// of the current revision into it, in one statement, matching columns by name.
func (p *mergePlan) apply(ctx context.Context, conn *sql.Conn, id int64) error {
	table := store.QuoteIdent(revTable(id))
	for _, c := range p.extra {
		typ := "VARCHAR"
		if c.Type == Number {
			typ = "DOUBLE"
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", table, store.QuoteIdent(c.Name), typ)); err != nil {
			return fmt.Errorf("add column %s: %w", c.Name, err)
		}
		if c.Type == Number {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s VARCHAR", table, store.QuoteIdent(MarkerColumn(c.Name)))); err != nil {
				return fmt.Errorf("add column %s: %w", MarkerColumn(c.Name), err)
			}
		}
	}
	if p.carried == 0 {
		return nil
	}
	// Columns the file has and the current revision lacks are left out: NULL in the rows
	// carried over.
	cols := append([]string{`"_row"`, `"_area"`, `"_level"`, `"_period"`, `"_period_kind"`, `"_period_end"`}, columnsSQL(p.common)...)
	cols = append(cols, columnsSQL(p.extra)...)
	list := strings.Join(cols, ", ")
	q := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s", table, list, list, store.QuoteIdent(revTable(p.from.ID)), p.where)
	if _, err := conn.ExecContext(ctx, q, p.args...); err != nil {
		return fmt.Errorf("carry over the rows of revision %d: %w", p.from.ID, err)
	}
	return nil
}
