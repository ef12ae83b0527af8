package conformance_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"sort"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

// selfHarmFile is the shared 90813 extract, copied with its source noted in testdata/README.md.
const selfHarmFile = "testdata/fingertips_90813_self_harm_10_24_trafford_extract.csv"

// selfHarmDefinition reads the 90813 export. With ci_method published the engine applies
// Fingertips' rule (no limits, no significance); with none it compares by the plain difference.
func selfHarmDefinition(id string, ci indicators.CIMethod) []byte {
	return []byte(`id: ` + id + `
title: Hospital admissions as a result of self-harm (10-24 years)
unit: rate_per_100000
decimals: 1
polarity: lower_is_better
source:
  dataset: fingertips_90813
  value: Value
  lower95: Lower CI 95.0 limit
  upper95: Upper CI 95.0 limit
ci_method: ` + string(ci) + `
`)
}

// selfHarmExport turns the extract into a Fingertips export without its judgement column
// (significance): the product's Fingertips format, with the limit, count and denominator columns
// the extract does not have left empty, NA as an empty value, and Greater Manchester (E47000001,
// a combined authority the product has no area for) left out. It returns the export and the
// published label of every row kept, by area code and Fingertips period.
func selfHarmExport(t *testing.T) ([]byte, map[string]string, int) {
	t.Helper()
	data, err := os.ReadFile(selfHarmFile)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"Indicator ID", "Indicator Name", "Area Code", "Area Name", "Area Type", "Sex", "Age", "Category Type",
		"Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Count", "Denominator"})
	published := map[string]string{}
	left := 0
	for _, r := range recs[1:] {
		code := r[col["area_code"]]
		if strings.HasPrefix(code, "E47") {
			left++
			continue
		}
		value := r[col["value"]]
		if value == "NA" {
			value = ""
		}
		areaType := "Counties & UAs"
		if code == areas.EnglandCode {
			areaType = "England"
		}
		w.Write([]string{"90813", r[col["indicator"]], code, r[col["area_name"]], areaType, r[col["unit"]], "10-24 yrs", "", "",
			r[col["period"]], value, "", "", "", ""})
		published[code+"|"+r[col["period"]]] = r[col["significance"]]
	}
	w.Flush()
	return buf.Bytes(), published, left
}

// The Done-means check of issue 16 on the shared 90813 self-harm extract: loaded through the
// upload path with its judgement column stripped, the engine's comparison of every county/UA with
// England is set against the label Fingertips published, and every row that differs is listed
// with why.
//
// Result: 1,064 county/UA rows compared (7 periods × 152 areas; the 7 England rows are the
// benchmark and the 7 Greater Manchester rows name no area the product has). 16 agree: the NA
// rows, "Not compared" on both sides. 1,048 differ, every one for the same reason: Fingertips tested the
// directly standardised rate against England with its 95% limits (Dobson's method), and the
// extract carries no limits, counts or populations, so by Fingertips' own rule (no limits, no
// significance) the engine cannot test it and says "Not compared". Those labels cannot be
// reproduced from this extract; the 90284 export, which has limits, reproduces 100%.
//
// For contrast, the plain difference (ci_method none, value against England) agrees on the 766
// rows Fingertips found significantly better or worse and the 16 NA rows (782 of 1,064), but on
// none of the 282 "Similar" rows: it never says "Similar", and calls a value above England
// "Worse" whether or not the difference is significant. That is why it is not a significance
// judgement, is used only for ci_method none and is labelled as a plain difference.
func TestFingertips90813SelfHarmLabels(t *testing.T) {
	ctx := context.Background()
	export, published, left := selfHarmExport(t)
	if left != 7 {
		t.Fatalf("%d Greater Manchester rows left out, want 7", left)
	}
	cat, err := indicators.Parse(map[string][]byte{
		"self-harm.yaml":            selfHarmDefinition("self-harm", indicators.CIPublished),
		"self-harm-difference.yaml": selfHarmDefinition("self-harm-difference", indicators.CINone),
	}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	app := openApp(t, scorecard.Config{Catalog: cat})
	if _, err := app.Datasets.Load(ctx, "fingertips_90813", bytes.NewReader(export), datasets.Upload{FileName: "90813.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	results, err := app.Engine.EvaluateAll(ctx)
	evaluated(t, results, err)

	type row struct {
		key, published, engine, reason string
	}
	compare := func(id string) (rows []row) {
		all, err := app.Engine.AllAreasAllPeriods(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]*engine.Evaluation{}
		for _, ev := range all {
			byKey[ev.Area.Code+"|"+ev.Period] = ev
		}
		for key, pub := range published {
			code, p, _ := strings.Cut(key, "|")
			if code == areas.EnglandCode {
				continue // the benchmark itself
			}
			ev := byKey[areas.Default().MustLookup(code).Code+"|"+fingertipsPeriod(p)]
			if ev == nil {
				t.Fatalf("%s: no evaluation for %s", id, key)
			}
			c := ev.Comparators.England
			rows = append(rows, row{key, pub, fingertipsLabel[string(c.Judgement)], c.Reason})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
		return rows
	}

	fingertipsRule := compare("self-harm")
	agree, differ := 0, map[string]int{}
	for _, r := range fingertipsRule {
		if r.engine == r.published {
			agree++
			continue
		}
		differ[r.reason]++
		t.Logf("differs: %s published %q, engine %q: %s", r.key, r.published, r.engine, r.reason)
	}
	t.Logf("Fingertips' rule: %d rows compared, %d agree, %d differ %v", len(fingertipsRule), agree, len(fingertipsRule)-agree, differ)
	if len(fingertipsRule) != 1064 || agree != 16 || differ["no 95% confidence interval"] != 1048 || len(differ) != 1 {
		t.Errorf("rows %d, agree %d, differ %v: want 1064 rows, 16 agreeing, 1048 differing only for want of limits",
			len(fingertipsRule), agree, differ)
	}
	for _, r := range fingertipsRule {
		if r.engine == r.published && r.published != "Not compared" {
			t.Errorf("%s: agrees on %q without limits", r.key, r.published)
		}
	}

	difference := compare("self-harm-difference")
	tl := tally{}
	for _, r := range difference {
		c := tl[r.published]
		c[1]++
		if r.engine == r.published {
			c[0]++
		}
		tl[r.published] = c
	}
	t.Logf("plain difference (not a significance test), agree / total by published label:\n%s", tl)
	want := tally{"Better": {381, 381}, "Worse": {385, 385}, "Similar": {0, 282}, "Not compared": {16, 16}}
	if tl.String() != want.String() {
		t.Errorf("plain difference tally:\n%s\nwant:\n%s", tl, want)
	}
	for _, r := range difference {
		if r.engine != r.published {
			t.Logf("plain difference differs: %s published %q, difference %q", r.key, r.published, r.engine)
		}
	}
}
