// Package areas is the reference data for the areas a scorecard compares:
// England, the nine English regions, London's Inner/Outer sub-regions and
// every upper-tier local authority with children's-services responsibility,
// plus the DfE children's services statistical neighbours.
//
// The data is shipped inside the binary (see data/SOURCES.md) and parsed once
// by [Default]. An area is identified by its current ONS GSS code; Lookup also
// accepts former GSS codes, DfE 3-digit "old LA codes", DfE LAIT area numbers
// (970 England, 980-990 regions) and names, including the spellings found in
// DfE, LAIT, Fingertips and statistical-neighbour files.
//
// Each DfE LA code is one area: when ONS re-coded an LA without changing it
// (Barnsley E08000016 -> E08000038 in 2025, Gateshead, Northumberland,
// Buckinghamshire, North Yorkshire, Somerset), the current code is Area.Code
// and the older ones are Area.FormerCodes. Councils abolished in a
// reorganisation (Dorset county 835, Poole 836, Bournemouth 837,
// Northamptonshire 928, Cumbria 909, Bedfordshire 820, Cheshire 875) are
// separate, terminated areas with Successors.
//
// Names are not unique over time: "Dorset" was the county (835, to March 2019)
// and is now the unitary authority (838). Lookup returns the live area for such
// a name; LookupAt picks the area that existed on a given date.
//
// Areas returned by a Registry are shared and must be treated as read-only.
package areas

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Level is the kind of area.
type Level string

// The levels of area, from the top.
const (
	// England is the country (E92000001).
	England Level = "england"
	// Region is one of the nine English regions (E12).
	Region Level = "region"
	// SubRegion is Inner or Outer London (E13), used by DfE children's
	// social care statistics instead of London as a whole.
	SubRegion Level = "subregion"
	// LocalAuthority is an upper-tier local authority (E06, E08, E09, E10).
	LocalAuthority Level = "la"
)

// EnglandCode is the GSS code of England.
const EnglandCode = "E92000001"

// LondonCode is the GSS code of the London region, the parent of the E13
// Inner and Outer London sub-regions.
const LondonCode = "E12000007"

// Area is England, a region, a London sub-region or a local authority.
type Area struct {
	// Code is the current (or, for a terminated LA, last) ONS GSS code: the
	// canonical identifier, e.g. E06000058, E12000009, E92000001.
	Code string
	// DfECode is the DfE 3-digit "old LA code" (e.g. 839); "" for England,
	// regions and sub-regions.
	DfECode string
	// Name is the name used by the DfE screener list (LAs) or regions list.
	Name string
	// Level is the kind of area.
	Level Level
	// RegionCode is the E12 region of an LA (London boroughs: E12000007),
	// E92000001 for a region, E12000007 for a sub-region, "" for England.
	RegionCode string
	// SubRegionCode is E13000001 (Inner London) or E13000002 (Outer London)
	// for a London borough, else "".
	SubRegionCode string
	// FormerCodes are earlier GSS codes of the same area (same DfE code),
	// oldest first: Barnsley has Code E08000038 and FormerCodes [E08000016].
	FormerCodes []string
	// ValidFrom is the first day of the area's earliest code. The DfE
	// screener list starts in 2009, so 2009-01-01 means "at least since".
	// Zero for England, regions and sub-regions.
	ValidFrom time.Time
	// ValidTo is the last day the area existed (Poole: 2019-03-31); zero
	// while the area is live.
	ValidTo time.Time
	// Successors are the GSS codes of the areas that took over a terminated
	// council (Poole: [E06000058]), sorted.
	Successors []string
	// Predecessors are the GSS codes of the terminated councils this area
	// took over (BCP: [E06000028 E06000029 E10000009]), sorted.
	Predecessors []string
}

// Live reports whether the area still exists.
func (a *Area) Live() bool { return a.ValidTo.IsZero() }

// ValidOn reports whether the area existed on the day of t (ValidFrom and
// ValidTo are inclusive whole days, in UTC).
func (a *Area) ValidOn(t time.Time) bool {
	if t.Before(a.ValidFrom) {
		return false
	}
	return a.ValidTo.IsZero() || t.Before(a.ValidTo.AddDate(0, 0, 1))
}

// String returns "Name (Code)".
func (a *Area) String() string {
	if a == nil {
		return "<nil>"
	}
	return a.Name + " (" + a.Code + ")"
}

// Statistical-neighbour closeness bands, as normalised by the registry. The
// published vintages capitalise them differently ("Very Close", "Very close")
// and some carry trailing spaces.
const (
	ClosenessExtremelyClose = "Extremely close"
	ClosenessVeryClose      = "Very close"
	ClosenessClose          = "Close"
	ClosenessSomewhatClose  = "Somewhat close"
	ClosenessNotClose       = "Not close"
)

// Neighbour is one of an LA's DfE children's services statistical
// neighbours.
type Neighbour struct {
	// Area is the neighbouring LA.
	Area *Area
	// Rank is 1 (closest) to 10.
	Rank int
	// Closeness is the published band, normalised to one of the Closeness
	// constants.
	Closeness string
}

// DefaultVintage is the statistical-neighbour vintage to use unless a
// setting says otherwise: the DfE May 2025 model.
const DefaultVintage = "2025-05"

// Registry holds the areas and statistical neighbours. It is safe for
// concurrent use.
type Registry struct {
	areas   []*Area // England, regions and sub-regions by code, LAs by DfE code
	england *Area
	regions []*Area
	las     []*Area // live LAs

	byCode   map[string]*Area // current and former GSS codes
	byDfE    map[string]*Area
	byNumber map[string]*Area // LAIT area numbers
	byName   map[string][]*Area
	bestName map[string]*Area

	vintages   []string
	neighbours map[string]map[*Area][]Neighbour
}

// Lookup finds an area by GSS code (current or former; case-insensitive),
// DfE 3-digit LA code, LAIT area number (970 England, 980-990 regions and
// Inner/Outer London) or name. Names match case-insensitively after
// normalisation: surrounding and repeated spaces, "." and "," are ignored,
// "&" equals "and" and "-" equals a space, so "St Helens", "Bristol City of"
// and "Bournemouth, Christchurch & Poole" all match. Known variants from the
// source files ("Durham", "Herefordshire", "London (Inner)", "Dorset (Pre
// LG)", Fingertips' "... region (statistical)") are aliases.
//
// A name held by several areas resolves to the live one: "Dorset" is 838
// (E06000059), not the former county 835; use LookupAt for dated data.
// Combined rows ("314 / 318") are not areas and are not found.
func (r *Registry) Lookup(s string) (*Area, bool) {
	return r.LookupAt(s, time.Time{})
}

// LookupAt is Lookup for data about date at: a name held by several areas
// resolves to the one that existed on that day ("Dorset" on 2017-03-31 is the
// county, 835). Codes and numbers are unambiguous and ignore at. A zero at,
// or a date on which none of the candidates existed, behaves like Lookup.
func (r *Registry) LookupAt(s string, at time.Time) (*Area, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if a, ok := r.byCode[strings.ToUpper(s)]; ok {
		return a, true
	}
	if a, ok := r.byDfE[s]; ok {
		return a, true
	}
	if a, ok := r.byNumber[s]; ok {
		return a, true
	}
	key := normName(s)
	if !at.IsZero() {
		for _, a := range r.byName[key] {
			if a.ValidOn(at) {
				return a, true
			}
		}
	}
	a, ok := r.bestName[key]
	return a, ok
}

// MustLookup is Lookup that panics when s is not found. Use it for
// constants in code and tests.
func (r *Registry) MustLookup(s string) *Area {
	a, ok := r.Lookup(s)
	if !ok {
		panic(fmt.Sprintf("areas: unknown area %q", s))
	}
	return a
}

// Areas returns every area in a stable order: England, the regions and
// sub-regions by GSS code (E12 then E13), then all LAs, live and terminated,
// by DfE code. The slice is a copy.
func (r *Registry) Areas() []*Area { return slices.Clone(r.areas) }

// LocalAuthorities returns the live LAs (153 in the shipped data) by DfE
// code. Terminated predecessors are in Areas.
func (r *Registry) LocalAuthorities() []*Area { return slices.Clone(r.las) }

// Regions returns the nine E12 regions by code.
func (r *Registry) Regions() []*Area { return slices.Clone(r.regions) }

// England returns the England area.
func (r *Registry) England() *Area { return r.england }

// Region returns the E12 region of an LA or sub-region, the region itself
// for a region, and nil for England or nil.
func (r *Registry) Region(a *Area) *Area {
	if a == nil {
		return nil
	}
	switch a.Level {
	case Region:
		return r.byCode[a.Code]
	case SubRegion, LocalAuthority:
		return r.byCode[a.RegionCode]
	}
	return nil
}

// SubRegion returns Inner or Outer London for a London borough, the
// sub-region itself for a sub-region, and nil otherwise.
func (r *Registry) SubRegion(a *Area) *Area {
	if a == nil {
		return nil
	}
	switch a.Level {
	case SubRegion:
		return r.byCode[a.Code]
	case LocalAuthority:
		if a.SubRegionCode != "" {
			return r.byCode[a.SubRegionCode]
		}
	}
	return nil
}

// Vintages returns the statistical-neighbour vintages, oldest first
// ("2021-04", "2025-05").
func (r *Registry) Vintages() []string { return slices.Clone(r.vintages) }

// Neighbours returns an LA's 10 statistical neighbours in a vintage, by
// rank. It returns an error for an unknown vintage or an area that is not an
// LA, and no neighbours (nil, nil) for an LA absent from the vintage (Poole
// 836 is only in 2021-04; Cumberland 942 only in 2025-05).
func (r *Registry) Neighbours(a *Area, vintage string) ([]Neighbour, error) {
	byArea, ok := r.neighbours[vintage]
	if !ok {
		return nil, fmt.Errorf("areas: unknown statistical-neighbour vintage %q (have %s)", vintage, strings.Join(r.vintages, ", "))
	}
	if a == nil {
		return nil, fmt.Errorf("areas: statistical neighbours of a nil area")
	}
	if a.Level != LocalAuthority {
		return nil, fmt.Errorf("areas: %s is not a local authority and has no statistical neighbours", a)
	}
	own, ok := r.byCode[a.Code]
	if !ok {
		return nil, fmt.Errorf("areas: %s is not in this registry", a)
	}
	return slices.Clone(byArea[own]), nil
}

// normName is the key for name matching.
func normName(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("&", " and ", ".", "", ",", "", "-", " ", "'", "", "’", "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}
