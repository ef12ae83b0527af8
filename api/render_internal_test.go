package api

import (
	"net/http/httptest"
	"testing"
)

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
	names := sheetNames{}
	for _, tc := range []struct {
		raw, want string
	}{
		{sheetName(1, "Be healthy"), "1 Be healthy"},
		{sheetName(2, "Stay safe: [tier 2/3]?"), "2 Stay safe tier 2 3"},
		{sheetName(10, "A very long priority title that Excel cannot hold"), "10 A very long priority title~"},
		{"10 A very long priority title that Excel cannot hold either", "10 A very long priority title~2"},
		{"1 BE HEALTHY", "1 BE HEALTHY~2"},
		{"'quoted'", "quoted"},
		{"[]", "data"},
		{"[]?", "data~2"},
	} {
		got := names.name(tc.raw)
		if got != tc.want || len([]rune(got)) > maxSheetName {
			t.Errorf("name(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestFormatNumberHasNoFloatNoise(t *testing.T) {
	for _, tc := range []struct {
		v        float64
		decimals int
		want     string
	}{
		{129.30000000000007, 1, "129.3"},
		{129.30000000000007, -1, "129.3"},
		{0.1 + 0.2, -1, "0.3"},
		{12, 2, "12.00"},
		{-0.04, 1, "0.0"},
		{1234567.125, 0, "1234567"},
		{2.5e-7, -1, "0.00000025"},
		{5.078125000000009, -1, "5.078125"},
		{-1.29661083168e-14, -1, "0"},
	} {
		if got := formatNumber(tc.v, tc.decimals); got != tc.want {
			t.Errorf("formatNumber(%v, %d) = %q, want %q", tc.v, tc.decimals, got, tc.want)
		}
	}
}

func TestIsDownloadGetsTheLongerTimeLimit(t *testing.T) {
	for _, tc := range []struct {
		method, target, accept string
		want                   bool
	}{
		{"GET", "/api/v1/evaluations?format=csv", "", true},
		{"GET", "/api/v1/evaluations?format=csv&limit=5", "", false},
		{"GET", "/api/v1/evaluations", "application/vnd.apache.parquet", true},
		{"HEAD", "/api/v1/evaluations", "application/vnd.apache.arrow.stream", true},
		{"GET", "/api/v1/evaluations", "", false},
		{"GET", "/api/v1/evaluations?format=xlsx", "", false},
		{"GET", "/api/v1/indicators/cla-rate/data.csv", "*/*", true},
		{"POST", "/api/v1/evaluations?format=csv", "", false},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := isDownload(r); got != tc.want {
			t.Errorf("%s %s (Accept %q): isDownload %v, want %v", tc.method, tc.target, tc.accept, got, tc.want)
		}
	}
}
