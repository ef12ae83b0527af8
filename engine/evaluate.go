package engine

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/childrens-trust/scorecard/store"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/childrens-trust/scorecard/areas"
	"github.com/childrens-trust/scorecard/datasets"
	"github.com/childrens-trust/scorecard/errs"
	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/stats"
)

// reader is what an evaluation reads its rows through: the pool, or (for a preview) the
// connection of an uncommitted write, whose queries must not overlap, so mu serialises them.
type reader struct {
	q  datasets.Queryer
	mu *sync.Mutex // nil: q runs queries in parallel (the pool)
}

// lock takes the reader's turn, when it has one; the function returned gives it back (once,
// however often it is called).
func (r reader) lock() (unlock func()) {
	if r.mu == nil {
		return func() {}
	}
	r.mu.Lock()
	var once sync.Once
	return func() { once.Do(r.mu.Unlock) }
}

// observation is one row an indicator reads: an area's figures for a period.
type observation struct {
	row        int
	area       *areas.Area
	level      string
	period     period.Period
	value      float64 // NaN when missing
	marker     string
	num, den   float64 // NaN when missing
	lo95, up95 float64 // published limits, NaN when missing
	lo998      float64
	up998      float64
	sd         float64 // sample standard deviation, for means
}

// series holds an indicator's observations by period and area code.
type series struct {
	periods []period.Period
	obs     map[period.Period]map[string]*observation // England, regions, sub-regions, LAs
	sn      map[period.Period]map[string]*observation // published statistical-neighbour averages
}

func nullFloat(v sql.NullFloat64) float64 {
	if v.Valid {
		return v.Float64
	}
	return math.NaN()
}

// read runs the compiled query and groups the observations. Two rows for the same area, level
// and period mean the definition's filters are not specific enough: that is an error naming
// both rows, never a silent pick.
func (e *Engine) read(ctx context.Context, src reader, def *indicators.Definition, ds *datasets.Dataset) (*series, error) {
	q, err := compile(def, ds)
	if err != nil {
		return nil, err
	}
	unlock := src.lock()
	defer unlock()
	rows, err := src.q.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", def.ID, err)
	}
	defer rows.Close()
	s := &series{obs: map[period.Period]map[string]*observation{}, sn: map[period.Period]map[string]*observation{}}
	var markerMeaning map[string]string // the publisher's markers, in the code list's terms
	if f := datasets.FormatNamed(ds.Current.Format); f != nil {
		markerMeaning = f.Markers
	}
	periods := map[string]period.Period{}
	var problems errs.List
	for rows.Next() {
		var (
			o                                         observation
			areaCode, level, periodLabel              string
			marker                                    sql.NullString
			value, num, den, l95, u95, l998, u998, sd sql.NullFloat64
		)
		if err := rows.Scan(&o.row, &areaCode, &level, &periodLabel, &value, &marker, &num, &den, &l95, &u95, &l998, &u998, &sd); err != nil {
			return nil, fmt.Errorf("engine: read %s: %w", def.ID, err)
		}
		p, ok := periods[periodLabel]
		if !ok {
			if p, err = period.Parse(periodLabel); err != nil {
				return nil, fmt.Errorf("engine: read %s: stored period %q: %w", def.ID, periodLabel, err)
			}
			periods[periodLabel] = p
		}
		a, ok := e.Areas.Lookup(areaCode)
		if !ok {
			return nil, fmt.Errorf("engine: read %s: stored area %q is unknown", def.ID, areaCode)
		}
		o.area, o.level, o.period, o.marker = a, level, p, marker.String
		if m, ok := markerMeaning[o.marker]; ok {
			o.marker = m
		}
		o.value, o.num, o.den = nullFloat(value), nullFloat(num), nullFloat(den)
		o.lo95, o.up95, o.lo998, o.up998 = nullFloat(l95), nullFloat(u95), nullFloat(l998), nullFloat(u998)
		o.sd = nullFloat(sd)
		target := s.obs
		if level == datasets.LevelSNAverage {
			target = s.sn
		}
		byArea := target[p]
		if byArea == nil {
			byArea = map[string]*observation{}
			target[p] = byArea
		}
		if prev, dup := byArea[a.Code]; dup {
			problems.Add(errs.Detail{File: def.File, Field: "source.filters", Row: o.row,
				Reason: fmt.Sprintf("dataset %s has more than one row for %s %s (rows %d and %d): add a filter", ds.Name, a.Name, p, prev.row, o.row)})
			continue
		}
		ob := o
		byArea[a.Code] = &ob
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("engine: read %s: %w", def.ID, err)
	}
	rows.Close()
	unlock()
	if err := problems.Err("indicator %s: the source rows are ambiguous", def.ID); err != nil {
		return nil, err
	}
	for p := range s.obs {
		s.periods = append(s.periods, p)
	}
	sort.Slice(s.periods, func(i, j int) bool { return period.Compare(s.periods[i], s.periods[j]) < 0 })
	return s, nil
}

// evaluateIndicator computes every evaluation of one indicator.
func (e *Engine) evaluateIndicator(ctx context.Context, src reader, def *indicators.Definition, ds *datasets.Dataset, uploaded []targetEntry, at time.Time) ([]*Evaluation, error) {
	s, err := e.read(ctx, src, def, ds)
	if err != nil {
		return nil, err
	}
	targets, err := e.resolveTargets(def, uploaded)
	if err != nil {
		return nil, err
	}
	publication := false
	if f := datasets.FormatNamed(ds.Current.Format); f != nil {
		publication = f.Publication
	}
	var out []*Evaluation
	for _, p := range s.periods {
		byArea := s.obs[p]
		ranking := rankLAs(byArea, def)
		// Like an aggregate, a rank from a local return needs at least half the LAs: "1 of 1"
		// from a one-council return would say nothing. A publication's ranks are the
		// publisher's (LAIT ranks the 30 councils that have a value).
		if !publication && float64(ranking.n) < e.minCoverage()*float64(len(e.Areas.LocalAuthorities())) {
			ranking = rankLAs(nil, def)
		}
		england := e.englandComparator(def, ds.Current.Format, byArea)
		regions := map[string]*Comparator{}
		// Stable order: by area code.
		codes := make([]string, 0, len(byArea))
		for c := range byArea {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, code := range codes {
			o := byArea[code]
			ev := e.baseEvaluation(def, ds, o, at)
			if o.area.Level != areas.England {
				ev.Comparators.England = e.judge(def, ev, england)
			}
			if o.area.Level == areas.LocalAuthority {
				reg := e.Areas.Region(o.area)
				if reg != nil {
					rc, ok := regions[reg.Code]
					if !ok {
						rc = e.regionComparator(def, ds.Current.Format, reg, byArea)
						regions[reg.Code] = rc
					}
					ev.Comparators.Region = e.judge(def, ev, rc)
				}
				ev.Comparators.StatisticalNeighbours = e.judge(def, ev, e.neighbourComparator(o.area, byArea, s.sn[p]))
				if r, ok := ranking.ranks[code]; ok {
					ev.Rank = &Rank{Position: r, Of: ranking.n}
				}
				ev.Quartile = ranking.quartile(o.value)
				ev.Quintile = ranking.quintile(o.value)
			}
			var target *resolvedTarget
			if t := targets.lookup(code, p); t != nil {
				target = t.resolve(code, s)
			}
			ev.Direction = Direction{
				Previous: change(def, o, s, p.Previous(), target),
				YearAgo:  change(def, o, s, p.YearAgo(), target),
			}
			ev.RAG = rag(def, o, target, ev.Direction.YearAgo)
			// The forecast looks ahead to the next target that falls due; without one it explains
			// why the current target cannot be forecast.
			ahead := target
			if t := targets.upcoming(code, p); t != nil {
				ahead = t.resolve(code, s)
			}
			ev.Forecast = forecast(def, o, s, ahead)
			out = append(out, ev)
		}
	}
	addRecentTrends(def, out)
	return out, nil
}

// trendMethod names the recent-trend method in results: Fingertips' weighted-regression χ² over
// the five most recent valid annual points, with the leave-one-out sign check, at 99.8%.
const trendMethod = "fingertips_recent_trend"

// trendMethodCounts names the recent trend of a proportion found from its counts, without
// limits: Fingertips' chi-square test for trend ("SPC for proportions"), same sign check and level.
const trendMethodCounts = "fingertips_recent_trend_counts"

// addRecentTrends gives every evaluation Fingertips' recent trend over its area's points up to
// and including its period. evs must be in period order (evaluateIndicator's output is).
func addRecentTrends(def *indicators.Definition, evs []*Evaluation) {
	cannot := func(reason string) *Trend {
		return &Trend{Label: stats.TrendCannotBeCalculated, Reason: reason, Method: trendMethod}
	}
	switch {
	case def.Unit != indicators.Percentage && def.Unit != indicators.RatePer1000 &&
		def.Unit != indicators.RatePer10000 && def.Unit != indicators.RatePer100000:
		for _, ev := range evs {
			ev.RecentTrend = cannot("unsupported value type (" + string(def.Unit) + "): the test applies to proportions and crude rates")
		}
		return
	case def.CIMethod == indicators.CINone && !(def.IsProportion() && def.Source.Numerator != ""):
		// A proportion with counts has a trend from its counts even without limits (rule 5).
		for _, ev := range evs {
			ev.RecentTrend = cannot("no confidence limits (the indicator has no numerator and denominator)")
		}
		return
	}
	byArea := map[string][]*Evaluation{}
	for _, ev := range evs {
		byArea[ev.Area.Code] = append(byArea[ev.Area.Code], ev)
	}
	for _, series := range byArea {
		var points []stats.TrendPoint
		reason := ""
		for _, ev := range series {
			p, _ := period.Parse(ev.Period)
			switch {
			case reason != "":
			case p.Years() == 0:
				reason = "sub-annual periods: the test needs annual points"
			case !p.IsAnnual():
				reason = "overlapping (pooled) periods: the test needs independent annual points"
			}
			if reason != "" {
				ev.RecentTrend = cannot(reason)
				continue
			}
			points = append(points, trendPoint(ev))
			t := stats.RecentTrendWith(points, def.Polarity, stats.TrendOptions{Proportion: def.IsProportion()})
			rt := &Trend{Label: t.Label, Reason: t.Reason, Periods: t.Periods, Method: trendMethod}
			if t.Method == stats.TrendMethodCounts {
				rt.Method = trendMethodCounts
			}
			if t.Direction != stats.TrendCannotBeCalculated {
				rt.Slope, rt.ChiSquare = ptr(t.Slope), ptr(t.ChiSquare)
			}
			ev.RecentTrend = rt
		}
	}
}

func trendPoint(ev *Evaluation) stats.TrendPoint {
	f := func(v *float64) float64 {
		if v == nil {
			return math.NaN()
		}
		return *v
	}
	tp := stats.TrendPoint{Label: ev.Period, Count: f(ev.Numerator), Denominator: f(ev.Denominator), Value: f(ev.Value),
		Lower95: math.NaN(), Upper95: math.NaN()}
	if ev.CI != nil {
		tp.Lower95, tp.Upper95 = f(ev.CI.Lower95), f(ev.CI.Upper95)
	}
	return tp
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func areaRef(a *areas.Area) AreaRef {
	return AreaRef{Code: a.Code, Name: a.Name, Level: string(a.Level)}
}

// baseEvaluation fills value, counts, status and confidence interval.
func (e *Engine) baseEvaluation(def *indicators.Definition, ds *datasets.Dataset, o *observation, at time.Time) *Evaluation {
	ev := &Evaluation{
		Indicator:   def.ID,
		Area:        areaRef(o.area),
		Period:      o.period.String(),
		PeriodKind:  o.period.Kind().String(),
		PeriodEnd:   o.period.End().Format(time.DateOnly),
		Value:       ptr(o.value),
		Numerator:   ptr(o.num),
		Denominator: ptr(o.den),
		Marker:      o.marker,
		Source:      SourceRef{Dataset: ds.Name, Revision: ds.Revision, Row: o.row},
		EvaluatedAt: at,
	}
	switch {
	case ev.Value != nil:
		ev.Status = "ok"
		ev.DisplayValue = stats.FormatFixed(o.value, def.Decimals)
	case o.marker != "":
		ev.Status = "suppressed"
		ev.DisplayValue = o.marker
	default:
		ev.Status = "no_data"
	}
	ev.CI = confidenceInterval(def, o)
	return ev
}

// confidenceInterval computes (or reads) the 95% and 99.8% limits by the definition's method.
func confidenceInterval(def *indicators.Definition, o *observation) *CI {
	switch def.CIMethod {
	case indicators.CIPublished:
		if math.IsNaN(o.lo95) || math.IsNaN(o.up95) {
			return nil
		}
		return &CI{Method: "published", Lower95: ptr(o.lo95), Upper95: ptr(o.up95), Lower998: ptr(o.lo998), Upper998: ptr(o.up998), Published: true}
	case indicators.CIMeanT:
		if math.IsNaN(o.value) || math.IsNaN(o.sd) || math.IsNaN(o.den) {
			return nil
		}
		ci := CI{Method: "student_t"}
		for i, conf := range []float64{0.95, 0.998} {
			iv, err := stats.MeanT(o.value, o.sd, int(o.den), conf)
			if err != nil {
				return nil
			}
			if i == 0 {
				ci.Lower95, ci.Upper95 = ptr(iv.Lower), ptr(iv.Upper)
			} else {
				ci.Lower998, ci.Upper998 = ptr(iv.Lower), ptr(iv.Upper)
			}
		}
		return &ci
	case indicators.CIWilson, indicators.CIPoisson, indicators.CIPoissonExact:
		if math.IsNaN(o.num) || math.IsNaN(o.den) || math.IsNaN(o.value) {
			return nil
		}
		m := def.Source.Multiplier
		var ci CI
		for i, conf := range []float64{0.95, 0.998} {
			var iv stats.Interval
			var err error
			method := string(def.CIMethod)
			switch def.CIMethod {
			case indicators.CIWilson:
				iv, err = stats.Wilson(o.num, o.den, m, conf)
			case indicators.CIPoissonExact:
				iv, err = stats.PoissonExactRate(o.num, o.den, m, conf)
			default:
				iv, method, err = stats.PoissonRate(o.num, o.den, m, conf)
			}
			if err != nil {
				return nil
			}
			ci.Method = method
			if i == 0 {
				ci.Lower95, ci.Upper95 = ptr(iv.Lower), ptr(iv.Upper)
			} else {
				ci.Lower998, ci.Upper998 = ptr(iv.Lower), ptr(iv.Upper)
			}
		}
		return &ci
	}
	return nil
}

// uploadedTargets reads the targets dataset's current revision ds (nil when none has been
// loaded), by indicator. A revision that cannot be read as targets is not an error of the run:
// it gives no targets and a warning naming the revision, what is wrong and how to repair it.
// Only a cancelled context is an error.
func (e *Engine) uploadedTargets(ctx context.Context, src reader, ds *datasets.Dataset) (map[string][]targetEntry, string, error) {
	if ds == nil {
		return nil, "", nil
	}
	out, err := e.readTargets(ctx, src, ds)
	if err == nil {
		return out, "", nil
	}
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	warning := fmt.Sprintf("uploaded targets left out: revision %d of the %s dataset cannot be read as targets (%v); "+
		"evaluated with the definition's own targets only. Restore a good revision of %s or upload a targets file (%s)",
		ds.Revision, ds.Name, err, ds.Name, targetsHeader)
	if e.Log != nil {
		e.Log.Warn("uploaded targets left out", "dataset", ds.Name, "revision", ds.Revision, "error", err)
	}
	return nil, warning, nil
}

// targetsHeader is the header a targets file needs (datasets' targets format).
var targetsHeader = datasets.RequiredFormat(datasets.TargetsDataset).Header()

// readTargets reads a targets revision's rows by indicator.
func (e *Engine) readTargets(ctx context.Context, src reader, ds *datasets.Dataset) (map[string][]targetEntry, error) {
	if ds.Current.Format != "targets" {
		return nil, fmt.Errorf("it is a %s file, not a targets file", ds.Current.Format)
	}
	ttype := "NULL"
	if _, ok := ds.Column("tolerance_type"); ok {
		ttype = `"tolerance_type"`
	}
	defer src.lock()()
	rows, err := src.q.QueryContext(ctx, fmt.Sprintf(`SELECT "_row", "indicator", "_area", "_period", "target", coalesce("tolerance", 0), %s FROM %s
		WHERE "target" IS NOT NULL`, ttype, store.QuoteIdent(ds.Table)))
	if err != nil {
		return nil, fmt.Errorf("read targets: %w", err)
	}
	defer rows.Close()
	out := map[string][]targetEntry{}
	for rows.Next() {
		var row int
		var ind, area, label string
		var target, tol float64
		var tt sql.NullString
		if err := rows.Scan(&row, &ind, &area, &label, &target, &tol, &tt); err != nil {
			return nil, fmt.Errorf("read targets: %w", err)
		}
		p, err := period.Parse(label)
		if err != nil {
			return nil, fmt.Errorf("read targets: %w", err)
		}
		typ := indicators.ToleranceAbsolute
		if strings.EqualFold(tt.String, indicators.TolerancePercent) {
			typ = indicators.TolerancePercent
		}
		v := target
		out[ind] = append(out[ind], targetEntry{area: area, period: p, uploaded: true, t: resolvedTarget{
			Target: indicators.Target{Value: &v, Period: label, Area: area, Tolerance: tol, ToleranceType: typ},
			source: fmt.Sprintf("targets dataset, revision %d, row %d", ds.Revision, row),
			due:    p,
		}})
	}
	return out, rows.Err()
}
