// Package api is the HTTP face of the product: the JSON API under /api/v1 and the health check.
// It is the only package that imports echo; handlers translate between HTTP and the engine and
// datasets services, and every error leaves through one error handler in one JSON shape.
package api

import (
	"log/slog"
	"net/http"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// Server holds what the handlers need.
type Server struct {
	Engine   *engine.Engine
	Datasets *datasets.Service
	Catalog  *indicators.Catalog
	Areas    *areas.Registry
	Log      *slog.Logger
}

// Handler builds the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(s.Log)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll:   true,
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			if s.Log != nil {
				s.Log.Error("panic in handler", "path", c.Request().URL.Path, "error", err, "stack", string(stack))
			}
			return errs.Errorf(errs.Internal, "panic: %v", err)
		},
	}))

	e.GET("/healthz", s.health)
	v1 := e.Group("/api/v1", compress())
	v1.GET("/openapi.json", s.openAPI)
	v1.GET("/evaluations", s.evaluations)
	v1.GET("/indicators", s.listIndicators)
	v1.GET("/indicators/:id", s.getIndicator)
	v1.GET("/indicators/:id/evaluations", s.indicatorSeries)
	v1.GET("/indicators/:id/areas", s.indicatorAreas)
	v1.GET("/areas", s.listAreas)
	v1.GET("/areas/:area", s.getArea)
	v1.GET("/areas/:area/scorecard", s.areaScorecard)
	v1.GET("/scorecards", s.listScorecards)
	v1.GET("/scorecards/:id", s.getScorecard)
	v1.GET("/indicators/:id/areas/:area/commentary", s.listComments)
	v1.POST("/indicators/:id/areas/:area/commentary", s.addComment)
	v1.GET("/datasets", s.listDatasets)
	v1.GET("/datasets/:name", s.getDataset)
	v1.GET("/datasets/:name/revisions", s.listRevisions)
	v1.POST("/datasets/:name/revisions", s.upload)
	v1.POST("/datasets/:name/revisions/:id/restore", s.restore)
	s.registerPages(e)
	return e
}
