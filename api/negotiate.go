package api

import (
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/childrens-trust/scorecard/errs"
	"github.com/labstack/echo/v4"
)

// format is one representation a read can be served in.
type format struct {
	// Name is the value of the ?format= query parameter and part of the ETag.
	Name string
	// MediaType is what Accept is matched against (without parameters).
	MediaType string
	// ContentType is the Content-Type header written.
	ContentType string
	// Ext is the file extension of a download.
	Ext string
}

// The representations the API serves. JSON is always the default.
var (
	formatJSON  = format{Name: "json", MediaType: "application/json", ContentType: "application/json", Ext: "json"}
	formatCSV   = format{Name: "csv", MediaType: "text/csv", ContentType: "text/csv; charset=utf-8; header=present", Ext: "csv"}
	formatArrow = format{Name: "arrow", MediaType: "application/vnd.apache.arrow.stream", ContentType: "application/vnd.apache.arrow.stream", Ext: "arrows"}
	formatXLSX  = format{Name: "xlsx", MediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Ext: "xlsx"}
	// formatParquet is Apache Parquet (written by DuckDB), the media type IANA registered.
	formatParquet = format{Name: "parquet", MediaType: "application/vnd.apache.parquet", ContentType: "application/vnd.apache.parquet", Ext: "parquet"}
)

// tabular is what every tabular read offers, in order of preference when Accept allows several.
var tabular = []format{formatJSON, formatCSV, formatArrow, formatXLSX, formatParquet}

// streamed reports whether f is a format whose lists are answered whole (every row matching
// the filters unless a limit is given) and written as the rows come: CSV, Arrow and Parquet.
// JSON and Excel are paged.
func (f format) streamed() bool { return f == formatCSV || f == formatArrow || f == formatParquet }

// jsonOnly is what a document (one indicator, one area, the OpenAPI document) offers.
var jsonOnly = []format{formatJSON}

// allFormats is every representation known, for ?format= validation.
var allFormats = tabular

// errNotAcceptable is the 406 answer: the JSON error shape, listing what the route offers.
func errNotAcceptable(offered []format) error {
	names := make([]string, len(offered))
	for i, f := range offered {
		names[i] = f.MediaType + " (format=" + f.Name + ")"
	}
	return echo.NewHTTPError(http.StatusNotAcceptable,
		"this resource is available as "+strings.Join(names, ", "))
}

// negotiate picks the representation of a read: the ?format= query parameter when given
// (for browsers and spreadsheets), else the best match of the Accept header among offered,
// else JSON. It answers 406 when nothing offered is acceptable, and 400 for an unknown format.
func negotiate(c echo.Context, offered []format) (format, error) {
	return negotiateRequest(c.Request(), offered)
}

// negotiateRequest is negotiate for a request.
func negotiateRequest(r *http.Request, offered []format) (format, error) {
	if name := r.URL.Query().Get("format"); name != "" {
		for _, f := range offered {
			if f.Name == name {
				return f, nil
			}
		}
		for _, f := range allFormats {
			if f.Name == name {
				return format{}, errNotAcceptable(offered)
			}
		}
		return format{}, errs.Errorf(errs.Invalid, "format %q is not one of json, csv, arrow, xlsx, parquet", name)
	}
	accept := r.Header.Get(echo.HeaderAccept)
	if strings.TrimSpace(accept) == "" {
		return offered[0], nil
	}
	ranges := parseAccept(accept)
	best, bestQ, bestSpec := -1, 0.0, -1
	for i, f := range offered {
		q, spec := acceptQ(ranges, f.MediaType)
		// Higher quality wins; at equal quality the more specific range, then the server's order.
		if q > bestQ || (q == bestQ && q > 0 && spec > bestSpec) {
			best, bestQ, bestSpec = i, q, spec
		}
	}
	if best < 0 {
		return format{}, errNotAcceptable(offered)
	}
	return offered[best], nil
}

// isDownload reports whether r asks for a whole-data download: a read in CSV, Arrow or Parquet
// without a limit (the CSV routes such as /api/v1/indicators/{id}/data.csv included). Such a
// read has the write time limit instead of the read one (timeouts), since it streams every row.
func isDownload(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if strings.HasSuffix(r.URL.Path, ".csv") {
		return true
	}
	if r.URL.Query().Get("limit") != "" {
		return false
	}
	f, err := negotiateRequest(r, tabular)
	return err == nil && f.streamed()
}

// mediaRange is one element of an Accept header.
type mediaRange struct {
	typ, sub string
	q        float64
}

func parseAccept(h string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		mt, params, err := mime.ParseMediaType(part)
		if err != nil {
			// Tolerate "*" alone, which some clients send.
			if strings.HasPrefix(part, "*") {
				mt, params = "*/*", nil
			} else {
				continue
			}
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 0 && v <= 1 {
				q = v
			}
		}
		out = append(out, mediaRange{typ: typ, sub: sub, q: q})
	}
	// Most specific first, so the first match below is the one that applies (RFC 9110 12.5.1).
	sort.SliceStable(out, func(i, j int) bool { return out[i].specificity() > out[j].specificity() })
	return out
}

func (m mediaRange) specificity() int {
	switch {
	case m.typ == "*":
		return 0
	case m.sub == "*":
		return 1
	}
	return 2
}

// acceptQ is the quality the Accept ranges give a media type, and the specificity of the
// range that gave it.
func acceptQ(ranges []mediaRange, mediaType string) (float64, int) {
	typ, sub, _ := strings.Cut(mediaType, "/")
	for _, r := range ranges {
		if (r.typ == "*" || r.typ == typ) && (r.sub == "*" || r.sub == sub) {
			return r.q, r.specificity()
		}
	}
	return 0, -1
}
