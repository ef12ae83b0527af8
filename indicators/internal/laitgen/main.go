// Command laitgen makes one indicator definition for every measure in DfE LAIT's big data set
// from LAIT's data dictionary. It is run by `go generate ./indicators/` (see indicators/lait.go):
// a new LAIT release is taken in by replacing the two files and running that one command.
//
// Each measure in the data file becomes indicators/lait/lait-<measure>.yaml, unless a
// hand-written definition in indicators/*.yaml already reads that measure (the hand-written one
// stays and the measure is not defined twice). A generated definition is overridden one by one by
// a definition with the same id in indicators/ or in --indicators DIR.
//
// The rules, from the dictionary's columns:
//   - Polarity High: higher_is_better; Low: lower_is_better; '-' or NA: no_judgement (no rank,
//     band or better/worse, as LAIT shows such measures).
//   - y_axis_name gives the unit ("%..." percentage, "Rate per 10,000" rate_per_10000, ...) and
//     the chart axis label; dps the decimals, 1 where it is NA (LAIT's display rounding,
//     docs/METHODS.md).
//   - No_Quartile N: banding none (ranked, not banded: LAIT's "data range is too small").
//   - Year_Type, Data Owner, Hyperlink(s), Last Update and Next Update (Excel serial dates, or
//     words such as Discontinued), Methodology and state_funded_flag become metadata.
//   - A measure listed twice in the dictionary (12 are, under two topics) takes the row with the
//     most columns filled in, the first such row on a tie; it is not banded if either row says
//     No_Quartile N.
//   - England and region figures are LAIT's own rows only (comparison.values: published), and a
//     value LAIT publishes outside the unit's range (take-up above 100% of an estimated
//     population, say) is loaded with a warning (value_checks: warn).
package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/stats"
	"go.yaml.in/yaml/v3"
)

func main() {
	dict := flag.String("dictionary", "lait/lait_data_dictionary.csv", "LAIT's data dictionary (CSV)")
	data := flag.String("data", "../datasets/shipped/lait_bds_long_childrens_services.csv", "LAIT's big data set in long form (CSV)")
	handWritten := flag.String("hand-written", ".", "directory of hand-written definitions (measures they read are skipped)")
	out := flag.String("out", "lait", "directory the generated definitions are written to (its lait-*.yaml files are replaced)")
	flag.Parse()
	if err := run(*dict, *data, *handWritten, *out); err != nil {
		fmt.Fprintln(os.Stderr, "laitgen:", err)
		os.Exit(1)
	}
}

func run(dictPath, dataPath, handDir, outDir string) error {
	entries, err := readDictionary(dictPath)
	if err != nil {
		return err
	}
	measures, err := readMeasures(dataPath)
	if err != nil {
		return err
	}
	covered, otherSources, err := handWrittenMeasures(handDir)
	if err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(outDir, "lait-*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(measures))
	for m := range measures {
		names = append(names, m)
	}
	sort.Strings(names)
	ids := map[string]string{}
	written := 0
	for _, m := range names {
		if _, ok := covered[m]; ok {
			continue
		}
		e, ok := entries[m]
		if !ok {
			return fmt.Errorf("measure %q is in %s but not in the dictionary %s", m, dataPath, dictPath)
		}
		def := definition(e)
		if id, ok := otherSources[m]; ok {
			// The same statistic from another publication (repeat-cpp reads EES's table D3):
			// the titles tell them apart, as cla-rate and cla-rate-lait do.
			def.Title += " (long-run series)"
			def.Metadata.Notes = "The same statistic, from DfE's own tables with more detail, is the indicator " + id + "."
		}
		if prev, dup := ids[def.ID]; dup {
			return fmt.Errorf("measures %q and %q both make the id %s", prev, m, def.ID)
		}
		ids[def.ID] = m
		text, err := render(def, m)
		if err != nil {
			return fmt.Errorf("measure %s: %w", m, err)
		}
		if err := os.WriteFile(filepath.Join(outDir, def.ID+".yaml"), text, 0o644); err != nil {
			return err
		}
		written++
	}
	fmt.Printf("laitgen: %d measures, %d generated, %d hand-written\n", len(names), written, len(names)-written)
	return nil
}

// entry is one measure's row of the dictionary, by column name.
type entry map[string]string

// get is a column's value, with LAIT's NA as empty.
func (e entry) get(col string) string {
	v := strings.TrimSpace(strings.ReplaceAll(e[col], "\r\n", "\n"))
	if v == "NA" {
		return ""
	}
	return v
}

func (e entry) filled() int {
	n := 0
	for col := range e {
		if e.get(col) != "" {
			n++
		}
	}
	return n
}

func readDictionary(path string) (map[string]entry, error) {
	out := map[string]entry{}
	err := eachRow(path, func(e map[string]string) {
		m := e["Measure_short"]
		// A measure listed twice keeps the row with most columns filled in (the first on a tie),
		// and is not banded if either row says so.
		prev, seen := out[m]
		if !seen || entry(e).filled() > prev.filled() {
			out[m] = e
		}
		if seen && (prev.get("No_Quartile") == "N" || entry(e).get("No_Quartile") == "N") {
			out[m]["No_Quartile"] = "N"
		}
	})
	return out, err
}

// readMeasures lists the measures in the data file.
func readMeasures(path string) (map[string]bool, error) {
	out := map[string]bool{}
	err := eachRow(path, func(r map[string]string) { out[r["measure_short"]] = true })
	if err == nil && len(out) == 1 && out[""] {
		err = fmt.Errorf("%s: no measure_short column", path)
	}
	return out, err
}

// eachRow calls fn with every record of a CSV file, by its header's column names (a leading
// byte-order mark dropped).
func eachRow(path string, fn func(row map[string]string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		row := make(map[string]string, len(header))
		for i, col := range header {
			row[col] = rec[i]
		}
		fn(row)
	}
}

// handWrittenMeasures lists the LAIT measures read by the hand-written definitions, and the
// LAIT measures that hand-written definitions of other datasets give as their reference (the
// same statistic from another publication), each with the definition's id.
func handWrittenMeasures(dir string) (read, elsewhere map[string]string, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, nil, err
	}
	out := map[string]string{}
	elsewhere = map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		var d struct {
			ID        string `yaml:"id"`
			Reference string `yaml:"reference"`
			Source    struct {
				Dataset string            `yaml:"dataset"`
				Filters map[string]string `yaml:"filters"`
			} `yaml:"source"`
		}
		if err := yaml.Unmarshal(data, &d); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f, err)
		}
		if m := d.Source.Filters["measure_short"]; d.Source.Dataset == "lait" && m != "" {
			if prev, dup := out[m]; dup {
				return nil, nil, fmt.Errorf("measure %s is read by both %s and %s", m, prev, d.ID)
			}
			out[m] = d.ID
		} else if d.Reference != "" {
			elsewhere[d.Reference] = d.ID
		}
	}
	return out, elsewhere, nil
}

var notIDChar = regexp.MustCompile(`[^a-z0-9]+`)

// idWords spell out the symbols in LAIT's short names that tell two measures apart
// (LAC_ceased_SGO is a number, LAC_ceased_SGO% a percentage).
var idWords = strings.NewReplacer("%", "-pct-", "&", "-and-", "+", "-plus-")

// ID is the generated definition's id for a LAIT measure: "lait-" and the measure's short name
// in lower case, % spelt pct and & and, every run of other characters a hyphen (CMH_0-17yrs:
// lait-cmh-0-17yrs; LAC_ceased_SGO%: lait-lac-ceased-sgo-pct).
func ID(measure string) string {
	s := idWords.Replace(strings.ToLower(measure))
	return "lait-" + strings.Trim(notIDChar.ReplaceAllString(s, "-"), "-")
}

func definition(e entry) *indicators.Definition {
	m := e["Measure_short"]
	unit := unitOf(e.get("y_axis_name"))
	decimals := 1 // LAIT's display rounding when dps is NA
	if dps, err := strconv.Atoi(e.get("dps")); err == nil {
		decimals = dps
	}
	banding := ""
	if e.get("No_Quartile") == "N" {
		banding = indicators.BandingNone
	}
	title := oneLine(e.get("Chart_title"))
	if title == "" {
		title = oneLine(e.get("Measure"))
	}
	return &indicators.Definition{
		ID:          ID(m),
		Reference:   m,
		Title:       title,
		Description: paragraphs(e.get("Description")),
		Topic:       oneLine(e.get("Topic")),
		Unit:        unit,
		Decimals:    decimals,
		Polarity:    polarityOf(e.get("Polarity")),
		Source: indicators.Source{
			Dataset: "lait",
			Filters: map[string]string{"measure_short": m},
			Value:   "value",
		},
		CIMethod:    indicators.CINone,
		Comparison:  indicators.Comparison{Values: indicators.ValuesPublished},
		Banding:     banding,
		ValueChecks: indicators.ValueChecksWarn,
		Metadata: indicators.Metadata{
			Owner:           firstLine(e.get("Data Owner (DO) /Supplier and Contact Details")),
			Source:          "DfE LAIT, measure " + m,
			URL:             firstURL(e.get("Hyperlink(s)")),
			Methodology:     paragraphs(e.get("Methodology")),
			AxisLabel:       oneLine(e.get("y_axis_name")),
			YearType:        oneLine(e.get("Year_Type")),
			LastUpdated:     excelDate(e.get("Last Update")),
			NextUpdate:      excelDate(e.get("Next Update")),
			StateFundedOnly: e.get("state_funded_flag") == "State Funded",
		},
	}
}

// unitOf reads the unit from LAIT's axis name.
func unitOf(axis string) indicators.Unit {
	a := strings.ToLower(axis)
	switch {
	case strings.HasPrefix(a, "%"), strings.Contains(a, "percent"), a == "absence rate":
		return indicators.Percentage
	case strings.HasPrefix(a, "rate per 100,000"):
		return indicators.RatePer100000
	case strings.HasPrefix(a, "rate per 10,000"):
		return indicators.RatePer10000
	case strings.HasPrefix(a, "rate per 1000"), strings.HasPrefix(a, "rate per 1,000"):
		return indicators.RatePer1000
	case strings.Contains(a, "score"):
		return indicators.Score
	case strings.Contains(a, "days"):
		return indicators.Days
	}
	return indicators.Number
}

func polarityOf(p string) stats.Polarity {
	switch p {
	case "High":
		return stats.HigherIsBetter
	case "Low":
		return stats.LowerIsBetter
	}
	return stats.NoJudgement
}

var spaces = regexp.MustCompile(`\s+`)

func oneLine(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = oneLine(l); l != "" {
			return l
		}
	}
	return ""
}

var blankLines = regexp.MustCompile(`\n\s*\n`)

var listItem = regexp.MustCompile(`^(-|•|\*|\d+[.)])\s`)

// paragraphs keeps a text's paragraphs (blank-line separated) and list items (lines starting
// "- ", "• " or "1. "), each on one line; other line breaks become spaces. A text of only "-"
// is LAIT's "none".
func paragraphs(s string) string {
	if strings.TrimSpace(s) == "-" {
		return ""
	}
	var out []string
	for _, p := range blankLines.Split(s, -1) {
		var lines []string
		for _, l := range strings.Split(p, "\n") {
			l = oneLine(l)
			switch {
			case l == "":
			case len(lines) == 0 || listItem.MatchString(l):
				lines = append(lines, l)
			default:
				lines[len(lines)-1] += " " + l
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return strings.Join(out, "\n\n")
}

var url = regexp.MustCompile(`https?://[^\s,;]+`)

func firstURL(s string) string { return url.FindString(s) }

// excelDate turns an Excel serial date (days since 1899-12-30) into 2006-01-02; words stay.
func excelDate(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return oneLine(s)
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format("2006-01-02")
}

func render(def *indicators.Definition, measure string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Code generated by laitgen from LAIT's data dictionary (measure %s); DO NOT EDIT.\n", measure)
	b.WriteString("# Run `go generate ./indicators/` to remake it; to change it, put a definition with the same id\n")
	b.WriteString("# in indicators/ or in the --indicators directory.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(def); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
