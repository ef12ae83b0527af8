package api

import (
	"slices"
	"sort"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
	"github.com/labstack/echo/v4"
)

// Filters of the evaluation reads. A list parameter may be repeated (?area=839&area=836) or
// comma-separated (?indicator=a,b); an area name that itself holds a comma ("Bournemouth,
// Christchurch and Poole") is recognised whole.

// listParam is every value of a repeated or comma-separated query parameter.
func listParam(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// areaParam resolves the area parameter to GSS codes, sorted and without repeats.
func (s *Server) areaParam(c echo.Context) ([]string, error) {
	var codes []string
	for _, v := range c.QueryParams()["area"] {
		if a, ok := s.Areas.Lookup(strings.TrimSpace(v)); ok {
			codes = append(codes, a.Code)
			continue
		}
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			a, ok := s.Areas.Lookup(part)
			if !ok {
				return nil, errs.Errorf(errs.Invalid, "no area %q (give GSS codes such as E06000058, DfE codes such as 839, or names)", part)
			}
			codes = append(codes, a.Code)
		}
	}
	return uniqueSorted(codes), nil
}

// periodParam normalises the period parameter's labels as the engine stores them.
func periodParam(c echo.Context) ([]string, error) {
	var out []string
	for _, v := range listParam(c, "period") {
		p, err := period.Parse(v)
		if err != nil {
			return nil, errs.Errorf(errs.Invalid, "%v", err)
		}
		out = append(out, p.String())
	}
	return uniqueSorted(out), nil
}

// levelParam checks the level parameter: england, region, subregion, la.
func levelParam(c echo.Context) ([]string, error) {
	levels := listParam(c, "level")
	for _, l := range levels {
		switch areas.Level(l) {
		case areas.England, areas.Region, areas.SubRegion, areas.LocalAuthority:
		default:
			return nil, errs.Errorf(errs.Invalid, "level %q is not one of england, region, subregion, la", l)
		}
	}
	return uniqueSorted(levels), nil
}

// groupParam resolves the comparator group parameter to the GSS codes of its areas (nil when
// there is no group):
//
//	neighbours:AREA[:VINTAGE]  the area and its ten statistical neighbours (the engine's vintage by default)
//	region:AREA                the area's region (or the region itself) and every LA in it
//	comparators:AREA           the area, its region, England and its statistical neighbours
//	GROUP                      a user-defined comparator group's members (PUT /api/v1/groups/GROUP)
func (s *Server) groupParam(c echo.Context) ([]string, error) {
	g := strings.TrimSpace(c.QueryParam("group"))
	if g == "" {
		return nil, nil
	}
	if !strings.Contains(g, ":") {
		grp, err := s.userGroup(c)
		if err != nil {
			return nil, err
		}
		return slices.Clone(grp.Areas), nil
	}
	kind, rest, _ := strings.Cut(g, ":")
	spec, vintage := rest, ""
	if kind == "neighbours" {
		// A vintage looks like 2025-05; an area name never ends in ":2025-05".
		if i := strings.LastIndex(rest, ":"); i >= 0 {
			spec, vintage = rest[:i], rest[i+1:]
		}
	}
	a, ok := s.Areas.Lookup(strings.TrimSpace(spec))
	if !ok {
		return nil, errs.Errorf(errs.Invalid, "group %q: no area %q (use neighbours:AREA, region:AREA or comparators:AREA)", g, spec)
	}
	if vintage == "" {
		vintage = s.Engine.Vintage
		if vintage == "" {
			vintage = areas.DefaultVintage
		}
	}
	neighbours := func() ([]string, error) {
		if a.Level != areas.LocalAuthority {
			return nil, errs.Errorf(errs.Invalid, "group %q: %s is not a local authority and has no statistical neighbours", g, a.Name)
		}
		ns, err := s.Areas.Neighbours(a, vintage)
		if err != nil {
			return nil, errs.Errorf(errs.Invalid, "group %q: %v", g, err)
		}
		out := []string{a.Code}
		for _, n := range ns {
			out = append(out, n.Area.Code)
		}
		return out, nil
	}
	var codes []string
	switch kind {
	case "neighbours":
		ns, err := neighbours()
		if err != nil {
			return nil, err
		}
		codes = ns
	case "region":
		r := s.Areas.Region(a)
		if r == nil {
			return nil, errs.Errorf(errs.Invalid, "group %q: %s is in no region", g, a.Name)
		}
		codes = append(codes, r.Code)
		for _, la := range s.Areas.LocalAuthorities() {
			if reg := s.Areas.Region(la); reg != nil && reg.Code == r.Code {
				codes = append(codes, la.Code)
			}
		}
	case "comparators":
		ns, err := neighbours()
		if err != nil {
			return nil, err
		}
		codes = append(ns, s.Areas.England().Code)
		if r := s.Areas.Region(a); r != nil {
			codes = append(codes, r.Code)
		}
	default:
		return nil, errs.Errorf(errs.Invalid, "group %q is not one of neighbours:AREA, region:AREA, comparators:AREA", g)
	}
	return uniqueSorted(codes), nil
}

// areaFilter combines the area and group parameters (AND): nil means no area filter, an empty
// non-nil slice matches nothing.
func (s *Server) areaFilter(c echo.Context) ([]string, error) {
	listed, err := s.areaParam(c)
	if err != nil {
		return nil, err
	}
	group, err := s.groupParam(c)
	if err != nil {
		return nil, err
	}
	switch {
	case group == nil:
		return listed, nil
	case len(listed) == 0:
		return group, nil
	}
	both := []string{}
	for _, code := range listed {
		if slices.Contains(group, code) {
			both = append(both, code)
		}
	}
	return both, nil
}

func uniqueSorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	return slices.Compact(s)
}
