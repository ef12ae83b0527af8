package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

func (s *Server) health(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Engine.DB.SQL.PingContext(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "indicators": len(s.Catalog.All())})
}

func (s *Server) indicator(c echo.Context) (*indicators.Definition, error) {
	d, ok := s.Catalog.Get(c.Param("id"))
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", c.Param("id"))
	}
	return d, nil
}

func (s *Server) getIndicator(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		d, err := s.indicator(c)
		if err != nil {
			return nil, err
		}
		return &reply{JSON: d}, nil
	})
}

// seriesKey orders a series: by period end, then period label (the engine's order).
func seriesKey(ev *engine.Evaluation) string { return ev.PeriodEnd + "|" + ev.Period }

// indicatorSeries is one indicator's evaluations for an area, oldest first, optionally only
// some periods, in pages.
func (s *Server) indicatorSeries(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		area := c.QueryParam("area")
		if area == "" {
			return nil, errs.Errorf(errs.Invalid, "the area query parameter is required (GSS code, DfE code or name)")
		}
		periods, err := periodParam(c)
		if err != nil {
			return nil, err
		}
		pg, version, err := s.evaluationPage(c)
		if err != nil {
			return nil, err
		}
		evs, err := s.Engine.Series(c.Request().Context(), c.Param("id"), area)
		if err != nil {
			return nil, err
		}
		if len(periods) > 0 {
			evs = slices.DeleteFunc(evs, func(ev *engine.Evaluation) bool { return !slices.Contains(periods, ev.Period) })
		}
		total := int64(len(evs))
		page, next, err := pageOfVersion(evs, pg, seriesKey, version)
		if err != nil {
			return nil, err
		}
		return &reply{JSON: newPage(c, page, next).withTotal(total, version), Next: next, DataVersion: version,
			Table: func() *table { return s.evaluationTable(c.Param("id")+"-"+area, page) }}, nil
	})
}

// evaluationPage reads the paging parameters of an in-memory list of evaluations (whole unless
// limit is given) and the data version, refusing a cursor made at another version.
func (s *Server) evaluationPage(c echo.Context) (pageRequest, string, error) {
	pg, err := parsePage(c, 0)
	if err != nil {
		return pg, "", err
	}
	version, err := s.Engine.EvaluationsVersion(c.Request().Context())
	if err != nil {
		return pg, "", err
	}
	return pg, version, checkCursorVersion(pg, version)
}

// levelOrder is the order of area levels in all-areas lists: England, regions, sub-regions,
// local authorities.
var levelOrder = map[string]int{string(areas.England): 0, string(areas.Region): 1, string(areas.SubRegion): 2, string(areas.LocalAuthority): 3}

// allAreasKey orders an indicator's areas in a period: England, regions, sub-regions, then LAs
// by rank (unranked last), then by code.
func allAreasKey(ev *engine.Evaluation) string {
	rank := 1 << 30
	if ev.Rank != nil {
		rank = ev.Rank.Position
	}
	order, ok := levelOrder[ev.Area.Level]
	if !ok {
		order = 9
	}
	return fmt.Sprintf("%d|%010d|%s", order, rank, ev.Area.Code)
}

// indicatorAreas is one indicator for every area in a period (the latest by default),
// optionally only a comparator group or some areas or levels, in pages.
func (s *Server) indicatorAreas(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		codes, err := s.areaFilter(c)
		if err != nil {
			return nil, err
		}
		levels, err := levelParam(c)
		if err != nil {
			return nil, err
		}
		pg, version, err := s.evaluationPage(c)
		if err != nil {
			return nil, err
		}
		evs, err := s.Engine.AllAreas(c.Request().Context(), c.Param("id"), c.QueryParam("period"))
		if err != nil {
			return nil, err
		}
		evs = slices.DeleteFunc(evs, func(ev *engine.Evaluation) bool {
			return (codes != nil && !slices.Contains(codes, ev.Area.Code)) ||
				(len(levels) > 0 && !slices.Contains(levels, ev.Area.Level))
		})
		total := int64(len(evs))
		page, next, err := pageOfVersion(evs, pg, allAreasKey, version)
		if err != nil {
			return nil, err
		}
		name := c.Param("id") + "-areas"
		if len(page) > 0 {
			name += "-" + page[0].Period
		}
		return &reply{JSON: newPage(c, page, next).withTotal(total, version), Next: next, DataVersion: version,
			Table: func() *table { return s.evaluationTable(name, page) }}, nil
	})
}

// evaluations is the bulk read: stored evaluations filtered by indicators, areas (and a
// comparator group), periods and levels, ordered by indicator, period end, period and area
// code. CSV, Arrow and Parquet answer with every matching row, streamed, unless limit is given;
// JSON and Excel come in pages of up to maxLimit (defaultEvaluationsLimit unless limit is
// given) that state the total and the data version, whose cursors are refused (409) once the
// evaluations have changed.
func (s *Server) evaluations(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		f := engine.EvaluationFilter{Indicators: uniqueSorted(listParam(c, "indicator"))}
		var err error
		if f.Areas, err = s.areaFilter(c); err != nil {
			return nil, err
		}
		if f.Periods, err = periodParam(c); err != nil {
			return nil, err
		}
		if f.Levels, err = levelParam(c); err != nil {
			return nil, err
		}
		return s.evaluationReply(c, f, "evaluations")
	})
}

// indicatorData is every stored evaluation of one indicator (every area, every period) as one
// CSV: the whole-data download of an indicator, as Fingertips gives one per indicator.
func (s *Server) indicatorData(c echo.Context) error {
	return s.read(c, csvOnly, func() (*reply, error) {
		d, err := s.indicator(c)
		if err != nil {
			return nil, err
		}
		return s.evaluationReply(c, engine.EvaluationFilter{Indicators: []string{d.ID}}, d.ID+"-data")
	})
}

// csvOnly is what a CSV download route offers.
var csvOnly = []format{formatCSV}

// evaluationReply answers a bulk read of the evaluations f selects (name is a download's file
// name): streamed whole in CSV, Arrow and Parquet unless limit is given, else one page.
func (s *Server) evaluationReply(c echo.Context, f engine.EvaluationFilter, name string) (*reply, error) {
	ctx := c.Request().Context()
	pg, err := parsePage(c, defaultEvaluationsLimit)
	if err != nil {
		return nil, err
	}
	version, err := s.Engine.EvaluationsVersion(ctx)
	if err != nil {
		return nil, err
	}
	if pg.Cursor != nil {
		if pg.Cursor.Eval == nil {
			return nil, errs.Errorf(errs.Invalid, "this cursor belongs to another list")
		}
		if err := checkCursorVersion(pg, version); err != nil {
			return nil, err
		}
		f.After = pg.Cursor.Eval
	}
	none := f.Areas != nil && len(f.Areas) == 0 // an empty group intersection matches nothing
	if fm, err := negotiate(c, tabular); err == nil && fm.streamed() && !pg.Limited {
		return &reply{DataVersion: version, Table: func() *table {
			if none {
				return &table{Name: name, Columns: evaluationColumns}
			}
			return s.evaluationStream(ctx, name, f)
		}}, nil
	}
	var evs []*engine.Evaluation
	var total int64
	if !none {
		if total, err = s.Engine.CountEvaluations(ctx, f); err != nil {
			return nil, err
		}
		// One row more than the page tells whether there is a next page.
		f.Limit = pg.Limit + 1
		if evs, err = s.Engine.Evaluations(ctx, f); err != nil {
			return nil, err
		}
	}
	next := ""
	if len(evs) > pg.Limit {
		evs = evs[:pg.Limit]
		k := evs[len(evs)-1].Key()
		next = encodeCursor(cursorBody{Eval: &k, Version: version})
	}
	// A user-defined group (?group=) is a filter and a further comparator of every row.
	if g, err := s.userGroup(c); err != nil {
		return nil, err
	} else if err := s.Engine.WithGroup(ctx, g, evs); err != nil {
		return nil, err
	}
	return &reply{JSON: newPage(c, evs, next).withTotal(total, version), Next: next, DataVersion: version,
		Table: func() *table { return s.evaluationTable(name, evs) }}, nil
}

// areaJSON is an area as the API shows it.
type areaJSON struct {
	Code         string                     `json:"code"`
	DfECode      string                     `json:"dfe_code,omitempty"`
	Name         string                     `json:"name"`
	Level        string                     `json:"level"`
	Region       *engine.AreaRef            `json:"region,omitempty"`
	SubRegion    *engine.AreaRef            `json:"subregion,omitempty"`
	Live         bool                       `json:"live"`
	ValidFrom    string                     `json:"valid_from,omitempty"`
	ValidTo      string                     `json:"valid_to,omitempty"`
	FormerCodes  []string                   `json:"former_codes,omitempty"`
	Successors   []string                   `json:"successors,omitempty"`
	Predecessors []string                   `json:"predecessors,omitempty"`
	Neighbours   map[string][]neighbourJSON `json:"statistical_neighbours,omitempty"`
}

type neighbourJSON struct {
	Rank      int    `json:"rank"`
	Code      string `json:"code"`
	DfECode   string `json:"dfe_code"`
	Name      string `json:"name"`
	Closeness string `json:"closeness"`
}

func ref(a *areas.Area) *engine.AreaRef {
	if a == nil {
		return nil
	}
	return &engine.AreaRef{Code: a.Code, Name: a.Name, Level: string(a.Level)}
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (s *Server) toAreaJSON(a *areas.Area, withNeighbours bool) areaJSON {
	out := areaJSON{Code: a.Code, DfECode: a.DfECode, Name: a.Name, Level: string(a.Level), Live: a.Live(),
		ValidFrom: dateOrEmpty(a.ValidFrom), ValidTo: dateOrEmpty(a.ValidTo),
		FormerCodes: a.FormerCodes, Successors: a.Successors, Predecessors: a.Predecessors}
	if a.Level == areas.LocalAuthority || a.Level == areas.SubRegion {
		out.Region = ref(s.Areas.Region(a))
	}
	if a.SubRegionCode != "" {
		if sr, ok := s.Areas.Lookup(a.SubRegionCode); ok {
			out.SubRegion = ref(sr)
		}
	}
	if withNeighbours && a.Level == areas.LocalAuthority {
		out.Neighbours = map[string][]neighbourJSON{}
		for _, v := range s.Areas.Vintages() {
			ns, err := s.Areas.Neighbours(a, v)
			if err != nil || len(ns) == 0 {
				continue
			}
			for _, n := range ns {
				out.Neighbours[v] = append(out.Neighbours[v], neighbourJSON{Rank: n.Rank, Code: n.Area.Code, DfECode: n.Area.DfECode, Name: n.Area.Name, Closeness: n.Closeness})
			}
		}
	}
	return out
}

func (s *Server) listAreas(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		levels, err := levelParam(c)
		if err != nil {
			return nil, err
		}
		pg, err := parsePage(c, 0)
		if err != nil {
			return nil, err
		}
		// The registry's order (England, regions, sub-regions, LAs) is the list's stable order.
		type keyed struct {
			key  string
			area areaJSON
		}
		var all []keyed
		for i, a := range s.Areas.Areas() {
			if len(levels) > 0 && !slices.Contains(levels, string(a.Level)) {
				continue
			}
			all = append(all, keyed{key: fmt.Sprintf("%06d", i), area: s.toAreaJSON(a, false)})
		}
		page, next, err := pageOf(all, pg, func(k keyed) string { return k.key })
		if err != nil {
			return nil, err
		}
		out := make([]areaJSON, len(page))
		for i, k := range page {
			out[i] = k.area
		}
		return &reply{JSON: newPage(c, out, next).withTotal(int64(len(all)), ""), Next: next, Table: func() *table { return areaTable(out) }}, nil
	})
}

func (s *Server) getArea(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		a, err := s.Engine.Area(c.Param("area"))
		if err != nil {
			return nil, err
		}
		return &reply{JSON: s.toAreaJSON(a, true)}, nil
	})
}

// areaScorecard is GET /api/v1/areas/:area/scorecard?period=&topic=&q=: the area's evaluation
// of every indicator, or of those a topic and words narrow it to (indicatorFilter, as the catalogue
// matches them); an unknown topic is a 400 that lists the topics.
func (s *Server) areaScorecard(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		f, known, err := s.indicatorFilter(c)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, s.unknownTopic(f.Topic)
		}
		g, err := s.userGroup(c)
		if err != nil {
			return nil, err
		}
		sc, err := s.Engine.AreaScorecard(c.Request().Context(), c.Param("area"), c.QueryParam("period"), f)
		if err != nil {
			return nil, err
		}
		if g != nil {
			evs := make([]*engine.Evaluation, 0, len(sc.Rows))
			for _, r := range sc.Rows {
				evs = append(evs, r.Evaluation)
			}
			if err := s.Engine.WithGroup(c.Request().Context(), g, evs); err != nil {
				return nil, err
			}
		}
		return &reply{JSON: sc, Table: func() *table { return s.areaScorecardTable(sc) }}, nil
	})
}

func (s *Server) listDatasets(c echo.Context) error {
	return s.read(c, tabular, func() (*reply, error) {
		ds, err := s.Datasets.Datasets(c.Request().Context())
		if err != nil {
			return nil, err
		}
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
		return &reply{JSON: newList(ds), Table: func() *table { return datasetTable(ds) }}, nil
	})
}

func (s *Server) getDataset(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		d, err := s.Datasets.Get(c.Request().Context(), c.Param("name"))
		if err != nil {
			return nil, err
		}
		return &reply{JSON: d}, nil
	})
}

// listRevisions is a dataset's revisions, newest first, in pages.
func (s *Server) listRevisions(c echo.Context) error {
	// The cell values quoted in a rejected file's problems are shown only to the token that
	// uploaded it and to admins: the response (and its ETag) varies by caller.
	return s.readVariant(c, tabular, valuesScope(principal(c)), func() (*reply, error) {
		pg, err := parsePage(c, 0)
		if err != nil {
			return nil, err
		}
		revs, err := s.Datasets.Revisions(c.Request().Context(), c.Param("name"))
		if err != nil {
			return nil, err
		}
		tok := principal(c)
		for i := range revs {
			if !mayReadValues(tok, revs[i]) {
				revs[i] = revs[i].WithoutValues()
			}
		}
		total := int64(len(revs))
		page, next, err := pageOf(revs, pg, func(r datasets.Revision) string {
			return fmt.Sprintf("%020d", math.MaxInt64-r.ID) // newest first
		})
		if err != nil {
			return nil, err
		}
		return &reply{JSON: newPage(c, page, next).withTotal(total, ""), Next: next,
			Table: func() *table { return revisionTable(c.Param("name"), page) }}, nil
	})
}

// uploadResult is the answer to an accepted upload or a restore: the revision, committed and
// current, and the re-evaluation it caused (Evaluation.State evaluated, pending or failed).
// Evaluated repeats Evaluation.Results for clients written before Evaluation existed.
type uploadResult struct {
	Revision   *datasets.Revision  `json:"revision"`
	Evaluation engine.Reevaluation `json:"evaluation"`
	Evaluated  []engine.RunResult  `json:"evaluated"`
	// Warnings repeats Revision.Warnings: what the upload should know, such as that no
	// indicator reads its rows.
	Warnings []string `json:"warnings,omitempty"`
}

// changes is the write path, or a 503 when the server was built read-only.
func (s *Server) changes() (Changes, error) {
	if s.Changes == nil {
		return nil, &errs.Error{Code: errs.Timeout, Message: "this server is read-only: it accepts no changes"}
	}
	return s.Changes, nil
}

// changed answers a committed change with 201, the revision and its re-evaluation.
func (s *Server) changed(c echo.Context, trigger string, start time.Time, rev *datasets.Revision, re engine.Reevaluation) error {
	s.observeEvaluation(trigger, start, re.Results)
	re.Results = nonNil(re.Results)
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/datasets/%s/revisions", rev.Dataset))
	return c.JSON(http.StatusCreated, uploadResult{Revision: rev, Evaluation: re, Evaluated: re.Results, Warnings: rev.Warnings})
}

// upload accepts a CSV as the request body (Content-Type text/csv) or as the multipart form
// field "file". The uploader is named by the X-Uploaded-By header.
//
// With ?dry_run=true nothing is stored: the answer (200, previewResult) is the would-be
// revision, the judgement changes it would make and the staged file to confirm.
func (s *Server) upload(c echo.Context) error {
	dryRun, err := parseDryRun(c)
	if err != nil {
		return err
	}
	return s.withUpload(c, func(ch Changes, name string, body io.Reader, up datasets.Upload) error {
		if dryRun {
			p, err := ch.Preview(c.Request().Context(), name, body, up)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, newPreviewResult(p))
		}
		start := time.Now()
		rev, re, err := ch.Load(c.Request().Context(), name, body, up)
		noteRevision(c, rev)
		if err != nil {
			return err
		}
		return s.changed(c, "upload", start, rev, re)
	})
}

// withUpload reads the upload of the request (the route's :name is the dataset) and hands its
// file to use, with who sends it: the one upload path of the API and the upload page. It limits
// the body, checks X-Uploaded-By, lets each token have one upload at a time, and reads the file
// from the body or the multipart field "file"; ?merge=true replaces only the areas in the file
// (datasets.Upload.Merge). When the body stalled or was too large, that is the error, whatever
// use returned.
func (s *Server) withUpload(c echo.Context, use func(ch Changes, name string, body io.Reader, up datasets.Upload) error) error {
	name := c.Param("name")
	if err := datasets.ValidateName(name); err != nil {
		return err
	}
	merge, err := boolParam(c, "merge")
	if err != nil {
		return err
	}
	// The datasets service enforces the limit on the file; the request body may exceed it only by
	// multipart framing, so an oversized upload is cut off early instead of read whole.
	limit := s.Datasets.MaxBytes
	if limit <= 0 {
		limit = datasets.DefaultMaxBytes
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit+1<<20) // room for multipart framing
	if err := checkUploadedBy(c); err != nil {
		return err
	}
	// One upload at a time per token (per address without one): there are only a few upload
	// slots, and one uploader must not be able to take them all.
	release, err := s.uploads.claim(uploaderKey(c))
	if err != nil {
		c.Response().Header().Set(echo.HeaderRetryAfter, "5")
		return err
	}
	defer release()
	idle := s.Config.UploadIdleTimeout
	if idle == 0 {
		idle = DefaultUploadIdleTimeout
	}
	var stalled error
	body, fileName, err := uploadBody(req, c.Response(), idle, &stalled)
	if err != nil {
		return err
	}
	defer body.Close()
	ch, err := s.changes()
	if err != nil {
		return err
	}
	// An area-limited token always merges (datasets.Upload): it replaces only its areas' rows.
	err = use(ch, name, body, datasets.Upload{FileName: fileName, By: s.actor(c), TokenID: tokenID(c), AllowedAreas: allowedAreas(c), Merge: merge})
	if err != nil && stalled != nil {
		return stalled
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.Errorf(errs.TooLarge, "the upload is larger than the %d MiB limit; nothing was stored", limit>>20)
	}
	return err
}

// MaxUploadedBy is the longest X-Uploaded-By accepted, in characters: a person's name or email.
const MaxUploadedBy = 200

// checkUploadedBy refuses an X-Uploaded-By header too long to be a name: it is kept with the
// revision and shown to everyone who lists them.
func checkUploadedBy(c echo.Context) error {
	v := c.Request().Header.Get("X-Uploaded-By")
	if n := utf8.RuneCountInString(v); n > MaxUploadedBy {
		return &errs.Error{Code: errs.Invalid, Message: "the upload was refused: nothing was stored",
			Details: []errs.Detail{{Field: "X-Uploaded-By", Reason: fmt.Sprintf("the header has %d characters; at most %d are kept (a name or an email address)", n, MaxUploadedBy)}}}
	}
	return nil
}

// uploaderKey identifies an uploader for the one-upload-at-a-time rule: the token; "" (no
// rule) with authentication off.
func uploaderKey(c echo.Context) string {
	if id := tokenID(c); id != "" {
		return "token " + id
	}
	return "" // authentication off (loopback development): no one to tell apart
}

// uploadsInFlight holds the uploaders with an upload in progress.
type uploadsInFlight struct {
	mu  sync.Mutex
	now map[string]bool
}

// claim marks key as uploading, or refuses (429) when it already is. An empty key is never
// refused.
func (u *uploadsInFlight) claim(key string) (release func(), err error) {
	if key == "" {
		return func() {}, nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.now == nil {
		u.now = map[string]bool{}
	}
	if u.now[key] {
		return nil, &errs.Error{Code: errs.RateLimited, Message: "this token already has an upload in progress: wait for its answer, then send the next file; nothing was stored"}
	}
	u.now[key] = true
	return func() {
		u.mu.Lock()
		delete(u.now, key)
		u.mu.Unlock()
	}, nil
}

// mayReadValues reports whether tok may see the cell values quoted in rev's problems: admins,
// and the token that uploaded it.
func mayReadValues(tok *auth.Token, rev datasets.Revision) bool {
	if tok == nil || len(rev.Errors) == 0 {
		return len(rev.Errors) == 0
	}
	return tok.Role == auth.Admin || (tok.ID != "" && tok.ID == rev.TokenID)
}

// valuesScope names which rejected values mayReadValues lets tok see, for an ETag: every one
// (an admin), its own uploads' (a short hash of the token id), or none (no token).
func valuesScope(tok *auth.Token) string {
	switch {
	case tok == nil || tok.ID == "" && tok.Role != auth.Admin:
		return "none"
	case tok.Role == auth.Admin:
		return "all"
	}
	sum := sha256.Sum256([]byte(tok.ID))
	return "token-" + hex.EncodeToString(sum[:8])
}

// tokenID is the authenticated token's id, "" without one.
func tokenID(c echo.Context) string {
	if tok := principal(c); tok != nil {
		return tok.ID
	}
	return ""
}

func nonNil(r []engine.RunResult) []engine.RunResult {
	if r == nil {
		return []engine.RunResult{}
	}
	return r
}

func (s *Server) restore(c echo.Context) error {
	start := time.Now()
	rev, re, err := s.restoreRevision(c)
	if err != nil {
		return err
	}
	return s.changed(c, "restore", start, rev, re)
}

// restoreRevision makes the route's revision (:name, :id) current again through
// Changes.Restore, with the same checks whether the API or the restore page's form asks.
func (s *Server) restoreRevision(c echo.Context) (*datasets.Revision, engine.Reevaluation, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, engine.Reevaluation{}, errs.Errorf(errs.Invalid, "revision id %q is not a positive integer", c.Param("id"))
	}
	if err := checkUploadedBy(c); err != nil {
		return nil, engine.Reevaluation{}, err
	}
	ch, err := s.changes()
	if err != nil {
		return nil, engine.Reevaluation{}, err
	}
	rev, re, err := ch.Restore(c.Request().Context(), c.Param("name"), id, s.actor(c))
	noteRevision(c, rev)
	return rev, re, err
}
