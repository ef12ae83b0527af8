package engine

import (
	"fmt"
	"math"
	"time"

	"github.com/childrens-trust/scorecard/indicators"
	"github.com/childrens-trust/scorecard/period"
	"github.com/childrens-trust/scorecard/stats"
)

// Forecast statuses.
const (
	OnTrack     = "on_track"
	OffTrack    = "off_track"
	NotForecast = "not_forecast"
)

// forecastMethod describes the projection in results.
const forecastMethod = "linear least squares through the area's last (up to 5) values of the same period kind, against each period's end date, extended to the end of the target's period"

// minForecastPoints is the fewest points a projection is drawn through.
const minForecastPoints = 3

// Forecast is a linear projection of the area's recent values to the period its target is due.
type Forecast struct {
	Status       string   `json:"status"` // on_track, off_track, not_forecast
	TargetPeriod string   `json:"target_period,omitempty"`
	Target       *float64 `json:"target,omitempty"`
	Projected    *float64 `json:"projected,omitempty"`
	Periods      []string `json:"periods,omitempty"`
	Method       string   `json:"method"`
	Reason       string   `json:"reason,omitempty"`
}

// forecast projects the area's values to its target's due period. It is nil when there is no
// target, and not_forecast, with the reason, when no sound projection can be made.
func forecast(def *indicators.Definition, o *observation, s *series, t *resolvedTarget) *Forecast {
	if t == nil || t.unresolved != "" || math.IsNaN(o.value) {
		return nil
	}
	f := &Forecast{Method: forecastMethod, Target: ptr(t.value)}
	not := func(reason string) *Forecast {
		f.Status, f.Reason = NotForecast, reason
		return f
	}
	if t.due.IsZero() {
		return not("the target has no period to forecast to")
	}
	f.TargetPeriod = t.due.String()
	switch c := period.Compare(o.period, t.due); {
	case c == 0:
		return not("the target is due this period: the RAG status judges it")
	case c > 0 || !o.period.End().Before(t.due.End()):
		return not("the target's period has passed")
	}
	var xs, ys []float64
	for i := len(s.periods) - 1; i >= 0 && len(xs) < 5; i-- {
		p := s.periods[i]
		if p.Kind() != o.period.Kind() || period.Compare(p, o.period) > 0 {
			continue
		}
		if prev, ok := s.obs[p][o.area.Code]; ok && !math.IsNaN(prev.value) {
			xs = append(xs, years(p.End()))
			ys = append(ys, prev.value)
			f.Periods = append([]string{p.String()}, f.Periods...)
		}
	}
	if len(xs) < minForecastPoints {
		return not(fmt.Sprintf("too few points: %d with a value (%d needed)", len(xs), minForecastPoints))
	}
	slope, intercept := leastSquares(xs, ys)
	projected := intercept + slope*years(t.due.End())
	f.Projected = ptr(projected)
	var met bool
	switch def.Polarity {
	case stats.HigherIsBetter:
		met = atLeast(projected, t.value)
	case stats.LowerIsBetter:
		met = atMost(projected, t.value)
	case stats.CloserIsBetter:
		met = atMost(math.Abs(projected-t.value), t.GreenBand)
	default:
		return not("indicators without a good direction are not forecast against targets")
	}
	f.Status = OffTrack
	if met {
		f.Status = OnTrack
	}
	return f
}

// years is a date as fractional years, the x axis of the projection. The same month and day
// in different years are exactly whole years apart (leap days do not tilt annual series).
func years(t time.Time) float64 {
	return float64(t.Year()) + float64(t.Month()-1)/12 + float64(t.Day()-1)/(12*31)
}

// leastSquares fits y = intercept + slope·x.
func leastSquares(xs, ys []float64) (slope, intercept float64) {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, sy / n
	}
	slope = (n*sxy - sx*sy) / den
	return slope, (sy - slope*sx) / n
}
