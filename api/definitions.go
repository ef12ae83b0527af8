package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/auth"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/labstack/echo/v4"
)

// DefinitionEditor changes definitions, scorecards and comparator groups at run time and reads
// their revisions (scorecard.App implements it). PutDefinition and RestoreDefinition return a
// nil error once the revision is committed, whatever became of the re-evaluation.
type DefinitionEditor interface {
	PutDefinition(ctx context.Context, kind definitions.Kind, id string, ch definitions.Change) (*definitions.Revision, engine.Reevaluation, error)
	RestoreDefinition(ctx context.Context, kind definitions.Kind, id string, revision int64, ch definitions.Change) (*definitions.Revision, engine.Reevaluation, error)
	DefinitionRevisions(ctx context.Context, kind definitions.Kind, id string) ([]definitions.Revision, error)
	DefinitionRevision(ctx context.Context, kind definitions.Kind, id string, revision int64) (*definitions.Revision, error)
	DefinitionDiff(ctx context.Context, kind definitions.Kind, id string, revision, against int64) (*definitions.Diff, error)
}

// policyDefinitionWrite: admins, and uploaders within their areas, decided per definition by
// the editor (an indicator needs every area; a scorecard its area; a group all its members).
var policyDefinitionWrite = policy{name: "definition_write", role: auth.Uploader}

// definitionKinds maps the API's collection names to kinds of definitions.
var definitionKinds = map[string]definitions.Kind{
	"indicators": definitions.Indicator,
	"scorecards": definitions.Scorecard,
	"groups":     definitions.Group,
}

// editor is the definition editor, or a 503 when the server has none.
func (s *Server) editor() (DefinitionEditor, error) {
	if s.Definitions != nil {
		return s.Definitions, nil
	}
	if ed, ok := s.Changes.(DefinitionEditor); ok {
		return ed, nil
	}
	return nil, &errs.Error{Code: errs.Timeout, Message: "this server is read-only: it accepts no changes to definitions"}
}

// registerDefinitions adds the routes of definitions as revisioned data, for each collection:
// PUT /{collection}/{id}, GET /{collection}/{id}/revisions, GET .../revisions/{rev},
// GET .../revisions/{rev}/diff and POST .../revisions/{rev}/restore; and the group reads.
func (s *Server) registerDefinitions(v1 withMiddleware, allow func(policy, ...*echo.Route)) {
	for coll, kind := range definitionKinds {
		kind := kind
		base := "/" + coll + "/:id"
		allow(policyDefinitionWrite,
			v1.PUT(base, func(c echo.Context) error { return s.putDefinition(c, kind) }),
			v1.POST(base+"/revisions/:rev/restore", func(c echo.Context) error { return s.restoreDefinition(c, kind) }))
		get(v1, base+"/revisions", func(c echo.Context) error { return s.listDefinitionRevisions(c, kind) })
		get(v1, base+"/revisions/:rev", func(c echo.Context) error { return s.getDefinitionRevision(c, kind) })
		get(v1, base+"/revisions/:rev/diff", func(c echo.Context) error { return s.definitionDiff(c, kind) })
	}
	get(v1, "/groups", s.listGroups)
	get(v1, "/groups/:id", s.getGroup)
}

// definitionResult is the answer to a committed definition change: the revision and the
// re-evaluation it caused (for a scorecard or a group, none: they are read from stored
// evaluations).
type definitionResult struct {
	Revision   *definitions.Revision `json:"revision"`
	Evaluation engine.Reevaluation   `json:"evaluation"`
}

// definitionMedia is the media type of a definition body: YAML or JSON.
func definitionMedia(c echo.Context) (string, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch mt {
		case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
			return "application/yaml", nil
		case echo.MIMEApplicationJSON:
			return echo.MIMEApplicationJSON, nil
		}
	}
	return "", errs.Errorf(errs.Unsupported, "send the definition as YAML (Content-Type: application/yaml) or JSON (application/json), not %q", ct)
}

// readDefinitionBody reads a definition body of at most MaxDefinitionBytes.
func readDefinitionBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDefinitionBytes+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errs.Errorf(errs.TooLarge, "the definition is larger than the %d KiB limit; nothing was stored", maxDefinitionBytes>>10)
		}
		return nil, fmt.Errorf("read the definition: %w", err)
	}
	if len(b) > maxDefinitionBytes {
		return nil, errs.Errorf(errs.TooLarge, "the definition is larger than the %d KiB limit; nothing was stored", maxDefinitionBytes>>10)
	}
	return b, nil
}

// maxDefinitionBytes is the API's limit on a definition body (scorecard.MaxDefinitionBytes).
const maxDefinitionBytes = 256 << 10

// change is who sends a definition change: the actor, the token and its area limit.
func (s *Server) change(c echo.Context) definitions.Change {
	ch := definitions.Change{By: s.actor(c), AllowedAreas: allowedAreas(c)}
	if tok := principal(c); tok != nil {
		ch.TokenID = tok.ID
	}
	return ch
}

func (s *Server) putDefinition(c echo.Context, kind definitions.Kind) error {
	if err := checkUploadedBy(c); err != nil {
		return err
	}
	media, err := definitionMedia(c)
	if err != nil {
		return err
	}
	body, err := readDefinitionBody(c.Request().Body)
	if err != nil {
		return err
	}
	ed, err := s.editor()
	if err != nil {
		return err
	}
	ch := s.change(c)
	ch.Body, ch.ContentType = body, media
	start := time.Now()
	rev, re, err := ed.PutDefinition(c.Request().Context(), kind, c.Param("id"), ch)
	if err != nil {
		return err
	}
	return s.definitionChanged(c, "definition", start, rev, re)
}

// definitionChanged answers a committed definition change with 201.
func (s *Server) definitionChanged(c echo.Context, trigger string, start time.Time, rev *definitions.Revision, re engine.Reevaluation) error {
	s.observeEvaluation(trigger, start, re.Results)
	re.Results = nonNil(re.Results)
	c.Set(keyCreatedRevision, rev.Revision)
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/%s/%s/revisions/%d", collectionOf(rev.Kind), rev.ID, rev.Revision))
	return c.JSON(http.StatusCreated, definitionResult{Revision: rev, Evaluation: re})
}

// collectionOf is the API collection of a kind of definition.
func collectionOf(kind definitions.Kind) string {
	for coll, k := range definitionKinds {
		if k == kind {
			return coll
		}
	}
	return string(kind) + "s"
}

// revisionParam is the route's :rev, 0 (built-in) or more.
func revisionParam(c echo.Context, name string) (int64, error) {
	v := c.Param(name)
	if name != "rev" {
		v = c.QueryParam(name)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Errorf(errs.Invalid, "revision %q is not a whole number (0 is the built-in definition)", v)
	}
	return n, nil
}

func (s *Server) restoreDefinition(c echo.Context, kind definitions.Kind) error {
	rev, err := revisionParam(c, "rev")
	if err != nil {
		return err
	}
	if err := checkUploadedBy(c); err != nil {
		return err
	}
	ed, err := s.editor()
	if err != nil {
		return err
	}
	start := time.Now()
	out, re, err := ed.RestoreDefinition(c.Request().Context(), kind, c.Param("id"), rev, s.change(c))
	if err != nil {
		return err
	}
	return s.definitionChanged(c, "restore", start, out, re)
}

func (s *Server) listDefinitionRevisions(c echo.Context, kind definitions.Kind) error {
	return s.read(c, tabular, func() (*reply, error) {
		ed, err := s.editor()
		if err != nil {
			return nil, err
		}
		revs, err := ed.DefinitionRevisions(c.Request().Context(), kind, c.Param("id"))
		if err != nil {
			return nil, err
		}
		for i := range revs {
			revs[i].Body = "" // one revision's body: GET .../revisions/{rev}
		}
		return &reply{JSON: newList(revs), Table: func() *table { return definitionRevisionTable(kind, c.Param("id"), revs) }}, nil
	})
}

func (s *Server) getDefinitionRevision(c echo.Context, kind definitions.Kind) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		rev, err := revisionParam(c, "rev")
		if err != nil {
			return nil, err
		}
		ed, err := s.editor()
		if err != nil {
			return nil, err
		}
		out, err := ed.DefinitionRevision(c.Request().Context(), kind, c.Param("id"), rev)
		if err != nil {
			return nil, err
		}
		return &reply{JSON: out}, nil
	})
}

// definitionDiff compares a revision with the one before it (or ?against=N): JSON with the line
// and field changes, or, with ?format=text or Accept: text/plain, a unified diff as text.
func (s *Server) definitionDiff(c echo.Context, kind definitions.Kind) error {
	build := func() (*definitions.Diff, error) {
		rev, err := revisionParam(c, "rev")
		if err != nil {
			return nil, err
		}
		against := int64(-1)
		if c.QueryParam("against") != "" {
			if against, err = revisionParam(c, "against"); err != nil {
				return nil, err
			}
		}
		ed, err := s.editor()
		if err != nil {
			return nil, err
		}
		return ed.DefinitionDiff(c.Request().Context(), kind, c.Param("id"), rev, against)
	}
	if c.QueryParam("format") == "text" || strings.HasPrefix(c.Request().Header.Get(echo.HeaderAccept), echo.MIMETextPlain) {
		d, err := build()
		if err != nil {
			return err
		}
		text := d.Text()
		// The text is fixed by the two revisions compared, so its tag is its own hash.
		etag := `W/"diff-` + definitions.SHA256([]byte(text))[:32] + `"`
		h := c.Response().Header()
		h.Set(echo.HeaderVary, echo.HeaderAccept)
		h.Set("ETag", etag)
		if c.Request().Header.Get("If-None-Match") == etag {
			return c.NoContent(http.StatusNotModified)
		}
		return c.String(http.StatusOK, text)
	}
	return s.read(c, jsonOnly, func() (*reply, error) {
		d, err := build()
		if err != nil {
			return nil, err
		}
		return &reply{JSON: d}, nil
	})
}

func (s *Server) listGroups(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		return &reply{JSON: newList(s.Engine.Groups.All())}, nil
	})
}

func (s *Server) getGroup(c echo.Context) error {
	return s.read(c, jsonOnly, func() (*reply, error) {
		g, ok := s.Engine.Groups.Get(c.Param("id"))
		if !ok {
			return nil, errs.Errorf(errs.NotFound, "no comparator group %q", c.Param("id"))
		}
		return &reply{JSON: g}, nil
	})
}

// userGroup is the request's ?group= when it names a user-defined comparator group (nil when
// the parameter is absent or is one of the built-in kinds, neighbours:AREA and the rest).
func (s *Server) userGroup(c echo.Context) (*indicators.Group, error) {
	g := strings.TrimSpace(c.QueryParam("group"))
	if g == "" || strings.Contains(g, ":") {
		return nil, nil
	}
	return s.Engine.Group(g)
}

// definitionRevisionTable is a definition's revisions as a table (CSV, Arrow, Excel).
func definitionRevisionTable(kind definitions.Kind, id string, revs []definitions.Revision) *table {
	t := &table{Name: fmt.Sprintf("%s-%s-revisions", kind, id), Columns: []column{
		{Name: "revision", Kind: kInteger}, {Name: "created_at", Kind: kTimestamp}, {Name: "created_by", Kind: kText},
		{Name: "status", Kind: kText}, {Name: "restored_from", Kind: kInteger}, {Name: "sha256", Kind: kText},
		{Name: "bytes", Kind: kInteger}, {Name: "content_type", Kind: kText}, {Name: "current", Kind: kBoolean},
	}}
	for _, r := range revs {
		var restored any
		if r.RestoredFrom != nil {
			restored = *r.RestoredFrom
		}
		t.add(-1, r.Revision, r.Created, r.By, r.Status, restored, r.SHA256, int64(r.Bytes), r.ContentType, r.Current)
	}
	return t
}
