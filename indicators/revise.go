package indicators

import (
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"go.yaml.in/yaml/v3"
)

// Definitions revised at run time (PUT /api/v1/indicators/{id}): a body is decoded and
// validated on its own with DecodeDefinition, checked against the data by the engine, and then
// swapped into the catalogue with Put. The revision history itself is kept by the definitions
// package; this file only knows one definition at a time.

// DecodeDefinition decodes one definition from YAML (or JSON, which is YAML) strictly, fills
// its defaults as Load does, and validates it on its own: the error is an *errs.Error
// (errs.Invalid) listing every problem, each with name as its file. Nothing is changed. When
// the body decodes but does not validate, the definition is returned with the error, so that a
// caller can check it against the data too and report every problem at once.
func DecodeDefinition(name string, data []byte, reg *areas.Registry) (*Definition, error) {
	d, err := decode(namedFile{name: name, data: data})
	if err != nil {
		return nil, &errs.Error{Code: errs.Invalid, Message: "the indicator definition is not valid: 1 problem(s)",
			Details: []errs.Detail{{File: name, Reason: err.Error()}}, Total: 1}
	}
	var problems errs.List
	for _, p := range d.validate(reg) {
		problems.Add(p)
	}
	if err := problems.Err("the indicator definition is not valid: %d problem(s)", problems.Len()); err != nil {
		return d, err
	}
	return d, nil
}

// CheckData checks one definition against the datasets it reads, as Catalog.CheckData does for
// all of them, and returns every problem.
func (d *Definition) CheckData(schemas Schemas) []errs.Detail { return d.checkData(schemas) }

// Put makes d the catalogue's definition for d.ID, replacing the one with that id or adding
// it, and returns a function that undoes exactly this change (for a write that failed to
// commit); the undo does nothing once another Put has replaced d. Changes of one id are meant
// to be serialised (the App makes them inside the store's single writer). Readers holding the
// earlier All slice or Definition keep them unchanged.
func (c *Catalog) Put(d *Definition) (undo func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, had := c.byID[d.ID]
	c.setLocked(d.ID, d)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.byID[d.ID] != d {
			return
		}
		if had {
			c.setLocked(prev.ID, prev)
		} else {
			c.setLocked(d.ID, nil)
		}
	}
}

// setLocked replaces (d nil: removes) the definition with the given id, copying the map and
// the slice so that what readers already hold never changes.
func (c *Catalog) setLocked(id string, d *Definition) {
	byID := make(map[string]*Definition, len(c.byID)+1)
	for k, v := range c.byID {
		byID[k] = v
	}
	if d == nil {
		delete(byID, id)
	} else {
		byID[id] = d
	}
	defs := make([]*Definition, 0, len(byID))
	for _, v := range byID {
		defs = append(defs, v)
	}
	sort.Slice(defs, func(i, j int) bool { return defs[i].ID < defs[j].ID })
	c.byID, c.defs = byID, defs
}

// SourceText is the text a definition (or scorecard) was loaded from: the embedded file, or
// the file in the --indicators directory. When the file cannot be read again (a catalogue built
// in memory by Parse, or generated), it is the value written as YAML. It is what revision 0
// of a built-in definition shows.
func SourceText(file string, value any) []byte {
	if name, ok := strings.CutPrefix(file, "embedded:"); ok {
		var fsys fs.FS = embedded
		if strings.HasPrefix(name, "scorecards/") {
			fsys = embeddedScorecards
		}
		if b, err := fs.ReadFile(fsys, name); err == nil {
			return b
		}
	} else if file != "" {
		if b, err := os.ReadFile(file); err == nil {
			return b
		}
	}
	b, err := yaml.Marshal(value)
	if err != nil {
		return nil
	}
	return b
}
