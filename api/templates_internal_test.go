package api

import (
	"html/template"
	"strings"
	"testing"
)

// The "csrf" partial (templates/partials.html) spells the form field's name out: it must be the
// field the CSRF middleware reads.
func TestCSRFPartialNamesTheCSRFField(t *testing.T) {
	var b strings.Builder
	// A clone: the layout itself is never executed, so that pages can still clone it.
	if err := template.Must(layoutTemplate.Clone()).ExecuteTemplate(&b, "csrf", struct{ CSRF string }{"tok<en>"}); err != nil {
		t.Fatal(err)
	}
	want := `<input type="hidden" name="` + CSRFField + `" value="tok&lt;en&gt;">`
	if b.String() != want {
		t.Errorf("csrf partial = %s, want %s", b.String(), want)
	}
}
