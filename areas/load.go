package areas

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The files Load reads, at the root of its fs.FS.
const (
	fileLAs      = "dfe_screener_las_all_vintages.csv"
	fileRegions  = "dfe_screener_regions.csv"
	fileLookup   = "la_lookup_2024_from_ees_cin.csv"
	fileSN       = "statistical_neighbours_long.csv"
	fileAliases  = "aliases.csv"
	fileReorg    = "reorganisations.csv"
	screenerDate = "02/01/2006"
)

//go:embed data/*.csv
var embedded embed.FS

var defaultRegistry = sync.OnceValue(func() *Registry {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		panic("areas: " + err.Error())
	}
	r, err := Load(sub)
	if err != nil {
		panic("areas: embedded data is broken: " + err.Error())
	}
	return r
})

// Default returns the registry parsed from the data embedded in the binary.
// It is parsed once, on first use; it panics only if the embedded data is
// broken, which the package tests rule out.
func Default() *Registry { return defaultRegistry() }

var (
	gssRe     = regexp.MustCompile(`^E[0-9]{8}$`)
	dfeRe     = regexp.MustCompile(`^[0-9]{3}$`)
	vintageRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`)
)

// Load parses the reference data from the root of fsys, which must hold
// dfe_screener_las_all_vintages.csv, dfe_screener_regions.csv,
// la_lookup_2024_from_ees_cin.csv, statistical_neighbours_long.csv,
// aliases.csv and reorganisations.csv (the layout of this package's data
// directory). Errors name the file, line and column.
func Load(fsys fs.FS) (*Registry, error) {
	l := &loader{fsys: fsys, r: &Registry{
		byCode:     map[string]*Area{},
		byDfE:      map[string]*Area{},
		byNumber:   map[string]*Area{},
		byName:     map[string][]*Area{},
		bestName:   map[string]*Area{},
		neighbours: map[string]map[*Area][]Neighbour{},
	}}
	steps := []func() error{l.regions, l.localAuthorities, l.lookup2024, l.reorganisations, l.aliases, l.statisticalNeighbours, l.finish}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return l.r, nil
}

type loader struct {
	fsys fs.FS
	r    *Registry
	// nameLoc remembers where each (name, area) pair came from, for
	// ambiguity errors.
	nameLoc map[string]map[*Area]string
}

// table is a CSV file read whole, with its header.
type table struct {
	file string
	cr   *csv.Reader
	cols map[string]int
	rec  []string
}

func (l *loader) open(file string, required ...string) (*table, error) {
	b, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		return nil, fmt.Errorf("areas: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(b))
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("areas: %s: %w", file, err)
	}
	t := &table{file: file, cr: cr, cols: map[string]int{}}
	for i, h := range header {
		t.cols[strings.TrimSpace(h)] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, fmt.Errorf("areas: %s:1:1: missing column %q", file, c)
		}
	}
	return t, nil
}

// next reads the next record; it returns false at the end of the file.
func (t *table) next() (bool, error) {
	rec, err := t.cr.Read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("areas: %s: %w", t.file, err)
	}
	t.rec = rec
	return true, nil
}

// get returns the trimmed value of column c in the current record.
func (t *table) get(c string) string { return strings.TrimSpace(t.rec[t.cols[c]]) }

// errf is an error at column c of the current record.
func (t *table) errf(c, format string, args ...any) error {
	line, col := t.cr.FieldPos(t.cols[c])
	return fmt.Errorf("areas: %s:%d:%d: %s: %s", t.file, line, col, c, fmt.Sprintf(format, args...))
}

// loc is "file:line" of the current record.
func (t *table) loc() string {
	line, _ := t.cr.FieldPos(0)
	return fmt.Sprintf("%s:%d", t.file, line)
}

func (l *loader) addName(name string, a *Area, loc string) {
	key := normName(name)
	if key == "" {
		return
	}
	if l.nameLoc == nil {
		l.nameLoc = map[string]map[*Area]string{}
	}
	if l.nameLoc[key] == nil {
		l.nameLoc[key] = map[*Area]string{}
	}
	if _, ok := l.nameLoc[key][a]; ok {
		return
	}
	l.nameLoc[key][a] = loc
	l.r.byName[key] = append(l.r.byName[key], a)
}

func (l *loader) addCode(code string, a *Area, t *table, col string) error {
	if b, ok := l.r.byCode[code]; ok && b != a {
		return t.errf(col, "code %s already belongs to %s", code, b)
	}
	l.r.byCode[code] = a
	return nil
}

// regions reads the E12 regions and E13 London sub-regions, and creates
// England.
func (l *loader) regions() error {
	r := l.r
	r.england = &Area{Code: EnglandCode, Name: "England", Level: England}
	r.byCode[EnglandCode] = r.england
	l.addName("England", r.england, "built-in")

	t, err := l.open(fileRegions, "region_code", "region_name")
	if err != nil {
		return err
	}
	var subs []*Area
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		code, name := t.get("region_code"), t.get("region_name")
		if name == "" {
			return t.errf("region_name", "empty name")
		}
		a := &Area{Code: code, Name: name}
		switch {
		case strings.HasPrefix(code, "E12") && gssRe.MatchString(code):
			a.Level, a.RegionCode = Region, EnglandCode
			r.regions = append(r.regions, a)
		case strings.HasPrefix(code, "E13") && gssRe.MatchString(code):
			// The only E13 areas DfE uses are Inner and Outer London.
			a.Level, a.RegionCode = SubRegion, LondonCode
			subs = append(subs, a)
		default:
			return t.errf("region_code", "%q is not an E12 region or E13 sub-region code", code)
		}
		if err := l.addCode(code, a, t, "region_code"); err != nil {
			return err
		}
		l.addName(name, a, t.loc())
	}
	if _, ok := r.byCode[LondonCode]; !ok && len(subs) > 0 {
		return fmt.Errorf("areas: %s: sub-regions given but no London region %s", fileRegions, LondonCode)
	}
	byCode := func(a, b *Area) int { return cmp.Compare(a.Code, b.Code) }
	slices.SortFunc(r.regions, byCode)
	slices.SortFunc(subs, byCode)
	r.areas = append(r.areas, r.england)
	r.areas = append(r.areas, r.regions...)
	r.areas = append(r.areas, subs...)
	return nil
}

// screenerRow is one usable row of the DfE screener LA list.
type screenerRow struct {
	code, name, region string
	from, to           time.Time
	live               bool
	loc                string
}

// localAuthorities reads the DfE screener LA list: one area per 3-digit DfE
// code, its live (or last) GSS code as Code and the others as FormerCodes.
// Rows without a real DfE code (x), combined rows ("940 / 941") and BFPO
// (z) are skipped.
func (l *loader) localAuthorities() error {
	t, err := l.open(fileLAs, "new_la_code", "la_name", "date_of_operation", "date_of_termination", "parent_geography_code", "status", "old_la_code")
	if err != nil {
		return err
	}
	rows := map[string][]screenerRow{}
	var order []string
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		dfe, code := t.get("old_la_code"), t.get("new_la_code")
		if !dfeRe.MatchString(dfe) || !gssRe.MatchString(code) {
			continue
		}
		row := screenerRow{code: code, name: t.get("la_name"), region: t.get("parent_geography_code"), loc: t.loc()}
		if row.name == "" {
			return t.errf("la_name", "empty name")
		}
		if reg, ok := l.r.byCode[row.region]; !ok || reg.Level != Region {
			return t.errf("parent_geography_code", "%q is not a region in %s", row.region, fileRegions)
		}
		if row.from, err = time.Parse(screenerDate, t.get("date_of_operation")); err != nil {
			return t.errf("date_of_operation", "want dd/mm/yyyy: %v", err)
		}
		if s := t.get("date_of_termination"); s != "" {
			if row.to, err = time.Parse(screenerDate, s); err != nil {
				return t.errf("date_of_termination", "want dd/mm/yyyy: %v", err)
			}
			if row.to.Before(row.from) {
				return t.errf("date_of_termination", "%s is before date_of_operation", s)
			}
		}
		switch status := t.get("status"); status {
		case "live":
			row.live = true
		case "terminated":
		default:
			return t.errf("status", "want live or terminated, got %q", status)
		}
		if row.live != row.to.IsZero() {
			return t.errf("status", "status %s disagrees with date_of_termination %q", t.get("status"), t.get("date_of_termination"))
		}
		if _, ok := rows[dfe]; !ok {
			order = append(order, dfe)
		}
		rows[dfe] = append(rows[dfe], row)
	}
	slices.Sort(order)
	r := l.r
	for _, dfe := range order {
		group := rows[dfe]
		// Current code: the live row, else the one terminated last.
		slices.SortStableFunc(group, func(a, b screenerRow) int {
			if c := a.from.Compare(b.from); c != 0 {
				return c
			}
			return cmp.Compare(a.code, b.code)
		})
		cur := -1
		for i, row := range group {
			switch {
			case row.live && cur >= 0 && group[cur].live:
				return fmt.Errorf("areas: %s: DfE code %s has two live codes, %s and %s", row.loc, dfe, group[cur].code, row.code)
			case cur < 0, row.live, !group[cur].live && row.to.After(group[cur].to):
				cur = i
			}
		}
		c := group[cur]
		a := &Area{Code: c.code, DfECode: dfe, Name: c.name, Level: LocalAuthority, RegionCode: c.region, ValidFrom: group[0].from, ValidTo: c.to}
		for i, row := range group {
			if row.region != c.region {
				return fmt.Errorf("areas: %s: DfE code %s is in region %s here but %s in %s", row.loc, dfe, row.region, c.region, c.loc)
			}
			if i != cur {
				a.FormerCodes = append(a.FormerCodes, row.code)
			}
			if b, ok := r.byCode[row.code]; ok {
				return fmt.Errorf("areas: %s: code %s already belongs to %s", row.loc, row.code, b)
			}
			r.byCode[row.code] = a
			l.addName(row.name, a, row.loc)
		}
		r.byDfE[dfe] = a
		r.areas = append(r.areas, a)
		if a.Live() {
			r.las = append(r.las, a)
		}
	}
	return nil
}

// lookup2024 cross-checks the EES 2024 LA list against the screener and
// takes London boroughs' Inner/Outer London sub-region from it.
func (l *loader) lookup2024() error {
	t, err := l.open(fileLookup, "old_la_code", "new_la_code", "la_name", "region_code", "ees_region_code")
	if err != nil {
		return err
	}
	r := l.r
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		a, ok := r.byDfE[t.get("old_la_code")]
		if !ok {
			return t.errf("old_la_code", "unknown DfE code %q", t.get("old_la_code"))
		}
		if b := r.byCode[t.get("new_la_code")]; b != a {
			return t.errf("new_la_code", "%q is not a code of %s", t.get("new_la_code"), a)
		}
		if t.get("region_code") != a.RegionCode {
			return t.errf("region_code", "%q, but %s is in %s", t.get("region_code"), a, a.RegionCode)
		}
		l.addName(t.get("la_name"), a, t.loc())
		if ees := t.get("ees_region_code"); strings.HasPrefix(ees, "E13") {
			sub, ok := r.byCode[ees]
			if !ok || sub.Level != SubRegion || sub.RegionCode != a.RegionCode {
				return t.errf("ees_region_code", "%q is not a sub-region of %s", ees, a.RegionCode)
			}
			a.SubRegionCode = ees
		}
	}
	for _, a := range r.las {
		if a.RegionCode == LondonCode && a.SubRegionCode == "" {
			return fmt.Errorf("areas: %s: no Inner/Outer London sub-region for %s", fileLookup, a)
		}
	}
	return nil
}

// reorganisations links terminated councils to their successors.
func (l *loader) reorganisations() error {
	t, err := l.open(fileReorg, "predecessor_old_la_code", "predecessor_name", "successor_old_la_code", "successor_name", "effective")
	if err != nil {
		return err
	}
	r := l.r
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		eff, err := time.Parse(time.DateOnly, t.get("effective"))
		if err != nil {
			return t.errf("effective", "want yyyy-mm-dd: %v", err)
		}
		var pair [2]*Area
		for i, side := range []string{"predecessor", "successor"} {
			a, ok := r.byDfE[t.get(side+"_old_la_code")]
			if !ok {
				return t.errf(side+"_old_la_code", "unknown DfE code %q", t.get(side+"_old_la_code"))
			}
			if normName(t.get(side+"_name")) != normName(a.Name) {
				return t.errf(side+"_name", "%q, but DfE code %s is %s", t.get(side+"_name"), a.DfECode, a.Name)
			}
			pair[i] = a
		}
		pred, succ := pair[0], pair[1]
		if pred.Live() || !pred.ValidTo.AddDate(0, 0, 1).Equal(eff) {
			return t.errf("effective", "%s, but %s ends %s", eff.Format(time.DateOnly), pred, dateOrLive(pred.ValidTo))
		}
		if !succ.ValidFrom.Equal(eff) {
			return t.errf("effective", "%s, but %s starts %s", eff.Format(time.DateOnly), succ, succ.ValidFrom.Format(time.DateOnly))
		}
		if !slices.Contains(pred.Successors, succ.Code) {
			pred.Successors = append(pred.Successors, succ.Code)
			succ.Predecessors = append(succ.Predecessors, pred.Code)
		}
	}
	for _, a := range r.areas {
		slices.Sort(a.Successors)
		slices.Sort(a.Predecessors)
		if a.Level == LocalAuthority && !a.Live() && len(a.Successors) == 0 {
			return fmt.Errorf("areas: %s: terminated %s (DfE %s) has no successors", fileReorg, a, a.DfECode)
		}
	}
	return nil
}

func dateOrLive(t time.Time) string {
	if t.IsZero() {
		return "never (live)"
	}
	return t.Format(time.DateOnly)
}

// aliases reads extra names and LAIT area numbers.
func (l *loader) aliases() error {
	t, err := l.open(fileAliases, "kind", "alias", "target")
	if err != nil {
		return err
	}
	r := l.r
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		alias, target := t.get("alias"), t.get("target")
		a, ok := r.byCode[target]
		if !ok {
			return t.errf("target", "unknown GSS code %q", target)
		}
		switch kind := t.get("kind"); kind {
		case "lait":
			if !dfeRe.MatchString(alias) {
				return t.errf("alias", "LAIT area number %q is not 3 digits", alias)
			}
			if b, ok := r.byDfE[alias]; ok {
				return t.errf("alias", "LAIT area number %s is DfE code of %s", alias, b)
			}
			if b, ok := r.byNumber[alias]; ok && b != a {
				return t.errf("alias", "LAIT area number %s already names %s", alias, b)
			}
			r.byNumber[alias] = a
		case "name":
			if alias == "" {
				return t.errf("alias", "empty name")
			}
			l.addName(alias, a, t.loc())
		default:
			return t.errf("kind", "want lait or name, got %q", kind)
		}
	}
	return nil
}

// closeness maps a lower-cased, space-normalised band to its normal form.
var closeness = map[string]string{
	"extremely close": ClosenessExtremelyClose,
	"very close":      ClosenessVeryClose,
	"close":           ClosenessClose,
	"somewhat close":  ClosenessSomewhatClose,
	"not close":       ClosenessNotClose,
}

// statisticalNeighbours reads the long statistical-neighbour file.
func (l *loader) statisticalNeighbours() error {
	t, err := l.open(fileSN, "sn_vintage", "old_la_code", "la_name", "sn_rank", "sn_old_la_code", "sn_la_name", "sn_closeness")
	if err != nil {
		return err
	}
	r := l.r
	firstLoc := map[string]map[*Area]string{}
	for {
		ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		v := t.get("sn_vintage")
		if !vintageRe.MatchString(v) {
			return t.errf("sn_vintage", "want yyyy-mm, got %q", v)
		}
		a, ok := r.byDfE[t.get("old_la_code")]
		if !ok {
			return t.errf("old_la_code", "unknown DfE code %q", t.get("old_la_code"))
		}
		n, ok := r.byDfE[t.get("sn_old_la_code")]
		if !ok {
			return t.errf("sn_old_la_code", "unknown DfE code %q", t.get("sn_old_la_code"))
		}
		if n == a {
			return t.errf("sn_old_la_code", "%s is its own neighbour", a)
		}
		rank, err := strconv.Atoi(t.get("sn_rank"))
		if err != nil || rank < 1 {
			return t.errf("sn_rank", "want a rank from 1, got %q", t.get("sn_rank"))
		}
		band, ok := closeness[strings.Join(strings.Fields(strings.ToLower(t.get("sn_closeness"))), " ")]
		if !ok {
			return t.errf("sn_closeness", "unknown closeness band %q", t.get("sn_closeness"))
		}
		if r.neighbours[v] == nil {
			r.neighbours[v] = map[*Area][]Neighbour{}
			firstLoc[v] = map[*Area]string{}
			r.vintages = append(r.vintages, v)
		}
		ns := r.neighbours[v][a]
		if len(ns) == 0 {
			firstLoc[v][a] = t.loc()
		}
		if rank != len(ns)+1 {
			return t.errf("sn_rank", "rank %d for %s in %s follows rank %d", rank, a, v, len(ns))
		}
		for _, m := range ns {
			if m.Area == n {
				return t.errf("sn_old_la_code", "%s is listed twice for %s in %s", n, a, v)
			}
		}
		r.neighbours[v][a] = append(ns, Neighbour{Area: n, Rank: rank, Closeness: band})
		l.addName(t.get("la_name"), a, t.loc())
		l.addName(t.get("sn_la_name"), n, t.loc())
	}
	for v, byArea := range r.neighbours {
		for a, ns := range byArea {
			if len(ns) != 10 {
				return fmt.Errorf("areas: %s: %s has %d neighbours in %s, want 10", firstLoc[v][a], a, len(ns), v)
			}
		}
	}
	slices.Sort(r.vintages)
	if len(r.vintages) > 0 && !slices.Contains(r.vintages, DefaultVintage) {
		return fmt.Errorf("areas: %s: no rows for the default vintage %s", fileSN, DefaultVintage)
	}
	return nil
}

// finish resolves each name to its preferred area: the only one, or the only
// live one. Any other sharing of a name is an error.
func (l *loader) finish() error {
	r := l.r
	keys := make([]string, 0, len(r.byName))
	for k := range r.byName {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		cands := r.byName[key]
		// Live first, then the most recently terminated: LookupAt tries
		// candidates in this order.
		slices.SortStableFunc(cands, func(a, b *Area) int {
			switch {
			case a.Live() != b.Live():
				if a.Live() {
					return -1
				}
				return 1
			default:
				return b.ValidTo.Compare(a.ValidTo)
			}
		})
		if len(cands) > 1 && (!cands[0].Live() || cands[1].Live()) {
			return fmt.Errorf("areas: name %q is ambiguous: %s (%s) and %s (%s)", key,
				cands[0], l.nameLoc[key][cands[0]], cands[1], l.nameLoc[key][cands[1]])
		}
		r.bestName[key] = cands[0]
	}
	return nil
}
