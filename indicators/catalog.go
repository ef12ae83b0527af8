package indicators

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/period"
	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml lait/*.yaml
var embedded embed.FS

// Catalog is the validated set of indicator definitions, in id order. It is safe for concurrent
// use. Each Definition is immutable; the set changes only through Put (a definition revised at
// run time, see revise.go), which swaps whole definitions, never edits one in place.
type Catalog struct {
	mu   sync.RWMutex
	defs []*Definition
	byID map[string]*Definition
}

// All returns the definitions in id order. The slice is the caller's to read: a later Put
// makes a new one.
func (c *Catalog) All() []*Definition {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.defs
}

// Get returns the definition with the given id.
func (c *Catalog) Get(id string) (*Definition, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.byID[id]
	return d, ok
}

// Known reports whether id names a definition (datasets.Catalog).
func (c *Catalog) Known(id string) bool { _, ok := c.Get(id); return ok }

// IsProportion reports whether the indicator is a proportion (datasets.Catalog).
func (c *Catalog) IsProportion(id string) bool {
	d, ok := c.Get(id)
	return ok && d.IsProportion()
}

// ReadsDataset reports whether any indicator reads the named dataset (datasets.DatasetReaders):
// such a dataset keeps the format its indicators are written for.
func (c *Catalog) ReadsDataset(name string) bool {
	for _, d := range c.All() {
		if d.Source.Dataset == name {
			return true
		}
	}
	return false
}

// Sources lists how every indicator reads its dataset, in id order (datasets.SourceLister):
// an upload that none of them reads is accepted with a warning.
func (c *Catalog) Sources() []datasets.Source {
	defs := c.All()
	out := make([]datasets.Source, 0, len(defs))
	for _, d := range defs {
		ind := d.Source.Indicator
		if ind == "" {
			ind = d.ID
		}
		out = append(out, datasets.Source{Indicator: d.ID, Dataset: d.Source.Dataset, Filters: d.Source.Filters, ReturnIndicator: ind})
	}
	return out
}

// Load reads the embedded definitions and then, if dir is not empty, every *.yaml file in dir:
// a file there whose id matches an embedded definition replaces it, others are added. It returns
// an *errs.Error listing every problem in every file.
func Load(dir string, reg *areas.Registry) (*Catalog, error) {
	// The generated LAIT definitions first, so that a hand-written one with the same id
	// replaces it, and the directory's after both.
	var sources []namedFile
	if err := collect(embedded, "lait", "embedded:lait/", &sources); err != nil {
		return nil, err
	}
	if err := collect(embedded, ".", "embedded:", &sources); err != nil {
		return nil, err
	}
	if dir != "" {
		if err := collect(os.DirFS(dir), ".", dir+string(os.PathSeparator), &sources); err != nil {
			return nil, err
		}
	}
	return parse(sources, reg)
}

type namedFile struct {
	name string
	data []byte
}

func collect(fsys fs.FS, dir, prefix string, out *[]namedFile) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("indicators: read %s: %w", prefix, err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("indicators: read %s%s: %w", prefix, e.Name(), err)
		}
		*out = append(*out, namedFile{prefix + e.Name(), data})
	}
	return nil
}

// Parse decodes and validates definitions from (file name, YAML) pairs; later files with the
// same id replace earlier ones (the override rule). Exported for tests of whole catalogs.
func Parse(files map[string][]byte, reg *areas.Registry) (*Catalog, error) {
	return parse(sortedFiles(files), reg)
}

// sortedFiles turns (file name, YAML) pairs into files in name order, so later names override.
func sortedFiles(files map[string][]byte) []namedFile {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	src := make([]namedFile, 0, len(names))
	for _, n := range names {
		src = append(src, namedFile{n, files[n]})
	}
	return src
}

func parse(files []namedFile, reg *areas.Registry) (*Catalog, error) {
	var problems errs.List
	byID := map[string]*Definition{}
	for _, f := range files {
		d, err := decode(f)
		if err != nil {
			problems.Add(errs.Detail{File: f.name, Reason: err.Error()})
			continue
		}
		if prev, dup := byID[d.ID]; dup && sameOrigin(prev.File, f.name) {
			problems.Add(errs.Detail{File: f.name, Field: "id", Value: d.ID, Reason: "duplicate id (also in " + prev.File + ")"})
			continue
		}
		byID[d.ID] = d
	}
	c := &Catalog{byID: byID}
	for _, d := range byID {
		c.defs = append(c.defs, d)
	}
	sort.Slice(c.defs, func(i, j int) bool { return c.defs[i].ID < c.defs[j].ID })
	for _, d := range c.defs {
		for _, p := range d.validate(reg) {
			problems.Add(p)
		}
	}
	if err := problems.Err("indicator definitions are not valid: %d problem(s)", problems.Len()); err != nil {
		return nil, err
	}
	return c, nil
}

// sameOrigin reports whether two files come from the same place (both generated from LAIT's
// dictionary, both hand-written and embedded, or both from the override directory): only then
// is a repeated id a mistake rather than an override.
func sameOrigin(a, b string) bool { return origin(a) == origin(b) }

func origin(file string) string {
	switch {
	case strings.HasPrefix(file, "embedded:lait/"):
		return "generated"
	case strings.HasPrefix(file, "embedded:"):
		return "embedded"
	}
	return "directory"
}

// decodeStrict decodes one YAML document; unknown fields are errors.
func decodeStrict(data []byte, into any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the file is empty")
		}
		return fmt.Errorf("YAML: %w", err)
	}
	return nil
}

func decode(f namedFile) (*Definition, error) {
	d := &Definition{}
	if err := decodeStrict(f.data, d); err != nil {
		return nil, err
	}
	d.File = f.name
	if d.Topic == "" {
		d.Topic = DefaultTopic
	}
	if d.RAGRule == "" {
		d.RAGRule = RuleStandard
	}
	if d.Banding == "" {
		d.Banding = BandingQuartiles
	}
	if d.CIMethod == "" {
		d.CIMethod = CINone
	}
	if d.ValueChecks == "" {
		d.ValueChecks = ValueChecksRefuse
	}
	for i := range d.Targets {
		if d.Targets[i].ToleranceType == "" {
			d.Targets[i].ToleranceType = ToleranceAbsolute
		}
	}
	return d, nil
}

// topicProblem says what is wrong with a topic, or "" when it is words on one line: not blank,
// no leading, trailing or repeated spaces, no control characters, at most maxTopic characters.
func topicProblem(t string) string {
	switch {
	case strings.TrimSpace(t) == "":
		return "topic must be words, such as Children Looked After (leave it out for " + DefaultTopic + ")"
	case strings.TrimSpace(t) != t || strings.Contains(t, "  "):
		return "topic must not start or end with spaces or hold two spaces together"
	case utf8.RuneCountInString(t) > maxTopic:
		return fmt.Sprintf("topic must be at most %d characters", maxTopic)
	case !utf8.ValidString(t) || strings.IndexFunc(t, unicode.IsControl) >= 0:
		return "topic must be one line of text, without control characters"
	}
	return ""
}

var validID = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,79}$`)

// validate checks one definition on its own (not against data) and returns every problem.
func (d *Definition) validate(reg *areas.Registry) []errs.Detail {
	var out []errs.Detail
	bad := func(field, value, reason string) {
		out = append(out, errs.Detail{File: d.File, Field: field, Value: value, Reason: reason})
	}
	if !validID.MatchString(d.ID) {
		bad("id", d.ID, "id must be lower-case letters, digits, '.', '_' or '-' (at most 80)")
	}
	if strings.TrimSpace(d.Title) == "" {
		bad("title", "", "title is required")
	}
	if reason := topicProblem(d.Topic); reason != "" {
		bad("topic", d.Topic, reason)
	}
	if !units[d.Unit] {
		bad("unit", string(d.Unit), "unit must be one of percentage, rate_per_1000, rate_per_10000, rate_per_100000, count, score, days, number")
	}
	if d.Decimals < 0 || d.Decimals > 6 {
		bad("decimals", fmt.Sprint(d.Decimals), "decimals must be 0 to 6")
	}
	if !d.Polarity.Valid() {
		bad("polarity", string(d.Polarity), "polarity must be higher_is_better, lower_is_better, closer_is_better or no_judgement")
	}
	if !ciMethods[d.CIMethod] {
		bad("ci_method", string(d.CIMethod), "ci_method must be wilson, poisson, poisson_exact, mean_t, published or none")
	}
	if v := d.Comparison.Values; v != "" && v != ValuesPublished && v != ValuesPublishedOrAggregated {
		bad("comparison.values", v, "comparison.values must be published or published_or_aggregated")
	}
	if d.ValueChecks != ValueChecksRefuse && d.ValueChecks != ValueChecksWarn {
		bad("value_checks", d.ValueChecks, "value_checks must be refuse or warn")
	}
	s := d.Source
	if s.Dataset == "" {
		bad("source.dataset", "", "source.dataset is required")
	}
	if s.Value == "" {
		bad("source.value", "", "source.value (the value column) is required")
	}
	if (s.Numerator == "") != (s.Denominator == "") && d.CIMethod != CIMeanT {
		bad("source.numerator", s.Numerator, "give both numerator and denominator, or neither")
	}
	switch d.CIMethod {
	case CIWilson, CIPoisson, CIPoissonExact:
		if s.Numerator == "" {
			bad("ci_method", string(d.CIMethod), "this method needs source.numerator and source.denominator")
		}
		if s.Multiplier <= 0 {
			bad("source.multiplier", fmt.Sprint(s.Multiplier), "this method needs a positive multiplier (100 for a percentage)")
		}
	case CIPublished:
		if s.Lower95 == "" || s.Upper95 == "" {
			bad("ci_method", string(d.CIMethod), "published limits need source.lower95 and source.upper95")
		}
	case CIMeanT:
		if s.SD == "" || s.Denominator == "" {
			bad("ci_method", string(d.CIMethod), "mean_t needs source.sd (standard deviation) and source.denominator (number of records)")
		}
	}
	if d.Banding != BandingQuartiles && d.Banding != BandingQuintiles && d.Banding != BandingNone {
		bad("banding", d.Banding, "banding must be quartiles, quintiles or none")
	}
	if d.RAGRule != RuleStandard && d.RAGRule != RuleToleranceAndDirection {
		bad("rag_rule", d.RAGRule, "rag_rule must be standard or tolerance_and_direction")
	}
	seen := map[string]int{}
	for i, t := range d.Targets {
		f := fmt.Sprintf("targets[%d]", i)
		if t.ToleranceType != ToleranceAbsolute && t.ToleranceType != TolerancePercent {
			bad(f+".tolerance_type", t.ToleranceType, "tolerance_type must be absolute or percent")
		}
		if t.Tolerance < 0 || t.GreenBand < 0 {
			bad(f+".tolerance", fmt.Sprint(t.Tolerance), "tolerance and green_band must not be negative")
		}
		if t.Period != "" {
			if _, err := period.Parse(t.Period); err != nil {
				bad(f+".period", t.Period, err.Error())
			}
		}
		switch {
		case t.IsRelative() && t.Value != nil:
			bad(f+".value", "", "give either value or baseline with change_percent, not both")
		case t.IsRelative() && t.ChangePercent == nil:
			bad(f+".change_percent", "", "a baseline target needs change_percent (e.g. 10 to increase by 10%, -5 to reduce by 5%)")
		case t.IsRelative():
			if _, err := period.Parse(t.Baseline); err != nil {
				bad(f+".baseline", t.Baseline, err.Error())
			}
		case t.Value == nil:
			bad(f+".value", "", "a target needs a value, or a baseline with change_percent")
		case t.ChangePercent != nil:
			bad(f+".change_percent", "", "change_percent needs a baseline")
		}
		if t.Area != "" && reg != nil {
			if _, ok := reg.Lookup(t.Area); !ok {
				bad(f+".area", t.Area, "unknown area")
			}
		}
		key := t.Period + "\x00" + t.Area
		if j, dup := seen[key]; dup {
			bad(f, "", fmt.Sprintf("same period and area as targets[%d]", j))
		}
		seen[key] = i
		if d.Polarity == "no_judgement" {
			bad(f, "", "an indicator with polarity no_judgement cannot have a target")
		}
	}
	return out
}

// ValueRules lists the value checks of every indicator that reads the named dataset
// (datasets.ValueRules): what its rows must satisfy to be true, by the definition's unit, columns
// and multiplier, and whether a broken check refuses the upload or warns (value_checks).
func (c *Catalog) ValueRules(dataset string) []datasets.ValueRule {
	var out []datasets.ValueRule
	for _, d := range c.All() {
		if d.Source.Dataset != dataset {
			continue
		}
		s := d.Source
		ind := s.Indicator
		if ind == "" {
			ind = d.ID
		}
		r := datasets.ValueRule{Indicator: d.ID, Filters: s.Filters, ReturnIndicator: ind,
			Value: s.Value, Numerator: s.Numerator, Denominator: s.Denominator,
			Percentage: d.Unit == Percentage, Proportion: d.IsProportion(),
			NonNegative: d.Unit == Count || d.Unit == RatePer1000 || d.Unit == RatePer10000 || d.Unit == RatePer100000,
			Warn:        d.ValueChecks == ValueChecksWarn}
		// A mean's denominator is its number of records, not a divisor of a numerator.
		if s.Numerator != "" && d.CIMethod != CIMeanT {
			r.Multiplier = s.Multiplier
		}
		out = append(out, r)
	}
	return out
}
