package indicators

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

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
	// Comparators names further comparators for the scorecard's rows (a comparator group).
	Comparators *ScorecardComparators `yaml:"comparators,omitempty" json:"comparators,omitempty"`
	File        string                `yaml:"-" json:"file"`
}

// ScorecardComparators are a scorecard's further comparators.
type ScorecardComparators struct {
	// Group is the id of a comparator group (Group): every row is also compared with the mean
	// of the group's members' values, as with the statistical neighbours.
	Group string `yaml:"group,omitempty" json:"group,omitempty"`
}

// GroupID is the comparator group the scorecard names, "" when none.
func (sc *Scorecard) GroupID() string {
	if sc.Comparators == nil {
		return ""
	}
	return sc.Comparators.Group
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

// Scorecards is the validated set of scorecards, by id. It is safe for concurrent use; Put
// swaps a whole scorecard, never edits one in place.
type Scorecards struct {
	mu   sync.RWMutex
	list []*Scorecard
	byID map[string]*Scorecard
}

// NewScorecards is an empty set of scorecards, for an App whose catalogue has none built in.
func NewScorecards() *Scorecards { return &Scorecards{byID: map[string]*Scorecard{}} }

// All returns the scorecards in id order.
func (s *Scorecards) All() []*Scorecard {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.list
}

// Get returns the scorecard with the given id.
func (s *Scorecards) Get(id string) (*Scorecard, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sc, ok := s.byID[id]
	return sc, ok
}

// Put makes sc the scorecard for sc.ID (replacing or adding) and returns a function that
// undoes exactly this change.
func (s *Scorecards) Put(sc *Scorecard) (undo func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, had := s.byID[sc.ID]
	s.setLocked(sc.ID, sc)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byID[sc.ID] != sc {
			return // replaced since: nothing of this change is left to undo
		}
		if had {
			s.setLocked(prev.ID, prev)
		} else {
			s.setLocked(sc.ID, nil)
		}
	}
}

func (s *Scorecards) setLocked(id string, sc *Scorecard) {
	byID := make(map[string]*Scorecard, len(s.byID)+1)
	for k, v := range s.byID {
		byID[k] = v
	}
	if sc == nil {
		delete(byID, id)
	} else {
		byID[id] = sc
	}
	list := make([]*Scorecard, 0, len(byID))
	for _, v := range byID {
		list = append(list, v)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	s.byID, s.list = byID, list
}

// DecodeScorecard decodes one scorecard from YAML (or JSON) strictly and validates it against
// the catalogue (every indicator it names must exist) and, when groups is not nil, the
// comparator groups. The error is an *errs.Error (errs.Invalid) listing every problem.
func DecodeScorecard(name string, data []byte, cat *Catalog, groups *Groups, reg *areas.Registry) (*Scorecard, error) {
	sc := &Scorecard{}
	if err := decodeStrict(data, sc); err != nil {
		return nil, &errs.Error{Code: errs.Invalid, Message: "the scorecard definition is not valid: 1 problem(s)",
			Details: []errs.Detail{{File: name, Reason: err.Error()}}, Total: 1}
	}
	sc.File = name
	var problems errs.List
	for _, p := range sc.validate(cat, reg) {
		problems.Add(p)
	}
	if g := sc.GroupID(); g != "" && groups != nil {
		if _, ok := groups.Get(g); !ok {
			problems.Add(errs.Detail{File: name, Field: "comparators.group", Value: g, Reason: "no comparator group with this id"})
		}
	}
	if err := problems.Err("the scorecard definition is not valid: %d problem(s)", problems.Len()); err != nil {
		return nil, err
	}
	return sc, nil
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
	if sc.Comparators != nil && sc.Comparators.Group != "" && !validID.MatchString(sc.Comparators.Group) {
		bad("comparators.group", sc.Comparators.Group, "a group id is lower-case letters, digits, '.', '_' or '-' (at most 80)")
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
