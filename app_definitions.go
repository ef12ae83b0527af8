package scorecard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/definitions"
	"github.com/childrens-trust/scorecard/engine"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"go.yaml.in/yaml/v3"
)

// Definitions as revisioned data: indicator definitions, scorecards and comparator groups
// changed at run time (PUT /api/v1/indicators/{id}, /scorecards/{id}, /groups/{id}). Each change
// is validated whole, stored as a revision by the definitions service, applied to the in-memory
// catalogue inside the same write, and re-evaluates only what it touches:
//
//   - an indicator: that indicator (engine.EvaluateIndicators); no other indicator's
//     evaluations or runs are rewritten;
//   - a scorecard or a group: nothing, since scorecards and group comparators are made when
//     they are read from the stored evaluations.
//
// Who may write (DefinitionChange.AllowedAreas, an uploader token's areas; nil for an admin or
// an uploader for every area):
//
//   - an indicator is evaluated for every area, so it needs a token for every area;
//   - a scorecard needs its area (GSS code) among the token's areas, both the area it has now
//     and the one it is given; a scorecard for "any" area needs a token for every area;
//   - a comparator group needs every member, now and after the change, among the token's areas.
//
// Built-in definitions (embedded, or from --indicators DIR) are revision 0. At start-up the
// current stored revision of each definition replaces its built-in one.

// MaxDefinitionBytes is the largest definition body accepted (256 KiB).
const MaxDefinitionBytes = 256 << 10

// DefinitionChange is a new body for a definition and who sends it (definitions.Change).
type DefinitionChange = definitions.Change

// builtin is revision 0 of one definition.
type builtin struct {
	file  string
	value any
}

// definitionState is what the App keeps for definitions revised at run time.
type definitionState struct {
	builtins map[definitions.Kind]map[string]builtin
}

// initDefinitions records the built-in definitions as revision 0 and applies the current stored
// revisions. A stored revision that no longer decodes or validates is skipped with an error in
// the log (the built-in one stays); start-up never fails on one. It returns the indicators
// revised at run time.
func (a *App) initDefinitions(ctx context.Context) ([]string, error) {
	a.defs.builtins = map[definitions.Kind]map[string]builtin{definitions.Indicator: {}, definitions.Scorecard: {}, definitions.Group: {}}
	for _, d := range a.Catalog.All() {
		a.defs.builtins[definitions.Indicator][d.ID] = builtin{file: d.File, value: d}
	}
	for _, sc := range a.Scorecards.All() {
		a.defs.builtins[definitions.Scorecard][sc.ID] = builtin{file: sc.File, value: sc}
	}
	var revised []string
	for _, kind := range []definitions.Kind{definitions.Group, definitions.Indicator, definitions.Scorecard} {
		current, err := a.Definitions.Current(ctx, kind)
		if err != nil {
			return nil, err
		}
		for i := range current {
			rev := &current[i]
			apply, err := a.decodeDefinition(ctx, kind, rev.ID, []byte(rev.Body), revisionFile(kind, rev.ID, rev.Revision), false)
			if kind == definitions.Indicator {
				// Evaluated again at start-up if its definition is not the one its run used
				// (a skipped revision's evaluations must not stay as if it were current).
				revised = append(revised, rev.ID)
			}
			if err != nil {
				a.Log.Error("a stored definition revision is not valid; the built-in one is used", "kind", kind, "id", rev.ID, "revision", rev.Revision, "error", err)
				continue
			}
			apply()
		}
	}
	return revised, nil
}

// revisionFile is the File of a definition read from a stored revision.
func revisionFile(kind definitions.Kind, id string, rev int64) string {
	return fmt.Sprintf("revision:%s/%s/%d", kind, id, rev)
}

// decodeDefinition decodes and validates a body for (kind, id); with checkData an indicator is
// also checked against the data. It returns the change to apply (with the undo), or an
// *errs.Error listing every problem.
func (a *App) decodeDefinition(ctx context.Context, kind definitions.Kind, id string, body []byte, name string, checkData bool) (apply func() (undo func()), err error) {
	idProblem := func(got string) *errs.Detail {
		if got == id {
			return nil
		}
		return &errs.Detail{File: name, Field: "id", Value: got, Reason: fmt.Sprintf("the id in the body must be the id in the address (%s)", id)}
	}
	withID := func(err error, got string) error {
		p := idProblem(got)
		if p == nil {
			return err
		}
		if err == nil {
			return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("the %s definition is not valid: 1 problem(s)", kind), Details: []errs.Detail{*p}, Total: 1}
		}
		if e, ok := errs.As(err); ok {
			e.Details = append([]errs.Detail{*p}, e.Details...)
			e.Total++
			e.Message = fmt.Sprintf("the %s definition is not valid: %d problem(s)", kind, e.Total)
		}
		return err
	}
	// refused adds the id problem to a body's problems when the body has an id to read.
	refused := func(err error) error {
		var probe struct {
			ID string `yaml:"id"`
		}
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid && decodeLoose(body, &probe) == nil {
			return withID(err, probe.ID)
		}
		return err
	}
	switch kind {
	case definitions.Indicator:
		d, err := indicators.DecodeDefinition(name, body, a.Areas)
		if d == nil {
			return nil, refused(err) // the body does not decode strictly
		}
		var problems errs.List
		if p := idProblem(d.ID); p != nil {
			problems.Add(*p)
		}
		if e, ok := errs.As(err); ok {
			for _, p := range e.Details {
				problems.Add(p)
			}
		} else if err != nil {
			return nil, err
		}
		if checkData {
			if err != nil {
				// The definition is not valid on its own: its columns are still checked, so
				// that every problem is reported at once, but its query is not run.
				for _, p := range d.CheckData(a.schemas(ctx)) {
					problems.Add(p)
				}
			} else {
				more, err := a.Engine.CheckDefinition(ctx, d)
				if err != nil {
					return nil, err
				}
				for _, p := range more {
					problems.Add(p)
				}
			}
		}
		if err := problems.Err("the indicator definition is not valid: %d problem(s)", problems.Len()); err != nil {
			return nil, err
		}
		return func() func() { return a.Catalog.Put(d) }, nil
	case definitions.Scorecard:
		sc, err := indicators.DecodeScorecard(name, body, a.Catalog, a.Groups, a.Areas)
		if err != nil {
			return nil, refused(err)
		}
		if err := withID(nil, sc.ID); err != nil {
			return nil, err
		}
		return func() func() { return a.Scorecards.Put(sc) }, nil
	case definitions.Group:
		g, err := indicators.DecodeGroup(name, body, a.Areas)
		if err != nil {
			return nil, refused(err)
		}
		if err := withID(nil, g.ID); err != nil {
			return nil, err
		}
		return func() func() { return a.Groups.Put(g) }, nil
	}
	return nil, errs.Errorf(errs.NotFound, "no kind of definition %q", kind)
}

// schemas answers the columns of the current datasets (for a definition's column checks); a
// dataset list that cannot be read answers no dataset.
func (a *App) schemas(ctx context.Context) indicators.Schemas {
	all, err := a.Datasets.Datasets(ctx)
	if err != nil {
		a.Log.Error("read datasets for a definition check", "error", err)
	}
	return func(name string) ([]datasets.Column, bool) {
		for i := range all {
			if all[i].Name == name {
				return all[i].Columns, true
			}
		}
		return nil, false
	}
}

// authorizeDefinition checks that the sender may write (kind, id) given the body it would
// become (nil for an indicator, where the body does not matter).
func (a *App) authorizeDefinition(kind definitions.Kind, id string, allowed []string, body []byte) error {
	if allowed == nil {
		return nil
	}
	refuse := func(format string, args ...any) error {
		return errs.Errorf(errs.Forbidden, "this token may write only for %s: %s", strings.Join(allowed, ", "), fmt.Sprintf(format, args...))
	}
	inAreas := func(area string) bool {
		ar, ok := a.Areas.Lookup(area)
		return ok && slices.Contains(allowed, ar.Code)
	}
	switch kind {
	case definitions.Indicator:
		return refuse("an indicator is evaluated for every area, so changing one needs an admin token or an uploader token for every area (*)")
	case definitions.Scorecard:
		areasOf := func(sc *indicators.Scorecard) error {
			if sc.Area == indicators.AnyArea {
				return refuse("scorecard %s is for any area, so changing it needs an admin token or an uploader token for every area (*)", sc.ID)
			}
			if !inAreas(sc.Area) {
				return refuse("scorecard %s is for %s", sc.ID, sc.Area)
			}
			return nil
		}
		if cur, ok := a.Scorecards.Get(id); ok {
			if err := areasOf(cur); err != nil {
				return err
			}
		}
		var next indicators.Scorecard
		if body != nil && decodeLoose(body, &next) == nil && next.Area != "" {
			next.ID = id
			return areasOf(&next)
		}
	case definitions.Group:
		check := func(members []string) error {
			for _, m := range members {
				if !inAreas(m) {
					return refuse("comparator group %s has a member outside them (%s)", id, m)
				}
			}
			return nil
		}
		if cur, ok := a.Groups.Get(id); ok {
			if err := check(cur.Areas); err != nil {
				return err
			}
		}
		var next indicators.Group
		if body != nil && decodeLoose(body, &next) == nil {
			return check(next.Areas)
		}
	}
	return nil
}

// PutDefinition validates body as the new definition of (kind, id) (an indicator against the
// data too), stores it as a new revision, makes it current and re-evaluates what it touches:
// for an indicator, that indicator only. An invalid body changes nothing: the error lists every
// problem. Once the revision is committed the error is nil, whatever the re-evaluation's state.
func (a *App) PutDefinition(ctx context.Context, kind definitions.Kind, id string, ch DefinitionChange) (*definitions.Revision, engine.Reevaluation, error) {
	return a.putDefinition(ctx, kind, id, ch, nil)
}

func (a *App) putDefinition(ctx context.Context, kind definitions.Kind, id string, ch DefinitionChange, restoredFrom *int64) (*definitions.Revision, engine.Reevaluation, error) {
	none := engine.Reevaluation{State: engine.Evaluated, Results: []engine.RunResult{}}
	if len(ch.Body) > MaxDefinitionBytes {
		return nil, none, errs.Errorf(errs.TooLarge, "the definition is larger than the %d KiB limit; nothing was stored", MaxDefinitionBytes>>10)
	}
	if err := a.authorizeDefinition(kind, id, ch.AllowedAreas, ch.Body); err != nil {
		return nil, none, err
	}
	name := ch.FileName
	if name == "" {
		name = "body"
	}
	if _, err := a.decodeDefinition(ctx, kind, id, ch.Body, name, true); err != nil {
		return nil, none, err
	}
	rev, err := a.Definitions.Put(ctx, kind, id, definitions.New{Body: ch.Body, ContentType: ch.ContentType,
		By: strings.ToValidUTF8(ch.By, "\uFFFD"), TokenID: ch.TokenID, RestoredFrom: restoredFrom,
		Within: func(rev *definitions.Revision) (func(), error) {
			// Decoded again with the revision's own file name, which is part of the
			// definition, so a restart that reads it back gets the very same definition.
			apply, err := a.decodeDefinition(ctx, kind, id, ch.Body, revisionFile(kind, id, rev.Revision), false)
			if err != nil {
				return nil, err
			}
			return apply(), nil
		}})
	if err != nil {
		return nil, none, err
	}
	if kind != definitions.Indicator {
		return rev, none, nil
	}
	return rev, a.reevaluateIndicators(ctx, []string{id}), nil
}

// RestoreDefinition makes an earlier revision of (kind, id) current again, as a new revision
// (status restored) holding a copy of its body, and re-evaluates as PutDefinition does. The
// earlier body is validated again (the data may have changed since): if it no longer holds,
// nothing changes and the error lists every problem. Revision 0 is the built-in definition.
func (a *App) RestoreDefinition(ctx context.Context, kind definitions.Kind, id string, revision int64, ch DefinitionChange) (*definitions.Revision, engine.Reevaluation, error) {
	old, err := a.DefinitionRevision(ctx, kind, id, revision)
	if err != nil {
		return nil, engine.Reevaluation{}, err
	}
	ch.Body, ch.ContentType = []byte(old.Body), old.ContentType
	if ch.FileName == "" {
		ch.FileName = fmt.Sprintf("revision %d", revision)
	}
	return a.putDefinition(ctx, kind, id, ch, &revision)
}

// DefinitionRevisions lists the revisions of (kind, id), newest first, revision 0 (the built-in
// one, when there is one) last. errs.NotFound when the definition has none.
func (a *App) DefinitionRevisions(ctx context.Context, kind definitions.Kind, id string) ([]definitions.Revision, error) {
	revs, err := a.Definitions.Revisions(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if b, ok := a.builtin(kind, id); ok {
		b.Current = len(revs) == 0 || !slices.ContainsFunc(revs, func(r definitions.Revision) bool { return r.Current })
		revs = append(revs, *b)
	}
	if len(revs) == 0 {
		return nil, errs.Errorf(errs.NotFound, "no %s %q", kind, id)
	}
	return revs, nil
}

// DefinitionRevision returns one revision of (kind, id), 0 being the built-in one.
func (a *App) DefinitionRevision(ctx context.Context, kind definitions.Kind, id string, revision int64) (*definitions.Revision, error) {
	if revision == 0 {
		if b, ok := a.builtin(kind, id); ok {
			return b, nil
		}
		return nil, errs.Errorf(errs.NotFound, "%s %s has no built-in revision 0", kind, id)
	}
	return a.Definitions.Get(ctx, kind, id, revision)
}

// DefinitionDiff compares revision rev of (kind, id) with revision against, or, when against
// is negative, with the revision before it (the next older one listed).
func (a *App) DefinitionDiff(ctx context.Context, kind definitions.Kind, id string, rev, against int64) (*definitions.Diff, error) {
	to, err := a.DefinitionRevision(ctx, kind, id, rev)
	if err != nil {
		return nil, err
	}
	if against < 0 {
		revs, err := a.DefinitionRevisions(ctx, kind, id)
		if err != nil {
			return nil, err
		}
		against = -1
		for _, r := range revs { // newest first
			if r.Revision < rev {
				against = r.Revision
				break
			}
		}
		if against < 0 {
			empty := &definitions.Revision{Kind: kind, ID: id, Revision: -1}
			return definitions.Compare(empty, to)
		}
	}
	from, err := a.DefinitionRevision(ctx, kind, id, against)
	if err != nil {
		return nil, err
	}
	return definitions.Compare(from, to)
}

// builtin is revision 0 of (kind, id), when the binary or --indicators DIR holds one.
func (a *App) builtin(kind definitions.Kind, id string) (*definitions.Revision, bool) {
	b, ok := a.defs.builtins[kind][id]
	if !ok {
		return nil, false
	}
	body := indicators.SourceText(b.file, b.value)
	by := "built-in"
	if !strings.HasPrefix(b.file, "embedded:") && b.file != "" {
		by = "built-in (" + b.file + ")"
	}
	return &definitions.Revision{Kind: kind, ID: id, Revision: 0, By: by,
		SHA256: definitions.SHA256(body), Bytes: len(body), ContentType: "application/yaml", Status: definitions.Builtin,
		Body: string(body)}, true
}

// scorecardAsOf is scorecard id as it was defined at t (engine.Engine.ScorecardAsOf): the
// newest stored revision made at or before t (every stored revision was current when made: a
// restore is a new revision), else the built-in one; existed is false when neither is. A body
// that no longer decodes against today's catalogue answers nil, existed: the current scorecard.
func (a *App) scorecardAsOf(ctx context.Context, id string, t time.Time) (*indicators.Scorecard, bool) {
	revs, err := a.Definitions.Revisions(ctx, definitions.Scorecard, id)
	if err != nil {
		return nil, true
	}
	body, name := "", ""
	for _, r := range revs {
		if !r.Created.After(t) {
			body, name = r.Body, revisionFile(definitions.Scorecard, id, r.Revision)
			break
		}
	}
	if name == "" {
		b, ok := a.builtin(definitions.Scorecard, id)
		if !ok {
			return nil, false
		}
		body, name = b.Body, revisionFile(definitions.Scorecard, id, 0)
	}
	sc, err := indicators.DecodeScorecard(name, []byte(body), a.Catalog, a.Groups, a.Areas)
	if err != nil {
		return nil, true
	}
	return sc, true
}

// reevaluateIndicators evaluates the named indicators after a committed definition change, with
// the guarantees of reevaluateAfterChange: the run belongs to the App, so when ctx ends first
// the answer is Pending and the run goes on.
func (a *App) reevaluateIndicators(ctx context.Context, ids []string) engine.Reevaluation {
	done := make(chan engine.Reevaluation, 1)
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		rctx, cancel := context.WithTimeout(a.life, EvaluationTimeout)
		defer cancel()
		results, err := a.evaluateIndicators(rctx, ids, false)
		if err != nil {
			a.Log.Error("re-evaluation after a definition change failed", "indicators", ids, "error", err)
			done <- engine.Reevaluation{State: engine.Failed, Results: []engine.RunResult{},
				Reason: "the re-evaluation failed; the definition is committed, and the indicator is evaluated again at the next start"}
			return
		}
		done <- engine.Reevaluation{State: engine.Evaluated, Results: results}
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return engine.Reevaluation{State: engine.Pending, Results: []engine.RunResult{},
			Reason: "the definition is committed; its re-evaluation was still running when the request's time ran out and goes on in the background"}
	}
}

// evaluateIndicators runs engine.EvaluateIndicators (or, onlyChanged, the indicators among ids
// whose definition or data changed since their run) one run at a time, as Reevaluate does.
func (a *App) evaluateIndicators(ctx context.Context, ids []string, onlyChanged bool) ([]engine.RunResult, error) {
	select {
	case a.evalSem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the evaluation in progress: %w", ctx.Err())
	}
	defer func() { <-a.evalSem }()
	var results []engine.RunResult
	var err error
	if onlyChanged {
		results, err = a.Engine.EvaluateIndicatorsIfChanged(ctx, ids)
	} else {
		results, err = a.Engine.EvaluateIndicators(ctx, ids)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Error != "" {
			a.Log.Warn("indicator not evaluated", "indicator", r.Indicator, "error", r.Error)
		}
	}
	return nonNil(results), nil
}

// decodeLoose decodes YAML (or JSON) without refusing unknown fields: for reading an id or the
// areas out of a body that may not be valid.
func decodeLoose(body []byte, into any) error { return yaml.Unmarshal(body, into) }
