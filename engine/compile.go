package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/store"
)

// query is a compiled definition: SQL text with only quoted identifiers in it, and the values
// it needs bound as arguments.
type query struct {
	sql  string
	args []any
}

// compile turns a definition into the query that reads its observations from the dataset's
// current revision. Column names come from the definition and are checked against the dataset;
// filter values are bound, never pasted.
func compile(def *indicators.Definition, ds *datasets.Dataset) (query, error) {
	var problems errs.List
	col := func(field, name string, numeric bool) string {
		if name == "" {
			return "NULL"
		}
		c, ok := ds.Column(name)
		if !ok {
			problems.Add(errs.Detail{File: def.File, Field: field, Value: name, Reason: "dataset " + ds.Name + " has no such column"})
			return "NULL"
		}
		if numeric && c.Type != datasets.Number {
			problems.Add(errs.Detail{File: def.File, Field: field, Value: name, Reason: "column is not numeric in dataset " + ds.Name})
			return "NULL"
		}
		return store.QuoteIdent(c.Name)
	}
	s := def.Source
	value := col("source.value", s.Value, true)
	marker := "NULL"
	if value != "NULL" {
		c, _ := ds.Column(s.Value)
		marker = store.QuoteIdent(datasets.MarkerColumn(c.Name))
	}
	selects := []string{`"_row"`, `"_area"`, `"_level"`, `"_period"`, value, marker,
		col("source.numerator", s.Numerator, true), col("source.denominator", s.Denominator, true),
		col("source.lower95", s.Lower95, true), col("source.upper95", s.Upper95, true),
		col("source.lower998", s.Lower998, true), col("source.upper998", s.Upper998, true),
		col("source.sd", s.SD, true)}

	where := []string{`"_area" IS NOT NULL`, `"_period" IS NOT NULL`, `"_level" IN (?, ?, ?, ?, ?)`}
	args := []any{datasets.LevelEngland, datasets.LevelRegion, datasets.LevelSubRegion, datasets.LevelLA, datasets.LevelSNAverage}
	filters := map[string]string{}
	for k, v := range s.Filters {
		filters[k] = v
	}
	if ds.Current.Format == "simple_return" {
		ind := s.Indicator
		if ind == "" {
			ind = def.ID
		}
		filters["indicator"] = ind
	}
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c, ok := ds.Column(k)
		if !ok {
			problems.Add(errs.Detail{File: def.File, Field: "source.filters." + k, Value: k, Reason: "dataset " + ds.Name + " has no such column"})
			continue
		}
		v := filters[k]
		switch {
		case v == "":
			where = append(where, store.QuoteIdent(c.Name)+" IS NULL")
		case c.Type == datasets.Number:
			where = append(where, store.QuoteIdent(c.Name)+" = TRY_CAST(? AS DOUBLE)")
			args = append(args, v)
		default:
			where = append(where, store.QuoteIdent(c.Name)+" = ?")
			args = append(args, v)
		}
	}
	if err := problems.Err("indicator %s does not match dataset %s", def.ID, ds.Name); err != nil {
		return query{}, err
	}
	return query{
		sql: fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(selects, ", "),
			store.QuoteIdent(ds.Table), strings.Join(where, " AND ")),
		args: args,
	}, nil
}

// SourceQuery is the SQL an indicator's definition compiles to, against the current revision of
// its dataset: the statement, its bound arguments, and the revision's table. The columns are
// _row, _area, _level, _period, value, marker, numerator, denominator, lower95, upper95,
// lower998, upper998 and sd (NULL where the definition has none).
type SourceQuery struct {
	SQL   string
	Args  []any
	Table string
}

// SourceSQL compiles an indicator's definition against its dataset's current revision (for
// `scorecard check`, for debugging a definition, and for the raw-SQL performance baseline).
func (e *Engine) SourceSQL(ctx context.Context, indicator string) (SourceQuery, error) {
	def, ok := e.Catalog.Get(indicator)
	if !ok {
		return SourceQuery{}, errs.Errorf(errs.NotFound, "no indicator %q", indicator)
	}
	ds, err := e.Datasets.Get(ctx, def.Source.Dataset)
	if err != nil {
		return SourceQuery{}, err
	}
	q, err := compile(def, ds)
	if err != nil {
		return SourceQuery{}, err
	}
	return SourceQuery{SQL: q.sql, Args: q.args, Table: ds.Table}, nil
}
