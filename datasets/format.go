package datasets

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/period"
)

// Area levels stored in a dataset's _level column.
const (
	LevelEngland   = "england"
	LevelRegion    = "region"
	LevelSubRegion = "subregion"
	LevelLA        = "la"
	// LevelSNAverage marks a row that carries a published statistical-neighbour average for the
	// area in _area (a simple return row whose area is written "SN:<area>").
	LevelSNAverage = "sn_average"
	// LevelOther marks rows for geographies the product does not model (districts, schools...).
	// They are stored as uploaded but never evaluated.
	LevelOther = "other"
)

// rowKey is what a format extracts from a row: where and when the figures belong.
type rowKey struct {
	area   *areas.Area // nil for LevelOther
	level  string
	period period.Period
}

// keyProblem says which column of a row is wrong and why.
type keyProblem struct {
	column, value, reason string
}

// row gives a format access to one record by column name (case-insensitive).
type row struct {
	index  map[string]int
	record []string
}

func (r row) get(column string) string {
	if i, ok := r.index[strings.ToLower(column)]; ok && i < len(r.record) {
		return strings.TrimSpace(r.record[i])
	}
	return ""
}

// Format is a CSV layout the loader recognises by its header.
type Format struct {
	// Name identifies the format in revisions and the API.
	Name string
	// Description says what files have this layout.
	Description string
	// Required columns must all be present (compared case-insensitively) for the header to match.
	Required []string
	// Numeric columns must hold numbers, suppression markers or nothing.
	Numeric []string
	// Text columns are always stored as text, even when they look like numbers (codes, years).
	Text []string
	// PeriodColumn is the column that names a row's period, blamed when the period has not
	// begun.
	PeriodColumn string
	// Key are the text columns that, with the normalised area, level and period, identify a
	// row: the format's checks refuse two rows with the same key. Nil when the format's rows
	// have no key (a revision diff then compares whole rows).
	Key []string
	// Publication marks the layout of an official statistical release (DfE, OHID): its rows are
	// the publisher's own for every area it covers, so local authorities are ranked among those
	// that have a value however few they are, as the publisher ranks them. A local return's
	// ranks need the engine's minimum coverage instead, so that "1 of 1" is never shown.
	Publication bool
	// Markers translates the markers this publisher writes with another meaning than the
	// government statistical code list's into the code-list marker they mean: LAIT writes "-"
	// for a figure it does not have ("x", not available), where DfE's legacy tables mean an
	// area that did not exist then. The stored rows keep the publisher's marker; evaluations
	// carry the translated one.
	Markers map[string]string
	// Example is a short file of the format, as records: the header (the required columns and
	// the usual optional ones) and rows of published figures. Template writes it as CSV; it
	// parses as this format.
	Example [][]string

	// key extracts area, level and period from a row. A non-empty skip means the row is a known
	// artefact of published data and is left out with a warning (never silently).
	key func(reg *areas.Registry, r row) (k rowKey, problems []keyProblem, skip string)
}

// Formats lists the recognised layouts in the order they are tried.
var Formats = []*Format{simpleReturn, targetsFile, eesTidy, fingertipsExport, laitLong, dfeLegacyLA}

func detectFormat(header []string) (*Format, error) {
	have := map[string]bool{}
	for _, h := range header {
		have[strings.ToLower(strings.TrimSpace(h))] = true
	}
	for _, f := range Formats {
		ok := true
		for _, c := range f.Required {
			if !have[strings.ToLower(c)] {
				ok = false
				break
			}
		}
		if ok {
			return f, nil
		}
	}
	var b strings.Builder
	b.WriteString("the header matches no known format")
	// Name the format the header nearly matches, and what it lacks: a missing column is a
	// likelier mistake than a file of an unknown kind.
	var best *Format
	var bestMissing []string
	for _, f := range Formats {
		var missing []string
		for _, c := range f.Required {
			if !have[strings.ToLower(c)] {
				missing = append(missing, c)
			}
		}
		if 2*len(missing) <= len(f.Required) && (best == nil || len(missing) < len(bestMissing)) {
			best, bestMissing = f, missing
		}
	}
	if best != nil {
		fmt.Fprintf(&b, " (it looks like %s but lacks the column(s) %s)", best.Name, strings.Join(bestMissing, ", "))
	}
	b.WriteString("; expected one of: ")
	for i, f := range Formats {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s)", f.Name, strings.Join(f.Required, ","))
	}
	return nil, fmt.Errorf("%s", b.String())
}

// levelOf maps a resolved area to the level stored with its rows.
func levelOf(a *areas.Area) string {
	switch a.Level {
	case areas.England:
		return LevelEngland
	case areas.Region:
		return LevelRegion
	case areas.SubRegion:
		return LevelSubRegion
	default:
		return LevelLA
	}
}

// modelledCode matches GSS codes of geographies the product models: LAs (E06, E08, E09, E10),
// regions (E12), London sub-regions (E13) and England (E92). Rows with other codes (districts,
// health bodies, combined authorities) are kept but not evaluated.
var modelledCode = regexp.MustCompile(`^E(06|08|09|10|12|13|92)\d{6}$`)

// simpleReturn is the product's own return layout, for local figures.
var simpleReturn = &Format{
	Name:         "simple_return",
	Description:  "the product's simple return: indicator,area,period,value[,numerator,denominator][,note]; area is a GSS code, DfE code or name, or SN:<area> for a published statistical-neighbour average",
	Required:     []string{"indicator", "area", "period", "value"},
	Numeric:      []string{"value", "numerator", "denominator"},
	Text:         []string{"indicator", "area", "period", "note"},
	PeriodColumn: "period",
	Key:          []string{"indicator"},
	Example: [][]string{
		{"indicator", "area", "period", "value", "numerator", "denominator", "note"},
		{"secondary-good-outstanding-schools", "836", "2015-16", "58.8", "", "", "Poole score card row 1.14 (published figure)"},
		{"secondary-good-outstanding-schools", "SN:836", "2015-16", "83.8", "", "", "statistical neighbours' average, as published in the score card"},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		p, err := period.Parse(r.get("period"))
		if err != nil {
			probs = append(probs, periodProblem("period", r.get("period"), err))
		}
		k.period = p
		areaText := r.get("area")
		level := ""
		if rest, ok := cutPrefixFold(areaText, "SN:"); ok {
			areaText, level = strings.TrimSpace(rest), LevelSNAverage
		}
		switch a, ok := lookupAt(reg, areaText, p); {
		case areaText == "":
			probs = append(probs, keyProblem{"area", "", "area is empty"})
		case !ok:
			probs = append(probs, keyProblem{"area", r.get("area"), "unknown area (give a GSS code, DfE code or exact name)"})
		case level == LevelSNAverage && a.Level != areas.LocalAuthority:
			probs = append(probs, keyProblem{"area", r.get("area"), "SN: rows must name a local authority"})
		default:
			k.area = a
			k.level = level
			if level == "" {
				k.level = levelOf(a)
			}
		}
		if r.get("indicator") == "" {
			probs = append(probs, keyProblem{"indicator", "", "indicator is empty"})
		}
		return k, probs, ""
	},
}

// TargetsDataset is the dataset name whose rows are targets (format "targets"): the engine reads
// it for every indicator, and a load of it re-evaluates every indicator.
const TargetsDataset = "targets"

// RequiredFormat is the one format a dataset the product gives a meaning to accepts (the
// targets format for TargetsDataset), or nil when the name is free for any format. Uploads and
// restores of such a dataset in another format are refused before anything is stored.
func RequiredFormat(dataset string) *Format {
	if dataset == TargetsDataset {
		return targetsFile
	}
	return nil
}

// Header is the format's required columns as a CSV header line.
func (f *Format) Header() string { return strings.Join(f.Required, ",") }

// FormatColumn is one column a format's files have.
type FormatColumn struct {
	Name string
	// Required columns must be in the header; the others may be.
	Required bool
	// Numeric columns hold numbers, suppression markers (such as c or x) or nothing.
	Numeric bool
}

// Columns lists the columns the format knows: the required ones in order, then its optional
// numeric and text columns. A file may have other columns too: they are kept as uploaded.
func (f *Format) Columns() []FormatColumn {
	var out []FormatColumn
	seen := map[string]bool{}
	numeric := setOf(f.Numeric)
	add := func(names []string, required bool) {
		for _, n := range names {
			if !seen[strings.ToLower(n)] {
				seen[strings.ToLower(n)] = true
				out = append(out, FormatColumn{Name: n, Required: required, Numeric: numeric[strings.ToLower(n)]})
			}
		}
	}
	add(f.Required, true)
	add(f.Numeric, false)
	add(f.Text, false)
	return out
}

// Template is the format's Example as a CSV file (UTF-8, LF line endings): a file to start
// from, that loads as it is.
func (f *Format) Template() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(f.Example) // a bytes.Buffer does not fail
	return b.Bytes()
}

// FormatNamed returns the format called name (as Revision.Format has it), or nil.
func FormatNamed(name string) *Format { return formatNamed(name) }

// formatNamed returns the format called name, or nil.
func formatNamed(name string) *Format {
	for _, f := range Formats {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// wrongFormat explains why a file with this header, of format got (nil: no known format),
// cannot go into dataset, which requires want: because the product gives the dataset a meaning
// (reserved) or because its current revision is in that format.
func wrongFormat(dataset string, want, got *Format, header []string, reserved bool) string {
	what := "matches no known format"
	if got != nil {
		what = fmt.Sprintf("is a %s file (%s)", got.Name, got.Header())
	} else {
		have := map[string]bool{}
		for _, h := range header {
			have[strings.ToLower(strings.TrimSpace(h))] = true
		}
		var missing []string
		for _, c := range want.Required {
			if !have[c] {
				missing = append(missing, c)
			}
		}
		what = "lacks the column(s) " + strings.Join(missing, ", ")
	}
	if reserved {
		return fmt.Sprintf("the dataset %s holds %s and accepts only that format: its header must have the columns %s; this file %s",
			dataset, want.Name, want.Header(), what)
	}
	// The indicators reading a dataset are written for its format: a file of another kind
	// would feed them numbers that mean something else.
	return fmt.Sprintf("the dataset %s holds %s files, which the indicators reading it expect: its header must have the columns %s; this file %s. "+
		"Load a %s file here, or this file into a dataset of its own", dataset, want.Name, want.Header(), what, want.Name)
}

// targetsFile is a table of locally set targets.
var targetsFile = &Format{
	Name:         "targets",
	Description:  "targets set locally: indicator,area,period,target,tolerance[,tolerance_type] (absolute or percent); load it as the dataset named targets",
	Required:     []string{"indicator", "area", "period", "target", "tolerance"},
	Numeric:      []string{"target", "tolerance"},
	Text:         []string{"indicator", "area", "period", "tolerance_type", "note"},
	PeriodColumn: "period",
	Key:          []string{"indicator"},
	Example: [][]string{
		{"indicator", "area", "period", "target", "tolerance", "tolerance_type", "note"},
		{"secondary-good-outstanding-schools", "E06000058", "2025-26", "90", "2", "absolute", "amber from 88 to 90"},
		{"secondary-good-outstanding-schools", "E06000058", "2026-27", "92", "5", "percent", "amber within 5% of the target"},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		p, err := period.Parse(r.get("period"))
		if err != nil {
			probs = append(probs, periodProblem("period", r.get("period"), err))
		}
		k.period = p
		if a, ok := lookupAt(reg, r.get("area"), p); ok {
			k.area, k.level = a, levelOf(a)
		} else {
			probs = append(probs, keyProblem{"area", r.get("area"), "unknown area (give a GSS code, DfE code or exact name)"})
		}
		if r.get("indicator") == "" {
			probs = append(probs, keyProblem{"indicator", "", "indicator is empty"})
		}
		switch strings.ToLower(r.get("tolerance_type")) {
		case "", "absolute", "percent":
		default:
			probs = append(probs, keyProblem{"tolerance_type", r.get("tolerance_type"), "tolerance_type must be absolute or percent"})
		}
		return k, probs, ""
	},
}

// eesTidy is DfE's explore-education-statistics tidy layout with National, Regional and
// Local authority rows.
var eesTidy = &Format{
	Name:        "ees_tidy",
	Publication: true,
	Description: "DfE explore-education-statistics tidy file (time_period,time_identifier,geographic_level,...)",
	Required:    []string{"time_period", "time_identifier", "geographic_level"},
	Text: []string{"time_period", "time_identifier", "geographic_level", "country_code", "country_name",
		"region_code", "region_name", "old_la_code", "new_la_code", "la_name"},
	PeriodColumn: "time_period",
	Example: [][]string{
		{"time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code", "region_name",
			"old_la_code", "new_la_code", "la_name", "population_type", "children_count", "rate_per_10000"},
		{"2025", "Reporting year", "National", "E92000001", "England", "", "", "", "", "", "Children looked after on 31 March each year", "81770", "67"},
		{"2025", "Reporting year", "Local authority", "E92000001", "England", "E12000009", "South West", "839", "E06000058",
			"Bournemouth, Christchurch and Poole", "Children looked after on 31 March each year", "560", "75"},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		p, err := period.ParseEES(r.get("time_period"), r.get("time_identifier"))
		if err != nil {
			// Blame the column that is wrong: an identifier the product cannot read ("Spring
			// term"), or a time_period that does not fit a readable identifier.
			if eesIdentifierKnown(r.get("time_identifier")) {
				probs = append(probs, keyProblem{"time_period", r.get("time_period"), err.Error()})
			} else {
				probs = append(probs, keyProblem{"time_identifier", r.get("time_identifier"), err.Error()})
			}
		}
		k.period = p
		resolve := func(column string, codes ...string) {
			for _, c := range codes {
				if c == "" {
					continue
				}
				if a, ok := reg.Lookup(c); ok {
					k.area, k.level = a, levelOf(a)
					return
				}
				probs = append(probs, keyProblem{column, c, "unknown area code"})
				return
			}
			probs = append(probs, keyProblem{column, "", "no area code on a " + r.get("geographic_level") + " row"})
		}
		switch strings.ToLower(r.get("geographic_level")) {
		case "national":
			resolve("country_code", r.get("country_code"), "E92000001")
		case "regional":
			resolve("region_code", r.get("region_code"))
		case "local authority":
			if c := r.get("new_la_code"); c != "" {
				resolve("new_la_code", c)
			} else {
				resolve("old_la_code", r.get("old_la_code"))
			}
		case "":
			probs = append(probs, keyProblem{"geographic_level", "", "geographic_level is empty"})
		default:
			k.level = LevelOther
		}
		return k, probs, ""
	},
}

// fingertipsExport is OHID Fingertips' "all data" CSV export.
var fingertipsExport = &Format{
	Name:        "fingertips",
	Publication: true,
	Description: "OHID Fingertips export (Indicator ID,...,Area Code,...,Time period,Value,Lower CI 95.0 limit,...)",
	Required:    []string{"Indicator ID", "Area Code", "Time period", "Value"},
	Numeric: []string{"Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit",
		"Upper CI 99.8 limit", "Count", "Denominator"},
	Text: []string{"Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
		"Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value note", "Recent Trend",
		"Compared to England value or percentiles", "Compared to Regions (statistical) value or percentiles",
		"Time period Sortable", "New data", "Compared to goal", "Time period range"},
	PeriodColumn: "Time period",
	Example: [][]string{
		{"Indicator ID", "Indicator Name", "Area Code", "Area Name", "Area Type", "Sex", "Age", "Time period", "Value",
			"Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator"},
		{"90284", "Hospital admissions caused by unintentional and deliberate injuries in children (aged 0 to 14 years)", "E92000001",
			"England", "England", "Persons", "<15 yrs", "2010/11", "115.2166797", "114.5287223", "115.9077445", "107429", "9324084"},
		{"90284", "Hospital admissions caused by unintentional and deliberate injuries in children (aged 0 to 14 years)", "E06000058",
			"Bournemouth, Christchurch and Poole", "Counties & UAs (from Apr 2023)", "Male", "<15 yrs", "2022/23", "98.26608", "87.92955", "110.17143", "310", ""},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		p, err := period.ParseFingertips(r.get("Time period"))
		if err != nil {
			probs = append(probs, periodProblem("Time period", r.get("Time period"), err))
		}
		k.period = p
		code := r.get("Area Code")
		if a, ok := reg.Lookup(code); ok {
			k.area, k.level = a, levelOf(a)
		} else if modelledCode.MatchString(code) || code == "" {
			probs = append(probs, keyProblem{"Area Code", code, "unknown area code"})
		} else {
			k.level = LevelOther
		}
		return k, probs, ""
	},
}

// laitLong is DfE LAIT's big data set in long form.
var laitLong = &Format{
	Name:         "lait_long",
	Markers:      map[string]string{"-": "x"},
	Publication:  true,
	Description:  "DfE LAIT long data (measure_short,years,la_number,value)",
	Required:     []string{"measure_short", "years", "la_number", "value"},
	Numeric:      []string{"value"},
	Text:         []string{"measure_short", "years", "la_number", "area_name"},
	PeriodColumn: "years",
	Example: [][]string{
		{"measure_short", "years", "la_number", "area_name", "value"},
		{"RTA", "2014-16", "301", "Barking and Dagenham", "12.13"},
		{"RTA", "2014-16", "302", "Barnet", "10.79"},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		if r.get("years") == "0" {
			return k, nil, "years is 0, an artefact of LAIT's data set (not a period)"
		}
		p, err := period.Parse(r.get("years"))
		if err != nil {
			probs = append(probs, periodProblem("years", r.get("years"), err))
		}
		k.period = p
		if a, ok := reg.Lookup(r.get("la_number")); ok {
			k.area, k.level = a, levelOf(a)
		} else {
			probs = append(probs, keyProblem{"la_number", r.get("la_number"), "unknown LAIT area number"})
		}
		return k, probs, ""
	},
}

// dfeLegacyLA is the layout of DfE's pre-EES local-authority tables (for example SFR35/2017
// exclusions as processed by DfE): areas by name only, academic years as 200607.
var dfeLegacyLA = &Format{
	Name:         "dfe_legacy_la",
	Publication:  true,
	Description:  "DfE pre-EES local-authority table (year,level,la_name,...) with areas by name and academic years such as 201617",
	Required:     []string{"year", "level", "la_name"},
	Text:         []string{"year", "level", "la_name", "school_type"},
	PeriodColumn: "year",
	Example: [][]string{
		{"year", "level", "la_name", "school_type", "num_schools", "headcount", "perm_excl", "perm_excl_rate"},
		{"201617", "National", "England", "Total", "21319", "8025075", "7720", "0.1"},
		{"201617", "Local authority", "Poole", "Total", "43", "19290", "24", "0.12"},
	},
	key: func(reg *areas.Registry, r row) (rowKey, []keyProblem, string) {
		var k rowKey
		var probs []keyProblem
		p, err := period.ParseEES(r.get("year"), "Academic year")
		if err != nil {
			probs = append(probs, keyProblem{"year", r.get("year"), err.Error()})
		}
		k.period = p
		name := r.get("la_name")
		if name == "NULL" {
			return k, nil, `la_name is "NULL", an artefact of DfE's processed tables (no area)`
		}
		if strings.EqualFold(r.get("level"), "national") && name == "" {
			name = "England"
		}
		if a, ok := lookupAt(reg, name, p); ok {
			k.area, k.level = a, levelOf(a)
		} else {
			probs = append(probs, keyProblem{"la_name", name, "unknown area name"})
		}
		return k, probs, ""
	},
}

// eesIdentifierKnown reports whether period.ParseEES reads the time_identifier with some
// well-formed time_period (four digits for years, quarters and months; six for the others).
func eesIdentifierKnown(id string) bool {
	for _, tp := range []string{"2016", "201617"} {
		if _, err := period.ParseEES(tp, id); err == nil {
			return true
		}
	}
	return false
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// lookupAt resolves an area as it was at the start of period p (so "Dorset" in 2015 is the
// former county, 835), or as it is now when the period is unknown.
func lookupAt(reg *areas.Registry, s string, p period.Period) (*areas.Area, bool) {
	if p.IsZero() {
		return reg.Lookup(s)
	}
	return reg.LookupAt(s, p.Start())
}

// dateLike matches calendar dates as spreadsheets write them (2016-04-01, 01/04/2016,
// 1-Apr-16, with an optional time), and serialDate Excel's day numbers for 1982-2064.
var (
	dateLike   = regexp.MustCompile(`^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}[- ][A-Za-z]{3,9}[- ]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$`)
	serialDate = regexp.MustCompile(`^[3-5]\d{4}(\.0+)?$`)
)

// periodProblem reports a period the parser refused. A date is named as such, with the usual
// cause: a spreadsheet turned a label such as 2016-17 into a date.
func periodProblem(column, text string, err error) keyProblem {
	reason := err.Error()
	switch {
	case dateLike.MatchString(text):
		reason = fmt.Sprintf("%q is a date, not a period (a spreadsheet may have turned a label such as 2016-17 into a date): "+
			"write the period as text, such as 2016-17, 2016/17, 2016-17 Q1 or 2016-04", text)
	case serialDate.MatchString(text):
		reason = fmt.Sprintf("%q looks like a spreadsheet date serial number, not a period: "+
			"write the period as text, such as 2016-17, 2016/17, 2016-17 Q1 or 2016-04", text)
	}
	return keyProblem{column, text, reason}
}
