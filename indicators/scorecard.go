package indicators

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
)

//go:embed scorecards
var embeddedScorecards embed.FS

// AnyArea is the Area of a scorecard that can be read for any area.
const AnyArea = "any"

// Scorecard is a named, ordered set of indicators grouped into priorities, as a trust board
// reads them (Poole's six priorities, Leicestershire's tiers, Rotherham's success measures).
type Scorecard struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Area is the area the scorecard belongs to (GSS code, DfE code or name), or "any".
	Area       string     `yaml:"area" json:"area"`
	Source     string     `yaml:"source,omitempty" json:"source,omitempty"`
	Priorities []Priority `yaml:"priorities" json:"priorities"`
	File       string     `yaml:"-" json:"file"`
}

// Priority is one group of a scorecard, in order.
type Priority struct {
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Items       []Item `yaml:"items" json:"items"`
}

// Item is one indicator's row on a scorecard, with the plan's own reference and owners.
type Item struct {
	Indicator      string `yaml:"indicator" json:"indicator"`
	Reference      string `yaml:"reference,omitempty" json:"reference,omitempty"`
	Owner          string `yaml:"owner,omitempty" json:"owner,omitempty"`
	MonitoringBody string `yaml:"monitoring_body,omitempty" json:"monitoring_body,omitempty"`
}

// Scorecards is the validated set of scorecards, by id.
type Scorecards struct {
	list []*Scorecard
	byID map[string]*Scorecard
}

// All returns the scorecards in id order.
func (s *Scorecards) All() []*Scorecard { return s.list }

// Get returns the scorecard with the given id.
func (s *Scorecards) Get(id string) (*Scorecard, bool) {
	sc, ok := s.byID[id]
	return sc, ok
}

// LoadScorecards reads the embedded scorecards and then, if dir is not empty, every *.yaml in
// dir/scorecards (a file there replaces an embedded scorecard with the same id). Every problem
// in every file is reported at once, with its file and field.
func LoadScorecards(dir string, cat *Catalog, reg *areas.Registry) (*Scorecards, error) {
	var files []namedFile
	if err := collect(embeddedScorecards, "scorecards", "embedded:scorecards/", &files); err != nil {
		return nil, err
	}
	if dir != "" {
		sub := filepath.Join(dir, "scorecards")
		if _, err := os.Stat(sub); err == nil {
			if err := collect(os.DirFS(sub), ".", sub+string(os.PathSeparator), &files); err != nil {
				return nil, err
			}
		}
	}
	return parseScorecards(files, cat, reg)
}

// ParseScorecards decodes and validates scorecards from (file name, YAML) pairs, for tests.
func ParseScorecards(files map[string][]byte, cat *Catalog, reg *areas.Registry) (*Scorecards, error) {
	return parseScorecards(sortedFiles(files), cat, reg)
}

func parseScorecards(files []namedFile, cat *Catalog, reg *areas.Registry) (*Scorecards, error) {
	var problems errs.List
	out := &Scorecards{byID: map[string]*Scorecard{}}
	for _, f := range files {
		sc := &Scorecard{}
		if err := decodeStrict(f.data, sc); err != nil {
			problems.Add(errs.Detail{File: f.name, Reason: err.Error()})
			continue
		}
		sc.File = f.name
		if prev, dup := out.byID[sc.ID]; dup && sameOrigin(prev.File, f.name) {
			problems.Add(errs.Detail{File: f.name, Field: "id", Value: sc.ID, Reason: "duplicate id (also in " + prev.File + ")"})
			continue
		}
		out.byID[sc.ID] = sc
	}
	for _, sc := range out.byID {
		out.list = append(out.list, sc)
	}
	sort.Slice(out.list, func(i, j int) bool { return out.list[i].ID < out.list[j].ID })
	for _, sc := range out.list {
		for _, p := range sc.validate(cat, reg) {
			problems.Add(p)
		}
	}
	if err := problems.Err("scorecard definitions are not valid: %d problem(s)", problems.Len()); err != nil {
		return nil, err
	}
	return out, nil
}

func (sc *Scorecard) validate(cat *Catalog, reg *areas.Registry) []errs.Detail {
	var out []errs.Detail
	bad := func(field, value, reason string) {
		out = append(out, errs.Detail{File: sc.File, Field: field, Value: value, Reason: reason})
	}
	if !validID.MatchString(sc.ID) {
		bad("id", sc.ID, "id must be lower-case letters, digits, '.', '_' or '-' (at most 80)")
	}
	if strings.TrimSpace(sc.Title) == "" {
		bad("title", "", "title is required")
	}
	switch {
	case sc.Area == "":
		bad("area", "", `area is required (a GSS code, DfE code or name, or "any")`)
	case sc.Area != AnyArea && reg != nil:
		if _, ok := reg.Lookup(sc.Area); !ok {
			bad("area", sc.Area, "unknown area")
		}
	}
	if len(sc.Priorities) == 0 {
		bad("priorities", "", "a scorecard needs at least one priority")
	}
	for i, p := range sc.Priorities {
		f := fmt.Sprintf("priorities[%d]", i)
		if strings.TrimSpace(p.Title) == "" {
			bad(f+".title", "", "title is required")
		}
		if len(p.Items) == 0 {
			bad(f+".items", "", "a priority needs at least one indicator")
		}
		for j, it := range p.Items {
			if _, ok := cat.Get(it.Indicator); !ok {
				bad(fmt.Sprintf("%s.items[%d].indicator", f, j), it.Indicator, "no indicator with this id")
			}
		}
	}
	return out
}
