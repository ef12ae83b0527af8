package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/labstack/echo/v4"
)

// Per-resource validators. A read's ETag names the persisted facts its content derives from, so
// that it changes when, and only when, that content can: an indicator's reads (the indicator,
// its evaluations and areas, its charts) follow its definition, its evaluation run record and
// the comments on it; a dataset's reads its revisions; a scorecard's reads its definition and
// its indicators; the commentary on an indicator for an area that commentary; the lists
// everything they show. The facts are persisted (engine.Marks, datasets.Service.Marks), so an
// ETag survives a restart; the build of the binary is part of every tag, so a new release,
// which may render differently, starts afresh. Nothing else (a comment on another indicator, an
// upload to another dataset, a rejected upload, a token, a restart) changes a resource's ETag.
//
// The facts are read in two or three small queries once per data version (store.DB.Version,
// which changes on every committed write) and kept in memory until the next write.

// validator is one resource's validators.
type validator struct {
	// tag names the resource's state (hex); the ETag adds the representation's format.
	tag string
	// modified is when the resource last changed, as far as is known; zero when it is not
	// (then no Last-Modified is sent).
	modified time.Time
}

// tagSet is every resource's validator at one data version.
type tagSet struct {
	version     string
	definitions validator // the indicator and scorecard definitions, areas, the API document
	indicators  map[string]validator
	comments    map[engine.CommentKey]validator
	scorecards  map[string]validator
	datasets    map[string]validator
	allDatasets validator
	evaluations validator // every indicator's evaluations and commentary
	// revisions is every stored definition, scorecard and group revision with the built-in
	// definitions: the revisions, diffs and groups reads (coarse, but they are rarely read).
	revisions validator
}

// resourceTags keeps the tagSet of the current data version.
type resourceTags struct {
	mu  sync.Mutex
	set *tagSet
}

// tagLength is how many hex digits of a digest an ETag carries (128 bits).
const tagLength = 32

// hashOf is the digest of fields, each length-prefixed so that no two lists share one.
func hashOf(fields ...string) string {
	h := sha256.New()
	for _, f := range fields {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))[:tagLength]
}

// buildIdentity names the binary: its module versions and VCS stamp, and, for a build not made
// from a clean checkout (go run, go test, local changes), the executable's size and time too,
// so that changed code never has its old responses confirmed.
var buildIdentity = sync.OnceValue(func() string {
	var parts []string
	clean := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		parts = append(parts, bi.GoVersion, bi.Path, bi.Main.Version, bi.Main.Sum)
		for _, d := range bi.Deps {
			parts = append(parts, d.Path, d.Version, d.Sum)
		}
		revision, modified := "", ""
		for _, s := range bi.Settings {
			parts = append(parts, s.Key, s.Value)
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		clean = revision != "" && modified == "false"
	}
	if !clean {
		if exe, err := os.Executable(); err == nil {
			if st, err := os.Stat(exe); err == nil {
				parts = append(parts, exe, strconv.FormatInt(st.Size(), 10), st.ModTime().UTC().Format(time.RFC3339Nano))
			}
		}
	}
	return hashOf(parts...)
})

// tags returns the validators of the current data version, reading the facts if a write has
// committed since they were last read.
func (s *Server) tags(ctx context.Context) (*tagSet, error) {
	version := s.Engine.DB.Version().Tag()
	s.resourceTags.mu.Lock()
	defer s.resourceTags.mu.Unlock()
	if set := s.resourceTags.set; set != nil && set.version == version {
		return set, nil
	}
	// The version is read before the facts, so the facts are at least as new as the version
	// they are filed under: a write committing meanwhile makes the next request read them again.
	set, err := s.readTags(ctx, version, s.resourceTags.set)
	if err != nil {
		return nil, err
	}
	s.resourceTags.set = set
	return set, nil
}

// readTags reads the facts behind every resource's validators. prev, the previous version's
// set, keeps modification times moving forward: a resource whose tag changed is marked modified
// no earlier than the last commit, even if the facts' own times (set by the clock of the
// process that made them) say otherwise.
func (s *Server) readTags(ctx context.Context, version string, prev *tagSet) (*tagSet, error) {
	marks, err := s.Engine.Marks(ctx)
	if err != nil {
		return nil, err
	}
	dmarks, err := s.Datasets.Marks(ctx)
	if err != nil {
		return nil, err
	}
	changedAt := s.Engine.DB.Version().Modified
	code := buildIdentity()
	set := &tagSet{version: version, indicators: map[string]validator{}, comments: map[engine.CommentKey]validator{},
		scorecards: map[string]validator{}, datasets: map[string]validator{}}

	ids := make([]string, 0, len(marks.Indicators))
	for id := range marks.Indicators {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	defParts := []string{code, "definitions"}
	for _, id := range ids {
		defParts = append(defParts, id, marks.Indicators[id].Definition)
	}
	scorecardHash := map[string]string{}
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			b, err := json.Marshal(sc)
			if err != nil {
				return nil, err
			}
			h := sha256.Sum256(b)
			scorecardHash[sc.ID] = hex.EncodeToString(h[:])
			defParts = append(defParts, sc.ID, scorecardHash[sc.ID])
		}
	}
	set.definitions = validator{tag: hashOf(defParts...)}
	revParts, err := s.definitionRevisionFacts(ctx)
	if err != nil {
		return nil, err
	}
	set.revisions = validator{tag: hashOf(append([]string{set.definitions.tag, "revisions"}, revParts...)...)}

	// The comments, by pair and by indicator (an indicator's evaluations carry its comments).
	keys := make([]engine.CommentKey, 0, len(marks.Comments))
	for k := range marks.Comments {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b engine.CommentKey) int {
		return strings.Compare(a.Indicator+"\x00"+a.Area, b.Indicator+"\x00"+b.Area)
	})
	commentParts := map[string][]string{}
	lastComment := map[string]time.Time{}
	for _, k := range keys {
		m := marks.Comments[k]
		fields := []string{k.Area, strconv.FormatInt(m.Count, 10), strconv.FormatInt(m.LastID, 10), m.Last.Format(time.RFC3339Nano)}
		set.comments[k] = validator{tag: hashOf(append([]string{code, "commentary", k.Indicator}, fields...)...), modified: m.Last}
		commentParts[k.Indicator] = append(commentParts[k.Indicator], fields...)
		if m.Last.After(lastComment[k.Indicator]) {
			lastComment[k.Indicator] = m.Last
		}
	}

	// Indicators, and every evaluation (the lists and the area scorecards read them all).
	evalParts := []string{set.definitions.tag, "evaluations"}
	var evalModified time.Time
	evalKnown := true
	for _, id := range ids {
		m := marks.Indicators[id]
		v := validator{tag: hashOf(append([]string{code, "indicator", id, m.Definition, m.Run}, commentParts[id]...)...)}
		switch {
		case m.Run != "" && m.DefinitionCurrent:
			v.modified = later(m.EvaluatedAt, lastComment[id])
		case m.Run != "":
			// The definition changed after the run: when is not recorded.
			evalKnown = false
		}
		set.indicators[id] = v
		evalParts = append(evalParts, id, v.tag)
		evalModified = later(evalModified, v.modified)
	}
	set.evaluations = validator{tag: hashOf(evalParts...)}
	if evalKnown {
		set.evaluations.modified = evalModified
	}

	// A scorecard's reads: its definition, and its indicators (with their comments).
	if s.Engine.Scorecards != nil {
		for _, sc := range s.Engine.Scorecards.All() {
			parts := []string{code, "scorecard", sc.ID, scorecardHash[sc.ID]}
			for _, p := range sc.Priorities {
				for _, it := range p.Items {
					parts = append(parts, it.Indicator, set.indicator(it.Indicator).tag)
				}
			}
			// No modification time: a scorecard's definition may change at a restart unrecorded.
			set.scorecards[sc.ID] = validator{tag: hashOf(parts...)}
		}
	}

	// Datasets.
	names := make([]string, 0, len(dmarks))
	for name := range dmarks {
		names = append(names, name)
	}
	slices.Sort(names)
	allParts := []string{code, "datasets"}
	var allModified time.Time
	for _, name := range names {
		set.datasets[name] = datasetValidator(code, name, dmarks[name])
		allParts = append(allParts, name, set.datasets[name].tag)
		allModified = later(allModified, set.datasets[name].modified)
	}
	set.allDatasets = validator{tag: hashOf(allParts...), modified: allModified}

	if prev != nil {
		set.keepMovingForward(prev, changedAt)
	}
	return set, nil
}

func datasetValidator(code, name string, m datasets.Mark) validator {
	return validator{tag: hashOf(code, "dataset", name, strconv.FormatInt(m.Revisions, 10), strconv.FormatInt(m.LastID, 10),
		m.LastSHA256, m.LastCreated.Format(time.RFC3339Nano), strconv.FormatInt(m.Current, 10)), modified: m.LastCreated}
}

// keepMovingForward makes every known modification time at least the previous version's for an
// unchanged tag, and at least changedAt (the last commit) for a changed one, so that a client's
// If-Modified-Since from before a change never matches after it.
func (set *tagSet) keepMovingForward(prev *tagSet, changedAt time.Time) {
	step := func(now, before validator, had bool) validator {
		if now.modified.IsZero() {
			return now
		}
		switch {
		case !had:
		case before.tag == now.tag:
			now.modified = later(now.modified, before.modified)
		default:
			now.modified = later(now.modified, later(changedAt, before.modified.Add(time.Second)))
		}
		return now
	}
	for k, v := range set.indicators {
		old, ok := prev.indicators[k]
		set.indicators[k] = step(v, old, ok)
	}
	for k, v := range set.comments {
		old, ok := prev.comments[k]
		set.comments[k] = step(v, old, ok)
	}
	for k, v := range set.datasets {
		old, ok := prev.datasets[k]
		set.datasets[k] = step(v, old, ok)
	}
	set.evaluations = step(set.evaluations, prev.evaluations, true)
	set.allDatasets = step(set.allDatasets, prev.allDatasets, true)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// indicator is the validator of an indicator's reads; an unknown indicator's (a 404) follows
// the definitions.
func (set *tagSet) indicator(id string) validator {
	if v, ok := set.indicators[id]; ok {
		return v
	}
	return validator{tag: hashOf(set.definitions.tag, "no indicator", id)}
}

func (set *tagSet) scorecard(id string) validator {
	if v, ok := set.scorecards[id]; ok {
		return v
	}
	return validator{tag: hashOf(set.definitions.tag, "no scorecard", id)}
}

func (set *tagSet) dataset(name string) validator {
	if v, ok := set.datasets[name]; ok {
		return v
	}
	return validator{tag: hashOf(buildIdentity(), "no dataset", name)}
}

func (set *tagSet) commentary(indicator, area string) validator {
	if v, ok := set.comments[engine.CommentKey{Indicator: indicator, Area: area}]; ok {
		return v
	}
	// No comment yet: the first one changes the tag.
	return validator{tag: hashOf(set.definitions.tag, "no commentary", indicator, area)}
}

// scopes maps each read route that carries validators to the resource whose state it shows.
// A route not listed falls back to the data version (correct, but changed by every write and
// every restart); TestEveryValidatedRouteHasAScope keeps the list complete.
var scopes = map[string]func(s *Server, set *tagSet, c echo.Context) validator{
	"/api/v1/openapi.json":          definitionsScope,
	"/api/v1/indicators":            definitionsScope,
	"/api/v1/areas":                 definitionsScope,
	"/api/v1/areas/:area":           definitionsScope,
	"/api/v1/scorecards":            definitionsScope,
	"/api/v1/evaluations":           evaluationsScope,
	"/api/v1/changes":               evaluationsScope,
	"/api/v1/areas/:area/scorecard": evaluationsScope,

	"/api/v1/indicators/:id":               indicatorScope("id"),
	"/api/v1/indicators/:id/evaluations":   indicatorScope("id"),
	"/api/v1/indicators/:id/data.csv":      indicatorScope("id"),
	"/api/v1/indicators/:id/areas":         indicatorScope("id"),
	"/api/v1/charts/trend/:indicator":      indicatorScope("indicator"),
	"/api/v1/charts/comparison/:indicator": indicatorScope("indicator"),

	"/api/v1/indicators/:id/areas/:area/commentary": func(s *Server, set *tagSet, c echo.Context) validator {
		area := c.Param("area")
		if a, err := s.Engine.Area(area); err == nil {
			area = a.Code
		}
		return set.commentary(c.Param("id"), area)
	},

	"/api/v1/scorecards/:id":                     scorecardScope("id"),
	"/api/v1/groups":                             revisionsScope,
	"/api/v1/groups/:id":                         revisionsScope,
	"/api/v1/indicators/:id/revisions":           revisionsScope,
	"/api/v1/indicators/:id/revisions/:rev":      revisionsScope,
	"/api/v1/indicators/:id/revisions/:rev/diff": revisionsScope,
	"/api/v1/scorecards/:id/revisions":           revisionsScope,
	"/api/v1/scorecards/:id/revisions/:rev":      revisionsScope,
	"/api/v1/scorecards/:id/revisions/:rev/diff": revisionsScope,
	"/api/v1/groups/:id/revisions":               revisionsScope,
	"/api/v1/groups/:id/revisions/:rev":          revisionsScope,
	"/api/v1/groups/:id/revisions/:rev/diff":     revisionsScope,
	"/api/v1/scorecards/:id/exceptions":          scorecardScope("id"),
	"/api/v1/scorecards/:id/board":               scorecardScope("id"),
	"/api/v1/charts/spine/:scorecard":            scorecardScope("scorecard"),

	"/api/v1/datasets":                          func(_ *Server, set *tagSet, _ echo.Context) validator { return set.allDatasets },
	"/api/v1/datasets/:name":                    datasetScope,
	"/api/v1/datasets/:name/revisions":          datasetScope,
	"/api/v1/datasets/:name/revisions/:id/diff": datasetScope,
}

func definitionsScope(_ *Server, set *tagSet, _ echo.Context) validator { return set.definitions }
func revisionsScope(_ *Server, set *tagSet, _ echo.Context) validator   { return set.revisions }

// definitionRevisionFacts lists every stored definition revision (kind, id, revision, SHA-256)
// and the current one of each: what the revisions, diff and group reads show. A database
// without the tables (a test's engine alone) has none.
func (s *Server) definitionRevisionFacts(ctx context.Context) ([]string, error) {
	var exists bool
	if err := s.Engine.DB.SQL.QueryRowContext(ctx,
		`SELECT count(*) = 2 FROM duckdb_tables() WHERE table_name IN ('definition_revisions', 'current_definitions')`).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := s.Engine.DB.SQL.QueryContext(ctx, `SELECT 'r', kind, id, revision, sha256 FROM definition_revisions
		UNION ALL SELECT 'c', kind, id, revision, '' FROM current_definitions ORDER BY ALL`)
	if err != nil {
		return nil, fmt.Errorf("api: read definition revisions for ETags: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var what, kind, id, sha string
		var rev int64
		if err := rows.Scan(&what, &kind, &id, &rev, &sha); err != nil {
			return nil, fmt.Errorf("api: read definition revisions for ETags: %w", err)
		}
		out = append(out, what, kind, id, strconv.FormatInt(rev, 10), sha)
	}
	return out, rows.Err()
}
func evaluationsScope(_ *Server, set *tagSet, _ echo.Context) validator { return set.evaluations }
func datasetScope(_ *Server, set *tagSet, c echo.Context) validator {
	return set.dataset(c.Param("name"))
}

func indicatorScope(param string) func(*Server, *tagSet, echo.Context) validator {
	return func(_ *Server, set *tagSet, c echo.Context) validator { return set.indicator(c.Param(param)) }
}

func scorecardScope(param string) func(*Server, *tagSet, echo.Context) validator {
	return func(_ *Server, set *tagSet, c echo.Context) validator { return set.scorecard(c.Param(param)) }
}

// validatorOf is the validator of the resource the request reads: its scope's, or, for a route
// without one or when the facts cannot be read, the data version's.
func (s *Server) validatorOf(c echo.Context) validator {
	if scope, ok := scopes[c.Path()]; ok {
		set, err := s.tags(c.Request().Context())
		if err == nil {
			return scope(s, set, c)
		}
		if s.Log != nil {
			s.Log.Warn("validators fall back to the data version", "route", c.Path(), "error", err)
		}
	}
	v := s.Engine.DB.Version()
	return validator{tag: "v" + v.Tag(), modified: v.Modified}
}
