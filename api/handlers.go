package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/childrens-trust/scorecard/areas"
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

// list wraps a collection so that the top level of every response is an object.
type list[T any] struct {
	Data []T `json:"data"`
	N    int `json:"n"`
}

func newList[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Data: items, N: len(items)}
}

func (s *Server) listIndicators(c echo.Context) error {
	return c.JSON(http.StatusOK, newList(s.Catalog.All()))
}

func (s *Server) indicator(c echo.Context) (*indicators.Definition, error) {
	d, ok := s.Catalog.Get(c.Param("id"))
	if !ok {
		return nil, errs.Errorf(errs.NotFound, "no indicator %q", c.Param("id"))
	}
	return d, nil
}

func (s *Server) getIndicator(c echo.Context) error {
	d, err := s.indicator(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) indicatorSeries(c echo.Context) error {
	area := c.QueryParam("area")
	if area == "" {
		return errs.Errorf(errs.Invalid, "the area query parameter is required (GSS code, DfE code or name)")
	}
	evs, err := s.Engine.Series(c.Request().Context(), c.Param("id"), area)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(evs))
}

func (s *Server) indicatorAreas(c echo.Context) error {
	evs, err := s.Engine.AllAreas(c.Request().Context(), c.Param("id"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(evs))
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
	level := c.QueryParam("level")
	var out []areaJSON
	for _, a := range s.Areas.Areas() {
		if level != "" && string(a.Level) != level {
			continue
		}
		out = append(out, s.toAreaJSON(a, false))
	}
	return c.JSON(http.StatusOK, newList(out))
}

func (s *Server) getArea(c echo.Context) error {
	a, err := s.Engine.Area(c.Param("area"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.toAreaJSON(a, true))
}

func (s *Server) areaScorecard(c echo.Context) error {
	sc, err := s.Engine.AreaScorecard(c.Request().Context(), c.Param("area"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sc)
}

func (s *Server) listDatasets(c echo.Context) error {
	ds, err := s.Datasets.Datasets(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(ds))
}

func (s *Server) getDataset(c echo.Context) error {
	d, err := s.Datasets.Get(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) listRevisions(c echo.Context) error {
	revs, err := s.Datasets.Revisions(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newList(revs))
}

// uploadResult is the answer to an accepted upload or a restore: the revision and the
// re-evaluation it caused.
type uploadResult struct {
	Revision  *datasets.Revision `json:"revision"`
	Evaluated []engine.RunResult `json:"evaluated"`
}

// upload accepts a CSV as the request body (Content-Type text/csv) or as the multipart form
// field "file". The uploader is named by the X-Uploaded-By header.
func (s *Server) upload(c echo.Context) error {
	name := c.Param("name")
	if err := datasets.ValidateName(name); err != nil {
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
	body, fileName, err := uploadBody(req)
	if err != nil {
		return err
	}
	defer body.Close()
	ctx := req.Context()
	rev, err := s.Datasets.Load(ctx, name, body, datasets.Upload{FileName: fileName, By: s.actor(c), AllowedAreas: allowedAreas(c)})
	noteRevision(c, rev)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errs.Errorf(errs.TooLarge, "the upload is larger than the %d MiB limit; nothing was stored", limit>>20)
		}
		return err
	}
	results, err := s.evaluateDataset(ctx, "upload", name)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/datasets/%s/revisions", name))
	return c.JSON(http.StatusCreated, uploadResult{Revision: rev, Evaluated: nonNil(results)})
}

func nonNil(r []engine.RunResult) []engine.RunResult {
	if r == nil {
		return []engine.RunResult{}
	}
	return r
}

func uploadBody(req *http.Request) (io.ReadCloser, string, error) {
	ct := req.Header.Get(echo.HeaderContentType)
	mt, _, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/form-data":
		f, fh, err := req.FormFile("file")
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, "", errs.Errorf(errs.TooLarge, "the upload is too large; nothing was stored")
			}
			return nil, "", errs.Errorf(errs.Invalid, "the multipart form has no file field named \"file\"")
		}
		return f, fh.Filename, nil
	case "text/csv", "application/csv", "text/plain", "application/octet-stream", "":
		name := req.Header.Get("X-File-Name")
		if name == "" {
			name = "upload.csv"
		}
		return req.Body, name, nil
	}
	return nil, "", errs.Errorf(errs.Invalid, "send the CSV as the body with Content-Type text/csv, or as multipart form field \"file\" (got %q)", ct)
}

func (s *Server) restore(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.Errorf(errs.Invalid, "revision id %q is not a positive integer", c.Param("id"))
	}
	ctx := c.Request().Context()
	rev, err := s.Datasets.Restore(ctx, c.Param("name"), id, s.actor(c))
	noteRevision(c, rev)
	if err != nil {
		return err
	}
	results, err := s.evaluateDataset(ctx, "restore", c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, uploadResult{Revision: rev, Evaluated: nonNil(results)})
}
