package datasets

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/store"
)

// Kinds of change in a Diff.
const (
	Added   = "added"   // the row is in the revision, not in the one it is compared against
	Removed = "removed" // the row is in the revision compared against, not in the revision
	Changed = "changed" // a row with the same key holds other values
)

// Diff limits.
const (
	// DefaultDiffLimit is the page size of a Diff when DiffOptions.Limit is 0.
	DefaultDiffLimit = 100
	// MaxDiffLimit is the largest page a Diff returns.
	MaxDiffLimit = 1000
)

// DiffOptions selects the page of changes a Diff returns.
type DiffOptions struct {
	// Limit is the page size: 0 means DefaultDiffLimit; at most MaxDiffLimit.
	Limit int
	// Offset is how many changes (in key order) to skip.
	Offset int
	// Areas, when not nil, restricts the diff to local-authority rows for these GSS codes (an
	// area-limited token sees only its own areas' rows); nil compares every row.
	Areas []string
}

// Diff is what changed between two revisions of a dataset: rows added, removed and changed,
// matched by the key of the dataset's format.
type Diff struct {
	Dataset  string `json:"dataset"`
	Revision int64  `json:"revision"`
	// Against is the revision compared against: 0 when the revision has no accepted revision
	// before it, so every row is added.
	Against int64 `json:"against"`
	// KeyColumns name the values that match rows: the format's key columns and the normalised
	// _area, _level and _period. For a format without a key (or two revisions of different
	// formats) they are every column, and rows are only added or removed.
	KeyColumns []string `json:"key_columns"`
	// Columns are the columns compared (every column of either revision that is not a key).
	Columns   []string `json:"columns"`
	Added     int      `json:"added"`
	Removed   int      `json:"removed"`
	Changed   int      `json:"changed"`
	Unchanged int      `json:"unchanged"`
	Limit     int      `json:"limit"`
	Offset    int      `json:"offset"`
	// Changes is the page of changes, ordered by key.
	Changes []Change `json:"changes"`
}

// Change is one row that differs between two revisions.
type Change struct {
	// Kind is Added, Removed or Changed.
	Kind string `json:"kind"`
	// Key holds the row's key values, in the order of Diff.KeyColumns (nil for NULL); nil when
	// the rows have no key (the whole row is its key: see Old and New).
	Key []any `json:"key"`
	// Old and New hold the row's values by column in the revision compared against and in the
	// revision (nil for a row that is not there): a number, a suppression marker such as "c",
	// or nil for an empty cell.
	Old map[string]any `json:"old,omitempty"`
	New map[string]any `json:"new,omitempty"`
	// ChangedColumns are the columns whose values differ, for a changed row.
	ChangedColumns []string `json:"changed_columns,omitempty"`
}

// diffColumn is one compared column: how each side selects it.
type diffColumn struct {
	name     string
	number   bool // both sides numeric: value and marker compared separately
	old, new Column
	inOld    bool
	inNew    bool
}

// sideExprs are the value and marker expressions of a column on one side.
func (c diffColumn) sideExprs(col Column, present bool) (value, marker string) {
	if !present {
		return "NULL", "NULL"
	}
	q := store.QuoteIdent(col.Name)
	if col.Type == Number {
		m := store.QuoteIdent(MarkerColumn(col.Name))
		if c.number {
			return q, m
		}
		// Compared with text: as the text of the number, or its marker.
		return fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), %s)", q, m), "NULL"
	}
	return q, "NULL"
}

// diffPlan is the SQL of a diff.
type diffPlan struct {
	d     Diff
	keyed bool
	cols  []diffColumn
	sql   string // the joined rows: kind, key values, _n, then old and new value and marker of each column
	args  []any
	nkey  int
}

// Diff compares revision id of the dataset with revision against (0: the accepted revision
// before id; none: an empty dataset, so every row is added) and returns the counts and one page
// of the changes in key order. Rows are matched by the format's key (see Format.Key) and
// compared on every other column (the format's checks make keys unique). Rows of a format
// without a key are matched whole, a row that repeats by its order in the file.
// A rejected revision holds no rows: errs.Conflict; an unknown one: errs.NotFound.
func (s *Service) Diff(ctx context.Context, name string, id, against int64, opt DiffOptions) (*Diff, error) {
	if opt.Limit <= 0 {
		opt.Limit = DefaultDiffLimit
	}
	if opt.Limit > MaxDiffLimit {
		return nil, errs.Errorf(errs.Invalid, "limit %d is larger than %d", opt.Limit, MaxDiffLimit)
	}
	if opt.Offset < 0 {
		return nil, errs.Errorf(errs.Invalid, "offset %d is negative", opt.Offset)
	}
	p, err := s.planDiff(ctx, name, id, against, opt.Areas)
	if err != nil {
		return nil, err
	}
	d := p.d
	d.Limit, d.Offset = opt.Limit, opt.Offset
	rows, err := s.DB.SQL.QueryContext(ctx, "SELECT kind, count(*) FROM ("+p.sql+") GROUP BY kind", p.args...)
	if err != nil {
		return nil, fmt.Errorf("datasets: diff %s %d: count: %w", name, id, err)
	}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("datasets: diff %s %d: count: %w", name, id, err)
		}
		switch kind {
		case Added:
			d.Added = n
		case Removed:
			d.Removed = n
		case Changed:
			d.Changed = n
		default:
			d.Unchanged = n
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasets: diff %s %d: count: %w", name, id, err)
	}
	d.Changes = []Change{}
	err = p.each(ctx, s.DB.SQL, opt.Limit, opt.Offset, func(c Change) error {
		d.Changes = append(d.Changes, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datasets: diff %s %d: %w", name, id, err)
	}
	return &d, nil
}

// DiffEach is Diff without paging or counts, for a CSV download streamed: it calls head once
// with the diff's revisions and columns (no counts, no changes) before any change, then fn with
// every change in key order. An error from head or fn stops it and is returned as it is.
func (s *Service) DiffEach(ctx context.Context, name string, id, against int64, areas []string, head func(*Diff) error, fn func(Change) error) error {
	p, err := s.planDiff(ctx, name, id, against, areas)
	if err != nil {
		return err
	}
	d := p.d
	if err := head(&d); err != nil {
		return err
	}
	return p.each(ctx, s.DB.SQL, -1, 0, fn)
}

// diffSide reads a revision for a diff: NotFound when there is none, Conflict when it was
// rejected.
func diffSide(ctx context.Context, conn *sql.Conn, name string, id int64) (*Revision, error) {
	rev, err := getRevision(ctx, conn, name, id)
	if err != nil {
		return nil, err
	}
	if rev.Status == Rejected {
		return nil, errs.Errorf(errs.Conflict, "revision %d of %s was rejected and holds no rows to compare: compare accepted or restored revisions", id, name)
	}
	return rev, nil
}

func (s *Service) planDiff(ctx context.Context, name string, id, against int64, areas []string) (*diffPlan, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	conn, err := s.DB.SQL.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("datasets: diff: %w", err)
	}
	defer conn.Close()
	newRev, err := diffSide(ctx, conn, name, id)
	if err != nil {
		return nil, err
	}
	var oldRev *Revision
	if against == 0 {
		var prev sql.NullInt64
		if err := conn.QueryRowContext(ctx, `SELECT max(id) FROM revisions WHERE dataset = ? AND id < ? AND status <> ?`, name, id, Rejected).Scan(&prev); err != nil {
			return nil, fmt.Errorf("datasets: diff: find the revision before %d: %w", id, err)
		}
		against = prev.Int64
	}
	if against != 0 {
		if oldRev, err = diffSide(ctx, conn, name, against); err != nil {
			return nil, err
		}
	}
	p := &diffPlan{d: Diff{Dataset: name, Revision: id, Against: against}}

	// The key: the format's, when both sides are of that format.
	f := formatNamed(newRev.Format)
	p.keyed = f != nil && f.Key != nil && (oldRev == nil || oldRev.Format == newRev.Format)
	var keyText []string
	if p.keyed {
		for _, k := range f.Key {
			if c, ok := findColumn(newRev.Columns, k); ok && (oldRev == nil || hasColumn(oldRev.Columns, k, Text)) && c.Type == Text {
				keyText = append(keyText, c.Name)
			} else {
				p.keyed = false
			}
		}
	}
	var oldCols []Column
	if oldRev != nil {
		oldCols = oldRev.Columns
	}
	for _, c := range newRev.Columns {
		if p.keyed && slices.ContainsFunc(keyText, func(k string) bool { return strings.EqualFold(k, c.Name) }) {
			continue
		}
		dc := diffColumn{name: c.Name, new: c, inNew: true}
		if o, ok := findColumn(oldCols, c.Name); ok {
			dc.old, dc.inOld = o, true
		}
		dc.number = c.Type == Number && (!dc.inOld || dc.old.Type == Number)
		p.cols = append(p.cols, dc)
	}
	for _, o := range oldCols {
		if _, ok := findColumn(newRev.Columns, o.Name); !ok {
			p.cols = append(p.cols, diffColumn{name: o.Name, old: o, inOld: true, number: o.Type == Number})
		}
	}

	// Each side: key expressions k0..., the occurrence number _n, then v0, m0, v1, m1, ...
	var keyExprs []string
	if p.keyed {
		for _, k := range keyText {
			keyExprs = append(keyExprs, store.QuoteIdent(k))
			p.d.KeyColumns = append(p.d.KeyColumns, k)
		}
		keyExprs = append(keyExprs, `"_area"`, `"_level"`, `"_period"`)
		p.d.KeyColumns = append(p.d.KeyColumns, "_area", "_level", "_period")
		for _, c := range p.cols {
			p.d.Columns = append(p.d.Columns, c.name)
		}
	} else {
		p.d.Columns = []string{}
		for _, c := range p.cols {
			p.d.KeyColumns = append(p.d.KeyColumns, c.name)
		}
	}
	where := "TRUE"
	var whereArgs []any
	if areas != nil {
		where = "FALSE"
		if len(areas) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(areas)), ", ")
			where = fmt.Sprintf(`"_level" = ? AND "_area" IN (%s)`, marks)
			whereArgs = append(whereArgs, LevelLA)
			for _, a := range areas {
				whereArgs = append(whereArgs, a)
			}
		}
	}
	side := func(rev *Revision, isNew bool) (string, []any) {
		table, cond, args := revTable(id), where, whereArgs
		if rev == nil {
			cond, args = "FALSE", nil // no revision before: an empty side of the same shape
		} else {
			table = revTable(rev.ID)
		}
		var sel []string
		var values []string
		for _, c := range p.cols {
			col, present := c.old, c.inOld
			if isNew {
				col, present = c.new, c.inNew
			}
			if rev == nil {
				present = false
			}
			v, m := c.sideExprs(col, present)
			values = append(values, v, m)
		}
		keys := keyExprs
		if !p.keyed {
			keys = values
		}
		for i, k := range keys {
			sel = append(sel, fmt.Sprintf("%s AS k%d", k, i))
		}
		part := "NULL"
		if len(keys) > 0 {
			part = strings.Join(keys, ", ")
		}
		if p.keyed {
			// The format's checks refuse two rows with the same key: no occurrence to number.
			sel = append(sel, "1 AS _n")
		} else {
			sel = append(sel, fmt.Sprintf(`row_number() OVER (PARTITION BY %s ORDER BY "_row") AS _n`, part))
		}
		for i, v := range values {
			sel = append(sel, fmt.Sprintf("%s AS c%d", v, i))
		}
		return fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(sel, ", "), store.QuoteIdent(table), cond), args
	}
	oldSQL, oldArgs := side(oldRev, false)
	newSQL, newArgs := side(newRev, true)
	nkey := len(keyExprs)
	if !p.keyed {
		nkey = 2 * len(p.cols)
	}
	p.nkey = nkey
	var on, sel, distinct []string
	for i := range nkey {
		on = append(on, fmt.Sprintf("o.k%d IS NOT DISTINCT FROM n.k%d", i, i))
		sel = append(sel, fmt.Sprintf("CASE WHEN n._n IS NULL THEN o.k%d ELSE n.k%d END AS k%d", i, i, i))
	}
	on = append(on, "o._n = n._n")
	for i := range 2 * len(p.cols) {
		sel = append(sel, fmt.Sprintf("o.c%d AS o%d, n.c%d AS n%d", i, i, i, i))
		distinct = append(distinct, fmt.Sprintf("o.c%d IS DISTINCT FROM n.c%d", i, i))
	}
	changed := "FALSE"
	if p.keyed && len(distinct) > 0 {
		changed = strings.Join(distinct, " OR ")
	}
	kind := fmt.Sprintf("CASE WHEN o._n IS NULL THEN '%s' WHEN n._n IS NULL THEN '%s' WHEN %s THEN '%s' ELSE 'unchanged' END AS kind", Added, Removed, changed, Changed)
	p.sql = fmt.Sprintf("SELECT %s, %s, coalesce(n._n, o._n) AS _n FROM (%s) o FULL OUTER JOIN (%s) n ON %s",
		kind, strings.Join(sel, ", "), oldSQL, newSQL, strings.Join(on, " AND "))
	p.args = append(append(p.args, oldArgs...), newArgs...)
	return p, nil
}

// each runs the plan for its changes in key order (limit < 0: all of them) and calls fn.
func (p *diffPlan) each(ctx context.Context, q queryer, limit, offset int, fn func(Change) error) error {
	var order []string
	for i := range p.nkey {
		order = append(order, fmt.Sprintf("k%d", i))
	}
	order = append(order, "_n", "kind")
	text := fmt.Sprintf("SELECT * FROM (%s) WHERE kind <> 'unchanged' ORDER BY %s", p.sql, strings.Join(order, ", "))
	args := p.args
	if limit >= 0 {
		text += " LIMIT ? OFFSET ?"
		args = append(slices.Clip(args), limit, offset)
	}
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	ncol := 2 * len(p.cols)
	vals := make([]any, 1+p.nkey+2*ncol+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		c := Change{Kind: fmt.Sprint(vals[0])}
		if p.keyed {
			c.Key = slices.Clone(vals[1 : 1+p.nkey])
		}
		cells := vals[1+p.nkey : 1+p.nkey+2*ncol]
		side := func(off int) map[string]any {
			m := make(map[string]any, len(p.cols))
			for i, col := range p.cols {
				v, marker := cells[2*(2*i)+off], cells[2*(2*i+1)+off]
				if v == nil && marker != nil {
					v = marker
				}
				m[col.name] = v
			}
			return m
		}
		if c.Kind != Added {
			c.Old = side(0)
		}
		if c.Kind != Removed {
			c.New = side(1)
		}
		if c.Kind == Changed {
			for i, col := range p.cols {
				if cells[4*i] != cells[4*i+1] || cells[4*i+2] != cells[4*i+3] {
					c.ChangedColumns = append(c.ChangedColumns, col.name)
				}
			}
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

func findColumn(cols []Column, name string) (Column, bool) {
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

func hasColumn(cols []Column, name string, typ ColumnType) bool {
	c, ok := findColumn(cols, name)
	return ok && c.Type == typ
}
