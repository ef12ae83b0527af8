package indicators

import (
	"fmt"
	"sort"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
)

// Schemas answers which columns a dataset's current revision has; ok is false when there is no
// such dataset.
type Schemas func(dataset string) (columns []datasets.Column, ok bool)

// CheckData checks every definition against the datasets it reads: the dataset exists, every
// named column exists, and value, numerator, denominator and limit columns are numeric. It
// returns one *errs.Error listing every problem, or nil.
func (c *Catalog) CheckData(schemas Schemas) error {
	var problems errs.List
	for _, d := range c.All() {
		for _, p := range d.checkData(schemas) {
			problems.Add(p)
		}
	}
	return problems.Err("indicator definitions do not match the data: %d problem(s)", problems.Len())
}

func (d *Definition) checkData(schemas Schemas) []errs.Detail {
	var out []errs.Detail
	cols, ok := schemas(d.Source.Dataset)
	if !ok {
		return []errs.Detail{{File: d.File, Field: "source.dataset", Value: d.Source.Dataset, Reason: "no dataset with this name has been loaded"}}
	}
	byName := map[string]datasets.Column{}
	for _, c := range cols {
		byName[c.Name] = c
	}
	need := func(field, column string, numeric bool) {
		if column == "" {
			return
		}
		c, ok := byName[column]
		switch {
		case !ok:
			out = append(out, errs.Detail{File: d.File, Field: field, Value: column,
				Reason: fmt.Sprintf("dataset %s has no column %q", d.Source.Dataset, column)})
		case numeric && c.Type != datasets.Number:
			out = append(out, errs.Detail{File: d.File, Field: field, Value: column,
				Reason: fmt.Sprintf("column %q of dataset %s is not numeric", column, d.Source.Dataset)})
		}
	}
	s := d.Source
	need("source.value", s.Value, true)
	need("source.numerator", s.Numerator, true)
	need("source.denominator", s.Denominator, true)
	need("source.sd", s.SD, true)
	need("source.lower95", s.Lower95, true)
	need("source.upper95", s.Upper95, true)
	need("source.lower998", s.Lower998, true)
	need("source.upper998", s.Upper998, true)
	keys := make([]string, 0, len(s.Filters))
	for k := range s.Filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		need("source.filters."+k, k, false)
	}
	return out
}
