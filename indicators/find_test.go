package indicators_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
)

// Every shipped definition names its topic; LAIT's measures carry LAIT's topic names.
func TestShippedDefinitionsHaveTopics(t *testing.T) {
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cat.All() {
		if d.Topic == "" || d.Topic == indicators.DefaultTopic {
			t.Errorf("%s: topic %q, want one set in its YAML", d.ID, d.Topic)
		}
	}
	for id, want := range map[string]string{"cin-rate": "Children in Need", "cla-rate-lait": "Children Looked After",
		"perm-exclusion-rate": "All Pupil Absence & Exclusions", "mh-admissions-0-17": "Health and Wellbeing",
		"early-years-good-outstanding": "Early Years", "ypsm-treatment-numbers": "Substance Misuse"} {
		if d, _ := cat.Get(id); d == nil || d.Topic != want {
			t.Errorf("%s: topic %v, want %q", id, d, want)
		}
	}
	topics := cat.Topics()
	if !slices.Contains(topics, "Child Protection") || !slices.IsSortedFunc(topics, func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}) {
		t.Errorf("Topics() = %q", topics)
	}
}

func TestTopicDefaultsAndIsValidated(t *testing.T) {
	base := "title: T\nunit: count\npolarity: lower_is_better\nsource: {dataset: d, value: v}\n"
	cat, err := indicators.Parse(map[string][]byte{"a.yaml": []byte("id: a\n" + base)}, areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := cat.Get("a"); d.Topic != indicators.DefaultTopic {
		t.Errorf("no topic: %q, want %q", d.Topic, indicators.DefaultTopic)
	}
	_, err = indicators.Parse(map[string][]byte{
		"b.yaml": []byte("id: b\ntopic: \"  \"\n" + base),
		"c.yaml": []byte("id: c\ntopic: \" Early Years\"\n" + base),
		"d.yaml": []byte("id: d\ntopic: \"Early\\nYears\"\n" + base),
		"e.yaml": []byte("id: e\ntopic: " + strings.Repeat("x", 81) + "\n" + base),
	}, areas.Default())
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid {
		t.Fatalf("err = %v, want Invalid", err)
	}
	files := map[string]bool{}
	for _, d := range e.Details {
		if d.Field == "topic" {
			files[d.File] = true
		}
	}
	if len(files) != 4 {
		t.Errorf("topic problems in %v, want b, c, d and e: %v", files, e.Details)
	}
}

func TestFindByTopicAndWords(t *testing.T) {
	cat, err := indicators.Load("", areas.Default())
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ds []*indicators.Definition) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	if got := cat.Find("", ""); len(got) != len(cat.All()) {
		t.Errorf("no filter: %d, want all %d", len(got), len(cat.All()))
	}
	// The topic matches in any case: LAIT's 35 measures of the topic (32 generated, 3 read by
	// hand-written definitions) and the hand-written 2006/07-2016/17 series.
	got := ids(cat.Find("all pupil absence & exclusions", ""))
	if len(got) != 36 || !slices.Contains(got, "perm-exclusion-rate") || !slices.Contains(got, "perm-exclusion-rate-2007-2017") ||
		!slices.Contains(got, "suspension-rate") || !slices.Contains(got, "lait-secpermex") || slices.Contains(got, "cla-rate") {
		t.Errorf("topic filter: %d %v", len(got), got)
	}
	// Every word must appear, in the title or the description, in any case.
	if got := ids(cat.Find("", "PERMANENT exclusion 2006/07")); !slices.Equal(got, []string{"perm-exclusion-rate-2007-2017"}) {
		t.Errorf("words: %v", got)
	}
	if got := cat.Find("No such topic", ""); got == nil || len(got) != 0 {
		t.Errorf("unknown topic: %v, want an empty list", got)
	}
}
