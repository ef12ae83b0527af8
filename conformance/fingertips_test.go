package conformance_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"testing"

	scorecard "github.com/childrens-trust/scorecard"
	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/indicators"
)

const fingertipsFile = "datasets/shipped/fingertips_90284_injury_admissions_0_14_england_region_utla.csv"

var judgementColumns = []string{"Recent Trend", "Compared to England value or percentiles",
	"Compared to Regions (statistical) value or percentiles"}

// withoutColumns rewrites a CSV without the named columns and returns the original records.
func withoutColumns(t *testing.T, data []byte, drop []string) (stripped []byte, header []string, rows [][]string) {
	t.Helper()
	all, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	keep := []int{}
	for i, h := range all[0] {
		dropped := false
		for _, d := range drop {
			dropped = dropped || h == d
		}
		if !dropped {
			keep = append(keep, i)
		}
	}
	if len(keep) != len(all[0])-len(drop) {
		t.Fatalf("not every judgement column was found in %v", all[0])
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, rec := range all {
		out := make([]string, len(keep))
		for j, i := range keep {
			out[j] = rec[i]
		}
		w.Write(out)
	}
	w.Flush()
	return buf.Bytes(), all[0], all[1:]
}

func definition(sex string) []byte {
	return []byte(fmt.Sprintf(`id: injuries-%s
title: Hospital admissions caused by injuries in children aged 0 to 14 (%s)
unit: rate_per_10000
decimals: 1
polarity: lower_is_better
source:
  dataset: fingertips
  filters: {Sex: %s, Category Type: ""}
  value: Value
  numerator: Count
  denominator: Denominator
  multiplier: 10000
  lower95: Lower CI 95.0 limit
  upper95: Upper CI 95.0 limit
  lower998: Lower CI 99.8 limit
  upper998: Upper CI 99.8 limit
ci_method: published
`, strings.ToLower(sex), sex, sex))
}

// fingertipsLabel maps the engine's labels to the words Fingertips publishes.
var fingertipsLabel = map[string]string{
	"better": "Better", "worse": "Worse", "similar": "Similar", "not_compared": "Not compared",
	"no_significant_change":     "No significant change",
	"decreasing_getting_better": "Decreasing and getting better",
	"increasing_getting_worse":  "Increasing and getting worse",
	"increasing_getting_better": "Increasing and getting better",
	"decreasing_getting_worse":  "Decreasing and getting worse",
	"cannot_be_calculated":      "Cannot be calculated",
}

type tally map[string][2]int // published label -> agree, total

func (tl tally) add(published, got string) bool {
	c := tl[published]
	c[1]++
	ok := fingertipsLabel[got] == published
	if ok {
		c[0]++
	}
	tl[published] = c
	return ok
}

func (tl tally) String() string {
	var keys []string
	for k := range tl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-32s %5d / %5d\n", k, tl[k][0], tl[k][1])
	}
	return b.String()
}

// Loading the Fingertips 90284 export with its judgement columns removed, the engine's
// comparisons with England and with the region, for every county/UA, period and sex, and the
// recent trend for the latest period, agree with the labels Fingertips published.
func TestFingertipsJudgementsReproduced(t *testing.T) {
	ctx := context.Background()
	raw, err := scorecard.ShippedFile(fingertipsFile)
	if err != nil {
		t.Fatal(err)
	}
	stripped, header, rows := withoutColumns(t, raw, judgementColumns)

	reg := areas.Default()
	cat, err := indicators.Parse(map[string][]byte{
		"persons.yaml": definition("Persons"), "male.yaml": definition("Male"), "female.yaml": definition("Female"),
	}, reg)
	if err != nil {
		t.Fatal(err)
	}
	app := openApp(t, scorecard.Config{Catalog: cat})
	eng := app.Engine
	if _, err := app.Datasets.Load(ctx, "fingertips", bytes.NewReader(stripped), datasets.Upload{FileName: "90284.csv", By: "test"}); err != nil {
		t.Fatal(err)
	}
	results, err := eng.EvaluateAll(ctx)
	evaluated(t, results, err)

	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	// Index the evaluations: indicator / area / period.
	evs := map[string]*engine.Evaluation{}
	for _, sex := range []string{"persons", "male", "female"} {
		all, err := eng.AllAreasAllPeriods(ctx, "injuries-"+sex)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range all {
			evs[ev.Indicator+"|"+ev.Area.Code+"|"+ev.Period] = ev
		}
	}
	england, region, trend := tally{}, tally{}, tally{}
	var disagreements []string
	latest := "2023/24"
	regionsVsEngland := tally{}
	for _, r := range rows {
		if r[col["Area Type"]] == "Regions (statistical)" && r[col["Category Type"]] == "" {
			// The regions against England too (issue 16: judged by their own limits; a region
			// row published without limits is not compared).
			a := reg.MustLookup(r[col["Area Code"]])
			key := "injuries-" + strings.ToLower(r[col["Sex"]]) + "|" + a.Code + "|" + fingertipsPeriod(r[col["Time period"]])
			ev := evs[key]
			if ev == nil {
				t.Fatalf("no evaluation for %s", key)
			}
			if pub := r[col["Compared to England value or percentiles"]]; !regionsVsEngland.add(pub, string(ev.Comparators.England.Judgement)) {
				disagreements = append(disagreements, fmt.Sprintf("Region vs England %s: published %q, engine %q (%+v)", key, pub, ev.Comparators.England.Judgement, ev.Comparators.England))
			}
			continue
		}
		if !strings.HasPrefix(r[col["Area Type"]], "Counties & UAs") || r[col["Category Type"]] != "" {
			continue
		}
		a := reg.MustLookup(r[col["Area Code"]])
		p := fingertipsPeriod(r[col["Time period"]])
		key := "injuries-" + strings.ToLower(r[col["Sex"]]) + "|" + a.Code + "|" + p
		ev := evs[key]
		if ev == nil {
			t.Fatalf("no evaluation for %s", key)
		}
		if pub := r[col["Compared to England value or percentiles"]]; !england.add(pub, string(ev.Comparators.England.Judgement)) {
			disagreements = append(disagreements, fmt.Sprintf("England %s: published %q, engine %q (%+v)", key, pub, ev.Comparators.England.Judgement, ev.Comparators.England))
		}
		if pub := r[col["Compared to Regions (statistical) value or percentiles"]]; !region.add(pub, string(ev.Comparators.Region.Judgement)) {
			disagreements = append(disagreements, fmt.Sprintf("Region %s: published %q, engine %q", key, pub, ev.Comparators.Region.Judgement))
		}
		if r[col["Time period"]] == latest {
			if pub := r[col["Recent Trend"]]; !trend.add(pub, string(ev.RecentTrend.Label)) {
				disagreements = append(disagreements, fmt.Sprintf("Trend %s: published %q, engine %q (%s)", key, pub, ev.RecentTrend.Label, ev.RecentTrend.Reason))
			}
		}
	}
	t.Logf("compared with England (agree / total):\n%s", england)
	t.Logf("compared with region (agree / total):\n%s", region)
	t.Logf("recent trend, %s (agree / total):\n%s", latest, trend)
	t.Logf("regions compared with England (agree / total):\n%s", regionsVsEngland)
	for _, d := range disagreements {
		t.Error(d)
	}
}

// fingertipsPeriod turns "2010/11" into the engine's label for a financial year.
func fingertipsPeriod(s string) string { return s[:4] + "-" + s[5:] }
