package api

import "testing"

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2":              "'=1+2",
		"+1":                "+1", // a plain number
		"+cmd|' /C calc'!A": "'+cmd|' /C calc'!A",
		"-2+3":              "'-2+3",
		"-3.2":              "-3.2",
		"-":                 "-",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"Poole":             "Poole",
		"":                  "",
		"1-2":               "1-2",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTableCheckFindsAMistypedCell(t *testing.T) {
	tb := &table{Name: "t", Columns: []column{{Name: "n", Kind: kNumber}, {Name: "s", Kind: kText}}}
	tb.add(-1, 1.5, "x")
	tb.add(-1, nil, nil)
	if err := tb.check(); err != nil {
		t.Fatal(err)
	}
	tb.add(-1, 2, "x") // an int where a float64 belongs
	if err := tb.check(); err == nil {
		t.Fatal("a mistyped cell passed")
	}
}

func TestSheetNames(t *testing.T) {
	for _, tc := range []struct {
		n     int
		title string
		want  string
	}{
		{1, "Be healthy", "1 Be healthy"},
		{2, "Stay safe: [tier 2/3]?", "2 Stay safe   tier 2 3"},
		{10, "A very long priority title that Excel cannot hold", "10 A very long priority title t"},
	} {
		if got := sheetName(tc.n, tc.title); got != tc.want || len([]rune(got)) > 31 {
			t.Errorf("sheetName(%d, %q) = %q, want %q", tc.n, tc.title, got, tc.want)
		}
	}
}
