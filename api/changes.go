package api

import (
	"slices"
	"time"

	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// defaultChangesLimit is the number of changes a page of the feed holds unless limit says.
const defaultChangesLimit = 100

// changesPage is a page of GET /api/v1/changes.
type changesPage struct {
	Data []engine.HistoryChange `json:"data"`
	N    int                    `json:"n"`
	// Next is the cursor to poll with (since=Next): after the last change listed, or after the
	// last run committed when there are no more.
	Next string `json:"next"`
	// NextURL is the request's URL with since=Next.
	NextURL string `json:"next_url"`
	// More says the page was cut by the limit: ask again with since=Next at once.
	More  bool    `json:"more"`
	Since *string `json:"since,omitempty"`
	Until *string `json:"until,omitempty"`
}

// changeColumns are the flat table of the change feed.
var changeColumns = []column{
	{Name: "run", Kind: kInteger, Required: true},
	{Name: "at", Kind: kTimestamp, Required: true},
	{Name: "indicator", Kind: kText, Required: true},
	{Name: "area_code", Kind: kText, Required: true},
	{Name: "area_name", Kind: kText},
	{Name: "period", Kind: kText, Required: true},
	{Name: "period_end", Kind: kDate, Required: true},
	{Name: "kind", Kind: kText, Required: true},
	{Name: "changed", Kind: kText},
	{Name: "before_value", Kind: kNumber, Scaled: true},
	{Name: "after_value", Kind: kNumber, Scaled: true},
	{Name: "before_display_value", Kind: kText},
	{Name: "after_display_value", Kind: kText},
	{Name: "before_rag", Kind: kText},
	{Name: "after_rag", Kind: kText},
	{Name: "before_target", Kind: kNumber, Scaled: true},
	{Name: "after_target", Kind: kNumber, Scaled: true},
	{Name: "before_england", Kind: kText},
	{Name: "after_england", Kind: kText},
	{Name: "before_region", Kind: kText},
	{Name: "after_region", Kind: kText},
	{Name: "before_statistical_neighbours", Kind: kText},
	{Name: "after_statistical_neighbours", Kind: kText},
	{Name: "before_rank", Kind: kInteger},
	{Name: "after_rank", Kind: kInteger},
	{Name: "before_quartile", Kind: kText},
	{Name: "after_quartile", Kind: kText},
	{Name: "cause", Kind: kText, Required: true},
	{Name: "cause_dataset", Kind: kText},
	{Name: "cause_revision", Kind: kInteger},
	{Name: "cause_by", Kind: kText},
	{Name: "cause_at", Kind: kTimestamp},
	{Name: "cursor", Kind: kText, Required: true},
}

// changeFeed is GET /api/v1/changes: the evaluations whose value or judgements changed, oldest
// run first, filtered like /api/v1/evaluations (indicator, area, group) and by scorecard.
// since is a time (RFC 3339, or a date, which means the end of that day, as as_of does) or the next cursor of
// an earlier answer; until bounds the runs by time. JSON, CSV and Arrow, one page each.
func (s *Server) changeFeed(c echo.Context) error {
	return s.read(c, []format{formatJSON, formatCSV, formatArrow}, func() (*reply, error) {
		f := engine.ChangeFilter{Indicators: uniqueSorted(listParam(c, "indicator"))}
		for _, id := range f.Indicators {
			if _, ok := s.Catalog.Get(id); !ok {
				return nil, errs.Errorf(errs.Invalid, "no indicator %q", id)
			}
		}
		if id := c.QueryParam("scorecard"); id != "" {
			sc, ok := s.Engine.Scorecards.Get(id)
			if !ok {
				return nil, errs.Errorf(errs.Invalid, "no scorecard %q", id)
			}
			var ids []string
			for _, p := range sc.Priorities {
				for _, it := range p.Items {
					if len(f.Indicators) == 0 || slices.Contains(f.Indicators, it.Indicator) {
						ids = append(ids, it.Indicator)
					}
				}
			}
			f.None = len(ids) == 0 // the scorecard and indicator filters share nothing
			f.Indicators = uniqueSorted(ids)
		}
		var err error
		if f.Areas, err = s.areaFilter(c); err != nil {
			return nil, err
		}
		if f.Areas != nil && len(f.Areas) == 0 {
			f.None = true // an empty group intersection matches nothing
		}
		pg := defaultChangesLimit
		if p, err := parsePage(c, defaultChangesLimit); err != nil {
			return nil, err
		} else if p.Limited {
			pg = p.Limit
		}
		f.Limit = pg
		out := changesPage{}
		if v := c.QueryParam("since"); v != "" {
			if engine.IsChangeCursor(v) {
				f.After = v
			} else {
				t, err := parseChangesTime("since", v)
				if err != nil {
					return nil, err
				}
				f.Since = t
			}
			out.Since = &v
		}
		if v := c.QueryParam("until"); v != "" {
			t, err := parseChangesTime("until", v)
			if err != nil {
				return nil, err
			}
			f.Until = t
			out.Until = &v
		}
		page, err := s.Engine.Changes(c.Request().Context(), f)
		if err != nil {
			return nil, err
		}
		out.Data, out.N, out.Next, out.More = page.Changes, len(page.Changes), page.Next, page.More
		u := *c.Request().URL
		q := u.Query()
		q.Set("since", page.Next)
		q.Del("cursor")
		out.NextURL = u.Path + "?" + q.Encode()
		c.Response().Header().Set("Scorecard-Next-Since", page.Next)
		return &reply{JSON: out, Table: func() *table { return s.changeTable(page.Changes) }}, nil
	})
}

// parseChangesTime reads since or until: an RFC 3339 time, or a date, which means the end of
// that day (UTC), as an as_of date does, so that the changes since a date are exactly what
// changed after the scorecard as at that date.
func parseChangesTime(name, v string) (time.Time, error) {
	if t, ok := parseTimeOrDate(v); ok {
		return t, nil
	}
	return time.Time{}, errs.Errorf(errs.Invalid,
		"%s %q is neither a date (2026-03-31), an RFC 3339 time (2026-03-31T18:00:00Z) nor a cursor from next", name, clipParam(v))
}

// changeTable is the change feed flat: one row per change, before and after side by side.
func (s *Server) changeTable(changes []engine.HistoryChange) *table {
	t := &table{Name: "changes", Columns: changeColumns}
	for _, ch := range changes {
		b, a := ch.Before, ch.After
		if b == nil {
			b = &engine.JudgementState{}
		}
		if a == nil {
			a = &engine.JudgementState{}
		}
		rank := func(st *engine.JudgementState) any {
			if st.Rank == nil {
				return nil
			}
			return integer(st.Rank.Position)
		}
		var causeAt any
		if ch.Cause.At != nil {
			causeAt = timestamp(*ch.Cause.At)
		}
		t.add(s.decimalsOf(ch.Indicator), ch.Run, timestamp(ch.At), str(ch.Indicator), str(ch.Area.Code), str(ch.Area.Name),
			str(ch.Period), isoDate(ch.PeriodEnd), str(ch.Kind), joined(ch.Changed),
			numPtr(b.Value), numPtr(a.Value), str(b.DisplayValue), str(a.DisplayValue),
			str(string(b.RAG)), str(string(a.RAG)), numPtr(b.Target), numPtr(a.Target),
			str(string(b.England)), str(string(a.England)), str(string(b.Region)), str(string(a.Region)),
			str(string(b.StatisticalNeighbours)), str(string(a.StatisticalNeighbours)),
			rank(b), rank(a), str(b.Quartile), str(a.Quartile),
			str(ch.Cause.Kind), str(ch.Cause.Dataset), intOrNil(ch.Cause.Revision), str(ch.Cause.By), causeAt, str(ch.Cursor))
	}
	return t
}
