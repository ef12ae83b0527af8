package api

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// hiddenInput is a query parameter a GET form keeps as <input type="hidden">.
type hiddenInput struct{ Name, Value string }

// asAtView is a board page's "as at" picker and, when the page is shown as at a time (the
// asOf middleware resolved its as_of), the banner that says so.
type asAtView struct {
	// Keep are the page's other query parameters, which the picker keeps as hidden inputs.
	Keep []hiddenInput
	// Param is the as_of parameter as given ("" when the page shows now): the page's links and
	// other forms keep it. Date is the picker's value (yyyy-mm-dd).
	Param, Date string
	// Words is the moment in words ("31 March 2026", or "31 March 2026, 18:00 UTC" for a time);
	// NowURL is the page without as_of. Both are empty when the page shows now.
	Words, NowURL string
	// Noun is what the banner says the page shows: "the scorecard", "the exception report".
	Noun string
}

// asAtOf is the as-at view of a page showing noun: its query parameters other than as_of kept
// for the picker, and, when the request is as at a time, the moment in words and the page's
// current version.
func asAtOf(c echo.Context, noun string) asAtView {
	r := c.Request()
	q := r.URL.Query()
	v := asAtView{Noun: noun, Keep: keepParams(q, "as_of")}
	a, ok := engine.AsOfFrom(r.Context())
	if !ok {
		return v
	}
	v.Param = strings.TrimSpace(q.Get("as_of"))
	v.Date = a.Time.UTC().Format(time.DateOnly)
	v.Words = display.AsAt(a.Time)
	q.Del("as_of")
	v.NowURL = r.URL.Path
	if len(q) > 0 {
		v.NowURL += "?" + q.Encode()
	}
	return v
}

// keepParams lists a query's parameters other than those named, in name order, for a form's
// hidden inputs.
func keepParams(q url.Values, except ...string) []hiddenInput {
	var out []hiddenInput
	names := make([]string, 0, len(q))
	for name := range q {
		if !slices.Contains(except, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, value := range q[name] {
			if value != "" {
				out = append(out, hiddenInput{Name: name, Value: value})
			}
		}
	}
	return out
}

// link is u with the page's as_of, so that a link from an as-at page opens its target as at
// the same moment; u unchanged when the page shows now.
func (v asAtView) link(u string) string {
	if v.Param == "" {
		return u
	}
	frag := ""
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i:]
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "as_of=" + url.QueryEscape(v.Param) + frag
}

// PrintCSS puts "As at 31 March 2026" in the top right margin of every printed page of an
// as-at page; empty when the page shows now.
func (v asAtView) PrintCSS() template.CSS {
	if v.Words == "" {
		return ""
	}
	return template.CSS("@page{@top-right{content:" + cssString("As at "+v.Words) + ";font-size:8pt;font-weight:700;vertical-align:bottom;padding-bottom:1mm}}")
}

// maxChangeRows is the most changed rows the scorecard page lists; the API feed lists them all.
// A variable so that tests can list fewer.
var maxChangeRows = 200

// changeReadPage is how many changes the page reads from the feed at a time.
const changeReadPage = 1000

// changeRow is one changed evaluation in the scorecard page's "changes since" list.
type changeRow struct {
	Title, URL, Period, Kind, When, Cause string
	Fields                                []display.ChangedField
}

// changesView is the scorecard page's "changes since" section.
type changesView struct {
	// Since is the date asked for in words (the heading); Sentence says how many changes are
	// listed, in which order.
	Since, Sentence string
	Rows            []changeRow
	// More is how many older changes are not listed; FeedURL is the API feed that lists every one.
	More    int
	FeedURL string
}

// parseChangesSince reads the scorecard page's changes_since: a date (the changes made after
// that day ended, in UTC, as as_of reads a date) or an RFC 3339 time.
func parseChangesSince(v string) (time.Time, error) {
	t, err := parseAsOf(v)
	if err != nil {
		return time.Time{}, errs.Errorf(errs.Invalid,
			"the changes_since value %q is neither a date (2026-03-31) nor an RFC 3339 time (2026-03-31T18:00:00Z)", clipParam(strings.TrimSpace(v)))
	}
	return t, nil
}

// changesSince lists the changes to the board's rows for its area made after since (and, as
// at a time, up to it), newest first, at most maxChangeRows of them.
func (s *Server) changesSince(ctx context.Context, b *engine.Board, since time.Time, at asAtView) (*changesView, error) {
	f := engine.ChangeFilter{Since: since, Areas: []string{b.Area.Code}, Limit: changeReadPage}
	for _, p := range b.Priorities {
		for _, r := range p.Rows {
			if !slices.Contains(f.Indicators, r.Indicator) {
				f.Indicators = append(f.Indicators, r.Indicator)
			}
		}
	}
	v := &changesView{Since: display.AsAt(since), Rows: []changeRow{}}
	q := url.Values{}
	q.Set("since", since.UTC().Format(time.RFC3339Nano))
	if a, ok := engine.AsOfFrom(ctx); ok {
		f.Until = a.Time
		q.Set("until", a.Time.UTC().Format(time.RFC3339Nano))
	}
	q.Set("scorecard", b.ID)
	q.Set("area", b.Area.Code)
	v.FeedURL = "/api/v1/changes?" + q.Encode()
	if len(f.Indicators) == 0 {
		return v, nil
	}
	// Page through the feed to its end, keeping the newest maxChangeRows and counting the rest.
	var changes []engine.HistoryChange
	for {
		page, err := s.Engine.Changes(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("changes since %s: %w", since.Format(time.RFC3339), err)
		}
		changes = append(changes, page.Changes...)
		if n := len(changes) - maxChangeRows; n > 0 {
			v.More += n
			changes = slices.Delete(changes, 0, n)
		}
		if !page.More {
			break
		}
		f.Since, f.After = time.Time{}, page.Next
	}
	for i := len(changes) - 1; i >= 0; i-- {
		ch := changes[i]
		row := changeRow{Title: ch.Indicator, Period: display.Period(ch.Period), Kind: display.ChangeKind(ch.Kind),
			When: display.DateTime(ch.At), Cause: display.Cause(ch.Cause),
			URL: at.link("/areas/" + url.PathEscape(b.Area.Code) + "/indicators/" + url.PathEscape(ch.Indicator) + "?period=" + url.QueryEscape(ch.Period))}
		def, ok := s.Catalog.Get(ch.Indicator)
		if ok {
			row.Title = def.Title
		}
		row.Fields = display.HistoryChange(def, ch)
		v.Rows = append(v.Rows, row)
	}
	v.Sentence = changesSentence(len(v.Rows)+v.More, b.Area.Name, since, at.Words)
	return v, nil
}

// changesSentence says what the "changes since" list holds: "3 changes to this scorecard's
// figures for Poole since the end of 31 March 2026, newest first."; "No figure or judgement
// of this scorecard for Poole has changed since the end of 31 March 2026." As at a time, the
// interval ends then ("... between the end of 31 March 2026 and 30 June 2026 ...").
func changesSentence(n int, area string, since time.Time, until string) string {
	from := display.AsAt(since)
	if from == display.Date(since) {
		from = "the end of " + from
	}
	when := " since " + from
	if until != "" {
		when = " between " + from + " and " + until
	}
	if n == 0 {
		return "No figure or judgement of this scorecard for " + area + " has changed" + when + "."
	}
	return display.Count(n, "change", "changes") + " to this scorecard's figures for " + area + when + ", newest first."
}
