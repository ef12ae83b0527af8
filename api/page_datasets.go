package api

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/display"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// The analysts' pages: the datasets, one dataset's history with its upload form and expected
// format, one revision with its problems, and the upload form's answer. They vary by who asks
// (the upload form, the values quoted in problems), so none of them is kept by the response
// cache or any shared cache.

// datasetPageCSS styles the analysts' pages beyond the shared stylesheet: record tables that
// become cards on a phone, the upload form, and long file lines and hashes that wrap.
const datasetPageCSS template.CSS = `
table.records{border-collapse:collapse;font-size:1rem;margin:.5rem 0 1rem;width:100%}
table.records caption{text-align:left;font-weight:700;padding:0 0 .5rem 0}
table.records th,table.records td{border-bottom:1px solid #b1b4b6;padding:.375rem .75rem .375rem 0;text-align:left;vertical-align:top;overflow-wrap:break-word}
table.records thead th{border-bottom:2px solid #0b0c0c;vertical-align:bottom}
table.records td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,"Cascadia Mono",Consolas,monospace;font-size:.9375rem;overflow-wrap:break-word}
dd code,p code{overflow-wrap:anywhere}
.line{white-space:pre-wrap;word-break:break-all}
.status{display:inline-block;font-size:.875rem;font-weight:700;padding:0 .375rem;border:1px solid #0b0c0c}
.status-accepted{background:#cce2d8;color:#005a30}
.status-rejected{background:#f4cdc6;color:#942514}
.status-restored{background:#d2e2f1;color:#144e81}
.current{font-size:.875rem;font-weight:700}
form.upload{margin:1rem 0;padding:1rem;background:#f3f2f1;max-width:40rem}
form.upload label{display:block;font-weight:700;margin-bottom:.25rem}
form.upload .hint{display:block;color:#505a5f;margin-bottom:.5rem;font-size:1rem}
form.upload input[type=file]{font:inherit;font-size:1rem;max-width:100%;margin-bottom:1rem}
input:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
.button{display:inline-block;text-decoration:none}
a.button:visited{color:#fff}
.warning{border-left:5px solid #d4351c;background:#fff;padding:.5rem 1rem;margin:1rem 0}
.warning p{margin:.25rem 0}
table.records td ul{margin:0;padding-left:1.25rem}
table.records td:first-child a,table.records td.nowrap{white-space:nowrap}
table.records td a{display:inline-block;padding:.2rem 0}
.decide{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}
.decide form{margin:0}
.button.secondary{background:#f3f2f1;color:#0b0c0c;border-color:#0b0c0c}
button:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 0 0 5px #0b0c0c}
ul.transitions{margin:0;padding-left:1.25rem}
nav.pager ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}
@media (max-width:40em){
 table.records:not(.keep),table.records:not(.keep) tbody,table.records:not(.keep) tr,table.records:not(.keep) th,table.records:not(.keep) td{display:block;width:auto}
 table.records:not(.keep) caption{display:block}
 table.records:not(.keep) thead{display:none}
 table.records:not(.keep) tr{border-top:2px solid #0b0c0c;margin:0 0 .75rem;padding:.25rem 0}
 table.records:not(.keep) td{border:0;border-top:1px solid #dee0e2;padding:.25rem 0;text-align:left}
 table.records:not(.keep) td::before{content:attr(data-label);display:block;font-weight:700;font-size:.875rem}
 table.records.keep{font-size:.9375rem}
 table.records.keep th,table.records.keep td{padding-right:.5rem}
}
`

// datasetTemplate makes one of the analysts' page templates: templates/datasets_<name>.html
// in the layout, with the shared parts of templates/datasets_parts.html.
func datasetTemplate(name string) *template.Template {
	return pageTemplate("datasets_"+name, "datasets_parts.html")
}

var (
	datasetsListTemplate   = datasetTemplate("list")
	datasetPageTemplate    = datasetTemplate("dataset")
	revisionPageTemplate   = datasetTemplate("revision")
	uploadRefusedTemplate  = datasetTemplate("refused")
	uploadPreviewTemplate  = datasetTemplate("preview")
	diffPageTemplate       = datasetTemplate("diff")
	restorePageTemplate    = datasetTemplate("restore")
	datasetPageProblemsMax = 25 // problems on one page of a revision's table
	datasetPageHistoryMax  = 25 // revisions on one page of a dataset's history
)

// registerDatasetPages adds the analysts' pages; uploads from the page's form take the upload
// policy (uploaders and admins, the body limited by the handler itself).
func (s *Server) registerDatasetPages(e *echo.Echo, allow func(policy, ...*echo.Route)) {
	get(e, "/datasets", s.datasetsPage)
	get(e, "/datasets/:name", s.datasetPage)
	get(e, "/datasets/:name/template.csv", s.datasetTemplateCSV)
	get(e, "/datasets/:name/revisions/:id", s.revisionPage)
	get(e, "/datasets/:name/revisions/:id/problems.csv", s.revisionProblemsCSV)
	allow(policyUpload, e.POST("/datasets/:name/upload", s.uploadPage))
	// A diff shows a revision's values: uploaders and admins, as the API's diff.
	allow(policyUpload, get(e, "/datasets/:name/revisions/:id/diff", s.revisionDiffPage))
	allow(policyAdmin,
		get(e, "/datasets/:name/revisions/:id/restore", s.restorePage),
		e.POST("/datasets/:name/revisions/:id/restore", s.restoreFromPage))
	allow(policyUploadForm,
		e.POST("/datasets/:name/staged/:stage/confirm", s.confirmPage),
		e.POST("/datasets/:name/staged/:stage/cancel", s.cancelPage))
}

// private marks a response as depending on who asked: never kept by the response cache, a
// proxy or the browser's back-forward cache without revalidation.
func private(c echo.Context) {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Add(echo.HeaderVary, echo.HeaderAuthorization)
	h.Add(echo.HeaderVary, "Cookie")
}

// writeDatasetPage renders an analysts' page with its stylesheet.
func writeDatasetPage(c echo.Context, status int, t *template.Template, title string, page any) error {
	private(c)
	return writePageWith(c, status, t, title, false, false, datasetPageCSS, page)
}

// ---- view models ----

// revisionView is a revision as the pages show it, every word and number from display.
type revisionView struct {
	ID           int64
	URL          string
	Status       string // in words
	StatusClass  string // status-accepted, -rejected, -restored
	Rejected     bool
	Current      bool
	By           string
	When         string
	WhenISO      string
	File         string
	Size         string
	SHA256       string
	ShortSHA     string
	Rows         string
	Problems     string // "12 problems", "" when none
	Format       string
	Encoding     string
	RestoredFrom int64
	RestoredURL  string
	Warnings     []string
	// DiffURL and RestoreURL are the revision's compare and restore pages, set for those who
	// may use them (withActions).
	DiffURL, RestoreURL string
}

// withActions sets the links to the revision's compare page (uploaders and admins, for a
// revision with rows) and restore page (admins, for one that is not current).
func (v revisionView) withActions(tok *auth.Token) revisionView {
	if v.Rejected || !tok.Has(auth.Uploader) {
		return v
	}
	v.DiffURL = v.URL + "/diff"
	if tok.Has(auth.Admin) && !v.Current {
		v.RestoreURL = v.URL + "/restore"
	}
	return v
}

func newRevisionView(r datasets.Revision) revisionView {
	v := revisionView{
		ID: r.ID, URL: revisionURL(r.Dataset, r.ID), Status: display.RevisionStatus(r.Status, r.RestoredFrom),
		StatusClass: "status-" + r.Status, Rejected: r.Status == datasets.Rejected, Current: r.Current,
		By: r.CreatedBy, When: display.DateTime(r.CreatedAt), WhenISO: r.CreatedAt.UTC().Format(time.RFC3339),
		File: r.FileName, Size: display.Size(r.Bytes), SHA256: r.SHA256, ShortSHA: display.ShortHash(r.SHA256),
		Format: r.Format, Encoding: r.Encoding, RestoredFrom: r.RestoredFrom, Warnings: r.Warnings,
	}
	if r.Status != datasets.Rejected {
		v.Rows = display.Count(r.Rows, "row", "rows")
	}
	if r.ErrorCount > 0 {
		v.Problems = display.Count(r.ErrorCount, "problem", "problems")
	}
	if r.RestoredFrom > 0 {
		v.RestoredURL = revisionURL(r.Dataset, r.RestoredFrom)
	}
	return v
}

func datasetURL(name string) string { return "/datasets/" + url.PathEscape(name) }

func revisionURL(name string, id int64) string {
	return datasetURL(name) + "/revisions/" + strconv.FormatInt(id, 10)
}

// indicatorUse is an indicator that reads a dataset, and its last evaluation.
type indicatorUse struct {
	ID, Title string
	// Evaluated says when it was last evaluated and on which revision; Problem what went wrong.
	Evaluated, Problem string
}

// indicatorUses lists the indicators reading the dataset, with their last runs.
func (s *Server) indicatorUses(name string, current int64, runs map[string]engine.Run) []indicatorUse {
	var out []indicatorUse
	if s.Catalog == nil {
		return nil
	}
	for _, d := range s.Catalog.All() {
		if d.Source.Dataset != name {
			continue
		}
		u := indicatorUse{ID: d.ID, Title: d.Title, Evaluated: "Not evaluated yet"}
		if r, ok := runs[d.ID]; ok {
			u.Evaluated = display.DateTime(r.EvaluatedAt) + ", on revision " + strconv.FormatInt(r.Revision, 10)
			if current != 0 && r.Revision != current {
				u.Evaluated += " (not the current revision)"
			}
			u.Evaluated += ": " + display.Count(r.Evaluations, "evaluation", "evaluations")
			switch {
			case r.Error != "":
				u.Problem = display.Sentence(r.Error)
			case r.Warning != "":
				u.Problem = display.Sentence(r.Warning)
			}
		}
		out = append(out, u)
	}
	return out
}

// runsByIndicator is every indicator's last evaluation run.
func (s *Server) runsByIndicator(c echo.Context) (map[string]engine.Run, error) {
	runs, err := s.Engine.Runs(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]engine.Run, len(runs))
	for _, r := range runs {
		out[r.Indicator] = r
	}
	return out, nil
}

// ---- /datasets ----

type datasetsListData struct {
	Datasets []datasetSummary
}

type datasetSummary struct {
	Name, URL, Format string
	Current           revisionView
	Indicators        []indicatorUse
}

// datasetsPage is GET /datasets: every dataset with its format, current revision and the
// indicators that read it, with when each was last evaluated.
func (s *Server) datasetsPage(c echo.Context) error {
	ds, err := s.Datasets.Datasets(c.Request().Context())
	if err != nil {
		return err
	}
	runs, err := s.runsByIndicator(c)
	if err != nil {
		return err
	}
	data := datasetsListData{}
	for _, d := range ds {
		data.Datasets = append(data.Datasets, datasetSummary{Name: d.Name, URL: datasetURL(d.Name), Format: formatWords(d.Current.Format),
			Current: newRevisionView(d.Current), Indicators: s.indicatorUses(d.Name, d.Revision, runs)})
	}
	return writeDatasetPage(c, http.StatusOK, datasetsListTemplate, "Datasets", data)
}

// formatWords names a format for a reader: its description's first clause, or the name.
func formatWords(name string) string {
	f := datasets.FormatNamed(name)
	if f == nil {
		return name
	}
	d, _, _ := strings.Cut(f.Description, ":")
	d, _, _ = strings.Cut(d, " (")
	return display.Capitalised(d)
}

// ---- /datasets/:name ----

type datasetPageData struct {
	Name       string
	URL        string
	Current    *revisionView
	History    []revisionView
	Pager      pager
	Indicators []indicatorUse
	Reads      []string // columns the indicators read
	Format     *formatView
	Formats    []formatView // when the dataset takes any format
	Upload     uploadForm
	// Notice reports what the previous form did (a cancelled upload).
	Notice string
}

// formatView is a format as the expected-format section shows it.
type formatView struct {
	// Title names the format; Detail is the rest of its description (what its columns hold).
	Name, Title, Detail string
	Columns             []datasets.FormatColumn
	Header              []string
	Rows                [][]string
	TemplateURL         string
}

func newFormatView(dataset string, f *datasets.Format) formatView {
	_, detail, _ := strings.Cut(f.Description, ": ")
	return formatView{Name: f.Name, Title: formatWords(f.Name), Detail: display.Sentence(detail), Columns: f.Columns(),
		Header: f.Example[0], Rows: f.Example[1:], TemplateURL: datasetURL(dataset) + "/template.csv?format=" + url.QueryEscape(f.Name)}
}

// uploadForm is the upload form, or why it is not shown.
type uploadForm struct {
	Action string
	CSRF   string
	// Allowed shows the form; otherwise Why says who can upload and SignIn where to sign in.
	Allowed bool
	Why     string
	SignIn  string
	// Areas says which areas' rows the principal may load.
	Areas string
	Limit string
	// MergeAction, when set, is the second button's target: a merge (?merge=true), which
	// replaces only the areas the file has rows for. Area-limited uploaders always merge.
	MergeAction string
}

func (s *Server) uploadFormFor(c echo.Context, name string) uploadForm {
	limit := s.Datasets.MaxBytes
	if limit <= 0 {
		limit = datasets.DefaultMaxBytes
	}
	f := uploadForm{Action: datasetURL(name) + "/upload", CSRF: csrfToken(c), Limit: display.Size(limit)}
	tok := principal(c)
	switch {
	case tok.Has(auth.Uploader):
		f.Allowed = true
		if tok.AllAreas() {
			f.Areas = "You may load rows for any area. The file replaces the whole dataset, or, with the second button, only the rows of the areas it has rows for."
			f.MergeAction = f.Action + "?merge=true"
		} else {
			var names []string
			for _, code := range tok.Areas {
				if a, ok := s.Areas.Lookup(code); ok {
					names = append(names, a.Name+" ("+a.Code+")")
				} else {
					names = append(names, code)
				}
			}
			f.Areas = "You may load rows only for " + strings.Join(names, ", ") + ": the file replaces those areas' rows and keeps the others; " +
				"a file with rows for any other area is refused whole."
		}
	case tok == nil:
		f.Why = "Uploading needs an uploader's or an administrator's account."
		f.SignIn = "/sign-in?next=" + url.QueryEscape(c.Request().URL.RequestURI())
	default:
		f.Why = fmt.Sprintf("Uploading needs an uploader's or an administrator's account; %s is a %s.", tok.Name, tok.Role)
	}
	return f
}

// knownDataset reports whether a dataset without revisions has a page anyway: the product gives
// it a meaning (targets) or an indicator reads it, so it is waiting for its first upload.
func (s *Server) knownDataset(name string) bool {
	return datasets.ValidateName(name) == nil && (datasets.RequiredFormat(name) != nil || (s.Catalog != nil && s.Catalog.ReadsDataset(name)))
}

// revisionsOf is the dataset's history, or an empty one for a known dataset without uploads.
func (s *Server) revisionsOf(c echo.Context, name string) ([]datasets.Revision, error) {
	revs, err := s.Datasets.Revisions(c.Request().Context(), name)
	if errs.CodeOf(err) == errs.NotFound && s.knownDataset(name) {
		return nil, nil
	}
	return revs, err
}

// datasetPage is GET /datasets/:name?page=&cancelled=: the current revision, the upload form, the history
// (newest first, in pages), the indicators reading the dataset and the format it expects.
func (s *Server) datasetPage(c echo.Context) error {
	name := c.Param("name")
	revs, err := s.revisionsOf(c, name)
	if err != nil {
		return err
	}
	runs, err := s.runsByIndicator(c)
	if err != nil {
		return err
	}
	data := datasetPageData{Name: name, URL: datasetURL(name), Upload: s.uploadFormFor(c, name)}
	if c.QueryParam("cancelled") != "" {
		data.Notice = "The upload was cancelled: the file was not stored, and the dataset has not changed."
	}
	var current int64
	format := datasets.RequiredFormat(name)
	for _, r := range revs {
		if r.Current {
			v := newRevisionView(r)
			data.Current, current = &v, r.ID
			if format == nil {
				format = datasets.FormatNamed(r.Format)
			}
		}
	}
	views := make([]revisionView, len(revs))
	for i, r := range revs {
		views[i] = newRevisionView(r).withActions(principal(c))
	}
	var page []revisionView
	if page, data.Pager, err = pageItems(c, views, datasetPageHistoryMax, "revisions"); err != nil {
		return err
	}
	data.History = page
	data.Indicators = s.indicatorUses(name, current, runs)
	data.Reads = s.columnsRead(name)
	if format != nil {
		v := newFormatView(name, format)
		data.Format = &v
	} else {
		for _, f := range datasets.Formats {
			data.Formats = append(data.Formats, newFormatView(name, f))
		}
	}
	return writeDatasetPage(c, http.StatusOK, datasetPageTemplate, "Dataset "+name, data)
}

// columnsRead lists the columns of the dataset that its indicators read, for the expected
// format: the values, counts and limits, and the columns their filters test.
func (s *Server) columnsRead(name string) []string {
	if s.Catalog == nil {
		return nil
	}
	var out []string
	add := func(c string) {
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, d := range s.Catalog.All() {
		if d.Source.Dataset != name {
			continue
		}
		src := d.Source
		for _, c := range []string{src.Value, src.Numerator, src.Denominator, src.SD, src.Lower95, src.Upper95, src.Lower998, src.Upper998} {
			add(c)
		}
		filters := make([]string, 0, len(src.Filters))
		for c := range src.Filters {
			filters = append(filters, c)
		}
		slices.Sort(filters)
		for _, c := range filters {
			add(c)
		}
	}
	return out
}

// datasetTemplateCSV is GET /datasets/:name/template.csv?format=: a CSV to start from in the
// dataset's format (or the format asked for, when the dataset takes any), with example rows.
func (s *Server) datasetTemplateCSV(c echo.Context) error {
	name := c.Param("name")
	revs, err := s.revisionsOf(c, name)
	if err != nil {
		return err
	}
	f := datasets.RequiredFormat(name)
	for _, r := range revs {
		if r.Current && f == nil {
			f = datasets.FormatNamed(r.Format)
		}
	}
	if asked := c.QueryParam("format"); asked != "" {
		g := datasets.FormatNamed(asked)
		switch {
		case g == nil:
			return errs.Errorf(errs.NotFound, "there is no format named %q", asked)
		case f != nil && g != f:
			return errs.Errorf(errs.NotFound, "the dataset %s takes only %s files, not %s", name, f.Name, asked)
		}
		f = g
	}
	if f == nil {
		f = datasets.Formats[0]
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, fileName(name+"-"+f.Name+"-template.csv")))
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", f.Template())
}

// ---- /datasets/:name/revisions/:id ----

type revisionPageData struct {
	Dataset    string
	DatasetURL string
	Revision   revisionView
	Problems   problemsView
	// Notice says the revision was just stored, and how its re-evaluation went.
	Notice string
}

// problemsView is a rejected file's problems as a table.
type problemsView struct {
	Total, Listed int
	Summary       string
	ShowValues    bool
	Items         []problemView
	Pager         pager
	CSVURL        string
}

// problemView is one problem, in words.
type problemView struct {
	Row, Column, Value, Reason, Line string
}

func newProblemView(d errs.Detail) problemView {
	p := problemView{Column: d.Column, Value: d.Value, Reason: display.Sentence(d.Reason), Line: d.Line}
	switch d.Row {
	case 0:
		p.Row = "Whole file"
	case 1:
		p.Row = "1 (header)"
	default:
		p.Row = display.Number(float64(d.Row), 0)
	}
	if d.Field != "" && p.Column == "" {
		p.Column = d.Field
	}
	return p
}

// problemsOf builds the problems table of a list of details; total counts every problem found,
// which may be more than the details kept.
func problemsOf(c echo.Context, details []errs.Detail, total int, showValues bool, csvURL string, per int) (problemsView, error) {
	v := problemsView{Total: max(total, len(details)), Listed: len(details), ShowValues: showValues, CSVURL: csvURL}
	details = byRow(details)
	items := make([]problemView, len(details))
	for i, d := range details {
		items[i] = newProblemView(d)
	}
	var err error
	if v.Items, v.Pager, err = pageItems(c, items, per, "problems"); err != nil {
		return v, err
	}
	v.Summary = display.Count(v.Total, "problem was", "problems were") + " found in the file, so nothing was stored."
	if v.Listed < v.Total {
		v.Summary += " The first " + display.Number(float64(v.Listed), 0) + " are listed."
	}
	return v, nil
}

// revisionParam is the revision of the route's :name and :id, as the principal may see it.
func (s *Server) revisionParam(c echo.Context) (datasets.Revision, bool, error) {
	name := c.Param("name")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return datasets.Revision{}, false, errs.Errorf(errs.NotFound, "dataset %q has no revision %q", name, c.Param("id"))
	}
	revs, err := s.Datasets.Revisions(c.Request().Context(), name)
	if err != nil {
		return datasets.Revision{}, false, err
	}
	for _, r := range revs {
		if r.ID == id {
			if mayReadValues(principal(c), r) {
				return r, true, nil
			}
			return r.WithoutValues(), false, nil
		}
	}
	return datasets.Revision{}, false, errs.Errorf(errs.NotFound, "dataset %q has no revision %d", name, id)
}

// revisionPage is GET /datasets/:name/revisions/:id?page=&stored=: one revision's details and,
// for a rejected one, its problems (the values and lines only to its uploader and admins); after
// a confirmed upload or a restore (stored=), a notice that it is stored.
func (s *Server) revisionPage(c echo.Context) error {
	rev, values, err := s.revisionParam(c)
	if err != nil {
		return err
	}
	data := revisionPageData{Dataset: rev.Dataset, DatasetURL: datasetURL(rev.Dataset), Revision: newRevisionView(rev).withActions(principal(c))}
	if rev.Current {
		data.Notice = storedNotice(c.QueryParam("stored"))
	}
	if rev.Status == datasets.Rejected {
		if data.Problems, err = problemsOf(c, rev.Errors, rev.ErrorCount, values, revisionURL(rev.Dataset, rev.ID)+"/problems.csv", datasetPageProblemsMax); err != nil {
			return err
		}
	}
	return writeDatasetPage(c, http.StatusOK, revisionPageTemplate, fmt.Sprintf("Revision %d of %s", rev.ID, rev.Dataset), data)
}

// revisionProblemsCSV is GET /datasets/:name/revisions/:id/problems.csv: a rejected revision's
// problems as CSV (row, column, value, reason, line; value and line only to its uploader and
// admins), every problem kept, by row.
func (s *Server) revisionProblemsCSV(c echo.Context) error {
	rev, values, err := s.revisionParam(c)
	if err != nil {
		return err
	}
	if rev.Status != datasets.Rejected {
		return errs.Errorf(errs.NotFound, "revision %d of %s was %s: it has no problems", rev.ID, rev.Dataset, rev.Status)
	}
	t := problemsTable(fmt.Sprintf("%s-revision-%d-problems", rev.Dataset, rev.ID), rev.Errors, values)
	if err := t.check(); err != nil {
		return fmt.Errorf("api: %w", err)
	}
	var b bytes.Buffer
	if err := writeCSV(&b, t); err != nil {
		return err
	}
	private(c)
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s.csv"`, fileName(t.Name)))
	return c.Blob(http.StatusOK, formatCSV.ContentType, b.Bytes())
}

// problemsTable is a list of problems as a table, by row: row (0 for the whole file), column,
// reason, and, when values may be shown, the value and the file's line.
func problemsTable(name string, details []errs.Detail, values bool) *table {
	t := &table{Name: name, Columns: []column{{Name: "row", Kind: kInteger}, {Name: "column", Kind: kText}}}
	if values {
		t.Columns = append(t.Columns, column{Name: "value", Kind: kText})
	}
	t.Columns = append(t.Columns, column{Name: "reason", Kind: kText})
	if values {
		t.Columns = append(t.Columns, column{Name: "line", Kind: kText})
	}
	for _, d := range byRow(details) {
		col := d.Column
		if col == "" {
			col = d.Field
		}
		cells := []any{integer(d.Row), str(col)}
		if values {
			cells = append(cells, str(d.Value))
		}
		cells = append(cells, str(d.Reason))
		if values {
			cells = append(cells, str(d.Line))
		}
		t.add(-1, cells...)
	}
	return t
}

// byRow orders problems by row, the whole file's first, keeping the parser's order within a
// row (it finds a row's own problems before those of its columns and of the file as a whole).
func byRow(details []errs.Detail) []errs.Detail {
	out := slices.Clone(details)
	slices.SortStableFunc(out, func(a, b errs.Detail) int { return a.Row - b.Row })
	return out
}

// ---- paging ----

// pager links the pages of a long table (?page=N, from 1).
type pager struct {
	Label          string // "Problems 26 to 50 of 100"
	Prev, Next     string
	Page, Of       int
	First, Through int
}

// pageItems cuts the page asked for (?page=) out of items, per to a page; a page that does not
// exist is not found.
func pageItems[T any](c echo.Context, items []T, per int, noun string) ([]T, pager, error) {
	p := pager{Page: 1, Of: max(1, (len(items)+per-1)/per)}
	if q := c.QueryParam("page"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > p.Of {
			return nil, p, errs.Errorf(errs.NotFound, "there is no page %q of %s here (pages 1 to %d)", q, noun, p.Of)
		}
		p.Page = n
	}
	if p.Of == 1 {
		return items, pager{}, nil
	}
	from := (p.Page - 1) * per
	to := min(from+per, len(items))
	p.First, p.Through = from+1, to
	p.Label = display.Capitalised(noun) + " " + display.Number(float64(from+1), 0) + " to " + display.Number(float64(to), 0) +
		" of " + display.Number(float64(len(items)), 0)
	u := *c.Request().URL
	link := func(n int) string {
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		u.RawQuery = q.Encode()
		return u.RequestURI()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Of {
		p.Next = link(p.Page + 1)
	}
	return items[from:to], p, nil
}
