package indicators

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
)

// Group is a user-defined comparator group: a named set of local authorities ("core cities",
// a partnership's chosen peers). A scorecard (comparators.group) or a request (?group=) names it
// as a further comparator: an area is compared with the mean of the other members' values.
type Group struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Areas are the members: GSS codes, DfE codes or names of local authorities. Once decoded
	// they are GSS codes, sorted, each once.
	Areas []string `yaml:"areas" json:"areas"`
}

// Has reports whether the GSS code is a member of the group.
func (g *Group) Has(code string) bool {
	i := sort.SearchStrings(g.Areas, code)
	return i < len(g.Areas) && g.Areas[i] == code
}

// MaxGroupAreas is the most members a comparator group may have.
const MaxGroupAreas = 500

// DecodeGroup decodes one comparator group from YAML (or JSON) strictly and validates it: an
// id, a title, and at least two members, each a known local authority given once. Members are
// returned as GSS codes in order. The error is an *errs.Error (errs.Invalid) listing every problem.
func DecodeGroup(name string, data []byte, reg *areas.Registry) (*Group, error) {
	g := &Group{}
	if err := decodeStrict(data, g); err != nil {
		return nil, &errs.Error{Code: errs.Invalid, Message: "the comparator group is not valid: 1 problem(s)",
			Details: []errs.Detail{{File: name, Reason: err.Error()}}, Total: 1}
	}
	var problems errs.List
	bad := func(field, value, reason string) {
		problems.Add(errs.Detail{File: name, Field: field, Value: value, Reason: reason})
	}
	if !validID.MatchString(g.ID) {
		bad("id", g.ID, "id must be lower-case letters, digits, '.', '_' or '-' (at most 80)")
	}
	if strings.TrimSpace(g.Title) == "" {
		bad("title", "", "title is required")
	}
	switch {
	case len(g.Areas) < 2:
		bad("areas", "", "a comparator group needs at least two local authorities")
	case len(g.Areas) > MaxGroupAreas:
		bad("areas", "", fmt.Sprintf("a comparator group has at most %d local authorities", MaxGroupAreas))
	}
	seen := map[string]int{}
	codes := make([]string, 0, len(g.Areas))
	for i, v := range g.Areas {
		f := fmt.Sprintf("areas[%d]", i)
		a, ok := reg.Lookup(strings.TrimSpace(v))
		switch {
		case !ok:
			bad(f, v, "unknown area (give a GSS code, DfE code or name)")
			continue
		case a.Level != areas.LocalAuthority:
			bad(f, v, fmt.Sprintf("%s is not a local authority", a.Name))
			continue
		}
		if j, dup := seen[a.Code]; dup {
			bad(f, v, fmt.Sprintf("the same area as areas[%d] (%s)", j, a.Code))
			continue
		}
		seen[a.Code] = i
		codes = append(codes, a.Code)
	}
	if err := problems.Err("the comparator group is not valid: %d problem(s)", problems.Len()); err != nil {
		return nil, err
	}
	sort.Strings(codes)
	g.Areas = codes
	return g, nil
}

// Groups is the set of comparator groups, by id. It is safe for concurrent use; Put swaps a
// whole group.
type Groups struct {
	mu   sync.RWMutex
	byID map[string]*Group
}

// NewGroups is an empty set of comparator groups (none is built in).
func NewGroups() *Groups { return &Groups{byID: map[string]*Group{}} }

// Get returns the group with the given id.
func (s *Groups) Get(id string) (*Group, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.byID[id]
	return g, ok
}

// All returns the groups in id order.
func (s *Groups) All() []*Group {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*Group, 0, len(s.byID))
	for _, g := range s.byID {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Put makes g the group for g.ID and returns a function that undoes exactly this change.
func (s *Groups) Put(g *Group) (undo func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, had := s.byID[g.ID]
	s.byID[g.ID] = g
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.byID[g.ID] != g {
			return // replaced since: nothing of this change is left to undo
		}
		if had {
			s.byID[g.ID] = prev
		} else {
			delete(s.byID, g.ID)
		}
	}
}
