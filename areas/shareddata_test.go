package areas_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/childrens-trust/scorecard/areas"
)

// dataDirs are where the real-data files the tests read are looked for, in order: the project's
// full real-data directory when SCORECARD_SHARED_DATA names it, then the repository's own copies
// (testdata/SOURCES.md says which file is where and where it came from). Nothing outside the
// repository is needed, and a missing file fails the test rather than skipping it.
var dataDirs = func() []string {
	dirs := []string{"testdata", filepath.Join("..", "datasets", "shipped"), "data"}
	if d := os.Getenv("SCORECARD_SHARED_DATA"); d != "" {
		dirs = append([]string{d}, dirs...)
	}
	return dirs
}()

// dataFile is the path of the named real-data file: the first of dataDirs that holds it.
func dataFile(t *testing.T, name string) string {
	t.Helper()
	for _, d := range dataDirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("%s is in none of %v (see testdata/SOURCES.md)", name, dataDirs)
	return ""
}

// dataFiles are the real-data files whose names match pattern, each name once (from the first
// of dataDirs that holds it), sorted by name.
func dataFiles(t *testing.T, pattern string) []string {
	t.Helper()
	byName := map[string]string{}
	for _, d := range dataDirs {
		matches, err := filepath.Glob(filepath.Join(d, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			if _, ok := byName[filepath.Base(m)]; !ok {
				byName[filepath.Base(m)] = m
			}
		}
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[name])
	}
	return out
}

// unresolvable values are in the shared files but are not one area:
// combined-LA rows (EES) and a NULL artefact in the exclusions file.
var unresolvable = map[string]bool{
	"Kingston upon Thames / Richmond upon Thames":    true,
	"North Northamptonshire / West Northamptonshire": true,
	"314 / 318":             true,
	"940 / 941":             true,
	"E09000021 / E09000027": true,
	"E06000061 / E06000062": true,
	"NULL":                  true,
}

// ambiguousNames are names that belong to more than one area: Lookup picks
// the live one, so a row naming the predecessor resolves to a different area
// than the row's code (and LookupAt must get it right).
var ambiguousNames = map[string]bool{"Dorset": true}

func TestSharedDataResolves(t *testing.T) {
	r := areas.Default()

	type miss struct{ file, col, value string }
	unresolved := map[miss]int{}
	mismatched := map[string]int{}
	checked := 0

	// resolve checks one row's values: each must resolve, and all the
	// (non-empty) values in a group must give the same area.
	resolve := func(file string, row map[string]string, group []string) {
		var first *areas.Area
		var firstCol string
		for _, col := range group {
			v := row[col]
			if v == "" || unresolvable[v] {
				continue
			}
			checked++
			a, ok := r.Lookup(v)
			if !ok {
				unresolved[miss{file, col, v}]++
				continue
			}
			if first == nil {
				first, firstCol = a, col
				continue
			}
			if a != first {
				if ambiguousNames[v] || ambiguousNames[row[firstCol]] {
					continue
				}
				mismatched[file+": "+firstCol+"="+row[firstCol]+" ("+first.Code+") vs "+col+"="+v+" ("+a.Code+")"]++
			}
		}
	}

	// EES files: country, region and LA columns.
	eesFiles := dataFiles(t, "ees_*.csv")
	if len(eesFiles) < 7 {
		t.Fatalf("%d ees_*.csv files, want the 7 of the real data: %v", len(eesFiles), eesFiles)
	}
	for _, path := range eesFiles {
		readCSV(t, path, func(row map[string]string) {
			resolve(filepath.Base(path), row, []string{"country_code", "country_name"})
			resolve(filepath.Base(path), row, []string{"region_code", "region_name"})
			resolve(filepath.Base(path), row, []string{"old_la_code", "new_la_code", "la_name"})
		})
	}
	// The lookups derived from EES / the screener.
	for _, f := range []string{"la_lookup_live_2025.csv", "la_lookup_2024_from_ees_cin.csv"} {
		readCSV(t, dataFile(t, f), func(row map[string]string) {
			resolve(f, row, []string{"old_la_code", "new_la_code", "la_name"})
			resolve(f, row, []string{"region_code", "region_name"})
			resolve(f, row, []string{"ees_region_code", "ees_region_name"})
		})
	}
	// Screener hierarchy: only rows with a real old_la_code are areas; region
	// "z" rows are "Outside of England", "Unknown" etc.
	readCSV(t, dataFile(t, "dfe_screener_region_la_hierarchy.csv"), func(row map[string]string) {
		if row["region_code"] == "z" {
			return
		}
		resolve("dfe_screener_region_la_hierarchy.csv", row, []string{"region_code", "region_name"})
		if len(row["old_la_code"]) == 3 && row["old_la_code"] != "702" {
			resolve("dfe_screener_region_la_hierarchy.csv", row, []string{"old_la_code", "new_la_code", "la_name"})
		}
	})
	// LAIT: la_number and area_name (streamed; 13.9 MB).
	readCSV(t, dataFile(t, "lait_bds_long_childrens_services.csv"), func(row map[string]string) {
		resolve("lait", row, []string{"la_number", "area_name"})
	})
	// Exclusions: names only.
	readCSV(t, dataFile(t, "exclusions_la_region_national_200607_to_201617.csv"), func(row map[string]string) {
		resolve("exclusions", row, []string{"la_name"})
	})
	// Fingertips: area and parent.
	readCSV(t, dataFile(t, "fingertips_90284_injury_admissions_0_14_england_region_utla.csv"), func(row map[string]string) {
		resolve("fingertips", row, []string{"Area Code", "Area Name"})
		resolve("fingertips", row, []string{"Parent Code", "Parent Name"})
		if row["Area Type"] == "Counties & UAs (from Apr 2023)" {
			if a, ok := r.Lookup(row["Area Code"]); !ok || a.Level != areas.LocalAuthority {
				t.Errorf("fingertips %s %s is not an LA", row["Area Code"], row["Area Name"])
			}
		}
	})
	// Statistical neighbours, long and wide.
	readCSV(t, dataFile(t, "statistical_neighbours_long.csv"), func(row map[string]string) {
		resolve("sn_long", row, []string{"old_la_code", "la_name"})
		resolve("sn_long", row, []string{"sn_old_la_code", "sn_la_name"})
		resolve("sn_long", row, []string{"region_label"})
	})
	readRows(t, dataFile(t, "sn_april_2021_wide.csv"), func(rec []string) {
		if strings.HasSuffix(rec[0], "LA num") || rec[0] == "" {
			return // header (with BOM), blank rows and the "Old SNs:" label
		}
		row := map[string]string{"LA num": rec[0], "LA Name": rec[1], "LA number": rec[2], "GOReg": rec[4]}
		resolve("sn_april_2021_wide", row, []string{"LA num", "LA Name", "LA number"})
		resolve("sn_april_2021_wide", row, []string{"GOReg"})
		for i := 5; i+1 < len(rec); i += 2 {
			resolve("sn_april_2021_wide", map[string]string{"SN": rec[i]}, []string{"SN"})
		}
	})
	readRows(t, dataFile(t, "sn_may_2025_wide.csv"), func(rec []string) {
		if strings.HasSuffix(rec[0], "old_la_code") {
			return // header (with BOM)
		}
		row := map[string]string{"old_la_code": rec[0], "la_name": rec[1], "region_name": rec[3]}
		resolve("sn_may_2025_wide", row, []string{"old_la_code", "la_name"})
		resolve("sn_may_2025_wide", row, []string{"region_name"})
		for i := 4; i+1 < len(rec); i += 2 {
			resolve("sn_may_2025_wide", map[string]string{"SN": rec[i]}, []string{"SN"})
		}
	})

	var report []string
	for m, n := range unresolved {
		report = append(report, fmt.Sprintf("%s: %s = %q does not resolve (%d rows)", m.file, m.col, m.value, n))
	}
	for m, n := range mismatched {
		report = append(report, fmt.Sprintf("%s (%d rows)", m, n))
	}
	slices.Sort(report)
	for _, line := range report {
		t.Error(line)
	}
	t.Logf("%d values checked", checked)
}

// TestSharedDataDorsetByDate checks that LookupAt resolves the ambiguous
// name "Dorset" to the area the row's code names, using the EES period.
func TestSharedDataDorsetByDate(t *testing.T) {
	path := dataFile(t, "ees_b1_children_in_need_2013_to_2025.csv")
	r := areas.Default()
	n := 0
	readCSV(t, path, func(row map[string]string) {
		if row["la_name"] != "Dorset" {
			return
		}
		// CIN time_period YYYY is the year ending 31 March YYYY.
		at, err := time.Parse(time.DateOnly, row["time_period"]+"-03-31")
		if err != nil {
			t.Fatal(err)
		}
		a, ok := r.LookupAt(row["la_name"], at)
		if !ok || a.DfECode != row["old_la_code"] {
			t.Errorf("LookupAt(Dorset, %s) = %v, want %s", row["time_period"], a, row["old_la_code"])
		}
		n++
	})
	if n == 0 {
		t.Error("no Dorset rows")
	}
}

func readCSV(t *testing.T, path string, fn func(map[string]string)) {
	t.Helper()
	var header []string
	readRows(t, path, func(rec []string) {
		if header == nil {
			header = append([]string(nil), rec...)
			header[0] = strings.TrimPrefix(header[0], "\ufeff")
			return
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		fn(row)
	})
}

// readRows streams every record of a CSV file, including the header.
func readRows(t *testing.T, path string, fn func([]string)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		fn(rec)
	}
}
