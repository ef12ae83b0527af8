package engine

import (
	"context"
	"strings"
	"time"

	"github.com/childrens-trust/scorecard/stats"
)

// The rules that put a scorecard row on the exception report.
const (
	// RuleRedAgainstTarget: the row is red against its target.
	RuleRedAgainstTarget = "red_against_target"
	// RuleWorseAndWorsening: worse than England and getting worse (Fingertips' "red-red").
	RuleWorseAndWorsening = "worse_than_england_and_worsening"
)

// Exception is a scorecard row a board should discuss first, with why.
type Exception struct {
	Priority string              `json:"priority"`
	Row      ScorecardItemResult `json:"row"`
	// Rules are the rules the row meets (RuleRedAgainstTarget, RuleWorseAndWorsening).
	Rules []string `json:"rules"`
	// Reasons say the same in words, with the figures.
	Reasons []string `json:"reasons"`
}

// ExceptionReport is the exception report of a scorecard for an area and period.
type ExceptionReport struct {
	Scorecard       string  `json:"scorecard"`
	Title           string  `json:"title"`
	Area            AreaRef `json:"area"`
	RequestedPeriod string  `json:"requested_period,omitempty"`
	// DataAsAt is when the newest dataset revision behind the rows was made (Board.DataAsAt).
	DataAsAt *time.Time `json:"data_as_at"`
	// Rule describes the rules in words.
	Rule string `json:"rule"`
	// Rows is how many rows were checked.
	Rows       int         `json:"rows"`
	Exceptions []Exception `json:"exceptions"`
}

// ExceptionRule is ExceptionReport.Rule.
const ExceptionRule = "A row is an exception when it is red against its target, or when it is worse than England " +
	"(significantly, by the 95% confidence interval; only for an indicator with no confidence-interval method, by the plain difference) and getting worse: " +
	"worsening since the previous period, or a recent trend getting worse (Fingertips' \"red-red\")."

// Exceptions reads a scorecard's board (Board's arguments and errors) and returns its exception
// report: the same rows, reasons and commentary as the board pages show.
func (e *Engine) Exceptions(ctx context.Context, id, area, p string) (*ExceptionReport, error) {
	b, err := e.Board(ctx, id, area, p)
	if err != nil {
		return nil, err
	}
	return b.ExceptionReport(), nil
}

// ExceptionReport is the board's exception report: the rows that meet an exception rule, in the
// scorecard's order, with their rules and reasons (BoardRow.Rules and Reasons).
func (b *Board) ExceptionReport() *ExceptionReport {
	rep := &ExceptionReport{Scorecard: b.ID, Title: b.Title, Area: b.Area, RequestedPeriod: b.RequestedPeriod,
		DataAsAt: b.DataAsAt, Rule: ExceptionRule, Exceptions: []Exception{}}
	for _, pr := range b.Priorities {
		for _, row := range pr.Rows {
			rep.Rows++
			if len(row.Rules) > 0 {
				rep.Exceptions = append(rep.Exceptions, Exception{Priority: pr.Title, Row: row.ScorecardItemResult, Rules: row.Rules, Reasons: row.Reasons})
			}
		}
	}
	return rep
}

// exceptionRules are the rules an evaluation meets, with reasons in words.
func exceptionRules(ev *Evaluation) (rules, reasons []string) {
	if ev == nil {
		return nil, nil
	}
	if ev.RAG.Status == Red {
		rules = append(rules, RuleRedAgainstTarget)
		reason := "Red against its target"
		if ev.RAG.Reason != "" {
			reason += ": " + ev.RAG.Reason
		}
		reasons = append(reasons, reason)
	}
	eng := ev.Comparators.England
	if eng == nil || (eng.Judgement != stats.Worse && eng.Judgement != stats.Worst) {
		return rules, reasons
	}
	var worsening []string
	if d := ev.Direction.Previous; d != nil && d.Judgement == Worsening {
		worsening = append(worsening, "worsening since "+d.Period)
	}
	if t := ev.RecentTrend; t != nil && (t.Label == stats.TrendIncreasingGettingWorse || t.Label == stats.TrendDecreasingGettingWorse) {
		worsening = append(worsening, "recent trend "+strings.ReplaceAll(strings.ReplaceAll(string(t.Label), "_getting_", " and getting "), "_", " "))
	}
	if len(worsening) == 0 {
		return rules, reasons
	}
	how := "worse than England by the plain difference (the indicator has no confidence-interval method; not a significance test)"
	if strings.HasPrefix(eng.Method, "ci95") {
		how = "significantly worse than England (95% confidence interval)"
	}
	rules = append(rules, RuleWorseAndWorsening)
	reasons = append(reasons, strings.ToUpper(how[:1])+how[1:]+", and "+strings.Join(worsening, "; "))
	return rules, reasons
}
