package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// The compare and restore pages: what changed between two revisions (Service.Diff, as the
// API's diff), and for admins the restore of an earlier revision, confirmed after seeing the
// change it would make.

// diffPageRows is how many changed rows one page of a diff shows.
const diffPageRows = 50

// diffView is a diff as the pages show it.
type diffView struct {
	Revision, Against int64
	RevisionURL       string
	AgainstURL        string
	// Counts says how many rows were added, removed, changed and left alone, in words.
	Counts string
	// Limited says the table holds only the principal's areas' rows.
	Limited bool
	Keys    []string // the key columns' labels
	Rows    []diffRow
	Pager   pager
	CSVURL  string
	None    bool // nothing changed
}

// diffRow is one changed row, in words.
type diffRow struct {
	Kind    string
	Key     []string
	Changes []display.ChangedField
}

// keyLabel names a diff's key column for readers.
func keyLabel(col string) string {
	switch col {
	case "_area":
		return "Area"
	case "_level":
		return "Level"
	case "_period":
		return "Period"
	}
	return col
}

// keyCell is a key value in words: the area's name with its code, the period in words.
func (s *Server) keyCell(col string, v any) string {
	text := display.Cell(v)
	switch col {
	case "_area":
		if code, ok := v.(string); ok {
			if a, found := s.Areas.Lookup(code); found {
				return a.Name + " (" + code + ")"
			}
		}
	case "_period":
		if p, ok := v.(string); ok {
			return display.Period(p)
		}
	case "_level":
		if l, ok := v.(string); ok {
			return display.Level(l)
		}
	}
	return text
}

// diffAreas is the area limit of a diff for the request: an uploader limited to some areas sees
// only their rows, as in the API (nil: every row).
func diffAreas(c echo.Context) []string {
	if tok := principal(c); tok.Has(auth.Uploader) {
		return tok.AreaLimit()
	}
	return nil
}

// diffOf reads one page (?page=) of the diff of revision id against against (0: the accepted
// revision before it) and puts it in words.
func (s *Server) diffOf(c echo.Context, name string, id, against int64) (diffView, error) {
	page := 1
	if q := c.QueryParam("page"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			return diffView{}, errs.Errorf(errs.NotFound, "there is no page %q of this comparison", q)
		}
		page = n
	}
	areas := diffAreas(c)
	d, err := s.Datasets.Diff(c.Request().Context(), name, id, against, datasets.DiffOptions{Limit: diffPageRows, Offset: (page - 1) * diffPageRows, Areas: areas})
	if err != nil {
		return diffView{}, err
	}
	v := diffView{Revision: d.Revision, Against: d.Against, RevisionURL: revisionURL(name, d.Revision), Limited: areas != nil,
		None: d.Added+d.Removed+d.Changed == 0}
	if d.Against != 0 {
		v.AgainstURL = revisionURL(name, d.Against)
	}
	v.Counts = display.Sentence(display.Count(d.Changed, "row changed", "rows changed") + ", " + display.Count(d.Added, "row added", "rows added") +
		", " + display.Count(d.Removed, "row removed", "rows removed") + " and " + display.Count(d.Unchanged, "row unchanged", "rows unchanged"))
	total := d.Added + d.Removed + d.Changed
	if of := max(1, (total+diffPageRows-1)/diffPageRows); page > of {
		return diffView{}, errs.Errorf(errs.NotFound, "there is no page %d of this comparison (pages 1 to %d)", page, of)
	} else if of > 1 {
		from := (page-1)*diffPageRows + 1
		v.Pager = pager{Page: page, Of: of, Label: "Rows " + display.Number(float64(from), 0) + " to " +
			display.Number(float64(min(page*diffPageRows, total)), 0) + " of " + display.Number(float64(total), 0)}
		link := func(n int) string {
			u := *c.Request().URL
			q := u.Query()
			q.Set("page", strconv.Itoa(n))
			u.RawQuery = q.Encode()
			return u.RequestURI()
		}
		if page > 1 {
			v.Pager.Prev = link(page - 1)
		}
		if page < of {
			v.Pager.Next = link(page + 1)
		}
	}
	keyed := len(d.Columns) > 0
	for _, k := range d.KeyColumns {
		if keyed {
			v.Keys = append(v.Keys, keyLabel(k))
		}
	}
	for _, ch := range d.Changes {
		r := diffRow{Kind: display.Capitalised(ch.Kind)}
		if keyed {
			for i, k := range d.KeyColumns {
				r.Key = append(r.Key, s.keyCell(k, ch.Key[i]))
			}
			cols := ch.ChangedColumns
			if ch.Kind != datasets.Changed {
				cols = d.Columns
			}
			for _, col := range cols {
				f := display.ChangedField{Label: col, Old: "Not there", New: "Not there"}
				if ch.Old != nil {
					f.Old = display.Cell(ch.Old[col])
				}
				if ch.New != nil {
					f.New = display.Cell(ch.New[col])
				}
				r.Changes = append(r.Changes, f)
			}
		} else {
			// Rows without a key are added or removed whole: the row is its own key.
			row := ch.New
			if row == nil {
				row = ch.Old
			}
			var cells []string
			for _, col := range d.KeyColumns {
				cells = append(cells, col+" "+display.Cell(row[col]))
			}
			r.Key = []string{strings.Join(cells, "; ")}
		}
		v.Rows = append(v.Rows, r)
	}
	if !keyed {
		v.Keys = []string{"Row"}
	}
	v.CSVURL = "/api/v1/datasets/" + url.PathEscape(name) + "/revisions/" + strconv.FormatInt(d.Revision, 10) + "/diff?format=csv&against=" + strconv.FormatInt(d.Against, 10)
	return v, nil
}

type diffPageData struct {
	Dataset, DatasetURL string
	Diff                diffView
	// Choices are the revisions to compare with (accepted and restored, not this one).
	Choices    []option
	CanRestore bool
	RestoreURL string
}

// revisionDiffPage is GET /datasets/:name/revisions/:id/diff?against=&page=: what changed in the
// revision against another (by default the accepted revision before it): counts, the changed
// rows by key with old and new values, in pages, and the whole diff as CSV. Uploaders and
// admins, as the API's diff; an area-limited uploader sees only its areas' rows.
func (s *Server) revisionDiffPage(c echo.Context) error {
	name := c.Param("name")
	rev, _, err := s.revisionParam(c)
	if err != nil {
		return err
	}
	against := int64(0)
	if q := c.QueryParam("against"); q != "" {
		if against, err = strconv.ParseInt(q, 10, 64); err != nil || against < 0 {
			return errs.Errorf(errs.NotFound, "there is no revision %q to compare with", q)
		}
	}
	d, err := s.diffOf(c, name, rev.ID, against)
	if err != nil {
		return err
	}
	data := diffPageData{Dataset: name, DatasetURL: datasetURL(name), Diff: d}
	revs, err := s.Datasets.Revisions(c.Request().Context(), name)
	if err != nil {
		return err
	}
	for _, r := range revs {
		if r.Status != datasets.Rejected && r.ID != rev.ID {
			label := "Revision " + strconv.FormatInt(r.ID, 10) + ", " + display.DateTime(r.CreatedAt)
			if r.Current {
				label += " (current)"
			}
			data.Choices = append(data.Choices, option{Value: strconv.FormatInt(r.ID, 10), Label: label, Selected: r.ID == d.Against})
		}
	}
	if principal(c).Has(auth.Admin) && !rev.Current && rev.Status != datasets.Rejected {
		data.CanRestore, data.RestoreURL = true, revisionURL(name, rev.ID)+"/restore"
	}
	return writeDatasetPage(c, http.StatusOK, diffPageTemplate, "Changes in revision "+strconv.FormatInt(rev.ID, 10)+" of "+name, data)
}

type restorePageData struct {
	Dataset, DatasetURL string
	Revision            revisionView
	Current             *revisionView
	Diff                diffView
	Action, CSRF        string
}

// restorePage is GET /datasets/:name/revisions/:id/restore (admins): the change restoring the
// revision would make to the current one (the diff of the revision against it), and the form
// to confirm it.
func (s *Server) restorePage(c echo.Context) error {
	name := c.Param("name")
	rev, _, err := s.revisionParam(c)
	if err != nil {
		return err
	}
	if rev.Status == datasets.Rejected {
		return errs.Errorf(errs.Conflict, "revision %d of %s was rejected and holds no data to restore", rev.ID, name)
	}
	cur, err := s.Datasets.Get(c.Request().Context(), name)
	if err != nil {
		return err
	}
	data := restorePageData{Dataset: name, DatasetURL: datasetURL(name), Revision: newRevisionView(rev), Action: revisionURL(name, rev.ID) + "/restore",
		CSRF: csrfToken(c)}
	cv := newRevisionView(cur.Current)
	data.Current = &cv
	if rev.ID != cur.Revision {
		if data.Diff, err = s.diffOf(c, name, rev.ID, cur.Revision); err != nil {
			return err
		}
	}
	return writeDatasetPage(c, http.StatusOK, restorePageTemplate, "Restore revision "+strconv.FormatInt(rev.ID, 10)+" of "+name, data)
}

// restoreFromPage is POST /datasets/:name/revisions/:id/restore (form: _csrf; admins), the
// restore page's Confirm: the revision is made current again as a new revision (App.Restore, as
// the API's restore) and the answer is 303 to that new revision.
func (s *Server) restoreFromPage(c echo.Context) error {
	start := time.Now()
	rev, re, err := s.restoreRevision(c)
	if err != nil {
		return err
	}
	s.observeEvaluation("restore", start, re.Results)
	return c.Redirect(http.StatusSeeOther, revisionURL(rev.Dataset, rev.ID)+"?stored="+url.QueryEscape(string(re.State)))
}
