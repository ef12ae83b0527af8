// Command client is a small client of the scorecard API, written against its OpenAPI document:
// it reads /api/v1/openapi.json, finds the getScorecard operation's path there, pulls a
// scorecard as JSON and prints it by priority, checks the copy is still current with its ETag
// (304 Not Modified), and can save the same scorecard as CSV, Arrow or an Excel workbook.
//
//	go run ./examples/client -base http://localhost:8080 -scorecard poole-childrens-trust
//	go run ./examples/client -scorecard leicestershire-ewmh -save leicestershire.xlsx
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// The shapes below are the parts of the document's schemas this client uses
// (components/schemas/ScorecardResult, Evaluation, Comparator, Error).

type scorecardResult struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Area       areaRef        `json:"area"`
	Summary    map[string]int `json:"summary"`
	Priorities []struct {
		Title   string         `json:"title"`
		Summary map[string]int `json:"summary"`
		Rows    []struct {
			Indicator  string      `json:"indicator"`
			Reference  string      `json:"reference"`
			Title      string      `json:"title"`
			Evaluation *evaluation `json:"evaluation"`
		} `json:"rows"`
	} `json:"priorities"`
}

type areaRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type evaluation struct {
	Period       string `json:"period"`
	DisplayValue string `json:"display_value"`
	RAG          struct {
		Status string   `json:"status"`
		Target *float64 `json:"target"`
	} `json:"rag"`
	Comparators struct {
		England *comparator `json:"england"`
	} `json:"comparators"`
	Direction struct {
		Previous *struct {
			Judgement string `json:"judgement"`
		} `json:"previous"`
	} `json:"direction"`
}

type comparator struct {
	DisplayValue string `json:"display_value"`
	Judgement    string `json:"judgement"`
}

// apiError is an error response: RFC 9457 problem details (application/problem+json) with the
// API's code as an extension member.
type apiError struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// document is the part of the OpenAPI document the client reads: the version and, per path and
// method, the operation id.
type document struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// operationPath finds an operation's path template (e.g. /api/v1/scorecards/{id}) by its
// operationId.
func (d *document) operationPath(id string) (string, error) {
	for path, ops := range d.Paths {
		for _, raw := range ops {
			var op struct {
				OperationID string `json:"operationId"`
			}
			if json.Unmarshal(raw, &op) == nil && op.OperationID == id {
				return path, nil
			}
		}
	}
	return "", fmt.Errorf("the API document has no operation %q", id)
}

// client calls the API.
type client struct {
	base string
	http *http.Client
}

// get requests path with an Accept header (and If-None-Match when etag is set) and returns the
// response; a non-2xx, non-304 answer is returned as an error carrying the API's message.
func (c *client) get(ctx context.Context, path, accept, etag string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", path, err)
	}
	req.Header.Set("Accept", accept)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if res.StatusCode >= 300 && res.StatusCode != http.StatusNotModified {
		defer res.Body.Close()
		var e apiError
		if json.NewDecoder(res.Body).Decode(&e) == nil && e.Detail != "" {
			return nil, fmt.Errorf("GET %s: %d %s: %s", path, res.StatusCode, e.Code, e.Detail)
		}
		return nil, fmt.Errorf("GET %s: %s", path, res.Status)
	}
	return res, nil
}

func (c *client) getJSON(ctx context.Context, path string, v any) (etag string, err error) {
	res, err := c.get(ctx, path, "application/json", "")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		return "", fmt.Errorf("GET %s: decode: %w", path, err)
	}
	return res.Header.Get("ETag"), nil
}

// mediaTypes maps a file extension to the representation to ask for.
var mediaTypes = map[string]string{
	".csv":    "text/csv",
	".xlsx":   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".arrows": "application/vnd.apache.arrow.stream",
	".arrow":  "application/vnd.apache.arrow.stream",
	".json":   "application/json",
}

var arrows = map[string]string{"improving": "↑ better", "worsening": "↓ worse", "no_change": "→ same", "increasing": "↑", "decreasing": "↓"}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	base := fs.String("base", "http://localhost:8080", "the API's base URL")
	id := fs.String("scorecard", "poole-childrens-trust", "scorecard id (GET /api/v1/scorecards lists them)")
	area := fs.String("area", "", "area (the scorecard's own by default)")
	period := fs.String("period", "", "period (the latest of each indicator by default)")
	save := fs.String("save", "", "also save the scorecard to this file: .csv, .xlsx, .arrows or .json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := &client{base: strings.TrimRight(*base, "/"), http: &http.Client{Timeout: 30 * time.Second}}

	var doc document
	if _, err := c.getJSON(ctx, "/api/v1/openapi.json", &doc); err != nil {
		return err
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		return fmt.Errorf("the API document is OpenAPI %q; this client reads 3.1", doc.OpenAPI)
	}
	tmpl, err := doc.operationPath("getScorecard")
	if err != nil {
		return err
	}
	q := url.Values{}
	if *area != "" {
		q.Set("area", *area)
	}
	if *period != "" {
		q.Set("period", *period)
	}
	path := strings.Replace(tmpl, "{id}", url.PathEscape(*id), 1)
	if len(q) > 0 {
		path += "?" + q.Encode()
	}

	var sc scorecardResult
	etag, err := c.getJSON(ctx, path, &sc)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n%s (%s)\n", sc.Title, sc.Area.Name, sc.Area.Code)
	fmt.Fprintf(out, "RAG: %d green, %d amber, %d red, %d no target, %d no data\n\n",
		sc.Summary["green"], sc.Summary["amber"], sc.Summary["red"], sc.Summary["no_target"], sc.Summary["no_data"])
	for i, p := range sc.Priorities {
		fmt.Fprintf(out, "%d. %s\n", i+1, p.Title)
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  ref\tindicator\tperiod\tvalue\tRAG\tEngland\ttravel")
		for _, r := range p.Rows {
			ev := r.Evaluation
			if ev == nil {
				fmt.Fprintf(tw, "  %s\t%s\t-\t-\tno data\t\t\n", r.Reference, r.Title)
				continue
			}
			eng, travel := "", ""
			if ev.Comparators.England != nil && ev.Comparators.England.DisplayValue != "" {
				eng = ev.Comparators.England.DisplayValue
				if j := ev.Comparators.England.Judgement; j != "" {
					eng += " (" + j + ")"
				}
			}
			if ev.Direction.Previous != nil {
				travel = arrows[ev.Direction.Previous.Judgement]
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Reference, r.Title, ev.Period, ev.DisplayValue, ev.RAG.Status, eng, travel)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(out)
	}

	// A later poll sends the ETag back: 304 means the copy in hand is still current.
	res, err := c.get(ctx, path, "application/json", etag)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode == http.StatusNotModified {
		fmt.Fprintf(out, "unchanged since the first read (304 for ETag %s)\n", etag)
	} else {
		fmt.Fprintf(out, "changed since the first read (new ETag %s)\n", res.Header.Get("ETag"))
	}

	if *save != "" {
		accept, ok := mediaTypes[strings.ToLower(filepath.Ext(*save))]
		if !ok {
			return errors.New("-save: give a file ending .csv, .xlsx, .arrows or .json")
		}
		res, err := c.get(ctx, path, accept, "")
		if err != nil {
			return err
		}
		defer res.Body.Close()
		f, err := os.Create(*save)
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		n, err := io.Copy(f, res.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("save %s: %w", *save, err)
		}
		fmt.Fprintf(out, "saved %s (%s, %d bytes)\n", *save, res.Header.Get("Content-Type"), n)
	}
	return nil
}
