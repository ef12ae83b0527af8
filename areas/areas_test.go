package areas_test

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/childrens-trust/scorecard/areas"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestDefaultLoads proves the embedded data parses (Default panics otherwise)
// and that loading the same files from disk gives the same registry.
func TestDefaultLoads(t *testing.T) {
	r := areas.Default()
	if r == nil {
		t.Fatal("Default() = nil")
	}
	if areas.Default() != r {
		t.Error("Default() is not memoised")
	}
	disk, err := areas.Load(os.DirFS("data"))
	if err != nil {
		t.Fatalf("Load(data): %v", err)
	}
	if got, want := len(disk.Areas()), len(r.Areas()); got != want {
		t.Errorf("Load(data) has %d areas, Default %d", got, want)
	}
}

func TestCounts(t *testing.T) {
	r := areas.Default()
	if got := len(r.LocalAuthorities()); got != 153 {
		t.Errorf("live LAs = %d, want 153", got)
	}
	for _, a := range r.LocalAuthorities() {
		if !a.Live() || a.Level != areas.LocalAuthority {
			t.Errorf("LocalAuthorities() contains %s %s (live=%v level=%s)", a.DfECode, a.Name, a.Live(), a.Level)
		}
	}
	if got := len(r.Regions()); got != 9 {
		t.Errorf("regions = %d, want 9", got)
	}
	want := map[string]int{
		"London": 33, "North West": 24, "South East": 19, "Yorkshire and The Humber": 15,
		"South West": 15, "West Midlands": 14, "North East": 12, "East of England": 11, "East Midlands": 10,
	}
	got := map[string]int{}
	for _, a := range r.LocalAuthorities() {
		reg := r.Region(a)
		if reg == nil {
			t.Errorf("%s has no region", a.Name)
			continue
		}
		got[reg.Name]++
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("LAs in %s = %d, want %d", name, got[name], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("LAs per region = %v, want %v", got, want)
	}
	// Predecessors are areas too: 153 live + 820, 835, 836, 837, 875, 909, 928.
	var all, sub int
	for _, a := range r.Areas() {
		switch a.Level {
		case areas.LocalAuthority:
			all++
		case areas.SubRegion:
			sub++
		}
	}
	if all != 160 {
		t.Errorf("all LAs (live and predecessors) = %d, want 160", all)
	}
	if sub != 2 {
		t.Errorf("sub-regions = %d, want 2", sub)
	}
}

func TestAreasOrder(t *testing.T) {
	r := areas.Default()
	as := r.Areas()
	if as[0] != r.England() {
		t.Fatalf("Areas()[0] = %s, want England", as[0].Name)
	}
	var codes []string
	for _, a := range as[1:12] {
		codes = append(codes, a.Code)
	}
	wantCodes := []string{"E12000001", "E12000002", "E12000003", "E12000004", "E12000005", "E12000006",
		"E12000007", "E12000008", "E12000009", "E13000001", "E13000002"}
	if !slices.Equal(codes, wantCodes) {
		t.Errorf("Areas()[1:12] codes = %v, want %v", codes, wantCodes)
	}
	las := as[12:]
	if !slices.IsSortedFunc(las, func(a, b *areas.Area) int { return strings.Compare(a.DfECode, b.DfECode) }) {
		t.Error("LAs in Areas() are not sorted by DfE code")
	}
	if las[0].DfECode != "201" || las[len(las)-1].DfECode != "943" {
		t.Errorf("LAs run %s..%s, want 201..943", las[0].DfECode, las[len(las)-1].DfECode)
	}
	seen := map[string]bool{}
	for _, a := range as {
		for _, c := range append([]string{a.Code}, a.FormerCodes...) {
			if seen[c] {
				t.Errorf("code %s appears twice", c)
			}
			seen[c] = true
		}
	}
}

func TestLookup(t *testing.T) {
	r := areas.Default()
	tests := []struct {
		in      string
		code    string
		dfe     string
		name    string
		level   areas.Level
		live    bool
		validTo time.Time
		region  string
		sub     string
		former  []string
		succ    []string
		pred    []string
	}{
		{in: "E06000058", code: "E06000058", dfe: "839", name: "Bournemouth, Christchurch and Poole", level: areas.LocalAuthority, live: true, region: "E12000009",
			pred: []string{"E06000028", "E06000029", "E10000009"}},
		{in: "839", code: "E06000058", dfe: "839", name: "Bournemouth, Christchurch and Poole", level: areas.LocalAuthority, live: true, region: "E12000009",
			pred: []string{"E06000028", "E06000029", "E10000009"}},
		{in: "Bournemouth, Christchurch and Poole", code: "E06000058", dfe: "839", name: "Bournemouth, Christchurch and Poole", level: areas.LocalAuthority, live: true, region: "E12000009",
			pred: []string{"E06000028", "E06000029", "E10000009"}},
		{in: "bournemouth,  christchurch & poole ", code: "E06000058", dfe: "839", name: "Bournemouth, Christchurch and Poole", level: areas.LocalAuthority, live: true, region: "E12000009",
			pred: []string{"E06000028", "E06000029", "E10000009"}},
		{in: "E08000016", code: "E08000038", dfe: "370", name: "Barnsley", level: areas.LocalAuthority, live: true, region: "E12000003", former: []string{"E08000016"}},
		{in: "E08000038", code: "E08000038", dfe: "370", name: "Barnsley", level: areas.LocalAuthority, live: true, region: "E12000003", former: []string{"E08000016"}},
		{in: "370", code: "E08000038", dfe: "370", name: "Barnsley", level: areas.LocalAuthority, live: true, region: "E12000003", former: []string{"E08000016"}},
		{in: "E08000019", code: "E08000039", dfe: "373", name: "Sheffield", level: areas.LocalAuthority, live: true, region: "E12000003", former: []string{"E08000019"}},
		{in: "815", code: "E06000065", dfe: "815", name: "North Yorkshire", level: areas.LocalAuthority, live: true, region: "E12000003", former: []string{"E10000023"}},
		{in: "E10000027", code: "E06000066", dfe: "933", name: "Somerset", level: areas.LocalAuthority, live: true, region: "E12000009", former: []string{"E10000027"}},
		{in: "Buckinghamshire", code: "E06000060", dfe: "825", name: "Buckinghamshire", level: areas.LocalAuthority, live: true, region: "E12000008", former: []string{"E10000002"}},
		{in: "E06000048", code: "E06000057", dfe: "929", name: "Northumberland", level: areas.LocalAuthority, live: true, region: "E12000001", former: []string{"E06000048"}},
		{in: "Gateshead", code: "E08000037", dfe: "390", name: "Gateshead", level: areas.LocalAuthority, live: true, region: "E12000001", former: []string{"E08000020"}},
		{in: "836", code: "E06000029", dfe: "836", name: "Poole", level: areas.LocalAuthority, validTo: date(2019, 3, 31), region: "E12000009", succ: []string{"E06000058"}},
		{in: "Poole (Pre LG)", code: "E06000029", dfe: "836", name: "Poole", level: areas.LocalAuthority, validTo: date(2019, 3, 31), region: "E12000009", succ: []string{"E06000058"}},
		{in: "837", code: "E06000028", dfe: "837", name: "Bournemouth", level: areas.LocalAuthority, validTo: date(2019, 3, 31), region: "E12000009", succ: []string{"E06000058"}},
		{in: "835", code: "E10000009", dfe: "835", name: "Dorset", level: areas.LocalAuthority, validTo: date(2019, 3, 31), region: "E12000009", succ: []string{"E06000058", "E06000059"}},
		{in: "Dorset", code: "E06000059", dfe: "838", name: "Dorset", level: areas.LocalAuthority, live: true, region: "E12000009", pred: []string{"E10000009"}},
		{in: "909", code: "E10000006", dfe: "909", name: "Cumbria", level: areas.LocalAuthority, validTo: date(2023, 3, 31), region: "E12000002", succ: []string{"E06000063", "E06000064"}},
		{in: "Northamptonshire", code: "E10000021", dfe: "928", name: "Northamptonshire", level: areas.LocalAuthority, validTo: date(2021, 3, 31), region: "E12000004", succ: []string{"E06000061", "E06000062"}},
		{in: "942", code: "E06000063", dfe: "942", name: "Cumberland", level: areas.LocalAuthority, live: true, region: "E12000002", pred: []string{"E10000006"}},
		{in: "Bedfordshire (Pre LGR 2009)", code: "E10000001", dfe: "820", name: "Bedfordshire", level: areas.LocalAuthority, validTo: date(2009, 3, 31), region: "E12000006", succ: []string{"E06000055", "E06000056"}},
		{in: "875", code: "E10000004", dfe: "875", name: "Cheshire", level: areas.LocalAuthority, validTo: date(2009, 3, 31), region: "E12000002", succ: []string{"E06000049", "E06000050"}},
		{in: "970", code: "E92000001", name: "England", level: areas.England, live: true},
		{in: "england", code: "E92000001", name: "England", level: areas.England, live: true},
		{in: "986", code: "E12000007", name: "London", level: areas.Region, live: true, region: "E92000001"},
		{in: "982", code: "E12000003", name: "Yorkshire and The Humber", level: areas.Region, live: true, region: "E92000001"},
		{in: "Yorkshire and the Humber", code: "E12000003", name: "Yorkshire and The Humber", level: areas.Region, live: true, region: "E92000001"},
		{in: "987", code: "E13000001", name: "Inner London", level: areas.SubRegion, live: true, region: "E12000007"},
		{in: "Inner London", code: "E13000001", name: "Inner London", level: areas.SubRegion, live: true, region: "E12000007"},
		{in: "London (Outer)", code: "E13000002", name: "Outer London", level: areas.SubRegion, live: true, region: "E12000007"},
		{in: "Camden", code: "E09000007", dfe: "202", name: "Camden", level: areas.LocalAuthority, live: true, region: "E12000007", sub: "E13000001"},
		{in: "Barnet", code: "E09000003", dfe: "302", name: "Barnet", level: areas.LocalAuthority, live: true, region: "E12000007", sub: "E13000002"},
		{in: "E09000001", code: "E09000001", dfe: "201", name: "City of London", level: areas.LocalAuthority, live: true, region: "E12000007", sub: "E13000001"},
		{in: "E06000053", code: "E06000053", dfe: "420", name: "Isles of Scilly", level: areas.LocalAuthority, live: true, region: "E12000009"},
		{in: "Isles Of Scilly", code: "E06000053", dfe: "420", name: "Isles of Scilly", level: areas.LocalAuthority, live: true, region: "E12000009"},
		{in: "Bristol City of", code: "E06000023", dfe: "801", name: "Bristol, City of", level: areas.LocalAuthority, live: true, region: "E12000009"},
		{in: "Kingston Upon Hull, City of", code: "E06000010", dfe: "810", name: "Kingston upon Hull, City of", level: areas.LocalAuthority, live: true, region: "E12000003"},
		{in: "Herefordshire", code: "E06000019", dfe: "884", name: "Herefordshire, County of", level: areas.LocalAuthority, live: true, region: "E12000005"},
		{in: "Durham", code: "E06000047", dfe: "840", name: "County Durham", level: areas.LocalAuthority, live: true, region: "E12000001"},
		{in: "County Durham", code: "E06000047", dfe: "840", name: "County Durham", level: areas.LocalAuthority, live: true, region: "E12000001"},
		{in: "St Helens", code: "E08000013", dfe: "342", name: "St. Helens", level: areas.LocalAuthority, live: true, region: "E12000002"},
		{in: "e08000013", code: "E08000013", dfe: "342", name: "St. Helens", level: areas.LocalAuthority, live: true, region: "E12000002"},
		{in: "Stockton on Tees", code: "E06000004", dfe: "808", name: "Stockton-on-Tees", level: areas.LocalAuthority, live: true, region: "E12000001"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			a, ok := r.Lookup(tc.in)
			if !ok {
				t.Fatalf("Lookup(%q) not found", tc.in)
			}
			if a.Code != tc.code || a.DfECode != tc.dfe || a.Name != tc.name || a.Level != tc.level {
				t.Errorf("Lookup(%q) = {%s %q %q %s}, want {%s %q %q %s}", tc.in, a.Code, a.DfECode, a.Name, a.Level, tc.code, tc.dfe, tc.name, tc.level)
			}
			if a.Live() != tc.live {
				t.Errorf("Live() = %v, want %v", a.Live(), tc.live)
			}
			if !a.ValidTo.Equal(tc.validTo) {
				t.Errorf("ValidTo = %v, want %v", a.ValidTo, tc.validTo)
			}
			if a.RegionCode != tc.region || a.SubRegionCode != tc.sub {
				t.Errorf("region/sub-region = %q/%q, want %q/%q", a.RegionCode, a.SubRegionCode, tc.region, tc.sub)
			}
			if !slices.Equal(a.FormerCodes, tc.former) {
				t.Errorf("FormerCodes = %v, want %v", a.FormerCodes, tc.former)
			}
			if !slices.Equal(a.Successors, tc.succ) {
				t.Errorf("Successors = %v, want %v", a.Successors, tc.succ)
			}
			if !slices.Equal(a.Predecessors, tc.pred) {
				t.Errorf("Predecessors = %v, want %v", a.Predecessors, tc.pred)
			}
			if b := r.MustLookup(tc.in); b != a {
				t.Errorf("MustLookup(%q) differs from Lookup", tc.in)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	r := areas.Default()
	for _, in := range []string{"", "  ", "999", "E06999999", "Atlantis", "Kingston upon Thames / Richmond upon Thames", "314 / 318", "702", "x", "z", "NULL"} {
		if a, ok := r.Lookup(in); ok {
			t.Errorf("Lookup(%q) = %s %s, want not found", in, a.Code, a.Name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustLookup(unknown) did not panic")
		}
	}()
	r.MustLookup("Atlantis")
}

func TestLookupAt(t *testing.T) {
	r := areas.Default()
	tests := []struct {
		in   string
		at   time.Time
		want string
	}{
		{"Dorset", date(2017, 3, 31), "835"},
		{"Dorset", date(2019, 3, 31), "835"},
		{"Dorset", date(2019, 4, 1), "838"},
		{"Dorset", date(2025, 1, 1), "838"},
		{"Dorset", time.Time{}, "838"},
		{"Barnsley", date(2020, 1, 1), "370"},
		{"835", date(2025, 1, 1), "835"}, // codes are never re-interpreted
		{"Poole", date(2025, 1, 1), "836"},
	}
	for _, tc := range tests {
		a, ok := r.LookupAt(tc.in, tc.at)
		if !ok || a.DfECode != tc.want {
			t.Errorf("LookupAt(%q, %s) = %v, %v; want %s", tc.in, tc.at.Format(time.DateOnly), a, ok, tc.want)
		}
	}
}

func TestValidity(t *testing.T) {
	r := areas.Default()
	poole := r.MustLookup("836")
	if !poole.ValidFrom.Equal(date(2009, 1, 1)) {
		t.Errorf("Poole ValidFrom = %v", poole.ValidFrom)
	}
	if !poole.ValidOn(date(2019, 3, 31)) || poole.ValidOn(date(2019, 4, 1)) {
		t.Error("Poole ValidOn around 2019-04-01 wrong")
	}
	bcp := r.MustLookup("839")
	if !bcp.ValidFrom.Equal(date(2019, 4, 1)) || bcp.ValidOn(date(2019, 3, 31)) || !bcp.ValidOn(date(2030, 1, 1)) {
		t.Errorf("BCP validity wrong: from %v", bcp.ValidFrom)
	}
	barnsley := r.MustLookup("370")
	if !barnsley.ValidFrom.Equal(date(2009, 1, 1)) || !barnsley.Live() {
		t.Errorf("Barnsley validity: from %v live %v", barnsley.ValidFrom, barnsley.Live())
	}
	// every terminated LA has successors, and every successor lists it back
	for _, a := range r.Areas() {
		if a.Level != areas.LocalAuthority || a.Live() {
			continue
		}
		if len(a.Successors) == 0 {
			t.Errorf("terminated %s %s has no successors", a.DfECode, a.Name)
		}
		for _, s := range a.Successors {
			sa := r.MustLookup(s)
			if !slices.Contains(sa.Predecessors, a.Code) {
				t.Errorf("%s lists successor %s but not vice versa", a.Name, sa.Name)
			}
		}
	}
}

func TestRegionAndEngland(t *testing.T) {
	r := areas.Default()
	eng := r.England()
	if eng.Code != "E92000001" || eng.Name != "England" || eng.Level != areas.England || eng.RegionCode != "" {
		t.Errorf("England() = %+v", eng)
	}
	if r.Region(eng) != nil {
		t.Error("Region(England) != nil")
	}
	if r.Region(nil) != nil {
		t.Error("Region(nil) != nil")
	}
	london := r.MustLookup("E12000007")
	if got := r.Region(r.MustLookup("Hackney")); got != london {
		t.Errorf("Region(Hackney) = %v", got)
	}
	if got := r.Region(london); got != london {
		t.Errorf("Region(London) = %v, want London", got)
	}
	if got := r.Region(r.MustLookup("Inner London")); got != london {
		t.Errorf("Region(Inner London) = %v", got)
	}
	if got := r.SubRegion(r.MustLookup("Newham")); got == nil || got.Code != "E13000001" {
		t.Errorf("SubRegion(Newham) = %v, want Inner London", got)
	}
	if got := r.SubRegion(r.MustLookup("Greenwich")); got == nil || got.Code != "E13000002" {
		t.Errorf("SubRegion(Greenwich) = %v, want Outer London", got)
	}
	if got := r.SubRegion(r.MustLookup("Kent")); got != nil {
		t.Errorf("SubRegion(Kent) = %v, want nil", got)
	}
	for _, reg := range r.Regions() {
		if reg.Level != areas.Region || reg.RegionCode != "E92000001" || !strings.HasPrefix(reg.Code, "E12") {
			t.Errorf("region %+v", reg)
		}
	}
	for _, a := range r.LocalAuthorities() {
		if (a.RegionCode == "E12000007") != (a.SubRegionCode != "") {
			t.Errorf("%s region %s sub-region %q", a.Name, a.RegionCode, a.SubRegionCode)
		}
		if len(a.DfECode) != 3 {
			t.Errorf("%s DfE code %q", a.Name, a.DfECode)
		}
	}
}

func TestNeighbours(t *testing.T) {
	r := areas.Default()
	if got := r.Vintages(); !slices.Equal(got, []string{"2021-04", "2025-05"}) {
		t.Errorf("Vintages() = %v", got)
	}
	if !slices.Contains(r.Vintages(), areas.DefaultVintage) {
		t.Errorf("DefaultVintage %s not in Vintages()", areas.DefaultVintage)
	}
	bcp := r.MustLookup("839")
	ns, err := r.Neighbours(bcp, "2025-05")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ dfe, closeness string }{
		{"822", "Very close"}, {"882", "Very close"}, {"886", "Very close"}, {"878", "Very close"}, {"826", "Very close"},
		{"303", "Very close"}, {"938", "Very close"}, {"926", "Very close"}, {"845", "Close"}, {"881", "Close"},
	}
	if len(ns) != len(want) {
		t.Fatalf("BCP 2025-05 has %d neighbours, want %d", len(ns), len(want))
	}
	for i, n := range ns {
		if n.Rank != i+1 || n.Area.DfECode != want[i].dfe || n.Closeness != want[i].closeness {
			t.Errorf("neighbour %d = {%d %s %q}, want {%d %s %q}", i, n.Rank, n.Area.DfECode, n.Closeness, i+1, want[i].dfe, want[i].closeness)
		}
	}
	if ns[0].Area.Name != "Bedford" {
		t.Errorf("BCP's first neighbour = %s, want Bedford", ns[0].Area.Name)
	}

	poole := r.MustLookup("836")
	ns, err = r.Neighbours(poole, "2021-04")
	if err != nil || len(ns) != 10 {
		t.Errorf("Poole 2021-04: %d neighbours, err %v", len(ns), err)
	}
	ns, err = r.Neighbours(poole, "2025-05")
	if err != nil || len(ns) != 0 {
		t.Errorf("Poole 2025-05: %d neighbours, err %v; want none", len(ns), err)
	}
	if _, err := r.Neighbours(bcp, "2019-01"); err == nil {
		t.Error("unknown vintage: no error")
	}
	if _, err := r.Neighbours(r.England(), "2025-05"); err == nil {
		t.Error("England neighbours: no error")
	}
	if _, err := r.Neighbours(nil, "2025-05"); err == nil {
		t.Error("nil area: no error")
	}

	// Whole-file properties, both vintages.
	allowed := []string{areas.ClosenessExtremelyClose, areas.ClosenessVeryClose, areas.ClosenessClose, areas.ClosenessSomewhatClose, areas.ClosenessNotClose}
	counts := map[string]int{}
	for _, v := range r.Vintages() {
		for _, a := range r.Areas() {
			if a.Level != areas.LocalAuthority {
				continue
			}
			ns, err := r.Neighbours(a, v)
			if err != nil {
				t.Fatal(err)
			}
			if len(ns) == 0 {
				continue
			}
			counts[v]++
			if len(ns) != 10 {
				t.Errorf("%s %s: %d neighbours", v, a.Name, len(ns))
			}
			for i, n := range ns {
				if n.Rank != i+1 || n.Area == a || n.Area.Level != areas.LocalAuthority || !slices.Contains(allowed, n.Closeness) {
					t.Errorf("%s %s neighbour %d: %+v", v, a.Name, i, n)
				}
			}
		}
	}
	if counts["2021-04"] != 156 || counts["2025-05"] != 153 {
		t.Errorf("LAs with neighbours per vintage = %v, want 156 / 153", counts)
	}
	// The 2021 vintage capitalises "Very Close"; normalised.
	ns, _ = r.Neighbours(r.MustLookup("202"), "2021-04")
	if ns[0].Area.Name != "Westminster" || ns[0].Closeness != "Very close" || ns[4].Closeness != "Somewhat close" {
		t.Errorf("Camden 2021-04 first = %s %q", ns[0].Area.Name, ns[0].Closeness)
	}
}

// TestLoadErrors checks that broken data is reported with file, line and column.
func TestLoadErrors(t *testing.T) {
	base := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("data"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("data/" + p)
		base[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := areas.Load(base); err != nil {
		t.Fatalf("Load(copy) = %v", err)
	}
	replace := func(file, old, new string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		s := string(base[file].Data)
		if !strings.Contains(s, old) {
			t.Fatalf("%s does not contain %q", file, old)
		}
		m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
		return m
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"bad date", replace("dfe_screener_las_all_vintages.csv", "E06000002,Middlesbrough,01/01/2009", "E06000002,Middlesbrough,2009-01-01"),
			"dfe_screener_las_all_vintages.csv:3:"},
		{"bad closeness", replace("statistical_neighbours_long.csv", "Kensington and Chelsea,Not Close", "Kensington and Chelsea,Nearby"),
			"statistical_neighbours_long.csv:2:"},
		{"unknown neighbour", replace("statistical_neighbours_long.csv", "1,207,Kensington", "1,999,Kensington"),
			"statistical_neighbours_long.csv:2:"},
		{"unknown alias target", replace("aliases.csv", "lait,970,E92000001", "lait,970,E92000009"),
			"aliases.csv:2:"},
		{"bad csv", replace("dfe_screener_regions.csv", "E12000002,North West", "E12000002,\"North West"),
			"dfe_screener_regions.csv:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := areas.Load(tc.fsys)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	m := fstest.MapFS{}
	for k, v := range base {
		if k != "aliases.csv" {
			m[k] = v
		}
	}
	if _, err := areas.Load(m); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestConcurrentUse exercises Default and lookups from several goroutines
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	done := make(chan bool)
	for range 8 {
		go func() {
			r := areas.Default()
			a, ok := r.Lookup("Trafford")
			ns, err := r.Neighbours(a, areas.DefaultVintage)
			done <- ok && err == nil && len(ns) == 10
		}()
	}
	for range 8 {
		if !<-done {
			t.Error("concurrent lookup failed")
		}
	}
}
